// server/store/secrets.h: keys the server generates once and keeps in its store or its key folder
// (JWT signing key, receipt signing seed). Created atomically on first use; every later start reads
// the same bytes. WARNING: the values are secrets: never log them or return them from a route.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/result.h"
#include "crypto/sodium.h"

namespace hilt::server {

// Where a storage backend keeps the server's keys when there is no key folder (SQLite: the
// server_secrets table, store/sqlite/sqlite_secret_store.h).
class SecretStore {
public:
    virtual ~SecretStore() = default;
    // The 32 bytes stored under `name`, created from fresh random bytes on first use. Concurrent
    // first calls agree on one value: the first write wins and every caller reads back what won.
    [[nodiscard]] virtual Result<SecretBytes<32>> load_or_create(const std::string& name,
                                                                 std::int64_t now) = 0;
};

// With an empty key_dir the secret lives in `store`; otherwise in the file <key_dir>/<name>.key
// (32 raw bytes, created 0600, the folder 0700) and `store` is not used. A key file of another
// size, or one group or others may read or write, is refused (invalid_key), never replaced.
[[nodiscard]] Result<SecretBytes<32>> load_or_create_secret(SecretStore& store,
                                                            const std::string& name,
                                                            std::int64_t now,
                                                            const std::string& key_dir = {});

}  // namespace hilt::server
