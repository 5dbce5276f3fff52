// server/routes/manage.h: the subscriber's manage routes (public, rate limited like the checkout routes;
// X-Hilt-Manage-Token carries the membership's manage token, and a wrong or missing one is 404 like an
// unknown membership): read the subscription, get the transaction that cancels it or approves more renewals,
// and submit it signed.
#pragma once

#include "app.h"
#include "http/http_server.h"

namespace hilt::server {

void register_manage_routes(HttpServer& http, AppContext& context);

}  // namespace hilt::server
