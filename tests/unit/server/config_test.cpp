// tests/unit/server/config_test.cpp: hiltd's flags, environment variables, --help and the printed
// configuration (config.h). Expected values are written out by hand from the brief, never taken
// from a run.
#include "config.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hilt::server {
namespace {

using Args = std::vector<std::string>;

Result<ParsedCommand> parse(const Args& args, const Environment& env = {}) {
    return parse_command_line(args, env);
}

ServerConfig parse_ok(const Args& args, const Environment& env = {}) {
    auto parsed = parse(args, env);
    EXPECT_TRUE(parsed) << describe(parsed.error());
    return parsed ? parsed->config : ServerConfig{};
}

const Environment kEveryVariable = {
    {"HILT_DB", "/var/lib/hilt/hilt.sqlite"},
    {"HILT_HOST", "0.0.0.0"},
    {"HILT_PORT", "9000"},
    {"HILT_PUBLIC_URL", "https://pay.example.com/"},
    {"HILT_CHAIN", "rpc"},
    {"HILT_RPC_URL", "https://rpc.example.com/v2/abc"},
    {"HILT_RPC_RATE_LIMIT", "40"},
    {"HILT_RPC_CA_FILE", "/etc/hilt/rpc-ca.pem"},
    {"HILT_COMMITMENT", "finalized"},
    {"HILT_CLUSTER", "mainnet"},
    {"HILT_FEE_BPS", "250"},
    {"HILT_FEE_WALLET", "11111111111111111111111111111111"},
    {"HILT_SESSION_TTL", "600"},
    {"HILT_KEY_DIR", "/var/lib/hilt/keys"},
    {"HILT_ASSETS_DIR", "/srv/hilt/assets"},
    {"HILT_PUBLIC_RATE_LIMIT", "25"},
    {"HILT_HTTP_THREADS", "48"},
    {"HILT_WEBHOOK_URLS", "loopback"},
    {"HILT_WEBHOOK_RETRY_SCHEDULE", "1s,1m,1h"},
    {"HILT_VIEW_REPORT_PORT", "8125"},
    {"HILT_VIEW_REPORT_LOG", "/var/lib/hilt-nginx/views.log"},
};

// ---- commands and defaults ----------------------------------------------------------------------

TEST(ConfigParse, NoArgumentsServesWithTheDefaults) {
    auto parsed = parse({});
    ASSERT_TRUE(parsed) << describe(parsed.error());
    EXPECT_EQ(parsed->command, Command::Serve);
    const ServerConfig& c = parsed->config;
    EXPECT_EQ(c.db_path, "hilt.sqlite");
    EXPECT_EQ(c.host, "127.0.0.1");
    EXPECT_EQ(c.port, 8080);
    EXPECT_EQ(c.public_url, "");
    EXPECT_EQ(c.chain, "sandbox");
    EXPECT_FALSE(c.test_clock);
    EXPECT_EQ(c.rpc_url, "");
    EXPECT_EQ(c.rpc_ca_file, "") << "empty: the system's trust store";
    EXPECT_EQ(c.fee_bps, 100);
    EXPECT_FALSE(c.fee_wallet.has_value());
    EXPECT_EQ(c.session_ttl_seconds, 900);
    EXPECT_EQ(c.key_dir, "");
    EXPECT_EQ(c.assets_dir, "");
    EXPECT_EQ(c.public_rate_limit.refill_per_second, 10.0);
    EXPECT_EQ(c.public_rate_limit.burst, 40.0);
    EXPECT_EQ(c.limits.worker_threads, 0u) << "0: HttpServer sizes the pool from the cores";
    EXPECT_EQ(c.view_report_port, 0);
    EXPECT_EQ(c.view_report_log, "") << "empty: no view log is followed";
}

TEST(ConfigParse, CommandsAreRecognised) {
    auto serve = parse({"serve"});
    ASSERT_TRUE(serve) << describe(serve.error());
    EXPECT_EQ(serve->command, Command::Serve);
    auto demo = parse({"demo", "--port", "0"});
    ASSERT_TRUE(demo) << describe(demo.error());
    EXPECT_EQ(demo->command, Command::Demo);
    EXPECT_EQ(demo->config.port, 0);
    auto create = parse({"merchant", "create", "--name", "Guild of Builders", "--db", "x.sqlite"});
    ASSERT_TRUE(create) << describe(create.error());
    EXPECT_EQ(create->command, Command::MerchantCreate);
    EXPECT_EQ(create->merchant_name, "Guild of Builders");
    EXPECT_EQ(create->config.db_path, "x.sqlite");
    EXPECT_FALSE(create->subscriptions_enabled) << "a new workspace has no subscriptions unless asked";
}

TEST(ConfigParse, MerchantCreateTakesTheSubscriptionsSwitchWithoutAValue) {
    for (const Args& args : std::vector<Args>{{"merchant", "create", "--name", "Guild", "--subscriptions"},
                                              {"merchant", "create", "--subscriptions", "--name", "Guild"},
                                              {"merchant", "create", "--subscriptions", "--db", "x.sqlite",
                                               "--name=Guild"}}) {
        auto parsed = parse(args);
        ASSERT_TRUE(parsed) << args.back() << ": " << describe(parsed.error());
        EXPECT_EQ(parsed->command, Command::MerchantCreate);
        EXPECT_EQ(parsed->merchant_name, "Guild");
        EXPECT_TRUE(parsed->subscriptions_enabled);
    }
}

TEST(ConfigParse, MerchantSubscriptionsTakesAnIdAndOnOrOffInAnyOrder) {
    auto on = parse({"merchant", "subscriptions", "--id", "mer_abc", "on"});
    ASSERT_TRUE(on) << describe(on.error());
    EXPECT_EQ(on->command, Command::MerchantSubscriptions);
    EXPECT_EQ(on->merchant_id, "mer_abc");
    EXPECT_TRUE(on->subscriptions_enabled);
    auto off = parse({"merchant", "subscriptions", "off", "--id=mer_abc", "--db", "x.sqlite"});
    ASSERT_TRUE(off) << describe(off.error());
    EXPECT_EQ(off->command, Command::MerchantSubscriptions);
    EXPECT_EQ(off->merchant_id, "mer_abc");
    EXPECT_FALSE(off->subscriptions_enabled);
    EXPECT_EQ(off->config.db_path, "x.sqlite");
    EXPECT_TRUE(off->merchant_name.empty());
}

TEST(ConfigParse, EveryEnvironmentVariableSetsItsSetting) {
    const ServerConfig c = parse_ok({}, kEveryVariable);
    EXPECT_EQ(c.db_path, "/var/lib/hilt/hilt.sqlite");
    EXPECT_EQ(c.host, "0.0.0.0");
    EXPECT_EQ(c.port, 9000);
    EXPECT_EQ(c.public_url, "https://pay.example.com");
    EXPECT_EQ(c.chain, "rpc");
    EXPECT_EQ(c.rpc_url, "https://rpc.example.com/v2/abc");
    EXPECT_EQ(c.rpc_max_requests_per_second, 40u);
    EXPECT_EQ(c.rpc_ca_file, "/etc/hilt/rpc-ca.pem");
    EXPECT_EQ(c.confirmation_commitment, Commitment::Finalized);
    EXPECT_EQ(c.cluster, money::Cluster::Mainnet);
    EXPECT_EQ(c.fee_bps, 250);
    ASSERT_TRUE(c.fee_wallet.has_value());
    EXPECT_TRUE(c.fee_wallet->is_zero()) << "the all-ones base58 address is 32 zero bytes";
    EXPECT_EQ(c.session_ttl_seconds, 600);
    EXPECT_EQ(c.key_dir, "/var/lib/hilt/keys");
    EXPECT_EQ(c.assets_dir, "/srv/hilt/assets");
    EXPECT_EQ(c.public_rate_limit.refill_per_second, 25.0);
    EXPECT_EQ(c.public_rate_limit.burst, 100.0) << "burst is four times the rate";
    EXPECT_EQ(c.limits.worker_threads, 48u);
    EXPECT_TRUE(c.webhooks.allow_loopback);
    using namespace std::chrono_literals;
    EXPECT_EQ(c.webhooks.retry_delays, (std::vector<std::chrono::milliseconds>{1s, 1min, 1h}));
    EXPECT_EQ(c.view_report_port, 8125);
    EXPECT_EQ(c.view_report_log, "/var/lib/hilt-nginx/views.log");
}

TEST(ConfigParse, EveryFlagSetsItsSettingAndOverridesItsVariable) {
    const ServerConfig o =
        parse_ok({"--db",          "flag.sqlite",
                  "--host",        "::",
                  "--port",        "9100",
                  "--public-url",  "http://localhost:9100",
                  "--fee-bps",     "0",
                  "--fee-wallet",  "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM",
                  "--session-ttl", "60",
                  "--key-dir",     "keys",
                  "--assets-dir",  "web/dist",
                  "--public-rate-limit", "0",
                  "--http-threads", "1",
                  "--rpc-url",     "https://127.0.0.1:8899",
                  "--rpc-rate-limit", "1",
                  "--rpc-ca-file", "node-ca.pem",
                  "--commitment",  "confirmed",
                  "--cluster",     "devnet",
                  "--webhook-urls", "public",
                  "--webhook-retry-schedule", "200ms,2s,90m",
                  "--test-clock",
                  "--view-report-port", "0",
                  "--view-report-log", "run/views.log"},
                 kEveryVariable);
    EXPECT_EQ(o.db_path, "flag.sqlite");
    EXPECT_EQ(o.host, "::");
    EXPECT_EQ(o.port, 9100);
    EXPECT_EQ(o.public_url, "http://localhost:9100");
    EXPECT_EQ(o.chain, "rpc") << "no --chain flag: the variable still applies";
    EXPECT_EQ(o.rpc_url, "https://127.0.0.1:8899");
    EXPECT_EQ(o.rpc_max_requests_per_second, 1u);
    EXPECT_EQ(o.rpc_ca_file, "node-ca.pem");
    EXPECT_EQ(o.confirmation_commitment, Commitment::Confirmed);
    EXPECT_EQ(o.cluster, money::Cluster::Devnet);
    EXPECT_EQ(o.fee_bps, 0);
    ASSERT_TRUE(o.fee_wallet.has_value());
    EXPECT_EQ(o.fee_wallet->to_base58(), "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM");
    EXPECT_EQ(o.session_ttl_seconds, 60);
    EXPECT_EQ(o.key_dir, "keys");
    EXPECT_EQ(o.assets_dir, "web/dist");
    EXPECT_EQ(o.public_rate_limit.refill_per_second, 0.0) << "0 switches the limit off";
    EXPECT_EQ(o.public_rate_limit.burst, 0.0);
    EXPECT_EQ(o.limits.worker_threads, 1u);
    EXPECT_FALSE(o.webhooks.allow_loopback);
    using namespace std::chrono_literals;
    EXPECT_EQ(o.webhooks.retry_delays, (std::vector<std::chrono::milliseconds>{200ms, 2s, 90min}));
    EXPECT_EQ(o.view_report_port, 0) << "0 switches the listener off";
    EXPECT_EQ(o.view_report_log, "run/views.log");
    EXPECT_TRUE(o.test_clock) << "allowed: --cluster devnet overrides HILT_CLUSTER=mainnet";
}

TEST(ConfigParse, ChainFlagOverridesTheChainVariable) {
    auto parsed = parse({"--chain", "sandbox"}, {{"HILT_CHAIN", "rpc"}});
    ASSERT_TRUE(parsed) << describe(parsed.error());
    EXPECT_EQ(parsed->config.chain, "sandbox");
}

TEST(ConfigParse, AnEmptyVariableCountsAsUnset) {
    const ServerConfig c =
        parse_ok({}, {{"HILT_PORT", ""}, {"HILT_FEE_WALLET", ""}, {"HILT_DB", ""}});
    EXPECT_EQ(c.port, 8080);
    EXPECT_FALSE(c.fee_wallet.has_value());
    EXPECT_EQ(c.db_path, "hilt.sqlite");
}

TEST(ConfigParse, VariablesOutsideTheTableAreIgnored) {
    const ServerConfig c =
        parse_ok({}, {{"HILT_ORACLE_CLI", "x"}, {"PORT", "1"}, {"hilt_port", "2"}});
    EXPECT_EQ(c.port, 8080);
}

TEST(ConfigParse, FlagEqualsValueWorksLikeTwoArguments) {
    const ServerConfig c = parse_ok(
        {"serve", "--port=0", "--db=a=b.sqlite", "--public-url=https://pay.example.com/hilt//"});
    EXPECT_EQ(c.port, 0);
    EXPECT_EQ(c.db_path, "a=b.sqlite") << "only the first '=' separates the flag from its value";
    EXPECT_EQ(c.public_url, "https://pay.example.com/hilt") << "trailing slashes are dropped";
    auto create = parse({"merchant", "create", "--name=Night Market"});
    ASSERT_TRUE(create) << describe(create.error());
    EXPECT_EQ(create->merchant_name, "Night Market");
}

TEST(ConfigParse, BoundaryValuesAreAccepted) {
    EXPECT_EQ(parse_ok({"--port", "65535"}).port, 65535);
    EXPECT_EQ(parse_ok({"--fee-bps", "10000"}).fee_bps, 10000);
    EXPECT_EQ(parse_ok({"--session-ttl", "86400"}).session_ttl_seconds, 86400);
    EXPECT_EQ(parse_ok({"--renewal-allowance", "1"}).renewal_allowance_periods, 1);
    EXPECT_EQ(parse_ok({"--renewal-allowance", "36"}).renewal_allowance_periods, 36);
    EXPECT_EQ(parse_ok({"--port", "08080"}).port, 8080);
    EXPECT_EQ(parse_ok({"--public-rate-limit", "100000"}).public_rate_limit.burst, 400000.0);
    EXPECT_EQ(parse_ok({"--http-threads", "1024"}).limits.worker_threads, 1024u);
}

TEST(ConfigParse, PublicUrlsBuyersCanReachAreAccepted) {
    for (const std::string url :
         {"https://pay.example.com", "https://pay.example.com:8443/hilt", "http://localhost:8080",
          "http://LOCALHOST", "http://127.0.0.1", "http://127.10.0.3:80", "http://[::1]:8080",
          "http://shop.localhost:3000"}) {
        SCOPED_TRACE(url);
        auto parsed = parse({"--public-url", url});
        ASSERT_TRUE(parsed) << describe(parsed.error());
        EXPECT_EQ(parsed->config.public_url, url);
    }
}

TEST(ConfigParse, RpcUrlsWithCredentialsAreAccepted) {
    for (const std::string url : {"https://api.mainnet-beta.solana.com", "http://127.0.0.1:8899",
                                  "https://user:pass@rpc.example.com/v2/key?api-key=x"}) {
        SCOPED_TRACE(url);
        auto parsed = parse({"--chain", "rpc", "--rpc-url", url});
        ASSERT_TRUE(parsed) << describe(parsed.error());
        EXPECT_EQ(parsed->config.rpc_url, url);
    }
}

TEST(ConfigParse, TheTestClockIsASwitchAndItsVariableIsOnOrOff) {
    const Args rpc = {"--chain", "rpc", "--rpc-url", "http://127.0.0.1:8899"};
    Args with_switch = rpc;
    with_switch.push_back("--test-clock");
    const ServerConfig flagged = parse_ok(with_switch);
    EXPECT_TRUE(flagged.test_clock);
    EXPECT_EQ(flagged.chain, "rpc");
    EXPECT_FALSE(parse_ok(rpc).test_clock) << "off unless asked";
    Args switch_first = {"--test-clock"};
    switch_first.insert(switch_first.end(), rpc.begin(), rpc.end());
    EXPECT_TRUE(parse_ok(switch_first).test_clock) << "a switch does not take the next flag";

    const Environment env = {{"HILT_CHAIN", "rpc"}, {"HILT_RPC_URL", "http://127.0.0.1:8899"}};
    Environment on = env;
    on["HILT_TEST_CLOCK"] = "on";
    EXPECT_TRUE(parse_ok({}, on).test_clock);
    Environment off = env;
    off["HILT_TEST_CLOCK"] = "off";
    EXPECT_FALSE(parse_ok({}, off).test_clock);
    EXPECT_TRUE(parse_ok({"--test-clock"}, off).test_clock) << "the flag overrides its variable";
    Environment empty = env;
    empty["HILT_TEST_CLOCK"] = "";
    EXPECT_FALSE(parse_ok({}, empty).test_clock);

    // The sandbox chain has a test clock anyway: the switch is harmless there.
    const ServerConfig sandbox = parse_ok({"--test-clock"});
    EXPECT_EQ(sandbox.chain, "sandbox");
    EXPECT_TRUE(sandbox.test_clock);
}

// ---- errors -------------------------------------------------------------------------------------

struct BadCase {
    Args args;
    Environment env;
    ErrorCode code;
    std::string field;  // the flag or variable the message names
};

TEST(ConfigParse, EachBadSettingIsAnErrorNamingItsFlagOrVariable) {
    const std::vector<BadCase> cases = {
        // command line shape
        {{"--bogus", "1"}, {}, ErrorCode::UnknownField, "--bogus"},
        {{"--bogus=1"}, {}, ErrorCode::UnknownField, "--bogus"},
        {{"-p", "80"}, {}, ErrorCode::UnknownField, "-p"},
        {{"--port"}, {}, ErrorCode::MissingField, "--port"},
        {{"--port", "--host", "x"}, {}, ErrorCode::MissingField, "--port"},
        {{"--port="}, {}, ErrorCode::MissingField, "--port"},
        {{"--db", ""}, {}, ErrorCode::MissingField, "--db"},
        {{"--port", "1", "--port", "2"}, {}, ErrorCode::InvalidValue, "--port"},
        {{"serve", "extra"}, {}, ErrorCode::InvalidValue, "extra"},
        {{"launch"}, {}, ErrorCode::InvalidValue, "launch"},
        {{"merchant", "delete"}, {}, ErrorCode::InvalidValue, "merchant"},
        {{"merchant", "create"}, {}, ErrorCode::MissingField, "--name"},
        {{"serve", "--name", "x"}, {}, ErrorCode::InvalidValue, "--name"},
        // the workspace's subscriptions switch
        {{"merchant", "create", "--name", "x", "--subscriptions=yes"},
         {},
         ErrorCode::InvalidValue,
         "--subscriptions"},
        {{"merchant", "create", "--name", "x", "on"}, {}, ErrorCode::InvalidValue, "on"},
        {{"merchant", "create", "--name", "x", "--id", "mer_a"}, {}, ErrorCode::InvalidValue, "--id"},
        {{"serve", "--subscriptions"}, {}, ErrorCode::InvalidValue, "--subscriptions"},
        {{"demo", "--id", "mer_a"}, {}, ErrorCode::InvalidValue, "--id"},
        {{"merchant", "subscriptions", "on"}, {}, ErrorCode::MissingField, "--id"},
        {{"merchant", "subscriptions", "--id", "mer_a"}, {}, ErrorCode::MissingField, "on|off"},
        {{"merchant", "subscriptions", "--id", "mer_a", "yes"}, {}, ErrorCode::InvalidValue, "yes"},
        {{"merchant", "subscriptions", "--id", "mer_a", "on", "off"},
         {},
         ErrorCode::InvalidValue,
         "off"},
        {{"merchant", "subscriptions", "--id", "mer_a", "on", "--name", "x"},
         {},
         ErrorCode::InvalidValue,
         "--name"},
        {{"merchant", "subscriptions", "--id", "mer_a", "on", "--subscriptions"},
         {},
         ErrorCode::InvalidValue,
         "--subscriptions"},
        {{"merchant", "subscriptions", "--id", "mer_a", "--id", "mer_b", "on"},
         {},
         ErrorCode::InvalidValue,
         "--id"},
        // host and port
        {{"--host", "bad host"}, {}, ErrorCode::InvalidValue, "--host"},
        {{"--port", "65536"}, {}, ErrorCode::OutOfRange, "--port"},
        {{"--port", "-1"}, {}, ErrorCode::OutOfRange, "--port"},
        {{"--port", "+80"}, {}, ErrorCode::OutOfRange, "--port"},
        {{"--port", "80a"}, {}, ErrorCode::OutOfRange, "--port"},
        {{"--port", " 80"}, {}, ErrorCode::OutOfRange, "--port"},
        {{"--port", "99999999999999999999999"}, {}, ErrorCode::OutOfRange, "--port"},
        {{}, {{"HILT_PORT", "http"}}, ErrorCode::OutOfRange, "HILT_PORT"},
        // public URL
        {{"--public-url", "pay.example.com"}, {}, ErrorCode::InvalidUrl, "--public-url"},
        {{"--public-url", "ftp://pay.example.com"}, {}, ErrorCode::InvalidUrl, "--public-url"},
        {{"--public-url", "http://pay.example.com"}, {}, ErrorCode::InvalidUrl, "--public-url"},
        {{"--public-url", "http://128.0.0.1"}, {}, ErrorCode::InvalidUrl, "--public-url"},
        {{"--public-url", "http://127.0.0.1.evil.example"},
         {},
         ErrorCode::InvalidUrl,
         "--public-url"},
        {{"--public-url", "http://localhost.evil.example"},
         {},
         ErrorCode::InvalidUrl,
         "--public-url"},
        {{"--public-url", "https://"}, {}, ErrorCode::InvalidUrl, "--public-url"},
        {{"--public-url", "https://shop@pay.example.com"},
         {},
         ErrorCode::InvalidUrl,
         "--public-url"},
        {{"--public-url", "https://pay.example.com?x=1"},
         {},
         ErrorCode::InvalidUrl,
         "--public-url"},
        {{"--public-url", "https://pay.example.com#top"},
         {},
         ErrorCode::InvalidUrl,
         "--public-url"},
        {{},
         {{"HILT_PUBLIC_URL", "https://pay example.com"}},
         ErrorCode::InvalidUrl,
         "HILT_PUBLIC_URL"},
        // chain and RPC URL
        {{"--chain", "mainnet"}, {}, ErrorCode::InvalidEnum, "--chain"},
        {{"--chain", "rpc"}, {}, ErrorCode::MissingField, "--chain"},
        {{}, {{"HILT_CHAIN", "rpc"}}, ErrorCode::MissingField, "HILT_CHAIN"},
        {{"--rpc-url", "https://rpc.example.com"}, {}, ErrorCode::InvalidValue, "--rpc-url"},
        {{"--cluster", "mainnet"}, {}, ErrorCode::InvalidValue, "--cluster"},
        {{"--cluster", "testnet"}, {}, ErrorCode::InvalidEnum, "--cluster"},
        {{"--commitment", "processed"}, {}, ErrorCode::InvalidEnum, "--commitment"},
        {{"--rpc-rate-limit", "0"}, {}, ErrorCode::OutOfRange, "--rpc-rate-limit"},
        {{"--rpc-rate-limit", "1001"}, {}, ErrorCode::OutOfRange, "--rpc-rate-limit"},
        {{"--chain", "rpc", "--rpc-url", "ws://rpc.example.com"},
         {},
         ErrorCode::InvalidUrl,
         "--rpc-url"},
        {{"--chain", "rpc", "--rpc-url", "https://"}, {}, ErrorCode::InvalidUrl, "--rpc-url"},
        {{"--chain", "rpc", "--rpc-url", "https://user@"}, {}, ErrorCode::InvalidUrl, "--rpc-url"},
        {{"--chain", "rpc", "--rpc-url", "rpc.example.com"},
         {},
         ErrorCode::InvalidUrl,
         "--rpc-url"},
        // the RPC node's CA file: only for an https node (whether it can be read is App::open's)
        {{"--rpc-ca-file", "ca.pem"}, {}, ErrorCode::InvalidValue, "--rpc-ca-file"},
        {{}, {{"HILT_RPC_CA_FILE", "ca.pem"}}, ErrorCode::InvalidValue, "HILT_RPC_CA_FILE"},
        {{"--chain", "rpc", "--rpc-url", "http://127.0.0.1:8899", "--rpc-ca-file", "ca.pem"},
         {},
         ErrorCode::InvalidValue,
         "--rpc-ca-file"},
        {{"--chain", "rpc", "--rpc-url", "https://rpc.example.com", "--rpc-ca-file", "ca\tpem"},
         {},
         ErrorCode::InvalidValue,
         "--rpc-ca-file"},
        // fee
        {{"--fee-bps", "10001"}, {}, ErrorCode::InvalidFeeBps, "--fee-bps"},
        {{"--fee-bps", "-1"}, {}, ErrorCode::InvalidFeeBps, "--fee-bps"},
        {{"--fee-bps", "1.5"}, {}, ErrorCode::InvalidFeeBps, "--fee-bps"},
        {{}, {{"HILT_FEE_BPS", "1%"}}, ErrorCode::InvalidFeeBps, "HILT_FEE_BPS"},
        {{"--fee-wallet", "not-base58-0OIl"}, {}, ErrorCode::InvalidKey, "--fee-wallet"},
        {{"--fee-wallet", "1111111111111111111111111111111"},
         {},
         ErrorCode::InvalidKey,
         "--fee-wallet"},
        {{"--fee-wallet", "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM1"},
         {},
         ErrorCode::InvalidKey,
         "--fee-wallet"},
        // session TTL
        {{"--session-ttl", "59"}, {}, ErrorCode::OutOfRange, "--session-ttl"},
        {{"--session-ttl", "86401"}, {}, ErrorCode::OutOfRange, "--session-ttl"},
        {{"--session-ttl", "15m"}, {}, ErrorCode::OutOfRange, "--session-ttl"},
        {{"--renewal-allowance", "0"}, {}, ErrorCode::OutOfRange, "--renewal-allowance"},
        {{"--renewal-allowance", "37"}, {}, ErrorCode::OutOfRange, "--renewal-allowance"},
        {{}, {{"HILT_SESSION_TTL", "0"}}, ErrorCode::OutOfRange, "HILT_SESSION_TTL"},
        // public rate limit and HTTP threads
        {{"--public-rate-limit", "-1"}, {}, ErrorCode::OutOfRange, "--public-rate-limit"},
        {{"--public-rate-limit", "100001"}, {}, ErrorCode::OutOfRange, "--public-rate-limit"},
        {{"--public-rate-limit", "2.5"}, {}, ErrorCode::OutOfRange, "--public-rate-limit"},
        {{}, {{"HILT_PUBLIC_RATE_LIMIT", "off"}}, ErrorCode::OutOfRange, "HILT_PUBLIC_RATE_LIMIT"},
        {{"--http-threads", "0"}, {}, ErrorCode::OutOfRange, "--http-threads"},
        {{"--http-threads", "1025"}, {}, ErrorCode::OutOfRange, "--http-threads"},
        {{}, {{"HILT_HTTP_THREADS", "many"}}, ErrorCode::OutOfRange, "HILT_HTTP_THREADS"},
        {{"--webhook-urls", "anywhere"}, {}, ErrorCode::InvalidEnum, "--webhook-urls"},
        {{"--webhook-retry-schedule", "5x"}, {}, ErrorCode::InvalidValue, "--webhook-retry-schedule"},
        {{"--webhook-retry-schedule", "5s,,5m"}, {}, ErrorCode::InvalidValue, "--webhook-retry-schedule"},
        {{"--webhook-retry-schedule", "0s"}, {}, ErrorCode::InvalidValue, "--webhook-retry-schedule"},
        {{"--webhook-retry-schedule", "100h,100h"}, {}, ErrorCode::OutOfRange, "--webhook-retry-schedule"},
        {{}, {{"HILT_WEBHOOK_RETRY_SCHEDULE", "soon"}}, ErrorCode::InvalidValue, "HILT_WEBHOOK_RETRY_SCHEDULE"},
        {{"--view-report-port", "65536"}, {}, ErrorCode::OutOfRange, "--view-report-port"},
        {{}, {{"HILT_VIEW_REPORT_PORT", "-1"}}, ErrorCode::OutOfRange, "HILT_VIEW_REPORT_PORT"},
        {{"--view-report-log", "views\t.log"}, {}, ErrorCode::InvalidValue, "--view-report-log"},
        {{}, {{"HILT_VIEW_REPORT_LOG", "views.log\x7f"}}, ErrorCode::InvalidValue, "HILT_VIEW_REPORT_LOG"},
        // the test clock: a switch, never on mainnet
        {{"--chain", "rpc", "--rpc-url", "https://rpc.example.com", "--cluster", "mainnet",
          "--test-clock"},
         {},
         ErrorCode::InvalidValue,
         "--test-clock"},
        {{"--test-clock"},
         {{"HILT_CHAIN", "rpc"},
          {"HILT_RPC_URL", "https://rpc.example.com"},
          {"HILT_CLUSTER", "mainnet"}},
         ErrorCode::InvalidValue,
         "--test-clock"},
        {{},
         {{"HILT_CHAIN", "rpc"},
          {"HILT_RPC_URL", "https://rpc.example.com"},
          {"HILT_CLUSTER", "mainnet"},
          {"HILT_TEST_CLOCK", "on"}},
         ErrorCode::InvalidValue,
         "HILT_TEST_CLOCK"},
        {{"--test-clock=on"}, {}, ErrorCode::InvalidValue, "--test-clock"},
        {{"--test-clock", "on"}, {}, ErrorCode::InvalidValue, "on"},
        {{"--test-clock", "--test-clock"}, {}, ErrorCode::InvalidValue, "--test-clock"},
        {{}, {{"HILT_TEST_CLOCK", "yes"}}, ErrorCode::InvalidEnum, "HILT_TEST_CLOCK"},
    };
    for (const auto& bad : cases) {
        std::string shown;
        for (const auto& arg : bad.args) shown += "[" + arg + "] ";
        for (const auto& [name, value] : bad.env) shown += name + "=" + value + " ";
        SCOPED_TRACE(shown);
        auto parsed = parse(bad.args, bad.env);
        ASSERT_FALSE(parsed) << "accepted";
        EXPECT_EQ(parsed.error().code, bad.code) << describe(parsed.error());
        EXPECT_EQ(parsed.error().field, bad.field) << describe(parsed.error());
        EXPECT_NE(parsed.error().message.find(bad.field), std::string::npos)
            << "the message names the flag or variable: " << parsed.error().message;
        EXPECT_EQ(parsed.error().message.find('\n'), std::string::npos) << "one line";
    }
}

TEST(ConfigParse, AFlagsBadValueIsReportedEvenWhenItsVariableIsFine) {
    auto parsed = parse({"--port", "x"}, {{"HILT_PORT", "9000"}});
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error().field, "--port");
}

