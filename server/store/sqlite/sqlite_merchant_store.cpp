// server/store/sqlite/sqlite_merchant_store.cpp: SQL for merchants and API keys.
#include "store/sqlite/sqlite_merchant_store.h"

#include "auth/api_keys.h"

namespace hilt::server {

namespace {
Merchant read_merchant(const Statement& stmt) {
    return {stmt.column_text(0), stmt.column_text(1), stmt.column_int(2) != 0, stmt.column_int(3)};
}

ApiKeyRecord read_key(const Statement& stmt) {
    return {stmt.column_text(0),          stmt.column_text(1), stmt.column_text(2),
            stmt.column_optional_text(3), stmt.column_int(4),  stmt.column_optional_int(5)};
}

constexpr std::string_view kKeyColumns =
    "key_id, merchant_id, display_hint, label, created_at, revoked_at";
}  // namespace

Result<std::pair<Merchant, CreatedKey>> SqliteMerchantStore::create_merchant(
    const std::string& name, std::int64_t now) {
    HILT_TRY(check_merchant_name(name));
    std::lock_guard lock(mutex_);
    auto tx = Transaction::begin(db_);
    if (!tx) return tx.error();
    Merchant merchant{new_id("mer"), name, false, now};
    auto insert = db_.prepare(
        "INSERT INTO merchants(merchant_id, name, subscriptions_enabled, created_at)"
        " VALUES(?, ?, 0, ?)");
    if (!insert) return insert.error();
    insert->bind(1, std::string_view(merchant.merchant_id))
        .bind(2, std::string_view(name))
        .bind(3, now);
    HILT_TRY(insert->run());
    auto key = insert_key_locked(merchant.merchant_id, std::string("first key"), now);
    if (!key) return key.error();
    HILT_TRY(tx->commit());
    return std::make_pair(merchant, std::move(*key));
}

Result<Merchant> SqliteMerchantStore::find_merchant(const std::string& merchant_id) {
    std::lock_guard lock(mutex_);
    return find_merchant_locked(merchant_id);
}

Result<Merchant> SqliteMerchantStore::find_merchant_locked(const std::string& merchant_id) {
    auto stmt = db_.prepare(
        "SELECT merchant_id, name, subscriptions_enabled, created_at FROM merchants"
        " WHERE merchant_id = ?");
    if (!stmt) return stmt.error();
    stmt->bind(1, std::string_view(merchant_id));
    auto row = stmt->step();
    if (!row) return row.error();
    if (*row != StepResult::Row) return fail(ErrorCode::NotFound, "no such merchant");
    return read_merchant(*stmt);
}

Result<Merchant> SqliteMerchantStore::set_subscriptions_enabled(const std::string& merchant_id,
                                                                bool enabled) {
    std::lock_guard lock(mutex_);
    auto update =
        db_.prepare("UPDATE merchants SET subscriptions_enabled = ? WHERE merchant_id = ?");
    if (!update) return update.error();
    update->bind(1, std::int64_t{enabled ? 1 : 0}).bind(2, std::string_view(merchant_id));
    HILT_TRY(update->run());
    if (db_.changes() == 0) return fail(ErrorCode::NotFound, "no such merchant");
    return find_merchant_locked(merchant_id);
}

Result<CreatedKey> SqliteMerchantStore::insert_key_locked(const std::string& merchant_id,
                                                          const std::optional<std::string>& label,
                                                          std::int64_t now) {
    HILT_TRY(check_api_key_label(label));
    const auto key = generate_api_key();
    auto insert = db_.prepare(
        "INSERT INTO api_keys(key_id, merchant_id, secret_hash, display_hint, label, created_at)"
        " VALUES(?, ?, ?, ?, ?, ?)");
    if (!insert) return insert.error();
    insert->bind(1, std::string_view(key.key_id))
        .bind(2, std::string_view(merchant_id))
        .bind(3, std::string_view(key.secret_hash))
        .bind(4, std::string_view(key.display_hint))
        .bind(5, label)
        .bind(6, now);
    HILT_TRY(insert->run());
    return CreatedKey{{key.key_id, merchant_id, key.display_hint, label, now, std::nullopt},
                      key.secret};
}

Result<CreatedKey> SqliteMerchantStore::create_key(const std::string& merchant_id,
                                                   const std::optional<std::string>& label,
                                                   std::int64_t now) {
    std::lock_guard lock(mutex_);
    return insert_key_locked(merchant_id, label, now);
}

Result<std::vector<ApiKeyRecord>> SqliteMerchantStore::list_keys(const std::string& merchant_id) {
    std::lock_guard lock(mutex_);
    auto stmt =
        db_.prepare("SELECT " + std::string(kKeyColumns) +
                    " FROM api_keys WHERE merchant_id = ? ORDER BY created_at DESC, key_id");
    if (!stmt) return stmt.error();
    stmt->bind(1, std::string_view(merchant_id));
    std::vector<ApiKeyRecord> keys;
    for (;;) {
        auto row = stmt->step();
        if (!row) return row.error();
        if (*row == StepResult::Done) break;
        keys.push_back(read_key(*stmt));
    }
    return keys;
}

Result<ApiKeyRecord> SqliteMerchantStore::revoke_key(const std::string& merchant_id,
                                                     const std::string& key_id, std::int64_t now) {
    std::lock_guard lock(mutex_);
    auto update = db_.prepare(
        "UPDATE api_keys SET revoked_at = ?"
        " WHERE key_id = ? AND merchant_id = ? AND revoked_at IS NULL");
    if (!update) return update.error();
    update->bind(1, now).bind(2, std::string_view(key_id)).bind(3, std::string_view(merchant_id));
    HILT_TRY(update->run());
    auto stmt = db_.prepare("SELECT " + std::string(kKeyColumns) +
                            " FROM api_keys WHERE key_id = ? AND merchant_id = ?");
    if (!stmt) return stmt.error();
    stmt->bind(1, std::string_view(key_id)).bind(2, std::string_view(merchant_id));
    auto row = stmt->step();
    if (!row) return row.error();
    if (*row != StepResult::Row) return fail(ErrorCode::NotFound, "no such API key");
    return read_key(*stmt);
}

Result<Merchant> SqliteMerchantStore::authenticate(const std::string& secret_hash) {
    std::lock_guard lock(mutex_);
    auto stmt = db_.prepare(
        "SELECT m.merchant_id, m.name, m.subscriptions_enabled, m.created_at FROM api_keys k"
        " JOIN merchants m ON m.merchant_id = k.merchant_id"
        " WHERE k.secret_hash = ? AND k.revoked_at IS NULL");
    if (!stmt) return stmt.error();
    stmt->bind(1, std::string_view(secret_hash));
    auto row = stmt->step();
    if (!row) return row.error();
    if (*row != StepResult::Row) return fail(ErrorCode::Unauthorized, "the API key is not valid");
    return read_merchant(*stmt);
}

Result<ApiKeyRecord> SqliteMerchantStore::live_key(const std::string& secret_hash) {
    std::lock_guard lock(mutex_);
    auto stmt = db_.prepare("SELECT " + std::string(kKeyColumns) +
                            " FROM api_keys WHERE secret_hash = ? AND revoked_at IS NULL");
    if (!stmt) return stmt.error();
    stmt->bind(1, std::string_view(secret_hash));
    auto row = stmt->step();
    if (!row) return row.error();
    if (*row != StepResult::Row) return fail(ErrorCode::Unauthorized, "the API key is not valid");
    return read_key(*stmt);
}

}  // namespace hilt::server
