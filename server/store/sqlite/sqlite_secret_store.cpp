// server/store/sqlite/sqlite_secret_store.cpp: SQL for server keys kept in the database.
// Must never: log or echo key bytes; copies of them are wiped before returning.
#include "store/sqlite/sqlite_secret_store.h"

#include <algorithm>
#include <array>
#include <vector>

namespace hilt::server {

Result<SecretBytes<32>> SqliteSecretStore::load_or_create(const std::string& name,
                                                          std::int64_t now) {
    std::lock_guard lock(mutex_);
    const auto fresh = random_array<32>();
    auto insert = db_.prepare(
        "INSERT OR IGNORE INTO server_secrets(name, value, created_at) VALUES(?, ?, ?)");
    if (!insert) return insert.error();
    insert->bind(1, std::string_view(name))
        .bind_blob(2, std::vector<std::uint8_t>(fresh.begin(), fresh.end()))
        .bind(3, now);
    HILT_TRY(insert->run());
    auto select = db_.prepare("SELECT value FROM server_secrets WHERE name = ?");
    if (!select) return select.error();
    select->bind(1, std::string_view(name));
    auto row = select->step();
    if (!row) return row.error();
    auto value = select->column_blob(0);
    if (*row != StepResult::Row || value.size() != 32) {
        return fail(ErrorCode::Internal, "server secret " + name + " is missing or damaged");
    }
    std::array<std::uint8_t, 32> bytes{};
    std::copy(value.begin(), value.end(), bytes.begin());
    SecretBytes<32> secret(bytes);
    secure_wipe(value.data(), value.size());
    secure_wipe(bytes.data(), bytes.size());
    return secret;
}

}  // namespace hilt::server
