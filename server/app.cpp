// server/app.cpp: opening the store, loading keys, wiring routes.
#include "app.h"

#include <chrono>

#include "models/json_reader.h"
#include "routes/auth.h"
#include "routes/products.h"
#include "routes/sandbox.h"
#include "store/migrations.h"
#include "store/secrets.h"

namespace hilt::server {

std::int64_t SystemClock::now_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

App::App(ServerConfig config, const Clock& clock, Database db)
    : config_(std::move(config)), clock_(clock), db_(std::move(db)) {}

App::~App() { stop(); }

Result<std::unique_ptr<App>> App::open(ServerConfig config, const Clock& clock) {
    HILT_TRY(crypto_ready());
    if (config.public_url.empty() && config.port != 0) {
        config.public_url = "http://" + config.host + ":" + std::to_string(config.port);
    }
    auto db = Database::open(config.db_path);
    if (!db) return db.error();
    HILT_TRY(migrate(*db, hiltd_migrations()));
    std::unique_ptr<App> app(new App(std::move(config), clock, std::move(*db)));
    auto jwt_key = load_or_create_secret(app->db_, app->db_mutex_, "jwt_hs256", clock.now_seconds());
    if (!jwt_key) return jwt_key.error();
    app->jwt_key_ = *jwt_key;
    app->merchants_ = std::make_unique<MerchantStore>(app->db_, app->db_mutex_);
    app->products_ = std::make_unique<ProductStore>(app->db_, app->db_mutex_);
    app->sandbox_ = std::make_unique<SandboxChain>();
    app->public_limiter_ = std::make_unique<RateLimiter>(app->config_.public_rate_limit);
    app->context_ = std::make_unique<AppContext>(AppContext{app->config_, app->clock_, app->db_, app->db_mutex_,
                                                            *app->merchants_, *app->products_,
                                                            *app->sandbox_, app->sandbox_.get(),
                                                            *app->public_limiter_,
                                                            app->jwt_key_});
    app->http_ = std::make_unique<HttpServer>(app->config_.limits);
    app->register_routes();
    return app;
}

void App::register_routes() {
    auto& context = *context_;
    http_->route("GET", "/v1/health", [&context](const HttpRequest&) {
        return HttpResponse::json(
            200, models::dump_json({{"status", "ok"},
                                    {"time", models::format_timestamp(models::Timestamp{context.clock.now_seconds()})}}));
    });
    register_auth_routes(*http_, context);
    register_product_routes(*http_, context);
    if (context.sandbox) register_sandbox_routes(*http_, context);
}

Result<int> App::start() {
    if (sandbox_ && config_.sandbox_slot_time.count() > 0) sandbox_->start_ticker(config_.sandbox_slot_time);
    auto port = http_->start(config_.host, config_.port);
    if (port && config_.public_url.empty()) {
        config_.public_url = "http://" + config_.host + ":" + std::to_string(*port);
    }
    return port;
}

Status App::run() {
    if (sandbox_ && config_.sandbox_slot_time.count() > 0) sandbox_->start_ticker(config_.sandbox_slot_time);
    return http_->listen(config_.host, config_.port);
}

void App::stop() {
    if (http_) http_->stop();
    if (sandbox_) sandbox_->stop_ticker();
}

}  // namespace hilt::server
