#include <gtest/gtest.h>

#include <set>

#include "core/result.h"

namespace hilt {
namespace {

Result<int> parse_positive(int v) {
    if (v <= 0) return fail(ErrorCode::OutOfRange, "must be positive", "amount_minor_units");
    return v;
}

Status chain(int v) {
    HILT_TRY(parse_positive(v));
    return {};
}

TEST(Error, EveryCodeHasAUniqueSnakeCaseWireCodeThatRoundTrips) {
    std::set<std::string_view> seen;
    for (int i = 0; i <= static_cast<int>(ErrorCode::EndpointUnreachable); ++i) {  // the last code
        const auto code = static_cast<ErrorCode>(i);
        const auto wire = to_string(code);
        ASSERT_FALSE(wire.empty());
        for (char c : wire) EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') << wire;
        EXPECT_TRUE(seen.insert(wire).second) << "duplicate wire code " << wire;
        ErrorCode back{};
        ASSERT_TRUE(error_code_from_string(wire, back));
        EXPECT_EQ(back, code);
        EXPECT_GE(http_status(code), 400);
        EXPECT_LT(http_status(code), 600);
    }
}

TEST(Error, WireCodesNamedByTheApiContractMapToTheirStatuses) {
    EXPECT_EQ(to_string(ErrorCode::SessionExpired), "session_expired");
    EXPECT_EQ(http_status(ErrorCode::SessionExpired), 410);
    EXPECT_EQ(to_string(ErrorCode::IdempotencyMismatch), "idempotency_mismatch");
    EXPECT_EQ(http_status(ErrorCode::IdempotencyMismatch), 409);
    EXPECT_EQ(to_string(ErrorCode::HandoffInvalid), "handoff_invalid");
    EXPECT_EQ(http_status(ErrorCode::HandoffInvalid), 401);
    EXPECT_EQ(http_status(ErrorCode::RateLimited), 429);
    EXPECT_EQ(http_status(ErrorCode::PayloadTooLarge), 413);
    ErrorCode ignored{};
    EXPECT_FALSE(error_code_from_string("no_such_code", ignored));
}

TEST(Result, CarriesAValueOrANamedErrorWithItsFieldPath) {
    auto good = parse_positive(5);
    ASSERT_TRUE(good);
    EXPECT_EQ(*good, 5);

    auto bad = parse_positive(-1);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, ErrorCode::OutOfRange);
    EXPECT_EQ(bad.error().field, "amount_minor_units");
    EXPECT_EQ(describe(bad.error()), "out_of_range: must be positive (at amount_minor_units)");
    EXPECT_EQ(bad.value_or(7), 7);
}

TEST(Result, TryPropagatesTheFirstError) {
    EXPECT_TRUE(chain(1).ok());
    const auto failed = chain(0);
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.error().code, ErrorCode::OutOfRange);
}

TEST(Result, AtPrefixesFieldPaths) {
    EXPECT_EQ(at("membership_config", fail(ErrorCode::OutOfRange, "x", "grace_period_days")).field,
              "membership_config.grace_period_days");
    EXPECT_EQ(at("items", fail(ErrorCode::OutOfRange, "x", "[3]")).field, "items[3]");
    EXPECT_EQ(at("title", fail(ErrorCode::TooLong, "x")).field, "title");
}

}  // namespace
}  // namespace hilt
