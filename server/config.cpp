// server/config.cpp: the settings table and the parser, help text and description built from it.
// Must never: echo an RPC URL unmasked (it often carries an API key), read the environment itself,
// or exit.
#include "config.h"

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <optional>
#include <utility>

#include "encoding/url.h"
#include "models/checkout.h"
#include "money/money.h"

namespace hilt::server {
namespace {

// 18 decimal digits always fit an int64, so a longer number is out of range before it is converted.
constexpr std::size_t kMaxIntegerDigits = 18;
constexpr std::int64_t kMaxPort = 65535;
// DNS names are at most 253 characters; anything longer is not a host to listen on.
constexpr std::size_t kMaxHostChars = 253;
constexpr std::string_view kMasked = "***";
// Far above any provider's plan; a cap is there to protect the node, not to be tuned to zero.
constexpr std::int64_t kMaxRpcRequestsPerSecond = 1000;
constexpr std::string_view kNameFlag = "--name";
// `hiltd merchant subscriptions --id MERCHANT_ID on|off`: the workspace whose switch is set.
constexpr std::string_view kIdFlag = "--id";
// `hiltd merchant create --subscriptions`: a switch, the one flag that takes no value.
constexpr std::string_view kSubscriptionsFlag = "--subscriptions";
constexpr std::size_t kMaxWebhookRetries = 20;
// `--test-clock`: a setting that is a switch (no value; its variable HILT_TEST_CLOCK is on or off).
constexpr std::string_view kTestClockFlag = "--test-clock";

// ---- small parsers ------------------------------------------------------------------------------

std::optional<std::int64_t> parse_bounded(std::string_view text, std::int64_t min,
                                          std::int64_t max) {
    if (text.empty() || text.size() > kMaxIntegerDigits) return std::nullopt;
    if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size() || value < min || value > max) {
        return std::nullopt;
    }
    return value;
}

bool is_ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

// The authority of "scheme://authority/…" (empty when there is no "://").
std::string_view url_authority(std::string_view url) {
    const std::size_t sep = url.find("://");
    if (sep == std::string_view::npos) return {};
    const std::string_view rest = url.substr(sep + 3);
    return rest.substr(0, rest.find_first_of("/?#"));
}

// The host of an authority without user info: "[::1]" from "[::1]:8080", "localhost" from
// "localhost:3000".
std::string_view authority_host(std::string_view authority) {
    if (!authority.empty() && authority.front() == '[') {
        const std::size_t close = authority.find(']');
        return close == std::string_view::npos ? authority : authority.substr(0, close + 1);
    }
    return authority.substr(0, authority.rfind(':'));
}

bool is_loopback_ipv4(std::string_view host) {
    int parts = 0;
    std::size_t start = 0;
    while (start <= host.size()) {
        const std::size_t dot = std::min(host.find('.', start), host.size());
        const auto part = parse_bounded(host.substr(start, dot - start), 0, 255);
        if (!part || dot - start > 3) return false;
        if (parts == 0 && *part != 127) return false;
        ++parts;
        start = dot + 1;
    }
    return parts == 4;
}

// Hosts a browser treats as this machine (and as a secure context): localhost, *.localhost, 127/8,
// [::1].
bool is_loopback_host(std::string_view host) {
    const std::string name = lower(host);
    return name == "localhost" || (name.size() > 10 && name.ends_with(".localhost")) ||
           name == "[::1]" || is_loopback_ipv4(name);
}

bool looks_like_key(std::string_view segment) {
    if (segment.size() >= kKeyLikeSegmentChars) return true;
    const bool letters = std::any_of(segment.begin(), segment.end(), is_ascii_alpha);
    const bool digits = std::any_of(segment.begin(), segment.end(), is_ascii_digit);
    return segment.size() >= kKeyLikeMixedSegmentChars && letters && digits;
}

// Text from the command line for an error's message or field: anything URL-shaped is masked.
std::string safe_text(std::string_view text) {
    if (text.find("://") != std::string_view::npos) return mask_url_secrets(text);
    return std::string(text);
}

std::string shown(std::string_view text) { return "\"" + safe_text(text) + "\""; }

Error bad(ErrorCode code, const std::string& where, const std::string& what) {
    return fail(code, where + ": " + what, where);
}

// ---- the settings -------------------------------------------------------------------------------

Status apply_db(ServerConfig& config, std::string_view value, const std::string&) {
    config.db_path = std::string(value);
    return {};
}

Status apply_host(ServerConfig& config, std::string_view value, const std::string& where) {
    const bool clean = std::none_of(value.begin(), value.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u <= 0x20 || u == 0x7f || c == '/' || c == '@';
    });
    if (!clean || value.size() > kMaxHostChars) {
        return bad(ErrorCode::InvalidValue, where, "not a host name or address: " + shown(value));
    }
    config.host = std::string(value);
    return {};
}

