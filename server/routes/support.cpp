// server/routes/support.cpp: support cases and delivery recovery (see support.h).
#include "routes/support.h"

#include "models/product.h"
#include "models/support.h"
#include "routes/auth.h"
#include "routes/respond.h"

namespace hilt::server {

namespace {

// The id a path names; text that cannot be one is a 404 like an unknown id, never a 422.
Result<std::string> path_id(const HttpRequest& request, std::string_view param,
                            std::string_view prefix, std::string_view what) {
    auto id = request.path_param(param);
    if (!models::validate_id(id, prefix))
        return fail(ErrorCode::NotFound, "no such " + std::string(what));
    return id;
}

}  // namespace

void register_support_routes(HttpServer& http, AppContext& context) {
    // The buyer's side, without credentials: whoever holds the payment id is its buyer.
    http.route("POST", "/v1/payments/{payment_id}/support", [&context](const HttpRequest& request) {
        if (auto limited = limit_public(request, context)) return *limited;
        auto id = path_id(request, "payment_id", models::kPaymentIdPrefix, "payment");
        if (!id) return HttpResponse::error(id.error(), request.request_id);
        return idempotent(request, context, "support:" + *id, [&] {
            auto body = read_body<models::SupportCaseRequest>(request);
            if (!body) return HttpResponse::error(body.error(), request.request_id);
            auto opened = context.support->open_case(*id, *body, context.clock.now_seconds());
            if (!opened) return HttpResponse::error(opened.error(), request.request_id);
            return json_response(201, to_json(*opened));
        });
    });

    http.route("GET", "/v1/support-cases", [&context](const HttpRequest& request) {
        auto merchant = authenticate_merchant(request, context);
        if (!merchant) return HttpResponse::error(merchant.error(), request.request_id);
        auto params = read_list_params(request, models::kSupportCaseIdPrefix);
        if (!params) return HttpResponse::error(params.error(), request.request_id);
        SupportCaseListQuery query{params->limit, params->starting_after, std::nullopt,
                                   std::nullopt};
        if (auto status = request.query_param("status")) {
            auto parsed = models::parse_enum<models::SupportCaseStatus>(*status);
            if (!parsed)
                return HttpResponse::error(at("status", parsed.error()), request.request_id);
            query.status = *parsed;
        }
        if (auto payment_id = request.query_param("payment_id")) {
            if (auto valid = models::validate_id(*payment_id, models::kPaymentIdPrefix); !valid) {
                return HttpResponse::error(at("payment_id", valid.error()), request.request_id);
            }
            query.payment_id = *payment_id;
        }
        auto page = context.support->list_cases(merchant->merchant_id, query);
        if (!page) return HttpResponse::error(page.error(), request.request_id);
        return json_response(200, to_json(*page));
    });

    http.route("GET", "/v1/support-cases/{case_id}", [&context](const HttpRequest& request) {
        auto merchant = authenticate_merchant(request, context);
        if (!merchant) return HttpResponse::error(merchant.error(), request.request_id);
        auto id = path_id(request, "case_id", models::kSupportCaseIdPrefix, "support case");
        if (!id) return HttpResponse::error(id.error(), request.request_id);
        auto found = context.support->case_for(merchant->merchant_id, *id);
        if (!found) return HttpResponse::error(found.error(), request.request_id);
        return json_response(200, to_json(*found));
    });

    // Idempotent: closing a closed case answers it as it is (the first resolution stays).
    http.route("POST", "/v1/support-cases/{case_id}/close", [&context](const HttpRequest& request) {
        auto merchant = authenticate_merchant(request, context);
        if (!merchant) return HttpResponse::error(merchant.error(), request.request_id);
        return idempotent(request, context, merchant->merchant_id, [&] {
            auto id = path_id(request, "case_id", models::kSupportCaseIdPrefix, "support case");
            if (!id) return HttpResponse::error(id.error(), request.request_id);
            auto body = read_body<models::SupportCaseCloseRequest>(request);
            if (!body) return HttpResponse::error(body.error(), request.request_id);
            auto closed = context.support->close_case(merchant->merchant_id, *id, body->resolution,
                                                      context.clock.now_seconds());
            if (!closed) return HttpResponse::error(closed.error(), request.request_id);
            return json_response(200, to_json(*closed));
        });
    });

    // Delivery recovery: the merchant's bot reports the delivered access unusable, or supplies a
    // new value; answers the payment as the merchant's trail shows it.
    http.route(
        "POST", "/v1/payments/{payment_id}/delivery", [&context](const HttpRequest& request) {
            auto merchant = authenticate_merchant(request, context);
            if (!merchant) return HttpResponse::error(merchant.error(), request.request_id);
            return idempotent(request, context, merchant->merchant_id, [&] {
                auto id = path_id(request, "payment_id", models::kPaymentIdPrefix, "payment");
                if (!id) return HttpResponse::error(id.error(), request.request_id);
                auto body = read_body<models::DeliveryUpdateRequest>(request);
                if (!body) return HttpResponse::error(body.error(), request.request_id);
                auto payment = context.payments.get_for_merchant(merchant->merchant_id, *id);
                if (!payment) return HttpResponse::error(payment.error(), request.request_id);
                // A new value must suit what the buyer bought (an https link for REDIRECT and
                // INVITE_LINK). NONE delivers nothing: the store answers delivery_not_required.
                if (body->delivery_value &&
                    payment->quote.delivery_type != models::DeliveryType::None) {
                    if (auto valid = models::validate_delivery(payment->quote.delivery_type,
                                                               body->delivery_value);
                        !valid) {
                        return HttpResponse::error(valid.error(), request.request_id);
                    }
                }
                DeliveryUpdate update;
                if (body->delivery_value) {
                    update.value = body->delivery_value;
                } else {
                    update.failure = body->reason;
                }
                auto updated = context.payments.update_delivery(merchant->merchant_id, *id, update,
                                                                context.clock.now_seconds());
                if (!updated) return HttpResponse::error(updated.error(), request.request_id);
                auto view = context.payment_service.api_view(*updated);
                if (!view) return HttpResponse::error(view.error(), request.request_id);
                return json_response(200, to_json(*view));
            });
        });
}

}  // namespace hilt::server