TEST(ConfigParse, ErrorsNeverEchoAnRpcUrlsSecrets) {
    const std::vector<std::pair<Args, Environment>> cases = {
        {{"--chain", "rpc", "--rpc-url", "ftp://alice:hunter2@rpc.example.com/k3yK3yK3yK3yK3yK3y"},
         {}},
        {{"--rpc-url", "https://alice:hunter2@rpc.example.com/k3yK3yK3yK3yK3yK3y"}, {}},
        {{"--rpc_url=https://alice:hunter2@rpc.example.com/k3yK3yK3yK3yK3yK3y"}, {}},
        {{"https://alice:hunter2@rpc.example.com/k3yK3yK3yK3yK3yK3y"}, {}},
        {{},
         {{"HILT_RPC_URL", "https://alice:hunter2@rpc.example.com/?api-key=k3yK3yK3yK3yK3yK3y"}}},
    };
    for (const auto& [args, env] : cases) {
        auto parsed = parse(args, env);
        ASSERT_FALSE(parsed);
        const std::string& message = parsed.error().message;
        SCOPED_TRACE(message);
        EXPECT_EQ(message.find("hunter2"), std::string::npos);
        EXPECT_EQ(message.find("k3yK3y"), std::string::npos);
        EXPECT_EQ(describe(parsed.error()).find("hunter2"), std::string::npos);
    }
}

