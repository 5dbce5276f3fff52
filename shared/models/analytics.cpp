// shared/models/analytics.cpp: analytics JSON (see analytics.h).
#include "models/analytics.h"

namespace hilt::models {

std::int64_t scaled_rate(std::int64_t numerator, std::int64_t denominator) {
    if (denominator <= 0 || numerator <= 0) return 0;
    // Counts stay far below 2^53, so numerator * 2 * kRateScale cannot overflow.
    return (numerator * 2 * kRateScale + denominator) / (2 * denominator);
}

namespace {
Json rate(std::int64_t scaled) { return static_cast<double>(scaled) / static_cast<double>(kRateScale); }
}  // namespace

Json to_json(const AnalyticsFunnel& value) {
    return {{"payload_views", value.payload_views},
            {"sessions_started", value.sessions_started},
            {"transactions_built", value.transactions_built},
            {"broadcasts", value.broadcasts},
            {"confirmed", value.confirmed},
            {"failed", value.failed},
            {"expired", value.expired},
            {"pending", value.pending},
            {"conversion", rate(value.conversion)},
            {"view_to_payment", rate(value.view_to_payment)}};
}

Json to_json(const AnalyticsRevenue& value) {
    return {{"token_mint", to_wire(value.token_mint)},
            {"asset_symbol", value.asset_symbol},
            {"decimals", value.decimals},
            {"payments", value.payments},
            {"gross_minor_units", value.gross_minor_units},
            {"fees_minor_units", value.fees_minor_units},
            {"net_minor_units", value.net_minor_units},
            {"fee_outstanding_minor_units", value.fee_outstanding_minor_units},
            {"overpaid_minor_units", value.overpaid_minor_units}};
}

Json to_json(const AnalyticsRenewal& value) {
    return {{"active", value.active},
            {"renewed", value.renewed},
            {"in_grace", value.in_grace},
            {"lapsed", value.lapsed}};
}

Json to_json(const AnalyticsDelivery& value) {
    return {{"delivered", value.delivered},
            {"failed", value.failed},
            {"pending", value.pending},
            {"not_required", value.not_required}};
}

Json to_json(const AnalyticsSupport& value) {
    return {{"cases_opened", value.cases_opened}, {"open_now", value.open_now}};
}

Json to_json(const ProductAnalytics& value) {
    Json json = {{"product_id", value.product_id},
                 {"to", to_wire(value.to)},
                 {"funnel", to_json(value.funnel)},
                 {"revenue", to_wire(value.revenue)},
                 {"renewal", to_json(value.renewal)},
                 {"delivery", to_json(value.delivery)},
                 {"support", to_json(value.support)}};
    put_optional(json, "from", value.from);
    return json;
}

}  // namespace hilt::models
