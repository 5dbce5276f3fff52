// server/routes/openapi.cpp: see openapi.h.
#include "routes/openapi.h"

#include <memory>
#include <string>

namespace hilt::server {

void register_openapi_routes(HttpServer& http, AppContext& /*context*/) {
    // One copy for every answer: the document is large and never changes while the process runs.
    auto document = std::make_shared<const std::string>(openapi_document());
    http.route("GET", "/v1/openapi.json", [document](const HttpRequest&) {
        HttpResponse response;
        response.status = 200;
        response.content_type = "application/json";
        response.shared_body = document;
        response.headers.emplace_back("Cache-Control", "public, max-age=" + std::to_string(kOpenApiMaxAgeSeconds));
        return response;
    });
}

}  // namespace hilt::server
