// server/auth/jwt.cpp: HS256 JWT signing and verification.
#include "auth/jwt.h"

#include <nlohmann/json.hpp>

#include "encoding/base64.h"

namespace hilt::server {

namespace {
constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";

Error unauthorized(std::string message) { return fail(ErrorCode::Unauthorized, std::move(message)); }

bool is_int(const nlohmann::json& object, const char* key) {
    const auto it = object.find(key);
    return it != object.end() && it->is_number_integer();
}
}  // namespace

std::string jwt_sign(const JwtClaims& claims, const SecretBytes<32>& key) {
    nlohmann::json payload = {{"sub", claims.subject},
                              {"jti", claims.token_id},
                              {"iat", claims.issued_at},
                              {"exp", claims.expires_at}};
    if (!claims.key_id.empty()) payload["key_id"] = claims.key_id;
    std::string signing_input = base64url_encode(as_bytes(kHeader)) + "." +
                                base64url_encode(as_bytes(payload.dump()));
    const auto mac = hmac_sha256(key.view(), as_bytes(signing_input));
    return signing_input + "." + base64url_encode(mac);
}

Result<JwtClaims> jwt_verify(std::string_view token, const SecretBytes<32>& key, std::int64_t now) {
    if (token.size() > kJwtMaxLength) return unauthorized("token is too long");
    const auto first = token.find('.');
    const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
    if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
        return unauthorized("token is not a JWS compact serialization");
    }
    auto header_bytes = base64url_decode(token.substr(0, first));
    if (!header_bytes) return unauthorized("token header is not base64url");
    const auto header = nlohmann::json::parse(to_string(*header_bytes), nullptr, false);
    if (header.is_discarded() || !header.is_object()) return unauthorized("token header is not JSON");
    const auto alg = header.find("alg");
    if (alg == header.end() || !alg->is_string() || alg->get<std::string>() != "HS256") {
        return unauthorized("token algorithm is not accepted");
    }

    const auto signing_input = token.substr(0, second);
    auto signature = base64url_decode(token.substr(second + 1));
    if (!signature) return unauthorized("token signature is not base64url");
    const auto expected = hmac_sha256(key.view(), as_bytes(signing_input));
    if (!constant_time_equal(*signature, expected)) return unauthorized("token signature is invalid");

    auto payload_bytes = base64url_decode(token.substr(first + 1, second - first - 1));
    if (!payload_bytes) return unauthorized("token payload is not base64url");
    const auto payload = nlohmann::json::parse(to_string(*payload_bytes), nullptr, false);
    if (payload.is_discarded() || !payload.is_object() || !is_int(payload, "exp") ||
        !is_int(payload, "iat") || !payload.contains("sub") || !payload["sub"].is_string()) {
        return unauthorized("token claims are incomplete");
    }
    JwtClaims claims;
    claims.subject = payload["sub"].get<std::string>();
    if (payload.contains("jti") && payload["jti"].is_string()) claims.token_id = payload["jti"].get<std::string>();
    if (payload.contains("key_id") && payload["key_id"].is_string()) {
        claims.key_id = payload["key_id"].get<std::string>();
    }
    claims.issued_at = payload["iat"].get<std::int64_t>();
    claims.expires_at = payload["exp"].get<std::int64_t>();
    if (now >= claims.expires_at) return unauthorized("token has expired");
    if (claims.issued_at > now + kJwtClockSkewSeconds) return unauthorized("token is not valid yet");
    return claims;
}

}  // namespace hilt::server
