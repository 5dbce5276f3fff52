// server/chain/rpc_chain.cpp: each Chain method as its JSON-RPC call, and the checked parsing of
// the answers. Rules: solana-phantom.md §5 (methods, errors), §3.8 (account layouts), §2 (wire
// format); error variant names from the programs' error enums (token interface/src/error.rs, system
// interface/src/error.rs, associated-token-account error.rs).
#include "chain/rpc_chain.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <iterator>
#include <limits>

#include "encoding/base64.h"

namespace hilt::server {
namespace {

using nlohmann::json;
using solana::PublicKey;
namespace programs = solana::programs;

// Custom program errors the checkout can meet, by program (ProgramError::Custom(n) = variant n).
constexpr std::array<std::string_view, 20> kTokenErrors = {"NotRentExempt",
                                                           "InsufficientFunds",
                                                           "InvalidMint",
                                                           "MintMismatch",
                                                           "OwnerMismatch",
                                                           "FixedSupply",
                                                           "AlreadyInUse",
                                                           "InvalidNumberOfProvidedSigners",
                                                           "InvalidNumberOfRequiredSigners",
                                                           "UninitializedState",
                                                           "NativeNotSupported",
                                                           "NonNativeHasBalance",
                                                           "InvalidInstruction",
                                                           "InvalidState",
                                                           "Overflow",
                                                           "AuthorityTypeNotSupported",
                                                           "MintCannotFreeze",
                                                           "AccountFrozen",
                                                           "MintDecimalsMismatch",
                                                           "NonNativeNotSupported"};
// SystemError; variant 1 (ResultWithNegativeLamports, "Transfer: insufficient lamports") carries
// the sandbox's name for a short transfer.
constexpr std::array<std::string_view, 9> kSystemErrors = {
    "AccountAlreadyInUse",      "InsufficientFunds",        "InvalidProgramId",
    "InvalidAccountDataLength", "MaxSeedLengthExceeded",    "AddressWithSeedMismatch",
    "NonceNoRecentBlockhashes", "NonceBlockhashNotExpired", "NonceUnexpectedBlockhashValue"};
constexpr std::array<std::string_view, 1> kAssociatedTokenErrors = {"InvalidOwner"};

// Custom JSON-RPC error codes (agave rpc-client-api custom_error.rs).
constexpr std::int64_t kPreflightFailure = -32002;
constexpr std::int64_t kSignatureVerificationFailure = -32003;
constexpr std::int64_t kSignatureLengthMismatch = -32013;
constexpr std::int64_t kUnsupportedTransactionVersion = -32015;
constexpr std::int64_t kInvalidParams = -32602;
constexpr std::string_view kAlreadyProcessedText = "already been processed";

// SPL Token layouts (token interface/src/state.rs; solana-phantom.md §3.8).
constexpr std::size_t kTokenAccountBytes = 165;
constexpr std::size_t kMintBytes = 82;
constexpr std::size_t kAccountMintOffset = 0;
constexpr std::size_t kAccountOwnerOffset = 32;
constexpr std::size_t kAccountAmountOffset = 64;
constexpr std::size_t kAccountDelegateOffset = 72;
constexpr std::size_t kAccountStateOffset = 108;
constexpr std::size_t kAccountDelegatedAmountOffset = 121;
constexpr std::size_t kMintSupplyOffset = 36;
constexpr std::size_t kMintDecimalsOffset = 44;
constexpr std::size_t kMintInitializedOffset = 45;
constexpr std::uint8_t kAccountInitialized = 1;
constexpr std::uint8_t kAccountFrozen = 2;
// Token-2022 accounts with extensions: the base layout, padding to 165 bytes, then the account
// type.
constexpr std::size_t kAccountTypeOffset = 165;
constexpr std::uint8_t kAccountTypeMint = 1;
constexpr std::uint8_t kAccountTypeAccount = 2;
constexpr std::size_t kSignatureBytes = 64;

// ---- reading answers ---------------------------------------------------------------------------

Error unexpected(std::string_view method, std::string field, std::string_view what) {
    return fail(ErrorCode::ChainUnavailable,
                "the Solana RPC node's " + std::string(method) +
                    " answer is unexpected: " + std::string(what),
                std::move(field));
}

const json* member(const json& object, std::string_view key) {
    if (!object.is_object()) return nullptr;
    const auto found = object.find(key);
    return found == object.end() ? nullptr : &*found;
}

const json& or_null(const json* value) {
    static const json kNull;
    return value ? *value : kNull;
}

std::string safe_dump(const json& value) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Reads the member `key` of `object` (a path for errors is `field`).
class Reader {
public:
    Reader(std::string_view method, const json& object, std::string field)
        : method_(method), object_(object), field_(std::move(field)) {}

