// server/store/sqlite/sqlite_merchant_store.h: MerchantStore on SQLite (merchants, api_keys).
// Must never: run SQL without holding the shared connection's mutex.
#pragma once

#include <mutex>

#include "store/merchant_store.h"
#include "store/sqlite/database.h"

namespace hilt::server {

class SqliteMerchantStore final : public MerchantStore {
public:
    // The store shares one connection with the rest of hiltd; `mutex` serialises access to it.
    SqliteMerchantStore(Database& db, std::mutex& mutex) : db_(db), mutex_(mutex) {}

    [[nodiscard]] Result<std::pair<Merchant, CreatedKey>> create_merchant(
        const std::string& name, std::int64_t now) override;
    [[nodiscard]] Result<Merchant> find_merchant(const std::string& merchant_id) override;
    [[nodiscard]] Result<Merchant> set_subscriptions_enabled(const std::string& merchant_id,
                                                             bool enabled) override;
    [[nodiscard]] Result<CreatedKey> create_key(const std::string& merchant_id,
                                                const std::optional<std::string>& label,
                                                std::int64_t now) override;
    [[nodiscard]] Result<std::vector<ApiKeyRecord>> list_keys(
        const std::string& merchant_id) override;
    [[nodiscard]] Result<ApiKeyRecord> revoke_key(const std::string& merchant_id,
                                                  const std::string& key_id,
                                                  std::int64_t now) override;
    [[nodiscard]] Result<Merchant> authenticate(const std::string& secret_hash) override;
    [[nodiscard]] Result<ApiKeyRecord> live_key(const std::string& secret_hash) override;

private:
    [[nodiscard]] Result<Merchant> find_merchant_locked(const std::string& merchant_id);
    [[nodiscard]] Result<CreatedKey> insert_key_locked(const std::string& merchant_id,
                                                       const std::optional<std::string>& label,
                                                       std::int64_t now);
    Database& db_;
    std::mutex& mutex_;
};

}  // namespace hilt::server
