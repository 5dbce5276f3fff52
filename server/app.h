// server/app.h: one running hiltd: its configuration, clock, store and HTTP routes, wired together.
//  - App::open opens the stores (SQLite: store/sqlite/sqlite_stores.h, migrated) and loads the server's
//    keys; start() serves on a background thread (tests), run() on the calling thread (the binary).
//  - Routes see the store interfaces only (store/stores.h), never a connection or its lock.
//  - The clock is injectable so tests (and the sandbox's test clock) control time.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <chrono>

#include "chain/sandbox_chain.h"
#include "core/result.h"
#include "crypto/sodium.h"
#include "http/http_server.h"
#include "http/rate_limiter.h"
#include "money/money.h"
#include "payments/payment_service.h"
#include "store/stores.h"
#include "payments/renewal_worker.h"
#include "payments/subscription_manager.h"
#include "webhooks/webhook_worker.h"

namespace hilt::server {

class ViewCounter;
class ViewLogTailer;
class ViewReportListener;

class Clock {
public:
    virtual ~Clock() = default;
    virtual std::int64_t now_ms() const = 0;
    std::int64_t now_seconds() const { return now_ms() / 1000; }
    // Moves a test clock forward (the sandbox's POST /v1/sandbox/clock); false for the real clock.
    virtual bool advance_ms(std::int64_t /*delta*/) const { return false; }
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
    bool advance_ms(std::int64_t delta) const override {
        now_ += delta;
        return true;
    }

private:
    mutable std::atomic<std::int64_t> now_;
};

// The sandbox's test clock: the system's time plus an offset that only moves forward, by POST
// /v1/sandbox/clock, as a Stripe test clock does (sessions expire, memberships lapse, retries fall due
// without waiting). The offset lasts until the process stops. hiltd runs on it only with the sandbox chain,
// or with --test-clock on an RPC chain that is not mainnet (end-to-end tests against LiteSVM).
class SandboxClock final : public Clock {
public:
    std::int64_t now_ms() const override { return system_.now_ms() + offset_ms_.load(); }
    bool advance_ms(std::int64_t delta) const override {
        if (delta < 0) return false;
        offset_ms_ += delta;
        return true;
    }
    std::int64_t offset_ms() const { return offset_ms_.load(); }

private:
    SystemClock system_;
    mutable std::atomic<std::int64_t> offset_ms_{0};
};

struct ServerConfig {
    std::string db_path = "hilt.sqlite";
    std::string host = "127.0.0.1";
    int port = 8080;
    // Where buyers reach this server (checkout_url, handoff links); defaults to http://host:port.
    std::string public_url;
    HttpLimits limits;
    RateLimit public_rate_limit;
    // Rate-limit public routes by the X-Real-IP header when the peer is on loopback (a local nginx).
    bool trust_loopback_proxy = true;
    // Which cluster's mints products default to (the sandbox chain plays devnet).
    money::Cluster cluster = money::Cluster::Devnet;
    // Seconds a browser may keep the public payload and the checkout page (Cache-Control max-age):
    // one, so that a price change or an archive shows within a second there too, as through nginx's
    // micro-cache; revalidation with the ETag is a 304.
    int public_payload_max_age_seconds = 1;
    // The sandbox chain's slot clock runs on its own (binary) or only when tests advance it (0 ms).
    std::chrono::milliseconds sandbox_slot_time{400};
    // Which chain answers: "sandbox" (in-process test mode) or "rpc" (a Solana JSON-RPC node at rpc_url).
    std::string chain = "sandbox";
    // POST /v1/sandbox/clock on an RPC chain too (the sandbox chain always has it); hiltd then runs on
    // a SandboxClock. Never with the mainnet cluster (config.cpp and App::open refuse it).
    bool test_clock = false;
    std::string rpc_url;
    // A PEM bundle of the CAs that sign an https RPC node's certificate (a private CA or a
    // self-signed node); empty: the system's trust store. Read when the App opens.
    std::string rpc_ca_file;
    // The most requests per second hiltd sends the RPC node (public endpoints answer 429 above ~10/s).
    std::uint32_t rpc_max_requests_per_second = 8;
    // Hilt's fee in basis points of each payment (floor, money::split_fee) and the wallet that receives it.
    // Without a fee wallet the server uses one of its own keys (kept in the key directory / store).
    std::int64_t fee_bps = 100;
    std::optional<solana::PublicKey> fee_wallet;
    // How long a checkout session may take from connect to a landed transaction.
    std::int64_t session_ttl_seconds = 15 * 60;
    // How many renewals the first checkout of an AUTOMATIC product lets Hilt's renewal delegate pull
    // (the buyer approves this many periods' price, 1..models::kMaxAllowancePeriods).
    std::int64_t renewal_allowance_periods = 12;
    // Where the server's own keys live as files (0600); empty: in the database (server_secrets).
    std::string key_dir;
    // The checkout's static files (the WASM build output), served under /assets/ and by nginx directly.
    std::string assets_dir;
    // How often the confirmation watcher follows open payments (0: never on its own; tests call
    // App::payment_service().watch_once() or the confirm route).
    std::chrono::milliseconds watch_interval{1000};
    // Renewals the renewal worker claims, and in-flight ones it follows, per pass (no flag; tests lower it).
    std::size_t renewal_batch = kRenewalBatch;
    // The commitment a payment needs before it is CONFIRMED (and the delivery released): confirmed
    // (a supermajority voted; Solana Pay's default) or finalized (about 13 s later; cannot roll back).
    Commitment confirmation_commitment = Commitment::Confirmed;
    // Webhook delivery: which URLs endpoints may have (--webhook-urls), the retry schedule
    // (--webhook-retry-schedule), the sender pool. `webhooks.threads` 0: no delivery worker at all.
    WebhookOptions webhooks;
    // The UDP port on 127.0.0.1 where an nginx reports payload views as syslog datagrams
    // (analytics/view_reports.h); 0: no listener.
    int view_report_port = 0;
    // The file where nginx logs payload views, one path a line (analytics/view_log.h, deploy/nginx.conf's
    // @VIEWS_LOG@), followed from its end; empty: not followed.
    std::string view_report_log;
};

// What every route handler may use.
struct AppContext {
    const ServerConfig& config;
    const Clock& clock;
    IdempotencyStore& idempotency;
    MerchantStore& merchants;
    ProductStore& products;
    Chain& chain;
    // The sandbox when it is the active chain (its routes exist only then); nullptr with a real cluster.
    SandboxChain* sandbox;
    RateLimiter& public_limiter;
    const SecretBytes<32>& jwt_key;
    PaymentStore& payments;
    PaymentService& payment_service;
    // The public half of the receipt signing key (published, and the only key receipts verify with).
    const Bytes32& receipt_public_key;
    // Buyers' support cases (routes/support.cpp and the payment trail). Set by App::open; never
    // null in a running App.
    SupportStore* support = nullptr;
    // Public payload views counted in memory (the payload route adds, the analytics route flushes) and
    // the analytics reads. Set by App::open once both exist; never null in a running App.
    ViewCounter* views = nullptr;
    AnalyticsStore* analytics = nullptr;
    // Webhook endpoints and the outbox, the worker that sends it (poked after a redelivery) and the public
    // half of the webhook signing key (v1a signatures; /.well-known/hilt/webhook-key). Set by App::open.
    WebhookStore* webhooks = nullptr;
    WebhookWorker* webhook_worker = nullptr;
    const Bytes32* webhook_public_key = nullptr;
    // Subscription renewals (poked when the test clock moves) and the subscriber's own changes (the manage
    // routes). Set by App::open.
    RenewalWorker* renewal_worker = nullptr;
    SubscriptionManager* subscriptions = nullptr;
};

class App {
public:
    [[nodiscard]] static Result<std::unique_ptr<App>> open(ServerConfig config, const Clock& clock);
    ~App();