    std::string path(std::string_view key) const {
        return field_.empty() ? std::string(key) : field_ + "." + std::string(key);
    }
    const json* find(std::string_view key) const { return member(object_, key); }

    Result<std::uint64_t> u64(std::string_view key) const {
        const json* value = find(key);
        if (!value || !value->is_number_unsigned()) {
            return unexpected(method_, path(key), "expected an unsigned integer");
        }
        return value->get<std::uint64_t>();
    }
    Result<std::string> string(std::string_view key) const {
        const json* value = find(key);
        if (!value || !value->is_string())
            return unexpected(method_, path(key), "expected a string");
        return value->get<std::string>();
    }
    Result<PublicKey> key(std::string_view key) const {
        auto text = string(key);
        if (!text) return text.error();
        auto parsed = PublicKey::parse(*text);
        if (!parsed) return unexpected(method_, path(key), "expected a base58 address");
        return *parsed;
    }
    Result<std::vector<std::uint64_t>> u64_list(std::string_view key) const {
        const json* value = find(key);
        if (!value || !value->is_array())
            return unexpected(method_, path(key), "expected an array");
        std::vector<std::uint64_t> out;
        out.reserve(value->size());
        for (const auto& item : *value) {
            if (!item.is_number_unsigned()) {
                return unexpected(method_, path(key), "expected unsigned integers");
            }
            out.push_back(item.get<std::uint64_t>());
        }
        return out;
    }
    // An array of strings, or null / absent for none.
    Result<std::vector<std::string>> strings_or_null(std::string_view key) const {
        const json* value = find(key);
        std::vector<std::string> out;
        if (!value || value->is_null()) return out;
        if (!value->is_array()) return unexpected(method_, path(key), "expected an array");
        out.reserve(value->size());
        for (const auto& item : *value) {
            if (!item.is_string()) return unexpected(method_, path(key), "expected strings");
            out.push_back(item.get<std::string>());
        }
        return out;
    }

private:
    std::string_view method_;
    const json& object_;
    std::string field_;
};

// {"context":…,"value":…} → value.
Result<const json*> context_value(std::string_view method, const json& result) {
    const json* value = member(result, "value");
    if (!value) return unexpected(method, "value", "expected {context, value}");
    return value;
}

// ["<base64>","base64"] → bytes.
Result<Bytes> base64_data(std::string_view method, const json* data, const std::string& field) {
    if (!data || !data->is_array() || data->size() != 2 || !(*data)[0].is_string() ||
        (*data)[1] != "base64") {
        return unexpected(method, field, "expected [\"<base64>\", \"base64\"]");
    }
    auto bytes = base64_decode((*data)[0].get<std::string>());
    if (!bytes) return unexpected(method, field, "invalid base64");
    return std::move(*bytes);
}

std::optional<Commitment> commitment_from(const json* value) {
    if (!value || !value->is_string()) return std::nullopt;
    const auto& text = value->get_ref<const std::string&>();
    if (text == "processed") return Commitment::Processed;
    if (text == "confirmed") return Commitment::Confirmed;
    if (text == "finalized") return Commitment::Finalized;
    return std::nullopt;
}

// get_transaction and signatures_for_address: RPC refuses processed for them.
Commitment readable(Commitment commitment) {
    return commitment == Commitment::Processed ? Commitment::Confirmed : commitment;
}

json commitment_config(Commitment commitment) {
    return {{"commitment", std::string(to_string(commitment))}};
}

bool is_signature(const std::string& text) {
    auto bytes = base58_decode_exact(text, kSignatureBytes);
    return bytes.ok();
}

bool parse_u64_text(const std::string& text, std::uint64_t& out) {
    if (text.empty() || text.size() > 20) return false;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc{} && end == text.data() + text.size();
}

// ---- RPC errors --------------------------------------------------------------------------------

Error rpc_failure(std::string_view method, const RpcError& error) {
    return fail(ErrorCode::ChainUnavailable, "the Solana RPC node refused " + std::string(method) +
                                                 " (" + std::to_string(error.code) + " " +
                                                 error.message + ")");
}

bool mentions_already_processed(const RpcError& error) {
    return error.message.find(kAlreadyProcessedText) != std::string::npos;
}

// sendTransaction / simulateTransaction errors about the transaction itself.
std::optional<Error> transaction_refusal(const RpcError& error) {
    switch (error.code) {
        case kSignatureVerificationFailure:
            return fail(ErrorCode::InvalidSignature,
                        "the cluster refused a signature: " + error.message, "signatures");
        case kSignatureLengthMismatch:
            return fail(ErrorCode::MalformedTransaction,
                        "the cluster refused the signatures: " + error.message, "signatures");
        case kUnsupportedTransactionVersion:
            return fail(ErrorCode::UnsupportedVersion,
                        "the cluster refused the version: " + error.message, "message.version");
        case kInvalidParams:
            return fail(ErrorCode::MalformedTransaction,
                        "the cluster could not read the transaction: " + error.message);
        default:
            return std::nullopt;
    }
}

// ---- token layouts -----------------------------------------------------------------------------

std::uint64_t read_u64_le(const Bytes& data, std::size_t offset) {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < 8; ++i) value |= std::uint64_t{data[offset + i]} << (8 * i);
    return value;
}

std::uint32_t read_u32_le(const Bytes& data, std::size_t offset) {
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < 4; ++i) value |= std::uint32_t{data[offset + i]} << (8 * i);
    return value;
}

