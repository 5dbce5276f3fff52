// shared/solana/transaction.h: a Solana wire transaction (solana-phantom.md §2.2, §2.6):
// compact-u16 signature count, 64-byte ed25519 signatures, then the message.
//
// Owns: strict parsing and serialization of transactions, signing with ed25519 (crypto/sodium.h)
// and verification of every required signature, and the transaction id (base58 of signature 0).
// Must never: accept a signature count other than header.num_required_signatures, accept more than
// kMaxTransactionBytes, treat an all-zero slot as signed, or call libsodium directly.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "crypto/sodium.h"
#include "solana/message.h"

namespace hilt::solana {

using Signature = Bytes64;

struct Transaction {
    std::vector<Signature>
        signatures;  // slot i belongs to message.account_keys[i]; zero = not signed yet
    Message message;

    friend bool operator==(const Transaction&, const Transaction&) = default;
};

// A transaction with one zero-filled signature slot per required signer; transaction_too_large when
// its wire form would exceed kMaxTransactionBytes.
[[nodiscard]] Result<Transaction> make_unsigned_transaction(Message message);

// Strict parse: everything parse_message rejects, plus truncated signatures, trailing bytes, a
// signature count different from header.num_required_signatures (malformed_transaction, field
// "signatures") and a total size above kMaxTransactionBytes (transaction_too_large).
[[nodiscard]] Result<Transaction> parse_transaction(ByteView wire);
// Base64 (RPC, API) in, parsed transaction out.
[[nodiscard]] Result<Transaction> parse_transaction_base64(std::string_view text);

[[nodiscard]] Result<Bytes> serialize_transaction(const Transaction& transaction);

// Signs the serialized message with each keypair and stores the signature in its signer's slot.
// invalid_key when a keypair is not one of the message's required signers.
[[nodiscard]] Status sign_transaction(Transaction& transaction,
                                      std::span<const Ed25519Keypair* const> signers);

enum class SignatureState : std::uint8_t { Missing, Valid, Invalid };
std::string_view to_string(SignatureState state);

// One state per required signer (Missing = all-zero slot).
[[nodiscard]] std::vector<SignatureState> signature_states(const Transaction& transaction);

// Succeeds only when every required signer's slot holds a valid signature over the message:
// invalid_signature with field "signatures[i]" for the first missing or wrong one.
[[nodiscard]] Status verify_transaction_signatures(const Transaction& transaction);

// base58 of signature 0, the id RPC and explorers use.
std::string transaction_id(const Transaction& transaction);

}  // namespace hilt::solana
