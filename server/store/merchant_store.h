// server/store/merchant_store.h: merchants (workspaces) and their API keys.
//  - Keys are stored as SHA-256 only (auth/api_keys.h); the full key leaves this module once, at creation.
//  - Every read is scoped by merchant_id: one merchant can never see or revoke another's key (not_found).
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/sqlite.h"

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

class MerchantStore {
public:
    // The store shares one connection with the rest of hiltd; `mutex` serialises access to it.
    MerchantStore(Database& db, std::mutex& mutex) : db_(db), mutex_(mutex) {}

    [[nodiscard]] Result<std::pair<Merchant, CreatedKey>> create_merchant(const std::string& name,
                                                                          std::int64_t now);
    [[nodiscard]] Result<Merchant> find_merchant(const std::string& merchant_id);
    [[nodiscard]] Result<CreatedKey> create_key(const std::string& merchant_id,
                                                const std::optional<std::string>& label, std::int64_t now);
    [[nodiscard]] Result<std::vector<ApiKeyRecord>> list_keys(const std::string& merchant_id);
    // Idempotent: revoking a revoked key returns it unchanged.
    [[nodiscard]] Result<ApiKeyRecord> revoke_key(const std::string& merchant_id, const std::string& key_id,
                                                  std::int64_t now);
    // The merchant owning an unrevoked key with this hash; unauthorized otherwise.
    [[nodiscard]] Result<Merchant> authenticate(const std::string& secret_hash);

private:
    [[nodiscard]] Result<CreatedKey> insert_key_locked(const std::string& merchant_id,
                                                       const std::optional<std::string>& label,
                                                       std::int64_t now);
    Database& db_;
    std::mutex& mutex_;
};

}  // namespace hilt::server
