// server/chain/rpc_client.h: a JSON-RPC 2.0 client over HTTP and HTTPS for Solana RPC nodes
// (solana-phantom.md §5), shared by every thread of hiltd.
//
// Owns: the endpoint URL, a small pool of keep-alive connections, per-request timeouts, bounded
// retries with exponential backoff and jitter, the request-rate cap shared by all threads, and
// counters of what was sent.
// Must never: retry without bound, wait longer than kMaxRetryAfter on a server's word, send more
// than the rate cap allows, or let an overloaded node fail a payment outright: every
// transport-level failure ends as chain_unavailable, which callers treat as "try again later".
//
// Contract:
//  - Transport errors (refused, reset, timeouts), HTTP 408/429/403/5xx and malformed bodies are
//    retried up to max_attempts HTTP requests in all, then answered with chain_unavailable. 429 and
//    403 honour Retry-After (whole seconds) by holding the shared rate cap back for every thread.
//  - A JSON-RPC error answer ({"error":{code,message,data}}) is not a transport failure: it comes
//    back as RpcReply::error, for the caller to interpret per method.
//  - A batch (call_batch) is one HTTP request carrying a JSON array of calls: it takes one token of
//    the rate cap and counts as one HTTP request. Nodes and providers that bill per call still see
//    each call; calls_by_method counts those.
//  - https: TLS through OpenSSL with the server's certificate verified, always (there is no switch
//    to turn it off): against ca_file when set, else the system's trust store (Debian:
//    /etc/ssl/certs); the certificate must name the URL's host (DNS name or IP address). A refused
//    certificate, or a CA file that cannot be loaded, is not transient: it ends the call after one
//    HTTP request, without retries, as chain_unavailable naming the reason ("TLS certificate
//    verification failed: SSLServerVerification, unable to get local issuer certificate").
//  - Thread-safe: every member may be called from any thread at any time.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace httplib {
class Client;
}  // namespace httplib

