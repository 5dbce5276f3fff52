// Tests for shared/models/support.h: support cases round-trip, and the request bodies of the
// support and delivery recovery routes are parsed strictly.
#include "models/support.h"

#include <gtest/gtest.h>

namespace hilt::models {
namespace {

SupportCase sample_case() {
    SupportCase value;
    value.case_id = "sup_7Hq2";
    value.payment_id = "pay_9xK1";
    value.product_id = "prod_3mN8";
    value.status = SupportCaseStatus::Closed;
    value.message = "The invite expired.\nCan you send another?";
    value.contact = "owl@example.com";
    value.resolution = "Sent.";
    value.created_at = Timestamp{1'800'000'000};
    value.closed_at = Timestamp{1'800'000'060};
    return value;
}

TEST(SupportCase, RoundTripsThroughItsJson) {
    const auto value = sample_case();
    const auto text = dump(value);
    EXPECT_EQ(text,
              R"({"case_id":"sup_7Hq2","closed_at":"2027-01-15T08:01:00Z",)"
              R"("contact":"owl@example.com","created_at":"2027-01-15T08:00:00Z",)"
              R"("message":"The invite expired.\nCan you send another?","payment_id":"pay_9xK1",)"
              R"("product_id":"prod_3mN8","resolution":"Sent.","status":"CLOSED"})");
    auto back = parse<SupportCase>(text);
    ASSERT_TRUE(back) << describe(back.error());
    EXPECT_EQ(*back, value);
}

TEST(SupportCase, OptionalFieldsAreOmittedWhenEmpty) {
    auto value = sample_case();
    value.status = SupportCaseStatus::Open;
    value.contact.reset();
    value.resolution.reset();
    value.closed_at.reset();
    const auto json = to_json(value);
    EXPECT_FALSE(json.contains("contact"));
    EXPECT_FALSE(json.contains("resolution"));
    EXPECT_FALSE(json.contains("closed_at"));
    EXPECT_EQ(
        to_json(SupportCaseSummary{"sup_1", SupportCaseStatus::Open, Timestamp{0}}),
        (Json{{"case_id", "sup_1"}, {"status", "OPEN"}, {"created_at", "1970-01-01T00:00:00Z"}}));
}

TEST(SupportCaseRequest, IsParsedStrictly) {
    auto ok = parse<SupportCaseRequest>(R"({"message":"hi","contact":"@owl"})");
    ASSERT_TRUE(ok) << describe(ok.error());
    EXPECT_EQ(*ok, (SupportCaseRequest{"hi", "@owl"}));
    const std::pair<const char*, ErrorCode> bad[] = {
        {R"({"message":"hi","status":"OPEN"})", ErrorCode::UnknownField},
        {R"({"message":""})", ErrorCode::TooShort},
        {R"({"message":1})", ErrorCode::WrongType},
        {R"({})", ErrorCode::MissingField},
        {R"({"message":"hi","contact":"a\tb"})", ErrorCode::InvalidValue},
    };
    for (const auto& [text, code] : bad) {
        auto parsed = parse<SupportCaseRequest>(text);
        ASSERT_FALSE(parsed) << text;
        EXPECT_EQ(parsed.error().code, code) << text << " " << describe(parsed.error());
    }
    auto too_long = parse<SupportCaseRequest>(dump_json(Json{{"message", std::string(2001, 'x')}}));
    ASSERT_FALSE(too_long);
    EXPECT_EQ(too_long.error().code, ErrorCode::TooLong);
}

TEST(DeliveryUpdateRequest, TakesExactlyOneOfItsTwoForms) {
    auto failed = parse<DeliveryUpdateRequest>(R"({"status":"FAILED","reason":"invite expired"})");
    ASSERT_TRUE(failed) << describe(failed.error());
    EXPECT_EQ(failed->status, DeliveryStatus::Failed);
    EXPECT_EQ(failed->reason, "invite expired");
    EXPECT_FALSE(failed->delivery_value);
    auto value = parse<DeliveryUpdateRequest>(R"({"delivery_value":"https://discord.gg/new"})");
    ASSERT_TRUE(value) << describe(value.error());
    EXPECT_EQ(value->delivery_value, "https://discord.gg/new");
    auto again = parse<DeliveryUpdateRequest>(dump(*value));
    ASSERT_TRUE(again) << describe(again.error());
    EXPECT_EQ(*again, *value);

    const struct {
        const char* text;
        ErrorCode code;
        const char* field;
    } bad[] = {
        {R"({})", ErrorCode::MissingField, "status"},
        {R"({"status":"DELIVERED"})", ErrorCode::InvalidValue, "status"},
        {R"({"status":"FAILED"})", ErrorCode::MissingField, "reason"},
        {R"({"status":"FAILED","reason":"x","delivery_value":"y"})", ErrorCode::InvalidValue,
         "status"},
        {R"({"reason":"x","delivery_value":"y"})", ErrorCode::InvalidValue, "reason"},
        {R"({"delivery_value":"y","note":"z"})", ErrorCode::UnknownField, "note"},
    };
    for (const auto& c : bad) {
        auto parsed = parse<DeliveryUpdateRequest>(c.text);
        ASSERT_FALSE(parsed) << c.text;
        EXPECT_EQ(parsed.error().code, c.code) << c.text << " " << describe(parsed.error());
        EXPECT_EQ(parsed.error().field, c.field) << c.text;
    }
}

}  // namespace
}  // namespace hilt::models
