// server/store/merchant_store.h: merchants (workspaces) and their API keys, as an interface any
// storage backend implements (SQLite: store/sqlite/sqlite_merchant_store.h).
//  - Keys are stored as SHA-256 only (auth/api_keys.h); the full key leaves this module once, at
//    creation.
//  - Every read is scoped by merchant_id: one merchant can never see or revoke another's key
//    (not_found).
// Must never: hold SQL or a backend's types. Backends share the validation below.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"

namespace hilt::server {

struct Merchant {
    std::string merchant_id;
    std::string name;
    bool subscriptions_enabled = false;
    std::int64_t created_at = 0;
};

struct ApiKeyRecord {
    std::string key_id;
    std::string merchant_id;
    std::string display_hint;
    std::optional<std::string> label;
    std::int64_t created_at = 0;
    std::optional<std::int64_t> revoked_at;
};

struct CreatedKey {
    ApiKeyRecord record;
    std::string secret;  // shown once
};

// Longest merchant name and key label accepted.
inline constexpr std::size_t kMerchantNameMaxChars = 120;
inline constexpr std::size_t kApiKeyLabelMaxChars = 80;

// A non-empty name of at most kMerchantNameMaxChars characters (too_short / too_long on "name").
[[nodiscard]] Status check_merchant_name(const std::string& name);
// No label, or one of at most kApiKeyLabelMaxChars characters (too_long on "label").
[[nodiscard]] Status check_api_key_label(const std::optional<std::string>& label);

class MerchantStore {
public:
    virtual ~MerchantStore() = default;

    // The merchant and its first key ("first key"), in one store transaction.
    [[nodiscard]] virtual Result<std::pair<Merchant, CreatedKey>> create_merchant(
        const std::string& name, std::int64_t now) = 0;
    [[nodiscard]] virtual Result<Merchant> find_merchant(const std::string& merchant_id) = 0;
    // Turns subscriptions (AUTOMATIC renewal) on or off for a workspace and returns the merchant as
    // stored; not_found (and nothing changed) for an unknown merchant_id. Idempotent. Off stops new
    // AUTOMATIC products only; products and memberships that exist are left as they are.
    [[nodiscard]] virtual Result<Merchant> set_subscriptions_enabled(const std::string& merchant_id,
                                                                     bool enabled) = 0;
    [[nodiscard]] virtual Result<CreatedKey> create_key(const std::string& merchant_id,
                                                        const std::optional<std::string>& label,
                                                        std::int64_t now) = 0;
    // Newest first.
    [[nodiscard]] virtual Result<std::vector<ApiKeyRecord>> list_keys(
        const std::string& merchant_id) = 0;
    // Idempotent: revoking a revoked key returns it unchanged.
    [[nodiscard]] virtual Result<ApiKeyRecord> revoke_key(const std::string& merchant_id,
                                                          const std::string& key_id,
                                                          std::int64_t now) = 0;
    // The merchant owning an unrevoked key with this hash; unauthorized otherwise.
    [[nodiscard]] virtual Result<Merchant> authenticate(const std::string& secret_hash) = 0;
    // The unrevoked key with this hash (what a session token is bound to); unauthorized otherwise.
    [[nodiscard]] virtual Result<ApiKeyRecord> live_key(const std::string& secret_hash) = 0;
};

}  // namespace hilt::server
