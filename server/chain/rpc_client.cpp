// server/chain/rpc_client.cpp: cpp-httplib behind RpcClient (with server/http, the only code that
// includes httplib), and the TLS settings of its connections (OpenSSL, through httplib's SSL_CTX).
// Must never: put the endpoint URL in an error message (providers carry API keys in its path or
// query), hold a mutex while sleeping or waiting on the network, or talk to an https node without
// verifying its certificate and host name.
#include "chain/rpc_client.h"

#include <httplib.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <random>
#include <set>
#include <thread>

#include "crypto/sodium.h"
#include "http/tls_client.h"

// Debian's libcpp-httplib is built with OpenSSL; without it https:// would not be TLS at all.
#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
#error "hiltd needs cpp-httplib with OpenSSL (CPPHTTPLIB_OPENSSL_SUPPORT) for https RPC nodes"
#endif

namespace hilt::server {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// Longest URL accepted: provider URLs with an API key are ~100 characters.
constexpr std::size_t kMaxUrlLength = 2'048;
constexpr int kHttpDefaultPort = 80;
constexpr int kHttpsDefaultPort = 443;
constexpr int kMaxPort = 65'535;
// The envelope of one call: {"jsonrpc":"2.0","id":<u64>,"method":"<name>","params":…}, a comma.
constexpr std::size_t kCallEnvelopeBytes = 64;
// Digits of a Retry-After in seconds that we read at all (larger is "too long" anyway).
constexpr std::size_t kMaxRetryAfterDigits = 9;

Error bad_url(std::string message) {
    return fail(ErrorCode::InvalidUrl, std::move(message), "url");
}

std::string lowercase(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

bool parse_port(std::string_view text, int& out) {
    if (text.empty() || text.size() > 5) return false;
    int value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) return false;
    if (value < 1 || value > kMaxPort) return false;
    out = value;
    return true;
}

// Retry-After in delta-seconds; nullopt for absent, an HTTP date (not worth a date parser here:
// the exponential backoff applies instead) or anything unreadable.
std::optional<std::chrono::seconds> retry_after(const httplib::Response& response) {
    const std::string value = response.get_header_value("Retry-After");
    if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos) {
        return std::nullopt;
    }
    if (value.size() > kMaxRetryAfterDigits) return kMaxRetryAfter + std::chrono::seconds(1);
    std::int64_t seconds = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec != std::errc{} || end != value.data() + value.size()) return std::nullopt;
    return std::chrono::seconds(seconds);
}

bool retryable_status(int status) {
    return status == 408 || status == 429 || status == 403 || (status >= 500 && status <= 599);
}

// A JSON-RPC response object: {"result":…} or {"error":{…}}.
bool is_response_object(const json& value) {
    return value.is_object() && (value.contains("result") || value.contains("error"));
}

bool well_formed(const json& body) {
    if (body.is_object()) return is_response_object(body);
    if (!body.is_array()) return false;
    return std::all_of(body.begin(), body.end(), is_response_object);
}

RpcReply to_reply(const json& response) {
    RpcReply reply;
    const auto error = response.find("error");
    if (error != response.end() && !error->is_null()) {
        RpcError rpc_error;
        if (error->is_object()) {
            const auto code = error->find("code");
            if (code != error->end() && code->is_number_integer()) {
                rpc_error.code = code->get<std::int64_t>();
            }
            const auto message = error->find("message");
            if (message != error->end() && message->is_string()) {
                rpc_error.message = message->get<std::string>();
            }
            const auto data = error->find("data");
            if (data != error->end()) rpc_error.data = *data;
        } else if (error->is_string()) {
            rpc_error.message = error->get<std::string>();
        }
        reply.error = std::move(rpc_error);
        return reply;
    }
    const auto result = response.find("result");
    if (result != response.end()) reply.result = *result;
    return reply;
}

// ---- TLS ---------------------------------------------------------------------------------------

