// server/app.cpp: opening the store, loading keys, wiring routes.
#include "app.h"

#include <chrono>
#include <iostream>

#include "analytics/view_counter.h"
#include "analytics/view_log.h"
#include "analytics/view_reports.h"
#include "chain/rpc_chain.h"
#include "models/json_reader.h"
#include "routes/analytics.h"
#include "routes/auth.h"
#include "routes/checkout.h"
#include "routes/manage.h"
#include "routes/openapi.h"
#include "routes/payments.h"
#include "routes/pages.h"
#include "routes/products.h"
#include "routes/qr.h"
#include "routes/receipts.h"
#include "routes/sandbox.h"
#include "routes/support.h"
#include "routes/webhooks.h"
#include "store/secrets.h"
#include "store/sqlite/sqlite_stores.h"

namespace hilt::server {

namespace {

// What the sandbox gives the renewal delegate at start: the fees of 200,000 renewals at 5,000 lamports.
constexpr std::uint64_t kSandboxDelegateLamports = 1'000'000'000'000;

}  // namespace

std::int64_t SystemClock::now_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

App::App(ServerConfig config, const Clock& clock, Stores stores)
    : config_(std::move(config)), clock_(clock), stores_(std::move(stores)) {}

App::~App() { stop(); }

Result<std::unique_ptr<App>> App::open(ServerConfig config, const Clock& clock) {
    HILT_TRY(crypto_ready());
    if (config.test_clock && config.cluster == money::Cluster::Mainnet) {
        return fail(ErrorCode::InvalidValue, "a test clock is never allowed on mainnet",
                    "test_clock");
    }
    if (config.public_url.empty() && config.port != 0) {
        config.public_url = "http://" + config.host + ":" + std::to_string(config.port);
    }
    auto stores = open_sqlite_stores(config.db_path);
    if (!stores) return stores.error();
    std::unique_ptr<App> app(new App(std::move(config), clock, std::move(*stores)));
    auto& secrets = *app->stores_.secrets;
    auto jwt_key =
        load_or_create_secret(secrets, "jwt_hs256", clock.now_seconds(), app->config_.key_dir);
    if (!jwt_key) return jwt_key.error();
    app->jwt_key_ = *jwt_key;
    // The receipt and handoff signing keys, and the default fee wallet, are ed25519 keys from stored seeds.
    const auto keypair = [&](const std::string& name) -> Result<Ed25519Keypair> {
        auto seed = load_or_create_secret(secrets, name, clock.now_seconds(), app->config_.key_dir);
        if (!seed) return seed.error();
        return ed25519_keypair_from_seed(seed->array());
    };
    auto receipt_key = keypair("receipt_ed25519");
    if (!receipt_key) return receipt_key.error();
    app->receipt_key_ = std::move(*receipt_key);
    auto handoff_key = keypair("handoff_ed25519");
    if (!handoff_key) return handoff_key.error();
    app->handoff_key_ = std::move(*handoff_key);
    auto webhook_key = keypair("webhook_ed25519");
    if (!webhook_key) return webhook_key.error();
    app->webhook_key_ = std::move(*webhook_key);
    if (app->config_.fee_wallet) {
        app->fee_wallet_ = *app->config_.fee_wallet;
    } else {
        auto fee_key = keypair("fee_wallet_ed25519");
        if (!fee_key) return fee_key.error();
        app->fee_wallet_ = solana::PublicKey::from_bytes(fee_key->public_key);
    }
    auto renewal_key = keypair("renewal_delegate_ed25519");
    if (!renewal_key) return renewal_key.error();
    app->renewal_delegate_key_ = std::move(*renewal_key);
    app->renewal_delegate_ = solana::PublicKey::from_bytes(app->renewal_delegate_key_.public_key);
    if (app->config_.chain == "rpc") {
        RpcChainOptions options;
        options.url = app->config_.rpc_url;
        options.max_requests_per_second = app->config_.rpc_max_requests_per_second;
        options.ca_file = app->config_.rpc_ca_file;
        auto rpc = RpcChain::create(options);
        if (!rpc) return rpc.error();
        app->rpc_chain_ = std::move(*rpc);
        app->chain_ = app->rpc_chain_.get();
    } else {
        app->sandbox_ = std::make_unique<SandboxChain>();
        app->sandbox_->set_time_source([&clock] { return clock.now_seconds(); });
        app->chain_ = app->sandbox_.get();
        // The renewal delegate pays the network fee of every renewal.
        auto funded = app->sandbox_->airdrop_lamports(app->renewal_delegate_, kSandboxDelegateLamports);
        if (!funded) return funded.error();
    }
    app->payment_service_ = std::make_unique<PaymentService>(
        app->config_, app->clock_, *app->chain_, *app->stores_.payments, *app->stores_.products,
        PaymentKeys{app->receipt_key_, app->handoff_key_, app->fee_wallet_, app->renewal_delegate_});
    app->public_limiter_ = std::make_unique<RateLimiter>(app->config_.public_rate_limit);
    app->context_ = std::make_unique<AppContext>(AppContext{app->config_, app->clock_,
                                                            *app->stores_.idempotency,
                                                            *app->stores_.merchants,
                                                            *app->stores_.products,
                                                            *app->chain_, app->sandbox_.get(),
                                                            *app->public_limiter_,
                                                            app->jwt_key_, *app->stores_.payments,
                                                            *app->payment_service_,
                                                            app->receipt_key_.public_key});
    app->context_->support = app->stores_.support.get();
    app->views_ = std::make_unique<ViewCounter>(*app->stores_.analytics);
    app->context_->views = app->views_.get();
    app->context_->analytics = app->stores_.analytics.get();
    app->webhook_worker_ = std::make_unique<WebhookWorker>(*app->stores_.webhooks, app->clock_, app->webhook_key_,
                                                           app->config_.webhooks);
    app->context_->webhooks = app->stores_.webhooks.get();
    app->context_->webhook_worker = app->webhook_worker_.get();
    app->context_->webhook_public_key = &app->webhook_key_.public_key;
    app->renewal_worker_ = std::make_unique<RenewalWorker>(app->clock_, *app->chain_, *app->stores_.payments,
                                                           *app->payment_service_, app->renewal_delegate_key_,
                                                           app->config_.renewal_batch);
    app->context_->renewal_worker = app->renewal_worker_.get();
    auto manage_key = load_or_create_secret(secrets, "manage_hmac", clock.now_seconds(), app->config_.key_dir);
    if (!manage_key) return manage_key.error();
    app->manage_key_ = *manage_key;
    app->subscriptions_ = std::make_unique<SubscriptionManager>(app->config_, app->clock_, *app->chain_,
                                                                *app->stores_.payments, app->renewal_delegate_,
                                                                app->manage_key_);
    app->context_->subscriptions = app->subscriptions_.get();
    app->http_ = std::make_unique<HttpServer>(app->config_.limits);
    app->register_routes();
    return app;
}

void App::register_routes() {
    auto& context = *context_;
    http_->route("GET", "/v1/health", [&context](const HttpRequest&) {
        models::Json body = {{"status", "ok"},
                             {"time", models::format_timestamp(models::Timestamp{context.clock.now_seconds()})}};
        // The operator's alert: renewals are waiting for SOL in the renewal delegate (it pays their fees).
        if (context.renewal_worker && context.renewal_worker->paused()) body["renewals_paused"] = true;
        return HttpResponse::json(200, models::dump_json(body));
    });
    register_auth_routes(*http_, context);
    register_product_routes(*http_, context);
    register_checkout_routes(*http_, context);
    register_payment_routes(*http_, context);
    // After the product routes: /v1/products/p/{slug} is the public payload, whatever the slug.
    register_analytics_routes(*http_, context);
    register_page_routes(*http_, context);
    register_qr_routes(*http_, context);
    register_receipt_routes(*http_, context);
    register_support_routes(*http_, context);
    register_manage_routes(*http_, context);
    register_webhook_routes(*http_, context);
    register_openapi_routes(*http_, context);
    if (context.sandbox) {
        register_sandbox_routes(*http_, context);
    } else if (config_.test_clock) {
        // The test clock alone: a real chain has no faucet and no fault switches.
        register_sandbox_clock_route(*http_, context);
    }
}

Status App::start_background() {
    // nginx's view reports: a slug's product id (read once per slug) and when the view was counted.
    const auto find_product = [this](const std::string& slug) -> std::optional<std::string> {
        auto product = stores_.products->find_by_slug(slug);
        if (!product) return std::nullopt;
        return product->product_id;
    };
    const auto now = [this] { return clock_.now_seconds(); };
    // First: a port already taken, or a view log that cannot be read, fails the start before any other
    // thread runs.
    if (config_.view_report_port > 0) {
        view_reports_ = std::make_unique<ViewReportListener>(*views_, find_product, now);
        if (auto bound = view_reports_->start(config_.view_report_port); !bound) return bound.error();
    }
    if (!config_.view_report_log.empty()) {
        view_log_ = std::make_unique<ViewLogTailer>(*views_, find_product, now);
        if (auto followed = view_log_->start(config_.view_report_log); !followed) return followed.error();
    }
    if (sandbox_ && config_.sandbox_slot_time.count() > 0) sandbox_->start_ticker(config_.sandbox_slot_time);
    if (config_.watch_interval.count() > 0) {
        payment_service_->start_watcher(config_.watch_interval);
        renewal_worker_->start(config_.watch_interval);
    }
    if (config_.webhooks.threads > 0) webhook_worker_->start();
    views_->start_flusher(kViewFlushInterval);
    return {};
}

Result<int> App::start() {
    if (auto started = start_background(); !started) return started.error();
    auto port = http_->start(config_.host, config_.port);
    if (port && config_.public_url.empty()) {
        config_.public_url = "http://" + config_.host + ":" + std::to_string(*port);
    }
    return port;
}

Status App::run(const std::function<bool(int port)>& on_listening) {
    auto port = start();
    if (!port) return port.error();
    if (on_listening && !on_listening(*port)) {
        stop();
        return fail(ErrorCode::Internal, "start-up did not complete");
    }
    std::unique_lock lock(stop_mutex_);
    stop_wake_.wait(lock, [this] { return stopped_; });
    return {};
}

void App::stop() {
    // One stop at a time (a signal thread and the destructor may both call it): joining a thread from two
    // places at once never returns. run() wakes only once everything has stopped.
    std::lock_guard guard(shutdown_mutex_);
    if (http_) http_->stop();
    // Then nginx's reports (those already queued still count).
    if (view_reports_) {
        view_reports_->stop();
        if (view_reports_->dropped() > 0 || view_reports_->lost() > 0) {
            std::cerr << "hiltd view reports: " << view_reports_->counted() << " counted, "
                      << view_reports_->dropped() << " dropped (malformed or unknown slug), "
                      << view_reports_->lost() << " lost (socket buffer full)\n";
        }
    }
    if (view_log_) {
        view_log_->stop();
        if (view_log_->dropped() > 0) {
            std::cerr << "hiltd view log: " << view_log_->counted() << " counted, " << view_log_->dropped()
                      << " dropped (malformed or unknown slug)\n";
        }
    }
    // No request or report counts a view any more: store the last ones while the stores are still open.
    if (views_) {
        if (auto flushed = views_->stop_flusher(); !flushed) {
            std::cerr << "hiltd views: " << describe(flushed.error()) << "\n";
        }
    }
    if (renewal_worker_) renewal_worker_->stop();
    if (payment_service_) payment_service_->stop_watcher();
    if (webhook_worker_) webhook_worker_->stop();
    if (sandbox_) sandbox_->stop_ticker();
    {
        std::lock_guard lock(stop_mutex_);
        stopped_ = true;
    }
    stop_wake_.notify_all();
}

}  // namespace hilt::server
