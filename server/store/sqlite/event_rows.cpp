// server/store/sqlite/event_rows.cpp: the event row and its webhook outbox rows.
#include "store/sqlite/event_rows.h"

#include "auth/api_keys.h"

namespace hilt::server {

Result<models::Event> insert_event(Database& db, const std::string& merchant_id, models::EventType type,
                                   const models::Json& data, std::int64_t now) {
    models::Event event{new_id(models::kEventIdPrefix), type, models::Timestamp{now}, data};
    auto stmt = db.prepare(
        "INSERT INTO events(event_id, merchant_id, type, body, created_at) VALUES(?, ?, ?, ?, ?)");
    if (!stmt) return stmt.error();
    stmt->bind(1, std::string_view(event.id))
        .bind(2, std::string_view(merchant_id))
        .bind(3, to_string(type))
        .bind(4, models::dump(event))
        .bind(5, now);
    HILT_TRY(stmt->run());
    // The outbox: due at once (milliseconds), for each live endpoint that subscribed to this type.
    auto outbox = db.prepare(
        "INSERT INTO webhook_deliveries(event_id, endpoint_id, merchant_id, status, attempts,"
        " next_attempt_at, created_at, updated_at)"
        " SELECT ?1, endpoint_id, merchant_id, 'PENDING', 0, ?3, ?3, ?3 FROM webhook_endpoints"
        " WHERE merchant_id = ?2 AND deleted_at IS NULL"
        " AND EXISTS (SELECT 1 FROM json_each(webhook_endpoints.events) WHERE value = ?4)");
    if (!outbox) return outbox.error();
    outbox->bind(1, std::string_view(event.id))
        .bind(2, std::string_view(merchant_id))
        .bind(3, now * 1000)
        .bind(4, to_string(type));
    HILT_TRY(outbox->run());
    return event;
}

}  // namespace hilt::server
