// server/routes/respond.h: what every route handler shares: JSON responses, request bodies read through the
// models' strict parser, list query parameters, and the Idempotency-Key wrapper.
#pragma once

#include <functional>
#include <string>

#include "app.h"
#include "http/http_server.h"
#include "models/json_reader.h"

namespace hilt::server {

HttpResponse json_response(int status, const models::Json& json);

// For answers a proxy micro-caches (the public payload and page; deploy/nginx.conf): `X-Accel-Expires:
// @<this second>` makes nginx drop the entry at the next second boundary, so an edit or an archive shows
// through the cache within one second. nginx consumes the header; clients never see it.
void expire_proxy_cache_this_second(HttpResponse& response, const AppContext& context);

// The body as a T, through models::parse<T> (size, UTF-8, nesting, unknown fields, types, ranges). An empty
// body reads as {} so routes whose fields are all optional accept none.
template <typename T>
Result<T> read_body(const HttpRequest& request) {
    return models::parse<T>(request.body.empty() ? std::string_view("{}") : std::string_view(request.body));
}

// ?limit= (1..100, default 20) and ?starting_after=<id>.
struct ListParams {
    std::size_t limit = 20;
    std::optional<std::string> starting_after;
};
[[nodiscard]] Result<ListParams> read_list_params(const HttpRequest& request, std::string_view id_prefix);

// Runs `handler` at most once per (scope, Idempotency-Key, request): replays the stored answer for a repeat,
// 409 for a reused key with another body. Without the header the handler simply runs.
HttpResponse idempotent(const HttpRequest& request, AppContext& context, const std::string& scope,
                        const std::function<HttpResponse()>& handler);

}  // namespace hilt::server
