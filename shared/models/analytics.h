// shared/models/analytics.h: a product's analytics (GET /v1/products/{product_id}/analytics).
//
// Owns: the ProductAnalytics shape {funnel, revenue, renewal, delivery, support} and its JSON
// (api.md "Analytics shape"; the window and the meaning of each count: docs/api.md "Analytics").
// Must never: carry money as a floating-point number (amounts are integer minor units per asset;
// only the two rates are JSON numbers), or decide what is counted (the server's analytics store
// does).
// Response-only: nothing reads it back, so there is no from_json.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/common.h"
#include "models/json_reader.h"

namespace hilt::models {

// Rates are kept as integers in units of 1/kRateScale (4 decimals: 2 of 3 is 0.6667) and written as a
// JSON number; 0 when the denominator is 0.
inline constexpr std::int64_t kRateScale = 10'000;

// numerator / denominator in 1/kRateScale, rounded half up; 0 when denominator <= 0.
std::int64_t scaled_rate(std::int64_t numerator, std::int64_t denominator);

// The sessions started in the window and how far each got (as of the request).
struct AnalyticsFunnel {
    std::int64_t payload_views = 0;       // public payload answers (200 and 304) in the window's hours
    std::int64_t sessions_started = 0;    // connects
    std::int64_t transactions_built = 0;  // sessions a transaction was built for
    std::int64_t broadcasts = 0;          // sessions with a signed transaction sent or found on chain
    std::int64_t confirmed = 0;
    std::int64_t failed = 0;   // FAILED for another reason than EXPIRED
    std::int64_t expired = 0;  // FAILED / EXPIRED, including open sessions past expires_at
    std::int64_t pending = 0;  // still open
    std::int64_t conversion = 0;       // confirmed / sessions_started, in 1/kRateScale
    std::int64_t view_to_payment = 0;  // confirmed / payload_views, in 1/kRateScale

    friend bool operator==(const AnalyticsFunnel&, const AnalyticsFunnel&) = default;
};

// Confirmed payments of one asset, confirmed in the window. Integer minor units of that asset.
struct AnalyticsRevenue {
    solana::PublicKey token_mint;
    std::string asset_symbol;
    std::uint8_t decimals = 0;
    std::int64_t payments = 0;
    std::int64_t gross_minor_units = 0;  // what buyers paid: quoted amounts plus overpayments
    std::int64_t fees_minor_units = 0;   // Hilt's fee of those amounts
    std::int64_t net_minor_units = 0;    // gross - fees: the merchant's
    // Part of the fees a single-recipient transfer paid to the merchant, who owes it.
    std::int64_t fee_outstanding_minor_units = 0;
    std::int64_t overpaid_minor_units = 0;  // included in gross and net

    friend bool operator==(const AnalyticsRevenue&, const AnalyticsRevenue&) = default;
};

struct AnalyticsRenewal {
    std::int64_t active = 0;    // memberships ACTIVE at the window's end
    std::int64_t renewed = 0;   // memberships extended or reactivated by a payment in the window
    std::int64_t in_grace = 0;  // GRACE at the window's end
    std::int64_t lapsed = 0;    // EXPIRED (or CANCELLED) at the window's end

    friend bool operator==(const AnalyticsRenewal&, const AnalyticsRenewal&) = default;
};

// delivery_status of the payments confirmed in the window.
struct AnalyticsDelivery {
    std::int64_t delivered = 0;
    std::int64_t failed = 0;
    std::int64_t pending = 0;
    std::int64_t not_required = 0;  // delivery_type NONE

    friend bool operator==(const AnalyticsDelivery&, const AnalyticsDelivery&) = default;
};

struct AnalyticsSupport {
    std::int64_t cases_opened = 0;  // in the window
    std::int64_t open_now = 0;      // OPEN at the request, whenever opened

    friend bool operator==(const AnalyticsSupport&, const AnalyticsSupport&) = default;
};

struct ProductAnalytics {
    std::string product_id;
    std::optional<Timestamp> from;  // absent: since the beginning
    Timestamp to;
    AnalyticsFunnel funnel;
    std::vector<AnalyticsRevenue> revenue;  // one per asset, by token_mint
    AnalyticsRenewal renewal;
    AnalyticsDelivery delivery;
    AnalyticsSupport support;

    friend bool operator==(const ProductAnalytics&, const ProductAnalytics&) = default;
};

Json to_json(const AnalyticsFunnel& value);
Json to_json(const AnalyticsRevenue& value);
Json to_json(const AnalyticsRenewal& value);
Json to_json(const AnalyticsDelivery& value);
Json to_json(const AnalyticsSupport& value);
Json to_json(const ProductAnalytics& value);

}  // namespace hilt::models
