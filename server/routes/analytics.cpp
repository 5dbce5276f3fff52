// server/routes/analytics.cpp: GET /v1/products/{product_id}/analytics (see analytics.h).
#include "routes/analytics.h"

#include <iostream>

#include "analytics/view_counter.h"
#include "routes/auth.h"
#include "routes/respond.h"

namespace hilt::server {

Result<AnalyticsWindow> read_analytics_window(const HttpRequest& request, std::int64_t now) {
    AnalyticsWindow window;
    window.to = now;
    if (auto from = request.query_param("from")) {
        auto parsed = models::parse_timestamp(*from);
        if (!parsed) return at("from", parsed.error());
        window.from = parsed->unix_seconds;
    }
    if (auto to = request.query_param("to")) {
        auto parsed = models::parse_timestamp(*to);
        if (!parsed) return at("to", parsed.error());
        window.to = parsed->unix_seconds;
    }
    if (window.from && *window.from > window.to) {
        return fail(ErrorCode::InvalidValue, "from must not be after to", "from");
    }
    return window;
}

void register_analytics_routes(HttpServer& http, AppContext& context) {
    http.route("GET", "/v1/products/{product_id}/analytics", [&context](const HttpRequest& request) {
        auto merchant = authenticate_merchant(request, context);
        if (!merchant) return HttpResponse::error(merchant.error(), request.request_id);
        const auto now = context.clock.now_seconds();
        auto window = read_analytics_window(request, now);
        if (!window) return HttpResponse::error(window.error(), request.request_id);
        // The views counted so far, so that the answer includes every view served before it. A failed
        // flush keeps the counts for the next one; the answer then lags by those views only.
        if (context.views) {
            if (auto flushed = context.views->flush(); !flushed) {
                std::cerr << "hiltd views: " << describe(flushed.error()) << "\n";
            }
        }
        auto analytics = context.analytics->product_analytics(merchant->merchant_id,
                                                              request.path_param("product_id"), *window, now);
        if (!analytics) return HttpResponse::error(analytics.error(), request.request_id);
        return json_response(200, to_json(*analytics));
    });
}

}  // namespace hilt::server
