#include "encoding/url.h"

#include <gtest/gtest.h>

namespace hilt {
namespace {

// Expected encodings are what JavaScript's encodeURIComponent and URLSearchParams produce for the
// same input (ECMA-262 §19.2.6.5 and the WHATWG URL standard's urlencoded serializer).

TEST(PercentEncodeComponent, KeepsTheUnreservedSetOfEncodeUriComponent) {
    EXPECT_EQ(percent_encode_component("AZaz09-_.!~*'()"), "AZaz09-_.!~*'()");
    EXPECT_EQ(percent_encode_component("a b&c=d%e+f/g?h#i:j@k$l,m;n"),
              "a%20b%26c%3Dd%25e%2Bf%2Fg%3Fh%23i%3Aj%40k%24l%2Cm%3Bn");
}

TEST(PercentEncodeComponent, WritesUtf8BytesAsUppercaseEscapes) {
    EXPECT_EQ(percent_encode_component("é☉"), "%C3%A9%E2%98%89");
    EXPECT_EQ(percent_encode_component("https://example.com?query=param"),
              "https%3A%2F%2Fexample.com%3Fquery%3Dparam");
}

TEST(FormUrlencode, WritesSpaceAsPlusAndEscapesWhatUrlSearchParamsEscapes) {
    EXPECT_EQ(form_urlencode("Thanks for all the fish"), "Thanks+for+all+the+fish");
    EXPECT_EQ(form_urlencode("*-._"), "*-._");
    EXPECT_EQ(form_urlencode("!~'()"), "%21%7E%27%28%29");
    EXPECT_EQ(form_urlencode("a b&c=d%+é"), "a+b%26c%3Dd%25%2B%C3%A9");
}

TEST(PercentDecode, DecodesBothSpaceForms) {
    EXPECT_EQ(percent_decode("Thanks%20for+all", true).value(), "Thanks for all");
    EXPECT_EQ(percent_decode("Thanks%20for+all", false).value(), "Thanks for+all");
    EXPECT_EQ(percent_decode("%c3%A9", true).value(), "é");
}

TEST(PercentDecode, RejectsMalformedEscapes) {
    for (const char* text : {"%", "%4", "%zz", "abc%", "%4g", "%%41"}) {
        auto decoded = percent_decode(text, true);
        ASSERT_FALSE(decoded) << text;
        EXPECT_EQ(decoded.error().code, ErrorCode::InvalidUrl) << text;
    }
}

TEST(PercentDecode, RejectsInvalidUtf8AfterDecoding) {
    // a lone continuation byte, a truncated sequence, an overlong '/', a UTF-16 surrogate, >
    // U+10FFFF
    for (const char* text : {"%80", "%C3", "%C0%AF", "%ED%A0%80", "%F4%90%80%80", "%FF"}) {
        auto decoded = percent_decode(text, true);
        ASSERT_FALSE(decoded) << text;
        EXPECT_EQ(decoded.error().code, ErrorCode::InvalidUtf8) << text;
    }
}

TEST(PercentDecode, RejectsRawSpacesAndControlCharacters) {
    for (const std::string& text : {std::string("a b"), std::string("a\tb"), std::string("a\nb"),
                                    std::string("a\x7f"), std::string("a\0b", 3)}) {
        auto decoded = percent_decode(text, true);
        ASSERT_FALSE(decoded);
        EXPECT_EQ(decoded.error().code, ErrorCode::InvalidUrl);
    }
}

TEST(IsValidUtf8, AcceptsEveryPlaneAndRejectsBrokenSequences) {
    EXPECT_TRUE(is_valid_utf8(""));
    EXPECT_TRUE(is_valid_utf8("plain"));
    EXPECT_TRUE(is_valid_utf8("\xC3\xA9\xE2\x98\x89\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF"));
    EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));  // overlong
    EXPECT_FALSE(is_valid_utf8("\xF0\x9F\x98"));  // truncated
    EXPECT_FALSE(is_valid_utf8("\xF8\x88\x80\x80\x80"));
}