PublicKey read_key(const Bytes& data, std::size_t offset) {
    return PublicKey::from_bytes(ByteView(data).subspan(offset, solana::kPublicKeyBytes));
}

bool has_base_layout(const Bytes& data, std::size_t base_size, std::uint8_t account_type,
                     bool token2022) {
    if (data.size() == base_size) return true;
    return token2022 && data.size() > kAccountTypeOffset &&
           data[kAccountTypeOffset] == account_type;
}

std::optional<TokenAccountState> decode_token_account(const Bytes& data, bool token2022) {
    if (!has_base_layout(data, kTokenAccountBytes, kAccountTypeAccount, token2022))
        return std::nullopt;
    const std::uint8_t state = data[kAccountStateOffset];
    if (state != kAccountInitialized && state != kAccountFrozen) return std::nullopt;
    TokenAccountState out;
    out.mint = read_key(data, kAccountMintOffset);
    out.owner = read_key(data, kAccountOwnerOffset);
    out.amount = read_u64_le(data, kAccountAmountOffset);
    const std::uint32_t delegate_tag = read_u32_le(data, kAccountDelegateOffset);
    if (delegate_tag > 1) return std::nullopt;  // not a COption: not a token account
    if (delegate_tag == 1) out.delegate = read_key(data, kAccountDelegateOffset + 4);
    out.delegated_amount = read_u64_le(data, kAccountDelegatedAmountOffset);
    out.frozen = state == kAccountFrozen;
    return out;
}

std::optional<MintState> decode_mint(const Bytes& data, bool token2022) {
    if (!has_base_layout(data, kMintBytes, kAccountTypeMint, token2022)) return std::nullopt;
    if (data[kMintInitializedOffset] != 1) return std::nullopt;
    return MintState{data[kMintDecimalsOffset], read_u64_le(data, kMintSupplyOffset)};
}

// One account as getAccountInfo and getMultipleAccounts write it (base64 encoding): null, or
// {lamports, owner, data: [<base64>, "base64"], …}. `field` is its path for errors.
Result<std::optional<AccountState>> account_from_rpc(std::string_view method, const json& value,
                                                     const std::string& field) {
    if (value.is_null()) return std::optional<AccountState>{};
    const Reader read(method, value, field);
    AccountState out;
    auto lamports = read.u64("lamports");
    if (!lamports) return lamports.error();
    out.lamports = *lamports;
    auto owner = read.key("owner");
    if (!owner) return owner.error();
    out.owner = *owner;
    auto data = base64_data(method, read.find("data"), read.path("data"));
    if (!data) return data.error();
    const bool token2022 = out.owner == programs::kToken2022;
    if (out.owner == programs::kToken || token2022) {
        out.token_account = decode_token_account(*data, token2022);
        if (!out.token_account) out.mint = decode_mint(*data, token2022);
    }
    return std::optional<AccountState>{std::move(out)};
}

// ---- transaction errors ------------------------------------------------------------------------

template <std::size_t N>
std::optional<std::string_view> variant(const std::array<std::string_view, N>& names,
                                        std::uint64_t code) {
    if (code >= N) return std::nullopt;
    return names[code];
}

