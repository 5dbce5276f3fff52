// server/routes/auth.h: who is calling. Merchant routes accept X-Hilt-Key or Authorization: Bearer <JWT>;
// public routes are rate limited per client address instead.
#pragma once

#include <optional>

#include "app.h"
#include "http/http_server.h"
#include "store/merchant_store.h"

namespace hilt::server {

// unauthorized when neither credential is present and valid.
[[nodiscard]] Result<Merchant> authenticate_merchant(const HttpRequest& request, AppContext& context);

// The buyer's address for rate limiting: the peer, or, when the peer is a proxy on this host (nginx, see
// deploy/nginx.conf) and config.trust_loopback_proxy is set, the X-Real-IP it sends.
std::string client_address(const HttpRequest& request, const ServerConfig& config);

// Is the peer a proxy on this host that hiltd trusts (config.trust_loopback_proxy; deploy/nginx.conf)?
bool from_trusted_proxy(const HttpRequest& request, const ServerConfig& config);

// A 429 response (with Retry-After) when the client is over its budget; nothing otherwise.
std::optional<HttpResponse> limit_public(const HttpRequest& request, AppContext& context);

void register_auth_routes(HttpServer& http, AppContext& context);

}  // namespace hilt::server
