#include "solanapay/transfer_request.h"

#include <gtest/gtest.h>

#include "solanapay/solana_url.h"

namespace hilt::solanapay {
namespace {

// Vectors: anza-xyz/solana-pay core/test/parseURL.test.ts and encodeURL.test.ts (solana-phantom.md
// §6 V7), SPEC.md examples. Encoded forms follow URLSearchParams (a space is '+'), as @solana/pay
// 0.2.x writes.
constexpr const char* kMvines = "mvines9iiHiQTysrwkJjGf2gb9Ex9jXJX8ns3qwf2kN";
constexpr const char* kRef = "82ZJ7nbGpixjeDCmEhUcmwXYfvurzAgGdtSMuHnUgyny";
constexpr const char* kUsdc = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v";

solana::PublicKey key(const char* base58) { return solana::PublicKey::parse(base58).value(); }

std::string with_query(const std::string& query) {
    return std::string("solana:") + kMvines + "?" + query;
}

void expect_rejected(const std::string& url, const std::string& field,
                     std::optional<std::uint8_t> decimals = std::nullopt) {
    auto parsed = parse_transfer_request(url, decimals);
    ASSERT_FALSE(parsed) << "accepted: " << url;
    EXPECT_EQ(parsed.error().code, ErrorCode::InvalidSolanaPayUrl) << describe(parsed.error());
    EXPECT_EQ(parsed.error().field, field) << url << " -> " << describe(parsed.error());
}

// ---- amounts ----

TEST(FormatAmount, WritesWhatBigNumberToFixedWrites) {
    EXPECT_EQ(format_amount({0, 9}), "0");
    EXPECT_EQ(format_amount({1, 9}), "0.000000001");
    EXPECT_EQ(format_amount({1500000, 6}), "1.5");
    EXPECT_EQ(format_amount({100000123456, 6}), "100000.123456");
    EXPECT_EQ(format_amount({100, 0}), "100");
    EXPECT_EQ(format_amount({100, 2}), "1");
    EXPECT_EQ(format_amount({~std::uint64_t{0}, 0}), "18446744073709551615");
    EXPECT_EQ(format_amount({~std::uint64_t{0}, 19}), "1.8446744073709551615");
    EXPECT_EQ(format_amount({5, 19}), "0.0000000000000000005");
}

TEST(ParseAmount, ConvertsExactlyToMinorUnits) {
    EXPECT_EQ(parse_amount("0.000000001", 9).value(), (TokenAmount{1, 9}));
    EXPECT_EQ(parse_amount("1.01", 6).value(), (TokenAmount{1010000, 6}));
    EXPECT_EQ(parse_amount("1", 9).value(), (TokenAmount{1000000000, 9}));
    EXPECT_EQ(parse_amount("0", 0).value(), (TokenAmount{0, 0}));
    EXPECT_EQ(parse_amount("007.50", 2).value(), (TokenAmount{750, 2}));
    // Without known decimals the digits are kept as written.
    EXPECT_EQ(parse_amount("1.50", std::nullopt).value(), (TokenAmount{150, 2}));
    EXPECT_EQ(parse_amount("18446744073709551615", 0).value(), (TokenAmount{~std::uint64_t{0}, 0}));
    EXPECT_EQ(parse_amount("1844674407.3709551615", 10).value(),
              (TokenAmount{~std::uint64_t{0}, 10}));
}

TEST(ParseAmount, RejectsEverythingButDigitsAndOneDot) {
    for (const char* text : {"", "1milliondollars", "-0.1", "-100", "+1", "1.", ".5", "1e9", "1,5",
                             " 1", "0x10", "1.2.3", "NaN", "Infinity", "١"}) {
        auto amount = parse_amount(text, 9);
        ASSERT_FALSE(amount) << text;
        EXPECT_EQ(amount.error().code, ErrorCode::InvalidAmount) << text;
    }
}

TEST(ParseAmount, RejectsMoreDecimalsThanTheAssetHasEvenIfZero) {
    EXPECT_EQ(parse_amount("0.0000000001", 9).error().code, ErrorCode::TooManyDecimals);
    EXPECT_EQ(parse_amount("1.0", 0).error().code, ErrorCode::TooManyDecimals);
    EXPECT_EQ(parse_amount("0.00000000000000000001", std::nullopt).error().code,
              ErrorCode::TooManyDecimals);
}

TEST(ParseAmount, RejectsAmountsBeyondU64MinorUnits) {
    EXPECT_EQ(parse_amount("18446744073709551616", 0).error().code, ErrorCode::AmountOverflow);
    EXPECT_EQ(parse_amount("18446744074", 9).error().code, ErrorCode::AmountOverflow);
    EXPECT_EQ(parse_amount(std::string(400, '9'), 0).error().code, ErrorCode::AmountOverflow);
}

TEST(RescaleAmount, AddsZerosOrDropsOnlyZeros) {
    EXPECT_EQ(rescale_amount({15, 1}, 6).value(), (TokenAmount{1500000, 6}));
    EXPECT_EQ(rescale_amount({1500000, 6}, 1).value(), (TokenAmount{15, 1}));
    EXPECT_EQ(rescale_amount({1500001, 6}, 1).error().code, ErrorCode::TooManyDecimals);
    EXPECT_EQ(rescale_amount({~std::uint64_t{0}, 0}, 1).error().code, ErrorCode::AmountOverflow);
}

// ---- parsing (parseURL.test.ts) ----

TEST(ParseTransferRequest, ParsesTheParseUrlTestVector) {
    const std::string url =
        with_query(std::string("amount=0.000000001&reference=") + kRef +
                   "&label=Michael&message=Thanks%20for%20all%20the%20fish&memo="
                   "OrderId5678");
    auto request = parse_transfer_request(url);
    ASSERT_TRUE(request) << describe(request.error());
    EXPECT_EQ(request->recipient, key(kMvines));
    EXPECT_EQ(request->amount, (TokenAmount{1, 9}));
    EXPECT_FALSE(request->spl_token);
    ASSERT_EQ(request->references.size(), 1u);
    EXPECT_EQ(request->references[0], key(kRef));
    EXPECT_EQ(request->label, "Michael");
    EXPECT_EQ(request->message, "Thanks for all the fish");
    EXPECT_EQ(request->memo, "OrderId5678");
    EXPECT_EQ(request->redirect, "");
}

TEST(ParseTransferRequest, ParsesSplTokenWithAndWithoutKnownDecimals) {
    const std::string url =
        with_query(std::string("amount=1.01&spl-token=") + kRef +
                   "&label=Michael&message=Thanks%20for%20all%20the%20fish&memo="
                   "OrderId5678");
    auto as_written = parse_transfer_request(url);
    ASSERT_TRUE(as_written) << describe(as_written.error());
    EXPECT_EQ(as_written->spl_token, key(kRef));
    EXPECT_EQ(as_written->amount, (TokenAmount{101, 2}));
    EXPECT_TRUE(as_written->references.empty());

    auto usdc = parse_transfer_request(url, 6);
    ASSERT_TRUE(usdc);
    EXPECT_EQ(usdc->amount, (TokenAmount{1010000, 6}));

    expect_rejected(url, "amount", 1);  // the mint has 1 decimal, the URL asks for 2
}

TEST(ParseTransferRequest, ParsesWithoutAmount) {
    auto request =
        parse_transfer_request(with_query(std::string("reference=") + kRef + "&label=Michael"));
    ASSERT_TRUE(request);
    EXPECT_FALSE(request->amount);
    EXPECT_EQ(request->label, "Michael");
}

TEST(ParseTransferRequest, ParsesTheSpecExamples) {
    auto sol =
        parse_transfer_request(std::string("solana:") + kMvines +
                               "?amount=1&label=Michael&message=Thanks%20for%20all%20the%20fish"
                               "&memo=OrderId12345");
    ASSERT_TRUE(sol);
    EXPECT_EQ(sol->amount, (TokenAmount{1000000000, 9}));
    EXPECT_EQ(sol->memo, "OrderId12345");

    auto usdc = parse_transfer_request(
        std::string("solana:") + kMvines + "?amount=0.01&spl-token=" + kUsdc, 6);
    ASSERT_TRUE(usdc);
    EXPECT_EQ(usdc->amount, (TokenAmount{10000, 6}));
    EXPECT_EQ(usdc->spl_token, key(kUsdc));

    auto bare = parse_transfer_request(std::string("solana:") + kMvines);
    ASSERT_TRUE(bare);
    EXPECT_EQ(bare->recipient, key(kMvines));
}

TEST(ParseTransferRequest, DecodesPlusAndPercentTwentyAlike) {
    auto request = parse_transfer_request(with_query("label=a+b%20c&memo=%E2%98%89%2B"));
    ASSERT_TRUE(request);
    EXPECT_EQ(request->label, "a b c");
    EXPECT_EQ(request->memo, "☉+");
}

TEST(ParseTransferRequest, TreatsEmptyTextAsAbsentAndIgnoresUnknownParameters) {
    auto request = parse_transfer_request(with_query("label=&message&fee-payer=x&fee-payer=y"));
    ASSERT_TRUE(request) << describe(request.error());
    EXPECT_EQ(request->label, "");
    EXPECT_EQ(request->message, "");
}

TEST(ParseTransferRequest, MatchesTheSchemeCaseInsensitively) {
    EXPECT_TRUE(parse_transfer_request(std::string("SOLANA:") + kMvines));
}

TEST(ParseTransferRequest, KeepsReferencesInUrlOrder) {
    const std::string other = key(kUsdc).to_base58();
    auto request = parse_transfer_request(
        with_query(std::string("reference=") + other + "&label=x&reference=" + kRef));
    ASSERT_TRUE(request);
    ASSERT_EQ(request->references.size(), 2u);
    EXPECT_EQ(request->references[0], key(kUsdc));
    EXPECT_EQ(request->references[1], key(kRef));
}

TEST(ParseTransferRequest, AcceptsRedirectsToHttpsOrSolanaUrls) {
    auto https =
        parse_transfer_request(with_query("redirect=https%3A%2F%2Fshop.example%2Fthanks%3Fo%3D1"));
    ASSERT_TRUE(https) << describe(https.error());
    EXPECT_EQ(https->redirect, "https://shop.example/thanks?o=1");
    auto solana = parse_transfer_request(with_query(std::string("redirect=solana%3A") + kRef));
    ASSERT_TRUE(solana) << describe(solana.error());
    EXPECT_EQ(solana->redirect, std::string("solana:") + kRef);
}

// ---- rejections (parseURL.test.ts "errors", V7, and the strict extras) ----

TEST(ParseTransferRequest, RejectsTheParseUrlTestErrors) {
    expect_rejected(std::string(2049, 'X'), "url");
    expect_rejected("eth:0xffff", "url");
    expect_rejected("solana:0xffff", "recipient");
    for (const char* amount : {"1milliondollars", "-0.1", "-100"}) {
        expect_rejected(with_query(std::string("amount=") + amount), "amount");
    }
    expect_rejected(with_query("amount=1&spl-token=0xffff"), "spl-token");
    expect_rejected(with_query("amount=1&reference=0xffff"), "reference");
}

TEST(ParseTransferRequest, RejectsALongUrlEvenWhenItIsOtherwiseValid) {
    std::string url = with_query("label=");
    url += std::string(kMaxUrlLength + 1 - url.size(), 'a');
    expect_rejected(url, "url");
    url.pop_back();
    EXPECT_TRUE(parse_transfer_request(url));
}

TEST(ParseTransferRequest, RejectsSolAmountsFinerThanALamport) {
    expect_rejected(with_query("amount=0.0000000001"), "amount");
    expect_rejected(with_query("amount=1.0000000000"), "amount");
    // token_decimals do not apply to SOL
    expect_rejected(with_query("amount=0.0000000001"), "amount", 12);
}

TEST(ParseTransferRequest, RejectsBadAmountShapes) {
    for (const char* amount : {"", "1.", ".5", "1e3", "%2B1", "1%2C5", "18446744074"}) {
        expect_rejected(with_query(std::string("amount=") + amount), "amount");
    }
}

TEST(ParseTransferRequest, RejectsRepeatedSingleValuedParameters) {
    for (const char* name : {"amount", "spl-token", "label", "message", "memo", "redirect"}) {
        const std::string value = std::string(name) == "amount"      ? "1"
                                  : std::string(name) == "spl-token" ? kUsdc
                                  : std::string(name) == "redirect"  ? "https%3A%2F%2Fa.example"
                                                                     : "x";
        expect_rejected(with_query(std::string(name) + "=" + value + "&" + name + "=" + value),
                        name);
    }
}

TEST(ParseTransferRequest, RejectsKeysThatAreNot32Bytes) {
    expect_rejected("solana:1111111111111111111111111111111", "recipient");  // 31 bytes
    expect_rejected(std::string("solana:") + kMvines + "1", "recipient");
    expect_rejected(with_query("spl-token="), "spl-token");
    expect_rejected(with_query("reference="), "reference");
    expect_rejected(with_query(std::string("reference=") + kRef + "&reference=0OIl"), "reference");
    // SPEC example written without '?': the recipient swallows the rest
    expect_rejected(std::string("solana:") + kMvines + "&label=Michael", "recipient");
}

TEST(ParseTransferRequest, RejectsTooManyReferences) {
    std::string query;
    for (std::size_t i = 0; i <= kMaxReferences; ++i)
        query += std::string("reference=") + kRef + "&";
    expect_rejected(with_query(query), "reference");
}

TEST(ParseTransferRequest, RejectsBadEscapesAndInvalidUtf8NamingTheParameter) {
    expect_rejected(with_query("label=100%"), "label");
    expect_rejected(with_query("message=%zz"), "message");
    expect_rejected(with_query("memo=%C3"), "memo");
    expect_rejected(with_query("memo=%ED%A0%80"), "memo");
}

TEST(ParseTransferRequest, RejectsTheUrlShapesParseUrlWouldMisread) {
    expect_rejected(with_query("label=a#b"), "url");   // fragment
    expect_rejected(with_query("label=a b"), "url");   // raw space
    expect_rejected(with_query("label=a\nb"), "url");  // control character
    expect_rejected("solana:", "url");                 // no recipient
    expect_rejected("solana:?amount=1", "url");
    expect_rejected(std::string("bitcoin:") + kMvines, "url");
    expect_rejected(std::string("solana") + kMvines, "url");
    // A transaction request link is not a transfer request.
    expect_rejected("solana:https://example.com/pay", "recipient");
}

TEST(ParseTransferRequest, RejectsRedirectsThatAreNotHttpsOrSolana) {
    for (const char* redirect : {"http%3A%2F%2Fa.example", "javascript%3Aalert(1)", "a.example",
                                 "solana%3A", "https%3A%2F%2Fa.example%2F%23x"}) {
        expect_rejected(with_query(std::string("redirect=") + redirect), "redirect");
    }
}

// ---- encoding (encodeURL.test.ts) ----

TEST(EncodeTransferRequest, WritesTheEncodeUrlTestShapes) {
    TransferRequest request;
    request.recipient = key(kMvines);
    EXPECT_EQ(encode_transfer_request(request).value(), std::string("solana:") + kMvines);

    request.amount = TokenAmount{1000000000, 9};
    EXPECT_EQ(encode_transfer_request(request).value(),
              std::string("solana:") + kMvines + "?amount=1");

    request.amount = TokenAmount{1010000, 6};
    request.spl_token = key(kUsdc);
    EXPECT_EQ(encode_transfer_request(request).value(),
              std::string("solana:") + kMvines + "?amount=1.01&spl-token=" + kUsdc);

    request.spl_token.reset();
    request.amount = TokenAmount{100000123456000, 9};
    request.references = {key(kRef)};
    EXPECT_EQ(encode_transfer_request(request).value(),
              std::string("solana:") + kMvines + "?amount=100000.123456&reference=" + kRef);
}

TEST(EncodeTransferRequest, WritesEveryParameterInEncodeUrlOrder) {
    TransferRequest request;
    request.recipient = key(kMvines);
    request.amount = TokenAmount{1, 9};
    request.spl_token = key(kUsdc);
    request.references = {key(kRef), key(kMvines)};
    request.label = "label";
    request.message = "message";
    request.memo = "memo";
    EXPECT_EQ(encode_transfer_request(request).value(),
              std::string("solana:") + kMvines + "?amount=0.000000001&spl-token=" + kUsdc +
                  "&reference=" + kRef + "&reference=" + kMvines +
                  "&label=label&message=message&memo=memo");
}

TEST(EncodeTransferRequest, EncodesTheV7VectorWithPlusForSpaces) {
    TransferRequest request;
    request.recipient = key(kMvines);
    request.amount = TokenAmount{1, 9};
    request.references = {key(kRef)};
    request.label = "Michael";
    request.message = "Thanks for all the fish";
    request.memo = "OrderId5678";
    const std::string url = encode_transfer_request(request).value();
    EXPECT_EQ(url, with_query(std::string("amount=0.000000001&reference=") + kRef +
                              "&label=Michael&message=Thanks+for+all+the+fish&memo=OrderId5678"));
    EXPECT_EQ(parse_transfer_request(url).value(), request);
}

TEST(EncodeTransferRequest, WritesZeroAmountsAndOmitsEmptyText) {
    TransferRequest request;
    request.recipient = key(kMvines);
    request.amount = TokenAmount{0, 9};
    request.label = "";
    EXPECT_EQ(encode_transfer_request(request).value(), with_query("amount=0"));
}

TEST(EncodeTransferRequest, EscapesReservedCharactersLikeUrlSearchParams) {
    // Expected text computed with @solana/pay 0.2.6 encodeURL (node) for label 'a b&c=d%+é'.
    TransferRequest request;
    request.recipient = key(kMvines);
    request.amount = TokenAmount{15, 1};
    request.label = "a b&c=d%+é";
    request.memo = "x";
    EXPECT_EQ(encode_transfer_request(request).value(),
              with_query("amount=1.5&label=a+b%26c%3Dd%25%2B%C3%A9&memo=x"));
}

TEST(EncodeTransferRequest, AppendsTheSpec11RedirectLast) {
    TransferRequest request;
    request.recipient = key(kMvines);
    request.memo = "m";
    request.redirect = "https://shop.example/thanks?o=1";
    const std::string url = encode_transfer_request(request).value();
    EXPECT_EQ(url, with_query("memo=m&redirect=https%3A%2F%2Fshop.example%2Fthanks%3Fo%3D1"));
    EXPECT_EQ(parse_transfer_request(url).value(), request);
}

TEST(EncodeTransferRequest, RefusesWhatWouldNotParseBack) {
    TransferRequest request;
    request.recipient = key(kMvines);
    request.amount = TokenAmount{1, 10};  // 0.0000000001 SOL
    EXPECT_EQ(encode_transfer_request(request).error().field, "amount");
    request.amount = TokenAmount{10, 10};  // 0.000000001 SOL is fine
    EXPECT_TRUE(encode_transfer_request(request));
    request.amount = TokenAmount{1, 20};
    request.spl_token = key(kUsdc);
    EXPECT_EQ(encode_transfer_request(request).error().field, "amount");
    request.amount.reset();

    request.label = "\xC3";
    EXPECT_EQ(encode_transfer_request(request).error().field, "label");
    request.label = "";
    request.redirect = "http://insecure.example";
    EXPECT_EQ(encode_transfer_request(request).error().field, "redirect");
    request.redirect = "";
    request.memo = std::string(2048, 'm');
    EXPECT_EQ(encode_transfer_request(request).error().field, "url");
    request.memo = "";
    request.references.assign(kMaxReferences + 1, key(kRef));
    auto too_many = encode_transfer_request(request);
    ASSERT_FALSE(too_many);
    EXPECT_EQ(too_many.error().field, "reference");
    EXPECT_EQ(too_many.error().code, ErrorCode::InvalidSolanaPayUrl);
}

TEST(EncodeTransferRequest, RoundTripsTextWithEveryAwkwardCharacter) {
    TransferRequest request;
    request.recipient = key(kMvines);
    request.spl_token = key(kUsdc);
    request.amount = TokenAmount{123456789, 6};
    request.references = {key(kRef)};
    request.label = "Café & Co = 100% +tax";
    request.message = "?#/:;@[]{}|\\^`\"'<>~!*()☉😀";
    request.memo = "order 12 / ünïcödé";
    const std::string url = encode_transfer_request(request).value();
    auto back = parse_transfer_request(url, 6);
    ASSERT_TRUE(back) << describe(back.error());
    EXPECT_EQ(*back, request);
}

// ---- dispatch ----

TEST(ParseSolanaPayUrl, TellsTransferAndTransactionRequestsApart) {
    auto transfer = parse_solana_pay_url(std::string("solana:") + kMvines + "?amount=1");
    ASSERT_TRUE(transfer);
    EXPECT_TRUE(std::holds_alternative<TransferRequest>(*transfer));

    auto plain = parse_solana_pay_url("solana:https://example.com/solana-pay");
    ASSERT_TRUE(plain);
    ASSERT_TRUE(std::holds_alternative<TransactionRequest>(*plain));
    EXPECT_EQ(std::get<TransactionRequest>(*plain).link, "https://example.com/solana-pay");

    auto encoded =
        parse_solana_pay_url("solana:https%3A%2F%2Fexample.com%2Fsolana-pay%3Forder%3D12345");
    ASSERT_TRUE(encoded);
    ASSERT_TRUE(std::holds_alternative<TransactionRequest>(*encoded));
    EXPECT_EQ(std::get<TransactionRequest>(*encoded).link,
              "https://example.com/solana-pay?order=12345");

    auto broken = parse_solana_pay_url("eth:0xffff");
    ASSERT_FALSE(broken);
    EXPECT_EQ(broken.error().code, ErrorCode::InvalidSolanaPayUrl);
}

}  // namespace
}  // namespace hilt::solanapay