TEST(ParseQuery, KeepsOrderAndRepeatsAndSkipsEmptySegments) {
    auto params = parse_query("a=1&&reference=x&reference=y&flag&b=&=v&");
    ASSERT_TRUE(params) << describe(params.error());
    const QueryParams expected = {{"a", "1"},   {"reference", "x"}, {"reference", "y"},
                                  {"flag", ""}, {"b", ""},          {"", "v"}};
    EXPECT_EQ(*params, expected);
    EXPECT_EQ(count_param(*params, "reference"), 2u);
    EXPECT_EQ(find_param(*params, "reference"), "x");
    EXPECT_EQ(find_param(*params, "missing"), std::nullopt);
}

TEST(ParseQuery, SplitsOnTheFirstEqualsSignOnly) {
    auto params = parse_query("label=a=b%3Dc");
    ASSERT_TRUE(params);
    EXPECT_EQ(params->at(0).value, "a=b=c");
}

TEST(ParseQuery, NamesTheParameterWhoseValueIsBroken) {
    auto params = parse_query("label=ok&message=bad%zz");
    ASSERT_FALSE(params);
    EXPECT_EQ(params.error().code, ErrorCode::InvalidUrl);
    EXPECT_EQ(params.error().field, "message");
}

TEST(ParseQuery, RefusesMoreThanTheParameterLimit) {
    std::string query;
    for (std::size_t i = 0; i <= kMaxQueryParams; ++i) query += "a=1&";
    auto params = parse_query(query);
    ASSERT_FALSE(params);
    EXPECT_EQ(params.error().code, ErrorCode::InvalidUrl);
}

TEST(BuildQuery, RoundTripsThroughParseQuery) {
    const QueryParams params = {
        {"label", "Café & Co"}, {"message", "100% + tax = ?"}, {"memo", "#1"}};
    const std::string text = build_query(params);
    EXPECT_EQ(text, "label=Caf%C3%A9+%26+Co&message=100%25+%2B+tax+%3D+%3F&memo=%231");
    auto back = parse_query(text);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, params);
}

TEST(UrlQuery, TakesTheTextBetweenQuestionMarkAndFragment) {
    EXPECT_EQ(url_query("https://a.example/p?x=1&y=2#frag"), "x=1&y=2");
    EXPECT_EQ(url_query("https://a.example/p"), "");
    EXPECT_EQ(url_query("https://a.example/p#a?b"), "");
}

TEST(UrlScheme, LowerCasesAndValidatesTheScheme) {
    EXPECT_EQ(url_scheme("SOLANA:abc"), "solana");
    EXPECT_EQ(url_scheme("my-app+x.y://cb"), "my-app+x.y");
    EXPECT_EQ(url_scheme("1abc:x"), "");
    EXPECT_EQ(url_scheme("no scheme"), "");
    EXPECT_EQ(url_scheme(":x"), "");
}

TEST(IsHttpsUrl, AcceptsAbsoluteHttpsUrlsOnly) {
    EXPECT_TRUE(is_https_url("https://example.com"));
    EXPECT_TRUE(is_https_url("HTTPS://example.com:8443/a/b?c=d"));
    EXPECT_TRUE(is_https_url("https://[::1]:8443/x"));
    EXPECT_FALSE(is_https_url("http://example.com"));
    EXPECT_FALSE(is_https_url("https:example.com"));
    EXPECT_FALSE(is_https_url("https:///path"));
    EXPECT_FALSE(is_https_url("https://shop.example@evil.example/"));
    EXPECT_FALSE(is_https_url("https://example.com/a b"));
    EXPECT_FALSE(is_https_url("https://example.com/#frag"));
    EXPECT_FALSE(is_https_url("https://example.com\\@evil"));
    EXPECT_FALSE(is_https_url("https://example.com:port/"));
    EXPECT_FALSE(is_https_url("https://:443/"));
}

}  // namespace
}  // namespace hilt
