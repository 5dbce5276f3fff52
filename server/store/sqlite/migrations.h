// server/store/sqlite/migrations.h: hiltd's SQLite schema, as numbered migrations. Append only: a
// shipped migration is never edited; a change is a new migration. Another backend keeps its own list.
#pragma once

#include <vector>

#include "store/sqlite/database.h"

namespace hilt::server {

const std::vector<Migration>& hiltd_migrations();

}  // namespace hilt::server
