// server/http/http_server.cpp: cpp-httplib behind HttpServer.
#include "http/http_server.h"

#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <regex>

#include "crypto/sodium.h"
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

std::string new_request_id() { return "req_" + hex_encode(random_bytes(12)); }

// Headers every response carries. The checkout page adds its own CSP.
void add_security_headers(httplib::Response& res) {
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("X-Frame-Options", "DENY");
    res.set_header("Referrer-Policy", "strict-origin-when-cross-origin");
    res.set_header("Cross-Origin-Opener-Policy", "same-origin-allow-popups");
    if (!res.has_header("Cache-Control")) res.set_header("Cache-Control", "no-store");
    if (!res.has_header("Content-Security-Policy")) {
        res.set_header("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
    }
}

struct RouteEntry {
    std::vector<std::string> param_names;
    Handler handler;
};

// "/v1/products/{product_id}" -> "/v1/products/([^/]+)" and ["product_id"]
std::pair<std::string, std::vector<std::string>> compile_pattern(std::string_view pattern) {
    std::string regex;
    std::vector<std::string> names;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        const char c = pattern[i];
        if (c == '{') {
            const auto close = pattern.find('}', i);
            names.emplace_back(pattern.substr(i + 1, close - i - 1));
            regex += "([^/]+)";
            i = close;
        } else if (std::string_view(".+*?^$()[]|\\").find(c) != std::string_view::npos) {
            regex += '\\';
            regex += c;
        } else {
            regex += c;
        }
    }
    return {regex, names};
}

bool body_is_json(const httplib::Request& req) {
    const auto type = req.get_header_value("Content-Type");
    const auto semicolon = type.find(';');
    std::string_view media = std::string_view(type).substr(0, semicolon);
    while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
    return iequals(media, "application/json");
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
    HttpLimits limits;
    httplib::Server server;
    // The listening socket, seen by the socket-options callback before httplib binds and listens.
    std::atomic<int> listen_socket{-1};
    std::thread thread;
    std::map<std::string, std::vector<std::pair<std::regex, RouteEntry>>> routes;

    void send(httplib::Response& res, const HttpResponse& response, const std::string& request_id) {
        res.status = response.status;
        for (const auto& [name, value] : response.headers) res.set_header(name, value);
        if (response.shared_body && !response.shared_body->empty()) {
            // A fixed-length content provider: httplib only compresses string bodies and chunked
            // providers, so precompressed files go out exactly as stored.
            auto body = response.shared_body;
            res.set_content_provider(
                body->size(), response.content_type,
                [body](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
                    return sink.write(body->data() + offset, length);
                });
        } else {
            res.set_content(response.body, response.content_type);
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

HttpServer::HttpServer(HttpLimits limits) : impl_(std::make_unique<Impl>()) {
    impl_->limits = limits;
    auto& server = impl_->server;
    const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
    const std::size_t threads = limits.worker_threads
                                    ? limits.worker_threads
                                    : std::max<std::size_t>(kMinDefaultWorkerThreads, 4 * cores);
    server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
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
        // handler-made errors already have one.
        if (!res.body.empty()) return;
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
    auto [regex_text, names] = compile_pattern(pattern);
    const std::string method_key(method);
    auto& list = impl_->routes[method_key];
    list.emplace_back(std::regex(regex_text), RouteEntry{names, std::move(handler)});
    const std::size_t index = list.size() - 1;

    auto dispatch = [this, method_key, index](const httplib::Request& req, httplib::Response& res) {
        const auto& entry = impl_->routes[method_key][index].second;
        HttpRequest request;
        request.method = req.method;
        request.path = req.path;
        request.body = req.body;
        request.remote_addr = req.remote_addr;
        request.request_id = Impl::request_id_of(res);
        for (const auto& [name, value] : req.headers) request.headers.emplace_back(name, value);
        for (const auto& [name, value] : req.params) request.query.emplace(name, value);
        for (std::size_t i = 0; i < entry.param_names.size() && i + 1 < req.matches.size(); ++i) {
            request.path_params[entry.param_names[i]] = req.matches[i + 1].str();
        }
        impl_->send(res, entry.handler(request), request.request_id);
    };
    auto& server = impl_->server;
    if (method == "GET") server.Get(regex_text, dispatch);
    else if (method == "POST") server.Post(regex_text, dispatch);
    else if (method == "PATCH") server.Patch(regex_text, dispatch);
    else if (method == "PUT") server.Put(regex_text, dispatch);
    else if (method == "DELETE") server.Delete(regex_text, dispatch);
    else if (method == "OPTIONS") server.Options(regex_text, dispatch);
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