std::optional<std::string_view> custom_error_name(const PublicKey& program, std::uint64_t code) {
    if (program == programs::kToken || program == programs::kToken2022) {
        return variant(kTokenErrors, code);
    }
    if (program == programs::kSystem) return variant(kSystemErrors, code);
    if (program == programs::kAssociatedToken) return variant(kAssociatedTokenErrors, code);
    return std::nullopt;
}

std::optional<PublicKey> program_of(const solana::Message* message, std::size_t instruction) {
    if (!message || instruction >= message->instructions.size()) return std::nullopt;
    return message->static_key(message->instructions[instruction].program_id_index);
}

std::optional<std::size_t> small_index(const json& value) {
    if (!value.is_number_unsigned()) return std::nullopt;
    const auto index = value.get<std::uint64_t>();
    if (index > std::numeric_limits<std::uint32_t>::max()) return std::nullopt;
    return static_cast<std::size_t>(index);
}

TransactionError instruction_error(const json& payload, const solana::Message* message,
                                   const std::string& detail) {
    TransactionError out{"InstructionError", std::nullopt, detail};
    if (!payload.is_array() || payload.size() != 2) return out;
    out.instruction_index = small_index(payload[0]);
    const json& inner = payload[1];
    if (inner.is_string()) {
        out.name = inner.get<std::string>();
        return out;
    }
    if (!inner.is_object() || inner.size() != 1) return out;
    const auto first = inner.begin();  // an object's iterator: key() and value() live in `inner`
    const std::string& kind = first.key();
    const json& value = first.value();
    out.name = kind;
    if (kind != "Custom" || !value.is_number_unsigned() || !out.instruction_index) return out;
    const auto program = program_of(message, *out.instruction_index);
    if (!program) return out;
    if (auto name = custom_error_name(*program, value.get<std::uint64_t>())) out.name = *name;
    return out;
}

}  // namespace

std::optional<TransactionError> transaction_error_from_rpc(const json& err,
                                                           const solana::Message* message) {
    if (err.is_null()) return std::nullopt;
    const std::string detail = safe_dump(err);
    if (err.is_string()) return TransactionError{err.get<std::string>(), std::nullopt, detail};
    if (!err.is_object() || err.size() != 1)
        return TransactionError{"Unknown", std::nullopt, detail};
    const auto first = err.begin();  // an object's iterator: key() and value() live in `err`
    const std::string& kind = first.key();
    const json& value = first.value();
    if (kind == "InstructionError") return instruction_error(value, message, detail);
    TransactionError out{kind, std::nullopt, detail};
    if (kind == "DuplicateInstruction") out.instruction_index = small_index(value);
    return out;
}

// ---- construction ------------------------------------------------------------------------------

RpcClientOptions RpcChainOptions::client_options() const {
    RpcClientOptions out;
    out.url = url;
    out.connect_timeout = connect_timeout;
    out.timeout = timeout;
    out.max_attempts = max_attempts;
    out.backoff_base = backoff_base;
    out.max_requests_per_second = max_requests_per_second;
    out.ca_file = ca_file;
    return out;
}

Result<std::unique_ptr<RpcChain>> RpcChain::create(RpcChainOptions options) {
    auto client = RpcClient::create(options.client_options());
    if (!client) return client.error();
    return std::unique_ptr<RpcChain>(new RpcChain(std::move(*client), options.commitment));
}

RpcChain::RpcChain(std::unique_ptr<RpcClient> client, Commitment commitment)
    : client_(std::move(client)), commitment_(commitment) {}

// ---- reads -------------------------------------------------------------------------------------

Result<LatestBlockhash> RpcChain::latest_blockhash(Commitment commitment) {
    constexpr std::string_view kMethod = "getLatestBlockhash";
    auto reply = client_->call(kMethod, json::array({commitment_config(commitment)}));
    if (!reply) return reply.error();
    if (reply->error) return rpc_failure(kMethod, *reply->error);
    auto value = context_value(kMethod, reply->result);
    if (!value) return value.error();
    const Reader read(kMethod, **value, "value");
    auto blockhash = read.key("blockhash");
    if (!blockhash) return blockhash.error();
    auto last_valid = read.u64("lastValidBlockHeight");
    if (!last_valid) return last_valid.error();
    return LatestBlockhash{*blockhash, *last_valid};
}

