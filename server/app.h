// server/app.h: one running hiltd: its configuration, clock, store and HTTP routes, wired together.
//  - App::open migrates the database and loads the server's keys; start() serves on a background thread
//    (tests), run() on the calling thread (the binary).
//  - The clock is injectable so tests (and the sandbox's test clock) control time.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include <chrono>

#include "chain/sandbox_chain.h"
#include "core/result.h"
#include "crypto/sodium.h"
#include "http/http_server.h"
#include "http/rate_limiter.h"
#include "money/money.h"
#include "store/merchant_store.h"
#include "store/product_store.h"
#include "store/sqlite.h"

namespace hilt::server {

class Clock {
public:
    virtual ~Clock() = default;
    virtual std::int64_t now_ms() const = 0;
    std::int64_t now_seconds() const { return now_ms() / 1000; }
};

class SystemClock final : public Clock {
public:
    std::int64_t now_ms() const override;
};

// A clock tests move by hand.
class ManualClock final : public Clock {
public:
    explicit ManualClock(std::int64_t start_ms) : now_(start_ms) {}
    std::int64_t now_ms() const override { return now_.load(); }
    void advance_ms(std::int64_t delta) { now_ += delta; }

private:
    std::atomic<std::int64_t> now_;
};

struct ServerConfig {
    std::string db_path = "hilt.sqlite";
    std::string host = "127.0.0.1";
    int port = 8080;
    // Where buyers reach this server (checkout_url, handoff links); defaults to http://host:port.
    std::string public_url;
    HttpLimits limits;
    RateLimit public_rate_limit;
    // Which cluster's mints products default to (the sandbox chain plays devnet).
    money::Cluster cluster = money::Cluster::Devnet;
    // Seconds buyers and proxies may cache the public checkout payload.
    int public_payload_max_age_seconds = 10;
    // The sandbox chain's slot clock runs on its own (binary) or only when tests advance it (0 ms).
    std::chrono::milliseconds sandbox_slot_time{400};
};

// What every route handler may use.
struct AppContext {
    const ServerConfig& config;
    const Clock& clock;
    Database& db;
    std::mutex& db_mutex;
    MerchantStore& merchants;
    ProductStore& products;
    Chain& chain;
    // The sandbox when it is the active chain (its routes exist only then); nullptr with a real cluster.
    SandboxChain* sandbox;
    RateLimiter& public_limiter;
    const SecretBytes<32>& jwt_key;
};

class App {
public:
    [[nodiscard]] static Result<std::unique_ptr<App>> open(ServerConfig config, const Clock& clock);
    ~App();

    // Serves on a background thread; returns the bound port (config.port 0 picks a free one).
    [[nodiscard]] Result<int> start();
    [[nodiscard]] Status run();
    void stop();

    AppContext& context() { return *context_; }
    MerchantStore& merchants() { return *merchants_; }
    ProductStore& products() { return *products_; }
    SandboxChain* sandbox() { return sandbox_.get(); }
    const ServerConfig& config() const { return config_; }

private:
    App(ServerConfig config, const Clock& clock, Database db);
    void register_routes();

    ServerConfig config_;
    const Clock& clock_;
    Database db_;
    std::mutex db_mutex_;
    std::unique_ptr<MerchantStore> merchants_;
    std::unique_ptr<ProductStore> products_;
    std::unique_ptr<SandboxChain> sandbox_;
    std::unique_ptr<RateLimiter> public_limiter_;
    SecretBytes<32> jwt_key_;
    std::unique_ptr<AppContext> context_;
    std::unique_ptr<HttpServer> http_;
};

}  // namespace hilt::server
