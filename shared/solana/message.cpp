// shared/solana/message.cpp: message wire format, sanitize rules and the instruction compiler.
// Sources: solana-sdk message/src/legacy.rs and versions/v0/mod.rs (sanitize), web3.js
// src/message/*.ts.
#include "solana/message.h"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "solana/shortvec.h"

namespace hilt::solana {
namespace {

std::string indexed(std::string_view name, std::size_t index) {
    return std::string(name) + "[" + std::to_string(index) + "]";
}

Error malformed(std::string message, std::string field = {}) {
    return fail(ErrorCode::MalformedTransaction, std::move(message), std::move(field));
}

// Bounds-checked cursor over untrusted bytes.
class Reader {
public:
    explicit Reader(ByteView data) : data_(data) {}

    std::size_t offset() const { return offset_; }
    std::size_t remaining() const { return data_.size() - offset_; }

    Result<std::uint8_t> u8(std::string_view what) {
        if (remaining() < 1) return malformed(std::string(what) + " is truncated");
        return data_[offset_++];
    }
    Result<std::uint16_t> length(std::string_view what) {
        auto value = shortvec_decode(data_, offset_);
        if (!value) return malformed(std::string(what) + ": " + value.error().message);
        return *value;
    }
    Result<ByteView> take(std::size_t count, std::string_view what) {
        if (remaining() < count) return malformed(std::string(what) + " is truncated");
        ByteView out = data_.subspan(offset_, count);
        offset_ += count;
        return out;
    }
    Result<PublicKey> key(std::string_view what) {
        auto bytes = take(kPublicKeyBytes, what);
        if (!bytes) return bytes.error();
        return PublicKey::from_bytes(*bytes);
    }
    Result<std::vector<std::uint8_t>> index_list(std::string_view what) {
        auto count = length(what);
        if (!count) return count.error();
        auto bytes = take(*count, what);
        if (!bytes) return bytes.error();
        return std::vector<std::uint8_t>(bytes->begin(), bytes->end());
    }

private:
    ByteView data_;
    std::size_t offset_ = 0;
};

Status append_length(Bytes& out, std::size_t count, std::string_view field) {
    if (count > 0xffff) {
        return fail(ErrorCode::TooLong, "more than 65535 entries cannot be length-prefixed",
                    std::string(field));
    }
    shortvec_append(out, static_cast<std::uint16_t>(count));
    return {};
}

Result<CompiledInstruction> read_instruction(Reader& reader) {
    CompiledInstruction instruction;
    auto program = reader.u8("program id index");
    if (!program) return program.error();
    instruction.program_id_index = *program;
    auto accounts = reader.index_list("instruction accounts");
    if (!accounts) return at("accounts", accounts.error());
    instruction.accounts = std::move(*accounts);
    auto data_length = reader.length("instruction data");
    if (!data_length) return at("data", data_length.error());
    auto data = reader.take(*data_length, "instruction data");
    if (!data) return at("data", data.error());
    instruction.data.assign(data->begin(), data->end());
    return instruction;
}

Result<AddressTableLookup> read_lookup(Reader& reader) {
    AddressTableLookup lookup;
    auto key = reader.key("lookup table key");
    if (!key) return at("account_key", key.error());
    lookup.account_key = *key;
    auto writable = reader.index_list("writable indexes");
    if (!writable) return at("writable_indexes", writable.error());
    lookup.writable_indexes = std::move(*writable);
    auto readonly = reader.index_list("readonly indexes");
    if (!readonly) return at("readonly_indexes", readonly.error());
    lookup.readonly_indexes = std::move(*readonly);
    return lookup;
}

}  // namespace

std::size_t Message::lookup_writable_count() const {
    std::size_t count = 0;
    for (const auto& lookup : address_table_lookups) count += lookup.writable_indexes.size();
    return count;
}

std::size_t Message::lookup_readonly_count() const {
    std::size_t count = 0;
    for (const auto& lookup : address_table_lookups) count += lookup.readonly_indexes.size();
    return count;
}

std::size_t Message::total_account_count() const {
    return account_keys.size() + lookup_writable_count() + lookup_readonly_count();
}

bool Message::is_signer(std::size_t index) const {
    return index < header.num_required_signatures && index < account_keys.size();
}

bool Message::is_writable(std::size_t index) const {
    const std::size_t n = account_keys.size();
    if (index < n) {
        const std::size_t required = header.num_required_signatures;
        if (index < required) return index + header.num_readonly_signed_accounts < required;
        return index + header.num_readonly_unsigned_accounts < n;
    }
    return index - n < lookup_writable_count();
}

std::optional<PublicKey> Message::static_key(std::size_t index) const {
    if (index < account_keys.size()) return account_keys[index];
    return std::nullopt;
}

Status validate_message(const Message& message) {
    const auto& header = message.header;
    const std::size_t n = message.account_keys.size();
    if (header.num_required_signatures >= kMessageVersionPrefix) {
        return malformed("num_required_signatures must be below 128",
                         "header.num_required_signatures");
    }
    if (header.num_readonly_signed_accounts >= header.num_required_signatures) {
        return malformed(
            "the fee payer must be a writable signer: num_readonly_signed_accounts must be "
            "below num_required_signatures",
            "header.num_readonly_signed_accounts");
    }
    if (std::size_t{header.num_required_signatures} + header.num_readonly_unsigned_accounts > n) {
        return malformed(
            "num_required_signatures + num_readonly_unsigned_accounts exceeds the key count",
            "header");
    }
    if (message.version == MessageVersion::Legacy && !message.address_table_lookups.empty()) {
        return malformed("a legacy message has no address table lookups", "address_table_lookups");
    }
    for (std::size_t i = 0; i < message.address_table_lookups.size(); ++i) {
        const auto& lookup = message.address_table_lookups[i];
        if (lookup.writable_indexes.empty() && lookup.readonly_indexes.empty()) {
            return malformed("an address table lookup must load at least one account",
                             indexed("address_table_lookups", i));
        }
    }
    const std::size_t total = message.total_account_count();
    if (total > kMaxMessageAccounts) {
        return malformed("a message addresses at most 256 accounts", "account_keys");
    }
    std::unordered_set<PublicKey> seen;
    for (std::size_t i = 0; i < n; ++i) {
        if (!seen.insert(message.account_keys[i]).second) {
            return fail(ErrorCode::DuplicateAccount,
                        "account " + message.account_keys[i].to_base58() + " is listed twice",
                        indexed("account_keys", i));
        }
    }
    for (std::size_t i = 0; i < message.instructions.size(); ++i) {
        const auto& instruction = message.instructions[i];
        const std::string field = indexed("instructions", i);
        // Program ids cannot come from lookup tables, and the fee payer cannot be a program.
        if (instruction.program_id_index == 0) {
            return malformed("the fee payer cannot be the program", field + ".program_id_index");
        }
        if (instruction.program_id_index >= n) {
            return malformed("program id index is out of range", field + ".program_id_index");
        }
        for (std::size_t a = 0; a < instruction.accounts.size(); ++a) {
            if (instruction.accounts[a] >= total) {
                return malformed("account index is out of range",
                                 field + "." + indexed("accounts", a));
            }
        }
    }
    return {};
}

Result<Bytes> serialize_message(const Message& message) {
    HILT_TRY(validate_message(message));
    Bytes out;
    out.reserve(kMaxTransactionBytes);
    if (message.version == MessageVersion::V0) out.push_back(kMessageVersionPrefix);
    out.push_back(message.header.num_required_signatures);
    out.push_back(message.header.num_readonly_signed_accounts);
    out.push_back(message.header.num_readonly_unsigned_accounts);
    HILT_TRY(append_length(out, message.account_keys.size(), "account_keys"));
    for (const auto& key : message.account_keys)
        out.insert(out.end(), key.bytes.begin(), key.bytes.end());
    out.insert(out.end(), message.recent_blockhash.bytes.begin(),
               message.recent_blockhash.bytes.end());
    HILT_TRY(append_length(out, message.instructions.size(), "instructions"));
    for (std::size_t i = 0; i < message.instructions.size(); ++i) {
        const auto& instruction = message.instructions[i];
        const std::string field = indexed("instructions", i);
        out.push_back(instruction.program_id_index);
        HILT_TRY(append_length(out, instruction.accounts.size(), field + ".accounts"));
        out.insert(out.end(), instruction.accounts.begin(), instruction.accounts.end());
        HILT_TRY(append_length(out, instruction.data.size(), field + ".data"));
        out.insert(out.end(), instruction.data.begin(), instruction.data.end());
    }
    if (message.version == MessageVersion::V0) {
        HILT_TRY(append_length(out, message.address_table_lookups.size(), "address_table_lookups"));
        for (const auto& lookup : message.address_table_lookups) {
            out.insert(out.end(), lookup.account_key.bytes.begin(), lookup.account_key.bytes.end());
            HILT_TRY(append_length(out, lookup.writable_indexes.size(), "address_table_lookups"));
            out.insert(out.end(), lookup.writable_indexes.begin(), lookup.writable_indexes.end());
            HILT_TRY(append_length(out, lookup.readonly_indexes.size(), "address_table_lookups"));
            out.insert(out.end(), lookup.readonly_indexes.begin(), lookup.readonly_indexes.end());
        }
    }
    return out;
}

Result<Message> parse_message(ByteView bytes) {
    if (bytes.size() > kMaxTransactionBytes) {
        return fail(ErrorCode::TransactionTooLarge, "a message cannot exceed 1232 bytes");
    }
    Reader reader(bytes);
    Message message;
    auto first = reader.u8("message header");
    if (!first) return at("header", first.error());
    std::uint8_t required = *first;
    if ((*first & kMessageVersionPrefix) != 0) {
        const std::uint8_t version = *first & static_cast<std::uint8_t>(~kMessageVersionPrefix);
        if (version != 0) {
            return fail(ErrorCode::UnsupportedVersion,
                        "message version " + std::to_string(version) + " is not supported",
                        "version");
        }
        message.version = MessageVersion::V0;
        auto next = reader.u8("message header");
        if (!next) return at("header", next.error());
        required = *next;
    }
    message.header.num_required_signatures = required;
    auto readonly_signed = reader.u8("message header");
    if (!readonly_signed) return at("header", readonly_signed.error());
    message.header.num_readonly_signed_accounts = *readonly_signed;
    auto readonly_unsigned = reader.u8("message header");
    if (!readonly_unsigned) return at("header", readonly_unsigned.error());
    message.header.num_readonly_unsigned_accounts = *readonly_unsigned;

    auto key_count = reader.length("account keys");
    if (!key_count) return at("account_keys", key_count.error());
    // Check the length against what is left before allocating for it.
    if (std::size_t{*key_count} * kPublicKeyBytes > reader.remaining()) {
        return malformed("account keys are truncated", "account_keys");
    }
    message.account_keys.reserve(*key_count);
    for (std::size_t i = 0; i < *key_count; ++i) {
        auto key = reader.key("account key");
        if (!key) return at(indexed("account_keys", i), key.error());
        message.account_keys.push_back(*key);
    }
    auto blockhash = reader.key("recent blockhash");
    if (!blockhash) return at("recent_blockhash", blockhash.error());
    message.recent_blockhash = *blockhash;

    auto instruction_count = reader.length("instructions");
    if (!instruction_count) return at("instructions", instruction_count.error());
    // Each instruction takes at least 3 bytes (program index, two empty lengths).
    if (std::size_t{*instruction_count} * 3 > reader.remaining()) {
        return malformed("instructions are truncated", "instructions");
    }
    message.instructions.reserve(*instruction_count);
    for (std::size_t i = 0; i < *instruction_count; ++i) {
        auto instruction = read_instruction(reader);
        if (!instruction) return at(indexed("instructions", i), instruction.error());
        message.instructions.push_back(std::move(*instruction));
    }

    if (message.version == MessageVersion::V0) {
        auto lookup_count = reader.length("address table lookups");
        if (!lookup_count) return at("address_table_lookups", lookup_count.error());
        // Each lookup takes at least 34 bytes (key, two empty lengths).
        if (std::size_t{*lookup_count} * (kPublicKeyBytes + 2) > reader.remaining()) {
            return malformed("address table lookups are truncated", "address_table_lookups");
        }
        for (std::size_t i = 0; i < *lookup_count; ++i) {
            auto lookup = read_lookup(reader);
            if (!lookup) return at(indexed("address_table_lookups", i), lookup.error());
            message.address_table_lookups.push_back(std::move(*lookup));
        }
    }
    if (reader.remaining() != 0) {
        return malformed(std::to_string(reader.remaining()) +
                         " unexpected bytes after the message");
    }
    HILT_TRY(validate_message(message));
    return message;
}

Result<Message> compile_message(const PublicKey& fee_payer,
                                std::span<const Instruction> instructions,
                                const PublicKey& recent_blockhash, MessageVersion version) {
    // First-mention order with merged flags (web3.js CompiledKeys.compile).
    struct KeyMeta {
        PublicKey key;
        bool is_signer = false;
        bool is_writable = false;
    };
    std::vector<KeyMeta> metas;
    std::unordered_map<PublicKey, std::size_t> position;
    auto meta_for = [&](const PublicKey& key) -> KeyMeta& {
        auto [it, inserted] = position.emplace(key, metas.size());
        if (inserted) metas.push_back(KeyMeta{key});
        return metas[it->second];
    };
    auto& payer = meta_for(fee_payer);
    payer.is_signer = true;
    payer.is_writable = true;
    for (const auto& instruction : instructions) {
        meta_for(instruction.program_id);
        for (const auto& account : instruction.accounts) {
            auto& meta = meta_for(account.pubkey);
            meta.is_signer = meta.is_signer || account.is_signer;
            meta.is_writable = meta.is_writable || account.is_writable;
        }
    }
    if (metas.size() > kMaxMessageAccounts) {
        return fail(ErrorCode::TooMany, "a message addresses at most 256 accounts", "instructions");
    }

    Message message;
    message.version = version;
    message.recent_blockhash = recent_blockhash;
    std::size_t signers = 0, readonly_signers = 0, readonly_unsigned = 0;
    auto add_group = [&](bool signer, bool writable) {
        for (const auto& meta : metas) {
            if (meta.is_signer != signer || meta.is_writable != writable) continue;
            message.account_keys.push_back(meta.key);
            if (signer) ++signers;
            if (signer && !writable) ++readonly_signers;
            if (!signer && !writable) ++readonly_unsigned;
        }
    };
    add_group(true, true);
    add_group(true, false);
    add_group(false, true);
    add_group(false, false);
    if (signers >= kMessageVersionPrefix) {
        return fail(ErrorCode::TransactionTooLarge, "too many signers for one transaction",
                    "instructions");
    }
    message.header.num_required_signatures = static_cast<std::uint8_t>(signers);
    message.header.num_readonly_signed_accounts = static_cast<std::uint8_t>(readonly_signers);
    message.header.num_readonly_unsigned_accounts = static_cast<std::uint8_t>(readonly_unsigned);

    std::unordered_map<PublicKey, std::uint8_t> index_of;
    for (std::size_t i = 0; i < message.account_keys.size(); ++i) {
        index_of.emplace(message.account_keys[i], static_cast<std::uint8_t>(i));
    }
    for (const auto& instruction : instructions) {
        CompiledInstruction compiled;
        compiled.program_id_index =
            index_of.find(instruction.program_id)->second;  // always present
        compiled.accounts.reserve(instruction.accounts.size());
        for (const auto& account : instruction.accounts) {
            compiled.accounts.push_back(index_of.find(account.pubkey)->second);
        }
        compiled.data = instruction.data;
        message.instructions.push_back(std::move(compiled));
    }

    auto bytes = serialize_message(message);
    if (!bytes) return bytes.error();
    const std::size_t wire_size =
        shortvec_encode(static_cast<std::uint16_t>(signers)).size() + signers * 64 + bytes->size();
    if (wire_size > kMaxTransactionBytes) {
        return fail(ErrorCode::TransactionTooLarge,
                    "the signed transaction would be " + std::to_string(wire_size) +
                        " bytes; the limit is 1232",
                    "instructions");
    }
    return message;
}

}  // namespace hilt::solana
