// server/store/sqlite/sqlite_idempotency_store.cpp: SQL for idempotency keys.
#include "store/sqlite/sqlite_idempotency_store.h"

namespace hilt::server {

Result<std::optional<StoredResponse>> SqliteIdempotencyStore::begin(const std::string& scope,
                                                                    const std::string& key,
                                                                    const std::string& request_hash,
                                                                    std::int64_t now) {
    std::lock_guard lock(mutex_);
    auto tx = Transaction::begin(db_);
    if (!tx) return tx.error();
    auto expire = db_.prepare("DELETE FROM idempotency_keys WHERE created_at < ?");
    if (!expire) return expire.error();
    expire->bind(1, now - kIdempotencyRetentionSeconds);
    HILT_TRY(expire->run());

    auto select = db_.prepare(
        "SELECT request_hash, status, response_body, created_at FROM idempotency_keys"
        " WHERE scope = ? AND key = ?");
    if (!select) return select.error();
    select->bind(1, std::string_view(scope)).bind(2, std::string_view(key));
    auto row = select->step();
    if (!row) return row.error();
    if (*row == StepResult::Row) {
        if (select->column_text(0) != request_hash) {
            return fail(ErrorCode::IdempotencyMismatch,
                        "this Idempotency-Key was used with a different request",
                        "Idempotency-Key");
        }
        if (select->column_is_null(1)) {
            if (select->column_int(3) < now - kIdempotencyPendingTimeoutSeconds) {
                auto retake = db_.prepare(
                    "UPDATE idempotency_keys SET created_at = ? WHERE scope = ? AND key = ?");
                if (!retake) return retake.error();
                retake->bind(1, now)
                    .bind(2, std::string_view(scope))
                    .bind(3, std::string_view(key));
                HILT_TRY(retake->run());
                HILT_TRY(tx->commit());
                return std::optional<StoredResponse>();
            }
            return fail(ErrorCode::Conflict,
                        "a request with this Idempotency-Key is still in progress",
                        "Idempotency-Key");
        }
        return std::optional<StoredResponse>(
            StoredResponse{static_cast<int>(select->column_int(1)), select->column_text(2)});
    }
    auto insert = db_.prepare(
        "INSERT INTO idempotency_keys(scope, key, request_hash, created_at) VALUES(?, ?, ?, ?)");
    if (!insert) return insert.error();
    insert->bind(1, std::string_view(scope))
        .bind(2, std::string_view(key))
        .bind(3, std::string_view(request_hash))
        .bind(4, now);
    HILT_TRY(insert->run());
    HILT_TRY(tx->commit());
    return std::optional<StoredResponse>();
}

Status SqliteIdempotencyStore::finish(const std::string& scope, const std::string& key,
                                      const StoredResponse& response) {
    std::lock_guard lock(mutex_);
    auto update = db_.prepare(
        "UPDATE idempotency_keys SET status = ?, response_body = ? WHERE scope = ? AND key = ?");
    if (!update) return update.error();
    update->bind(1, static_cast<std::int64_t>(response.status))
        .bind(2, std::string_view(response.body))
        .bind(3, std::string_view(scope))
        .bind(4, std::string_view(key));
    return update->run();
}

Status SqliteIdempotencyStore::release(const std::string& scope, const std::string& key) {
    std::lock_guard lock(mutex_);
    auto remove = db_.prepare("DELETE FROM idempotency_keys WHERE scope = ? AND key = ?");
    if (!remove) return remove.error();
    remove->bind(1, std::string_view(scope)).bind(2, std::string_view(key));
    return remove->run();
}

}  // namespace hilt::server