// ---- help ---------------------------------------------------------------------------------------

TEST(ConfigHelp, HelpIsRecognisedAnywhere) {
    for (const Args& args : std::vector<Args>{{"--help"},
                                              {"-h"},
                                              {"help"},
                                              {"serve", "--help"},
                                              {"demo", "-h"},
                                              {"merchant", "--help"},
                                              {"merchant", "create", "--help"},
                                              {"merchant", "subscriptions", "--help"},
                                              {"--port", "not-a-number", "--help"},
                                              {"--db", "x", "-h"}}) {
        auto parsed = parse(args, {{"HILT_PORT", "nonsense"}});
        ASSERT_TRUE(parsed) << args.front() << ": " << describe(parsed.error());
        EXPECT_EQ(parsed->command, Command::Help) << args.front();
    }
}

TEST(ConfigHelp, UsageDocumentsEveryCommandFlagVariableAndDefault) {
    const std::string text = usage_text();
    for (const char* needle : {"hiltd [serve]",
                               "hiltd demo",
                               "hiltd merchant create --name NAME [--subscriptions]",
                               "hiltd merchant subscriptions --id MERCHANT_ID on|off",
                               "AUTOMATIC renewal",
                               "--help",
                               "-h",
                               "--db",
                               "HILT_DB",
                               "--host",
                               "HILT_HOST",
                               "--port",
                               "HILT_PORT",
                               "--public-url",
                               "HILT_PUBLIC_URL",
                               "--chain",
                               "HILT_CHAIN",
                               "--rpc-url",
                               "HILT_RPC_URL",
                               "--rpc-ca-file PATH",
                               "HILT_RPC_CA_FILE",
                               "default: (none: the system's trust store)",
                               "--fee-bps",
                               "HILT_FEE_BPS",
                               "--fee-wallet",
                               "HILT_FEE_WALLET",
                               "--session-ttl",
                               "HILT_SESSION_TTL",
                               "--key-dir",
                               "HILT_KEY_DIR",
                               "--assets-dir",
                               "HILT_ASSETS_DIR",
                               "--public-rate-limit",
                               "HILT_PUBLIC_RATE_LIMIT",
                               "--http-threads",
                               "HILT_HTTP_THREADS",
                               "--webhook-urls",
                               "HILT_WEBHOOK_URLS",
                               "--webhook-retry-schedule",
                               "HILT_WEBHOOK_RETRY_SCHEDULE",
                               "--view-report-port",
                               "HILT_VIEW_REPORT_PORT",
                               "--view-report-log PATH",
                               "HILT_VIEW_REPORT_LOG",
                               "default: (none: off)",
                               "  --test-clock          HILT_TEST_CLOCK",
                               "not mainnet",
                               "default: off (the sandbox chain has one anyway)",
                               "a switch (a flag without VALUE below) takes no value",
                               "default: 0 (off)",
                               "default: 10 per second per client, burst 40",
                               "default: max(64, 4 x cores)",
                               "default: hilt.sqlite",
                               "default: 127.0.0.1",
                               "default: 8080",
                               "default: http://HOST:PORT",
                               "default: sandbox",
                               "default: 100 (1.00 %)",
                               "default: 900",
                               "--flag=VALUE",
                               "0..10000",
                               "60..86400",
                               "0..65535"}) {
        EXPECT_NE(text.find(needle), std::string::npos) << "usage lacks " << needle << "\n" << text;
    }
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = std::min(text.find('\n', start), text.size());
        EXPECT_LE(end - start, 100u) << text.substr(start, end - start);
        start = end + 1;
    }
}

