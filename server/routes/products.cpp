// server/routes/products.cpp: products create/list/read/update/archive and the public payload.
#include "routes/products.h"

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "analytics/view_counter.h"
#include "crypto/sodium.h"
#include "encoding/base64.h"
#include "routes/auth.h"
#include "routes/respond.h"

namespace hilt::server {

namespace {

models::Timestamp now_of(const AppContext& context) { return models::Timestamp{context.clock.now_seconds()}; }

models::CheckoutConfig checkout_config_for(const models::Product& product) {
    models::CheckoutConfig config;
    config.default_route = models::CheckoutRoute::PhantomExtension;
    auto asset = money::find_asset_by_mint(product.token_mint);
    config.payment_asset = asset ? std::string(asset->asset->symbol) : std::string();
    return config;
}

// Slugs whose rendered payload is kept; past it the cache starts over (an attacker cycling slugs only
// reaches products that exist, and each costs one render per second at most).
constexpr std::size_t kPayloadCacheMaxEntries = 10'000;

// The rendered public payload per slug, so that a payload GET costs a lookup instead of a store read,
// a JSON parse and render and a SHA-256 (scripts/bench (a)). An entry holds while the product store's
// revision is the one it was filled at (every local write invalidates) and the clock is still in the
// second it was filled in: another process writing to the same storage is seen within a second, the
// bound nginx's micro-cache keeps too (deploy/nginx.conf). Only on-sale products are kept: answers
// for archived or unknown slugs carry a request id and are not cached.
class PayloadCache {
public:
    struct Entry {
        std::uint64_t revision = 0;
        std::int64_t second = 0;
        std::string body;
        std::string etag;
        std::string product_id;  // whose views the answers count
    };

    std::optional<Entry> find(const std::string& slug, std::uint64_t revision, std::int64_t second) {
        std::lock_guard lock(mutex_);
        const auto it = entries_.find(slug);
        if (it == entries_.end() || it->second.revision != revision || it->second.second != second) {
            return std::nullopt;
        }
        return it->second;
    }

