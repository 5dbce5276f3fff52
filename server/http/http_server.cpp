// server/http/http_server.cpp: cpp-httplib behind HttpServer.
#include "http/http_server.h"

#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <array>
#include <cstring>

#include "crypto/sodium.h"
#include "http/compression.h"
#include "http/connection_gate.h"
#include "encoding/base64.h"
#include "models/event.h"

static_assert(CPPHTTPLIB_HEADER_MAX_LENGTH == hilt::server::kMaxHeaderLineBytes, "header limit drifted");
static_assert(CPPHTTPLIB_REQUEST_URI_MAX_LENGTH == hilt::server::kMaxRequestUriBytes, "URI limit drifted");

namespace hilt::server {

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

// Request ids only need to be unique, not secret: a per-thread generator seeded once from libsodium
// (splitmix64) instead of a random-bytes call per request.
std::string new_request_id() {
    thread_local std::uint64_t state = [] {
        std::uint64_t seed = 0;
        const auto bytes = random_bytes(sizeof seed);
        std::memcpy(&seed, bytes.data(), sizeof seed);
        return seed;
    }();
    const auto next = [] {
        std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    };
    std::array<std::uint8_t, 12> id{};
    const std::uint64_t high = next();
    const std::uint64_t low = next();
    std::memcpy(id.data(), &high, 8);
    std::memcpy(id.data() + 8, &low, 4);
    return "req_" + hex_encode(id);
}

// Headers every response carries. The checkout page adds its own CSP, and its own opener policy for
// loads the buyer started (routes/pages.cpp); the manage page its own referrer policy.
void add_security_headers(httplib::Response& res) {
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("X-Frame-Options", "DENY");
    // httplib's set_header adds a line: a route's own value must not be followed by a second one (a
    // browser reads the last policy it knows).
    if (!res.has_header("Referrer-Policy")) res.set_header("Referrer-Policy", "strict-origin-when-cross-origin");
    if (!res.has_header("Cross-Origin-Opener-Policy")) {
        res.set_header("Cross-Origin-Opener-Policy", "same-origin-allow-popups");
    }
    if (!res.has_header("Cache-Control")) res.set_header("Cache-Control", "no-store");
    if (!res.has_header("Content-Security-Policy")) {
        res.set_header("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
    }
}

// A route pattern split at '/': literal segments must match exactly, "{name}" segments match any one
// non-empty segment. Matching is a walk over the segments, no regex: the per-request routing cost of
// std::regex over every registered pattern was a measurable share of a payload GET (scripts/bench).
struct Route {
    std::vector<std::string> segments;     // literal text, or the parameter's name for a parameter
    std::vector<bool> is_param;
    Handler handler;
};

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> parts;
    if (path.empty() || path.front() != '/') return parts;
    path.remove_prefix(1);
    while (true) {
        const auto slash = path.find('/');
        parts.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return parts;
}

Route compile_route(std::string_view pattern, Handler handler) {
    Route route;
    route.handler = std::move(handler);
    for (const auto segment : split_path(pattern)) {
        const bool param = segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
        route.segments.emplace_back(param ? segment.substr(1, segment.size() - 2) : segment);
        route.is_param.push_back(param);
    }
    return route;
}

bool matches(const Route& route, const std::vector<std::string_view>& parts) {
    if (parts.size() != route.segments.size()) return false;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (route.is_param[i] ? parts[i].empty() : parts[i] != route.segments[i]) return false;
    }
    return true;
}

bool body_is_json(const httplib::Request& req) {
    const auto type = req.get_header_value("Content-Type");
    const auto semicolon = type.find(';');
    std::string_view media = std::string_view(type).substr(0, semicolon);
    while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
    return iequals(media, "application/json");
}

// Set on a worker while httplib answers a request it could not parse (the error handler): the connection then
// closes after the answer, rather than reading what follows a broken request as the next one.
thread_local bool close_after_answer = false;

// What the connection gate answers itself, before httplib sees the request: 400 for ambiguous framing or a
// bare CR or LF in the head, 413 for a body over the limit, 431 for a head over kMaxRequestHeadBytes. The
// connection then closes.
std::string gate_refusal(int status, std::size_t max_body_bytes) {
    const auto request_id = new_request_id();
    Error error = fail(ErrorCode::InvalidJson,
                       "malformed HTTP request: ambiguous or unsupported body framing, or a line not ended by CRLF");
    std::string reason = "Bad Request";
    if (status == 413) {
        error = fail(ErrorCode::PayloadTooLarge, "request body exceeds " + std::to_string(max_body_bytes) + " bytes");
        reason = "Payload Too Large";
    } else if (status == 431) {
        error = fail(ErrorCode::PayloadTooLarge,
                     "request line and headers exceed " + std::to_string(kMaxRequestHeadBytes) + " bytes");
        reason = "Request Header Fields Too Large";
    }
    const auto body = error_body(error, request_id);
    return "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Type: application/json\r\n" +
           "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n" +
           "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nX-Request-Id: " + request_id +
           "\r\n\r\n" + body;
}

// httplib's Server with the connection gate (connection_gate.h) in front of its workers. httplib's accept
// loop gives each accepted socket to its task queue as a job calling process_and_close_socket; GateQueue
// runs that job at once on the accept thread, and the override only hands the socket to the gate. The
// gate's workers then call httplib's own request handling (process_request) over the buffered request.
class GatedServer final : public httplib::Server {
public:
    explicit GatedServer(GateLimits limits) {
        new_task_queue = [this, limits] {
            auto* queue = new GateQueue(limits, [this](GatedConnection& connection) { return serve(connection); });
            queue_ = queue;
            return queue;
        };
    }

private:
    struct GateQueue final : httplib::TaskQueue {
        GateQueue(GateLimits limits, ConnectionGate::Serve serve)
            : gate(limits, std::move(serve),
                   [max_body = limits.max_body_bytes](int status) { return gate_refusal(status, max_body); }) {}
        void enqueue(std::function<void()> job) override { job(); }
        void shutdown() override { gate.shutdown(); }
        ConnectionGate gate;
    };