Result<std::uint64_t> RpcChain::block_height(Commitment commitment) {
    constexpr std::string_view kMethod = "getBlockHeight";
    auto reply = client_->call(kMethod, json::array({commitment_config(commitment)}));
    if (!reply) return reply.error();
    if (reply->error) return rpc_failure(kMethod, *reply->error);
    if (!reply->result.is_number_unsigned()) {
        return unexpected(kMethod, "result", "expected an unsigned integer");
    }
    return reply->result.get<std::uint64_t>();
}

Result<std::vector<RpcReply>> RpcChain::call_packed(std::vector<RpcCall> calls) {
    std::vector<RpcReply> replies;
    replies.reserve(calls.size());
    for (std::size_t begin = 0; begin < calls.size();) {
        std::size_t end = begin;
        std::size_t bytes = 2;  // the batch's brackets
        while (end < calls.size()) {
            const std::size_t size = rpc_call_bytes(calls[end]);
            if (end > begin && bytes + size > kRpcMaxRequestBytes) break;
            bytes += size;
            ++end;
        }
        if (end - begin == 1) {
            auto reply = client_->call(calls[begin].method, std::move(calls[begin].params));
            if (!reply) return reply.error();
            replies.push_back(std::move(*reply));
        } else {
            const std::vector<RpcCall> batch(
                std::make_move_iterator(calls.begin() + static_cast<std::ptrdiff_t>(begin)),
                std::make_move_iterator(calls.begin() + static_cast<std::ptrdiff_t>(end)));
            auto answered = client_->call_batch(batch);
            if (!answered) return answered.error();
            for (auto& reply : *answered) replies.push_back(std::move(reply));
        }
        begin = end;
    }
    return replies;
}

Result<std::vector<std::optional<SignatureStatus>>> RpcChain::signature_statuses(
    const std::vector<std::string>& signatures) {
    constexpr std::string_view kMethod = "getSignatureStatuses";
    std::vector<std::optional<SignatureStatus>> out(signatures.size());
    // Positions (into `signatures`) of each call's signatures.
    std::vector<std::vector<std::size_t>> chunks;
    for (std::size_t i = 0; i < signatures.size(); ++i) {
        if (!is_signature(signatures[i])) continue;  // unknown, like the sandbox answers
        if (chunks.empty() || chunks.back().size() == kRpcMaxSignatureStatuses)
            chunks.emplace_back();
        chunks.back().push_back(i);
    }
    if (chunks.empty()) return out;
    std::vector<RpcCall> calls;
    calls.reserve(chunks.size());
    for (const auto& chunk : chunks) {
        json list = json::array();
        for (const std::size_t i : chunk) list.push_back(signatures[i]);
        // The whole history, not only the ~300-slot status cache: a transaction that landed while
        // nobody asked must not look lost (it would be declared expired).
        calls.push_back(
            RpcCall{std::string(kMethod),
                    json::array({std::move(list), {{"searchTransactionHistory", true}}})});
    }
    // Two full calls fit in one HTTP request.
    auto replies = call_packed(std::move(calls));
    if (!replies) return replies.error();
    for (std::size_t c = 0; c < chunks.size(); ++c) {
        const RpcReply& reply = (*replies)[c];
        if (reply.error) return rpc_failure(kMethod, *reply.error);
        auto value = context_value(kMethod, reply.result);
        if (!value) return value.error();
        if (!(*value)->is_array() || (*value)->size() != chunks[c].size()) {
            return unexpected(kMethod, "value", "expected one entry per signature");
        }
        for (std::size_t k = 0; k < chunks[c].size(); ++k) {
            const json& entry = (**value)[k];
            if (entry.is_null()) continue;
            const std::string field = "value[" + std::to_string(k) + "]";
            const Reader read(kMethod, entry, field);
            auto slot = read.u64("slot");
            if (!slot) return slot.error();
            SignatureStatus status;
            status.slot = *slot;
            if (const json* err = read.find("err"))
                status.err = transaction_error_from_rpc(*err, nullptr);
            if (auto level = commitment_from(read.find("confirmationStatus"))) {
                status.confirmation = *level;
            } else {
                // Nodes before confirmationStatus: confirmations is null once rooted.
                const json* confirmations = read.find("confirmations");
                status.confirmation = confirmations && confirmations->is_null()
                                          ? Commitment::Finalized
                                          : Commitment::Processed;
            }
            out[chunks[c][k]] = std::move(status);
        }
    }
    return out;
}

