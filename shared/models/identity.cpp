// shared/models/identity.cpp: identity values and their JSON (see identity.h).
#include "models/identity.h"

#include "models/json_reader.h"
#include "solana/pubkey.h"

namespace hilt::models {
namespace {

bool all_digits(std::string_view text) {
    for (char c : text) {
        if (c < '0' || c > '9') return false;
    }
    return true;
}

// Discord snowflakes are 64-bit integers written in decimal: 17 digits since 2015, at most 20.
constexpr std::size_t kMinSnowflakeDigits = 17;
constexpr std::size_t kMaxSnowflakeDigits = 20;
// Telegram user ids are positive integers below 2^52 (at most 16 digits); 20 leaves room.
constexpr std::size_t kMaxTelegramIdDigits = 20;

}  // namespace

Status validate_identity_value(IdentityType type, std::string_view value) {
    switch (type) {
    case IdentityType::Wallet: {
        if (value.size() > 44) return fail(ErrorCode::InvalidLength, "must be a base58 32-byte key");
        auto key = solana::PublicKey::parse(value);
        if (!key) return key.error();
        return {};
    }
    case IdentityType::DiscordUser:
        if (value.size() < kMinSnowflakeDigits || value.size() > kMaxSnowflakeDigits ||
            !all_digits(value)) {
            return fail(ErrorCode::InvalidValue, "must be a Discord user id (17 to 20 digits)");
        }
        return {};
    case IdentityType::TelegramUser:
        if (value.empty() || value.size() > kMaxTelegramIdDigits || !all_digits(value) ||
            value.front() == '0') {
            return fail(ErrorCode::InvalidValue, "must be a Telegram user id (digits)");
        }
        return {};
    case IdentityType::Email: {
        const auto at_sign = value.find('@');
        const bool ok = value.size() <= kMaxEmailBytes && at_sign != std::string_view::npos &&
                        at_sign > 0 && at_sign + 1 < value.size() &&
                        value.find('@', at_sign + 1) == std::string_view::npos &&
                        value.substr(at_sign + 1).find('.') != std::string_view::npos &&
                        value.find_first_of(" \t\r\n<>\"") == std::string_view::npos;
        if (!ok) return fail(ErrorCode::InvalidValue, "must be an email address");
        return {};
    }
    }
    return fail(ErrorCode::InvalidEnum, "unknown identity type");
}

PublicIdentity to_public(const Identity& identity) {
    return PublicIdentity{identity.type, identity.display_name};
}

Status from_json(const Json& json, Identity& out) {
    ObjectReader r(json);
    r.required("type", out.type, enumeration<IdentityType>());
    r.required("value", out.value, text({.min_chars = 1, .max_chars = kMaxEmailBytes}));
    if (r.ok()) {
        if (auto valid = validate_identity_value(out.type, out.value); !valid) {
            r.record(at("value", valid.error()));
        }
    }
    r.optional("display_name", out.display_name,
               text({.min_chars = 1, .max_chars = kMaxDisplayNameChars}));
    return r.finish();
}

Json to_json(const Identity& value) {
    Json json = {{"type", to_wire(value.type)}, {"value", value.value}};
    put_optional(json, "display_name", value.display_name);
    return json;
}

Status from_json(const Json& json, PublicIdentity& out) {
    ObjectReader r(json);
    r.required("type", out.type, enumeration<IdentityType>());
    r.optional("display_name", out.display_name,
               text({.min_chars = 1, .max_chars = kMaxDisplayNameChars}));
    return r.finish();
}

Json to_json(const PublicIdentity& value) {
    Json json = {{"type", to_wire(value.type)}};
    put_optional(json, "display_name", value.display_name);
    return json;
}

}  // namespace hilt::models
