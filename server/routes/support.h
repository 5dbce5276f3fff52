// server/routes/support.h: after-sale care. Buyers open support cases about a payment (public, rate
// limited); merchants list, read and close theirs, and recover a delivery that failed (report it,
// or supply a new value the buyer then sees).
#pragma once

#include "app.h"
#include "http/http_server.h"

namespace hilt::server {

void register_support_routes(HttpServer& http, AppContext& context);

}  // namespace hilt::server