namespace {

Result<std::vector<TokenBalance>> token_balances(std::string_view method, const Reader& meta,
                                                 std::string_view key,
                                                 const std::vector<PublicKey>& account_keys) {
    std::vector<TokenBalance> out;
    const json* list = meta.find(key);
    if (!list || list->is_null()) return out;
    if (!list->is_array()) return unexpected(method, meta.path(key), "expected an array");
    for (std::size_t i = 0; i < list->size(); ++i) {
        const Reader read(method, (*list)[i], meta.path(key) + "[" + std::to_string(i) + "]");
        TokenBalance balance;
        auto index = read.u64("accountIndex");
        if (!index) return index.error();
        if (*index >= account_keys.size()) {
            return unexpected(method, read.path("accountIndex"), "no such account");
        }
        balance.account_index = static_cast<std::size_t>(*index);
        balance.account = account_keys[balance.account_index];
        auto mint = read.key("mint");
        if (!mint) return mint.error();
        balance.mint = *mint;
        if (const json* owner = read.find("owner"); owner && !owner->is_null()) {
            auto parsed = read.key("owner");
            if (!parsed) return parsed.error();
            balance.owner = *parsed;
        }
        const Reader amount(method, or_null(read.find("uiTokenAmount")),
                            read.path("uiTokenAmount"));
        auto raw = amount.string("amount");
        if (!raw) return raw.error();
        if (!parse_u64_text(*raw, balance.amount)) {
            return unexpected(method, amount.path("amount"), "expected a u64 in decimal");
        }
        auto decimals = amount.u64("decimals");
        if (!decimals) return decimals.error();
        if (*decimals > std::numeric_limits<std::uint8_t>::max()) {
            return unexpected(method, amount.path("decimals"), "out of range");
        }
        balance.decimals = static_cast<std::uint8_t>(*decimals);
        out.push_back(balance);
    }
    return out;
}

Result<std::vector<PublicKey>> key_list(std::string_view method, const json* list,
                                        const std::string& field) {
    std::vector<PublicKey> out;
    if (!list || list->is_null()) return out;
    if (!list->is_array()) return unexpected(method, field, "expected an array");
    for (const auto& item : *list) {
        if (!item.is_string()) return unexpected(method, field, "expected base58 addresses");
        auto key = PublicKey::parse(item.get<std::string>());
        if (!key) return unexpected(method, field, "expected base58 addresses");
        out.push_back(*key);
    }
    return out;
}

}  // namespace

Result<std::optional<ConfirmedTransaction>> RpcChain::get_transaction(const std::string& signature,
                                                                      Commitment commitment) {
    constexpr std::string_view kMethod = "getTransaction";
    if (!is_signature(signature)) return std::optional<ConfirmedTransaction>{};
    commitment = readable(commitment);
    json config = commitment_config(commitment);
    config["encoding"] = "base64";
    config["maxSupportedTransactionVersion"] = 0;
    auto reply = client_->call(kMethod, json::array({signature, std::move(config)}));
    if (!reply) return reply.error();
    if (reply->error) return rpc_failure(kMethod, *reply->error);
    if (reply->result.is_null()) return std::optional<ConfirmedTransaction>{};

    const Reader read(kMethod, reply->result, "");
    ConfirmedTransaction out;
    out.confirmation = commitment;
    auto slot = read.u64("slot");
    if (!slot) return slot.error();
    out.slot = *slot;
    if (const json* block_time = read.find("blockTime"); block_time && !block_time->is_null()) {
        if (!block_time->is_number_integer() ||
            (block_time->is_number_unsigned() &&
             block_time->get<std::uint64_t>() >
                 static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))) {
            return unexpected(kMethod, "blockTime", "expected unix seconds");
        }
        out.block_time = block_time->get<std::int64_t>();
    }
    auto wire = base64_data(kMethod, read.find("transaction"), "transaction");
    if (!wire) return wire.error();
    auto transaction = solana::parse_transaction(*wire);
    if (!transaction) {
        return unexpected(kMethod, "transaction",
                          "unreadable wire transaction: " + describe(transaction.error()));
    }
    out.transaction = std::move(*transaction);
    out.signature = solana::transaction_id(out.transaction);
    if (out.signature != signature) {
        return unexpected(kMethod, "transaction", "it is another transaction");
    }

    const json* meta_value = read.find("meta");
    if (!meta_value || !meta_value->is_object()) {
        return unexpected(kMethod, "meta", "no transaction status metadata");
    }
    const Reader meta(kMethod, *meta_value, "meta");
    out.account_keys = out.transaction.message.account_keys;
    if (const json* loaded = meta.find("loadedAddresses"); loaded && !loaded->is_null()) {
        auto writable =
            key_list(kMethod, member(*loaded, "writable"), "meta.loadedAddresses.writable");
        if (!writable) return writable.error();
        auto readonly =
            key_list(kMethod, member(*loaded, "readonly"), "meta.loadedAddresses.readonly");
        if (!readonly) return readonly.error();
        out.account_keys.insert(out.account_keys.end(), writable->begin(), writable->end());
        out.account_keys.insert(out.account_keys.end(), readonly->begin(), readonly->end());
    }
    if (out.account_keys.size() != out.transaction.message.total_account_count()) {
        return unexpected(kMethod, "meta.loadedAddresses",
                          "the loaded addresses do not fit the lookups");
    }
    if (const json* err = meta.find("err")) {
        out.err = transaction_error_from_rpc(*err, &out.transaction.message);
    }
    auto fee = meta.u64("fee");
    if (!fee) return fee.error();
    out.fee = *fee;
    auto pre = meta.u64_list("preBalances");
    if (!pre) return pre.error();
    out.pre_balances = std::move(*pre);
    auto post = meta.u64_list("postBalances");
    if (!post) return post.error();
    out.post_balances = std::move(*post);
    auto pre_tokens = token_balances(kMethod, meta, "preTokenBalances", out.account_keys);
    if (!pre_tokens) return pre_tokens.error();
    out.pre_token_balances = std::move(*pre_tokens);
    auto post_tokens = token_balances(kMethod, meta, "postTokenBalances", out.account_keys);
    if (!post_tokens) return post_tokens.error();
    out.post_token_balances = std::move(*post_tokens);
    auto logs = meta.strings_or_null("logMessages");
    if (!logs) return logs.error();
    out.log_messages = std::move(*logs);
    return std::optional<ConfirmedTransaction>{std::move(out)};
}

