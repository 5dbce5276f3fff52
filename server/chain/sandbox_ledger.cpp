// server/chain/sandbox_ledger.cpp: the sandbox's accounts and its small runtime. The checks and
// their order follow the programs' processors (system processor.rs, spl-token processor.rs
// process_transfer / process_approve / process_revoke / process_close_account,
// associated-token-account processor.rs,
// memo entrypoint.rs, compute-budget instruction_details.rs); error names are the runtime's own
// (InstructionError / TokenError / TransactionError variant names).
#include "chain/sandbox_ledger.h"

#include <algorithm>

#include "solana/instructions.h"
#include "solana/pda.h"

namespace hilt::server {
namespace {

using solana::PublicKey;
using solana::ResolvedAccount;
using solana::ResolvedInstruction;
namespace programs = solana::programs;

// Approximate compute units per instruction (real costs vary by a few hundred units).
constexpr std::uint64_t kCostSystemTransfer = 150;
constexpr std::uint64_t kCostComputeBudget = 150;
constexpr std::uint64_t kCostTokenTransfer = 4'600;
constexpr std::uint64_t kCostTokenTransferChecked = 6'200;
constexpr std::uint64_t kCostTokenApprove = 2'900;
constexpr std::uint64_t kCostTokenRevoke = 2'700;
constexpr std::uint64_t kCostTokenCloseAccount = 2'900;
constexpr std::uint64_t kCostAtaCreate = 21'000;
constexpr std::uint64_t kCostAtaExisting = 4'000;
constexpr std::uint64_t kCostMemo = 1'000;
// The priority fee's unit: the price is in micro-lamports per compute unit.
constexpr std::uint64_t kMicroLamportsPerLamport = 1'000'000;
// RequestHeapFrame bounds (MIN_HEAP_FRAME_BYTES, MAX_HEAP_FRAME_BYTES) and granularity.
constexpr std::uint64_t kMinHeapFrameBytes = 32 * 1024;
constexpr std::uint64_t kMaxHeapFrameBytes = 256 * 1024;
constexpr std::uint64_t kHeapFrameGranularity = 1024;

// SPL Token instruction tags (token interface/src/instruction.rs).
constexpr std::uint8_t kTokenTransfer = 3;
constexpr std::uint8_t kTokenApprove = 4;
constexpr std::uint8_t kTokenRevoke = 5;
constexpr std::uint8_t kTokenCloseAccount = 9;
constexpr std::uint8_t kTokenTransferChecked = 12;
constexpr std::uint8_t kTokenApproveChecked = 13;

// An instruction's failure: the runtime's error name and a log-style detail.
struct Failure {
    std::string name;
    std::string detail;
};
using Outcome = std::optional<Failure>;

Failure failure(std::string name, std::string detail) {
    return Failure{std::move(name), std::move(detail)};
}

std::string b58(const PublicKey& key) { return key.to_base58(); }

std::uint64_t read_u64(const Bytes& data, std::size_t offset) {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < 8; ++i) value |= std::uint64_t{data[offset + i]} << (8 * i);
    return value;
}

// A shared decoder's refusal, as the runtime names it.
Failure from_decode_error(const Error& error) {
    if (error.code == ErrorCode::InvalidValue)
        return failure("UnsupportedInstruction", error.message);
    if (error.field == "accounts") return failure("NotEnoughAccountKeys", error.message);
    return failure("InvalidInstructionData", error.message);
}

// Rent state transition rule (agave svm rent_state): an account may end empty or rent-exempt; one
// that was already rent-paying may stay so if it did not grow its balance or change its size.
bool rent_transition_allowed(const SandboxAccount& pre, const SandboxAccount& post) {
    if (post.lamports == 0 || post.lamports >= post.rent_exempt_minimum()) return true;
    const bool pre_rent_paying = pre.lamports > 0 && pre.lamports < pre.rent_exempt_minimum();
    return pre_rent_paying && post.lamports <= pre.lamports &&
           pre.rent_exempt_minimum() == post.rent_exempt_minimum();
}

// The accounts one transaction may touch: exactly its keys, loaded once (absent = empty System).
struct Workspace {
    std::vector<PublicKey> keys;
    std::vector<SandboxAccount> accounts;

