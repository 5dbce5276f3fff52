// shared/models/webhook.cpp: see webhook.h.
#include "models/webhook.h"

#include <algorithm>

namespace hilt::models {

namespace {

constexpr std::size_t kMaxEventTypes = 32;

Json wire_types(const std::vector<EventType>& types) {
    Json out = Json::array();
    for (const auto type : types) out.push_back(to_string(type));
    return out;
}

Json time_of_ms(std::int64_t ms) { return to_wire(Timestamp{ms / 1000}); }

}  // namespace

Status from_json(const Json& json, WebhookEndpointRequest& out) {
    ObjectReader r(json);
    r.required("url", out.url, ascii(kMaxUrlBytes));
    r.required("events", out.events, array_of(kMaxEventTypes, enumeration<EventType>()));
    r.optional("description", out.description,
               text({.min_chars = 0, .max_chars = kMaxWebhookDescriptionChars}));
    HILT_TRY(r.finish());
    if (out.events.empty()) {
        return fail(ErrorCode::InvalidValue, "subscribe to at least one event type", "events");
    }
    auto sorted = out.events;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
        return fail(ErrorCode::InvalidValue, "lists an event type twice", "events");
    }
    return {};
}

Json to_json(const WebhookEndpointRequest& value) {
    Json json = {{"url", value.url}, {"events", wire_types(value.events)}};
    put_optional(json, "description", value.description);
    return json;
}

Status from_json(const Json& json, RotateSecretRequest& out) {
    ObjectReader r(json);
    r.optional("expires_in_seconds", out.expires_in_seconds, integer(0, kMaxSecretOverlapSeconds));
    return r.finish();
}

Status from_json(const Json& json, RedeliverRequest& out) {
    ObjectReader r(json);
    r.optional("endpoint_id", out.endpoint_id, id(kWebhookEndpointIdPrefix));
    return r.finish();
}

Json to_json(const WebhookEndpoint& value) {
    Json json = {{"id", value.id},
                 {"url", value.url},
                 {"events", wire_types(value.events)},
                 {"created_at", to_wire(value.created_at)}};
    put_optional(json, "description", value.description);
    put_optional(json, "secret", value.secret);
    put_optional(json, "previous_secret_expires_at", value.previous_secret_expires_at);
    return json;
}

Json to_json(const WebhookAttempt& value) {
    Json json = {{"attempted_at", time_of_ms(value.attempted_at_ms)},
                 {"status_code", value.status_code ? Json(*value.status_code) : Json(nullptr)},
                 {"latency_ms", value.latency_ms}};
    put_optional(json, "error", value.error);
    put_optional(json, "response_excerpt", value.response_excerpt);
    return json;
}

Json to_json(const WebhookDelivery& value) {
    Json attempts = Json::array();
    for (const auto& attempt : value.attempts) attempts.push_back(to_json(attempt));
    Json json = {{"event_id", value.event_id},
                 {"endpoint_id", value.endpoint_id},
                 {"status", to_string(value.status)},
                 {"attempt_count", value.attempt_count},
                 {"attempts", attempts},
                 {"attempts_total", value.attempts_total}};
    if (value.next_attempt_at_ms) json["next_attempt_at"] = time_of_ms(*value.next_attempt_at_ms);
    return json;
}

}  // namespace hilt::models