    bool process_and_close_socket(socket_t sock) override {
        queue_.load()->gate.admit(sock);
        return true;
    }

    // One request on a worker; true keeps the connection for the next (httplib's keep-alive rules).
    bool serve(GatedConnection& connection) {
        ++connection.requests_served;
        const bool last = connection.requests_served >= keep_alive_max_count_ || svr_sock_ == INVALID_SOCKET;
        bool closed = false;
        close_after_answer = false;
        const bool answered = process_request(connection, last, closed, nullptr);
        return answered && !closed && !last && !close_after_answer;
    }

    std::atomic<GateQueue*> queue_{nullptr};
};

bool has_header(const std::vector<std::pair<std::string, std::string>>& headers, std::string_view name) {
    return std::any_of(headers.begin(), headers.end(), [&](const auto& header) { return iequals(header.first, name); });
}

// True when a Vary value lists Accept-Encoding (or "*", which covers it).
bool varies_on_accept_encoding(std::string_view vary) {
    bool listed = false;
    while (!vary.empty()) {
        const auto comma = vary.find(',');
        auto field = vary.substr(0, comma);
        while (!field.empty() && (field.front() == ' ' || field.front() == '\t')) field.remove_prefix(1);
        while (!field.empty() && (field.back() == ' ' || field.back() == '\t')) field.remove_suffix(1);
        listed = listed || field == "*" || iequals(field, "Accept-Encoding");
        if (comma == std::string_view::npos) break;
        vary.remove_prefix(comma + 1);
    }
    return listed;
}

// True when the handler's body is sent in a coding the client picks (compression.h); it then carries
// Vary: Accept-Encoding, whatever this client accepted.
bool mark_varying_body(HttpResponse& response) {
    auto& headers = response.headers;
    if (has_header(headers, "Content-Encoding") || !varies_by_encoding(response.content_type, response.body.size())) {
        return false;
    }
    const auto vary = std::find_if(headers.begin(), headers.end(),
                                   [](const auto& header) { return iequals(header.first, "Vary"); });
    if (vary == headers.end()) {
        headers.emplace_back("Vary", "Accept-Encoding");
    } else if (!varies_on_accept_encoding(vary->second)) {
        vary->second += ", Accept-Encoding";
    }
    return true;
}

// A body a handler built, as it goes out to a client sending `accept_encoding`: compressed when worth
// it (compression.h), with the Content-Encoding and Vary that go with it. A route that set its own
// Content-Encoding has encoded its body already.
std::shared_ptr<const std::string> encode_built_body(HttpResponse& response, std::string_view accept_encoding) {
    auto& headers = response.headers;
    if (mark_varying_body(response)) {
        const auto encoding = body_encoding(response.content_type, response.body.size(), accept_encoding);
        if (auto packed = compress_body(encoding, response.body)) {
            response.body = std::move(*packed);
            headers.emplace_back("Content-Encoding", std::string(encoding_name(encoding)));
        }
    }
    return std::make_shared<const std::string>(std::move(response.body));
}

GateLimits gate_limits(const HttpLimits& limits) {
    const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
    GateLimits gate;
    gate.workers = limits.worker_threads ? limits.worker_threads
                                         : std::max<std::size_t>(kMinDefaultWorkerThreads, 4 * cores);
    gate.request_timeout = std::chrono::seconds(limits.read_timeout_seconds);
    gate.max_body_bytes = limits.max_body_bytes;
    gate.keep_alive_timeout = std::chrono::seconds(limits.keep_alive_timeout_seconds);
    gate.write_timeout = std::chrono::seconds(limits.write_timeout_seconds);
    return gate;
}

}  // namespace

