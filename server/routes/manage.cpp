// server/routes/manage.cpp: request parsing and responses for the subscriber's manage routes (see manage.h).
#include "routes/manage.h"

#include "payments/subscription_manager.h"
#include "routes/auth.h"
#include "routes/respond.h"

namespace hilt::server {

namespace {

// The membership named by the path once its manage token checks out.
Result<std::string> authorized_membership(const HttpRequest& request, const SubscriptionManager& manager) {
    auto id = request.path_param("membership_id");
    HILT_TRY(manager.authorize(id, request.header(models::kManageTokenHeader).value_or("")));
    return id;
}

}  // namespace

void register_manage_routes(HttpServer& http, AppContext& context) {
    http.route("GET", "/v1/memberships/{membership_id}/manage", [&context](const HttpRequest& request) {
        if (auto limited = limit_public(request, context)) return *limited;
        auto& manager = *context.subscriptions;
        auto id = authorized_membership(request, manager);
        if (!id) return HttpResponse::error(id.error(), request.request_id);
        auto view = manager.view(*id);
        if (!view) return HttpResponse::error(view.error(), request.request_id);
        auto response = json_response(200, to_json(*view));
        response.headers.emplace_back("Cache-Control", "no-store");
        return response;
    });

    http.route("POST", "/v1/memberships/{membership_id}/manage/transaction", [&context](const HttpRequest& request) {
        if (auto limited = limit_public(request, context)) return *limited;
        auto& manager = *context.subscriptions;
        auto id = authorized_membership(request, manager);
        if (!id) return HttpResponse::error(id.error(), request.request_id);
        auto body = read_body<models::ManageTransactionRequest>(request);
        if (!body) return HttpResponse::error(body.error(), request.request_id);
        auto built = manager.build(*id, body->action);
        if (!built) return HttpResponse::error(built.error(), request.request_id);
        return json_response(200, to_json(*built));
    });

    http.route("POST", "/v1/memberships/{membership_id}/manage/submit", [&context](const HttpRequest& request) {
        if (auto limited = limit_public(request, context)) return *limited;
        auto& manager = *context.subscriptions;
        auto id = authorized_membership(request, manager);
        if (!id) return HttpResponse::error(id.error(), request.request_id);
        auto body = read_body<models::ManageSubmitRequest>(request);
        if (!body) return HttpResponse::error(body.error(), request.request_id);
        auto view = manager.submit(*id, *body);
        if (!view) return HttpResponse::error(view.error(), request.request_id);
        if (context.renewal_worker) context.renewal_worker->poke();
        return json_response(200, to_json(*view));
    });
}

}  // namespace hilt::server