Status apply_port(ServerConfig& config, std::string_view value, const std::string& where) {
    const auto port = parse_bounded(value, 0, kMaxPort);
    if (!port) {
        return bad(ErrorCode::OutOfRange, where,
                   "must be a whole number from 0 to " + std::to_string(kMaxPort) + ", got " +
                       shown(value));
    }
    config.port = static_cast<int>(*port);
    return {};
}

Status apply_view_report_port(ServerConfig& config, std::string_view value, const std::string& where) {
    const auto port = parse_bounded(value, 0, kMaxPort);
    if (!port) {
        return bad(ErrorCode::OutOfRange, where,
                   "must be a whole number from 0 (off) to " + std::to_string(kMaxPort) + ", got " +
                       shown(value));
    }
    config.view_report_port = static_cast<int>(*port);
    return {};
}

// A file path setting: any path without control characters (what the file holds is checked by its reader).
Status apply_file_path(std::string& field, std::string_view value, const std::string& where) {
    const bool clean = std::none_of(value.begin(), value.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u < 0x20 || u == 0x7f;
    });
    if (!clean) {
        return bad(ErrorCode::InvalidValue, where,
                   "must be a file path without control characters, got " + shown(value));
    }
    field = std::string(value);
    return {};
}

// Only the path: the file is nginx's, and may not exist until nginx starts (analytics/view_log.h waits).
Status apply_view_report_log(ServerConfig& config, std::string_view value, const std::string& where) {
    return apply_file_path(config.view_report_log, value, where);
}

Status apply_public_url(ServerConfig& config, std::string_view value, const std::string& where) {
    std::string url(value);
    while (!url.empty() && url.back() == '/') url.pop_back();
    const std::string scheme = url_scheme(url);
    if (scheme != "https" && scheme != "http") {
        return bad(ErrorCode::InvalidUrl, where,
                   "must be an https URL (http only for localhost), got " + shown(value));
    }
    if (!is_absolute_url_with_scheme(url, scheme) || url.find('?') != std::string::npos) {
        return bad(
            ErrorCode::InvalidUrl, where,
            "must be an absolute URL without user info, query or fragment, got " + shown(value));
    }
    if (scheme == "http" && !is_loopback_host(authority_host(url_authority(url)))) {
        return bad(
            ErrorCode::InvalidUrl, where,
            "http is only allowed for localhost, 127.x.x.x and [::1]; buyers need https, got " +
                shown(value));
    }
    config.public_url = std::move(url);
    return {};
}

Status apply_chain(ServerConfig& config, std::string_view value, const std::string& where) {
    if (value != "sandbox" && value != "rpc") {
        return bad(ErrorCode::InvalidEnum, where, "must be sandbox or rpc, got " + shown(value));
    }
    config.chain = std::string(value);
    return {};
}

Status apply_rpc_url(ServerConfig& config, std::string_view value, const std::string& where) {
    const std::string scheme = url_scheme(value);
    const bool web = scheme == "https" || scheme == "http";
    // User info is allowed here (basic auth to the node); the shared URL check refuses it, so it
    // checks the URL without it.
    std::string without_userinfo;
    if (web && value.substr(scheme.size(), 3) == "://") {
        const std::string_view rest = value.substr(scheme.size() + 3);
        const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
        const std::size_t at_sign = authority.rfind('@');
        without_userinfo =
            std::string(value.substr(0, scheme.size() + 3)) +
            std::string(at_sign == std::string_view::npos ? rest : rest.substr(at_sign + 1));
    }
    if (!web || !is_absolute_url_with_scheme(without_userinfo, scheme)) {
        return bad(ErrorCode::InvalidUrl, where,
                   "must be an http or https URL, got " + shown(value));
    }
    config.rpc_url = std::string(value);
    return {};
}

Status apply_rpc_rate_limit(ServerConfig& config, std::string_view value, const std::string& where) {
    const auto rate = parse_bounded(value, 1, kMaxRpcRequestsPerSecond);
    if (!rate) {
        return bad(ErrorCode::OutOfRange, where,
                   "must be a whole number of requests per second from 1 to " +
                       std::to_string(kMaxRpcRequestsPerSecond) + ", got " + shown(value));
    }
    config.rpc_max_requests_per_second = static_cast<std::uint32_t>(*rate);
    return {};
}

// Only the path: whether the file can be read and holds certificates is checked when the App opens
// the RPC chain (rpc_client.cpp), as this module reads no file.
Status apply_rpc_ca_file(ServerConfig& config, std::string_view value, const std::string& where) {
    return apply_file_path(config.rpc_ca_file, value, where);
}