// Checks that `path` is a CA bundle OpenSSL will load: readable, at most kRpcMaxCaFileBytes, and at
// least one certificate in PEM blocks read the way SSL_CTX_load_verify_locations reads them.
Status check_ca_file(const std::string& path) {
    const auto refuse = [&](const std::string& why) -> Status {
        return fail(ErrorCode::InvalidValue, "the RPC node's CA file " + path + " " + why,
                    "ca_file");
    };
    struct Close {
        void operator()(std::FILE* file) const { std::fclose(file); }
    };
    std::unique_ptr<std::FILE, Close> file(std::fopen(path.c_str(), "rb"));
    if (!file) return refuse("cannot be read: " + std::string(std::strerror(errno)));
    std::string text;
    char buffer[16 * 1024];
    while (const std::size_t got = std::fread(buffer, 1, sizeof buffer, file.get())) {
        if (text.size() + got > kRpcMaxCaFileBytes) {
            return refuse("is larger than " + std::to_string(kRpcMaxCaFileBytes) + " bytes");
        }
        text.append(buffer, got);
    }
    if (std::ferror(file.get())) {
        return refuse("cannot be read: " + std::string(std::strerror(errno)));
    }
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), &BIO_free);
    if (!bio) return fail(ErrorCode::Internal, "OpenSSL could not allocate a memory BIO");
    STACK_OF(X509_INFO)* infos = PEM_X509_INFO_read_bio(bio.get(), nullptr, nullptr, nullptr);
    int certificates = 0;
    if (infos) {
        for (int i = 0; i < sk_X509_INFO_num(infos); ++i) {
            if (sk_X509_INFO_value(infos, i)->x509) ++certificates;
        }
        sk_X509_INFO_pop_free(infos, X509_INFO_free);
    }
    ERR_clear_error();  // the end of the text is reported as an error too
    if (!infos) return refuse("is not a PEM file of certificates (a block is malformed)");
    if (certificates == 0) return refuse("holds no PEM certificate");
    return {};
}

// Why a certificate was refused, from OpenSSL's verify result. httplib's own host check runs after
// OpenSSL's chain check and leaves the result X509_V_OK when only it refused.
std::string verify_failure(long result) {
    if (result == X509_V_OK) return "the certificate does not name the node's host";
    return X509_verify_cert_error_string(result);
}

std::optional<std::uint64_t> id_of(const json& response) {
    const auto id = response.find("id");
    if (id == response.end() || !id->is_number_unsigned()) return std::nullopt;
    return id->get<std::uint64_t>();
}

Clock::duration backoff_delay(std::chrono::milliseconds base, std::uint32_t retry) {
    thread_local std::mt19937_64 random = [] {
        const auto seed = random_array<8>();
        std::uint64_t value = 0;
        for (const auto byte : seed) value = (value << 8) | byte;
        return std::mt19937_64(value);
    }();
    std::chrono::milliseconds delay = base;
    for (std::uint32_t i = 1; i < retry && delay < kRpcMaxBackoff; ++i) delay *= 2;
    delay = std::min(delay, kRpcMaxBackoff);
    // "Equal jitter": half the delay for sure, the other half at random, so that threads that
    // failed together do not retry together.
    const auto half = delay.count() / 2;
    std::uniform_int_distribution<std::int64_t> jitter(0, std::max<std::int64_t>(half, 0));
    return std::chrono::milliseconds(delay.count() - half + jitter(random));
}

}  // namespace

// ---- URL ---------------------------------------------------------------------------------------

