// shared/solana/transaction.cpp: transaction wire format, signing and verification.
#include "solana/transaction.h"

#include <algorithm>

#include "encoding/base64.h"
#include "solana/shortvec.h"

namespace hilt::solana {
namespace {

std::string slot_field(std::size_t index) { return "signatures[" + std::to_string(index) + "]"; }

bool is_zero(const Signature& signature) {
    return std::all_of(signature.begin(), signature.end(), [](std::uint8_t b) { return b == 0; });
}

std::size_t wire_size(std::size_t signature_count, std::size_t message_size) {
    return shortvec_encode(static_cast<std::uint16_t>(signature_count)).size() +
           signature_count * 64 + message_size;
}

}  // namespace

Result<Transaction> make_unsigned_transaction(Message message) {
    auto bytes = serialize_message(message);
    if (!bytes) return at("message", bytes.error());
    const std::size_t count = message.header.num_required_signatures;
    if (wire_size(count, bytes->size()) > kMaxTransactionBytes) {
        return fail(ErrorCode::TransactionTooLarge, "the transaction would exceed 1232 bytes");
    }
    Transaction transaction;
    transaction.signatures.assign(count, Signature{});
    transaction.message = std::move(message);
    return transaction;
}

Result<Transaction> parse_transaction(ByteView wire) {
    if (wire.size() > kMaxTransactionBytes) {
        return fail(ErrorCode::TransactionTooLarge, "a transaction cannot exceed 1232 bytes (got " +
                                                        std::to_string(wire.size()) + ")");
    }
    std::size_t offset = 0;
    auto count = shortvec_decode(wire, offset);
    if (!count) return at("signatures", count.error());
    if (std::size_t{*count} * kEd25519SignatureBytes > wire.size() - offset) {
        return fail(ErrorCode::MalformedTransaction, "signatures are truncated", "signatures");
    }
    Transaction transaction;
    transaction.signatures.resize(*count);
    for (auto& signature : transaction.signatures) {
        std::copy_n(wire.begin() + static_cast<std::ptrdiff_t>(offset), signature.size(),
                    signature.begin());
        offset += signature.size();
    }
    auto message = parse_message(wire.subspan(offset));
    if (!message) return at("message", message.error());
    if (transaction.signatures.size() != message->header.num_required_signatures) {
        return fail(ErrorCode::MalformedTransaction,
                    "the transaction carries " + std::to_string(transaction.signatures.size()) +
                        " signatures but its message requires " +
                        std::to_string(message->header.num_required_signatures),
                    "signatures");
    }
    transaction.message = std::move(*message);
    return transaction;
}

Result<Transaction> parse_transaction_base64(std::string_view text) {
    // Base64 of the largest transaction is 1644 characters; refuse more before decoding.
    if (text.size() > (kMaxTransactionBytes + 2) / 3 * 4) {
        return fail(ErrorCode::TransactionTooLarge, "a transaction cannot exceed 1232 bytes");
    }
    auto bytes = base64_decode(text);
    if (!bytes) return bytes.error();
    return parse_transaction(*bytes);
}

Result<Bytes> serialize_transaction(const Transaction& transaction) {
    auto message = serialize_message(transaction.message);
    if (!message) return at("message", message.error());
    if (transaction.signatures.size() != transaction.message.header.num_required_signatures) {
        return fail(ErrorCode::MalformedTransaction,
                    "signature count must equal header.num_required_signatures", "signatures");
    }
    if (wire_size(transaction.signatures.size(), message->size()) > kMaxTransactionBytes) {
        return fail(ErrorCode::TransactionTooLarge, "the transaction exceeds 1232 bytes");
    }
    Bytes out;
    out.reserve(kMaxTransactionBytes);
    shortvec_append(out, static_cast<std::uint16_t>(transaction.signatures.size()));
    for (const auto& signature : transaction.signatures) {
        out.insert(out.end(), signature.begin(), signature.end());
    }
    out.insert(out.end(), message->begin(), message->end());
    return out;
}

Status sign_transaction(Transaction& transaction, std::span<const Ed25519Keypair* const> signers) {
    auto message = serialize_message(transaction.message);
    if (!message) return at("message", message.error());
    const std::size_t required = transaction.message.header.num_required_signatures;
    if (transaction.signatures.size() != required) transaction.signatures.resize(required);
    for (std::size_t s = 0; s < signers.size(); ++s) {
        const PublicKey key = PublicKey::from_bytes(signers[s]->public_key);
        const auto& keys = transaction.message.account_keys;
        const auto it =
            std::find(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(required), key);
        if (it == keys.begin() + static_cast<std::ptrdiff_t>(required)) {
            return fail(ErrorCode::InvalidKey, key.to_base58() + " is not a required signer",
                        "signers[" + std::to_string(s) + "]");
        }
        transaction.signatures[static_cast<std::size_t>(it - keys.begin())] =
            ed25519_sign(signers[s]->secret_key, *message);
    }
    return {};
}

std::string_view to_string(SignatureState state) {
    switch (state) {
        case SignatureState::Missing:
            return "missing";
        case SignatureState::Valid:
            return "valid";
        case SignatureState::Invalid:
            return "invalid";
    }
    return "invalid";
}

std::vector<SignatureState> signature_states(const Transaction& transaction) {
    const std::size_t required = transaction.message.header.num_required_signatures;
    std::vector<SignatureState> states(required, SignatureState::Invalid);
    auto message = serialize_message(transaction.message);
    for (std::size_t i = 0; i < required; ++i) {
        if (i >= transaction.signatures.size() || is_zero(transaction.signatures[i])) {
            states[i] = SignatureState::Missing;
        } else if (message && i < transaction.message.account_keys.size() &&
                   ed25519_verify(transaction.message.account_keys[i].bytes, *message,
                                  transaction.signatures[i])) {
            states[i] = SignatureState::Valid;
        }
    }
    return states;
}

Status verify_transaction_signatures(const Transaction& transaction) {
    auto message = serialize_message(transaction.message);
    if (!message) return at("message", message.error());
    const auto states = signature_states(transaction);
    for (std::size_t i = 0; i < states.size(); ++i) {
        if (states[i] == SignatureState::Missing) {
            return fail(
                ErrorCode::InvalidSignature,
                "signer " + transaction.message.account_keys[i].to_base58() + " has not signed",
                slot_field(i));
        }
        if (states[i] == SignatureState::Invalid) {
            return fail(ErrorCode::InvalidSignature,
                        "the signature of " + transaction.message.account_keys[i].to_base58() +
                            " does not verify",
                        slot_field(i));
        }
    }
    if (transaction.signatures.size() != states.size()) {
        return fail(ErrorCode::MalformedTransaction,
                    "signature count must equal header.num_required_signatures", "signatures");
    }
    return {};
}

std::string transaction_id(const Transaction& transaction) {
    if (transaction.signatures.empty()) return {};
    return base58_encode(transaction.signatures.front());
}

}  // namespace hilt::solana
