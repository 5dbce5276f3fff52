// server/routes/payments.cpp: merchant reads of payments, receipts and memberships; handoff links.
#include "routes/payments.h"

#include "models/handoff.h"
#include "models/support.h"
#include "payments/subscription_manager.h"
#include "routes/auth.h"
#include "routes/respond.h"

namespace hilt::server {

void register_payment_routes(HttpServer& http, AppContext& context) {
    auto& service = context.payment_service;

    http.route("GET", "/v1/products/{product_id}/payments", [&context, &service](const HttpRequest& request) {
        auto merchant = authenticate_merchant(request, context);
        if (!merchant) return HttpResponse::error(merchant.error(), request.request_id);
        auto product = context.products.get(merchant->merchant_id, request.path_param("product_id"));
        if (!product) return HttpResponse::error(product.error(), request.request_id);
        auto params = read_list_params(request, models::kPaymentIdPrefix);
        if (!params) return HttpResponse::error(params.error(), request.request_id);
        PaymentListQuery query{params->limit, params->starting_after, std::nullopt};
        if (auto status = request.query_param("status")) {
            auto parsed = models::parse_enum<models::PaymentStatus>(*status);
            if (!parsed) return HttpResponse::error(at("status", parsed.error()), request.request_id);
            query.status = *parsed;
        }
        auto page = context.payments.list_for_product(merchant->merchant_id, product->product_id, query);
        if (!page) return HttpResponse::error(page.error(), request.request_id);
        // The page's support history in one read; only here, never on the buyer's payment read.
        std::vector<std::string> ids;
        for (const auto& record : page->data) ids.push_back(record.payment_id);
        auto cases = context.support->summaries_for_payments(merchant->merchant_id, ids);
        if (!cases) return HttpResponse::error(cases.error(), request.request_id);
        models::Json data = models::Json::array();
        for (const auto& record : page->data) {
            auto view = service.api_view(record);
            if (!view) return HttpResponse::error(view.error(), request.request_id);
            auto item = to_json(*view);
            const auto found = cases->find(record.payment_id);
            item["support_cases"] =
                found == cases->end() ? models::Json::array() : models::to_wire(found->second);
            data.push_back(std::move(item));
        }
        return json_response(200, {{"data", data}, {"has_more", page->has_more}});
    });

    http.route("POST", "/v1/products/{product_id}/handoff-link", [&context, &service](const HttpRequest& request) {
        auto merchant = authenticate_merchant(request, context);
        if (!merchant) return HttpResponse::error(merchant.error(), request.request_id);
        return idempotent(request, context, merchant->merchant_id, [&] {
            auto body = read_body<models::HandoffLinkRequest>(request);
            if (!body) return HttpResponse::error(body.error(), request.request_id);
            auto link = service.create_handoff_link(merchant->merchant_id, request.path_param("product_id"), *body);
            if (!link) return HttpResponse::error(link.error(), request.request_id);
            return json_response(201, to_json(*link));
        });
    });

    http.route("GET", "/v1/payments/{payment_id}/receipt", [&context](const HttpRequest& request) {
        auto merchant = authenticate_merchant(request, context);
        if (!merchant) return HttpResponse::error(merchant.error(), request.request_id);
        auto receipt = context.payments.receipt_for(merchant->merchant_id, request.path_param("payment_id"));
        if (!receipt) return HttpResponse::error(receipt.error(), request.request_id);
        return json_response(200, to_json(*receipt));
    });

    // Catch-up reads of the events webhooks carry (the same bodies, the same ids).
    http.route("GET", "/v1/events", [&context](const HttpRequest& request) {
        auto merchant = authenticate_merchant(request, context);
        if (!merchant) return HttpResponse::error(merchant.error(), request.request_id);
        auto params = read_list_params(request, models::kEventIdPrefix);
        if (!params) return HttpResponse::error(params.error(), request.request_id);
        EventListQuery query{params->limit, params->starting_after, std::nullopt};
        if (auto type = request.query_param("type")) {
            auto parsed = models::parse_enum<models::EventType>(*type);
            if (!parsed) return HttpResponse::error(at("type", parsed.error()), request.request_id);
            query.type = *parsed;
        }
        auto page = context.payments.list_events(merchant->merchant_id, query);
        if (!page) return HttpResponse::error(page.error(), request.request_id);
        return json_response(200, to_json(*page));
    });

    http.route("GET", "/v1/events/{event_id}", [&context](const HttpRequest& request) {
        auto merchant = authenticate_merchant(request, context);
        if (!merchant) return HttpResponse::error(merchant.error(), request.request_id);
        const auto id = request.path_param("event_id");
        if (!models::validate_id(id, models::kEventIdPrefix)) {
            return HttpResponse::error(fail(ErrorCode::NotFound, "no such event"), request.request_id);
        }
        auto event = context.payments.event_for(merchant->merchant_id, id);
        if (!event) return HttpResponse::error(event.error(), request.request_id);
        return json_response(200, to_json(*event));
    });

    // The membership as of now, with the subscriber's manage link for the merchant to pass on.
    const auto as_of_now = [&context](models::Membership membership) {
        membership.status = membership_status_at(membership, models::Timestamp{context.clock.now_seconds()});
        if (membership.subscription && context.subscriptions) {
            membership.manage_url = context.subscriptions->manage_url(membership.membership_id);
        }
        return to_json(membership);
    };

    http.route("GET", "/v1/memberships", [&context, as_of_now](const HttpRequest& request) {
        auto merchant = authenticate_merchant(request, context);
        if (!merchant) return HttpResponse::error(merchant.error(), request.request_id);
        auto params = read_list_params(request, models::kMembershipIdPrefix);
        if (!params) return HttpResponse::error(params.error(), request.request_id);
        MembershipListQuery query{params->limit, params->starting_after, std::nullopt};
        if (auto product_id = request.query_param("product_id")) {
            if (auto valid = models::validate_id(*product_id, models::kProductIdPrefix); !valid) {
                return HttpResponse::error(at("product_id", valid.error()), request.request_id);
            }
            query.product_id = *product_id;
        }
        auto page = context.payments.list_memberships(merchant->merchant_id, query);
        if (!page) return HttpResponse::error(page.error(), request.request_id);
        models::Json data = models::Json::array();
        for (const auto& membership : page->data) data.push_back(as_of_now(membership));
        return json_response(200, {{"data", data}, {"has_more", page->has_more}});
    });

    http.route("GET", "/v1/memberships/{membership_id}", [&context, as_of_now](const HttpRequest& request) {
        auto merchant = authenticate_merchant(request, context);
        if (!merchant) return HttpResponse::error(merchant.error(), request.request_id);
        auto membership = context.payments.membership_for(merchant->merchant_id, request.path_param("membership_id"));
        if (!membership) return HttpResponse::error(membership.error(), request.request_id);
        return json_response(200, as_of_now(*membership));
    });

    // The merchant ends a membership: at the paid period's end (default) or at once. Nothing is renewed
    // any more; Hilt cannot shrink the buyer's on-chain approval, but never uses it again for this one.
    http.route("POST", "/v1/memberships/{membership_id}/cancel", [&context, as_of_now](const HttpRequest& request) {
        auto merchant = authenticate_merchant(request, context);
        if (!merchant) return HttpResponse::error(merchant.error(), request.request_id);
        return idempotent(request, context, merchant->merchant_id, [&] {
            auto body = read_body<models::MembershipCancelRequest>(request);
            if (!body) return HttpResponse::error(body.error(), request.request_id);
            auto membership = context.payments.cancel_membership(
                merchant->merchant_id, request.path_param("membership_id"), models::CancellationSource::Merchant,
                body->at_period_end.value_or(true), context.clock.now_seconds());
            if (!membership) return HttpResponse::error(membership.error(), request.request_id);
            return json_response(200, as_of_now(*membership));
        });
    });
}

}  // namespace hilt::server