Result<RpcUrl> parse_rpc_url(std::string_view url) {
    if (url.empty()) return bad_url("the RPC URL is empty");
    if (url.size() > kMaxUrlLength) return bad_url("the RPC URL is too long");
    for (const char c : url) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte <= 0x20 || byte >= 0x7f) {
            return bad_url("the RPC URL must not contain spaces, control or non-ASCII characters");
        }
    }
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos)
        return bad_url("the RPC URL must start with http(s)://");
    RpcUrl out;
    out.scheme = lowercase(url.substr(0, scheme_end));
    if (out.scheme != "http" && out.scheme != "https") {
        return bad_url("the RPC URL must use http or https");
    }
    const std::string_view rest = url.substr(scheme_end + 3);
    const auto authority_end = rest.find_first_of("/?#");
    const std::string_view authority = rest.substr(0, authority_end);
    const std::string_view path =
        authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
    if (authority.find('@') != std::string_view::npos) {
        return bad_url("credentials in the RPC URL's authority are not supported");
    }
    if (path.find('#') != std::string_view::npos) return bad_url("the RPC URL has a fragment");

    std::string_view port_text;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos || close < 2)
            return bad_url("the RPC URL's IPv6 host is malformed");
        out.host = std::string(authority.substr(0, close + 1));
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return bad_url("the RPC URL's host is malformed");
            port_text = after.substr(1);
            if (port_text.empty()) return bad_url("the RPC URL's port is empty");
        }
    } else {
        const auto colon = authority.find(':');
        out.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) {
            port_text = authority.substr(colon + 1);
            if (port_text.empty()) return bad_url("the RPC URL's port is empty");
        }
        if (out.host.find_first_of("[]") != std::string::npos) {
            return bad_url("the RPC URL's host is malformed");
        }
    }
    if (out.host.empty()) return bad_url("the RPC URL has no host");
    out.port = out.scheme == "https" ? kHttpsDefaultPort : kHttpDefaultPort;
    if (!port_text.empty() && !parse_port(port_text, out.port)) {
        return bad_url("the RPC URL's port must be a number from 1 to 65535");
    }
    if (path.empty()) {
        out.path = "/";
    } else if (path.front() == '?') {
        out.path = "/" + std::string(path);
    } else {
        out.path = std::string(path);
    }
    return out;
}

std::size_t rpc_call_bytes(const RpcCall& call) {
    return kCallEnvelopeBytes + call.method.size() +
           call.params.dump(-1, ' ', false, json::error_handler_t::replace).size();
}

// ---- client ------------------------------------------------------------------------------------

struct RpcClient::Attempt {
    enum class Kind : std::uint8_t { Answered, Retry, GiveUp };
    Kind kind = Kind::Retry;
    json body;                                        // Answered
    std::string problem;                              // Retry, GiveUp: for the error message
    std::optional<std::chrono::seconds> retry_after;  // Retry after 429/403
    bool throttled = false;
};

Result<std::unique_ptr<RpcClient>> RpcClient::create(RpcClientOptions options) {
    auto url = parse_rpc_url(options.url);
    if (!url) return url.error();
    const bool https = url->scheme == "https";
    if (!options.ca_file.empty()) {
        if (!https) {
            return fail(ErrorCode::InvalidValue, "a CA file is only used with an https RPC URL",
                        "ca_file");
        }
        HILT_TRY(check_ca_file(options.ca_file));
    }
    // Host names are case-insensitive; httplib compares them with the certificate's byte for byte.
    const std::string host = lowercase(url->host);
    std::string bare_host = host;
    if (bare_host.starts_with('[')) bare_host = bare_host.substr(1, bare_host.size() - 2);
    Endpoint endpoint{url->scheme + "://" + host + ":" + std::to_string(url->port), url->path,
                      https, std::move(bare_host)};
    return std::unique_ptr<RpcClient>(new RpcClient(std::move(options), std::move(endpoint)));
}

RpcClient::RpcClient(RpcClientOptions options, Endpoint endpoint)
    : options_(std::move(options)), endpoint_(std::move(endpoint)) {
    options_.max_attempts = std::max<std::uint32_t>(options_.max_attempts, 1);
}

RpcClient::~RpcClient() = default;

std::unique_ptr<httplib::Client> RpcClient::checkout_connection() {
    {
        std::lock_guard lock(pool_mutex_);
        if (!idle_.empty()) {
            auto connection = std::move(idle_.back());
            idle_.pop_back();
            return connection;
        }
    }
    auto connection = std::make_unique<httplib::Client>(endpoint_.scheme_host_port);
    connection->set_keep_alive(true);
    connection->set_tcp_nodelay(true);  // headers and body go out as two writes: no Nagle delay
    connection->set_connection_timeout(options_.connect_timeout);
    connection->set_read_timeout(options_.timeout);
    connection->set_write_timeout(options_.timeout);
    connection->set_follow_location(false);
    if (endpoint_.https) configure_tls(*connection, endpoint_.host, options_.ca_file);
    return connection;
}

