// Tests for shared/models/json_reader: the raw-text gate, value readers and ObjectReader paths.
#include <gtest/gtest.h>

#include "models/checkout.h"
#include "models/json_reader.h"
#include "models/membership.h"

namespace hilt::models {
namespace {

Json j(std::string_view text) { return Json::parse(text, nullptr, false); }

TEST(Utf8, AcceptsWellFormedTextOfEveryLength) {
    EXPECT_TRUE(check_utf8("plain ascii"));
    EXPECT_TRUE(check_utf8("caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x92\xb8"));
    EXPECT_TRUE(check_utf8("\xf4\x8f\xbf\xbf"));  // U+10FFFF
    EXPECT_EQ(count_code_points("caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x92\xb8"), 8u);
}

TEST(Utf8, RejectsMalformedBytesAndNamesTheOffset) {
    struct Case {
        const char* text;
        std::size_t offset;
    };
    for (const Case& c : {Case{"ab\xff", 2}, Case{"\xc0\x80", 0}, Case{"a\xc1\x81", 1},
                          Case{"xx\xe0\x80\x80", 2}, Case{"\xed\xa0\x80", 0} /* surrogate */,
                          Case{"\xf4\x90\x80\x80", 0} /* > U+10FFFF */, Case{"abc\xe2\x82", 3},
                          Case{"\x80", 0}, Case{"ok\xf0\x9f\x92", 2}, Case{"\xf5\x80\x80\x80", 0}}) {
        auto result = check_utf8(c.text);
        ASSERT_FALSE(result) << c.text;
        EXPECT_EQ(result.error().code, ErrorCode::InvalidUtf8);
        EXPECT_NE(result.error().message.find("offset " + std::to_string(c.offset)), std::string::npos)
            << result.error().message;
    }
}

TEST(ParseJsonText, CapsSizeAndNestingBeforeParsing) {
    auto big = parse_json_text(std::string(kMaxJsonTextBytes + 1, ' '));
    ASSERT_FALSE(big);
    EXPECT_EQ(big.error().code, ErrorCode::PayloadTooLarge);
    auto deep = parse_json_text(std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']'));
    ASSERT_FALSE(deep);
    EXPECT_EQ(deep.error().code, ErrorCode::InvalidJson);
    EXPECT_TRUE(parse_json_text(std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']')));
    // Brackets inside strings do not count.
    EXPECT_TRUE(parse_json_text("{\"a\":\"" + std::string(100, '[') + "\\\"\"}"));
    EXPECT_EQ(parse_json_text("{").error().code, ErrorCode::InvalidJson);
    EXPECT_EQ(parse_json_text("{\"a\":1} x").error().code, ErrorCode::InvalidJson);
    EXPECT_EQ(parse_json_text("{\"a\":\"\\ud800\"}").error().code, ErrorCode::InvalidJson);
}

TEST(ReadInteger, AcceptsOnlyIntegerLiteralsInTheSigned53BitRange) {
    EXPECT_EQ(read_integer(j("9007199254740991"), 0, kMaxJsonInteger).value(), kMaxJsonInteger);
    EXPECT_EQ(read_integer(j("-9007199254740991"), -kMaxJsonInteger, 0).value(), -kMaxJsonInteger);
    struct Case {
        const char* text;
        ErrorCode code;
    };
    for (const Case& c : {Case{"1.0", ErrorCode::WrongType}, Case{"1e3", ErrorCode::WrongType},
                          Case{"-0.5", ErrorCode::WrongType}, Case{"\"5\"", ErrorCode::WrongType},
                          Case{"true", ErrorCode::WrongType}, Case{"null", ErrorCode::WrongType},
                          Case{"9007199254740992", ErrorCode::OutOfRange},
                          Case{"-9007199254740992", ErrorCode::OutOfRange},
                          Case{"18446744073709551615", ErrorCode::OutOfRange},
                          Case{"18446744073709551616", ErrorCode::OutOfRange},
                          Case{"-9223372036854775809", ErrorCode::OutOfRange},
                          Case{"1e300", ErrorCode::OutOfRange}}) {
        auto result = read_integer(j(c.text), -kMaxJsonInteger, kMaxJsonInteger);
        ASSERT_FALSE(result) << c.text;
        EXPECT_EQ(result.error().code, c.code) << c.text << ": " << describe(result.error());
    }
    EXPECT_EQ(read_integer(j("61"), 0, 60).error().code, ErrorCode::OutOfRange);
}

