// server/routes/checkout.h: the public buyer routes of a checkout session (no auth, rate limited per
// client): connect, handoff resolve, transaction, broadcast, confirm, payment status and the Solana Pay
// transaction request. The lifecycle itself is PaymentService's.
#pragma once

#include "app.h"
#include "http/http_server.h"

namespace hilt::server {

void register_checkout_routes(HttpServer& http, AppContext& context);

}  // namespace hilt::server
