// server/routes/openapi.h: GET /v1/openapi.json, the OpenAPI 3.1 document of every route hiltd serves.
//
// Owns: serving docs/openapi.json as it was when hiltd was built (server/CMakeLists.txt embeds the file
// into the binary, so it answers from any working directory and cannot differ from the build's routes).
// Must never: read the document from disk at run time, or need credentials (it is the public reference).
// tests/e2e/openapi.test.mjs checks the answer against docs/openapi.json, every answer of an integration
// flow against its schema, and that every registered route is in the document.
#pragma once

#include <string_view>

#include "app.h"
#include "http/http_server.h"

namespace hilt::server {

// Cache-Control max-age of the document: it changes only with a new build.
inline constexpr int kOpenApiMaxAgeSeconds = 300;

// The embedded docs/openapi.json, byte for byte (generated at build time: openapi_document.cpp in the build
// folder).
std::string_view openapi_document();

void register_openapi_routes(HttpServer& http, AppContext& context);

}  // namespace hilt::server
