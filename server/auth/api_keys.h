// server/auth/api_keys.h: merchant API keys (X-Hilt-Key).
//  - A key is "hk_" + base58 of 32 random bytes; it is shown once, at creation, and stored only as its
//    SHA-256 (hex). Lookups hash the presented key and compare hashes in constant time.
//  - key_id ("key_…") and a short display prefix ("hk_AbCd…") identify a key in listings without revealing it.
// WARNING: never log a full key, never store one.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace hilt::server {

inline constexpr std::string_view kApiKeyPrefix = "hk_";
// Characters of the key shown in listings (prefix included), enough to tell keys apart.
inline constexpr std::size_t kApiKeyDisplayChars = 10;

struct NewApiKey {
    std::string key_id;
    std::string secret;        // the full key, returned to the merchant once
    std::string secret_hash;   // hex SHA-256, what the store keeps
    std::string display_hint;  // "hk_AbCdEfG…"
};

NewApiKey generate_api_key();
// Hashes a presented key for lookup; invalid format → unauthorized (without hashing arbitrary junk).
[[nodiscard]] Result<std::string> hash_presented_api_key(std::string_view presented);
// Prefixed random id: new_id("prod") -> "prod_" + 24 base58 characters.
std::string new_id(std::string_view prefix);

}  // namespace hilt::server