TEST(ReadText, CountsCodePointsAndRejectsControlCharacters) {
    const TextRule rule{.min_chars = 1, .max_chars = 3};
    EXPECT_TRUE(read_text(Json("\xc3\xa9\xc3\xa9\xc3\xa9"), rule));  // 3 code points, 6 bytes
    EXPECT_EQ(read_text(Json("abcd"), rule).error().code, ErrorCode::TooLong);
    EXPECT_EQ(read_text(Json(""), rule).error().code, ErrorCode::TooShort);
    EXPECT_EQ(read_text(Json("a\nb"), rule).error().code, ErrorCode::InvalidValue);
    EXPECT_TRUE(read_text(Json("a\nb"), {.max_chars = 3, .multi_line = true}));
    EXPECT_EQ(read_text(Json(std::string("a\0b", 3)), rule).error().code, ErrorCode::InvalidValue);
    EXPECT_EQ(read_text(Json("ab\xff"), rule).error().code, ErrorCode::InvalidUtf8);
    EXPECT_EQ(read_text(Json(3), rule).error().code, ErrorCode::WrongType);
}

TEST(HttpsUrls, NeedHttpsAPlainHostAndNoSpaces) {
    EXPECT_TRUE(validate_https_url("https://discord.gg/alpha-traders"));
    EXPECT_TRUE(validate_https_url("https://shop.example:8443/a?b=c#d"));
    for (const char* bad : {"http://shop.example/", "https://", "https:///path", "ftp://x",
                            "https://shop.example/a b", "https://user@shop.example/",
                            "https://shop.exämple/", "javascript:alert(1)", "HTTPS://shop.example"}) {
        EXPECT_FALSE(validate_https_url(bad)) << bad;
    }
    EXPECT_EQ(validate_https_url("https://a.example/" + std::string(kMaxUrlBytes, 'a')).error().code,
              ErrorCode::TooLong);
}

TEST(ObjectReader, ComposesFieldPathsThroughObjectsAndArrays) {
    auto result = parse<CheckoutConfig>(
        R"({"default_route":"PHANTOM_EXTENSION","payment_asset":"USDC","identity_connect":[
            {"platform":"DISCORD","identity_type":"DISCORD_USER","label":"Connect","url":"https://discord.com/x"},
            {"platform":"DISCORD","identity_type":"DISCORD_USER","label":"Connect","url":"http://x"}]})");
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, ErrorCode::InvalidUrl);
    EXPECT_EQ(result.error().field, "identity_connect[1].url");
}

TEST(ObjectReader, ReportsTheFirstErrorInReadOrderThenUnknownFields) {
    auto result = parse<BroadcastResponse>(R"({"zzz":1,"status":"NOPE"})");
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, ErrorCode::MissingField);
    EXPECT_EQ(result.error().field, "payment_id");
    auto unknown = parse<TransactionRequest>(
        R"({"buyer_wallet":"mvines9iiHiQTysrwkJjGf2gb9Ex9jXJX8ns3qwf2kN","status":"CONFIRMED"})");
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().code, ErrorCode::UnknownField);
    EXPECT_EQ(unknown.error().field, "status");
}

TEST(DumpJson, NeverThrowsOnInvalidUtf8) {
    const Json value = {{"bad", std::string("ab\xff")}};
    EXPECT_EQ(dump_json(value), "{\"bad\":\"ab\xef\xbf\xbd\"}");
}

}  // namespace
}  // namespace hilt::models

namespace hilt::models {
namespace {

// Found by tests/fuzz/request_bodies: an optional bool was written through to_wire(std::int64_t), as 0.
TEST(Writers, WriteAnOptionalBoolAsABoolThatParsesBack) {
    const MembershipCancelRequest request{false};
    EXPECT_EQ(dump(request), R"({"at_period_end":false})");
    auto back = parse<MembershipCancelRequest>(dump(request));
    ASSERT_TRUE(back) << describe(back.error());
    EXPECT_EQ(*back, request);
}

TEST(ServiceUrl, AcceptsHttpsAndPlainHttpOnlyOnLoopbackHosts) {
    for (const char* good : {"https://pay.hilt.example/p/x", "http://127.0.0.1:8080/p/alpha-1",
                             "http://localhost/p/x", "http://[::1]:9000/p/x"}) {
        EXPECT_TRUE(validate_service_url(good).ok()) << good;
    }
    for (const char* bad : {"http://example.com/p/x", "http://127.0.0.1.evil.example/p", "http://localhostx/p",
                            "ftp://127.0.0.1/p", "http://127.0.0.1@evil.example/", "http://"}) {
        auto status = validate_service_url(bad);
        EXPECT_FALSE(status.ok()) << bad;
    }
}

}  // namespace
}  // namespace hilt::models