    SandboxAccount& account(const PublicKey& key) {
        const auto it = std::find(keys.begin(), keys.end(), key);
        return accounts[static_cast<std::size_t>(it - keys.begin())];  // every key is loaded
    }
};

struct Budget {
    std::uint64_t limit = 0;
    std::optional<std::uint64_t> price;
};

// ---- System ------------------------------------------------------------------------------------

Outcome run_system(const ResolvedInstruction& ix, Workspace& ws, std::uint64_t& cost) {
    cost = kCostSystemTransfer;
    auto transfer = solana::decode_system_transfer(ix);
    if (!transfer) return from_decode_error(transfer.error());
    const ResolvedAccount& from_meta = ix.accounts[0];
    const ResolvedAccount& to_meta = ix.accounts[1];
    const std::uint64_t lamports = transfer->lamports;
    if (!from_meta.is_signer) {
        return failure("MissingRequiredSignature",
                       "Transfer: `from` account " + b58(*transfer->from) + " must sign");
    }
    if (!from_meta.is_writable || !to_meta.is_writable) {
        return failure("ReadonlyLamportChange", "Transfer: both accounts must be writable");
    }
    SandboxAccount& from = ws.account(*transfer->from);
    if (from.token_account || from.mint) {
        return failure("InvalidArgument", "Transfer: `from` must not carry data");
    }
    if (from.owner != programs::kSystem) {
        return failure("ExternalAccountLamportSpend", "Transfer: `from` is not a System account");
    }
    if (from.lamports < lamports) {
        return failure("InsufficientFunds", "Transfer: insufficient lamports " +
                                                std::to_string(from.lamports) + ", need " +
                                                std::to_string(lamports));
    }
    from.lamports -= lamports;
    SandboxAccount& to = ws.account(*transfer->to);
    if (to.lamports > UINT64_MAX - lamports) {
        return failure("ArithmeticOverflow", "Transfer: the recipient's balance would overflow");
    }
    to.lamports += lamports;
    return std::nullopt;
}

// ---- SPL Token ---------------------------------------------------------------------------------

Outcome load_token_account(Workspace& ws, const PublicKey& key, std::string_view role,
                           SandboxAccount*& out) {
    SandboxAccount& account = ws.account(key);
    const std::string who = std::string(role) + " account " + b58(key);
    if (!account.exists()) return failure("AccountNotFound", who + " does not exist");
    if (account.owner != programs::kToken) {
        return failure("IncorrectProgramId", who + " is not owned by the Token program");
    }
    if (!account.token_account)
        return failure("InvalidAccountData", who + " is not a token account");
    out = &account;
    return std::nullopt;
}

Outcome load_mint(Workspace& ws, const PublicKey& key, SandboxAccount*& out) {
    SandboxAccount& account = ws.account(key);
    if (!account.exists())
        return failure("AccountNotFound", "mint " + b58(key) + " does not exist");
    if (account.owner != programs::kToken) {
        return failure("IncorrectProgramId",
                       "mint " + b58(key) + " is not owned by the Token program");
    }
    if (!account.mint) return failure("InvalidMint", b58(key) + " is not a mint");
    out = &account;
    return std::nullopt;
}

Outcome check_owner(const TokenAccountState& state, const ResolvedAccount& authority) {
    if (authority.key != state.owner) {
        return failure("OwnerMismatch", "the authority is not the token account's owner");
    }
    if (!authority.is_signer) {
        return failure("MissingRequiredSignature", "the token account's owner did not sign");
    }
    return std::nullopt;
}

Outcome run_token_transfer(const ResolvedInstruction& ix, Workspace& ws, std::uint64_t& cost,
                           std::vector<std::string>& logs) {
    auto transfer = solana::decode_token_transfer(ix);
    if (!transfer) return from_decode_error(transfer.error());
    cost = transfer->checked ? kCostTokenTransferChecked : kCostTokenTransfer;
    logs.push_back(transfer->checked ? "Program log: Instruction: TransferChecked"
                                     : "Program log: Instruction: Transfer");
    const std::uint64_t amount = transfer->amount;
    SandboxAccount* source = nullptr;
    SandboxAccount* destination = nullptr;
    if (auto failed = load_token_account(ws, *transfer->source, "source", source)) return failed;
    if (auto failed = load_token_account(ws, *transfer->destination, "destination", destination)) {
        return failed;
    }
    TokenAccountState& from = *source->token_account;
    TokenAccountState& to = *destination->token_account;
    if (from.frozen || to.frozen) return failure("AccountFrozen", "a token account is frozen");
    if (from.amount < amount) {
        return failure("InsufficientFunds", "insufficient funds: balance " +
                                                std::to_string(from.amount) + ", need " +
                                                std::to_string(amount));
    }
    if (from.mint != to.mint) return failure("MintMismatch", "the accounts hold different mints");
    if (transfer->checked) {
        if (*transfer->mint != from.mint) {
            return failure("MintMismatch", "the mint account is not the accounts' mint");
        }
        SandboxAccount* mint = nullptr;
        if (auto failed = load_mint(ws, *transfer->mint, mint)) return failed;
        if (mint->mint->decimals != *transfer->decimals) {
            return failure("MintDecimalsMismatch",
                           "decimals " + std::to_string(*transfer->decimals) +
                               " but the mint has " + std::to_string(mint->mint->decimals));
        }
    }
    const ResolvedAccount& authority = ix.accounts[transfer->checked ? 3 : 2];
    const bool by_delegate = from.delegate && authority.key == from.delegate;
    if (by_delegate) {
        if (!authority.is_signer) {
            return failure("MissingRequiredSignature", "the delegate did not sign");
        }
        if (from.delegated_amount < amount) {
            return failure("InsufficientFunds", "the transfer exceeds the delegated amount");
        }
    } else if (auto failed = check_owner(from, authority)) {
        return failed;
    }
    if (*transfer->source == *transfer->destination) return std::nullopt;  // checked, no change
    if (!ix.accounts[0].is_writable || !ix.accounts[transfer->checked ? 2 : 1].is_writable) {
        return failure("ReadonlyDataModified", "the token accounts must be writable");
    }
    if (to.amount > UINT64_MAX - amount)
        return failure("Overflow", "the destination would overflow");
    from.amount -= amount;
    to.amount += amount;
    if (by_delegate) {
        from.delegated_amount -= amount;
        if (from.delegated_amount == 0) from.delegate.reset();
    }
    return std::nullopt;
}

Outcome run_token_approve(const ResolvedInstruction& ix, Workspace& ws, std::uint64_t& cost,
                          std::vector<std::string>& logs) {
    cost = kCostTokenApprove;
    const bool checked = ix.data[0] == kTokenApproveChecked;
    logs.push_back(checked ? "Program log: Instruction: ApproveChecked"
                           : "Program log: Instruction: Approve");
    if (ix.data.size() < (checked ? 10u : 9u)) {
        return failure("InvalidInstructionData", "Approve's data is too short");
    }
    if (ix.accounts.size() < (checked ? 4u : 3u)) {
        return failure("NotEnoughAccountKeys", "Approve lacks accounts");
    }
    const std::uint64_t amount = read_u64(ix.data, 1);
    const ResolvedAccount& delegate = ix.accounts[checked ? 2 : 1];
    const ResolvedAccount& owner = ix.accounts[checked ? 3 : 2];
    SandboxAccount* source = nullptr;
    if (auto failed = load_token_account(ws, *ix.accounts[0].key, "source", source)) return failed;
    TokenAccountState& state = *source->token_account;
    if (state.frozen) return failure("AccountFrozen", "the token account is frozen");
    if (checked) {
        if (ix.accounts[1].key != state.mint) {
            return failure("MintMismatch", "the mint account is not the account's mint");
        }
        SandboxAccount* mint = nullptr;
        if (auto failed = load_mint(ws, *ix.accounts[1].key, mint)) return failed;
        if (mint->mint->decimals != ix.data[9]) {
            return failure("MintDecimalsMismatch", "decimals differ from the mint's");
        }
    }
    if (auto failed = check_owner(state, owner)) return failed;
    if (!ix.accounts[0].is_writable) return failure("ReadonlyDataModified", "source is readonly");
    state.delegate = *delegate.key;
    state.delegated_amount = amount;
    return std::nullopt;
}

Outcome run_token_revoke(const ResolvedInstruction& ix, Workspace& ws, std::uint64_t& cost,
                         std::vector<std::string>& logs) {
    cost = kCostTokenRevoke;
    logs.push_back("Program log: Instruction: Revoke");
    if (ix.accounts.size() < 2) return failure("NotEnoughAccountKeys", "Revoke lacks accounts");
    SandboxAccount* source = nullptr;
    if (auto failed = load_token_account(ws, *ix.accounts[0].key, "source", source)) return failed;
    TokenAccountState& state = *source->token_account;
    if (state.frozen) return failure("AccountFrozen", "the token account is frozen");
    if (auto failed = check_owner(state, ix.accounts[1])) return failed;
    if (!ix.accounts[0].is_writable) return failure("ReadonlyDataModified", "source is readonly");
    state.delegate.reset();
    state.delegated_amount = 0;
    return std::nullopt;
}

// CloseAccount: account (w), destination (w), owner (s). Only an empty account closes (a native
// wSOL account, which may close with a balance, does not exist here); its rent lamports go to the
// destination and the account is gone (Solana purges an account left with no lamports). No close
// authority is modelled, so the authority is always the owner.
Outcome run_token_close_account(const ResolvedInstruction& ix, Workspace& ws, std::uint64_t& cost,
                                std::vector<std::string>& logs) {
    cost = kCostTokenCloseAccount;
    logs.push_back("Program log: Instruction: CloseAccount");
    if (ix.accounts.size() < 3) {
        return failure("NotEnoughAccountKeys", "CloseAccount lacks accounts");
    }
    const PublicKey& key = *ix.accounts[0].key;
    const PublicKey& destination_key = *ix.accounts[1].key;
    if (key == destination_key) {
        return failure("InvalidAccountData", "CloseAccount: the destination is the account itself");
    }
    SandboxAccount* account = nullptr;
    if (auto failed = load_token_account(ws, key, "closed", account)) return failed;
    const TokenAccountState& state = *account->token_account;
    if (state.amount != 0) {
        return failure("NonNativeHasBalance", "CloseAccount: the account still holds " +
                                                  std::to_string(state.amount) + " tokens");
    }
    if (auto failed = check_owner(state, ix.accounts[2])) return failed;
    if (!ix.accounts[0].is_writable || !ix.accounts[1].is_writable) {
        return failure("ReadonlyLamportChange",
                       "CloseAccount: the account and the destination must be writable");
    }
    SandboxAccount& destination = ws.account(destination_key);
    if (destination.lamports > UINT64_MAX - account->lamports) {
        return failure("Overflow", "CloseAccount: the destination's lamports would overflow");
    }
    destination.lamports += account->lamports;
    *account = SandboxAccount{};  // no lamports, no data, System-owned: the ledger drops it
    return std::nullopt;
}

Outcome run_token(const ResolvedInstruction& ix, Workspace& ws, std::uint64_t& cost,
                  std::vector<std::string>& logs) {
    if (ix.data.empty()) return failure("InvalidInstructionData", "empty Token instruction");
    switch (ix.data[0]) {
        case kTokenTransfer:
        case kTokenTransferChecked:
            return run_token_transfer(ix, ws, cost, logs);
        case kTokenApprove:
        case kTokenApproveChecked:
            return run_token_approve(ix, ws, cost, logs);
        case kTokenRevoke:
            return run_token_revoke(ix, ws, cost, logs);
        case kTokenCloseAccount:
            return run_token_close_account(ix, ws, cost, logs);
        default:
            return failure("UnsupportedInstruction",
                           "the sandbox's Token program runs Transfer, TransferChecked, Approve, "
                           "ApproveChecked, Revoke and CloseAccount, not instruction " +
                               std::to_string(ix.data[0]));
    }
}

// ---- Associated Token Account ------------------------------------------------------------------

Outcome run_associated_token(const ResolvedInstruction& ix, Workspace& ws, std::uint64_t& cost,
                             std::vector<std::string>& logs) {
    auto create = solana::decode_create_associated_token_account(ix);
    if (!create) return from_decode_error(create.error());
    logs.push_back(create->idempotent ? "Program log: CreateIdempotent" : "Program log: Create");
    cost = kCostAtaExisting;
    if (*create->token_program != programs::kToken) {
        return failure("IncorrectProgramId",
                       "the sandbox creates accounts of the Token program only");
    }
    if (*create->system_program != programs::kSystem) {
        return failure("IncorrectProgramId", "account 4 must be the System program");
    }
    auto derived = solana::associated_token_address(*create->owner, *create->mint);
    if (!derived || derived->address != *create->address) {
        return failure("InvalidSeeds", "Provided seeds do not result in a valid address");
    }
    SandboxAccount& target = ws.account(*create->address);
    if (target.owner == programs::kToken && target.token_account) {
        if (!create->idempotent) {
            return failure("AccountAlreadyInUse", "the associated token account already exists");
        }
        if (target.token_account->owner != *create->owner) {
            return failure("InvalidOwner", "the existing account has another owner");
        }
        if (target.token_account->mint != *create->mint) {
            return failure("InvalidAccountData", "the existing account holds another mint");
        }
        return std::nullopt;
    }
    cost = kCostAtaCreate;
    if (target.owner != programs::kSystem || target.mint) {
        return failure("AccountAlreadyInUse", "the address is already in use");
    }
    SandboxAccount* mint = nullptr;
    if (auto failed = load_mint(ws, *create->mint, mint)) {
        if (failed->name == "AccountNotFound") failed->name = "IncorrectProgramId";
        return failed;
    }
    const ResolvedAccount& funder_meta = ix.accounts[0];
    if (!funder_meta.is_signer) return failure("MissingRequiredSignature", "the funder must sign");
    if (!funder_meta.is_writable || !ix.accounts[1].is_writable) {
        return failure("ReadonlyLamportChange", "the funder and the new account must be writable");
    }
    const std::uint64_t rent =
        target.lamports >= kRentExemptTokenAccount ? 0 : kRentExemptTokenAccount - target.lamports;
    SandboxAccount& funder = ws.account(*create->funder);
    if (funder.owner != programs::kSystem || funder.token_account || funder.mint) {
        return failure("ExternalAccountLamportSpend", "the funder is not a System account");
    }
    if (funder.lamports < rent) {
        return failure("InsufficientFunds", "Transfer: insufficient lamports " +
                                                std::to_string(funder.lamports) + ", need " +
                                                std::to_string(rent));
    }
    funder.lamports -= rent;
    SandboxAccount& created = ws.account(*create->address);
    created.lamports += rent;
    created.owner = programs::kToken;
    created.token_account =
        TokenAccountState{*create->mint, *create->owner, 0, std::nullopt, 0, false};
    logs.push_back("Program log: Initialize the associated token account");
    return std::nullopt;
}

// ---- Memo --------------------------------------------------------------------------------------

Outcome run_memo(const ResolvedInstruction& ix, std::uint64_t& cost,
                 std::vector<std::string>& logs) {
    cost = kCostMemo;
    auto memo = solana::decode_memo(ix);
    if (!memo) return failure("InvalidInstructionData", "Invalid UTF-8");
    if (memo->program == programs::kMemo) {  // Memo v1 checks no signers
        for (const auto& account : memo->signers) {
            if (!account.is_signer) {
                return failure(
                    "MissingRequiredSignature",
                    "Missing required signature for " + b58(account.key.value_or(PublicKey{})));
            }
        }
    }
    logs.push_back("Program log: Memo (len " + std::to_string(memo->text.size()) + "): \"" +
                   memo->text + "\"");
    return std::nullopt;
}

// ---- admission ---------------------------------------------------------------------------------

// ComputeBudget instructions are read before execution; a bad or repeated one stops the
// transaction from loading (no fee).
std::optional<TransactionError> read_budget(const solana::Message& message, Budget& budget) {
    std::optional<std::uint64_t> limit;
    bool seen[5] = {false, false, false, false, false};
    std::uint64_t other_instructions = 0;
    for (std::size_t i = 0; i < message.instructions.size(); ++i) {
        const auto ix = solana::resolve_instruction(message, i);
        if (ix.program_id != programs::kComputeBudget) {
            ++other_instructions;
            continue;
        }
        auto decoded = solana::decode_compute_budget(ix);
        if (!decoded) return TransactionError{"InvalidInstructionData", i, decoded.error().message};
        const auto kind = static_cast<std::size_t>(decoded->kind);
        if (seen[kind]) {
            return TransactionError{"DuplicateInstruction", i,
                                    "a ComputeBudget instruction of this kind appears twice"};
        }
        seen[kind] = true;
        switch (decoded->kind) {
            case solana::ComputeBudgetKind::SetComputeUnitLimit:
                limit = decoded->value;
                break;
            case solana::ComputeBudgetKind::SetComputeUnitPrice:
                budget.price = decoded->value;
                break;
            case solana::ComputeBudgetKind::RequestHeapFrame:
                if (decoded->value < kMinHeapFrameBytes || decoded->value > kMaxHeapFrameBytes ||
                    decoded->value % kHeapFrameGranularity != 0) {
                    return TransactionError{"InvalidInstructionData", i, "invalid heap frame size"};
                }
                break;
            case solana::ComputeBudgetKind::SetLoadedAccountsDataSizeLimit:
                break;
        }
    }
    const std::uint64_t fallback = kDefaultInstructionComputeUnits * other_instructions;
    budget.limit = std::min<std::uint64_t>(limit.value_or(fallback), solana::kMaxComputeUnitLimit);
    return std::nullopt;
}

// 5000 per signature + ceil(limit × price / 1e6); saturates (no payer can afford it then).
std::uint64_t fee_of(const solana::Message& message, const Budget& budget) {
    std::uint64_t fee = kLamportsPerSignature * message.header.num_required_signatures;
    if (!budget.price) return fee;
    const std::uint64_t whole = *budget.price / kMicroLamportsPerLamport;
    const std::uint64_t part = *budget.price % kMicroLamportsPerLamport;
    std::uint64_t priority = 0;
    if (__builtin_mul_overflow(budget.limit, whole, &priority)) return UINT64_MAX;
    const std::uint64_t rest =
        (budget.limit * part + kMicroLamportsPerLamport - 1) / kMicroLamportsPerLamport;
    if (__builtin_add_overflow(priority, rest, &priority)) return UINT64_MAX;
    if (__builtin_add_overflow(fee, priority, &fee)) return UINT64_MAX;
    return fee;
}

std::vector<TokenBalance> token_balances(const Workspace& ws, const SandboxLedger& ledger) {
    std::vector<TokenBalance> out;
    for (std::size_t i = 0; i < ws.keys.size(); ++i) {
        const SandboxAccount& account = ws.accounts[i];
        if (!account.exists() || account.owner != programs::kToken || !account.token_account)
            continue;
        const auto& state = *account.token_account;
        const auto mint = ledger.get(state.mint);
        const std::uint8_t decimals = mint && mint->mint ? mint->mint->decimals : 0;
        out.push_back(TokenBalance{i, ws.keys[i], state.mint, state.owner, state.amount, decimals});
    }
    return out;
}

}  // namespace

