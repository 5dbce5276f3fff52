// server/routes/webhooks.cpp: see webhooks.h.
#include "routes/webhooks.h"

#include "auth/api_keys.h"
#include "encoding/base64.h"
#include "models/webhook.h"
#include "routes/auth.h"
#include "routes/respond.h"
#include "webhooks/signing.h"
#include "webhooks/url_policy.h"

namespace hilt::server {

namespace {

// The URL's form, and its addresses when the name resolves now (it is checked again before every attempt;
// a name that does not resolve yet is accepted).
Status check_endpoint_url(const std::string& url, bool allow_loopback) {
    auto target = parse_webhook_url(url, allow_loopback);
    if (!target) return target.error();
    auto address = resolve_webhook_target(*target, allow_loopback);
    if (!address && address.error().code == ErrorCode::UrlNotAllowed) return address.error();
    return {};
}

HttpResponse not_found(const HttpRequest& request, std::string_view what) {
    return HttpResponse::error(fail(ErrorCode::NotFound, "no such " + std::string(what)), request.request_id);
}

// The event's deliveries with their attempts, as a list page (one page: an event has few endpoints).
HttpResponse deliveries_page(const HttpRequest& request, WebhookStore& store, const std::string& merchant_id,
                             const std::string& event_id, int status) {
    auto deliveries = store.deliveries(merchant_id, event_id);
    if (!deliveries) return HttpResponse::error(deliveries.error(), request.request_id);
    models::Json data = models::Json::array();
    for (const auto& delivery : *deliveries) data.push_back(to_json(delivery));
    return json_response(status, {{"data", data}, {"has_more", false}});
}

}  // namespace

void register_webhook_routes(HttpServer& http, AppContext& context) {
    auto& store = *context.webhooks;
    const bool allow_loopback = context.config.webhooks.allow_loopback;

    http.route("POST", "/v1/webhook-endpoints", [&context, &store, allow_loopback](const HttpRequest& request) {
        auto merchant = authenticate_merchant(request, context);
        if (!merchant) return HttpResponse::error(merchant.error(), request.request_id);
        return idempotent(request, context, merchant->merchant_id, [&] {
            auto body = read_body<models::WebhookEndpointRequest>(request);
            if (!body) return HttpResponse::error(body.error(), request.request_id);
            if (auto allowed = check_endpoint_url(body->url, allow_loopback); !allowed) {
                return HttpResponse::error(allowed.error(), request.request_id);
            }
            WebhookEndpointRecord record{new_id(models::kWebhookEndpointIdPrefix),
                                         merchant->merchant_id,
                                         body->url,
                                         body->events,
                                         body->description,
                                         new_webhook_secret(),
                                         std::nullopt,
                                         std::nullopt,
                                         context.clock.now_seconds()};
            if (auto created = store.create_endpoint(record); !created) {
                return HttpResponse::error(created.error(), request.request_id);
            }
            auto shown = to_api_endpoint(record, record.created_at);
            shown.secret = record.secret;  // the one time it is shown
            return json_response(201, to_json(shown));
        });
    });

    http.route("GET", "/v1/webhook-endpoints", [&context, &store](const HttpRequest& request) {
        auto merchant = authenticate_merchant(request, context);
        if (!merchant) return HttpResponse::error(merchant.error(), request.request_id);
        auto params = read_list_params(request, models::kWebhookEndpointIdPrefix);
        if (!params) return HttpResponse::error(params.error(), request.request_id);
        auto page = store.list_endpoints(merchant->merchant_id, params->limit, params->starting_after);
        if (!page) return HttpResponse::error(page.error(), request.request_id);
        models::Json data = models::Json::array();
        for (const auto& record : page->data) {
            data.push_back(to_json(to_api_endpoint(record, context.clock.now_seconds())));
        }
        return json_response(200, {{"data", data}, {"has_more", page->has_more}});
    });

    http.route("GET", "/v1/webhook-endpoints/{endpoint_id}", [&context, &store](const HttpRequest& request) {
        auto merchant = authenticate_merchant(request, context);
        if (!merchant) return HttpResponse::error(merchant.error(), request.request_id);
        const auto id = request.path_param("endpoint_id");
        if (!models::validate_id(id, models::kWebhookEndpointIdPrefix)) return not_found(request, "webhook endpoint");
        auto record = store.endpoint(merchant->merchant_id, id);
        if (!record) return HttpResponse::error(record.error(), request.request_id);
        return json_response(200, to_json(to_api_endpoint(*record, context.clock.now_seconds())));
    });

    http.route("DELETE", "/v1/webhook-endpoints/{endpoint_id}", [&context, &store](const HttpRequest& request) {
        auto merchant = authenticate_merchant(request, context);
        if (!merchant) return HttpResponse::error(merchant.error(), request.request_id);
        const auto id = request.path_param("endpoint_id");
        if (!models::validate_id(id, models::kWebhookEndpointIdPrefix)) return not_found(request, "webhook endpoint");
        if (auto deleted = store.delete_endpoint(merchant->merchant_id, id, context.clock.now_seconds()); !deleted) {
            return HttpResponse::error(deleted.error(), request.request_id);
        }
        context.webhook_worker->poke();  // its backlog drops the endpoint's rows
        return json_response(200, {{"id", id}, {"deleted", true}});
    });

    http.route("POST", "/v1/webhook-endpoints/{endpoint_id}/rotate-secret", [&context, &store](const HttpRequest& request) {
        auto merchant = authenticate_merchant(request, context);
        if (!merchant) return HttpResponse::error(merchant.error(), request.request_id);
        const auto id = request.path_param("endpoint_id");
        if (!models::validate_id(id, models::kWebhookEndpointIdPrefix)) return not_found(request, "webhook endpoint");
        return idempotent(request, context, merchant->merchant_id, [&] {
            auto body = read_body<models::RotateSecretRequest>(request);
            if (!body) return HttpResponse::error(body.error(), request.request_id);
            const auto now = context.clock.now_seconds();
            const auto overlap = body->expires_in_seconds.value_or(models::kDefaultSecretOverlapSeconds);
            auto rotated = store.rotate_secret(merchant->merchant_id, id, new_webhook_secret(), now + overlap, now);
            if (!rotated) return HttpResponse::error(rotated.error(), request.request_id);
            context.webhook_worker->poke();  // its backlog takes the new secret
            auto shown = to_api_endpoint(*rotated, now);
            shown.secret = rotated->secret;
            if (rotated->previous_secret_expires_at) {
                // Shown even when the overlap is 0: the time the old secret stopped signing.
                shown.previous_secret_expires_at = models::Timestamp{*rotated->previous_secret_expires_at};
            }
            return json_response(200, to_json(shown));
        });
    });

    http.route("GET", "/v1/events/{event_id}/deliveries", [&context, &store](const HttpRequest& request) {
        auto merchant = authenticate_merchant(request, context);
        if (!merchant) return HttpResponse::error(merchant.error(), request.request_id);
        const auto id = request.path_param("event_id");
        if (!models::validate_id(id, models::kEventIdPrefix)) return not_found(request, "event");
        return deliveries_page(request, store, merchant->merchant_id, id, 200);
    });

    http.route("POST", "/v1/events/{event_id}/redeliver", [&context, &store](const HttpRequest& request) {
        auto merchant = authenticate_merchant(request, context);
        if (!merchant) return HttpResponse::error(merchant.error(), request.request_id);
        const auto id = request.path_param("event_id");
        if (!models::validate_id(id, models::kEventIdPrefix)) return not_found(request, "event");
        return idempotent(request, context, merchant->merchant_id, [&] {
            auto body = read_body<models::RedeliverRequest>(request);
            if (!body) return HttpResponse::error(body.error(), request.request_id);
            if (auto again = store.redeliver(merchant->merchant_id, id, body->endpoint_id, context.clock.now_ms());
                !again) {
                return HttpResponse::error(again.error(), request.request_id);
            }
            context.webhook_worker->poke();
            return deliveries_page(request, store, merchant->merchant_id, id, 202);
        });
    });

    http.route("GET", "/.well-known/hilt/webhook-key", [&context](const HttpRequest& request) {
        if (auto limited = limit_public(request, context)) return *limited;
        const auto& key = *context.webhook_public_key;
        auto response = json_response(200, {{"algorithm", "ed25519"},
                                             {"signature_scheme", "v1a"},
                                             {"public_key", webhook_public_key_text(key)},
                                             {"public_key_base58", solana::PublicKey::from_bytes(key).to_base58()}});
        response.headers.emplace_back("Cache-Control", "public, max-age=" + std::to_string(kWebhookKeyMaxAgeSeconds));
        return response;
    });
}

}  // namespace hilt::server
