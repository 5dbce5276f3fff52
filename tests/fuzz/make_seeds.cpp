// tests/fuzz/make_seeds.cpp: writes the seed corpus of every fuzz target (tests/fuzz/corpus/<target>/):
// small valid inputs built from our golden fixtures (tests/fixtures/models) and the public test vectors
// of solana-phantom.md §6, signed with the fuzz targets' fixed test keys. The output is the same on
// every run. Each seed is first run through the parser it feeds, so a seed that no longer parses (after
// a wire format change) stops the program instead of silently seeding nothing.
//
//   hilt_fuzz_seeds <tests/fixtures/models> <tests/fuzz/corpus>
//
// Regression seeds (inputs that once broke a parser) are committed by hand next to these, named
// regression-*; this program never deletes anything.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "auth/jwt.h"
#include "crypto/sodium.h"
#include "encoding/base58.h"
#include "encoding/base64.h"
#include "models/checkout.h"
#include "models/handoff.h"
#include "models/json_reader.h"
#include "models/membership.h"
#include "models/product.h"
#include "models/receipt.h"
#include "models/support.h"
#include "models/webhook.h"
#include "payments/handoff_token.h"
#include "phantom/deeplink.h"
#include "solana/instructions.h"
#include "solana/message.h"
#include "solana/pda.h"
#include "solana/transaction.h"
#include "solanapay/solana_url.h"
#include "solanapay/transaction_request.h"

namespace {

using namespace hilt;
namespace fs = std::filesystem;

fs::path g_fixtures;
fs::path g_corpus;

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "hilt_fuzz_seeds: %s\n", what.c_str());
    std::exit(1);
}

template <typename T>
T need(Result<T> result, const std::string& what) {
    if (!result) die(what + ": " + describe(result.error()));
    return std::move(*result);
}

void need_ok(const Status& status, const std::string& what) {
    if (!status) die(what + ": " + describe(status.error()));
}

