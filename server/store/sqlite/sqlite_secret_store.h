// server/store/sqlite/sqlite_secret_store.h: SecretStore on SQLite (table server_secrets).
// WARNING: the values are secrets: never log them or return them from a route.
// Must never: run SQL without holding the shared connection's mutex.
#pragma once

#include <mutex>

#include "store/secrets.h"
#include "store/sqlite/database.h"

namespace hilt::server {

class SqliteSecretStore final : public SecretStore {
public:
    // The store shares one connection with the rest of hiltd; `mutex` serialises access to it.
    SqliteSecretStore(Database& db, std::mutex& mutex) : db_(db), mutex_(mutex) {}

    // INSERT OR IGNORE fresh bytes, then read back whatever row won.
    [[nodiscard]] Result<SecretBytes<32>> load_or_create(const std::string& name,
                                                         std::int64_t now) override;

private:
    Database& db_;
    std::mutex& mutex_;
};

}  // namespace hilt::server
