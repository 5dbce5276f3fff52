// server/routes/receipts.cpp: see receipts.h.
#include "routes/receipts.h"

#include "routes/auth.h"
#include "routes/respond.h"

namespace hilt::server {

Result<models::ReceiptVerification> verify_presented_receipt(const models::Json& document,
                                                             const models::Receipt& receipt,
                                                             const Bytes32& server_key,
                                                             PaymentStore& payments) {
    using Reason = models::ReceiptInvalidReason;
    const auto invalid = [](Reason reason) {
        return models::ReceiptVerification{false, {}, {}, reason};
    };
    if (receipt.signer_public_key != solana::PublicKey::from_bytes(server_key)) {
        return invalid(Reason::SignerUnknown);
    }
    // The signature covers the canonical form (receipt.h). A document that parses to the same
    // values but is written otherwise (issued_at with an offset or fractions) is not what was
    // signed: an offline verifier rebuilding the bytes from it fails too, so the server says the
    // same.
    if (models::to_json(receipt) != document || !models::verify_receipt(receipt)) {
        return invalid(Reason::SignatureInvalid);
    }
    auto stored = payments.receipt(receipt.receipt_id);
    if (!stored) {
        if (stored.error().code == ErrorCode::NotFound) return invalid(Reason::ReceiptUnknown);
        return stored.error();
    }
    if (*stored != receipt) return invalid(Reason::ReceiptMismatch);
    return models::ReceiptVerification{true, receipt.receipt_id, receipt.payment_id, {}};
}

void register_receipt_routes(HttpServer& http, AppContext& context) {
    http.route("GET", "/v1/receipts/{receipt_id}", [&context](const HttpRequest& request) {
        auto merchant = authenticate_merchant(request, context);
        if (!merchant) return HttpResponse::error(merchant.error(), request.request_id);
        const auto id = request.path_param("receipt_id");
        if (!models::validate_id(id, models::kReceiptIdPrefix)) {
            return HttpResponse::error(fail(ErrorCode::NotFound, "no such receipt"),
                                       request.request_id);
        }
        auto receipt = context.payments.receipt_by_id(merchant->merchant_id, id);
        if (!receipt) return HttpResponse::error(receipt.error(), request.request_id);
        return json_response(200, to_json(*receipt));
    });

    // The body is a receipt exactly as GET returns it. A body that is no receipt at all (wrong
    // types, missing or unknown fields) is 422 by the usual rules; a receipt that does not verify
    // is 200 {valid: false, reason}.
    http.route("POST", "/v1/receipts/verify", [&context](const HttpRequest& request) {
        if (auto limited = limit_public(request, context)) return *limited;
        auto document = models::parse_json_text(
            request.body.empty() ? std::string_view("{}") : std::string_view(request.body));
        if (!document) return HttpResponse::error(document.error(), request.request_id);
        models::Receipt receipt;
        if (auto shape = from_json(*document, receipt); !shape) {
            return HttpResponse::error(shape.error(), request.request_id);
        }
        auto verdict = verify_presented_receipt(*document, receipt, context.receipt_public_key,
                                                context.payments);
        if (!verdict) return HttpResponse::error(verdict.error(), request.request_id);
        return json_response(200, to_json(*verdict));
    });

    http.route("GET", "/.well-known/hilt/receipt-key", [&context](const HttpRequest& request) {
        if (auto limited = limit_public(request, context)) return *limited;
        auto response = json_response(
            200,
            to_json(models::ReceiptKey{solana::PublicKey::from_bytes(context.receipt_public_key)}));
        response.headers.emplace_back(
            "Cache-Control", "public, max-age=" + std::to_string(kReceiptKeyMaxAgeSeconds));
        return response;
    });
}

}  // namespace hilt::server