Result<std::vector<SignatureInfo>> RpcChain::signatures_for_address(const PublicKey& address,
                                                                    std::size_t limit,
                                                                    Commitment commitment) {
    constexpr std::string_view kMethod = "getSignaturesForAddress";
    if (limit == 0 || limit > kRpcMaxSignaturesForAddress) limit = kRpcMaxSignaturesForAddress;
    commitment = readable(commitment);
    json config = commitment_config(commitment);
    config["limit"] = limit;
    auto reply = client_->call(kMethod, json::array({address.to_base58(), std::move(config)}));
    if (!reply) return reply.error();
    if (reply->error) return rpc_failure(kMethod, *reply->error);
    if (!reply->result.is_array()) return unexpected(kMethod, "result", "expected an array");
    std::vector<SignatureInfo> out;
    out.reserve(reply->result.size());
    for (std::size_t i = 0; i < reply->result.size(); ++i) {
        const Reader read(kMethod, reply->result[i], "[" + std::to_string(i) + "]");
        SignatureInfo info;
        auto signature = read.string("signature");
        if (!signature) return signature.error();
        info.signature = std::move(*signature);
        auto slot = read.u64("slot");
        if (!slot) return slot.error();
        info.slot = *slot;
        if (const json* err = read.find("err"))
            info.err = transaction_error_from_rpc(*err, nullptr);
        info.confirmation = commitment_from(read.find("confirmationStatus")).value_or(commitment);
        out.push_back(std::move(info));
    }
    return out;
}

Result<std::optional<AccountState>> RpcChain::account(const PublicKey& address,
                                                      Commitment commitment) {
    constexpr std::string_view kMethod = "getAccountInfo";
    json config = commitment_config(commitment);
    config["encoding"] = "base64";
    auto reply = client_->call(kMethod, json::array({address.to_base58(), std::move(config)}));
    if (!reply) return reply.error();
    if (reply->error) return rpc_failure(kMethod, *reply->error);
    auto value = context_value(kMethod, reply->result);
    if (!value) return value.error();
    return account_from_rpc(kMethod, **value, "value");
}

