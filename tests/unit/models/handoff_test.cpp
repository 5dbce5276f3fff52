// Tests for shared/models/handoff.h and identity.h.
#include <gtest/gtest.h>

#include "models/handoff.h"
#include "support/fixtures.h"

namespace hilt::models {
namespace {

TEST(Identity, ValuesFollowTheirTypeRules) {
    EXPECT_TRUE(validate_identity_value(IdentityType::Wallet, "mvines9iiHiQTysrwkJjGf2gb9Ex9jXJX8ns3qwf2kN"));
    EXPECT_FALSE(validate_identity_value(IdentityType::Wallet, "mvines"));
    EXPECT_TRUE(validate_identity_value(IdentityType::DiscordUser, "80351110224678912"));
    EXPECT_FALSE(validate_identity_value(IdentityType::DiscordUser, "1234"));
    EXPECT_FALSE(validate_identity_value(IdentityType::DiscordUser, "123456789012345678901"));
    EXPECT_TRUE(validate_identity_value(IdentityType::TelegramUser, "93372553"));
    EXPECT_FALSE(validate_identity_value(IdentityType::TelegramUser, "@durov"));
    EXPECT_FALSE(validate_identity_value(IdentityType::TelegramUser, "0123"));
    EXPECT_TRUE(validate_identity_value(IdentityType::Email, "buyer@example.com"));
    for (const char* bad : {"buyer", "@example.com", "buyer@", "a@b@c.com", "buyer@localhost",
                            "bu yer@example.com"}) {
        EXPECT_FALSE(validate_identity_value(IdentityType::Email, bad)) << bad;
    }
}

TEST(HandoffLinkRequest, ExpiryIsOptionalAndBounded) {
    auto base = Json::parse(hilt::test::read_fixture("models/handoff_link_request.json"), nullptr, false);
    base.erase("expires_in_seconds");
    auto without = parse<HandoffLinkRequest>(dump_json(base));
    ASSERT_TRUE(without) << describe(without.error());
    EXPECT_FALSE(without->expires_in_seconds);
    base["expires_in_seconds"] = kMaxHandoffTtlSeconds;
    EXPECT_TRUE(parse<HandoffLinkRequest>(dump_json(base)));
    base["expires_in_seconds"] = kMaxHandoffTtlSeconds + 1;
    EXPECT_EQ(parse<HandoffLinkRequest>(dump_json(base)).error().field, "expires_in_seconds");
}

TEST(HandoffClaims, MustExpireAfterTheyAreIssued) {
    auto json = Json::parse(hilt::test::read_fixture("models/handoff_claims.json"), nullptr, false);
    json["expires_at"] = json["issued_at"];
    auto result = parse<HandoffClaims>(dump_json(json));
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, ErrorCode::OutOfRange);
    EXPECT_EQ(result.error().field, "expires_at");
}

TEST(HandoffClaims, ResolveResponseDropsTheIdentityValue) {
    auto claims = parse<HandoffClaims>(hilt::test::read_fixture("models/handoff_claims.json"));
    ASSERT_TRUE(claims) << describe(claims.error());
    const HandoffResolveResponse response = to_resolve_response(*claims);
    const Json golden =
        Json::parse(hilt::test::read_fixture("models/handoff_resolve_response.json"), nullptr, false);
    EXPECT_EQ(to_json(response), golden);
    EXPECT_EQ(dump(response).find("80351110224678912"), std::string::npos);
}

}  // namespace
}  // namespace hilt::models