Status apply_commitment(ServerConfig& config, std::string_view value, const std::string& where) {
    if (value == "confirmed") {
        config.confirmation_commitment = Commitment::Confirmed;
    } else if (value == "finalized") {
        config.confirmation_commitment = Commitment::Finalized;
    } else {
        // processed can roll back: a delivery released on it could be for a payment that never happened.
        return bad(ErrorCode::InvalidEnum, where, "must be confirmed or finalized, got " + shown(value));
    }
    return {};
}

Status apply_cluster(ServerConfig& config, std::string_view value, const std::string& where) {
    if (value == "devnet") {
        config.cluster = money::Cluster::Devnet;
    } else if (value == "mainnet") {
        config.cluster = money::Cluster::Mainnet;
    } else {
        return bad(ErrorCode::InvalidEnum, where, "must be devnet or mainnet, got " + shown(value));
    }
    return {};
}

// The switch gives "on"; the environment variable says on or off.
Status apply_test_clock(ServerConfig& config, std::string_view value, const std::string& where) {
    if (value == "on") {
        config.test_clock = true;
    } else if (value == "off") {
        config.test_clock = false;
    } else {
        return bad(ErrorCode::InvalidEnum, where, "must be on or off, got " + shown(value));
    }
    return {};
}

std::string show_test_clock(const ServerConfig& config) {
    if (config.test_clock) return "on";
    return config.chain == "sandbox" ? "off (the sandbox chain has one anyway)" : "off";
}

Status apply_fee_bps(ServerConfig& config, std::string_view value, const std::string& where) {
    const auto bps = parse_bounded(value, 0, money::kMaxFeeBps);
    if (!bps) {
        return bad(ErrorCode::InvalidFeeBps, where,
                   "must be a whole number of basis points from 0 to " +
                       std::to_string(money::kMaxFeeBps) + ", got " + shown(value));
    }
    config.fee_bps = *bps;
    return {};
}

Status apply_fee_wallet(ServerConfig& config, std::string_view value, const std::string& where) {
    auto key = solana::PublicKey::parse(value);
    if (!key) {
        return bad(ErrorCode::InvalidKey, where,
                   "must be a base58 Solana address of 32 bytes, got " + shown(value));
    }
    config.fee_wallet = *key;
    return {};
}

Status apply_session_ttl(ServerConfig& config, std::string_view value, const std::string& where) {
    const auto ttl = parse_bounded(value, kMinSessionTtlSeconds, kMaxSessionTtlSeconds);
    if (!ttl) {
        return bad(ErrorCode::OutOfRange, where,
                   "must be a whole number of seconds from " +
                       std::to_string(kMinSessionTtlSeconds) + " to " +
                       std::to_string(kMaxSessionTtlSeconds) + ", got " + shown(value));
    }
    config.session_ttl_seconds = *ttl;
    return {};
}

Status apply_allowance_periods(ServerConfig& config, std::string_view value, const std::string& where) {
    const auto periods = parse_bounded(value, 1, models::kMaxAllowancePeriods);
    if (!periods) {
        return bad(ErrorCode::OutOfRange, where,
                   "must be a whole number of renewals from 1 to " +
                       std::to_string(models::kMaxAllowancePeriods) + ", got " + shown(value));
    }
    config.renewal_allowance_periods = *periods;
    return {};
}

Status apply_key_dir(ServerConfig& config, std::string_view value, const std::string&) {
    config.key_dir = std::string(value);
    return {};
}

Status apply_assets_dir(ServerConfig& config, std::string_view value, const std::string&) {
    config.assets_dir = std::string(value);
    return {};
}

Status apply_public_rate_limit(ServerConfig& config, std::string_view value,
                               const std::string& where) {
    const auto rate = parse_bounded(value, 0, kMaxPublicRateLimit);
    if (!rate) {
        return bad(ErrorCode::OutOfRange, where,
                   "must be a whole number of requests per second from 0 (no limit) to " +
                       std::to_string(kMaxPublicRateLimit) + ", got " + shown(value));
    }
    config.public_rate_limit.refill_per_second = static_cast<double>(*rate);
    config.public_rate_limit.burst = static_cast<double>(*rate) * kPublicRateBurstFactor;
    return {};
}

Status apply_http_threads(ServerConfig& config, std::string_view value, const std::string& where) {
    const auto threads = parse_bounded(value, 1, kMaxHttpThreads);
    if (!threads) {
        return bad(ErrorCode::OutOfRange, where,
                   "must be a whole number of threads from 1 to " +
                       std::to_string(kMaxHttpThreads) + ", got " + shown(value));
    }
    config.limits.worker_threads = static_cast<std::size_t>(*threads);
    return {};
}

