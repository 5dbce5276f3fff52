#include "solanapay/transaction_request.h"

#include <gtest/gtest.h>

#include "encoding/base64.h"
#include "solanapay/solana_url.h"

namespace hilt::solanapay {
namespace {

// Vectors: anza-xyz/solana-pay SPEC.md / SPEC1.1.md transaction request examples,
// core/test/encodeURL.test.ts (solana-phantom.md §6 V7 encoder vector, V8 POST example).
constexpr const char* kMvines = "mvines9iiHiQTysrwkJjGf2gb9Ex9jXJX8ns3qwf2kN";
constexpr const char* kSpecTransaction =
    "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABAAECC4"
    "JMKqNp"
    "lIXybGb/"
    "GhK1ofdVWeuEjXnQor7gi0Y2hMcAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAQECAAAMAgAAAAAAAAAAAAAA";

void expect_url_rejected(const std::string& url, const std::string& field) {
    auto parsed = parse_transaction_request(url);
    ASSERT_FALSE(parsed) << "accepted: " << url;
    EXPECT_EQ(parsed.error().code, ErrorCode::InvalidSolanaPayUrl) << describe(parsed.error());
    EXPECT_EQ(parsed.error().field, field) << url << " -> " << describe(parsed.error());
}

// ---- URL ----

TEST(EncodeTransactionRequest, EncodesALinkWithAQueryAsTheV7EncoderVector) {
    const TransactionRequest request{"https://example.com?query=param", "label", "message"};
    EXPECT_EQ(encode_transaction_request(request).value(),
              "solana:https%3A%2F%2Fexample.com%3Fquery%3Dparam?label=label&message=message");
}

TEST(EncodeTransactionRequest, LeavesALinkWithoutQueryUnencoded) {
    EXPECT_EQ(encode_transaction_request({"https://example.com/solana-pay", "", ""}).value(),
              "solana:https://example.com/solana-pay");
    EXPECT_EQ(
        encode_transaction_request({"https://example.com/solana-pay", "Hilt shop", ""}).value(),
        "solana:https://example.com/solana-pay?label=Hilt+shop");
}

TEST(EncodeTransactionRequest, EncodesTheSpecExampleWithQueryParameters) {
    EXPECT_EQ(
        encode_transaction_request({"https://example.com/solana-pay?order=12345", "", ""}).value(),
        "solana:https%3A%2F%2Fexample.com%2Fsolana-pay%3Forder%3D12345");
}

TEST(EncodeTransactionRequest, EncodesALinkContainingPercentSoItDecodesBack) {
    const TransactionRequest request{"https://example.com/a%20b", "", ""};
    const std::string url = encode_transaction_request(request).value();
    EXPECT_EQ(url, "solana:https%3A%2F%2Fexample.com%2Fa%2520b");
    EXPECT_EQ(parse_transaction_request(url).value(), request);
}

TEST(EncodeTransactionRequest, RefusesLinksThatAreNotAbsoluteHttps) {
    for (const char* link :
         {"http://example.com/pay", "example.com/pay", "https://example.com/#x",
          "https://exa mple.com", "https://example.com/caf\xC3\xA9", "javascript:x"}) {
        auto url = encode_transaction_request({link, "", ""});
        ASSERT_FALSE(url) << link;
        EXPECT_EQ(url.error().field, "link");
        EXPECT_EQ(url.error().code, ErrorCode::InvalidSolanaPayUrl);
    }
    auto bad_label = encode_transaction_request({"https://example.com", "\xFF", ""});
    ASSERT_FALSE(bad_label);
    EXPECT_EQ(bad_label.error().field, "label");
    auto too_long = encode_transaction_request({"https://example.com", std::string(2100, 'a'), ""});
    ASSERT_FALSE(too_long);
    EXPECT_EQ(too_long.error().field, "url");
}

TEST(ParseTransactionRequest, ParsesTheSpecExamples) {
    auto plain = parse_transaction_request("solana:https://example.com/solana-pay");
    ASSERT_TRUE(plain) << describe(plain.error());
    EXPECT_EQ(plain->link, "https://example.com/solana-pay");
    EXPECT_EQ(plain->label, "");

    auto encoded =
        parse_transaction_request("solana:https%3A%2F%2Fexample.com%2Fsolana-pay%3Forder%3D12345");
    ASSERT_TRUE(encoded);
    EXPECT_EQ(encoded->link, "https://example.com/solana-pay?order=12345");

    auto v7 = parse_transaction_request(
        "solana:https%3A%2F%2Fexample.com%3Fquery%3Dparam?label=label&message=message");
    ASSERT_TRUE(v7);
    EXPECT_EQ(*v7, (TransactionRequest{"https://example.com?query=param", "label", "message"}));
}

TEST(ParseTransactionRequest, RoundTripsLabelsWithAwkwardCharacters) {
    const TransactionRequest request{"https://pay.hilt.example/v1/solana-pay/pay_123?x=1&y=2",
                                     "Café & Co = 100% +tax", "☉ thanks / ?#"};
    const std::string url = encode_transaction_request(request).value();
    EXPECT_EQ(parse_transaction_request(url).value(), request);
}

TEST(ParseTransactionRequest, RejectsMalformedLinks) {
    expect_url_rejected("solana:http%3A%2F%2Fexample.com", "link");  // not https
    expect_url_rejected("solana:ftp://example.com", "link");
    expect_url_rejected("solana:https%3A%2F%2Fexample.com%zz", "link");     // bad escape
    expect_url_rejected("solana:https%3A%2F%2Fexample.com%2F%C3", "link");  // not UTF-8
    expect_url_rejected("solana:https%3A%2F%2Fexa%20mple.com", "link");     // decodes to a space
    // decodes to non-ASCII, which encode_transaction_request cannot write back (found by tests/fuzz)
    expect_url_rejected("solana:https%3A%2F%2Fexample.com%2Fcaf%C3%A9", "link");
    expect_url_rejected(std::string("solana:") + kMvines, "link");          // a transfer request
    expect_url_rejected("solana:https://example.com?label=a&label=b", "label");
    expect_url_rejected("solana:https://example.com?message=a&message=b", "message");
    expect_url_rejected("solana:https://example.com#frag", "url");
    expect_url_rejected("eth:https://example.com", "url");
    expect_url_rejected("solana:https://example.com?label=" + std::string(2048, 'a'), "url");
}

// ---- JSON ----

TEST(TransactionRequestJson, ReadsAndWritesTheSpecGetResponse) {
    auto response =
        parse_get_response(R"({"label":"Michael Vines","icon":"https://example.com/icon.svg"})");
    ASSERT_TRUE(response) << describe(response.error());
    EXPECT_EQ(response->label, "Michael Vines");
    EXPECT_EQ(response->icon, "https://example.com/icon.svg");
    EXPECT_EQ(to_json(*response).value(),
              R"({"icon":"https://example.com/icon.svg","label":"Michael Vines"})");
    // SPEC1.1 adds fields such as paymentOptions: ignored.
    EXPECT_TRUE(parse_get_response(
        R"({"label":"Example Store","icon":"https://example.com/icon.svg","paymentOptions":[]})"));
}

TEST(TransactionRequestJson, RejectsBadGetResponses) {
    struct Case {
        const char* json;
        ErrorCode code;
        const char* field;
    };
    for (const Case& c :
         {Case{"", ErrorCode::InvalidJson, ""}, Case{"[]", ErrorCode::WrongType, ""},
          Case{R"({"icon":"https://e.example/i.png"})", ErrorCode::MissingField, "label"},
          Case{R"({"label":"","icon":"https://e.example/i.png"})", ErrorCode::MissingField,
               "label"},
          Case{R"({"label":7,"icon":"https://e.example/i.png"})", ErrorCode::WrongType, "label"},
          Case{R"({"label":"x"})", ErrorCode::MissingField, "icon"},
          Case{R"({"label":"x","icon":"/icon.svg"})", ErrorCode::InvalidUrl, "icon"},
          Case{R"({"label":"x","icon":"data:image/png;base64,AA"})", ErrorCode::InvalidUrl, "icon"},
          Case{R"({"label":"x","icon":{}})", ErrorCode::WrongType, "icon"}}) {
        auto response = parse_get_response(c.json);
        ASSERT_FALSE(response) << c.json;
        EXPECT_EQ(response.error().code, c.code) << c.json << " " << describe(response.error());
        EXPECT_EQ(response.error().field, c.field) << c.json;
    }
    EXPECT_FALSE(to_json(TransactionRequestGetResponse{"", "https://e.example/i.svg"}));
    EXPECT_FALSE(to_json(TransactionRequestGetResponse{"x", "ftp://e.example/i.svg"}));
}

TEST(TransactionRequestJson, ReadsAndWritesTheSpecPostBody) {
    auto body = parse_post_body(std::string(R"({"account":")") + kMvines + "\"}");
    ASSERT_TRUE(body) << describe(body.error());
    EXPECT_EQ(body->account.to_base58(), kMvines);
    EXPECT_EQ(to_json(*body), std::string(R"({"account":")") + kMvines + "\"}");

    auto bad_key = parse_post_body(R"({"account":"0xffff"})");
    ASSERT_FALSE(bad_key);
    EXPECT_EQ(bad_key.error().field, "account");
    EXPECT_EQ(parse_post_body(R"({})").error().code, ErrorCode::MissingField);
    EXPECT_EQ(parse_post_body(R"({"account":1})").error().code, ErrorCode::WrongType);
    EXPECT_EQ(parse_post_body("{\"account\":\"" + std::string(20000, '1') + "\"}").error().code,
              ErrorCode::PayloadTooLarge);
}

TEST(TransactionRequestJson, ReadsTheSpecPostResponseV8) {
    const std::string json =
        std::string(R"({"message":"Thanks for all the fish","transaction":")") + kSpecTransaction +
        "\"}";
    auto response = parse_post_response(json);
    ASSERT_TRUE(response) << describe(response.error());
    EXPECT_EQ(response->message, "Thanks for all the fish");
    EXPECT_EQ(response->redirect, "");
    // V8: one zero signature, header 01 00 01, keys [mvines, System], zero blockhash, one System
    // transfer.
    const Bytes& tx = response->transaction;
    ASSERT_EQ(tx.size(), 183u);
    EXPECT_EQ(tx[0], 1);
    EXPECT_EQ(hex_encode(ByteView(tx).subspan(65, 4)), "01000102");
    EXPECT_EQ(hex_encode(ByteView(tx).subspan(tx.size() - 18)),
              "01010200000c020000000000000000000000");
    EXPECT_EQ(to_json(*response).value(), json);
}

TEST(TransactionRequestJson, ReadsTheSpec11RedirectField) {
    const std::string json =
        std::string(R"({"message":"Thanks for all the fish","transaction":")") + kSpecTransaction +
        R"(",
"redirect": "https://example.com"})";
    auto response = parse_post_response(json);
    ASSERT_TRUE(response) << describe(response.error());
    EXPECT_EQ(response->redirect, "https://example.com");
}

TEST(TransactionRequestJson, RejectsBadPostResponses) {
    const std::string tx = kSpecTransaction;
    EXPECT_EQ(parse_post_response(R"({"message":"x"})").error().field, "transaction");
    EXPECT_EQ(parse_post_response(R"({"transaction":"not base64!"})").error().field, "transaction");
    EXPECT_EQ(parse_post_response(R"({"transaction":""})").error().field, "transaction");
    EXPECT_EQ(parse_post_response("{\"transaction\":\"" + base64_encode(Bytes(1233, 1)) + "\"}")
                  .error()
                  .code,
              ErrorCode::InvalidLength);
    EXPECT_EQ(parse_post_response("{\"transaction\":\"" + tx + "\",\"message\":5}").error().field,
              "message");
    EXPECT_EQ(
        parse_post_response("{\"transaction\":\"" + tx + "\",\"redirect\":\"http://a.example\"}")
            .error()
            .field,
        "redirect");
    EXPECT_EQ(parse_post_response("{\"transaction\":\"" + tx + "\",\"message\":\"" +
                                  std::string(kMaxTextBytes + 1, 'm') + "\"}")
                  .error()
                  .code,
              ErrorCode::TooLong);
    EXPECT_FALSE(to_json(TransactionRequestPostResponse{Bytes{}, "", ""}));
    EXPECT_FALSE(to_json(TransactionRequestPostResponse{Bytes(10, 0), "\xC3", ""}));
}

TEST(TransactionRequestJson, ReadsAndWritesErrorBodies) {
    EXPECT_EQ(parse_error_body(R"({"message":"Order expired"})").value().message, "Order expired");
    EXPECT_EQ(parse_error_body(R"({})").value().message, "");
    EXPECT_EQ(to_json(TransactionRequestErrorBody{"Order expired"}).value(),
              R"({"message":"Order expired"})");
    EXPECT_EQ(to_json(TransactionRequestErrorBody{""}).value(), "{}");
    EXPECT_EQ(parse_error_body("nope").error().code, ErrorCode::InvalidJson);
    EXPECT_FALSE(to_json(TransactionRequestErrorBody{"\xFF"}));
}

}  // namespace
}  // namespace hilt::solanapay
