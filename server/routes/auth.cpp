// server/routes/auth.cpp: credential checks, the public rate limit, API key routes and POST /v1/auth/token.
#include "routes/auth.h"

#include <algorithm>

#include "auth/api_keys.h"
#include "auth/jwt.h"
#include "models/json_reader.h"
#include "routes/respond.h"

namespace hilt::server {

namespace {

constexpr std::string_view kBearer = "Bearer ";

models::Json key_json(const ApiKeyRecord& key) {
    models::Json json = {{"key_id", key.key_id},
                         {"display_hint", key.display_hint},
                         {"created_at", models::format_timestamp(models::Timestamp{key.created_at})}};
    if (key.label) json["label"] = *key.label;
    if (key.revoked_at) json["revoked_at"] = models::format_timestamp(models::Timestamp{*key.revoked_at});
    return json;
}

struct NewKeyRequest {
    std::optional<std::string> label;
};

Status from_json(const models::Json& json, NewKeyRequest& out) {
    models::ObjectReader reader(json);
    reader.optional("label", out.label, models::text({.min_chars = 1, .max_chars = kApiKeyLabelMaxChars}));
    return reader.finish();
}

}  // namespace

Result<Merchant> authenticate_merchant(const HttpRequest& request, AppContext& context) {
    if (auto key = request.header("X-Hilt-Key")) {
        auto hash = hash_presented_api_key(*key);
        if (!hash) return hash.error();
        return context.merchants.authenticate(*hash);
    }
    if (auto authorization = request.header("Authorization")) {
        if (authorization->rfind(kBearer, 0) != 0) {
            return fail(ErrorCode::Unauthorized, "use Authorization: Bearer <token>");
        }
        auto claims = jwt_verify(std::string_view(*authorization).substr(kBearer.size()), context.jwt_key,
                                 context.clock.now_seconds());
        if (!claims) return claims.error();
        // WARNING: a token lives only as long as the API key that minted it: a revoked (leaked) key must
        // not leave sessions running for their last 15 minutes.
        auto keys = context.merchants.list_keys(claims->subject);
        if (!keys) return keys.error();
        const bool key_live = std::any_of(keys->begin(), keys->end(), [&](const ApiKeyRecord& key) {
            return !claims->key_id.empty() && key.key_id == claims->key_id && !key.revoked_at;
        });
        if (!key_live) return fail(ErrorCode::Unauthorized, "the token's API key is revoked");
        auto merchant = context.merchants.find_merchant(claims->subject);
        if (!merchant) return fail(ErrorCode::Unauthorized, "the token's merchant no longer exists");
        return merchant;
    }
    return fail(ErrorCode::Unauthorized, "send X-Hilt-Key or Authorization: Bearer <token>");
}

bool from_trusted_proxy(const HttpRequest& request, const ServerConfig& config) {
    const bool loopback_peer = request.remote_addr == "127.0.0.1" || request.remote_addr == "::1" ||
                               request.remote_addr.rfind("127.", 0) == 0;
    return config.trust_loopback_proxy && loopback_peer;
}

std::string client_address(const HttpRequest& request, const ServerConfig& config) {
    if (from_trusted_proxy(request, config)) {
        if (auto real = request.header("X-Real-IP"); real && !real->empty() && real->size() <= 64) return *real;
    }
    return request.remote_addr;
}

std::optional<HttpResponse> limit_public(const HttpRequest& request, AppContext& context) {
    const auto decision = context.public_limiter.take(client_address(request, context.config), context.clock.now_ms());
    if (decision.allowed) return std::nullopt;
    auto response = HttpResponse::error(fail(ErrorCode::RateLimited, "too many requests; slow down"),
                                        request.request_id);
    response.headers.emplace_back("Retry-After", std::to_string(decision.retry_after_seconds));
    return response;
}

void register_auth_routes(HttpServer& http, AppContext& context) {
    http.route("POST", "/v1/auth/token", [&context](const HttpRequest& request) {
        // Only an API key may mint a session token: a token cannot extend itself.
        if (!request.header("X-Hilt-Key")) {
            return HttpResponse::error(fail(ErrorCode::Unauthorized, "POST /v1/auth/token needs X-Hilt-Key"),
                                       request.request_id);
        }
        auto merchant = authenticate_merchant(request, context);
        if (!merchant) return HttpResponse::error(merchant.error(), request.request_id);
        auto hash = hash_presented_api_key(*request.header("X-Hilt-Key"));
        if (!hash) return HttpResponse::error(hash.error(), request.request_id);
        auto key = context.merchants.live_key(*hash);
        if (!key) return HttpResponse::error(key.error(), request.request_id);
        const auto now = context.clock.now_seconds();
        const JwtClaims claims{merchant->merchant_id, new_id("jti"), now, now + kJwtLifetimeSeconds, key->key_id};
        return json_response(200, {{"token", jwt_sign(claims, context.jwt_key)},
                                   {"expires_at", models::format_timestamp(models::Timestamp{claims.expires_at})}});
    });

    http.route("POST", "/v1/api-keys", [&context](const HttpRequest& request) {
        auto merchant = authenticate_merchant(request, context);
        if (!merchant) return HttpResponse::error(merchant.error(), request.request_id);
        return idempotent(request, context, merchant->merchant_id, [&] {
            auto body = read_body<NewKeyRequest>(request);
            if (!body) return HttpResponse::error(body.error(), request.request_id);
            auto created =
                context.merchants.create_key(merchant->merchant_id, body->label, context.clock.now_seconds());
            if (!created) return HttpResponse::error(created.error(), request.request_id);
            auto json = key_json(created->record);
            json["key"] = created->secret;
            return json_response(201, json);
        });
    });

    http.route("GET", "/v1/api-keys", [&context](const HttpRequest& request) {
        auto merchant = authenticate_merchant(request, context);
        if (!merchant) return HttpResponse::error(merchant.error(), request.request_id);
        auto keys = context.merchants.list_keys(merchant->merchant_id);
        if (!keys) return HttpResponse::error(keys.error(), request.request_id);
        models::Json data = models::Json::array();
        for (const auto& key : *keys) data.push_back(key_json(key));
        return json_response(200, {{"data", data}, {"has_more", false}});
    });

    http.route("DELETE", "/v1/api-keys/{key_id}", [&context](const HttpRequest& request) {
        auto merchant = authenticate_merchant(request, context);
        if (!merchant) return HttpResponse::error(merchant.error(), request.request_id);
        auto revoked = context.merchants.revoke_key(merchant->merchant_id, request.path_param("key_id"),
                                                    context.clock.now_seconds());
        if (!revoked) return HttpResponse::error(revoked.error(), request.request_id);
        return json_response(200, key_json(*revoked));
    });
}

}  // namespace hilt::server
