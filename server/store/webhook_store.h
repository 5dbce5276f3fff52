// server/store/webhook_store.h: webhook endpoints, the delivery outbox and its attempt log.
//
// Events fill the outbox in their own transaction (store/sqlite/event_rows.h); the delivery worker
// (webhooks/webhook_worker.h) reads what is due and records each attempt here. Times in this interface
// are milliseconds (the retry schedule is compressed to milliseconds in tests) unless named _seconds.
// to_api_endpoint (webhook_store.cpp) is shared by every backend.
// Must never: return another merchant's endpoint or delivery (not_found, as for an unknown id), or lose
// a PENDING delivery (an attempt in flight when the process dies is simply due again).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "models/event.h"
#include "models/webhook.h"

namespace hilt::server {

struct WebhookEndpointRecord {
    std::string endpoint_id;
    std::string merchant_id;
    std::string url;
    std::vector<models::EventType> events;
    std::optional<std::string> description;
    std::string secret;  // "whsec_…"
    std::optional<std::string> previous_secret;
    std::optional<std::int64_t> previous_secret_expires_at;  // seconds
    std::int64_t created_at = 0;                               // seconds
};

// An endpoint as the API shows it (without its secrets).
models::WebhookEndpoint to_api_endpoint(const WebhookEndpointRecord& record, std::int64_t now_seconds);

// A delivery that is due: which one, and where its schedule stands. The outbox is read for these alone; what
// sending one needs (a DeliveryMessage) is read as it goes out.
struct DueDelivery {
    std::string event_id;
    std::string endpoint_id;
    std::int64_t attempts = 0;  // attempts already made in this schedule
    std::int64_t schedule = 0;  // which schedule: each redelivery by hand starts a new one
};

// What sending a delivery needs, as it is when the attempt starts (a secret rotated since the delivery fell
// due signs already).
struct DeliveryMessage {
    std::string url;
    std::string body;                  // the event's JSON, byte for byte as GET /v1/events/{id} shows it
    std::vector<std::string> secrets;  // the current secret first, then one still in its overlap
};

// What happened to one attempt and what the delivery becomes.
struct AttemptRecord {
    std::string event_id;
    std::string endpoint_id;
    // The DueDelivery's schedule and attempts: a redelivery meanwhile wins (the attempt is logged, and the new
    // schedule is still due).
    std::int64_t schedule = 0;
    std::int64_t attempts_before = 0;
    models::WebhookAttempt attempt;
    models::WebhookDeliveryStatus next_status = models::WebhookDeliveryStatus::Pending;
    std::optional<std::int64_t> next_attempt_at;  // ms, when next_status is PENDING
};

class WebhookStore {
public:
    virtual ~WebhookStore() = default;

    // conflict (409) once the merchant has kMaxWebhookEndpointsPerMerchant live endpoints.
    [[nodiscard]] virtual Status create_endpoint(const WebhookEndpointRecord& endpoint) = 0;
    [[nodiscard]] virtual Result<WebhookEndpointRecord> endpoint(const std::string& merchant_id,
                                                                 const std::string& endpoint_id) = 0;
    // The live endpoints, newest first.
    [[nodiscard]] virtual Result<models::ListPage<WebhookEndpointRecord>> list_endpoints(
        const std::string& merchant_id, std::size_t limit,
        const std::optional<std::string>& starting_after) = 0;
    // Deletes the endpoint and cancels its pending deliveries; not_found when already gone.
    [[nodiscard]] virtual Status delete_endpoint(const std::string& merchant_id,
                                                 const std::string& endpoint_id,
                                                 std::int64_t now_seconds) = 0;
    // The new secret signs from now; the current one keeps signing until previous_expires_at (seconds).
    [[nodiscard]] virtual Result<WebhookEndpointRecord> rotate_secret(const std::string& merchant_id,
                                                                      const std::string& endpoint_id,
                                                                      const std::string& new_secret,
                                                                      std::int64_t previous_expires_at,
                                                                      std::int64_t now_seconds) = 0;

    // Up to `limit` PENDING deliveries due at `now_ms` to live endpoints, oldest due first and at most
    // `per_endpoint` per endpoint, so that one endpoint's backlog never hides the others'.
    [[nodiscard]] virtual Result<std::vector<DueDelivery>> due(std::int64_t now_ms,
                                                               std::size_t per_endpoint,
                                                               std::size_t limit) = 0;
    // What sending the event to the endpoint needs now; not_found once the endpoint is deleted.
    [[nodiscard]] virtual Result<DeliveryMessage> message(const std::string& event_id,
                                                          const std::string& endpoint_id,
                                                          std::int64_t now_ms) = 0;
    // Logs each attempt and moves its delivery on (unless a redelivery restarted it meanwhile), all in one
    // durable write: all of them or, on an error, none (those deliveries stay due and go again).
    [[nodiscard]] virtual Status record_attempts(std::span<const AttemptRecord> records, std::int64_t now_ms) = 0;

    // The deliveries of one of the merchant's events, each with its latest models::kWebhookAttemptsListed
    // attempts (oldest first) and the count of all of them; not_found for an unknown event or another
    // merchant's.
    [[nodiscard]] virtual Result<std::vector<models::WebhookDelivery>> deliveries(
        const std::string& merchant_id, const std::string& event_id) = 0;
    // Starts a new schedule, due now, for the event's delivery to `endpoint_id` (created when the event
    // never went there) or, without one, to every live endpoint it went to.
    [[nodiscard]] virtual Status redeliver(const std::string& merchant_id, const std::string& event_id,
                                           const std::optional<std::string>& endpoint_id,
                                           std::int64_t now_ms) = 0;
};

}  // namespace hilt::server
