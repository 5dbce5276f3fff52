// server/store/sqlite/sqlite_idempotency_store.h: IdempotencyStore on SQLite (idempotency_keys).
// Must never: run SQL without holding the shared connection's mutex.
#pragma once

#include <mutex>

#include "store/idempotency_store.h"
#include "store/sqlite/database.h"

namespace hilt::server {

class SqliteIdempotencyStore final : public IdempotencyStore {
public:
    // The store shares one connection with the rest of hiltd; `mutex` serialises access to it.
    SqliteIdempotencyStore(Database& db, std::mutex& mutex) : db_(db), mutex_(mutex) {}

    [[nodiscard]] Result<std::optional<StoredResponse>> begin(const std::string& scope,
                                                              const std::string& key,
                                                              const std::string& request_hash,
                                                              std::int64_t now) override;
    [[nodiscard]] Status finish(const std::string& scope, const std::string& key,
                                const StoredResponse& response) override;
    [[nodiscard]] Status release(const std::string& scope, const std::string& key) override;

private:
    Database& db_;
    std::mutex& mutex_;
};

}  // namespace hilt::server