std::optional<std::string> HttpRequest::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (iequals(key, name)) return value;
    }
    return std::nullopt;
}

std::optional<std::string> HttpRequest::query_param(std::string_view name) const {
    const auto it = query.find(std::string(name));
    if (it == query.end()) return std::nullopt;
    return it->second;
}

std::string HttpRequest::path_param(std::string_view name) const {
    const auto it = path_params.find(std::string(name));
    return it == path_params.end() ? std::string() : it->second;
}

HttpResponse HttpResponse::json(int status, std::string body) {
    HttpResponse response;
    response.status = status;
    response.body = std::move(body);
    return response;
}

std::string error_body(const Error& error, std::string_view request_id) {
    return models::dump(models::make_error_body(error, std::string(request_id)));
}

HttpResponse HttpResponse::error(const Error& error, std::string_view request_id) {
    return json(http_status(error.code), error_body(error, request_id));
}

struct HttpServer::Impl {
    explicit Impl(HttpLimits limits_) : limits(limits_), server(gate_limits(limits_)) {}
    HttpLimits limits;
    GatedServer server;
    // The listening socket, seen by the socket-options callback before httplib binds and listens.
    std::atomic<int> listen_socket{-1};
    std::thread thread;
    // Per method, in registration order: the first matching pattern wins.
    std::map<std::string, std::vector<Route>, std::less<>> routes;

    // `accept_encoding`: the client's Accept-Encoding, for a body the handler built (compression.h).
    void send(httplib::Response& res, HttpResponse response, const std::string& request_id,
              std::string_view accept_encoding = {}) {
        res.status = response.status;
        auto body = response.shared_body;
        if (!body || body->empty()) {
            // A client that accepts no coding (nginx asks with an empty Accept-Encoding, load generators
            // send none): httplib compresses nothing for it, and a string body costs it less than a provider.
            body = nullptr;
            if (accept_encoding.empty()) {
                mark_varying_body(response);
            } else {
                body = encode_built_body(response, accept_encoding);
            }
        }
        for (const auto& [name, value] : response.headers) res.set_header(name, value);
        if (body && !body->empty()) {
            // A fixed-length content provider: httplib only compresses string bodies (at brotli's
            // slowest setting, compression.h) and chunked providers, so bodies go out as encoded here
            // and precompressed files exactly as stored.
            res.set_content_provider(
                body->size(), response.content_type,
                [body](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
                    return sink.write(body->data() + offset, length);
                });
        } else {
            res.set_content(std::move(response.body), response.content_type);
        }
        // Pre-routing stamped it already (once per answer: httplib's set_header appends).
        if (!res.has_header("X-Request-Id")) res.set_header("X-Request-Id", request_id);
    }