// ---- the printed configuration ------------------------------------------------------------------

bool has_line(const std::vector<std::string>& lines, const std::string& line) {
    return std::find(lines.begin(), lines.end(), line) != lines.end();
}

TEST(ConfigDescribe, DefaultsReadAsOneLinePerSetting) {
    const auto lines = describe_config(ServerConfig{});
    EXPECT_EQ(lines.size(), 23u);
    for (const char* line :
         {"db: hilt.sqlite", "host: 127.0.0.1", "port: 8080",
          "public_url: http://127.0.0.1:8080 (from host and port)", "chain: sandbox",
          "rpc_url: (none)", "rpc_max_requests_per_second: 8",
          "rpc_ca_file: (none: the system's trust store)", "confirmation_commitment: confirmed",
          "cluster: devnet", "fee_bps: 100 (1.00 %)", "fee_wallet: (a key of this server)",
          "session_ttl_seconds: 900", "renewal_allowance_periods: 12", "key_dir: (none: in the database)", "assets_dir: (none)",
          "public_rate_limit: 10 per second per client, burst 40",
          "http_threads: max(64, 4 x cores)", "webhook_urls: public",
          "webhook_retry_schedule: 5s,5m,30m,2h,5h,10h,14h,20h,20h", "view_report_port: 0 (off)",
          "view_report_log: (none: off)",
          "test_clock: off (the sandbox chain has one anyway)"}) {
        EXPECT_TRUE(has_line(lines, line)) << "missing: " << line;
    }
}

