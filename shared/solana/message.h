// shared/solana/message.h: Solana legacy and v0 messages (solana-phantom.md §2.3–§2.5): the bytes a
// transaction's signers sign.
//
// Owns: the Message value type, its strict parser and serializer, the sanitize rules the runtime
// applies (header bounds, index bounds, program index ≠ 0, no duplicate keys, v0 lookup shape), and
// the builder that compiles program-level instructions into a message with the required key
// ordering.
// Must never: crash or read out of bounds on hostile bytes, accept a message the runtime would
// refuse to sanitize, or sign anything (signing lives in transaction.h).
//
// Key ordering of the builder: the fee payer first, then writable signers, readonly signers,
// writable non-signers, readonly non-signers; inside each group keys keep their first-mention order
// (fee payer, then for each instruction its program id and then its accounts). That is web3.js's
// `CompiledKeys` order (`TransactionMessage.compileToLegacyMessage` / `compileToV0Message`), so
// both produce identical bytes. web3.js's older `Transaction` class sorts inside groups by base58 instead; its output
// still parses here and re-serializes to the same bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/result.h"
#include "encoding/base58.h"
#include "solana/pubkey.h"

namespace hilt::solana {

// Largest transaction the network accepts: PACKET_DATA_SIZE = 1280 − 40 (IPv6 header) − 8 (fragment
// header).
inline constexpr std::size_t kMaxTransactionBytes = 1232;
// Account indexes are one byte, so a message can address at most 256 accounts (v0 sanitize).
inline constexpr std::size_t kMaxMessageAccounts = 256;
// The high bit of the first message byte marks a versioned message (MESSAGE_VERSION_PREFIX).
inline constexpr std::uint8_t kMessageVersionPrefix = 0x80;

enum class MessageVersion : std::uint8_t { Legacy, V0 };

struct MessageHeader {
    std::uint8_t num_required_signatures = 0;
    std::uint8_t num_readonly_signed_accounts = 0;
    std::uint8_t num_readonly_unsigned_accounts = 0;

    friend bool operator==(const MessageHeader&, const MessageHeader&) = default;
};

struct CompiledInstruction {
    std::uint8_t program_id_index = 0;
    std::vector<std::uint8_t> accounts;  // indexes into the message's account-index space
    Bytes data;

    friend bool operator==(const CompiledInstruction&, const CompiledInstruction&) = default;
};

// v0 only: accounts loaded from an on-chain address lookup table. Their keys are unknown without
// RPC.
struct AddressTableLookup {
    PublicKey account_key;
    std::vector<std::uint8_t> writable_indexes;
    std::vector<std::uint8_t> readonly_indexes;

    friend bool operator==(const AddressTableLookup&, const AddressTableLookup&) = default;
};

struct Message {
    MessageVersion version = MessageVersion::Legacy;
    MessageHeader header;
    std::vector<PublicKey> account_keys;  // the static keys
    PublicKey recent_blockhash;
    std::vector<CompiledInstruction> instructions;
    std::vector<AddressTableLookup> address_table_lookups;  // always empty for legacy

    // Index space: static keys, then every lookup's writable keys, then every lookup's readonly
    // keys.
    std::size_t static_account_count() const { return account_keys.size(); }
    std::size_t lookup_writable_count() const;
    std::size_t lookup_readonly_count() const;
    std::size_t total_account_count() const;

    // Role of the account at `index` in the index space, from the header and the lookup shape.
    // Lookup keys are never signers. Out-of-range indexes are neither.
    bool is_signer(std::size_t index) const;
    bool is_writable(std::size_t index) const;
    // The key at `index`, or nullopt when it comes from a lookup table (or is out of range).
    std::optional<PublicKey> static_key(std::size_t index) const;

    friend bool operator==(const Message&, const Message&) = default;
};

// The runtime's sanitize rules plus our own bounds: malformed_transaction with a field path for bad
// header counts or indexes, duplicate_account for a repeated static key.
[[nodiscard]] Status validate_message(const Message& message);

// The exact bytes signers sign (with the 0x80 prefix for v0). Fails when validate_message fails or
// a list is longer than compact-u16 can count.
[[nodiscard]] Result<Bytes> serialize_message(const Message& message);

// Parses exactly one message occupying all of `bytes`: truncation, trailing bytes, an unknown
// version (unsupported_version), a size above kMaxTransactionBytes (transaction_too_large) and
// anything validate_message rejects are errors.
[[nodiscard]] Result<Message> parse_message(ByteView bytes);

// ---- builder
// --------------------------------------------------------------------------------------------

struct AccountMeta {
    PublicKey pubkey;
    bool is_signer = false;
    bool is_writable = false;

    friend bool operator==(const AccountMeta&, const AccountMeta&) = default;
};

// A program-level instruction, before its keys are compiled into indexes.
struct Instruction {
    PublicKey program_id;
    std::vector<AccountMeta> accounts;
    Bytes data;

    friend bool operator==(const Instruction&, const Instruction&) = default;
};

// Compiles instructions into a message (no lookup tables). Duplicate metas merge, keeping the
// strongest flags; the fee payer is always a writable signer. too_many for more than 256 accounts,
// transaction_too_large when the signed transaction would exceed kMaxTransactionBytes,
// malformed_transaction when the fee payer is also invoked as a program.
[[nodiscard]] Result<Message> compile_message(const PublicKey& fee_payer,
                                              std::span<const Instruction> instructions,
                                              const PublicKey& recent_blockhash,
                                              MessageVersion version = MessageVersion::Legacy);

}  // namespace hilt::solana