    // Serves on a background thread; returns the bound port (config.port 0 picks a free one).
    [[nodiscard]] Result<int> start();
    // Serves until stop() (from another thread, e.g. on SIGTERM). `on_listening` runs once the port is bound
    // (config.port 0 picks a free one); returning false stops the server again.
    [[nodiscard]] Status run(const std::function<bool(int port)>& on_listening = {});
    void stop();

    AppContext& context() { return *context_; }
    MerchantStore& merchants() { return *stores_.merchants; }
    ProductStore& products() { return *stores_.products; }
    SandboxChain* sandbox() { return sandbox_.get(); }
    Chain& chain() { return *chain_; }
    PaymentStore& payments() { return *stores_.payments; }
    WebhookStore& webhooks() { return *stores_.webhooks; }
    PaymentService& payment_service() { return *payment_service_; }
    RenewalWorker& renewal_worker() { return *renewal_worker_; }
    SubscriptionManager& subscriptions() { return *subscriptions_; }
    // The server's receipt signing key (receipts carry its public half) and fee wallet.
    const Bytes32& receipt_public_key() const { return receipt_key_.public_key; }
    const solana::PublicKey& fee_wallet() const { return fee_wallet_; }
    const solana::PublicKey& renewal_delegate() const { return renewal_delegate_; }
    const ServerConfig& config() const { return config_; }

private:
    App(ServerConfig config, const Clock& clock, Stores stores);
    void register_routes();
    [[nodiscard]] Status start_background();

    ServerConfig config_;
    const Clock& clock_;
    Stores stores_;
    std::unique_ptr<SandboxChain> sandbox_;  // the sandbox, when it is the chain
    std::unique_ptr<Chain> rpc_chain_;       // the RPC backend, when it is the chain
    Chain* chain_ = nullptr;                 // whichever of the two is active
    std::unique_ptr<RateLimiter> public_limiter_;
    SecretBytes<32> jwt_key_;
    Ed25519Keypair receipt_key_;
    Ed25519Keypair handoff_key_;
    solana::PublicKey fee_wallet_;
    Ed25519Keypair renewal_delegate_key_;  // signs renewal pulls and pays their network fee
    solana::PublicKey renewal_delegate_;
    std::unique_ptr<PaymentService> payment_service_;
    std::unique_ptr<RenewalWorker> renewal_worker_;  // after payment_service_: stopped before it
    SecretBytes<32> manage_key_;                      // signs the subscribers' manage tokens
    std::unique_ptr<SubscriptionManager> subscriptions_;
    Ed25519Keypair webhook_key_;
    std::unique_ptr<WebhookWorker> webhook_worker_;
    // After stores_: destroyed (and flushed) before the stores close.
    std::unique_ptr<ViewCounter> views_;
    // nginx's view reports (config_.view_report_port, config_.view_report_log); after views_: stopped before it.
    std::unique_ptr<ViewReportListener> view_reports_;
    std::unique_ptr<ViewLogTailer> view_log_;
    std::unique_ptr<AppContext> context_;
    std::unique_ptr<HttpServer> http_;
    std::mutex shutdown_mutex_;
    std::mutex stop_mutex_;
    std::condition_variable stop_wake_;
    bool stopped_ = false;
};

}  // namespace hilt::server