void RpcClient::return_connection(std::unique_ptr<httplib::Client> connection) {
    std::lock_guard lock(pool_mutex_);
    if (idle_.size() < kRpcMaxIdleConnections) idle_.push_back(std::move(connection));
}

void RpcClient::take_rate_token() {
    const std::uint32_t rate = options_.max_requests_per_second;
    const Clock::duration interval =
        rate == 0 ? Clock::duration::zero()
                  : std::chrono::duration_cast<Clock::duration>(std::chrono::seconds(1)) / rate;
    // Strict pacing, no burst: requests leave at least 1/rate apart, so no second ever sees more than the
    // cap (a burst allowance let 2 x cap through in one second: bench/rpc_watch.mjs peak_1s).
    Clock::time_point allowed;
    {
        std::lock_guard lock(rate_mutex_);
        const auto now = Clock::now();
        allowed = std::max(next_arrival_, now);
        next_arrival_ = allowed + interval;
    }
    if (allowed > Clock::now()) std::this_thread::sleep_until(allowed);
}

void RpcClient::hold_off(Clock::duration delay) {
    std::lock_guard lock(rate_mutex_);
    next_arrival_ = std::max(next_arrival_, Clock::now() + delay);
}

RpcClient::Attempt RpcClient::attempt_once(const std::string& body) {
    Attempt attempt;
    auto connection = checkout_connection();
    std::string received;
    bool too_large = false;
    httplib::Request request;
    request.method = "POST";
    request.path = endpoint_.path;
    request.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
    request.body = body;
    request.content_receiver = [&](const char* data, std::size_t size, std::uint64_t,
                                   std::uint64_t) {
        if (received.size() + size > kRpcMaxResponseBytes) {
            too_large = true;
            return false;
        }
        received.append(data, size);
        return true;
    };
    const httplib::Result response = connection->send(request);
    if (!response) {
        const httplib::Error error = response.error();
        if (error == httplib::Error::SSLServerVerification ||
            error == httplib::Error::SSLLoadingCerts) {
            // The same certificate (or file) would be refused again: no retry.
            attempt.problem = "TLS certificate verification failed: " + httplib::to_string(error) +
                              ", " +
                              (error == httplib::Error::SSLLoadingCerts
                                   ? std::string("the CA file could not be loaded")
                                   : verify_failure(connection->get_openssl_verify_result()));
            attempt.kind = Attempt::Kind::GiveUp;
            return attempt;
        }
        attempt.problem =
            too_large ? "the answer exceeds " + std::to_string(kRpcMaxResponseBytes) + " bytes"
                      : "transport error: " + httplib::to_string(error);
        // The connection may be broken: drop it. An oversized answer would only come again.
        if (too_large) attempt.kind = Attempt::Kind::GiveUp;
        return attempt;
    }
    const int status = response->status;
    const bool keep = response->get_header_value("Connection") != "close";
    if (keep) return_connection(std::move(connection));

    if (retryable_status(status)) {
        attempt.problem = "HTTP " + std::to_string(status);
        if (status == 429 || status == 403) {
            attempt.throttled = true;
            attempt.retry_after = retry_after(*response);
        }
        return attempt;
    }
    json parsed = json::parse(received, nullptr, false);
    if (parsed.is_discarded() || !well_formed(parsed)) {
        attempt.problem =
            "HTTP " + std::to_string(status) + " with a body that is no JSON-RPC answer";
        // Only a 200 with garbage is worth another try (a proxy hiccup); other statuses mean the
        // request itself is refused (wrong path, missing API key, too large).
        attempt.kind = status == 200 ? Attempt::Kind::Retry : Attempt::Kind::GiveUp;
        return attempt;
    }
    attempt.kind = Attempt::Kind::Answered;
    attempt.body = std::move(parsed);
    return attempt;
}

