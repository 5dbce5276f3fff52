// shared/models/webhook.h: webhook endpoints and deliveries (api.md "Webhooks").
//
// Owns: the request bodies of POST /v1/webhook-endpoints, …/rotate-secret and POST /v1/events/{id}/redeliver,
// the endpoint as the API shows it (its secret only in the answers that create or rotate it), and a
// delivery with its attempt log (GET /v1/events/{id}/deliveries).
// Must never: put an endpoint's secret into a list or read answer, or accept a URL longer than kMaxUrlBytes
// (the server decides which URLs are allowed: webhooks/url_policy.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/json_reader.h"

namespace hilt::models {

inline constexpr std::size_t kMaxWebhookDescriptionChars = 200;
inline constexpr std::size_t kMaxWebhookEndpointsPerMerchant = 16;
// A rotated-out secret keeps signing for this long by default, at most kMaxSecretOverlapSeconds.
inline constexpr std::int64_t kDefaultSecretOverlapSeconds = 24 * 60 * 60;
inline constexpr std::int64_t kMaxSecretOverlapSeconds = 7 * 24 * 60 * 60;
// The bytes of a receiver's answer an attempt keeps.
inline constexpr std::size_t kMaxResponseExcerptBytes = 1024;

#define HILT_WEBHOOK_DELIVERY_STATUS(X)                                                            \
    X(Pending, "PENDING")                                                                          \
    X(Delivered, "DELIVERED")                                                                      \
    X(Failed, "FAILED")                                                                            \
    X(Cancelled, "CANCELLED")
HILT_DEFINE_MODEL_ENUM(WebhookDeliveryStatus, HILT_WEBHOOK_DELIVERY_STATUS);

struct WebhookEndpointRequest {
    std::string url;  // https (http only to loopback when the server allows it)
    std::vector<EventType> events;  // 1.. distinct types
    std::optional<std::string> description;

    friend bool operator==(const WebhookEndpointRequest&, const WebhookEndpointRequest&) = default;
};

struct RotateSecretRequest {
    // How long the previous secret keeps signing too (0: stop at once).
    std::optional<std::int64_t> expires_in_seconds;

    friend bool operator==(const RotateSecretRequest&, const RotateSecretRequest&) = default;
};

struct RedeliverRequest {
    std::optional<std::string> endpoint_id;  // one endpoint; absent: every endpoint the event went to

    friend bool operator==(const RedeliverRequest&, const RedeliverRequest&) = default;
};

struct WebhookEndpoint {
    std::string id;  // "we_…"
    std::string url;
    std::vector<EventType> events;
    std::optional<std::string> description;
    Timestamp created_at;
    std::optional<std::string> secret;  // only when created or rotated ("whsec_…")
    std::optional<Timestamp> previous_secret_expires_at;  // while a rotated-out secret still signs

    friend bool operator==(const WebhookEndpoint&, const WebhookEndpoint&) = default;
};

struct WebhookAttempt {
    std::int64_t attempted_at_ms = 0;
    std::optional<int> status_code;  // absent: no HTTP answer (refused, timed out, TLS)
    std::int64_t latency_ms = 0;
    std::optional<std::string> error;
    std::optional<std::string> response_excerpt;

    friend bool operator==(const WebhookAttempt&, const WebhookAttempt&) = default;
};

// How many of a delivery's attempts GET /v1/events/{id}/deliveries lists: two default schedules' worth.
inline constexpr std::size_t kWebhookAttemptsListed = 20;

struct WebhookDelivery {
    std::string event_id;
    std::string endpoint_id;
    WebhookDeliveryStatus status = WebhookDeliveryStatus::Pending;
    std::int64_t attempt_count = 0;  // in the current schedule (a redelivery starts a new one)
    std::optional<std::int64_t> next_attempt_at_ms;
    // The latest kWebhookAttemptsListed attempts, oldest first, of the attempts_total in the log (every
    // schedule's: redeliveries by hand add theirs without bound, so the list is capped).
    std::vector<WebhookAttempt> attempts;
    std::int64_t attempts_total = 0;

    friend bool operator==(const WebhookDelivery&, const WebhookDelivery&) = default;
};

[[nodiscard]] Status from_json(const Json& json, WebhookEndpointRequest& out);
Json to_json(const WebhookEndpointRequest& value);
[[nodiscard]] Status from_json(const Json& json, RotateSecretRequest& out);
[[nodiscard]] Status from_json(const Json& json, RedeliverRequest& out);
Json to_json(const WebhookEndpoint& value);
Json to_json(const WebhookAttempt& value);
Json to_json(const WebhookDelivery& value);

}  // namespace hilt::models
