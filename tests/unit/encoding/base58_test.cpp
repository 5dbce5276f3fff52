#include <gtest/gtest.h>

#include "encoding/base58.h"
#include "encoding/base64.h"

namespace hilt {
namespace {

TEST(Base58, PublicVectorsFromWeb3js) {
    // solana-phantom.md §6 V3
    Bytes three(32, 0);
    three[0] = 3;
    EXPECT_EQ(base58_encode(three), "CiDwVBFgWV9E5MvXWoLgnEgn2hK7rJikbvfWavzAQz3");
    EXPECT_EQ(base58_encode(Bytes(32, 0)), "11111111111111111111111111111111");
    auto decoded = base58_decode("1111111111111111111111111111BukQL");
    ASSERT_TRUE(decoded) << describe(decoded.error());
    EXPECT_EQ(base58_encode(*decoded), "1111111111111111111111111111BukQL");
    auto back = base58_decode("CiDwVBFgWV9E5MvXWoLgnEgn2hK7rJikbvfWavzAQz3");
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, three);
}

TEST(Base58, EmptyAndLeadingZerosRoundTrip) {
    EXPECT_EQ(base58_encode(Bytes{}), "");
    EXPECT_EQ(base58_encode(Bytes{0, 0, 1}), "112");
    auto d = base58_decode("112");
    ASSERT_TRUE(d);
    EXPECT_EQ(*d, (Bytes{0, 0, 1}));
    auto empty = base58_decode("");
    ASSERT_TRUE(empty);
    EXPECT_TRUE(empty->empty());
}

TEST(Base58, RejectsCharactersOutsideTheAlphabet) {
    for (const char* bad : {"0", "O", "I", "l", "abc+", "ab c", "é"}) {
        auto r = base58_decode(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().code, ErrorCode::InvalidBase58) << bad;
    }
}

TEST(Base58, ExactDecodeChecksTheLength) {
    auto r = base58_decode_exact("112", 32);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::InvalidLength);
    EXPECT_TRUE(base58_decode_exact("11111111111111111111111111111111", 32));
}

TEST(Base58, RejectsHugeInputsBeforeDoingQuadraticWork) {
    auto r = base58_decode(std::string(100000, '2'));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::TooLong);
}

TEST(Base64, Rfc4648Vectors) {
    const std::pair<const char*, const char*> vectors[] = {
        {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
    for (auto [plain, encoded] : vectors) {
        EXPECT_EQ(base64_encode(as_bytes(plain)), encoded);
        auto d = base64_decode(encoded);
        ASSERT_TRUE(d) << encoded;
        EXPECT_EQ(to_string(*d), plain);
    }
}

TEST(Base64, RejectsMalformedInput) {
    for (const char* bad : {"Zg=", "Zg", "Z===", "Zm9v!", "Zh==", "Zm9=v", " Zg=="}) {
        auto r = base64_decode(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().code, ErrorCode::InvalidBase64) << bad;
    }
}

TEST(Base64Url, HasNoPaddingAndTheUrlAlphabet) {
    const Bytes data{0xfb, 0xff, 0xfe};
    EXPECT_EQ(base64url_encode(data), "-__-");
    EXPECT_EQ(base64url_encode(Bytes{0xfb}), "-w");
    auto d = base64url_decode("-w");
    ASSERT_TRUE(d);
    EXPECT_EQ(*d, Bytes{0xfb});
    EXPECT_FALSE(base64url_decode("-w=="));
    EXPECT_FALSE(base64url_decode("+w"));
}

TEST(Hex, RoundTripsAndRejectsBadDigits) {
    EXPECT_EQ(hex_encode(Bytes{0x0c, 0xff}), "0cff");
    auto d = hex_decode("0CfF");
    ASSERT_TRUE(d);
    EXPECT_EQ(*d, (Bytes{0x0c, 0xff}));
    EXPECT_FALSE(hex_decode("0g"));
    EXPECT_FALSE(hex_decode("abc"));
}

}  // namespace
}  // namespace hilt