std::string fixture(std::string_view name) {
    std::ifstream in(g_fixtures / name, std::ios::binary);
    if (!in) die("cannot read fixture " + std::string(name));
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// corpus/<target>/<name>: the selector byte, then the input.
void seed(std::string_view target, std::string_view name, std::uint8_t selector, std::string_view input) {
    const fs::path dir = g_corpus / target;
    fs::create_directories(dir);
    std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
    out.put(static_cast<char>(selector));
    out.write(input.data(), static_cast<std::streamsize>(input.size()));
    if (!out) die("cannot write " + (dir / name).string());
}

std::string text_of(ByteView bytes) { return hilt::to_string(bytes); }

Bytes32 filled(std::uint8_t v) {
    Bytes32 out{};
    out.fill(v);
    return out;
}

solana::PublicKey key(std::string_view base58) { return need(solana::PublicKey::parse(base58), "key"); }

// ---- request bodies (selector = index in request_bodies.cpp's kBodies) -----------------------------------

template <typename T>
void body(std::uint8_t index, std::string_view name, const std::string& json) {
    auto parsed = models::parse<T>(json);
    if (!parsed) die("request body seed " + std::string(name) + ": " + describe(parsed.error()));
    seed("request_bodies", std::string(name), index, models::dump_json(need(models::parse_json_text(json), "json")));
}

void request_bodies() {
    body<models::ConnectRequest>(0, "connect_request", fixture("connect_request.json"));
    body<models::HandoffResolveRequest>(1, "handoff_resolve_request", fixture("handoff_resolve_request.json"));
    body<models::TransactionRequest>(2, "transaction_request", fixture("transaction_request.json"));
    body<models::BroadcastRequest>(3, "broadcast_request", fixture("broadcast_request.json"));
    body<models::ConfirmRequest>(4, "confirm_request", fixture("confirm_request.json"));
    body<models::ManageTransactionRequest>(5, "manage_transaction_request", R"({"action":"REAPPROVE"})");
    body<models::ManageSubmitRequest>(
        6, "manage_submit_request",
        R"({"action":"CANCEL","signed_transaction":"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABAAECC4JMKqNplIXybGb/GhK1ofdVWeuEjXnQor7gi0Y2hMcAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQECAAAMAgAAAAAAAAAAAAAA"})");
    body<models::HandoffLinkRequest>(7, "handoff_link_request", fixture("handoff_link_request.json"));
    body<models::MembershipCancelRequest>(8, "membership_cancel_request", R"({"at_period_end":false})");
    body<models::ProductRequest>(9, "product_request", fixture("product_request.json"));
    body<models::ProductUpdate>(10, "product_update", fixture("product_update.json"));
    body<models::Receipt>(11, "receipt", fixture("receipt.json"));
    body<models::SupportCaseRequest>(
        12, "support_case_request",
        R"({"message":"I paid but the Discord invite says \"expired\".\nCan you resend it?","contact":"nelly#4471"})");
    body<models::SupportCaseCloseRequest>(13, "support_case_close_request", R"({"resolution":"Sent a new invite."})");
    body<models::DeliveryUpdateRequest>(14, "delivery_update_failed", R"({"status":"FAILED","reason":"The invite expired."})");
    body<models::DeliveryUpdateRequest>(14, "delivery_update_value", R"({"delivery_value":"https://discord.gg/alpha-traders"})");
    body<models::WebhookEndpointRequest>(
        15, "webhook_endpoint_request",
        R"({"url":"https://merchant.example/hilt/webhooks","events":["payment.confirmed","membership.activated"],"description":"orders"})");
    body<models::RotateSecretRequest>(16, "rotate_secret_request", R"({"expires_in_seconds":3600})");
    body<models::RedeliverRequest>(17, "redeliver_request", R"({"endpoint_id":"we_4cT9mWq2Zr8Yk"})");
    const std::string post = R"({"account":"mvines9iiHiQTysrwkJjGf2gb9Ex9jXJX8ns3qwf2kN"})";
    need(solanapay::parse_post_body(post), "solana pay post body");
    seed("request_bodies", "solana_pay_post_body", 18, post);
}

// ---- transactions --------------------------------------------------------------------------------------

constexpr std::string_view kV4Base64 =
    "AVuErQHaXv0SG0/PchunfxHKt8wMRfMZzqV0tkC5qO6owYxWU2v871AoWywGoFQr4z+q/7mE8lIufNl/kxj+nQ0BAAEDE5j2"
    "LG0aRXxRumpLXz29L2n8qTIWIY3ImX5Ba9F9k8r9Q5/Mtmcn8onFxt47xKj+XdXXd3C8j/FcPu7csUrz/AAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAxJrndgN4IFTxep3s6kO0ROug7bEsbx0xxuDkqEvwUusBAgIAAQwCAAAAMQAAAAAAAAA=";
constexpr std::string_view kV6Base64 =
    "Ac0eW3MXnK9n4dJBgIiH5W9t8nS4/FZbkli1bmz5aesWHXxI3bu5Zoxz5B6dXSUW1vR9/x3XMxO+/JF970vMXg2AAQAEBi5G"
    "rBM+qSeo3fyYXgLWbzsMer1vu0TJ3Sf43DYtsIiXhIdCgb/XxQIG3CZuALxz+9mWYsjCntSnsr1UDhVCPV8AAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAEaN/dPbb1bTXSmTSGmbBtN8gi+Yb7reB5C1gsGk920XjJclj04kifG7PRApFI4Ngwta"
    "E5na/xCEBI572Nvp+FkG3fbh12Whk9nL4UbO63msHLSF7V9bN5E6jPWFfv8AqQz1Oe+t7LiYbNpMM924jv8cp+XOburi2kky"
    "gfFDAHNZAQQGAAEAAwIFAQAA";
constexpr std::string_view kV8Base64 =
    "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABAAECC4JM"
    "KqNplIXybGb/GhK1ofdVWeuEjXnQor7gi0Y2hMcAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAQECAAAMAgAAAAAAAAAAAAAA";

constexpr std::string_view kMerchant = "mvines9iiHiQTysrwkJjGf2gb9Ex9jXJX8ns3qwf2kN";
constexpr std::string_view kUsdc = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v";
constexpr std::string_view kReference = "82ZJ7nbGpixjeDCmEhUcmwXYfvurzAgGdtSMuHnUgyny";
constexpr std::string_view kBlockhash = "EETubP5AKHgjPAhzPAFcb8BAY1hMH639CWCFTqi3hq1k";

// V1: the payer, Keypair.fromSeed([8]×32).
const Ed25519Keypair& payer() {
    static const Ed25519Keypair keypair = ed25519_keypair_from_seed(filled(8));
    return keypair;
}

Bytes signed_transaction(const std::vector<solana::Instruction>& instructions, solana::MessageVersion version) {
    const auto payer_key = solana::PublicKey::from_bytes(payer().public_key);
    auto message = need(solana::compile_message(payer_key, instructions, key(kBlockhash), version), "compile");
    auto tx = need(solana::make_unsigned_transaction(std::move(message)), "unsigned");
    const Ed25519Keypair* signers[] = {&payer()};
    need_ok(solana::sign_transaction(tx, signers), "sign");
    return need(solana::serialize_transaction(tx), "serialize");
}

void transaction_seed(std::string_view name, const Bytes& wire) {
    auto tx = need(solana::parse_transaction(wire), "transaction seed " + std::string(name));
    seed("transaction", std::string(name), 0, text_of(wire));
    seed("transaction", std::string(name) + ".b64", 1, base64_encode(wire));
    seed("transaction", std::string(name) + ".message", 2, text_of(need(solana::serialize_message(tx.message), "message")));
}

void transactions() {
    using namespace hilt::solana;
    transaction_seed("v4_sol_transfer", need(base64_decode(kV4Base64), "V4"));
    transaction_seed("v6_v0_create_ata", need(base64_decode(kV6Base64), "V6"));
    transaction_seed("v8_unsigned_transfer", need(base64_decode(kV8Base64), "V8"));

    const auto payer_key = PublicKey::from_bytes(payer().public_key);
    const auto usdc = key(kUsdc);
    const auto payer_ata = need(associated_token_address(payer_key, usdc), "payer ATA").address;
    const auto merchant_ata = need(associated_token_address(key(kMerchant), usdc), "merchant ATA").address;
    const PublicKey references[] = {key(kReference)};
    const auto transfer = token_transfer_checked(payer_ata, usdc, merchant_ata, payer_key, 1'500'000, 6, references);
    const auto memo_ix = need(memo("OrderId5678"), "memo");

    // V11's checkout-shaped USDC payment, then as a wallet returns it (compute budget added), as v0, with a
    // subscription's approval, and the manage page's revoke.
    transaction_seed("v11_usdc_payment", signed_transaction({memo_ix, transfer}, MessageVersion::Legacy));
    transaction_seed("usdc_payment_compute_budget",
                     signed_transaction({set_compute_unit_limit(200'000), set_compute_unit_price(5'000), memo_ix,
                                         transfer},
                                        MessageVersion::Legacy));
    transaction_seed("usdc_payment_v0", signed_transaction({memo_ix, transfer}, MessageVersion::V0));
    const auto delegate = key("2KW2XRd9kwqet15Aha2oK3tYvd3nWbTFH1MBiRAv1BE1");
    const auto ata_ix = need(create_associated_token_account_idempotent(payer_key, key(kMerchant), usdc), "ata");
    transaction_seed("subscription_payment_with_approval",
                     signed_transaction({ata_ix, transfer, token_approve_checked(payer_ata, usdc, delegate, payer_key,
                                                                                 18'000'000, 6),
                                         memo_ix},
                                        MessageVersion::Legacy));
    transaction_seed("manage_revoke", signed_transaction({token_revoke(payer_ata, payer_key)}, MessageVersion::Legacy));
    transaction_seed("sol_payment",
                     signed_transaction({system_transfer(payer_key, key(kMerchant), 250'000'000), memo_ix},
                                        MessageVersion::Legacy));
}

// ---- Solana Pay URLs (selector: the mint's decimals, 0xff for none) ---------------------------------------

void solana_pay_url(std::string_view name, std::uint8_t decimals, std::string_view url) {
    const std::optional<std::uint8_t> known =
        decimals <= solanapay::kMaxAmountDecimals ? std::optional<std::uint8_t>(decimals) : std::nullopt;
    need(solanapay::parse_solana_pay_url(url, known), "solana pay seed " + std::string(name));
    seed("solana_pay_url", name, decimals, url);
}

void solana_pay_urls() {
    // V7 (solana-pay core/test/parseURL.test.ts and encodeURL.test.ts).
    solana_pay_url("v7_sol_transfer", 0xff,
                   "solana:mvines9iiHiQTysrwkJjGf2gb9Ex9jXJX8ns3qwf2kN?amount=0.000000001&reference="
                   "82ZJ7nbGpixjeDCmEhUcmwXYfvurzAgGdtSMuHnUgyny&label=Michael&message=Thanks%20for%20all%20the%"
                   "20fish&memo=OrderId5678");
    solana_pay_url("v7_transaction_request", 0xff,
                   "solana:https%3A%2F%2Fexample.com%3Fquery%3Dparam?label=label&message=message");
    solana_pay_url("usdc_transfer", 6,
                   "solana:mvines9iiHiQTysrwkJjGf2gb9Ex9jXJX8ns3qwf2kN?amount=1.5&spl-token="
                   "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v&reference=82ZJ7nbGpixjeDCmEhUcmwXYfvurzAgGdtSMuHnUgyny"
                   "&reference=2KW2XRd9kwqet15Aha2oK3tYvd3nWbTFH1MBiRAv1BE1&label=Alpha+Traders&message=Monthly+"
                   "access&memo=hilt%3Apay_123&redirect=https%3A%2F%2Fhilt.example%2Fr%2Fpay_123");
    solana_pay_url("usdc_transfer_unknown_decimals", 0xff,
                   "solana:mvines9iiHiQTysrwkJjGf2gb9Ex9jXJX8ns3qwf2kN?amount=1.50&spl-token="
                   "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v");
    solana_pay_url("hilt_transaction_request", 0xff,
                   "solana:https://hilt.example/v1/solana-pay/pay_123?label=Hilt&message=Alpha%20Traders%20%E2%80%94%20"
                   "monthly");
}

// ---- Phantom redirects (V9 keys: dapp 32×01, Phantom 32×02) ----------------------------------------------

constexpr std::string_view kWallet = "BSFtCudCd4pR4LSFqWPjbtXPKSNVbGkc35gRNdnqjMCU";

std::string sealed(std::string_view plaintext) {
    const X25519Keypair phantom = x25519_keypair_from_secret(filled(2));
    const auto dapp = phantom::DappSession::from_secret_key(filled(1));
    auto shared = need(box_shared_key(dapp.dapp_public_key(), phantom.secret_key), "box key");
    Nonce24 nonce{};
    nonce.fill(7);
    return "nonce=" + base58_encode(nonce) + "&data=" + base58_encode(box_seal(as_bytes(plaintext), nonce, shared));
}

void phantom_redirects() {
    using namespace hilt::phantom;
    const X25519Keypair phantom = x25519_keypair_from_secret(filled(2));
    const std::string connect_plaintext =
        std::string(R"({"public_key":")") + std::string(kWallet) + R"(","session":"2Lb1KQHWfbV3pWMqXZveFWqneSyhH95YsgCh"})";
    const std::string connect = "https://hilt.example/p/coffee?phantom=connect&phantom_encryption_public_key=" +
                                base58_encode(phantom.public_key) + "&" + sealed(connect_plaintext);

    auto dapp = DappSession::from_secret_key(filled(1));
    need(parse_connect_redirect(dapp, connect), "connect seed");
    seed("phantom_redirect", "connect_approved", 0, connect);
    seed("phantom_redirect", "connect_rejected", 0,
         "https://hilt.example/p/coffee?phantom=connect&errorCode=4001&errorMessage=User%20rejected%20the%20request.");

    const std::string sign_plaintext =
        R"({"transaction":")" + base58_encode(need(base64_decode(kV4Base64), "V4")) + "\"}";
    const std::string sign = "https://hilt.example/p/coffee?phantom=sign&" + sealed(sign_plaintext);
    need(parse_sign_transaction_redirect(dapp, sign), "sign seed");
    seed("phantom_redirect", "sign_approved", 1, sign);
    seed("phantom_redirect", "sign_rejected", 1, "errorCode=-32603&errorMessage=Unexpected%20error");
    seed("phantom_redirect", "disconnect", 2, "https://hilt.example/p/coffee?phantom=disconnect");
    seed("phantom_redirect", "disconnect_rejected", 2, "https://hilt.example/p/coffee?errorCode=4900");
    const std::string stored = dapp.serialize();
    need(DappSession::deserialize(stored), "stored session seed");
    seed("phantom_redirect", "stored_session", 3, stored);
    seed("phantom_redirect", "connect_plaintext", 4, connect_plaintext);
    seed("phantom_redirect", "sign_plaintext", 5, sign_plaintext);
}

// ---- handoff tokens and JWTs (the targets' test keys and clock) ------------------------------------------

// 2026-11-29T12:00:00Z, inside handoff_claims.json's hour; the JWTs are issued at this instant.
constexpr std::int64_t kNow = 1795953600;

void handoff_tokens() {
    const Ed25519Keypair key = ed25519_keypair_from_seed(filled(0x48));
    const auto claims = need(models::parse<models::HandoffClaims>(fixture("handoff_claims.json")), "claims");
    const std::string token = server::sign_handoff_token(claims, key);
    need(server::verify_handoff_token(token, key.public_key, models::Timestamp{kNow}), "handoff seed");
    seed("handoff_token", "token", 0, token);
    seed("handoff_token", "claims", 1, models::dump(claims));
    models::HandoffClaims wallet = claims;
    wallet.identity = models::Identity{models::IdentityType::Wallet, std::string(kWallet), std::nullopt};
    wallet.buyer_ref = "tg:4471";
    seed("handoff_token", "token_wallet_identity", 0, server::sign_handoff_token(wallet, key));
    seed("handoff_token", "claims_wallet_identity", 1, models::dump(wallet));
}

void jwts() {
    const SecretBytes<32> key(filled(0x4a));
    server::JwtClaims claims;
    claims.subject = "mer_7Hq2LwX9aPz3Kd";
    claims.token_id = "jti_4cT9mWq2Zr8Yk";
    claims.issued_at = kNow;
    claims.expires_at = kNow + server::kJwtLifetimeSeconds;
    claims.key_id = "key_9xQ2mWd4Lp7Rt";
    const std::string token = server::jwt_sign(claims, key);
    need(server::jwt_verify(token, key, kNow), "jwt seed");
    seed("jwt", "token", 0, token);
    const std::string payload = R"({"exp":)" + std::to_string(claims.expires_at) + R"(,"iat":)" +
                                std::to_string(kNow) +
                                R"(,"jti":"jti_4cT9mWq2Zr8Yk","key_id":"key_9xQ2mWd4Lp7Rt","sub":"mer_7Hq2LwX9aPz3Kd"})";
    seed("jwt", "header_and_payload", 1, std::string(R"({"alg":"HS256","typ":"JWT"})") + "\n" + payload);
    seed("jwt", "alg_none", 1, std::string(R"({"alg":"none","typ":"JWT"})") + "\n" + payload);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) die("usage: hilt_fuzz_seeds <tests/fixtures/models> <tests/fuzz/corpus>");
    if (!crypto_ready()) die("libsodium does not start");
    g_fixtures = argv[1];
    g_corpus = argv[2];
    request_bodies();
    transactions();
    solana_pay_urls();
    phantom_redirects();
    handoff_tokens();
    jwts();
    std::printf("hilt_fuzz_seeds: wrote %s\n", g_corpus.string().c_str());
    return 0;
}