Status apply_webhook_urls(ServerConfig& config, std::string_view value, const std::string& where) {
    if (value == "public") {
        config.webhooks.allow_loopback = false;
    } else if (value == "loopback") {
        config.webhooks.allow_loopback = true;
    } else {
        return bad(ErrorCode::InvalidEnum, where,
                   "must be public (https to public addresses) or loopback (also this machine, http too), got " +
                       shown(value));
    }
    return {};
}

// "5s,5m,30m,2h": each delay a whole number with a unit (ms, s, m, h); 1..20 of them, at most 7 days in all.
Status apply_webhook_retry_schedule(ServerConfig& config, std::string_view value, const std::string& where) {
    std::vector<std::chrono::milliseconds> delays;
    std::int64_t total = 0;
    std::size_t start = 0;
    while (start <= value.size()) {
        const std::size_t comma = std::min(value.find(',', start), value.size());
        const std::string_view item = value.substr(start, comma - start);
        std::size_t digits = 0;
        while (digits < item.size() && is_ascii_digit(item[digits])) ++digits;
        const std::string_view unit = item.substr(digits);
        const std::int64_t scale = unit == "ms" ? 1 : unit == "s" ? 1000 : unit == "m" ? 60'000 : unit == "h" ? 3'600'000 : 0;
        const auto amount = parse_bounded(item.substr(0, digits), 1, 7LL * 24 * 3'600'000);
        if (scale == 0 || !amount) {
            return bad(ErrorCode::InvalidValue, where,
                       "each delay is a whole number with a unit (ms, s, m or h), got " + shown(item));
        }
        total += *amount * scale;
        delays.emplace_back(*amount * scale);
        if (delays.size() > kMaxWebhookRetries || total > 7LL * 24 * 3'600'000) {
            return bad(ErrorCode::OutOfRange, where,
                       "at most " + std::to_string(kMaxWebhookRetries) + " delays and 7 days in all");
        }
        start = comma + 1;
    }
    config.webhooks.retry_delays = std::move(delays);
    return {};
}

std::string show_webhook_retry_schedule(const ServerConfig& config) {
    std::string out;
    for (const auto delay : config.webhooks.retry_delays) {
        if (!out.empty()) out += ",";
        const auto ms = delay.count();
        out += ms % 3'600'000 == 0 ? std::to_string(ms / 3'600'000) + "h"
               : ms % 60'000 == 0  ? std::to_string(ms / 60'000) + "m"
               : ms % 1000 == 0    ? std::to_string(ms / 1000) + "s"
                                   : std::to_string(ms) + "ms";
    }
    return out;
}

std::string show_public_rate_limit(const ServerConfig& config) {
    const RateLimit& limit = config.public_rate_limit;
    if (limit.refill_per_second <= 0) return "0 (no limit)";
    return std::to_string(static_cast<std::int64_t>(limit.refill_per_second)) +
           " per second per client, burst " + std::to_string(static_cast<std::int64_t>(limit.burst));
}

std::string show_http_threads(const ServerConfig& config) {
    if (config.limits.worker_threads == 0) {
        return "max(" + std::to_string(kMinDefaultWorkerThreads) + ", 4 x cores)";
    }
    return std::to_string(config.limits.worker_threads);
}

std::string show_public_url(const ServerConfig& config) {
    if (!config.public_url.empty()) return config.public_url;
    if (config.port == 0) return "(http://HOST:PORT, from the port bound at start)";
    return "http://" + config.host + ":" + std::to_string(config.port) + " (from host and port)";
}

std::string show_fee_bps(const ServerConfig& config) {
    const std::int64_t bps = config.fee_bps;
    const std::int64_t hundredths = bps % 100;
    return std::to_string(bps) + " (" + std::to_string(bps / 100) + "." +
           (hundredths < 10 ? "0" : "") + std::to_string(hundredths) + " %)";
}

struct Setting {
    std::string_view flag;        // "--port"
    std::string_view env;         // "HILT_PORT"
    std::string_view key;         // the name describe_config prints
    std::string_view value_name;  // "N" in "--port N"
    std::string_view help;
    Status (*apply)(ServerConfig&, std::string_view value, const std::string& where);
    std::string (*show)(const ServerConfig&);
};

