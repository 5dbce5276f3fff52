// shared/models/receipt.h: the payment receipt (GET /v1/payments/{payment_id}/receipt, GET
// /v1/receipts/{receipt_id}), a signed proof a merchant or buyer can check offline against the
// server's receipt-signing public key (published at /.well-known/hilt/receipt-key), and the answers
// of the public verification route.
//
// Owns: the Receipt shape, its JSON, and the exact bytes its signature covers.
// Must never: sign with anything but the server's receipt key, or sign bytes other than
// receipt_signing_payload (verifiers in other languages rebuild exactly these bytes).
//
// Signed bytes: "hilt-receipt-v1\n" followed by the receipt's JSON without "signature", compact, keys in
// byte order, UTF-8 unescaped (what JSON.stringify gives for an object built with sorted keys). The
// signature is ed25519 by signer_public_key, base58 (64 bytes).
#pragma once

#include <string>

#include "crypto/sodium.h"
#include "models/checkout.h"
#include "models/json_reader.h"

namespace hilt::models {

inline constexpr std::string_view kReceiptSigningDomain = "hilt-receipt-v1\n";

struct Receipt {
    std::string receipt_id;  // "rcpt_…"
    std::string payment_id;
    std::string product_id;
    std::string tx_signature;
    PublicKey reference;
    std::int64_t slot = 0;
    std::int64_t amount_minor_units = 0;
    std::int64_t merchant_amount_minor_units = 0;
    std::int64_t fee_minor_units = 0;
    std::string asset_symbol;
    std::uint8_t decimals = 0;
    PublicKey token_mint;
    PublicKey merchant_wallet;
    PublicKey buyer_wallet;
    Timestamp issued_at;
    PublicKey signer_public_key;
    std::string signature;  // base58 ed25519 signature over receipt_signing_payload

    friend bool operator==(const Receipt&, const Receipt&) = default;
};

[[nodiscard]] Status from_json(const Json& json, Receipt& out);
Json to_json(const Receipt& value);

std::string receipt_signing_payload(const Receipt& receipt);
// Sets signer_public_key and signature.
void sign_receipt(Receipt& receipt, const Ed25519Keypair& signer);
// True when signature is signer_public_key's ed25519 signature of receipt_signing_payload.
[[nodiscard]] bool verify_receipt(const Receipt& receipt);

// ---- the public side: POST /v1/receipts/verify and GET /.well-known/hilt/receipt-key ----------
// Why a presented receipt is not valid (the `reason` of a {valid: false} answer).
enum class ReceiptInvalidReason : std::uint8_t {
    SignerUnknown,     // signer_public_key is not this server's receipt key
    SignatureInvalid,  // the signature does not cover this document (a changed byte, another key)
    ReceiptUnknown,    // signed by this server's key, but this server holds no receipt with this id
    ReceiptMismatch    // signed by this server's key, but not the receipt stored under this id
};
std::string_view to_string(ReceiptInvalidReason reason);  // snake_case: "signature_invalid", …

// {valid: true, receipt_id, payment_id} or {valid: false, reason}.
struct ReceiptVerification {
    bool valid = false;
    std::string receipt_id;  // when valid
    std::string payment_id;  // when valid
    ReceiptInvalidReason reason = ReceiptInvalidReason::SignatureInvalid;  // when not valid
};
Json to_json(const ReceiptVerification& value);

// {algorithm: "ed25519", public_key: <base58>}: the key every receipt of this server is signed with.
struct ReceiptKey {
    PublicKey public_key;
};
Json to_json(const ReceiptKey& value);

}  // namespace hilt::models
