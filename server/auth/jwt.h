// server/auth/jwt.h: the short-lived merchant session tokens of POST /v1/auth/token (api.md "Auth").
//  - HS256 only. The algorithm is fixed server-side: a token whose header names any other "alg" (including
//    "none", "HS384", "EdDSA") is rejected before its signature is looked at.
//  - exp is mandatory and enforced against the caller's clock; iat in the future (beyond a small skew) is
//    rejected too.
//  - The signature is compared in constant time.
// WARNING: never log a token or the signing key.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"
#include "crypto/sodium.h"

namespace hilt::server {

// Seconds a token lives: long enough for a dashboard session step, short enough that a leaked one expires.
inline constexpr std::int64_t kJwtLifetimeSeconds = 15 * 60;
// Clock skew tolerated on iat.
inline constexpr std::int64_t kJwtClockSkewSeconds = 60;
// Longest token text accepted before any decoding work.
inline constexpr std::size_t kJwtMaxLength = 2048;

struct JwtClaims {
    std::string subject;   // merchant id
    std::string token_id;  // jti
    std::int64_t issued_at = 0;
    std::int64_t expires_at = 0;
    // The API key that minted the token (claim "key_id"): revoking the key ends the token too
    // (routes/auth.cpp). Empty when the token names none; the routes refuse such a token.
    std::string key_id = {};
};

std::string jwt_sign(const JwtClaims& claims, const SecretBytes<32>& key);
// unauthorized for anything that is not a valid, unexpired token signed with `key`.
[[nodiscard]] Result<JwtClaims> jwt_verify(std::string_view token, const SecretBytes<32>& key,
                                           std::int64_t now);

}  // namespace hilt::server