// In the order --help and describe_config list them.
const Setting kSettings[] = {
    {"--db", "HILT_DB", "db", "PATH", "the SQLite database file", apply_db,
     [](const ServerConfig& c) { return c.db_path; }},
    {"--host", "HILT_HOST", "host", "HOST", "the address to listen on", apply_host,
     [](const ServerConfig& c) { return c.host; }},
    {"--port", "HILT_PORT", "port", "N", "the port to listen on, 0..65535 (0 picks a free one)",
     apply_port, [](const ServerConfig& c) { return std::to_string(c.port); }},
    {"--public-url", "HILT_PUBLIC_URL", "public_url", "URL",
     "where buyers reach us: https (http only for localhost)", apply_public_url, show_public_url},
    {"--chain", "HILT_CHAIN", "chain", "NAME",
     "sandbox (in-process test chain) or rpc (a JSON-RPC node)", apply_chain,
     [](const ServerConfig& c) { return c.chain; }},
    {"--rpc-url", "HILT_RPC_URL", "rpc_url", "URL",
     "the Solana JSON-RPC URL (http or https); needs --chain rpc", apply_rpc_url,
     [](const ServerConfig& c) {
         return c.rpc_url.empty() ? std::string("(none)") : mask_url_secrets(c.rpc_url);
     }},
    {"--rpc-rate-limit", "HILT_RPC_RATE_LIMIT", "rpc_max_requests_per_second", "N",
     "most requests per second to the RPC node, 1..1000", apply_rpc_rate_limit,
     [](const ServerConfig& c) { return std::to_string(c.rpc_max_requests_per_second); }},
    {"--rpc-ca-file", "HILT_RPC_CA_FILE", "rpc_ca_file", "PATH",
     "trust only these PEM CAs for an https --rpc-url", apply_rpc_ca_file,
     [](const ServerConfig& c) {
         return c.rpc_ca_file.empty() ? std::string("(none: the system's trust store)")
                                      : c.rpc_ca_file;
     }},
    {"--commitment", "HILT_COMMITMENT", "confirmation_commitment", "LEVEL",
     "when a payment counts as paid: confirmed or finalized", apply_commitment,
     [](const ServerConfig& c) { return std::string(to_string(c.confirmation_commitment)); }},
    {"--cluster", "HILT_CLUSTER", "cluster", "NAME",
     "the chain's cluster, for the USDC mint: devnet or mainnet", apply_cluster,
     [](const ServerConfig& c) {
         return std::string(c.cluster == money::Cluster::Mainnet ? "mainnet" : "devnet");
     }},
    {kTestClockFlag, "HILT_TEST_CLOCK", "test_clock", "",
     "POST /v1/sandbox/clock moves time (tests; not mainnet)", apply_test_clock, show_test_clock},
    {"--fee-bps", "HILT_FEE_BPS", "fee_bps", "BPS",
     "Hilt's fee in basis points of each payment, 0..10000", apply_fee_bps, show_fee_bps},
    {"--fee-wallet", "HILT_FEE_WALLET", "fee_wallet", "ADDRESS",
     "the base58 Solana address that receives the fee", apply_fee_wallet,
     [](const ServerConfig& c) {
         return c.fee_wallet ? c.fee_wallet->to_base58() : std::string("(a key of this server)");
     }},
    {"--session-ttl", "HILT_SESSION_TTL", "session_ttl_seconds", "SECONDS",
     "how long a checkout session may take, 60..86400 seconds", apply_session_ttl,
     [](const ServerConfig& c) { return std::to_string(c.session_ttl_seconds); }},
    {"--renewal-allowance", "HILT_RENEWAL_ALLOWANCE", "renewal_allowance_periods", "N",
     "renewals a subscriber approves in advance, 1..36", apply_allowance_periods,
     [](const ServerConfig& c) { return std::to_string(c.renewal_allowance_periods); }},
    {"--key-dir", "HILT_KEY_DIR", "key_dir", "DIR",
     "keep the server's keys as 0600 files in DIR (created 0700)", apply_key_dir,
     [](const ServerConfig& c) {
         return c.key_dir.empty() ? std::string("(none: in the database)") : c.key_dir;
     }},
    {"--assets-dir", "HILT_ASSETS_DIR", "assets_dir", "DIR",
     "the checkout's static files, served under /assets/", apply_assets_dir,
     [](const ServerConfig& c) {
         return c.assets_dir.empty() ? std::string("(none)") : c.assets_dir;
     }},
    {"--public-rate-limit", "HILT_PUBLIC_RATE_LIMIT", "public_rate_limit", "RPS",
     "public requests/s per client (burst 4x); 0: off", apply_public_rate_limit,
     show_public_rate_limit},
    {"--webhook-urls", "HILT_WEBHOOK_URLS", "webhook_urls", "POLICY",
     "public (https, public addresses) or loopback (tests, dev)", apply_webhook_urls,
     [](const ServerConfig& c) { return std::string(c.webhooks.allow_loopback ? "loopback" : "public"); }},
    {"--webhook-retry-schedule", "HILT_WEBHOOK_RETRY_SCHEDULE", "webhook_retry_schedule", "LIST",
     "webhook retry delays, e.g. 5s,5m,2h", apply_webhook_retry_schedule,
     show_webhook_retry_schedule},
    {"--http-threads", "HILT_HTTP_THREADS", "http_threads", "N",
     "HTTP worker threads, 1..1024: one per open connection", apply_http_threads,
     show_http_threads},
    {"--view-report-port", "HILT_VIEW_REPORT_PORT", "view_report_port", "N",
     "UDP port on 127.0.0.1 for nginx's view reports; 0: off", apply_view_report_port,
     [](const ServerConfig& c) {
         return c.view_report_port == 0 ? std::string("0 (off)") : std::to_string(c.view_report_port);
     }},
    {"--view-report-log", "HILT_VIEW_REPORT_LOG", "view_report_log", "PATH",
     "nginx's payload-view log, followed from its end", apply_view_report_log,
     [](const ServerConfig& c) {
         return c.view_report_log.empty() ? std::string("(none: off)") : c.view_report_log;
     }},
};

