// Tests for shared/models/product.h: create rules at their limits, PATCH semantics, the public projection.
#include <gtest/gtest.h>

#include "models/product.h"
#include "support/fixtures.h"

namespace hilt::models {
namespace {

Json request_json() {
    return Json::parse(hilt::test::read_fixture("models/product_request.json"), nullptr, false);
}

Result<ProductRequest> parse_request(const Json& json) { return parse<ProductRequest>(dump_json(json)); }

std::string repeat(std::string_view unit, std::size_t count) {
    std::string out;
    for (std::size_t i = 0; i < count; ++i) out += unit;
    return out;
}

TEST(ProductRequest, AcceptsEveryLimitExactlyAtItsBoundary) {
    Json json = request_json();
    json["title"] = repeat("\xe2\x80\x94", kMaxTitleChars);  // 120 em dashes, 360 bytes
    json["description"] = std::string(kMaxDescriptionChars, 'd');
    json["amount_minor_units"] = kMaxJsonInteger;
    json["membership_config"]["grace_period_days"] = kMaxGracePeriodDays;
    json["membership_config"]["billing_interval_days"] = kMaxBillingIntervalDays;
    json["metadata"] = Json::object();
    for (std::size_t i = 0; i < kMaxMetadataKeys - 1; ++i) json["metadata"]["k" + std::to_string(i)] = "v";
    json["metadata"][std::string(kMaxMetadataKeyChars, 'k')] = std::string(kMaxMetadataValueChars, 'v');
    auto result = parse_request(json);
    ASSERT_TRUE(result) << describe(result.error());
    EXPECT_EQ(result->amount_minor_units, kMaxJsonInteger);
    EXPECT_EQ(result->metadata->size(), kMaxMetadataKeys);
}

TEST(ProductRequest, TreatsNullOptionalFieldsAsAbsent) {
    Json json = request_json();
    json["description"] = nullptr;
    json["token_mint"] = nullptr;
    json["membership_config"] = nullptr;
    json["metadata"] = nullptr;
    auto result = parse_request(json);
    ASSERT_TRUE(result) << describe(result.error());
    EXPECT_FALSE(result->description);
    EXPECT_FALSE(result->token_mint);
    EXPECT_FALSE(result->membership_config);
}

TEST(ProductRequest, AcceptsOneOffMembershipWithoutAnInterval) {
    Json json = request_json();
    json["membership_config"] = {{"enabled", true}, {"platform", "TELEGRAM"},
                                 {"identity_type", "TELEGRAM_USER"}, {"renewal_mode", "ONE_OFF"}};
    EXPECT_TRUE(parse_request(json));
    json["membership_config"] = {{"enabled", false}};
    EXPECT_TRUE(parse_request(json));
}

TEST(ProductRequest, MinimalNoneDeliveryRequestHasNoDefaultsInvented) {
    auto result = parse<ProductRequest>(R"({"product_type":"PAYMENT_LINK","title":"Tip jar",
        "amount_minor_units":1000000,"merchant_wallet":"mvines9iiHiQTysrwkJjGf2gb9Ex9jXJX8ns3qwf2kN",
        "delivery_type":"NONE"})");
    ASSERT_TRUE(result) << describe(result.error());
    EXPECT_EQ(dump_json(to_json(*result)),
              R"({"amount_minor_units":1000000,"delivery_type":"NONE","merchant_wallet":"mvines9iiHiQTysrwkJjGf2gb9Ex9jXJX8ns3qwf2kN","product_type":"PAYMENT_LINK","title":"Tip jar"})");
}

Product stored_product() {
    auto product = parse<Product>(hilt::test::read_fixture("models/product.json"));
    EXPECT_TRUE(product) << describe(product.error());
    return product.value_or(Product{});
}

TEST(ProductUpdate, DistinguishesAbsentNullAndValue) {
    auto update = parse<ProductUpdate>(hilt::test::read_fixture("models/product_update.json"));
    ASSERT_TRUE(update) << describe(update.error());
    EXPECT_TRUE(update->title.has_value());
    EXPECT_TRUE(update->description.is_null());
    EXPECT_TRUE(update->membership_config.is_absent());
    EXPECT_TRUE(update->merchant_wallet.is_absent());
    EXPECT_EQ(*update->amount_minor_units.value, 19990000);
}

TEST(ProductUpdate, ApplyMergesReplacesMetadataAndClearsNulls) {
    auto update = parse<ProductUpdate>(hilt::test::read_fixture("models/product_update.json"));
    ASSERT_TRUE(update);
    const Product before = stored_product();
    auto after = apply_update(before, *update, Timestamp{1795953600});
    ASSERT_TRUE(after) << describe(after.error());
    EXPECT_EQ(after->title, "Alpha Traders \xe2\x80\x94 monthly access (new price)");
    EXPECT_FALSE(after->description);
    EXPECT_EQ(after->amount_minor_units, 19990000);
    EXPECT_EQ(after->delivery_type, DeliveryType::Redirect);
    EXPECT_EQ(after->metadata, (Metadata{{"campaign", "cyber-monday-2026"}}));
    EXPECT_EQ(after->membership_config, before.membership_config);
    EXPECT_EQ(after->merchant_wallet, before.merchant_wallet);
    EXPECT_EQ(after->product_id, before.product_id);
    EXPECT_EQ(after->created_at, before.created_at);
    EXPECT_EQ(after->updated_at, Timestamp{1795953600});
}

TEST(ProductUpdate, ApplyRechecksDeliveryAgainstTheMergedProduct) {
    auto update = parse<ProductUpdate>(R"({"delivery_type":"REDIRECT","delivery_value":null})");
    ASSERT_TRUE(update) << describe(update.error());
    auto after = apply_update(stored_product(), *update, Timestamp{1});
    ASSERT_FALSE(after);
    EXPECT_EQ(after.error().code, ErrorCode::MissingField);
    EXPECT_EQ(after.error().field, "delivery_value");

    // The fixture's INVITE_LINK value is an https URL, so switching to REDIRECT alone is fine.
    auto redirect = parse<ProductUpdate>(R"({"delivery_type":"REDIRECT"})");
    EXPECT_TRUE(apply_update(stored_product(), *redirect, Timestamp{1}));
    auto message = parse<ProductUpdate>(R"({"delivery_type":"NONE"})");
    auto none = apply_update(stored_product(), *message, Timestamp{1});
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().field, "delivery_value");
}