TEST(ConfigDescribe, ConfiguredValuesAreShown) {
    auto parsed =
        parse({"--chain", "rpc", "--rpc-url", "https://rpc.example.com", "--rpc-ca-file",
               "/etc/hilt/rpc-ca.pem", "--fee-bps", "5",
               "--fee-wallet", "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM", "--key-dir", "/k",
               "--public-url", "https://pay.example.com", "--port", "0", "--public-rate-limit",
               "0", "--http-threads", "64", "--view-report-port", "8125", "--view-report-log",
               "/var/lib/hilt-nginx/views.log", "--test-clock"});
    ASSERT_TRUE(parsed) << describe(parsed.error());
    const auto lines = describe_config(parsed->config);
    for (const char* line :
         {"chain: rpc", "rpc_url: https://rpc.example.com", "rpc_ca_file: /etc/hilt/rpc-ca.pem",
          "fee_bps: 5 (0.05 %)",
          "fee_wallet: 9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM", "key_dir: /k",
          "public_url: https://pay.example.com", "port: 0", "public_rate_limit: 0 (no limit)",
          "http_threads: 64", "view_report_port: 8125",
          "view_report_log: /var/lib/hilt-nginx/views.log", "test_clock: on"}) {
        EXPECT_TRUE(has_line(lines, line)) << "missing: " << line;
    }
}