const Setting* find_setting(std::string_view flag) {
    for (const auto& setting : kSettings) {
        if (setting.flag == flag) return &setting;
    }
    return nullptr;
}

// Flags that take no value: the merchant command's --subscriptions, and settings without a value
// name (given, they mean "on").
bool is_switch(std::string_view flag) {
    if (flag == kSubscriptionsFlag) return true;
    const Setting* setting = find_setting(flag);
    return setting != nullptr && setting->value_name.empty();
}

bool is_help(std::string_view arg) { return arg == "--help" || arg == "-h"; }

ParsedCommand help_command() {
    ParsedCommand help;
    help.command = Command::Help;
    return help;
}

struct Flags {
    std::map<std::string, std::string> values;  // "--port" -> "8080"; "--subscriptions" -> "on"
    std::vector<std::string> positionals;       // "on" of `merchant subscriptions ... on`
};

// Splits the flags after the command into name -> value; knows nothing about what a value means.
// Bare words are kept in order only when the command takes them (`takes_positionals`).
Result<Flags> tokenize(const std::vector<std::string>& args, std::size_t from,
                       bool takes_positionals) {
    Flags flags;
    for (std::size_t i = from; i < args.size(); ++i) {
        const std::string_view arg = args[i];
        if (!arg.starts_with("-")) {
            if (takes_positionals) {
                flags.positionals.emplace_back(arg);
                continue;
            }
            return fail(ErrorCode::InvalidValue, "unexpected argument " + shown(arg),
                        safe_text(arg));
        }
        if (!arg.starts_with("--")) {
            return fail(ErrorCode::UnknownField, "unknown flag " + shown(arg), safe_text(arg));
        }
        const std::size_t equals = arg.find('=');
        const std::string name(arg.substr(0, equals));
        if (name != kNameFlag && name != kIdFlag && name != kSubscriptionsFlag &&
            !find_setting(name)) {
            return fail(ErrorCode::UnknownField, "unknown flag " + name, name);
        }
        std::string value;
        if (is_switch(name)) {
            if (equals != std::string_view::npos) {
                return fail(ErrorCode::InvalidValue, name + " takes no value", name);
            }
            value = "on";
        } else if (equals != std::string_view::npos) {
            value = std::string(arg.substr(equals + 1));
        } else if (i + 1 < args.size() && !args[i + 1].starts_with("--")) {
            value = args[++i];
        }
        if (value.empty()) return fail(ErrorCode::MissingField, name + " needs a value", name);
        if (!flags.values.emplace(name, std::move(value)).second) {
            return fail(ErrorCode::InvalidValue, name + " is given more than once", name);
        }
    }
    return flags;
}

}  // namespace

// ---- public -------------------------------------------------------------------------------------

