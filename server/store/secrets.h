// server/store/secrets.h: keys the server generates once and keeps in its store (JWT signing key, receipt
// signing seed). Created atomically on first use; every later start reads the same bytes.
// WARNING: the values are secrets: never log them or return them from a route.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>

#include "core/result.h"
#include "crypto/sodium.h"
#include "store/sqlite.h"

namespace hilt::server {

[[nodiscard]] Result<SecretBytes<32>> load_or_create_secret(Database& db, std::mutex& mutex,
                                                            const std::string& name, std::int64_t now);

}  // namespace hilt::server