TEST(ConfigDescribe, TheRpcUrlIsPrintedWithItsSecretsMasked) {
    ServerConfig config;
    config.chain = "rpc";
    config.rpc_url =
        "https://alice:hunter2@rpc.example.com:8899/v2/Zx81kQp0aaLmW3nR?api-key=s3cr3t";
    const auto lines = describe_config(config);
    EXPECT_TRUE(has_line(lines, "rpc_url: https://***@rpc.example.com:8899/v2/***?***"));
    for (const auto& line : lines) {
        EXPECT_EQ(line.find("alice"), std::string::npos) << line;
        EXPECT_EQ(line.find("hunter2"), std::string::npos) << line;
        EXPECT_EQ(line.find("Zx81kQp0aaLmW3nR"), std::string::npos) << line;
        EXPECT_EQ(line.find("s3cr3t"), std::string::npos) << line;
    }
}

TEST(ConfigDescribe, MaskingHidesCredentialsAndKeepsTheRest) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"https://api.mainnet-beta.solana.com", "https://api.mainnet-beta.solana.com"},
        {"http://127.0.0.1:8899", "http://127.0.0.1:8899"},
        {"https://rpc.example.com/v1/rpc/", "https://rpc.example.com/v1/rpc/"},
        {"https://mainnet.helius-rpc.com/?api-key=5f2e8a1c-0d4b-4e6f-9a7b-1c2d3e4f5a6b",
         "https://mainnet.helius-rpc.com/?***"},
        {"https://solana-mainnet.g.alchemy.com/v2/aBcD-123_efGH",
         "https://solana-mainnet.g.alchemy.com/v2/***"},
        {"https://solana-mainnet.g.alchemy.com/v2/abcdefghijklmnopqrstuvwxyzABCDEF",
         "https://solana-mainnet.g.alchemy.com/v2/***"},
        {"https://name.solana-mainnet.quiknode.pro/0123456789abcdef0123456789abcdef/",
         "https://name.solana-mainnet.quiknode.pro/***/"},
        {"https://example.rpcpool.com/5f2e8a1c-0d4b-4e6f-9a7b-1c2d3e4f5a6b",
         "https://example.rpcpool.com/***"},
        {"https://user:pass@rpc.example.com:8899/rpc", "https://***@rpc.example.com:8899/rpc"},
        {"https://token@rpc.example.com", "https://***@rpc.example.com"},
        {"https://rpc.example.com/a1b2c3d4", "https://rpc.example.com/***"},
        {"https://rpc.example.com/rpc#k3y", "https://rpc.example.com/rpc#***"},
        {"https://rpc.example.com?token=1", "https://rpc.example.com?***"},
        {"not a url but maybe a key", "***"},
    };
    for (const auto& [url, masked] : cases) EXPECT_EQ(mask_url_secrets(url), masked) << url;
}

// ---- the binary's helpers -----------------------------------------------------------------------

TEST(ConfigSupport, TheEnvironmentIsReadFromNameEqualsValueStrings) {
    const char* envp[] = {"HILT_PORT=9000", "HILT_DB=a=b",   "NOEQUALS",
                          "=nameless",      "HILT_KEY_DIR=", nullptr};
    const Environment env = environment_from(envp);
    EXPECT_EQ(env, (Environment{{"HILT_PORT", "9000"}, {"HILT_DB", "a=b"}, {"HILT_KEY_DIR", ""}}));
    EXPECT_TRUE(environment_from(nullptr).empty());
}

}  // namespace
}  // namespace hilt::server