    void put(const std::string& slug, Entry entry) {
        std::lock_guard lock(mutex_);
        if (entries_.size() >= kPayloadCacheMaxEntries && entries_.find(slug) == entries_.end()) {
            entries_.clear();
        }
        entries_[slug] = std::move(entry);
    }

private:
    std::mutex mutex_;
    std::unordered_map<std::string, Entry> entries_;
};

// deploy/nginx.conf answers most payload GETs from its micro-cache, where hiltd never sees them, so it
// reports every payload view it answers instead (a log file hiltd follows, analytics/view_log.h,
// --view-report-log; or UDP datagrams, analytics/view_reports.h, --view-report-port)
// and marks the requests it forwards `X-Hilt-View: forwarded`: answered as usual, not counted again. The
// mark counts only from a trusted proxy on this host (from_trusted_proxy).
constexpr std::string_view kViewHeader = "X-Hilt-View";
constexpr std::string_view kViewForwarded = "forwarded";

// The payload's entry, rendered afresh; not_found or product_archived for slugs not on sale.
Result<PayloadCache::Entry> render_payload(AppContext& context, const std::string& slug) {
    PayloadCache::Entry entry;
    // Read before the product: a write committed in between leaves the entry stale by revision.
    entry.revision = context.products.revision();
    entry.second = context.clock.now_seconds();
    auto product = context.products.find_by_slug(slug);
    if (!product) return product.error();
    if (product->status == models::ProductStatus::Archived) {
        return fail(ErrorCode::ProductArchived, "this product is no longer on sale");
    }
    auto payload = models::make_public_checkout(*product, checkout_config_for(*product));
    if (!payload) return payload.error();
    if (payload->membership_renewal_mode == models::RenewalMode::Automatic) {
        payload->membership_allowance_periods = context.config.renewal_allowance_periods;
    }
    entry.body = models::dump(*payload);
    entry.etag = "\"" + hex_encode(ByteView(sha256(as_bytes(entry.body))).first(16)) + "\"";
    entry.product_id = product->product_id;
    return entry;
}

}  // namespace

void register_product_routes(HttpServer& http, AppContext& context) {
    http.route("POST", "/v1/products", [&context](const HttpRequest& request) {
        auto merchant = authenticate_merchant(request, context);
        if (!merchant) return HttpResponse::error(merchant.error(), request.request_id);
        return idempotent(request, context, merchant->merchant_id, [&] {
            auto body = read_body<models::ProductRequest>(request);
            if (!body) return HttpResponse::error(body.error(), request.request_id);
            const auto& config = body->membership_config;
            if (config && config->enabled && config->renewal_mode == models::RenewalMode::Automatic &&
                !merchant->subscriptions_enabled) {
                return HttpResponse::error(
                    fail(ErrorCode::Forbidden, "AUTOMATIC renewal needs a workspace enabled for subscriptions",
                         "membership_config.renewal_mode"),
                    request.request_id);
            }
            auto product = context.products.create(merchant->merchant_id, *body, context.config.public_url,
                                                   now_of(context),
                                                   money::usdc().mint(context.config.cluster));
            if (!product) return HttpResponse::error(product.error(), request.request_id);
            return json_response(201, to_json(*product));
        });
    });

    http.route("GET", "/v1/products", [&context](const HttpRequest& request) {
        auto merchant = authenticate_merchant(request, context);
        if (!merchant) return HttpResponse::error(merchant.error(), request.request_id);
        auto params = read_list_params(request, models::kProductIdPrefix);
        if (!params) return HttpResponse::error(params.error(), request.request_id);
        ProductListQuery query{params->limit, params->starting_after, std::nullopt};
        if (auto status = request.query_param("status")) {
            auto parsed = models::parse_enum<models::ProductStatus>(*status);
            if (!parsed) return HttpResponse::error(at("status", parsed.error()), request.request_id);
            query.status = *parsed;
        }
        auto page = context.products.list(merchant->merchant_id, query);
        if (!page) return HttpResponse::error(page.error(), request.request_id);
        models::Json data = models::Json::array();
        for (const auto& product : page->data) data.push_back(to_json(product));
        return json_response(200, {{"data", data}, {"has_more", page->has_more}});
    });

    http.route("GET", "/v1/products/{product_id}", [&context](const HttpRequest& request) {
        auto merchant = authenticate_merchant(request, context);
        if (!merchant) return HttpResponse::error(merchant.error(), request.request_id);
        auto product = context.products.get(merchant->merchant_id, request.path_param("product_id"));
        if (!product) return HttpResponse::error(product.error(), request.request_id);
        return json_response(200, to_json(*product));
    });

    http.route("PATCH", "/v1/products/{product_id}", [&context](const HttpRequest& request) {
        auto merchant = authenticate_merchant(request, context);
        if (!merchant) return HttpResponse::error(merchant.error(), request.request_id);
        auto update = read_body<models::ProductUpdate>(request);
        if (!update) return HttpResponse::error(update.error(), request.request_id);
        if (update->membership_config.has_value()) {
            const auto& config = *update->membership_config.value;
            if (config.enabled && config.renewal_mode == models::RenewalMode::Automatic &&
                !merchant->subscriptions_enabled) {
                return HttpResponse::error(
                    fail(ErrorCode::Forbidden, "AUTOMATIC renewal needs a workspace enabled for subscriptions",
                         "membership_config.renewal_mode"),
                    request.request_id);
            }
        }
        auto product = context.products.update(merchant->merchant_id, request.path_param("product_id"), *update,
                                               now_of(context));
        if (!product) return HttpResponse::error(product.error(), request.request_id);
        return json_response(200, to_json(*product));
    });

    http.route("DELETE", "/v1/products/{product_id}", [&context](const HttpRequest& request) {
        auto merchant = authenticate_merchant(request, context);
        if (!merchant) return HttpResponse::error(merchant.error(), request.request_id);
        auto product = context.products.archive(merchant->merchant_id, request.path_param("product_id"),
                                                now_of(context));
        if (!product) return HttpResponse::error(product.error(), request.request_id);
        return json_response(200, to_json(*product));
    });

    http.route("GET", "/v1/products/p/{slug}", [&context, cache = std::make_shared<PayloadCache>()](
                                                   const HttpRequest& request) {
        if (auto limited = limit_public(request, context)) return *limited;
        const auto slug = request.path_param("slug");
        if (auto status = models::validate_slug(slug); !status) {
            return HttpResponse::error(fail(ErrorCode::NotFound, "no such checkout"), request.request_id);
        }
        auto cached = cache->find(slug, context.products.revision(), context.clock.now_seconds());
        if (!cached) {
            auto rendered = render_payload(context, slug);
            if (!rendered) return HttpResponse::error(rendered.error(), request.request_id);
            cache->put(slug, *rendered);
            cached = std::move(*rendered);
        }
        const auto& etag = cached->etag;
        HttpResponse response;
        // A view for the merchant's analytics: every payload served, 200 or 304 (in memory; flushed
        // to the store in the background, analytics/view_counter.h). Behind the proxy, its UDP report
        // counts instead of the request it forwards (kViewHeader).
        const bool forwarded =
            from_trusted_proxy(request, context.config) && request.header(kViewHeader) == kViewForwarded;
        if (context.views && !forwarded) context.views->count(cached->product_id, context.clock.now_seconds());
        if (request.header("If-None-Match") == etag) {
            response.status = 304;
        } else {
            response = HttpResponse::json(200, std::move(cached->body));
        }
        response.headers.emplace_back("ETag", etag);
        response.headers.emplace_back(
            "Cache-Control", "public, max-age=" + std::to_string(context.config.public_payload_max_age_seconds));
        expire_proxy_cache_this_second(response, context);
        return response;
    });
}

}  // namespace hilt::server
