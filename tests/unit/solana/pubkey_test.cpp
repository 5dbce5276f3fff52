#include "solana/pubkey.h"

#include <gtest/gtest.h>

#include "encoding/base64.h"

namespace hilt::solana {
namespace {

TEST(PublicKey, ProgramIdsHaveTheDocumentedLeadingBytes) {
    // solana-phantom.md §3.1
    EXPECT_TRUE(programs::kSystem.is_zero());
    EXPECT_EQ(hex_encode(ByteView(programs::kToken.bytes).first(8)), "06ddf6e1d765a193");
    EXPECT_EQ(hex_encode(ByteView(programs::kToken2022.bytes).first(8)), "06ddf6e1ee758fde");
    EXPECT_EQ(hex_encode(ByteView(programs::kAssociatedToken.bytes).first(8)), "8c97258f4e2489f1");
    EXPECT_EQ(hex_encode(ByteView(programs::kMemo.bytes).first(8)), "054a535a99292106");
    EXPECT_EQ(hex_encode(ByteView(programs::kComputeBudget.bytes).first(8)), "0306466fe5211732");
}

TEST(PublicKey, ParseRoundTripsAndRejectsWrongLengths) {
    auto key = PublicKey::parse("mvines9iiHiQTysrwkJjGf2gb9Ex9jXJX8ns3qwf2kN");
    ASSERT_TRUE(key);
    EXPECT_EQ(key->to_base58(), "mvines9iiHiQTysrwkJjGf2gb9Ex9jXJX8ns3qwf2kN");

    auto short_key = PublicKey::parse("112");
    ASSERT_FALSE(short_key);
    EXPECT_EQ(short_key.error().code, ErrorCode::InvalidLength);
    auto bad = PublicKey::parse("0xffff");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, ErrorCode::InvalidBase58);
    EXPECT_FALSE(PublicKey::parse(std::string(200, 'z')));
}

}  // namespace
}  // namespace hilt::solana
