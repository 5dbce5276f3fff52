#include "solana/shortvec.h"

#include <gtest/gtest.h>

#include "solana_test_support.h"

namespace hilt::solana {
namespace {

using test::hex;

TEST(ShortVec, EncodesTheWeb3jsVectors) {
    // solana-phantom.md §2.1 (web3.js test/shortvec-encoding.test.ts)
    EXPECT_EQ(hex_encode(shortvec_encode(0)), "00");
    EXPECT_EQ(hex_encode(shortvec_encode(0x7f)), "7f");
    EXPECT_EQ(hex_encode(shortvec_encode(0x80)), "8001");
    EXPECT_EQ(hex_encode(shortvec_encode(0xff)), "ff01");
    EXPECT_EQ(hex_encode(shortvec_encode(0x100)), "8002");
    EXPECT_EQ(hex_encode(shortvec_encode(0x7fff)), "ffff01");
    EXPECT_EQ(hex_encode(shortvec_encode(0xffff)), "ffff03");
}

TEST(ShortVec, DecodesTheWeb3jsVectorsAndAdvancesTheOffset) {
    const struct {
        const char* bytes;
        std::uint16_t value;
    } cases[] = {{"00", 0},       {"7f", 0x7f},       {"8001", 0x80},    {"ff01", 0xff},
                 {"8002", 0x100}, {"ffff01", 0x7fff}, {"ffff03", 0xffff}};
    for (const auto& c : cases) {
        const Bytes data = hex(std::string(c.bytes) + "aa");  // a trailing byte stays unread
        std::size_t offset = 0;
        auto value = shortvec_decode(data, offset);
        ASSERT_TRUE(value) << c.bytes << ": " << describe(value.error());
        EXPECT_EQ(*value, c.value) << c.bytes;
        EXPECT_EQ(offset, data.size() - 1) << c.bytes;
    }
}

TEST(ShortVec, RoundTripsEveryU16) {
    for (std::uint32_t v = 0; v <= 0xffff; ++v) {
        const Bytes encoded = shortvec_encode(static_cast<std::uint16_t>(v));
        std::size_t offset = 0;
        auto decoded = shortvec_decode(encoded, offset);
        ASSERT_TRUE(decoded) << v;
        ASSERT_EQ(*decoded, v);
        ASSERT_EQ(offset, encoded.size());
    }
}

TEST(ShortVec, RejectsAliasedOverlongTruncatedAndOverflowingForms) {
    const char* bad[] = {
        "",          // empty
        "80",        // truncated
        "ff",        // truncated
        "8080",      // truncated after two bytes
        "8000",      // 0 in two bytes (aliased)
        "ff00",      // 0x7f in two bytes (aliased)
        "808000",    // aliased three-byte form
        "ffff04",    // 0x10000 > 0xffff
        "ffff7f",    // far above 0xffff
        "808080",    // third byte continues
        "80808001",  // four bytes
    };
    for (const char* text : bad) {
        const Bytes data = hex(text);
        std::size_t offset = 0;
        auto value = shortvec_decode(data, offset);
        ASSERT_FALSE(value) << "accepted " << text;
        EXPECT_EQ(value.error().code, ErrorCode::MalformedTransaction) << text;
        EXPECT_EQ(offset, 0u) << text;
    }
}

TEST(ShortVec, DecodesAtAnOffsetInsideABuffer) {
    const Bytes data = hex("0102ff01");
    std::size_t offset = 2;
    auto value = shortvec_decode(data, offset);
    ASSERT_TRUE(value);
    EXPECT_EQ(*value, 0xff);
    EXPECT_EQ(offset, 4u);
    auto past_end = shortvec_decode(data, offset);
    EXPECT_FALSE(past_end);
}

}  // namespace
}  // namespace hilt::solana