Result<ParsedCommand> parse_command_line(const std::vector<std::string>& args,
                                         const Environment& env) {
    ParsedCommand parsed;
    std::size_t from = 0;
    if (!args.empty() && !args[0].starts_with("-")) {
        const std::string& command = args[0];
        from = 1;
        if (command == "serve") {
            parsed.command = Command::Serve;
        } else if (command == "demo") {
            parsed.command = Command::Demo;
        } else if (command == "help") {
            parsed.command = Command::Help;
            return parsed;
        } else if (command == "merchant" && args.size() >= 2 && args[1] == "create") {
            parsed.command = Command::MerchantCreate;
            from = 2;
        } else if (command == "merchant" && args.size() >= 2 && args[1] == "subscriptions") {
            parsed.command = Command::MerchantSubscriptions;
            from = 2;
        } else if (command == "merchant") {
            if (args.size() >= 2 && is_help(args[1])) return help_command();
            return fail(ErrorCode::InvalidValue,
                        "the merchant commands are `hiltd merchant create --name NAME "
                        "[--subscriptions]` and `hiltd merchant subscriptions --id MERCHANT_ID "
                        "on|off`",
                        "merchant");
        } else {
            return fail(ErrorCode::InvalidValue,
                        "unknown command " + shown(command) +
                            " (commands: serve, demo, merchant create, merchant subscriptions, "
                            "help)",
                        safe_text(command));
        }
    }
    const bool wants_help =
        std::any_of(args.begin() + static_cast<std::ptrdiff_t>(from), args.end(),
                    [](const std::string& arg) { return is_help(arg); });
    if (wants_help) return help_command();
    auto flags = tokenize(args, from,
                          /*takes_positionals=*/parsed.command == Command::MerchantSubscriptions);
    if (!flags) return flags.error();

    // The merchant commands' own flags, each refused elsewhere (`hiltd serve --name x` is a
    // mistake, not something to ignore).
    const auto own_flag = [&](std::string_view flag, Command command,
                              std::string_view usage) -> Result<const std::string*> {
        const auto found = flags->values.find(std::string(flag));
        if (found == flags->values.end()) return static_cast<const std::string*>(nullptr);
        if (parsed.command != command) {
            return fail(ErrorCode::InvalidValue,
                        std::string(flag) + " is only for `" + std::string(usage) + "`",
                        std::string(flag));
        }
        return &found->second;
    };
    auto name = own_flag(kNameFlag, Command::MerchantCreate, "hiltd merchant create");
    if (!name) return name.error();
    auto subscriptions =
        own_flag(kSubscriptionsFlag, Command::MerchantCreate, "hiltd merchant create");
    if (!subscriptions) return subscriptions.error();
    auto id = own_flag(kIdFlag, Command::MerchantSubscriptions, "hiltd merchant subscriptions");
    if (!id) return id.error();
    if (parsed.command == Command::MerchantCreate) {
        if (*name == nullptr) {
            return fail(ErrorCode::MissingField, "merchant create needs --name NAME",
                        std::string(kNameFlag));
        }
        parsed.merchant_name = **name;
        parsed.subscriptions_enabled = *subscriptions != nullptr;
    }
    if (parsed.command == Command::MerchantSubscriptions) {
        if (*id == nullptr) {
            return fail(ErrorCode::MissingField, "merchant subscriptions needs --id MERCHANT_ID",
                        std::string(kIdFlag));
        }
        parsed.merchant_id = **id;
        const auto& words = flags->positionals;
        if (words.empty()) {
            return fail(ErrorCode::MissingField,
                        "merchant subscriptions needs on|off (on enables, off disables)", "on|off");
        }
        if (words.size() > 1) {
            return fail(ErrorCode::InvalidValue,
                        "unexpected argument " + shown(words[1]) + " (give on or off once)",
                        safe_text(words[1]));
        }
        if (words[0] != "on" && words[0] != "off") {
            return fail(ErrorCode::InvalidValue,
                        "merchant subscriptions takes on or off, not " + shown(words[0]),
                        safe_text(words[0]));
        }
        parsed.subscriptions_enabled = words[0] == "on";
    }

    std::map<std::string_view, std::string> source;  // flag -> where its value came from
    for (const auto& setting : kSettings) {
        std::string where;
        std::string_view value;
        if (const auto flag = flags->values.find(std::string(setting.flag));
            flag != flags->values.end()) {
            where = std::string(setting.flag);
            value = flag->second;
        } else if (const auto var = env.find(std::string(setting.env));
                   var != env.end() && !var->second.empty()) {
            where = std::string(setting.env);
            value = var->second;
        } else {
            continue;
        }
        HILT_TRY(setting.apply(parsed.config, value, where));
        source[setting.flag] = std::move(where);
    }

    const ServerConfig& config = parsed.config;
    if (config.chain == "rpc" && config.rpc_url.empty()) {
        return bad(ErrorCode::MissingField, source["--chain"],
                   "the rpc chain needs a node: set --rpc-url (or HILT_RPC_URL)");
    }
    if (config.chain != "rpc" && !config.rpc_url.empty()) {
        return bad(ErrorCode::InvalidValue, source["--rpc-url"],
                   "an RPC URL is only used with --chain rpc (the chain is " + config.chain + ")");
    }
    if (!config.rpc_ca_file.empty() && url_scheme(config.rpc_url) != "https") {
        return bad(ErrorCode::InvalidValue, source["--rpc-ca-file"],
                   "a CA file is only used with an https --rpc-url (and --chain rpc)");
    }
    if (config.chain == "sandbox" && config.cluster == money::Cluster::Mainnet) {
        return bad(ErrorCode::InvalidValue, source["--cluster"],
                   "the sandbox chain plays devnet; mainnet needs --chain rpc");
    }
    if (config.test_clock && config.cluster == money::Cluster::Mainnet) {
        return bad(ErrorCode::InvalidValue, source[kTestClockFlag],
                   "a test clock moves the server's time (sessions expire, renewals fall due): "
                   "never on mainnet");
    }
    return parsed;
}

