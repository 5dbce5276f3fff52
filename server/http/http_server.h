// server/http/http_server.h: hiltd's HTTP front: routing, limits, request ids, security headers and the
// JSON error body. The only file set that includes httplib.
//  - Handlers are plain functions of an HttpRequest returning an HttpResponse, so most handler tests need no
//    socket.
//  - Every response carries X-Request-Id and the security headers; every error is the api.md error body.
//  - An exception escaping a handler becomes a generic 500 (never the exception's text) with the request id.
// WARNING: limits below are the defence against slow or huge clients; raise them only with a measurement.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "core/result.h"

namespace hilt::server {

inline constexpr std::size_t kMaxHeaderLineBytes = 8192;  // = CPPHTTPLIB_HEADER_MAX_LENGTH (Debian's default)
inline constexpr std::size_t kMaxRequestUriBytes = 8192;  // = CPPHTTPLIB_REQUEST_URI_MAX_LENGTH
// Connections the kernel may hold for the accept loop. cpp-httplib listens with 5: 64 clients (or
// nginx opening upstream connections) at once overflowed it, and every dropped handshake cost the
// client a 1 s retransmit (scripts/bench: connect p99 1.2 s). Linux caps it at net.core.somaxconn.
inline constexpr int kListenBacklog = 1024;
// Workers for requests in progress. cpp-httplib alone gave each open connection a worker for its whole
// keep-alive (with 8 threads, 2,000 buyers polling through nginx timed out by the thousand and a new
// buyer waited 5 s, scripts/bench); the connection gate (connection_gate.h) now holds connections
// between requests without a worker, and the pool keeps its size; an idle thread costs only its
// stack's touched pages.
inline constexpr std::size_t kMinDefaultWorkerThreads = 64;

struct HttpLimits {
    // Largest request body accepted (413 above): a product with full metadata is < 40 KiB.
    std::size_t max_body_bytes = 64 * 1024;
    // Seconds a client may take to send a whole request, head and body (in all, however it trickles: the
    // connection gate's deadline), and to read each piece of a response.
    int read_timeout_seconds = 5;
    int write_timeout_seconds = 5;
    // Seconds a kept-alive connection may wait for its next request (held by the gate, not a worker).
    int keep_alive_timeout_seconds = 2;
    std::size_t keep_alive_max_requests = 100;
    // Header and request-line sizes are cpp-httplib's compile-time limits, the same in every build:
    // CPPHTTPLIB_HEADER_MAX_LENGTH (8 KiB per header line) and CPPHTTPLIB_REQUEST_URI_MAX_LENGTH (8 KiB);
    // a request over either is refused with a 4xx before any route runs (kMaxHeaderLineBytes below);
    // a whole head over kMaxRequestHeadBytes (connection_gate.h) is 431.
    // Worker threads; 0 = max(kMinDefaultWorkerThreads, 4 × cores).
    std::size_t worker_threads = 0;
};

// Case-insensitive header lookup over what the client sent.
struct HttpRequest {
    std::string method;
    std::string path;
    std::map<std::string, std::string> path_params;
    std::multimap<std::string, std::string> query;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::string remote_addr;
    std::string request_id;

    std::optional<std::string> header(std::string_view name) const;
    std::optional<std::string> query_param(std::string_view name) const;
    std::string path_param(std::string_view name) const;
};

struct HttpResponse {
    int status = 200;
    std::string body;
    std::string content_type = "application/json";
    std::vector<std::pair<std::string, std::string>> headers;
    // When set (and not empty), sent instead of `body`, byte for byte and without a copy: httplib
    // neither compresses it on the fly nor re-encodes it. For static files, whose cached bytes may
    // already be precompressed (the route sets Content-Encoding itself). Only for 2xx answers: the
    // error handler replaces an empty-bodied error.
    std::shared_ptr<const std::string> shared_body;

    static HttpResponse json(int status, std::string body);
    // The api.md error body, with the error's HTTP status.
    static HttpResponse error(const Error& error, std::string_view request_id);
};

// {"error":{"code":…,"message":…,"field":…,"request_id":…}}
std::string error_body(const Error& error, std::string_view request_id);

using Handler = std::function<HttpResponse(const HttpRequest&)>;

class HttpServer {
public:
    explicit HttpServer(HttpLimits limits = {});
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Pattern segments in braces are path parameters: "/v1/products/{product_id}".
    void route(std::string_view method, std::string_view pattern, Handler handler);
    // Serves files under `directory` at `mount` (e.g. "/assets"), with the security headers.
    [[nodiscard]] bool mount_static(const std::string& mount, const std::string& directory);

    // Binds host:port (port 0 = any free port) and serves on a background thread; returns the bound port
    // once the server accepts connections.
    [[nodiscard]] Result<int> start(const std::string& host, int port);
    // Blocks serving on the calling thread (for the hiltd binary).
    [[nodiscard]] Status listen(const std::string& host, int port);
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace hilt::server