std::uint64_t SandboxAccount::rent_exempt_minimum() const {
    if (token_account) return kRentExemptTokenAccount;
    if (mint) return kRentExemptMintAccount;
    return kRentExemptSystemAccount;
}

std::optional<SandboxAccount> SandboxLedger::get(const PublicKey& address) const {
    const auto it = accounts_.find(address);
    if (it == accounts_.end()) return std::nullopt;
    return it->second;
}

AccountUndo SandboxLedger::put(const PublicKey& address, const SandboxAccount& account) {
    AccountUndo undo{{address, get(address)}};
    if (account.exists()) {
        accounts_[address] = account;
    } else {
        accounts_.erase(address);
    }
    return undo;
}

void SandboxLedger::restore(const AccountUndo& undo) {
    for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
        if (it->second) {
            accounts_[it->first] = *it->second;
        } else {
            accounts_.erase(it->first);
        }
    }
}

std::uint64_t SandboxLedger::total_lamports() const {
    std::uint64_t total = 0;
    for (const auto& [key, account] : accounts_) total += account.lamports;
    return total;
}

Execution SandboxLedger::execute(const solana::Message& message, bool commit) {
    Execution ex;
    Budget budget;
    if (auto bad = read_budget(message, budget)) {
        ex.rejected = std::move(bad);
        return ex;
    }
    ex.fee = fee_of(message, budget);

    Workspace ws;
    ws.keys = message.account_keys;
    for (const auto& key : ws.keys) ws.accounts.push_back(get(key).value_or(SandboxAccount{}));
    const std::vector<SandboxAccount> loaded = ws.accounts;

    SandboxAccount& payer = ws.accounts[0];
    if (!payer.exists()) {
        ex.rejected = TransactionError{"AccountNotFound", std::nullopt,
                                       "the fee payer " + b58(ws.keys[0]) + " does not exist"};
        return ex;
    }
    if (payer.owner != programs::kSystem || payer.token_account || payer.mint) {
        ex.rejected = TransactionError{"InvalidAccountForFee", std::nullopt,
                                       "the fee payer is not a System account"};
        return ex;
    }
    if (payer.lamports < ex.fee) {
        ex.rejected = TransactionError{"InsufficientFundsForFee", std::nullopt,
                                       "the fee payer has " + std::to_string(payer.lamports) +
                                           " lamports, the fee is " + std::to_string(ex.fee)};
        return ex;
    }
    payer.lamports -= ex.fee;
    if (!rent_transition_allowed(loaded[0], payer)) {
        ex.rejected = TransactionError{"InsufficientFundsForRent", std::nullopt,
                                       "paying the fee would leave account 0 below rent exemption"};
        return ex;
    }

    for (const auto& account : loaded) ex.pre_balances.push_back(account.lamports);
    ex.pre_token_balances = token_balances(Workspace{ws.keys, loaded}, *this);
    const std::vector<SandboxAccount> after_fee = ws.accounts;

    std::uint64_t remaining = budget.limit;
    for (std::size_t i = 0; i < message.instructions.size() && !ex.err; ++i) {
        const ResolvedInstruction ix = solana::resolve_instruction(message, i);
        const std::string program = b58(ix.program_id);
        ex.log_messages.push_back("Program " + program + " invoke [1]");
        std::uint64_t cost = 0;
        Outcome outcome;
        if (ix.program_id == programs::kSystem) {
            outcome = run_system(ix, ws, cost);
        } else if (ix.program_id == programs::kToken) {
            outcome = run_token(ix, ws, cost, ex.log_messages);
        } else if (ix.program_id == programs::kAssociatedToken) {
            outcome = run_associated_token(ix, ws, cost, ex.log_messages);
        } else if (ix.program_id == programs::kMemo || ix.program_id == programs::kMemoV1) {
            outcome = run_memo(ix, cost, ex.log_messages);
        } else if (ix.program_id == programs::kComputeBudget) {
            cost = kCostComputeBudget;  // read before execution (read_budget)
        } else {
            outcome = failure("ProgramNotSupported", "the sandbox does not run program " + program);
        }
        if (!outcome && cost > remaining) {
            outcome = failure("ComputationalBudgetExceeded",
                              "exceeded the compute limit of " + std::to_string(budget.limit));
        }
        cost = std::min(cost, remaining);
        ex.units_consumed += cost;
        ex.log_messages.push_back("Program " + program + " consumed " + std::to_string(cost) +
                                  " of " + std::to_string(remaining) + " compute units");
        remaining -= cost;
        if (outcome) {
            ex.log_messages.push_back("Program " + program + " failed: " + outcome->detail);
            ex.err = TransactionError{outcome->name, i, outcome->detail};
        } else {
            ex.log_messages.push_back("Program " + program + " success");
        }
    }
    if (!ex.err) {
        for (std::size_t i = 0; i < ws.keys.size(); ++i) {
            if (ws.accounts[i].lamports != after_fee[i].lamports &&
                !rent_transition_allowed(loaded[i], ws.accounts[i])) {
                ex.err = TransactionError{"InsufficientFundsForRent", std::nullopt,
                                          "account " + std::to_string(i) + " (" + b58(ws.keys[i]) +
                                              ") would be left below rent exemption"};
                break;
            }
        }
    }
    if (ex.err) ws.accounts = after_fee;  // all or nothing; the fee stays charged

    for (const auto& account : ws.accounts) ex.post_balances.push_back(account.lamports);
    ex.post_token_balances = token_balances(ws, *this);
    if (commit) {
        for (std::size_t i = 0; i < ws.keys.size(); ++i) {
            if (ws.accounts[i] == loaded[i]) continue;
            auto undo = put(ws.keys[i], ws.accounts[i]);
            ex.undo.insert(ex.undo.end(), undo.begin(), undo.end());
        }
    }
    return ex;
}

}  // namespace hilt::server