Result<std::vector<std::optional<AccountState>>> RpcChain::accounts(
    std::span<const PublicKey> addresses, Commitment commitment) {
    constexpr std::string_view kMethod = "getMultipleAccounts";
    std::vector<RpcCall> calls;
    for (std::size_t begin = 0; begin < addresses.size(); begin += kRpcMaxMultipleAccounts) {
        json list = json::array();
        for (const PublicKey& address : addresses.subspan(begin).first(
                 std::min(kRpcMaxMultipleAccounts, addresses.size() - begin))) {
            list.push_back(address.to_base58());
        }
        json config = commitment_config(commitment);
        config["encoding"] = "base64";
        calls.push_back(
            RpcCall{std::string(kMethod), json::array({std::move(list), std::move(config)})});
    }
    std::vector<std::size_t> sizes;
    for (const RpcCall& call : calls) sizes.push_back(call.params[0].size());
    auto replies = call_packed(std::move(calls));
    if (!replies) return replies.error();
    std::vector<std::optional<AccountState>> out;
    out.reserve(addresses.size());
    for (std::size_t c = 0; c < replies->size(); ++c) {
        const RpcReply& reply = (*replies)[c];
        if (reply.error) return rpc_failure(kMethod, *reply.error);
        auto value = context_value(kMethod, reply.result);
        if (!value) return value.error();
        if (!(*value)->is_array() || (*value)->size() != sizes[c]) {
            return unexpected(kMethod, "value", "expected one entry per address");
        }
        for (std::size_t k = 0; k < sizes[c]; ++k) {
            auto state =
                account_from_rpc(kMethod, (**value)[k], "value[" + std::to_string(k) + "]");
            if (!state) return state.error();
            out.push_back(std::move(*state));
        }
    }
    return out;
}

// ---- sending -----------------------------------------------------------------------------------

Result<SimulationResult> RpcChain::simulate(const solana::Transaction& transaction) {
    constexpr std::string_view kMethod = "simulateTransaction";
    HILT_TRY(solana::validate_message(transaction.message));
    HILT_TRY(solana::verify_transaction_signatures(transaction));
    auto wire = solana::serialize_transaction(transaction);
    if (!wire) return wire.error();
    json config = commitment_config(commitment_);
    config["encoding"] = "base64";
    config["sigVerify"] = true;
    config["replaceRecentBlockhash"] = false;
    auto reply = client_->call(kMethod, json::array({base64_encode(*wire), std::move(config)}));
    if (!reply) return reply.error();
    if (reply->error) {
        if (auto refused = transaction_refusal(*reply->error)) return *refused;
        return rpc_failure(kMethod, *reply->error);
    }
    auto value = context_value(kMethod, reply->result);
    if (!value) return value.error();
    const Reader read(kMethod, **value, "value");
    SimulationResult out;
    if (const json* err = read.find("err"))
        out.err = transaction_error_from_rpc(*err, &transaction.message);
    auto logs = read.strings_or_null("logs");
    if (!logs) return logs.error();
    out.logs = std::move(*logs);
    if (const json* units = read.find("unitsConsumed"); units && !units->is_null()) {
        auto consumed = read.u64("unitsConsumed");
        if (!consumed) return consumed.error();
        out.units_consumed = *consumed;
    }
    return out;
}

Result<std::string> RpcChain::send(ByteView wire) {
    constexpr std::string_view kMethod = "sendTransaction";
    auto transaction = solana::parse_transaction(wire);
    if (!transaction) return transaction.error();
    HILT_TRY(solana::verify_transaction_signatures(*transaction));
    json config = {{"encoding", "base64"},
                   {"skipPreflight", false},
                   {"preflightCommitment", std::string(to_string(commitment_))}};
    auto reply = client_->call(kMethod, json::array({base64_encode(wire), std::move(config)}));
    if (!reply) return reply.error();
    if (reply->error) {
        const RpcError& error = *reply->error;
        if (error.code == kPreflightFailure) {
            auto err = transaction_error_from_rpc(or_null(member(error.data, "err")),
                                                  &transaction->message);
            if (!err) {
                err = mentions_already_processed(error)
                          ? TransactionError{"AlreadyProcessed", std::nullopt, error.message}
                          : TransactionError{"PreflightFailure", std::nullopt, error.message};
            }
            return rejection(*err);
        }
        if (mentions_already_processed(error)) {
            return rejection(TransactionError{"AlreadyProcessed", std::nullopt, error.message});
        }
        if (auto refused = transaction_refusal(error)) return *refused;
        return rpc_failure(kMethod, error);
    }
    if (!reply->result.is_string()) return unexpected(kMethod, "result", "expected a signature");
    // The id is signature 0 by definition; the node's echo only has to agree.
    std::string signature = solana::transaction_id(*transaction);
    if (reply->result.get<std::string>() != signature) {
        return unexpected(kMethod, "result", "the node names another signature");
    }
    return signature;
}

}  // namespace hilt::server
