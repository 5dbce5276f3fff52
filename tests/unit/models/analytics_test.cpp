// Tests for shared/models/analytics.h: the rates' rounding and the response's JSON shape.
#include <gtest/gtest.h>

#include "models/analytics.h"

namespace hilt::models {
namespace {

TEST(AnalyticsRate, RoundsHalfUpToFourDecimalsAndIsZeroWithoutADenominator) {
    EXPECT_EQ(scaled_rate(2, 3), 6'667);
    EXPECT_EQ(scaled_rate(1, 3), 3'333);
    EXPECT_EQ(scaled_rate(1, 20'000), 1);  // 0.00005 rounds up
    EXPECT_EQ(scaled_rate(1, 20'001), 0);
    EXPECT_EQ(scaled_rate(3, 3), kRateScale);
    EXPECT_EQ(scaled_rate(0, 5), 0);
    EXPECT_EQ(scaled_rate(5, 0), 0);
    EXPECT_EQ(scaled_rate(kMaxJsonInteger / (2 * kRateScale), kMaxJsonInteger / (2 * kRateScale)), kRateScale);
}

TEST(ProductAnalytics, WritesEveryPartAmountsAsIntegersAndRatesAsNumbers) {
    ProductAnalytics value;
    value.product_id = "prod_abc";
    value.to = Timestamp{1'800'000'000};
    value.funnel.sessions_started = 3;
    value.funnel.confirmed = 2;
    value.funnel.conversion = scaled_rate(2, 3);
    AnalyticsRevenue revenue;
    revenue.asset_symbol = "USDC";
    revenue.decimals = 6;
    revenue.payments = 2;
    revenue.gross_minor_units = 25'000'000;
    revenue.fees_minor_units = 250'000;
    revenue.net_minor_units = 24'750'000;
    value.revenue.push_back(revenue);
    const auto json = to_json(value);
    EXPECT_FALSE(json.contains("from"));
    EXPECT_EQ(json["to"], "2027-01-15T08:00:00Z");
    EXPECT_EQ(dump_json(json["funnel"]["conversion"]), "0.6667");
    EXPECT_TRUE(json["funnel"]["view_to_payment"].is_number_float());
    EXPECT_EQ(json["revenue"][0]["net_minor_units"], 24'750'000);
    EXPECT_TRUE(json["revenue"][0]["gross_minor_units"].is_number_integer());
    for (const char* part : {"funnel", "renewal", "delivery", "support"}) EXPECT_TRUE(json[part].is_object()) << part;
    value.from = Timestamp{1'799'996'400};
    EXPECT_EQ(to_json(value)["from"], "2027-01-15T07:00:00Z");
}

}  // namespace
}  // namespace hilt::models