Result<json> RpcClient::exchange(const std::string& body, const std::vector<std::string>& methods) {
    const std::set<std::string> distinct(methods.begin(), methods.end());
    std::string problem;
    bool gave_up = false;  // a failure that another attempt would only repeat
    for (std::uint32_t number = 1; number <= options_.max_attempts; ++number) {
        take_rate_token();
        {
            std::lock_guard lock(stats_mutex_);
            ++stats_.http_requests;
            if (number > 1) ++stats_.retries;
            for (const auto& method : distinct) ++stats_.http_requests_by_method[method];
            for (const auto& method : methods) ++stats_.calls_by_method[method];
        }
        Attempt attempt = attempt_once(body);
        if (attempt.kind == Attempt::Kind::Answered) return std::move(attempt.body);
        if (attempt.throttled) {
            std::lock_guard lock(stats_mutex_);
            ++stats_.throttled;
        }
        problem = std::move(attempt.problem);
        gave_up = attempt.kind == Attempt::Kind::GiveUp;
        if (gave_up || number == options_.max_attempts) break;
        if (attempt.retry_after && *attempt.retry_after > std::chrono::seconds::zero()) {
            if (*attempt.retry_after > kMaxRetryAfter) {
                // Not held for everyone: hours of silence would hang every caller. Each call asks
                // once and gives up, which costs the node one request per call.
                problem +=
                    " asking to retry after " + std::to_string(attempt.retry_after->count()) + " s";
                break;
            }
            hold_off(*attempt.retry_after);  // the next take_rate_token() waits it out
        } else {
            std::this_thread::sleep_for(backoff_delay(options_.backoff_base, number));
        }
    }
    {
        std::lock_guard lock(stats_mutex_);
        ++stats_.failures;
    }
    const std::string hint = gave_up ? "" : "; try again later";
    return fail(ErrorCode::ChainUnavailable,
                "the Solana RPC node is unavailable (" + problem + ")" + hint);
}

Result<RpcReply> RpcClient::call(std::string_view method, json params) {
    std::uint64_t id = 0;
    {
        std::lock_guard lock(stats_mutex_);
        id = next_id_++;
    }
    const json request = {
        {"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
    auto body = exchange(request.dump(), {std::string(method)});
    if (!body) return body.error();
    if (!body->is_object()) {
        return fail(ErrorCode::ChainUnavailable,
                    "the Solana RPC node answered a single call with a batch");
    }
    const auto answered_id = id_of(*body);
    // A JSON-RPC error about the request itself (parse error, invalid request) carries id null.
    if (answered_id && *answered_id != id) {
        return fail(ErrorCode::ChainUnavailable, "the Solana RPC node answered another request");
    }
    return to_reply(*body);
}

Result<std::vector<RpcReply>> RpcClient::call_batch(const std::vector<RpcCall>& calls) {
    if (calls.empty()) return std::vector<RpcReply>{};
    std::uint64_t first_id = 0;
    {
        std::lock_guard lock(stats_mutex_);
        first_id = next_id_;
        next_id_ += calls.size();
    }
    json request = json::array();
    std::vector<std::string> methods;
    methods.reserve(calls.size());
    for (std::size_t i = 0; i < calls.size(); ++i) {
        request.push_back({{"jsonrpc", "2.0"},
                           {"id", first_id + i},
                           {"method", calls[i].method},
                           {"params", calls[i].params}});
        methods.push_back(calls[i].method);
    }
    auto body = exchange(request.dump(), methods);
    if (!body) return body.error();
    // A node that refuses the batch as a whole answers one error object: it applies to every call.
    if (body->is_object()) return std::vector<RpcReply>(calls.size(), to_reply(*body));
    std::vector<std::optional<RpcReply>> by_position(calls.size());
    for (const auto& response : *body) {
        const auto id = id_of(response);
        if (!id || *id < first_id || *id - first_id >= calls.size()) {
            return fail(ErrorCode::ChainUnavailable,
                        "the Solana RPC node answered a batch with an unknown id");
        }
        by_position[*id - first_id] = to_reply(response);
    }
    std::vector<RpcReply> out;
    out.reserve(calls.size());
    for (auto& reply : by_position) {
        if (!reply) {
            return fail(ErrorCode::ChainUnavailable,
                        "the Solana RPC node left a batched call unanswered");
        }
        out.push_back(std::move(*reply));
    }
    return out;
}

RpcStats RpcClient::stats() const {
    std::lock_guard lock(stats_mutex_);
    return stats_;
}

}  // namespace hilt::server
