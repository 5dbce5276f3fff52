// server/config.h: hiltd's command line and environment, turned into a command and a ServerConfig.
//
// Owns: the one table of settings (flag, environment variable, default, validation), the --help
// text generated from it, and the configuration lines hiltd prints at start. Must never: read the
// process environment, the file system or a clock (callers pass what they read, so every rule here
// is unit-tested), print a secret (describe_config masks the RPC URL's credentials), or exit the
// process.
//
//  - Precedence: a flag overrides its environment variable, which overrides the default. An
//  environment
//    variable set to the empty string counts as unset (compose files often pass `HILT_X=${X}`).
//  - A flag takes its value as `--flag VALUE` or `--flag=VALUE`; each flag may be given once.
//  - Every error names where the bad value came from (`--port` or `HILT_PORT`) in its message and
//  field,
//    and never echoes an RPC URL unmasked.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "app.h"
#include "core/result.h"

namespace hilt::server {

enum class Command : std::uint8_t {
    Serve,                  // hiltd [serve]
    Demo,                   // hiltd demo
    MerchantCreate,         // hiltd merchant create --name NAME [--subscriptions]
    MerchantSubscriptions,  // hiltd merchant subscriptions --id MERCHANT_ID on|off
    Help,                   // hiltd help | --help | -h
};

struct ParsedCommand {
    Command command = Command::Serve;
    ServerConfig config;
    std::string merchant_name;  // only for Command::MerchantCreate
    std::string merchant_id;    // only for Command::MerchantSubscriptions
    // MerchantCreate: --subscriptions was given; MerchantSubscriptions: on (true) or off (false).
    bool subscriptions_enabled = false;
};

using Environment = std::map<std::string, std::string>;

// Every session must last at least this long (a buyer needs time to open a wallet and sign) and at
// most a day (a quote older than that no longer reflects the merchant's intent).
inline constexpr std::int64_t kMinSessionTtlSeconds = 60;
inline constexpr std::int64_t kMaxSessionTtlSeconds = 86400;
// Public requests per second per client: 0 turns the limit off (a proxy in front limits, or a
// benchmark); more than this is no limit worth configuring.
inline constexpr std::int64_t kMaxPublicRateLimit = 100'000;
// Each client may send this many times its per-second rate at once (the default 10/s: burst 40).
inline constexpr double kPublicRateBurstFactor = 4.0;
// HTTP worker threads: each holds one open connection (cpp-httplib), so behind nginx at least its
// upstream keep-alive pool; above this, memory (a stack each), not connections, runs out.
inline constexpr std::int64_t kMaxHttpThreads = 1024;
// A path segment of an RPC URL at least this long is treated as an API key when printed.
inline constexpr std::size_t kKeyLikeSegmentChars = 16;
// A shorter segment that mixes letters and digits and is at least this long is treated as a key
// too.
inline constexpr std::size_t kKeyLikeMixedSegmentChars = 8;

// args excludes the program name (argv + 1). Exit with 2 on an error, 0 after printing usage_text()
// for Help.
[[nodiscard]] Result<ParsedCommand> parse_command_line(const std::vector<std::string>& args,
                                                       const Environment& env);

// The --help text: every command, every flag with its environment variable and default.
std::string usage_text();

// "chain: sandbox", "fee_bps: 100", …: one line per setting, the RPC URL masked, no key material.
std::vector<std::string> describe_config(const ServerConfig& config);

// The RPC URL for logs: userinfo, query, fragment and key-like path segments become "***".
std::string mask_url_secrets(std::string_view url);

// NAME=value strings (environ) into a map; entries without '=' are skipped.
Environment environment_from(const char* const* envp);

}  // namespace hilt::server