    void send_error(httplib::Response& res, const Error& error, const std::string& request_id) {
        send(res, HttpResponse::error(error, request_id), request_id);
    }

    static std::string request_id_of(const httplib::Response& res) {
        return res.get_header_value("X-Request-Id");
    }
};

HttpServer::HttpServer(HttpLimits limits) : impl_(std::make_unique<Impl>(limits)) {
    auto& server = impl_->server;
    server.set_payload_max_length(limits.max_body_bytes);
    server.set_read_timeout(limits.read_timeout_seconds, 0);
    server.set_write_timeout(limits.write_timeout_seconds, 0);
    server.set_keep_alive_timeout(limits.keep_alive_timeout_seconds);
    server.set_keep_alive_max_count(limits.keep_alive_max_requests);
    // cpp-httplib leaves Nagle on: 26 ms per keep-alive response without this (architecture.md).
    server.set_socket_options([this](socket_t sock) {
        int yes = 1;
        setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
        setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
        impl_->listen_socket = sock;
    });

    server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
        const auto request_id = new_request_id();
        res.set_header("X-Request-Id", request_id);
        // hiltd serves no byte ranges (it sends no Accept-Ranges): RFC 9110 §14.2 lets a server ignore
        // Range, and httplib would otherwise send that range of the body under the handler's own 200
        // (a truncated page or JSON answer that looks whole). The request object is httplib's own,
        // not const; only its handlers' view of it is.
        const_cast<httplib::Request&>(req).ranges.clear();
        // httplib 0.11 (Debian's is linked with zlib and brotli) inflates a gzip, deflate or br body before it
        // checks the size limit: a 64 KiB bomb would expand without bound. hiltd's bodies are small JSON.
        for (auto [it, end] = req.headers.equal_range("Content-Encoding"); it != end; ++it) {
            if (iequals(it->second, "identity")) continue;
            impl_->send_error(res,
                              fail(ErrorCode::UnsupportedMediaType,
                                   "compressed request bodies are not accepted (Content-Encoding)"),
                              request_id);
            return httplib::Server::HandlerResponse::Handled;
        }
        // The body is not read yet here (pre-routing): judge by the headers that announce one.
        const bool announces_body = (req.has_header("Content-Length") && req.get_header_value("Content-Length") != "0") ||
                                    req.has_header("Transfer-Encoding");
        if ((req.method == "POST" || req.method == "PATCH" || req.method == "PUT") && announces_body &&
            !body_is_json(req)) {
            impl_->send_error(res,
                              fail(ErrorCode::UnsupportedMediaType, "request bodies must be application/json"),
                              request_id);
            return httplib::Server::HandlerResponse::Handled;
        }
        return httplib::Server::HandlerResponse::Unhandled;
    });

    server.set_error_handler([this](const httplib::Request&, httplib::Response& res) {
        // Responses httplib produced itself (404 for no route, 413, 400 for a bad request line) get our body;
        // handler-made errors already have one (send(): a content provider).
        if (!res.body.empty() || res.content_length_ > 0) return;
        auto request_id = Impl::request_id_of(res);
        if (request_id.empty()) request_id = new_request_id();
        Error error;
        switch (res.status) {
            case 404: error = fail(ErrorCode::NotFound, "no such route"); break;
            case 413:
                error = fail(ErrorCode::PayloadTooLarge,
                             "request body exceeds " + std::to_string(impl_->limits.max_body_bytes) + " bytes");
                break;
            case 405: error = fail(ErrorCode::NotFound, "method not allowed on this route"); break;
            default:
                error = res.status >= 500 ? fail(ErrorCode::Internal, "internal error")
                                          : fail(ErrorCode::InvalidJson, "malformed HTTP request");
                close_after_answer = res.status < 500;
        }
        const int status = res.status;
        impl_->send_error(res, error, request_id);
        res.status = status == 405 ? 405 : http_status(error.code);
    });

    server.set_exception_handler([this](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        auto request_id = Impl::request_id_of(res);
        if (request_id.empty()) request_id = new_request_id();
        res.headers.clear();
        impl_->send_error(res, fail(ErrorCode::Internal, "internal error"), request_id);
    });

    server.set_post_routing_handler(
        [](const httplib::Request&, httplib::Response& res) { add_security_headers(res); });
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::route(std::string_view method, std::string_view pattern, Handler handler) {
    const std::string method_key(method);
    const bool first_of_method = impl_->routes.find(method_key) == impl_->routes.end();
    impl_->routes[method_key].push_back(compile_route(pattern, std::move(handler)));
    if (!first_of_method) return;

    // One catch-all per method in httplib; HttpServer routes it (httplib sends HEAD to GET's).
    auto dispatch = [this, method_key](const httplib::Request& req, httplib::Response& res) {
        const auto request_id = Impl::request_id_of(res);
        const auto parts = split_path(req.path);
        const auto& list = impl_->routes.find(method_key)->second;
        const auto route = std::find_if(list.begin(), list.end(),
                                        [&parts](const Route& r) { return matches(r, parts); });
        if (route == list.end()) {
            impl_->send_error(res, fail(ErrorCode::NotFound, "no such route"), request_id);
            return;
        }
        HttpRequest request;
        request.method = req.method;
        request.path = req.path;
        request.body = req.body;
        request.remote_addr = req.remote_addr;
        request.request_id = request_id;
        request.headers.reserve(req.headers.size());
        for (const auto& [name, value] : req.headers) request.headers.emplace_back(name, value);
        for (const auto& [name, value] : req.params) request.query.emplace(name, value);
        for (std::size_t i = 0; i < parts.size(); ++i) {
            if (route->is_param[i]) request.path_params[route->segments[i]] = std::string(parts[i]);
        }
        impl_->send(res, route->handler(request), request_id, req.get_header_value("Accept-Encoding"));
    };
    auto& server = impl_->server;
    const std::string any = ".*";
    if (method == "GET") server.Get(any, dispatch);
    else if (method == "POST") server.Post(any, dispatch);
    else if (method == "PATCH") server.Patch(any, dispatch);
    else if (method == "PUT") server.Put(any, dispatch);
    else if (method == "DELETE") server.Delete(any, dispatch);
    else if (method == "OPTIONS") server.Options(any, dispatch);
}

