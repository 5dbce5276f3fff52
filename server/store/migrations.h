// server/store/migrations.h: hiltd's schema, as numbered migrations. Append only: a shipped migration is
// never edited; a change is a new migration.
#pragma once

#include <vector>

#include "store/sqlite.h"

namespace hilt::server {

const std::vector<Migration>& hiltd_migrations();

}  // namespace hilt::server
