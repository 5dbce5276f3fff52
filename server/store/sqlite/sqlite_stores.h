// server/store/sqlite/sqlite_stores.h: the SQLite backend's factory, the one entry point the
// server uses.
// Must never: expose Database or its mutex; callers get the store interfaces only.
#pragma once

#include <string>

#include "core/result.h"
#include "store/stores.h"

namespace hilt::server {

// Opens (creating if needed) the SQLite file at `path` (":memory:" for a private in-memory
// database) in WAL mode with synchronous=FULL, applies hiltd's numbered migrations, and returns
// every store over that one connection, serialised by one mutex; the public reads use a pool of
// read-only connections besides (read_pool.h).
[[nodiscard]] Result<Stores> open_sqlite_stores(const std::string& path);

}  // namespace hilt::server
