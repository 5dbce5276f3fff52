// server/store/secrets.cpp: INSERT OR IGNORE then read back, so concurrent first starts agree.
#include "store/secrets.h"

#include <algorithm>

namespace hilt::server {

Result<SecretBytes<32>> load_or_create_secret(Database& db, std::mutex& mutex, const std::string& name,
                                              std::int64_t now) {
    std::lock_guard lock(mutex);
    const auto fresh = random_array<32>();
    auto insert = db.prepare("INSERT OR IGNORE INTO server_secrets(name, value, created_at) VALUES(?, ?, ?)");
    if (!insert) return insert.error();
    insert->bind(1, std::string_view(name))
        .bind_blob(2, std::vector<std::uint8_t>(fresh.begin(), fresh.end()))
        .bind(3, now);
    HILT_TRY(insert->run());
    auto select = db.prepare("SELECT value FROM server_secrets WHERE name = ?");
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
