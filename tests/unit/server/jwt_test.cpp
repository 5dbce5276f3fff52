#include <gtest/gtest.h>

#include "auth/jwt.h"
#include "encoding/base64.h"

namespace hilt::server {
namespace {

SecretBytes<32> key_of(std::uint8_t v) {
    std::array<std::uint8_t, 32> bytes{};
    bytes.fill(v);
    return SecretBytes<32>(bytes);
}

constexpr std::int64_t kNow = 1'800'000'000;

JwtClaims claims() { return {"mer_123", "jti_1", kNow, kNow + kJwtLifetimeSeconds, "key_1"}; }

std::string segment(std::string_view json) { return base64url_encode(as_bytes(json)); }

TEST(Jwt, ASignedTokenVerifiesAndCarriesItsClaims) {
    const auto token = jwt_sign(claims(), key_of(1));
    auto verified = jwt_verify(token, key_of(1), kNow + 10);
    ASSERT_TRUE(verified) << describe(verified.error());
    EXPECT_EQ(verified->subject, "mer_123");
    EXPECT_EQ(verified->token_id, "jti_1");
    EXPECT_EQ(verified->expires_at, kNow + kJwtLifetimeSeconds);
    EXPECT_EQ(verified->key_id, "key_1");
}

TEST(Jwt, HmacMatchesAnIndependentComputation) {
    // RFC 7515 A.1 key and signing input, HS256: the published signature.
    auto key_bytes = base64url_decode(
        "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow");
    ASSERT_TRUE(key_bytes);
    const std::string input =
        "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
        "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
    EXPECT_EQ(base64url_encode(hmac_sha256(*key_bytes, as_bytes(input))),
              "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
}

TEST(Jwt, ExpiredTokensAreRejected) {
    const auto token = jwt_sign(claims(), key_of(1));
    auto late = jwt_verify(token, key_of(1), kNow + kJwtLifetimeSeconds);
    ASSERT_FALSE(late);
    EXPECT_EQ(late.error().code, ErrorCode::Unauthorized);
}

TEST(Jwt, AnotherKeyOrATamperedPayloadIsRejected) {
    const auto token = jwt_sign(claims(), key_of(1));
    EXPECT_FALSE(jwt_verify(token, key_of(2), kNow));
    const auto first = token.find('.');
    const auto second = token.find('.', first + 1);
    const std::string forged = token.substr(0, first + 1) +
                               segment(R"({"sub":"mer_other","jti":"x","iat":1800000000,"exp":1900000000})") +
                               token.substr(second);
    EXPECT_FALSE(jwt_verify(forged, key_of(1), kNow));
}

TEST(Jwt, AlgorithmNoneAndOtherAlgorithmsAreRejected) {
    const std::string payload = segment(R"({"sub":"mer_123","jti":"x","iat":1800000000,"exp":1900000000})");
    for (const char* header : {R"({"alg":"none","typ":"JWT"})", R"({"alg":"HS384","typ":"JWT"})",
                               R"({"alg":"EdDSA","typ":"JWT"})", R"({"typ":"JWT"})", R"({"alg":null})"}) {
        const std::string signing_input = segment(header) + "." + payload;
        const auto mac = hmac_sha256(key_of(1).view(), as_bytes(signing_input));
        for (const std::string& token : {signing_input + ".", signing_input + "." + base64url_encode(mac)}) {
            auto result = jwt_verify(token, key_of(1), kNow);
            ASSERT_FALSE(result) << header;
            EXPECT_EQ(result.error().code, ErrorCode::Unauthorized);
        }
    }
}

TEST(Jwt, MalformedTokensAreRejectedWithoutCrashing) {
    for (const std::string& token :
         {std::string(), std::string("."), std::string(".."), std::string("a.b.c.d"), std::string("!!.??.**"),
          std::string(5000, 'a'), segment("[]") + "." + segment("{}") + ".x"}) {
        EXPECT_FALSE(jwt_verify(token, key_of(1), kNow)) << token.substr(0, 40);
    }
}

TEST(Jwt, ClaimsWithWrongTypesAreRejected) {
    const std::string header = segment(R"({"alg":"HS256","typ":"JWT"})");
    for (const char* payload : {R"({"sub":"m","iat":"1800000000","exp":1900000000})",
                                R"({"sub":5,"iat":1800000000,"exp":1900000000})",
                                R"({"sub":"m","iat":1800000000})",
                                R"({"sub":"m","iat":1800000000,"exp":1.9e9})"}) {
        const std::string signing_input = header + "." + segment(payload);
        const auto mac = hmac_sha256(key_of(1).view(), as_bytes(signing_input));
        EXPECT_FALSE(jwt_verify(signing_input + "." + base64url_encode(mac), key_of(1), kNow)) << payload;
    }
}

}  // namespace
}  // namespace hilt::server
