// Tests for shared/models/common.h: enum wire names, Timestamp text form, ids and slugs.
// Timestamp vectors were computed with Python's datetime (UTC).
#include <gtest/gtest.h>

#include "models/common.h"

namespace hilt::models {
namespace {

TEST(Enums, PrintTheExactWireNamesOfTheDocs) {
    EXPECT_EQ(to_string(PaymentStatus::PendingSignature), "PENDING_SIGNATURE");
    EXPECT_EQ(to_string(PaymentStatus::PendingConfirmation), "PENDING_CONFIRMATION");
    EXPECT_EQ(to_string(PaymentStatus::Confirmed), "CONFIRMED");
    EXPECT_EQ(to_string(PaymentStatus::Failed), "FAILED");
    EXPECT_EQ(to_string(FailureReason::Expired), "EXPIRED");
    EXPECT_EQ(to_string(DeliveryType::InviteLink), "INVITE_LINK");
    EXPECT_EQ(to_string(MembershipStatus::Grace), "GRACE");
    EXPECT_EQ(to_string(RenewalMode::OneOff), "ONE_OFF");
    EXPECT_EQ(to_string(ProductStatus::Archived), "ARCHIVED");
    EXPECT_EQ(to_string(ProductType::PaymentLink), "PAYMENT_LINK");
    EXPECT_EQ(to_string(IdentityType::TelegramUser), "TELEGRAM_USER");
    EXPECT_EQ(to_string(Platform::Discord), "DISCORD");
    EXPECT_EQ(to_string(CheckoutRoute::SolanaPayQr), "SOLANA_PAY_QR");
    EXPECT_EQ(to_string(Cluster::MainnetBeta), "mainnet-beta");
    EXPECT_EQ(to_string(EventType::SupportCaseCreated), "support.case_created");
}

TEST(Enums, ParseOnlyExactNamesAndRoundTripEveryValue) {
    EXPECT_EQ(parse_enum<DeliveryType>("REDIRECT").value(), DeliveryType::Redirect);
    for (const char* bad : {"redirect", "REDIRECT ", "", "Redirect", "REDIRECTS"}) {
        auto result = parse_enum<DeliveryType>(bad);
        ASSERT_FALSE(result) << bad;
        EXPECT_EQ(result.error().code, ErrorCode::InvalidEnum);
    }
    for (const auto& [value, wire] : EnumTraits<EventType>::kEntries) {
        EXPECT_EQ(parse_enum<EventType>(wire).value(), value);
    }
    EXPECT_TRUE(is_terminal(PaymentStatus::Confirmed));
    EXPECT_TRUE(is_terminal(PaymentStatus::Failed));
    EXPECT_FALSE(is_terminal(PaymentStatus::PendingConfirmation));
}

TEST(Timestamp, FormatsUtcWithAZ) {
    EXPECT_EQ(format_timestamp({0}), "1970-01-01T00:00:00Z");
    EXPECT_EQ(format_timestamp({1795953600}), "2026-11-29T12:00:00Z");
    EXPECT_EQ(format_timestamp({1835481599}), "2028-02-29T23:59:59Z");
    EXPECT_EQ(format_timestamp({951868800}), "2000-03-01T00:00:00Z");
    EXPECT_EQ(format_timestamp({253402300799}), "9999-12-31T23:59:59Z");
}

TEST(Timestamp, ParsesZFractionsAndZeroOffsets) {
    EXPECT_EQ(parse_timestamp("2026-11-29T12:00:00Z").value().unix_seconds, 1795953600);
    EXPECT_EQ(parse_timestamp("2026-11-29T12:00:00.999Z").value().unix_seconds, 1795953600);
    EXPECT_EQ(parse_timestamp("2026-11-29T12:00:00.123456789Z").value().unix_seconds, 1795953600);
    EXPECT_EQ(parse_timestamp("2026-11-29T12:00:00+00:00").value().unix_seconds, 1795953600);
    EXPECT_EQ(parse_timestamp("2026-11-29T12:00:00-00:00").value().unix_seconds, 1795953600);
    EXPECT_EQ(parse_timestamp("2028-02-29T23:59:59Z").value().unix_seconds, 1835481599);
    EXPECT_EQ(parse_timestamp("9999-12-31T23:59:59Z").value().unix_seconds, 253402300799);
}

TEST(Timestamp, RejectsEverythingElse) {
    for (const char* bad :
         {"", "2026-11-29", "2026-11-29 12:00:00Z", "2026-11-29T12:00:00", "2026-11-29t12:00:00z",
          "2026-02-29T12:00:00Z", "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z",
          "2026-11-29T24:00:00Z", "2026-11-29T12:60:00Z", "2026-11-29T12:00:60Z",
          "2026-11-29T12:00:00+01:00", "2026-11-29T12:00:00.Z", "2026-11-29T12:00:00.1234567890Z",
          "1969-12-31T23:59:59Z", "+2026-11-29T12:00:00Z", "2026-11-29T12:00:00Zjunk",
          "2026-1-29T12:00:00Z", "２026-11-29T12:00:00Z"}) {
        auto result = parse_timestamp(bad);
        ASSERT_FALSE(result) << bad;
        EXPECT_EQ(result.error().code, ErrorCode::InvalidTimestamp) << bad;
    }
}

TEST(Timestamp, RoundTripsEverySecondOfADayAndManyDays) {
    for (std::int64_t t = 1795910400; t < 1795910400 + 86400; t += 7) {
        ASSERT_EQ(parse_timestamp(format_timestamp({t})).value().unix_seconds, t);
    }
    for (std::int64_t day = 0; day < 2932897; day += 97) {  // up to 9999-12-31
        const std::int64_t t = day * 86400 + 43210;
        ASSERT_EQ(parse_timestamp(format_timestamp({t})).value().unix_seconds, t);
    }
}

TEST(Ids, RequireTheirPrefixAndAnAlphanumericBody) {
    EXPECT_TRUE(validate_id("pay_3Jx8NcV5rLq2Hd", kPaymentIdPrefix));
    for (const char* bad : {"pay_", "pay", "prod_3Jx8", "pay-3Jx8", "pay_3Jx 8", "pay_3Jx_8",
                            "PAY_3Jx8", "pay_é"}) {
        auto result = validate_id(bad, kPaymentIdPrefix);
        ASSERT_FALSE(result) << bad;
        EXPECT_EQ(result.error().code, ErrorCode::InvalidValue);
    }
    EXPECT_FALSE(validate_id("pay_" + std::string(kMaxIdBodyChars + 1, 'a'), kPaymentIdPrefix));
    EXPECT_TRUE(validate_id("pay_" + std::string(kMaxIdBodyChars, 'a'), kPaymentIdPrefix));
}

TEST(Slugs, AreLowercaseUrlSafeWords) {
    EXPECT_TRUE(validate_slug("alpha-traders-monthly-access-x7k2"));
    for (const char* bad : {"", "-a", "a-", "Alpha", "a_b", "a b", "a/b", "ä"}) {
        EXPECT_FALSE(validate_slug(bad)) << bad;
    }
}

}  // namespace
}  // namespace hilt::models