TEST(ProductUpdate, RefusesNullForFieldsThatCannotBeEmpty) {
    for (const char* key : {"title", "amount_minor_units", "token_mint", "merchant_wallet",
                            "delivery_type"}) {
        auto result = parse<ProductUpdate>(std::string(R"({")") + key + R"(":null})");
        ASSERT_FALSE(result) << key;
        EXPECT_EQ(result.error().code, ErrorCode::WrongType);
        EXPECT_EQ(result.error().field, key);
    }
    EXPECT_TRUE(parse<ProductUpdate>("{}"));
}

TEST(ProductUpdate, WritesClearedFieldsAsNullAndOmitsAbsentOnes) {
    ProductUpdate update;
    update.metadata = Update<Metadata>::clear();
    update.title = Update<std::string>::set("New");
    EXPECT_EQ(dump(update), R"({"metadata":null,"title":"New"})");
}

TEST(Product, MakeProductStartsActiveWithTheDefaultMint) {
    auto request = parse<ProductRequest>(R"({"product_type":"PAYMENT_LINK","title":"Tip jar",
        "amount_minor_units":1000000,"merchant_wallet":"mvines9iiHiQTysrwkJjGf2gb9Ex9jXJX8ns3qwf2kN",
        "delivery_type":"NONE"})");
    ASSERT_TRUE(request);
    const PublicKey usdc = PublicKey::parse("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v").value();
    const Product product = make_product(*request, "prod_abc", "tip-jar-a1b2",
                                         "https://pay.hilt.example/p/tip-jar-a1b2", Timestamp{10}, usdc);
    EXPECT_EQ(product.status, ProductStatus::Active);
    EXPECT_EQ(product.token_mint, usdc);
    EXPECT_TRUE(product.metadata.empty());
    EXPECT_EQ(dump_json(to_json(product)).find("\"metadata\":{}") != std::string::npos, true);
}

TEST(PublicCheckout, NeverCarriesDeliveryValueOrMetadata) {
    const Product product = stored_product();
    ASSERT_TRUE(product.delivery_value);
    ASSERT_FALSE(product.metadata.empty());
    CheckoutConfig config{CheckoutRoute::PhantomExtension, "USDC", {}};
    auto checkout = make_public_checkout(product, config);
    ASSERT_TRUE(checkout) << describe(checkout.error());
    const Json json = to_json(*checkout);
    EXPECT_FALSE(json.contains("delivery_value"));
    EXPECT_FALSE(json.contains("delivery_type"));
    EXPECT_FALSE(json.contains("metadata"));
    const std::string text = dump_json(json);
    EXPECT_EQ(text.find("discord.gg"), std::string::npos);
    EXPECT_EQ(text.find("cus_8841"), std::string::npos);
    EXPECT_EQ(checkout->asset_symbol, "USDC");
    EXPECT_EQ(checkout->decimals, 6);
    EXPECT_EQ(checkout->membership_grace_period_days, 3);
}

TEST(PublicCheckout, MatchesTheGoldenPayloadForTheGoldenProduct) {
    const Json golden =
        Json::parse(hilt::test::read_fixture("models/public_checkout.json"), nullptr, false);
    auto config = parse<CheckoutConfig>(dump_json(golden["checkout_config"]));
    ASSERT_TRUE(config) << describe(config.error());
    auto checkout = make_public_checkout(stored_product(), *config);
    ASSERT_TRUE(checkout);
    EXPECT_EQ(to_json(*checkout), golden);
}

}  // namespace
}  // namespace hilt::models
