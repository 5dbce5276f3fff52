// server/store/secrets.h: keys the server generates once and keeps in its store or its key folder
// (JWT signing key, receipt signing seed). Created atomically on first use; every later start reads
// the same bytes. WARNING: the values are secrets: never log them or return them from a route.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>

#include "core/result.h"
#include "crypto/sodium.h"
#include "store/sqlite.h"

namespace hilt::server {

// With an empty key_dir the secret lives in the store's server_secrets table; otherwise in the file
// <key_dir>/<name>.key (32 raw bytes, created 0600, the folder 0700). A key file of another size,
// or one group or others may read or write, is refused (invalid_key), never replaced.
[[nodiscard]] Result<SecretBytes<32>> load_or_create_secret(Database& db, std::mutex& mutex,
                                                            const std::string& name,
                                                            std::int64_t now,
                                                            const std::string& key_dir = {});

}  // namespace hilt::server
