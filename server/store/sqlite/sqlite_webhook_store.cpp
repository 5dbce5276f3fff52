// server/store/sqlite/sqlite_webhook_store.cpp: SQL for webhook endpoints, the outbox and attempts.
#include "store/sqlite/sqlite_webhook_store.h"

#include <algorithm>
#include <unordered_map>

#include "store/sqlite/rows.h"

namespace hilt::server {

namespace {

constexpr std::string_view kEndpointColumns =
    "endpoint_id, merchant_id, url, events, description, secret, previous_secret, "
    "previous_secret_expires_at, created_at";

Result<WebhookEndpointRecord> endpoint_from_row(const Statement& s) {
    WebhookEndpointRecord e;
    e.endpoint_id = s.column_text(0);
    e.merchant_id = s.column_text(1);
    e.url = s.column_text(2);
    auto events = models::parse_json_text(s.column_text(3));
    if (!events || !events->is_array()) return fail(ErrorCode::Internal, "stored endpoint events do not parse");
    for (const auto& name : *events) {
        if (!name.is_string()) return fail(ErrorCode::Internal, "stored endpoint events do not parse");
        auto type = rows::enum_column<models::EventType>(name.get<std::string>(), "event type");
        if (!type) return type.error();
        e.events.push_back(*type);
    }
    e.description = s.column_optional_text(4);
    e.secret = s.column_text(5);
    e.previous_secret = s.column_optional_text(6);
    e.previous_secret_expires_at = s.column_optional_int(7);
    e.created_at = s.column_int(8);
    return e;
}

std::string events_text(const std::vector<models::EventType>& types) {
    models::Json names = models::Json::array();
    for (const auto type : types) names.push_back(to_string(type));
    return models::dump_json(names);
}

// not_found unless the event is the merchant's.
Status check_event(Database& db, const std::string& merchant_id, const std::string& event_id) {
    auto stmt = db.prepare("SELECT 1 FROM events WHERE event_id = ? AND merchant_id = ?");
    if (!stmt) return stmt.error();
    stmt->bind(1, std::string_view(event_id)).bind(2, std::string_view(merchant_id));
    auto row = stmt->step();
    if (!row) return row.error();
    if (*row != StepResult::Row) return fail(ErrorCode::NotFound, "no such event");
    return {};
}

}  // namespace

// ---- endpoints ----------------------------------------------------------------------------------

Status SqliteWebhookStore::create_endpoint(const WebhookEndpointRecord& e) {
    std::lock_guard lock(mutex_);
    auto tx = Transaction::begin(db_);
    if (!tx) return tx.error();
    auto count = db_.prepare("SELECT COUNT(*) FROM webhook_endpoints WHERE merchant_id = ? AND deleted_at IS NULL");
    if (!count) return count.error();
    count->bind(1, std::string_view(e.merchant_id));
    auto row = count->step();
    if (!row) return row.error();
    if (count->column_int(0) >= static_cast<std::int64_t>(models::kMaxWebhookEndpointsPerMerchant)) {
        return fail(ErrorCode::Conflict, "a workspace has at most " +
                                             std::to_string(models::kMaxWebhookEndpointsPerMerchant) +
                                             " webhook endpoints; delete one first");
    }
    auto insert = db_.prepare(
        "INSERT INTO webhook_endpoints(endpoint_id, merchant_id, url, events, description, secret, created_at)"
        " VALUES(?, ?, ?, ?, ?, ?, ?)");
    if (!insert) return insert.error();
    insert->bind(1, std::string_view(e.endpoint_id))
        .bind(2, std::string_view(e.merchant_id))
        .bind(3, std::string_view(e.url))
        .bind(4, events_text(e.events))
        .bind(5, e.description)
        .bind(6, std::string_view(e.secret))
        .bind(7, e.created_at);
    HILT_TRY(insert->run());
    return tx->commit();
}

Result<WebhookEndpointRecord> SqliteWebhookStore::endpoint_locked(Database& db, const std::string& merchant_id,
                                                                  const std::string& endpoint_id) {
    auto stmt = db.prepare("SELECT " + std::string(kEndpointColumns) +
                           " FROM webhook_endpoints WHERE endpoint_id = ? AND merchant_id = ? AND deleted_at IS NULL");
    if (!stmt) return stmt.error();
    stmt->bind(1, std::string_view(endpoint_id)).bind(2, std::string_view(merchant_id));
    auto row = stmt->step();
    if (!row) return row.error();
    if (*row != StepResult::Row) return fail(ErrorCode::NotFound, "no such webhook endpoint");
    return endpoint_from_row(*stmt);
}

Result<WebhookEndpointRecord> SqliteWebhookStore::endpoint(const std::string& merchant_id,
                                                           const std::string& endpoint_id) {
    std::lock_guard lock(mutex_);
    return endpoint_locked(db_, merchant_id, endpoint_id);
}

Result<models::ListPage<WebhookEndpointRecord>> SqliteWebhookStore::list_endpoints(
    const std::string& merchant_id, std::size_t limit, const std::optional<std::string>& starting_after) {
    std::lock_guard lock(mutex_);
    auto before = rows::cursor_seq(
        db_, "SELECT seq FROM webhook_endpoints WHERE endpoint_id = ? AND merchant_id = ? AND deleted_at IS NULL",
        starting_after, merchant_id, "webhook endpoint");
    if (!before) return before.error();
    auto stmt = db_.prepare("SELECT " + std::string(kEndpointColumns) +
                            " FROM webhook_endpoints WHERE merchant_id = ? AND deleted_at IS NULL AND seq < ?"
                            " ORDER BY seq DESC LIMIT ?");
    if (!stmt) return stmt.error();
    stmt->bind(1, std::string_view(merchant_id)).bind(2, *before).bind(3, static_cast<std::int64_t>(limit + 1));
    models::ListPage<WebhookEndpointRecord> page;
    for (;;) {
        auto row = stmt->step();
        if (!row) return row.error();
        if (*row == StepResult::Done) break;
        auto endpoint = endpoint_from_row(*stmt);
        if (!endpoint) return endpoint.error();
        page.data.push_back(std::move(*endpoint));
    }
    if (page.data.size() > limit) {
        page.data.pop_back();
        page.has_more = true;
    }
    return page;
}

Status SqliteWebhookStore::delete_endpoint(const std::string& merchant_id, const std::string& endpoint_id,
                                           std::int64_t now_seconds) {
    std::lock_guard lock(mutex_);
    auto tx = Transaction::begin(db_);
    if (!tx) return tx.error();
    auto gone = db_.prepare(
        "UPDATE webhook_endpoints SET deleted_at = ? WHERE endpoint_id = ? AND merchant_id = ? AND deleted_at IS NULL");
    if (!gone) return gone.error();
    gone->bind(1, now_seconds).bind(2, std::string_view(endpoint_id)).bind(3, std::string_view(merchant_id));
    HILT_TRY(gone->run());
    if (db_.changes() != 1) return fail(ErrorCode::NotFound, "no such webhook endpoint");
    auto cancel = db_.prepare(
        "UPDATE webhook_deliveries SET status = 'CANCELLED', next_attempt_at = NULL, updated_at = ?"
        " WHERE endpoint_id = ? AND status = 'PENDING'");
    if (!cancel) return cancel.error();
    cancel->bind(1, now_seconds * 1000).bind(2, std::string_view(endpoint_id));
    HILT_TRY(cancel->run());
    return tx->commit();
}

Result<WebhookEndpointRecord> SqliteWebhookStore::rotate_secret(const std::string& merchant_id,
                                                                const std::string& endpoint_id,
                                                                const std::string& new_secret,
                                                                std::int64_t previous_expires_at,
                                                                std::int64_t now_seconds) {
    std::lock_guard lock(mutex_);
    auto tx = Transaction::begin(db_);
    if (!tx) return tx.error();
    auto current = endpoint_locked(db_, merchant_id, endpoint_id);
    if (!current) return current.error();
    auto update = db_.prepare(
        "UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_expires_at = ?, secret = ?"
        " WHERE endpoint_id = ?");
    if (!update) return update.error();
    update->bind(1, std::max(previous_expires_at, now_seconds))
        .bind(2, std::string_view(new_secret))
        .bind(3, std::string_view(endpoint_id));
    HILT_TRY(update->run());
    auto rotated = endpoint_locked(db_, merchant_id, endpoint_id);
    if (!rotated) return rotated.error();
    HILT_TRY(tx->commit());
    return rotated;
}

// ---- the outbox ---------------------------------------------------------------------------------

Result<std::vector<DueDelivery>> SqliteWebhookStore::due(std::int64_t now_ms, std::size_t per_endpoint,
                                                         std::size_t limit) {
    auto reader = reads_.lease();
    // Keys only, walked in due order along webhook_deliveries_due (its rowid is seq: no sort). The cap per
    // endpoint is applied here while walking, rather than by a window function, which materialised and
    // sorted every due row at each read. CROSS JOIN keeps the outbox as the outer loop.
    auto stmt = reader.db().prepare(
        "SELECT d.event_id, d.endpoint_id, d.attempts, d.schedule"
        " FROM webhook_deliveries d INDEXED BY webhook_deliveries_due"
        " CROSS JOIN webhook_endpoints w ON w.endpoint_id = d.endpoint_id AND w.deleted_at IS NULL"
        " WHERE d.status = 'PENDING' AND d.next_attempt_at <= ? ORDER BY d.next_attempt_at, d.seq");
    if (!stmt) return stmt.error();
    stmt->bind(1, now_ms);
    std::vector<DueDelivery> due;
    std::unordered_map<std::string, std::size_t> per;
    while (due.size() < limit) {
        auto row = stmt->step();
        if (!row) return row.error();
        if (*row == StepResult::Done) break;
        auto endpoint_id = stmt->column_text(1);
        if (++per[endpoint_id] > per_endpoint) continue;
        due.push_back({.event_id = stmt->column_text(0),
                       .endpoint_id = std::move(endpoint_id),
                       .attempts = stmt->column_int(2),
                       .schedule = stmt->column_int(3)});
    }
    return due;
}

Result<DeliveryMessage> SqliteWebhookStore::message(const std::string& event_id, const std::string& endpoint_id,
                                                    std::int64_t now_ms) {
    auto reader = reads_.lease();
    auto stmt = reader.db().prepare(
        "SELECT w.url, e.body, w.secret, w.previous_secret, w.previous_secret_expires_at"
        " FROM webhook_endpoints w JOIN events e ON e.event_id = ?1 AND e.merchant_id = w.merchant_id"
        " WHERE w.endpoint_id = ?2 AND w.deleted_at IS NULL");
    if (!stmt) return stmt.error();
    stmt->bind(1, std::string_view(event_id)).bind(2, std::string_view(endpoint_id));
    auto row = stmt->step();
    if (!row) return row.error();
    if (*row != StepResult::Row) return fail(ErrorCode::NotFound, "no such live endpoint or event");
    DeliveryMessage message;
    message.url = stmt->column_text(0);
    message.body = stmt->column_text(1);
    message.secrets.push_back(stmt->column_text(2));
    const auto previous = stmt->column_optional_text(3);
    const auto previous_until = stmt->column_optional_int(4);
    if (previous && previous_until && *previous_until * 1000 > now_ms) message.secrets.push_back(*previous);
    return message;
}

Status SqliteWebhookStore::record_attempts(std::span<const AttemptRecord> records, std::int64_t now_ms) {
    if (records.empty()) return {};
    return group_commit_.run([&](Database& db) -> Status {
        for (const auto& r : records) {
            auto log = db.prepare(
                "INSERT INTO webhook_attempts(event_id, endpoint_id, attempted_at, status_code, latency_ms, error,"
                " response_excerpt) VALUES(?, ?, ?, ?, ?, ?, ?)");
            if (!log) return log.error();
            std::optional<std::int64_t> code;
            if (r.attempt.status_code) code = *r.attempt.status_code;
            log->bind(1, std::string_view(r.event_id))
                .bind(2, std::string_view(r.endpoint_id))
                .bind(3, r.attempt.attempted_at_ms)
                .bind(4, code)
                .bind(5, r.attempt.latency_ms)
                .bind(6, r.attempt.error)
                .bind(7, r.attempt.response_excerpt);
            HILT_TRY(log->run());
            auto next = db.prepare(
                "UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, next_attempt_at = ?,"
                " updated_at = ? WHERE event_id = ? AND endpoint_id = ? AND status = 'PENDING' AND attempts = ?"
                " AND schedule = ?");
            if (!next) return next.error();
            next->bind(1, to_string(r.next_status))
                .bind(2, r.next_attempt_at)
                .bind(3, now_ms)
                .bind(4, std::string_view(r.event_id))
                .bind(5, std::string_view(r.endpoint_id))
                .bind(6, r.attempts_before)
                .bind(7, r.schedule);
            HILT_TRY(next->run());
        }
        return {};
    });
}

// ---- reads and redelivery -----------------------------------------------------------------------

Result<std::vector<models::WebhookDelivery>> SqliteWebhookStore::deliveries(const std::string& merchant_id,
                                                                            const std::string& event_id) {
    // On a read connection, in one snapshot: never behind a commit's flush, nor holding up the recorder's.
    auto reader = reads_.lease();
    auto& db = reader.db();
    ReadSnapshot snapshot(db);
    HILT_TRY(snapshot.begin());
    HILT_TRY(check_event(db, merchant_id, event_id));
    auto stmt = db.prepare(
        "SELECT endpoint_id, status, attempts, next_attempt_at FROM webhook_deliveries"
        " WHERE event_id = ? AND merchant_id = ? ORDER BY seq");
    if (!stmt) return stmt.error();
    stmt->bind(1, std::string_view(event_id)).bind(2, std::string_view(merchant_id));
    std::vector<models::WebhookDelivery> out;
    for (;;) {
        auto row = stmt->step();
        if (!row) return row.error();
        if (*row == StepResult::Done) break;
        models::WebhookDelivery d;
        d.event_id = event_id;
        d.endpoint_id = stmt->column_text(0);
        auto status = rows::enum_column<models::WebhookDeliveryStatus>(stmt->column_text(1), "delivery status");
        if (!status) return status.error();
        d.status = *status;
        d.attempt_count = stmt->column_int(2);
        if (d.status == models::WebhookDeliveryStatus::Pending) d.next_attempt_at_ms = stmt->column_optional_int(3);
        out.push_back(std::move(d));
    }
    // Each delivery's latest kWebhookAttemptsListed attempts, with the count of all of them: two ranges of
    // webhook_attempts_by_delivery, however many attempts redeliveries by hand have added.
    for (auto& delivery : out) {
        auto count = db.prepare("SELECT COUNT(*) FROM webhook_attempts WHERE event_id = ? AND endpoint_id = ?");
        if (!count) return count.error();
        count->bind(1, std::string_view(event_id)).bind(2, std::string_view(delivery.endpoint_id));
        auto counted = count->step();
        if (!counted) return counted.error();
        delivery.attempts_total = count->column_int(0);
        auto latest = db.prepare(
            "SELECT attempted_at, status_code, latency_ms, error, response_excerpt FROM webhook_attempts"
            " WHERE event_id = ? AND endpoint_id = ? ORDER BY seq DESC LIMIT ?");
        if (!latest) return latest.error();
        latest->bind(1, std::string_view(event_id))
            .bind(2, std::string_view(delivery.endpoint_id))
            .bind(3, static_cast<std::int64_t>(models::kWebhookAttemptsListed));
        for (;;) {
            auto row = latest->step();
            if (!row) return row.error();
            if (*row == StepResult::Done) break;
            models::WebhookAttempt a;
            a.attempted_at_ms = latest->column_int(0);
            if (const auto code = latest->column_optional_int(1)) a.status_code = static_cast<int>(*code);
            a.latency_ms = latest->column_int(2);
            a.error = latest->column_optional_text(3);
            a.response_excerpt = latest->column_optional_text(4);
            delivery.attempts.push_back(std::move(a));
        }
        std::reverse(delivery.attempts.begin(), delivery.attempts.end());  // oldest first
    }
    return out;
}

Status SqliteWebhookStore::redeliver(const std::string& merchant_id, const std::string& event_id,
                                     const std::optional<std::string>& endpoint_id, std::int64_t now_ms) {
    std::lock_guard lock(mutex_);
    auto tx = Transaction::begin(db_);
    if (!tx) return tx.error();
    HILT_TRY(check_event(db_, merchant_id, event_id));
    if (endpoint_id) {
        auto endpoint = endpoint_locked(db_, merchant_id, *endpoint_id);
        if (!endpoint) return at("endpoint_id", endpoint.error());
        auto upsert = db_.prepare(
            "INSERT INTO webhook_deliveries(event_id, endpoint_id, merchant_id, status, attempts, next_attempt_at,"
            " created_at, updated_at) VALUES(?1, ?2, ?3, 'PENDING', 0, ?4, ?4, ?4)"
            " ON CONFLICT(event_id, endpoint_id) DO UPDATE SET status = 'PENDING', attempts = 0,"
            " schedule = schedule + 1, next_attempt_at = ?4, updated_at = ?4");
        if (!upsert) return upsert.error();
        upsert->bind(1, std::string_view(event_id))
            .bind(2, std::string_view(*endpoint_id))
            .bind(3, std::string_view(merchant_id))
            .bind(4, now_ms);
        HILT_TRY(upsert->run());
    } else {
        auto again = db_.prepare(
            "UPDATE webhook_deliveries SET status = 'PENDING', attempts = 0, schedule = schedule + 1,"
            " next_attempt_at = ?1, updated_at = ?1"
            " WHERE event_id = ?2 AND merchant_id = ?3 AND endpoint_id IN"
            " (SELECT endpoint_id FROM webhook_endpoints WHERE merchant_id = ?3 AND deleted_at IS NULL)");
        if (!again) return again.error();
        again->bind(1, now_ms).bind(2, std::string_view(event_id)).bind(3, std::string_view(merchant_id));
        HILT_TRY(again->run());
        if (db_.changes() == 0) {
            return fail(ErrorCode::Conflict,
                        "the event went to no live endpoint; name one with endpoint_id", "endpoint_id");
        }
    }
    return tx->commit();
}

}  // namespace hilt::server
