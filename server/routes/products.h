// server/routes/products.h: the merchant's product routes and the public checkout payload
// (GET /v1/products/p/{slug}).
#pragma once

#include "app.h"
#include "http/http_server.h"

namespace hilt::server {

void register_product_routes(HttpServer& http, AppContext& context);

}  // namespace hilt::server
