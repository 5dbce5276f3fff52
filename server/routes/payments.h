// server/routes/payments.h: the merchant's post-payment routes: a product's payment trail, handoff links,
// receipts and memberships (each merchant sees only its own; others' ids answer 404).
#pragma once

#include "app.h"
#include "http/http_server.h"

namespace hilt::server {

void register_payment_routes(HttpServer& http, AppContext& context);

}  // namespace hilt::server
