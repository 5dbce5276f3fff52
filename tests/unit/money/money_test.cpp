// Tests for shared/money: asset table, exact decimal text, fee split.
// Expected values are hand-computed (or computed in Python) and the fee oracle uses 128-bit arithmetic
// in the test itself, independent of the split arithmetic under test.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include "money/money.h"

namespace hilt::money {
namespace {

__extension__ typedef __int128 Int128;

constexpr MinorUnits kInt64Max = std::numeric_limits<MinorUnits>::max();

MinorUnits oracle_fee(MinorUnits amount, std::uint32_t bps) {
    return static_cast<MinorUnits>(static_cast<Int128>(amount) * bps / 10000);
}

// Independent formatter: pad the integer's digits, insert the point, trim.
std::string oracle_format(MinorUnits amount, unsigned decimals, unsigned min_fraction) {
    std::string digits = std::to_string(amount);
    if (digits.size() <= decimals) digits.insert(0, decimals + 1 - digits.size(), '0');
    std::string whole = digits.substr(0, digits.size() - decimals);
    std::string fraction = digits.substr(digits.size() - decimals);
    const unsigned keep = std::min(min_fraction, decimals);
    while (fraction.size() > keep && fraction.back() == '0') fraction.pop_back();
    return fraction.empty() ? whole : whole + "." + fraction;
}

TEST(Assets, UsdcHasSixDecimalsAndTheCircleMints) {
    const Asset& asset = usdc();
    EXPECT_EQ(asset.symbol, "USDC");
    EXPECT_EQ(asset.decimals, 6);
    EXPECT_FALSE(asset.native);
    EXPECT_EQ(asset.mainnet_mint.to_base58(), "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v");
    EXPECT_EQ(asset.devnet_mint.to_base58(), "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU");
    EXPECT_EQ(asset.mint(Cluster::Devnet), asset.devnet_mint);
}

TEST(Assets, SolIsNativeWithNineDecimals) {
    const Asset& asset = sol();
    EXPECT_EQ(asset.symbol, "SOL");
    EXPECT_EQ(asset.decimals, 9);
    EXPECT_TRUE(asset.native);
    EXPECT_EQ(asset.mainnet_mint.to_base58(), "So11111111111111111111111111111111111111112");
}

TEST(Assets, LookupBySymbolIsExactAndCaseSensitive) {
    auto found = find_asset_by_symbol("USDC");
    ASSERT_TRUE(found) << describe(found.error());
    EXPECT_EQ(*found, &usdc());
    auto lower = find_asset_by_symbol("usdc");
    ASSERT_FALSE(lower);
    EXPECT_EQ(lower.error().code, ErrorCode::UnknownAsset);
    EXPECT_FALSE(find_asset_by_symbol(""));
    EXPECT_FALSE(find_asset_by_symbol("BONK"));
}

TEST(Assets, LookupByMintNamesTheCluster) {
    auto devnet = find_asset_by_mint(
        solana::PublicKey::parse("4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU").value());
    ASSERT_TRUE(devnet) << describe(devnet.error());
    EXPECT_EQ(devnet->asset, &usdc());
    EXPECT_EQ(devnet->cluster, Cluster::Devnet);
    auto mainnet = find_asset_by_mint(
        solana::PublicKey::parse("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v").value());
    ASSERT_TRUE(mainnet);
    EXPECT_EQ(mainnet->cluster, Cluster::Mainnet);
    auto wallet = find_asset_by_mint(
        solana::PublicKey::parse("mvines9iiHiQTysrwkJjGf2gb9Ex9jXJX8ns3qwf2kN").value());
    ASSERT_FALSE(wallet);
    EXPECT_EQ(wallet.error().code, ErrorCode::UnknownAsset);
}

TEST(FormatDecimal, CanonicalFormDropsTrailingZeros) {
    EXPECT_EQ(format_decimal(12340000, 6).value(), "12.34");
    EXPECT_EQ(format_decimal(12000000, 6).value(), "12");
    EXPECT_EQ(format_decimal(0, 6).value(), "0");
    EXPECT_EQ(format_decimal(1, 6).value(), "0.000001");
    EXPECT_EQ(format_decimal(1, 9).value(), "0.000000001");
    EXPECT_EQ(format_decimal(1500000000, 9).value(), "1.5");
    EXPECT_EQ(format_decimal(42, 0).value(), "42");
    EXPECT_EQ(format_decimal(9007199254740991, 6).value(), "9007199254.740991");
    EXPECT_EQ(format_decimal(kInt64Max, 18).value(), "9.223372036854775807");
}

TEST(FormatDisplay, ShowsAtLeastTwoDecimalsAndNeverRounds) {
    EXPECT_EQ(format_display(12000000, 6).value(), "12.00");
    EXPECT_EQ(format_display(12340000, 6).value(), "12.34");
    EXPECT_EQ(format_display(12300000, 6).value(), "12.30");
    EXPECT_EQ(format_display(12345678, 6).value(), "12.345678");
    EXPECT_EQ(format_display(0, 6).value(), "0.00");
    EXPECT_EQ(format_display(1, 9).value(), "0.000000001");
    EXPECT_EQ(format_display(42, 0).value(), "42");
    EXPECT_EQ(format_display(42, 1).value(), "4.2");
}

TEST(FormatDecimal, RejectsNegativeAmountsAndAbsurdDecimals) {
    auto negative = format_decimal(-1, 6);
    ASSERT_FALSE(negative);
    EXPECT_EQ(negative.error().code, ErrorCode::InvalidAmount);
    EXPECT_FALSE(format_display(std::numeric_limits<MinorUnits>::min(), 6));
    EXPECT_FALSE(format_decimal(1, 19));
}

TEST(FormatDecimal, AgreesWithAnIndependentFormatterOnRandomAmounts) {
    const std::uint64_t seed = 0x5eed0001;
    std::mt19937_64 rng(seed);
    for (int i = 0; i < 20000; ++i) {
        const auto amount = static_cast<MinorUnits>(rng() >> 1);
        const auto decimals = static_cast<std::uint8_t>(rng() % 19);
        ASSERT_EQ(format_decimal(amount, decimals).value(), oracle_format(amount, decimals, 0))
            << "seed " << seed << " amount " << amount << " decimals " << int(decimals);
        ASSERT_EQ(format_display(amount, decimals).value(), oracle_format(amount, decimals, 2))
            << "seed " << seed << " amount " << amount << " decimals " << int(decimals);
    }
}

TEST(ParseDecimal, ReadsExactDecimals) {
    EXPECT_EQ(parse_decimal("12.34", 6).value(), 12340000);
    EXPECT_EQ(parse_decimal("12", 6).value(), 12000000);
    EXPECT_EQ(parse_decimal("12.00", 6).value(), 12000000);
    EXPECT_EQ(parse_decimal("0", 6).value(), 0);
    EXPECT_EQ(parse_decimal("0.000001", 6).value(), 1);
    EXPECT_EQ(parse_decimal("0.000000001", 9).value(), 1);
    EXPECT_EQ(parse_decimal("42", 0).value(), 42);
    EXPECT_EQ(parse_decimal("9007199254.740991", 6).value(), 9007199254740991);
    EXPECT_EQ(parse_decimal("9007199254740991", 0).value(), 9007199254740991);
}

TEST(ParseDecimal, RejectsSignsExponentsWhitespaceAndOddShapes) {
    for (const char* text : {"", " 1", "1 ", "+1", "-1", "1e3", "1E3", ".5", "5.", "01", "00.5",
                             "1,5", "1..2", "1.2.3", "0x10", "inf", "NaN", "\xd9\xa1", "1\n",
                             "\t1", "1_000"}) {
        auto result = parse_decimal(text, 6);
        ASSERT_FALSE(result) << "accepted '" << text << "'";
        EXPECT_EQ(result.error().code, ErrorCode::InvalidAmount) << "'" << text << "'";
    }
}

TEST(ParseDecimal, RejectsMoreDecimalsThanTheAssetHasEvenZeros) {
    for (const char* text : {"1.2345678", "1.0000000", "0.0000001"}) {
        auto result = parse_decimal(text, 6);
        ASSERT_FALSE(result) << text;
        EXPECT_EQ(result.error().code, ErrorCode::TooManyDecimals) << text;
    }
    EXPECT_EQ(parse_decimal("1.5", 0).error().code, ErrorCode::TooManyDecimals);
}

TEST(ParseDecimal, RejectsAmountsAboveTwoToTheFiftyThreeMinusOne) {
    for (const char* text : {"9007199254.740992", "9007199255", "99999999999999999999",
                             "9223372036854775808", "100000000000000000000000000000000000000000"}) {
        auto result = parse_decimal(text, 6);
        ASSERT_FALSE(result) << text;
        EXPECT_EQ(result.error().code, ErrorCode::AmountOverflow) << text;
    }
    EXPECT_EQ(parse_decimal("9007199254740992", 0).error().code, ErrorCode::AmountOverflow);
}

TEST(ParseDecimal, RoundTripsBothTextFormsForRandomAmounts) {
    const std::uint64_t seed = 0x5eed0002;
    std::mt19937_64 rng(seed);
    for (int i = 0; i < 20000; ++i) {
        const auto amount = static_cast<MinorUnits>(rng() % (kMaxAmountMinorUnits + 1));
        const auto decimals = static_cast<std::uint8_t>(rng() % 10);
        const std::string canonical = format_decimal(amount, decimals).value();
        const std::string display = format_display(amount, decimals).value();
        ASSERT_EQ(parse_decimal(canonical, decimals).value(), amount) << "seed " << seed << " " << canonical;
        ASSERT_EQ(parse_decimal(display, decimals).value(), amount) << "seed " << seed << " " << display;
    }
}

TEST(SplitFee, MatchesHandComputedExamples) {
    EXPECT_EQ(split_fee(25000000, 100).value(), (FeeSplit{250000, 24750000}));
    EXPECT_EQ(split_fee(10000, 1).value(), (FeeSplit{1, 9999}));
    EXPECT_EQ(split_fee(9999, 1).value(), (FeeSplit{0, 9999}));
    EXPECT_EQ(split_fee(1, 9999).value(), (FeeSplit{0, 1}));
    EXPECT_EQ(split_fee(1, 10000).value(), (FeeSplit{1, 0}));
    EXPECT_EQ(split_fee(0, 250).value(), (FeeSplit{0, 0}));
    EXPECT_EQ(split_fee(12345, 0).value(), (FeeSplit{0, 12345}));
    // Python: 9223372036854775807 // 10000, and (9223372036854775807 * 9999) // 10000
    EXPECT_EQ(split_fee(kInt64Max, 1)->fee, 922337203685477);
    EXPECT_EQ(split_fee(kInt64Max, 9999)->fee, 9222449699651090329);
    EXPECT_EQ(split_fee(kInt64Max, 3333)->fee, 3074149899883696776);
    EXPECT_EQ(split_fee(kInt64Max, 10000)->fee, kInt64Max);
}

TEST(SplitFee, RejectsNegativeAmountsAndFeesAboveOneHundredPercent) {
    auto negative = split_fee(-1, 100);
    ASSERT_FALSE(negative);
    EXPECT_EQ(negative.error().code, ErrorCode::InvalidAmount);
    EXPECT_FALSE(split_fee(std::numeric_limits<MinorUnits>::min(), 100));
    auto too_big = split_fee(100, 10001);
    ASSERT_FALSE(too_big);
    EXPECT_EQ(too_big.error().code, ErrorCode::InvalidFeeBps);
    EXPECT_FALSE(split_fee(100, std::numeric_limits<std::uint32_t>::max()));
}

void expect_split_correct(MinorUnits amount, std::uint32_t bps) {
    auto split = split_fee(amount, bps);
    ASSERT_TRUE(split) << describe(split.error());
    ASSERT_EQ(split->fee, oracle_fee(amount, bps)) << "amount " << amount << " bps " << bps;
    ASSERT_EQ(split->fee + split->merchant_amount, amount) << "amount " << amount << " bps " << bps;
    ASSERT_GE(split->merchant_amount, 0);
}

TEST(SplitFee, IsExactAndSumsToTheAmountForEveryBpsOnSmallAmounts) {
    for (MinorUnits amount = 0; amount <= 300; ++amount) {
        for (std::uint32_t bps = 0; bps <= kMaxFeeBps; ++bps) expect_split_correct(amount, bps);
    }
}

TEST(SplitFee, IsExactOnContiguousRangesAroundMultiplesOfTenThousand) {
    const std::uint32_t bps_set[] = {0, 1, 2, 3, 7, 25, 50, 99, 100, 101, 250, 299, 1000, 3333, 5000,
                                     9999, 10000};
    const MinorUnits starts[] = {0, 9'990'000, kMaxAmountMinorUnits - 30'000, kInt64Max - 30'000};
    for (MinorUnits start : starts) {
        for (MinorUnits amount = start; amount <= start + 30'000 && amount >= 0; ++amount) {
            for (std::uint32_t bps : bps_set) expect_split_correct(amount, bps);
            if (amount == kInt64Max) break;
        }
    }
}

TEST(SplitFee, IsExactForRandomAmountsAcrossTheWholeInt64Range) {
    const std::uint64_t seed = 0x5eed0003;
    std::mt19937_64 rng(seed);
    for (int i = 0; i < 200000; ++i) {
        const int width = static_cast<int>(rng() % 63) + 1;  // spread over magnitudes
        const auto amount = static_cast<MinorUnits>(rng() >> (64 - width));
        const auto bps = static_cast<std::uint32_t>(rng() % (kMaxFeeBps + 1));
        SCOPED_TRACE("seed " + std::to_string(seed) + " iteration " + std::to_string(i));
        expect_split_correct(amount, bps);
    }
}

}  // namespace
}  // namespace hilt::money
