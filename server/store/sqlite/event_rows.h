// server/store/sqlite/event_rows.h: writing an event row, for every SQLite store that announces a change.
//
// An event is written in the same transaction as the change it announces, and so is its webhook outbox:
// one webhook_deliveries row (PENDING, due now) per live endpoint of the merchant subscribed to its type.
// The delivery worker (webhooks/webhook_worker.h) sends from there; nothing acknowledged is lost.
// Must never: run outside the shared connection's mutex and an open transaction.
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"
#include "models/event.h"
#include "store/sqlite/database.h"

namespace hilt::server {

// Writes the event (a new evt_ id, created at `now` seconds) and its outbox rows; returns the event.
[[nodiscard]] Result<models::Event> insert_event(Database& db, const std::string& merchant_id,
                                                 models::EventType type, const models::Json& data,
                                                 std::int64_t now);

}  // namespace hilt::server