namespace hilt::server {

// Time to open a TCP (and TLS) connection: a healthy provider answers a SYN in well under a second.
inline constexpr std::chrono::milliseconds kRpcDefaultConnectTimeout{3'000};
// Time to wait for an answer: agave answers sendTransaction/simulateTransaction within a few
// seconds even under load, and public providers cut requests off at about 10 s anyway.
inline constexpr std::chrono::milliseconds kRpcDefaultTimeout{8'000};
// HTTP requests per call, the first one included: enough to ride out a dropped connection and a
// short 429, few enough that a buyer's request fails fast (as chain_unavailable) when the node is
// down.
inline constexpr std::uint32_t kRpcDefaultMaxAttempts = 3;
// First retry waits about this long; each further one doubles it (with jitter), up to
// kRpcMaxBackoff.
inline constexpr std::chrono::milliseconds kRpcDefaultBackoffBase{250};
// Longest wait between two attempts when the server gives no Retry-After.
inline constexpr std::chrono::milliseconds kRpcMaxBackoff{2'000};
// Longest Retry-After honoured: a node asking for more is down for now, so the call gives up at
// once (chain_unavailable) instead of holding a buyer's request.
inline constexpr std::chrono::seconds kMaxRetryAfter{5};
// Requests per second to one endpoint: the public Solana endpoints allow about 10 per second per
// IP (100 per 10 s), so 8 keeps a margin for bursts of retries.
inline constexpr std::uint32_t kRpcDefaultMaxRequestsPerSecond = 8;
// Largest request body a node accepts: agave's JSON-RPC server refuses more than 50 KiB
// (MAX_REQUEST_BODY_SIZE) with HTTP 413. Batches are packed to stay below it.
inline constexpr std::size_t kRpcMaxRequestBytes = 50 * 1024;
// Idle keep-alive connections kept open: the watcher plus a few concurrent request threads.
inline constexpr std::size_t kRpcMaxIdleConnections = 4;
// Largest response body accepted (a getTransaction with long logs is a few tens of kilobytes; a
// 1000-entry getSignaturesForAddress about 300 kB).
inline constexpr std::size_t kRpcMaxResponseBytes = 8 * 1024 * 1024;
// Largest CA bundle read: Debian's whole ca-certificates.crt is about 220 kB.
inline constexpr std::size_t kRpcMaxCaFileBytes = 4 * 1024 * 1024;

struct RpcClientOptions {
    std::string url;  // http(s)://host[:port][/path][?query], e.g. https://api.devnet.solana.com
    std::chrono::milliseconds connect_timeout = kRpcDefaultConnectTimeout;
    std::chrono::milliseconds timeout = kRpcDefaultTimeout;  // read and write, per HTTP request
    std::uint32_t max_attempts = kRpcDefaultMaxAttempts;     // 0 is treated as 1
    std::chrono::milliseconds backoff_base = kRpcDefaultBackoffBase;
    std::uint32_t max_requests_per_second = kRpcDefaultMaxRequestsPerSecond;  // 0: no cap
    // WARNING: the only trust anchors for an https node when set: a PEM file of CA certificates (a
    // private CA, or a self-signed node's own certificate); the system's trust store is then not
    // consulted. Empty: the system's trust store. Only for https URLs.
    std::string ca_file;
};

// One JSON-RPC call: {"jsonrpc":"2.0","id":…,"method":method,"params":params}.
struct RpcCall {
    std::string method;
    nlohmann::json params = nlohmann::json::array();
};

// A JSON-RPC error object as the node sent it.
struct RpcError {
    std::int64_t code = 0;
    std::string message;
    nlohmann::json data;  // null when absent
};

// The answer to one call: its result, or the node's error (then result is null).
struct RpcReply {
    nlohmann::json result;
    std::optional<RpcError> error;
};

// What has been sent since construction (for benchmarks and the operator's status page).
struct RpcStats {
    std::uint64_t http_requests = 0;  // every HTTP request attempted, retries included
    std::uint64_t retries = 0;        // attempts after the first of a call
    std::uint64_t throttled = 0;      // answers 429 or 403
    std::uint64_t failures = 0;       // calls that ended as chain_unavailable
    // HTTP requests attempted per JSON-RPC method; a batch counts once under each method it
    // carries.
    std::map<std::string, std::uint64_t> http_requests_by_method;
    // JSON-RPC calls attempted per method; a batch of n calls counts n.
    std::map<std::string, std::uint64_t> calls_by_method;
};

class RpcClient {
public:
    // invalid_url (field "url") unless the URL is http:// or https:// with a host and a valid port;
    // invalid_value (field "ca_file") when ca_file is set for an http URL, cannot be read or holds
    // no PEM certificate. Reads the CA file, sends nothing.
    [[nodiscard]] static Result<std::unique_ptr<RpcClient>> create(RpcClientOptions options);
    ~RpcClient();
    RpcClient(const RpcClient&) = delete;
    RpcClient& operator=(const RpcClient&) = delete;

    // One call in one HTTP request. chain_unavailable when no well-formed answer came within the
    // attempts.
    [[nodiscard]] Result<RpcReply> call(std::string_view method, nlohmann::json params);
    // Several calls in one HTTP request; replies in the order of `calls` (matched by id). The
    // caller keeps the body below kRpcMaxRequestBytes (see rpc_call_bytes).
    [[nodiscard]] Result<std::vector<RpcReply>> call_batch(const std::vector<RpcCall>& calls);

    RpcStats stats() const;
    const RpcClientOptions& options() const { return options_; }

private:
    struct Endpoint {
        std::string scheme_host_port;  // what httplib::Client takes
        std::string path;              // path and query, at least "/"
        bool https = false;
        std::string host;  // as the certificate must name it (IPv6 without brackets)
    };
    struct Attempt;

    RpcClient(RpcClientOptions options, Endpoint endpoint);

    // Sends `body` with retries; on success the parsed JSON body (an object or an array).
    Result<nlohmann::json> exchange(const std::string& body,
                                    const std::vector<std::string>& methods);
    Attempt attempt_once(const std::string& body);
    // Blocks until the rate cap lets one more request through.
    void take_rate_token();
    // Makes every thread wait at least `delay` before its next request (429/403 Retry-After).
    void hold_off(std::chrono::steady_clock::duration delay);

    std::unique_ptr<httplib::Client> checkout_connection();
    void return_connection(std::unique_ptr<httplib::Client> connection);

    RpcClientOptions options_;
    Endpoint endpoint_;

    std::mutex pool_mutex_;
    std::vector<std::unique_ptr<httplib::Client>> idle_;

    // The rate cap as a generic cell rate algorithm: each request reserves the next emission time
    // (theoretical arrival time); up to max_requests_per_second may go at once.
    std::mutex rate_mutex_;
    std::chrono::steady_clock::time_point next_arrival_{};

    mutable std::mutex stats_mutex_;
    RpcStats stats_;
    std::uint64_t next_id_ = 1;  // guarded by stats_mutex_
};

// An upper bound of the bytes `call` adds to a request body (its params plus the envelope).
std::size_t rpc_call_bytes(const RpcCall& call);

// Splits and checks an RPC URL (exposed for tests): invalid_url when it is not
// http(s)://host[:port]…
struct RpcUrl {
    std::string scheme;  // "http" or "https"
    std::string host;    // as written (IPv6 keeps its brackets)
    int port = 0;        // explicit or the scheme's default
    std::string path;    // path and query; "/" when empty
};
[[nodiscard]] Result<RpcUrl> parse_rpc_url(std::string_view url);

}  // namespace hilt::server
