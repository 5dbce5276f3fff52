// server/routes/respond.cpp: shared handler plumbing.
#include "routes/respond.h"

#include "crypto/sodium.h"
#include "encoding/base64.h"
#include "store/idempotency_store.h"

namespace hilt::server {

HttpResponse json_response(int status, const models::Json& json) {
    return HttpResponse::json(status, models::dump_json(json));
}

void expire_proxy_cache_this_second(HttpResponse& response, const AppContext& context) {
    response.headers.emplace_back("X-Accel-Expires", "@" + std::to_string(context.clock.now_seconds()));
}

Result<ListParams> read_list_params(const HttpRequest& request, std::string_view id_prefix) {
    ListParams params;
    if (auto limit = request.query_param("limit")) {
        std::int64_t value = 0;
        bool digits = !limit->empty() && limit->size() <= 3;
        for (char c : *limit) digits = digits && c >= '0' && c <= '9';
        if (digits) value = std::stoll(*limit);
        if (!digits || value < 1 || value > 100) {
            return fail(ErrorCode::OutOfRange, "limit is a whole number from 1 to 100", "limit");
        }
        params.limit = static_cast<std::size_t>(value);
    }
    if (auto after = request.query_param("starting_after")) {
        if (auto status = models::validate_id(*after, id_prefix); !status) {
            return at("starting_after", status.error());
        }
        params.starting_after = *after;
    }
    return params;
}

HttpResponse idempotent(const HttpRequest& request, AppContext& context, const std::string& scope,
                        const std::function<HttpResponse()>& handler) {
    const auto key = request.header("Idempotency-Key");
    if (!key) return handler();
    bool printable = !key->empty() && key->size() <= kIdempotencyKeyMaxBytes;
    for (unsigned char c : *key) printable = printable && c >= 0x21 && c <= 0x7e;
    if (!printable) {
        return HttpResponse::error(fail(ErrorCode::InvalidValue,
                                        "Idempotency-Key is 1..255 printable ASCII characters",
                                        "Idempotency-Key"),
                                   request.request_id);
    }
    const auto request_hash =
        hex_encode(sha256(as_bytes(request.method + " " + request.path + "\n" + request.body)));
    IdempotencyStore& store = context.idempotency;
    auto begun = store.begin(scope, *key, request_hash, context.clock.now_seconds());
    if (!begun) return HttpResponse::error(begun.error(), request.request_id);
    if (*begun) {
        auto replay = HttpResponse::json((*begun)->status, (*begun)->body);
        replay.headers.emplace_back("Idempotent-Replayed", "true");
        return replay;
    }
    auto response = handler();
    const auto kept = response.status >= 500 ? store.release(scope, *key)
                                             : store.finish(scope, *key, {response.status, response.body});
    if (!kept) return HttpResponse::error(kept.error(), request.request_id);
    return response;
}

}  // namespace hilt::server
