// Tests for shared/models/event.h: events, the error body and list pages.
#include <gtest/gtest.h>

#include "models/event.h"
#include "models/membership.h"
#include "support/fixtures.h"

namespace hilt::models {
namespace {

TEST(ErrorBody, IsBuiltFromAnErrorWithItsWireCodeAndField) {
    const ErrorBody body = make_error_body(
        fail(ErrorCode::OutOfRange, "must be an integer from 0 to 60", "membership_config.grace_period_days"),
        "req_01JDZ3M6W4XKQ8");
    const Json golden = Json::parse(hilt::test::read_fixture("models/error_body.json"), nullptr, false);
    EXPECT_EQ(to_json(body), golden);
}

TEST(ErrorBody, OmitsAnEmptyFieldAndRejectsUnknownCodes) {
    const ErrorBody body = make_error_body(fail(ErrorCode::NotFound, "No such product."), "req_1");
    EXPECT_EQ(dump(body), R"({"error":{"code":"not_found","message":"No such product.","request_id":"req_1"}})");
    auto unknown = parse<ErrorBody>(R"({"error":{"code":"teapot","message":"x","request_id":"r"}})");
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().code, ErrorCode::InvalidEnum);
    EXPECT_EQ(unknown.error().field, "error.code");
}

TEST(Event, DataMustBeAnObjectAndTypeAKnownEvent) {
    auto bad_type = parse<Event>(
        R"({"id":"evt_1","type":"payment.refunded","created_at":"2026-11-29T11:47:13Z","data":{}})");
    ASSERT_FALSE(bad_type);
    EXPECT_EQ(bad_type.error().field, "type");
    auto bad_data = parse<Event>(
        R"({"id":"evt_1","type":"payment.failed","created_at":"2026-11-29T11:47:13Z","data":[]})");
    ASSERT_FALSE(bad_data);
    EXPECT_EQ(bad_data.error().code, ErrorCode::WrongType);
    EXPECT_EQ(bad_data.error().field, "data");
}

TEST(ListPage, CarriesAtMostOneHundredItemsAndNamesTheBadOne) {
    const Json membership =
        Json::parse(hilt::test::read_fixture("models/membership.json"), nullptr, false);
    Json page = {{"data", Json::array()}, {"has_more", false}};
    for (std::size_t i = 0; i < kMaxListLimit; ++i) page["data"].push_back(membership);
    EXPECT_TRUE(parse<ListPage<Membership>>(dump_json(page)));
    page["data"].push_back(membership);
    auto too_many = parse<ListPage<Membership>>(dump_json(page));
    ASSERT_FALSE(too_many);
    EXPECT_EQ(too_many.error().code, ErrorCode::TooMany);
    page["data"].erase(page["data"].size() - 1);
    page["data"][7]["status"] = "PAUSED";
    auto bad = parse<ListPage<Membership>>(dump_json(page));
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().field, "data[7].status");
}

}  // namespace
}  // namespace hilt::models
