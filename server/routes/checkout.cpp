// server/routes/checkout.cpp: request parsing and responses for the public checkout routes.
#include "routes/checkout.h"

#include "encoding/base64.h"
#include "flow/renewal_wording.h"
#include "models/handoff.h"
#include "payments/subscription_manager.h"
#include "routes/auth.h"
#include "routes/respond.h"
#include "solanapay/transaction_request.h"

namespace hilt::server {

namespace {

// The payment named by the path, or a 404 for text that cannot be a payment id.
Result<std::string> payment_id_of(const HttpRequest& request) {
    auto id = request.path_param("payment_id");
    if (!models::validate_id(id, models::kPaymentIdPrefix)) return fail(ErrorCode::NotFound, "no such payment");
    return id;
}

template <typename T>
HttpResponse answer(const Result<T>& result, const HttpRequest& request, int status = 200) {
    if (!result) return HttpResponse::error(result.error(), request.request_id);
    return json_response(status, to_json(*result));
}

// What the scanning wallet shows beside the transaction (wallets show about 80 characters): the product
// title, after the renewal approval when the transaction gives one, so that a buyer who never saw the page's
// wording reads the limit before signing.
std::string wallet_message(const PaymentRecord& payment, const models::TransactionResponse& built) {
    if (!built.approval) return payment.quote.title;
    const auto& a = *built.approval;
    return "Renews: allows Hilt up to " +
           flow::money_words(a.allowance_minor_units - a.existing_allowance_minor_units, payment.quote.decimals,
                             payment.quote.asset_symbol) +
           " (" + std::to_string(a.allowance_periods) + " renewals). " + payment.quote.title;
}

}  // namespace

void register_checkout_routes(HttpServer& http, AppContext& context) {
    auto& service = context.payment_service;

    http.route("POST", "/v1/products/p/{slug}/connect", [&context, &service](const HttpRequest& request) {
        if (auto limited = limit_public(request, context)) return *limited;
        const auto slug = request.path_param("slug");
        return idempotent(request, context, "connect:" + slug, [&] {
            auto body = read_body<models::ConnectRequest>(request);
            if (!body) return HttpResponse::error(body.error(), request.request_id);
            return answer(service.connect(slug, *body), request, 201);
        });
    });

    http.route("POST", "/v1/handoff/resolve", [&context, &service](const HttpRequest& request) {
        if (auto limited = limit_public(request, context)) return *limited;
        auto body = read_body<models::HandoffResolveRequest>(request);
        if (!body) return HttpResponse::error(body.error(), request.request_id);
        return answer(service.resolve_handoff(body->token), request);
    });

    http.route("GET", "/v1/payments/{payment_id}", [&context, &service](const HttpRequest& request) {
        if (auto limited = limit_public(request, context)) return *limited;
        auto id = payment_id_of(request);
        if (!id) return HttpResponse::error(id.error(), request.request_id);
        auto response = answer(service.status(*id), request);
        response.headers.emplace_back("Cache-Control", "no-store");
        return response;
    });

    // The session a page opened on ?payment={id} continues (Phantom's in-app browser after the app switch).
    http.route("GET", "/v1/payments/{payment_id}/session", [&context, &service](const HttpRequest& request) {
        if (auto limited = limit_public(request, context)) return *limited;
        auto id = payment_id_of(request);
        if (!id) return HttpResponse::error(id.error(), request.request_id);
        auto response = answer(service.session(*id), request);
        response.headers.emplace_back("Cache-Control", "no-store");
        return response;
    });

    http.route("POST", "/v1/payments/{payment_id}/transaction", [&context, &service](const HttpRequest& request) {
        if (auto limited = limit_public(request, context)) return *limited;
        auto id = payment_id_of(request);
        if (!id) return HttpResponse::error(id.error(), request.request_id);
        auto body = read_body<models::TransactionRequest>(request);
        if (!body) return HttpResponse::error(body.error(), request.request_id);
        return answer(service.build_transaction(*id, body->buyer_wallet), request);
    });

    http.route("POST", "/v1/payments/{payment_id}/broadcast", [&context, &service](const HttpRequest& request) {
        if (auto limited = limit_public(request, context)) return *limited;
        auto id = payment_id_of(request);
        if (!id) return HttpResponse::error(id.error(), request.request_id);
        auto body = read_body<models::BroadcastRequest>(request);
        if (!body) return HttpResponse::error(body.error(), request.request_id);
        return answer(service.broadcast(*id, body->signed_transaction), request);
    });

    http.route("POST", "/v1/payments/{payment_id}/confirm", [&context, &service](const HttpRequest& request) {
        if (auto limited = limit_public(request, context)) return *limited;
        auto id = payment_id_of(request);
        if (!id) return HttpResponse::error(id.error(), request.request_id);
        auto body = read_body<models::ConfirmRequest>(request);
        if (!body) return HttpResponse::error(body.error(), request.request_id);
        auto confirmed = service.confirm(*id, body->tx_signature);
        if (confirmed && confirmed->membership_id && context.subscriptions) {
            confirmed->manage_url = context.subscriptions->manage_url_of_subscription(*confirmed->membership_id);
        }
        return answer(confirmed, request);
    });

    // Solana Pay transaction request (the QR code's link): GET shows who asks, POST builds the
    // transaction for the scanning wallet, which signs and sends it itself; the watcher finds it by reference.
    http.route("GET", "/v1/solana-pay/{payment_id}", [&context, &service](const HttpRequest& request) {
        if (auto limited = limit_public(request, context)) return *limited;
        auto id = payment_id_of(request);
        if (!id) return HttpResponse::error(id.error(), request.request_id);
        auto payment = context.payments.get(*id);
        if (!payment) return HttpResponse::error(payment.error(), request.request_id);
        auto body = solanapay::to_json(solanapay::TransactionRequestGetResponse{
            payment->quote.title, context.config.public_url + "/assets/icon.svg"});
        if (!body) return HttpResponse::error(body.error(), request.request_id);
        (void)service;
        return HttpResponse::json(200, *body);
    });

    http.route("POST", "/v1/solana-pay/{payment_id}", [&context, &service](const HttpRequest& request) {
        if (auto limited = limit_public(request, context)) return *limited;
        auto id = payment_id_of(request);
        if (!id) return HttpResponse::error(id.error(), request.request_id);
        auto body = solanapay::parse_post_body(request.body);
        if (!body) return HttpResponse::error(body.error(), request.request_id);
        auto built = service.build_transaction(*id, body->account);
        if (!built) return HttpResponse::error(built.error(), request.request_id);
        auto payment = context.payments.get(*id);
        if (!payment) return HttpResponse::error(payment.error(), request.request_id);
        auto wire = base64_decode(built->transaction);
        if (!wire) return HttpResponse::error(wire.error(), request.request_id);
        auto out = solanapay::to_json(
            solanapay::TransactionRequestPostResponse{*wire, wallet_message(*payment, *built), ""});
        if (!out) return HttpResponse::error(out.error(), request.request_id);
        return HttpResponse::json(200, *out);
    });
}

}  // namespace hilt::server