bool HttpServer::mount_static(const std::string& mount, const std::string& directory) {
    return impl_->server.set_mount_point(mount, directory);
}

Result<int> HttpServer::start(const std::string& host, int port) {
    auto& server = impl_->server;
    const int bound = port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
    if (bound < 0) {
        return fail(ErrorCode::Internal, "cannot bind " + host + ":" + std::to_string(port));
    }
    // listen() again on a listening socket only changes its backlog (kListenBacklog).
    if (const int sock = impl_->listen_socket; sock >= 0) ::listen(sock, kListenBacklog);
    auto finished = std::make_shared<std::atomic<bool>>(false);
    impl_->thread = std::thread([&server, finished] {
        server.listen_after_bind();
        finished->store(true);
    });
    // listen_after_bind flips is_running once it accepts; wait for that rather than sleeping blindly.
    while (!server.is_running() && !finished->load()) std::this_thread::yield();
    if (!server.is_running()) return fail(ErrorCode::Internal, "server stopped before it started");
    return bound;
}

Status HttpServer::listen(const std::string& host, int port) {
    auto& server = impl_->server;
    const bool bound = port == 0 ? server.bind_to_any_port(host) >= 0 : server.bind_to_port(host, port);
    if (!bound) return fail(ErrorCode::Internal, "cannot listen on " + host + ":" + std::to_string(port));
    if (const int sock = impl_->listen_socket; sock >= 0) ::listen(sock, kListenBacklog);
    if (!server.listen_after_bind()) {
        return fail(ErrorCode::Internal, "cannot listen on " + host + ":" + std::to_string(port));
    }
    return {};
}

void HttpServer::stop() {
    if (impl_->server.is_running()) impl_->server.stop();
    if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace hilt::server
