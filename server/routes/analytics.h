// server/routes/analytics.h: a product's analytics for its merchant
// (GET /v1/products/{product_id}/analytics?from=&to=).
//
// Owns: reading the window (RFC 3339 UTC `from` and `to`, both optional and inclusive: all time until now
// by default; from after to is 422) and answering {funnel, revenue, renewal, delivery, support}
// (models/analytics.h) from the analytics store, after flushing the payload views counted in memory.
// Must never: answer for another merchant's product (404, as for an unknown one).
#pragma once

#include "app.h"
#include "core/result.h"
#include "http/http_server.h"
#include "store/analytics_store.h"

namespace hilt::server {

// The window of ?from=&to= at `now`: invalid_timestamp (field from / to) for text that is not RFC 3339
// UTC, invalid_value (field from) when from is after to.
[[nodiscard]] Result<AnalyticsWindow> read_analytics_window(const HttpRequest& request, std::int64_t now);

void register_analytics_routes(HttpServer& http, AppContext& context);

}  // namespace hilt::server
