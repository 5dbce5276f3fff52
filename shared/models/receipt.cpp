// shared/models/receipt.cpp: receipt JSON and signature (see receipt.h).
#include "models/receipt.h"

#include <algorithm>

#include "encoding/base64.h"

namespace hilt::models {

Status from_json(const Json& json, Receipt& out) {
    ObjectReader r(json);
    r.required("receipt_id", out.receipt_id, id(kReceiptIdPrefix));
    r.required("payment_id", out.payment_id, id(kPaymentIdPrefix));
    r.required("product_id", out.product_id, id(kProductIdPrefix));
    r.required("tx_signature", out.tx_signature, signature());
    r.required("reference", out.reference, public_key());
    r.required("slot", out.slot, integer(0, kMaxJsonInteger));
    r.required("amount_minor_units", out.amount_minor_units, integer(1, kMaxJsonInteger));
    r.required("merchant_amount_minor_units", out.merchant_amount_minor_units,
               integer(0, kMaxJsonInteger));
    r.required("fee_minor_units", out.fee_minor_units, integer(0, kMaxJsonInteger));
    if (r.ok() && out.merchant_amount_minor_units + out.fee_minor_units != out.amount_minor_units) {
        r.record(fail(ErrorCode::InvalidValue,
                      "fee_minor_units + merchant_amount_minor_units must equal amount_minor_units",
                      "fee_minor_units"));
    }
    r.required("asset_symbol", out.asset_symbol,
               text({.min_chars = 1, .max_chars = kMaxAssetSymbolChars}));
    std::int64_t decimals = 0;
    r.required("decimals", decimals, integer(0, kMaxDecimals));
    out.decimals = static_cast<std::uint8_t>(decimals);
    r.required("token_mint", out.token_mint, public_key());
    r.required("merchant_wallet", out.merchant_wallet, public_key());
    r.required("buyer_wallet", out.buyer_wallet, public_key());
    r.required("issued_at", out.issued_at, timestamp());
    r.required("signer_public_key", out.signer_public_key, public_key());
    r.required("signature", out.signature, signature());
    return r.finish();
}

namespace {
Json unsigned_json(const Receipt& value) {
    return {{"receipt_id", value.receipt_id},
            {"payment_id", value.payment_id},
            {"product_id", value.product_id},
            {"tx_signature", value.tx_signature},
            {"reference", to_wire(value.reference)},
            {"slot", value.slot},
            {"amount_minor_units", value.amount_minor_units},
            {"merchant_amount_minor_units", value.merchant_amount_minor_units},
            {"fee_minor_units", value.fee_minor_units},
            {"asset_symbol", value.asset_symbol},
            {"decimals", value.decimals},
            {"token_mint", to_wire(value.token_mint)},
            {"merchant_wallet", to_wire(value.merchant_wallet)},
            {"buyer_wallet", to_wire(value.buyer_wallet)},
            {"issued_at", to_wire(value.issued_at)},
            {"signer_public_key", to_wire(value.signer_public_key)}};
}
}  // namespace

Json to_json(const Receipt& value) {
    Json json = unsigned_json(value);
    json["signature"] = value.signature;
    return json;
}

std::string receipt_signing_payload(const Receipt& receipt) {
    return std::string(kReceiptSigningDomain) + dump_json(unsigned_json(receipt));
}

void sign_receipt(Receipt& receipt, const Ed25519Keypair& signer) {
    receipt.signer_public_key = solana::PublicKey::from_bytes(signer.public_key);
    const std::string payload = receipt_signing_payload(receipt);
    const Bytes64 signature = ed25519_sign(signer.secret_key, hilt::as_bytes(payload));
    receipt.signature = base58_encode(signature);
}

bool verify_receipt(const Receipt& receipt) {
    auto bytes = base58_decode_exact(receipt.signature, kEd25519SignatureBytes);
    if (!bytes) return false;
    Bytes64 signature{};
    std::copy(bytes->begin(), bytes->end(), signature.begin());
    Bytes32 public_key{};
    std::copy(receipt.signer_public_key.bytes.begin(), receipt.signer_public_key.bytes.end(),
              public_key.begin());
    return ed25519_verify(public_key, hilt::as_bytes(receipt_signing_payload(receipt)), signature);
}

std::string_view to_string(ReceiptInvalidReason reason) {
    switch (reason) {
        case ReceiptInvalidReason::SignerUnknown: return "signer_unknown";
        case ReceiptInvalidReason::SignatureInvalid: return "signature_invalid";
        case ReceiptInvalidReason::ReceiptUnknown: return "receipt_unknown";
        case ReceiptInvalidReason::ReceiptMismatch: return "receipt_mismatch";
    }
    return "signature_invalid";
}

Json to_json(const ReceiptVerification& value) {
    if (!value.valid) return {{"valid", false}, {"reason", std::string(to_string(value.reason))}};
    return {{"valid", true}, {"receipt_id", value.receipt_id}, {"payment_id", value.payment_id}};
}

Json to_json(const ReceiptKey& value) {
    return {{"algorithm", "ed25519"}, {"public_key", to_wire(value.public_key)}};
}

}  // namespace hilt::models