std::string usage_text() {
    constexpr std::size_t kFlagColumn = 24;
    constexpr std::size_t kEnvColumn = 18;
    const ServerConfig defaults;
    std::string text =
        "hiltd: Hilt's checkout server (the API, the hosted checkout and the sandbox chain).\n"
        "\n"
        "Usage:\n"
        "  hiltd [serve] [SETTINGS]                      serve the API and the hosted checkout\n"
        "  hiltd demo [SETTINGS]                         create a demo merchant and product, then "
        "serve\n"
        "  hiltd merchant create --name NAME [--subscriptions] [SETTINGS]\n"
        "                                                create a workspace and print its first "
        "API key;\n"
        "                                                --subscriptions also enables it for "
        "subscriptions\n"
        "  hiltd merchant subscriptions --id MERCHANT_ID on|off [SETTINGS]\n"
        "                                                enable (on) or disable (off) a "
        "workspace's\n"
        "                                                subscriptions: only an enabled one may "
        "create\n"
        "                                                products with AUTOMATIC renewal (off "
        "stops new\n"
        "                                                ones; memberships that exist are kept)\n"
        "  hiltd help | --help | -h                      print this text\n"
        "\n"
        "Settings (every command reads them). A flag overrides its environment variable, which "
        "overrides\n"
        "the default; an empty variable counts as unset. Write `--flag VALUE` or `--flag=VALUE`;\n"
        "a switch (a flag without VALUE below) takes no value, and its variable is on or off.\n";
    for (const auto& setting : kSettings) {
        std::string flag = "  " + std::string(setting.flag) + " " + std::string(setting.value_name);
        flag.resize(std::max(kFlagColumn, flag.size() + 1), ' ');
        std::string env(setting.env);
        env.resize(std::max(kEnvColumn, env.size() + 1), ' ');
        text += flag + env + std::string(setting.help) + "\n";
        std::string default_text = setting.show(defaults);
        if (setting.flag == "--public-url") default_text = "http://HOST:PORT";
        text += std::string(kFlagColumn + kEnvColumn, ' ') + "default: " + default_text + "\n";
    }
    text +=
        "\n"
        "Exit status: 0 success, 1 the store, keys or server failed, 2 a bad command line or "
        "setting.\n";
    return text;
}

std::vector<std::string> describe_config(const ServerConfig& config) {
    std::vector<std::string> lines;
    for (const auto& setting : kSettings) {
        lines.push_back(std::string(setting.key) + ": " + setting.show(config));
    }
    return lines;
}

std::string mask_url_secrets(std::string_view url) {
    const std::size_t sep = url.find("://");
    if (sep == std::string_view::npos) return std::string(kMasked);  // not a URL: show none of it
    std::string out(url.substr(0, sep + 3));
    const std::string_view rest = url.substr(sep + 3);
    const std::size_t authority_end = std::min(rest.find_first_of("/?#"), rest.size());
    const std::string_view authority = rest.substr(0, authority_end);
    if (const std::size_t at_sign = authority.rfind('@'); at_sign != std::string_view::npos) {
        out += std::string(kMasked) + "@" + std::string(authority.substr(at_sign + 1));
    } else {
        out += authority;
    }
    const std::string_view tail = rest.substr(authority_end);
    const std::size_t path_end = std::min(tail.find_first_of("?#"), tail.size());
    const std::string_view path = tail.substr(0, path_end);
    std::size_t start = 0;
    while (start < path.size()) {
        // path[start] is '/': copy it, then the segment up to the next '/' (or a mask in its
        // place).
        const std::size_t next = std::min(path.find('/', start + 1), path.size());
        const std::string_view segment = path.substr(start + 1, next - start - 1);
        out += "/";
        out += looks_like_key(segment) ? kMasked : segment;
        start = next;
    }
    if (path_end < tail.size()) {
        out += tail[path_end];
        out += kMasked;
    }
    return out;
}

Environment environment_from(const char* const* envp) {
    Environment env;
    for (; envp != nullptr && *envp != nullptr; ++envp) {
        const std::string_view entry(*envp);
        const std::size_t equals = entry.find('=');
        if (equals == std::string_view::npos || equals == 0) continue;
        env.emplace(std::string(entry.substr(0, equals)), std::string(entry.substr(equals + 1)));
    }
    return env;
}

}  // namespace hilt::server
