// shared/models/identity.h: who the buyer is on the merchant's platform (handoff links, memberships).
//
// Owns: Identity {type, value, display_name?} and its public projection PublicIdentity {type, display_name?}.
// Must never: put an identity's `value` into anything a buyer-facing route returns (use PublicIdentity).
//
// value rules per type: WALLET a base58 32-byte key; DISCORD_USER a snowflake (17..20 digits);
// TELEGRAM_USER a numeric user id (1..20 digits); EMAIL local@domain, at most kMaxEmailBytes.
#pragma once

#include <optional>
#include <string>

#include "models/common.h"

namespace hilt::models {

inline constexpr std::size_t kMaxEmailBytes = 254;        // RFC 5321 path limit
inline constexpr std::size_t kMaxDisplayNameChars = 100;  // fits one line of the checkout header

struct Identity {
    IdentityType type = IdentityType::Wallet;
    std::string value;
    std::optional<std::string> display_name;

    friend bool operator==(const Identity&, const Identity&) = default;
};

struct PublicIdentity {
    IdentityType type = IdentityType::Wallet;
    std::optional<std::string> display_name;

    friend bool operator==(const PublicIdentity&, const PublicIdentity&) = default;
};

[[nodiscard]] Status validate_identity_value(IdentityType type, std::string_view value);
PublicIdentity to_public(const Identity& identity);

[[nodiscard]] Status from_json(const Json& json, Identity& out);
Json to_json(const Identity& value);
[[nodiscard]] Status from_json(const Json& json, PublicIdentity& out);
Json to_json(const PublicIdentity& value);

}  // namespace hilt::models
