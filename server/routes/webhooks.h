// server/routes/webhooks.h: webhook endpoints, delivery logs and redelivery for their merchant, and the
// published webhook signing key.
//
// Owns: POST/GET /v1/webhook-endpoints, GET/DELETE /v1/webhook-endpoints/{id}, POST …/{id}/rotate-secret,
// GET /v1/events/{id}/deliveries, POST /v1/events/{id}/redeliver (merchant auth; another merchant's ids are
// 404 like unknown ones) and GET /.well-known/hilt/webhook-key (no auth; rate limited per client).
// Must never: show an endpoint's secret except in the answer that created or rotated it, or accept a URL the
// policy refuses (webhooks/url_policy.h).
#pragma once

#include "app.h"
#include "http/http_server.h"

namespace hilt::server {

inline constexpr int kWebhookKeyMaxAgeSeconds = 300;

void register_webhook_routes(HttpServer& http, AppContext& context);

}  // namespace hilt::server
