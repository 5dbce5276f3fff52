#include "solana/pubkey.h"

#include <gtest/gtest.h>

#include <utility>

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

TEST(PublicKey, ProgramIdsDecodedByTheCompilerEqualTheRuntimeDecoding) {
    // pubkey.cpp decodes them at compile time with a decoder of its own; they must be what parse() reads.
    const std::pair<const PublicKey*, const char*> ids[] = {
        {&programs::kSystem, "11111111111111111111111111111111"},
        {&programs::kToken, "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"},
        {&programs::kToken2022, "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb"},
        {&programs::kAssociatedToken, "ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL"},
        {&programs::kMemo, "MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr"},
        {&programs::kMemoV1, "Memo1UhkJRfHyvLMcVucJwxXeuD728EqVDDwQDxFMNo"},
        {&programs::kComputeBudget, "ComputeBudget111111111111111111111111111111"},
        {&programs::kLighthouse, "L2TExMFKdjpN9kozasaurPirfHy9P8sbXoAN1qA3S95"},
    };
    for (const auto& [id, text] : ids) {
        const auto parsed = PublicKey::parse(text);
        ASSERT_TRUE(parsed) << text;
        EXPECT_EQ(*id, *parsed) << text;
        EXPECT_EQ(id->to_base58(), text);
    }
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
