// server/routes/receipts.h: receipts by id for their merchant, and the public side of receipts: the
// verification route and the published receipt key.
//
// Owns: GET /v1/receipts/{receipt_id} (merchant auth; another merchant's id is 404 like an unknown
// one), POST /v1/receipts/verify and GET /.well-known/hilt/receipt-key (no auth; rate limited per
// client like the other public routes). Must never: answer a verification with anything of the
// stored receipt but its ids, or call a receipt valid that another key signed (anyone can sign a
// well-formed document with a key of their own).
#pragma once

#include "app.h"
#include "http/http_server.h"
#include "models/receipt.h"
#include "store/payment_store.h"

namespace hilt::server {

// Cache-Control max-age of the published receipt key: it changes only when the operator replaces
// the key, and verifiers fetch it once per receipt.
inline constexpr int kReceiptKeyMaxAgeSeconds = 300;

// The verdict on a presented receipt (`document` as received, `receipt` parsed from it): signed by
// `server_key` over exactly these bytes, and the very receipt this server stored under its id. The
// signature is checked first, so only a document this server signed reaches the store (the route
// is no oracle for which receipt ids exist).
[[nodiscard]] Result<models::ReceiptVerification> verify_presented_receipt(
    const models::Json& document, const models::Receipt& receipt, const Bytes32& server_key,
    PaymentStore& payments);

void register_receipt_routes(HttpServer& http, AppContext& context);

}  // namespace hilt::server
