// shared/solana/inspector.cpp: transaction reports and the payment check.
#include "solana/inspector.h"

#include <algorithm>

namespace hilt::solana {
namespace {

std::string indexed(std::string_view name, std::size_t index) {
    return std::string(name) + "[" + std::to_string(index) + "]";
}

std::string show(const std::optional<PublicKey>& key) {
    return key ? key->to_base58() : std::string("<lookup-table account>");
}

Error mismatch(std::string message, std::string field) {
    return fail(ErrorCode::TransactionMismatch, std::move(message), std::move(field));
}

bool is_known_program(const PublicKey& program) {
    return program == programs::kSystem || program == programs::kToken ||
           program == programs::kToken2022 || program == programs::kAssociatedToken ||
           program == programs::kMemo || program == programs::kMemoV1 ||
           program == programs::kComputeBudget;
}

void add_references(const std::vector<ResolvedAccount>& extra, std::vector<PublicKey>& references) {
    for (const auto& account : extra) {
        if (!account.key || account.is_signer || account.is_writable) continue;
        if (std::find(references.begin(), references.end(), *account.key) == references.end()) {
            references.push_back(*account.key);
        }
    }
}

template <typename T>
void set_once(std::optional<T>& slot, T value, bool& duplicate) {
    if (slot) duplicate = true;
    slot = value;
}

void mark_unrecognized(InstructionSummary& summary, const Error& error) {
    summary.kind = InstructionKind::Unrecognized;
    summary.problem = error.message;
}

// An SPL Token (or Token-2022) instruction: an approval, a revoke or a transfer; anything else is
// Unrecognized. A decoder refuses another kind with invalid_value, so the first one that answers
// otherwise owns the instruction and a malformed approval reports the approval's problem.
void classify_token(const ResolvedInstruction& instruction, std::size_t index,
                    InstructionSummary& summary, TransactionReport& report) {
    if (auto approve = decode_token_approve(instruction);
        approve || approve.error().code != ErrorCode::InvalidValue) {
        if (!approve) return mark_unrecognized(summary, approve.error());
        summary.kind =
            approve->checked ? InstructionKind::TokenApproveChecked : InstructionKind::TokenApprove;
        TokenApprovalReport entry{*approve};
        entry.instruction_index = index;
        entry.verifiable = entry.source && entry.delegate && entry.owner &&
                           (!entry.checked || entry.mint.has_value());
        report.token_approvals.push_back(std::move(entry));
        return;
    }
    if (auto revoke = decode_token_revoke(instruction);
        revoke || revoke.error().code != ErrorCode::InvalidValue) {
        if (!revoke) return mark_unrecognized(summary, revoke.error());
        summary.kind = InstructionKind::TokenRevoke;
        TokenRevokeReport entry{*revoke};
        entry.instruction_index = index;
        report.token_revokes.push_back(std::move(entry));
        return;
    }
    auto transfer = decode_token_transfer(instruction);
    if (!transfer) return mark_unrecognized(summary, transfer.error());
    summary.kind =
        transfer->checked ? InstructionKind::TokenTransferChecked : InstructionKind::TokenTransfer;
    TokenTransferReport entry{*transfer};
    entry.instruction_index = index;
    entry.verifiable = entry.source && entry.destination && entry.authority &&
                       (!entry.checked || entry.mint.has_value());
    add_references(entry.extra_accounts, report.references);
    report.token_transfers.push_back(std::move(entry));
}

// Fills summary.kind and the report's typed lists for one instruction.
void classify(const ResolvedInstruction& instruction, std::size_t index,
              InstructionSummary& summary, TransactionReport& report) {
    const PublicKey& program = instruction.program_id;
    if (!is_known_program(program)) {
        summary.kind = InstructionKind::OtherProgram;
        return;
    }
    if (program == programs::kSystem) {
        auto transfer = decode_system_transfer(instruction);
        if (!transfer) return mark_unrecognized(summary, transfer.error());
        summary.kind = InstructionKind::SystemTransfer;
        SolTransferReport entry{*transfer};
        entry.instruction_index = index;
        entry.verifiable = entry.from.has_value() && entry.to.has_value();
        add_references(entry.extra_accounts, report.references);
        report.sol_transfers.push_back(std::move(entry));
    } else if (program == programs::kToken || program == programs::kToken2022) {
        classify_token(instruction, index, summary, report);
    } else if (program == programs::kAssociatedToken) {
        auto create = decode_create_associated_token_account(instruction);
        if (!create) return mark_unrecognized(summary, create.error());
        summary.kind = create->idempotent ? InstructionKind::CreateAssociatedTokenAccountIdempotent
                                          : InstructionKind::CreateAssociatedTokenAccount;
    } else if (program == programs::kMemo || program == programs::kMemoV1) {
        auto memo = decode_memo(instruction);
        if (!memo) return mark_unrecognized(summary, memo.error());
        summary.kind = InstructionKind::Memo;
        MemoReport entry{*memo};
        entry.instruction_index = index;
        report.memos.push_back(std::move(entry));
    } else {
        auto budget = decode_compute_budget(instruction);
        if (!budget) return mark_unrecognized(summary, budget.error());
        auto& cb = report.compute_budget;
        const auto u32 = static_cast<std::uint32_t>(budget->value);
        switch (budget->kind) {
            case ComputeBudgetKind::SetComputeUnitLimit:
                summary.kind = InstructionKind::SetComputeUnitLimit;
                set_once(cb.unit_limit, u32, cb.has_duplicates);
                break;
            case ComputeBudgetKind::SetComputeUnitPrice:
                summary.kind = InstructionKind::SetComputeUnitPrice;
                set_once(cb.unit_price_micro_lamports, budget->value, cb.has_duplicates);
                break;
            case ComputeBudgetKind::RequestHeapFrame:
                summary.kind = InstructionKind::RequestHeapFrame;
                set_once(cb.heap_frame_bytes, u32, cb.has_duplicates);
                break;
            case ComputeBudgetKind::SetLoadedAccountsDataSizeLimit:
                summary.kind = InstructionKind::SetLoadedAccountsDataSizeLimit;
                set_once(cb.loaded_accounts_data_size_limit, u32, cb.has_duplicates);
                break;
        }
    }
}

// The one ApproveChecked a payment with an expected approval must carry. Plain Approves and
// Revokes were refused before, as was any approval when none is expected.
Status check_approval(const TransactionReport& report, const PublicKey& payer,
                      const ExpectedApproval& want) {
    const std::string field = "expected.approval";
    if (report.token_approvals.empty()) {
        return mismatch("no ApproveChecked for delegate " + want.delegate.to_base58(), field);
    }
    if (report.token_approvals.size() > 1) {
        return mismatch("more than one token approval; a payment grants exactly one",
                        indexed("token_approvals", 1));
    }
    const auto& found = report.token_approvals.front();
    const std::string what = "the approval of " + show(found.source);
    if (found.source != want.source) {
        return mismatch("the approval is of token account " + show(found.source) + ", expected " +
                            want.source.to_base58(),
                        field);
    }
    if (found.delegate != want.delegate) {
        return mismatch(what + " names delegate " + show(found.delegate) + ", expected " +
                            want.delegate.to_base58(),
                        field);
    }
    if (found.mint != want.mint) {
        return mismatch(
            what + " names mint " + show(found.mint) + ", expected " + want.mint.to_base58(),
            field);
    }
    if (found.amount != want.amount) {
        return mismatch(what + " allows " + std::to_string(found.amount) + ", expected " +
                            std::to_string(want.amount),
                        field);
    }
    if (found.decimals != want.decimals) {
        return mismatch(what + " states " + std::to_string(found.decimals.value_or(0)) +
                            " decimals, expected " + std::to_string(want.decimals),
                        field);
    }
    if (found.owner != payer) {
        return mismatch(what + " is signed by owner " + show(found.owner) + ", not the payer",
                        field);
    }
    return {};
}

}  // namespace

std::string_view to_string(InstructionKind kind) {
    switch (kind) {
        case InstructionKind::SystemTransfer:
            return "system_transfer";
        case InstructionKind::TokenTransfer:
            return "token_transfer";
        case InstructionKind::TokenTransferChecked:
            return "token_transfer_checked";
        case InstructionKind::TokenApprove:
            return "token_approve";
        case InstructionKind::TokenApproveChecked:
            return "token_approve_checked";
        case InstructionKind::TokenRevoke:
            return "token_revoke";
        case InstructionKind::CreateAssociatedTokenAccount:
            return "create_associated_token_account";
        case InstructionKind::CreateAssociatedTokenAccountIdempotent:
            return "create_associated_token_account_idempotent";
        case InstructionKind::Memo:
            return "memo";
        case InstructionKind::SetComputeUnitLimit:
            return "set_compute_unit_limit";
        case InstructionKind::SetComputeUnitPrice:
            return "set_compute_unit_price";
        case InstructionKind::RequestHeapFrame:
            return "request_heap_frame";
        case InstructionKind::SetLoadedAccountsDataSizeLimit:
            return "set_loaded_accounts_data_size_limit";
        case InstructionKind::Unrecognized:
            return "unrecognized";
        case InstructionKind::OtherProgram:
            return "other_program";
    }
    return "unrecognized";
}

std::optional<std::uint64_t> ComputeBudgetReport::priority_fee_lamports() const {
    if (!unit_limit || !unit_price_micro_lamports) return std::nullopt;
    constexpr std::uint64_t kMicroLamportsPerLamport = 1'000'000;
    const std::uint64_t limit = *unit_limit;
    const std::uint64_t whole = *unit_price_micro_lamports / kMicroLamportsPerLamport;
    const std::uint64_t part = *unit_price_micro_lamports % kMicroLamportsPerLamport;
    // limit × part < 2^32 × 10^6 fits in 64 bits; limit × whole may not.
    const std::uint64_t part_fee =
        (limit * part + kMicroLamportsPerLamport - 1) / kMicroLamportsPerLamport;
    if (whole != 0 && limit > (UINT64_MAX - part_fee) / whole) return UINT64_MAX;
    return limit * whole + part_fee;
}

bool TransactionReport::all_signatures_valid() const {
    return std::all_of(signers.begin(), signers.end(),
                       [](const SignerReport& s) { return s.signature == SignatureState::Valid; });
}

TransactionReport inspect_transaction(const Transaction& transaction) {
    const Message& message = transaction.message;
    TransactionReport report;
    report.version = message.version;
    report.signature = transaction_id(transaction);
    report.fee_payer = message.static_key(0).value_or(PublicKey{});
    report.recent_blockhash = message.recent_blockhash;
    const auto states = signature_states(transaction);
    for (std::size_t i = 0; i < states.size() && i < message.account_keys.size(); ++i) {
        report.signers.push_back({message.account_keys[i], message.is_writable(i), states[i]});
    }
    for (const auto& lookup : message.address_table_lookups)
        report.lookup_tables.push_back(lookup.account_key);
    report.unresolved_account_count =
        message.total_account_count() - message.static_account_count();

    for (std::size_t i = 0; i < message.instructions.size(); ++i) {
        const ResolvedInstruction instruction = resolve_instruction(message, i);
        if (std::find(report.programs.begin(), report.programs.end(), instruction.program_id) ==
            report.programs.end()) {
            report.programs.push_back(instruction.program_id);
        }
        InstructionSummary summary{i, instruction.program_id, InstructionKind::OtherProgram, {}};
        classify(instruction, i, summary, report);
        report.instructions.push_back(std::move(summary));
    }
    return report;
}

namespace {

// The fee payer is `payer` and, when asked, every required signature is present and valid.
Status check_payer_and_signatures(const TransactionReport& report, const PublicKey& payer,
                                  bool require_signatures) {
    if (report.fee_payer != payer) {
        return mismatch("the fee payer is " + report.fee_payer.to_base58() + ", expected " +
                            payer.to_base58(),
                        "fee_payer");
    }
    if (!require_signatures) return {};
    for (std::size_t i = 0; i < report.signers.size(); ++i) {
        const auto& signer = report.signers[i];
        if (signer.signature != SignatureState::Valid) {
            return fail(ErrorCode::InvalidSignature,
                        "the signature of " + signer.key.to_base58() + " is " +
                            std::string(to_string(signer.signature)),
                        indexed("signers", i));
        }
    }
    return {};
}

}  // namespace

Status check_delegation_change(const TransactionReport& report,
                               const ExpectedDelegationChange& expected) {
    HILT_TRY(check_payer_and_signatures(report, expected.owner, expected.require_signatures));
    for (const auto& instruction : report.instructions) {
        switch (instruction.kind) {
            case InstructionKind::SetComputeUnitLimit:
            case InstructionKind::SetComputeUnitPrice:
            case InstructionKind::TokenRevoke:
            case InstructionKind::TokenApproveChecked:
                continue;
            case InstructionKind::OtherProgram:
                if (instruction.program_id == programs::kLighthouse) continue;  // a wallet's guard
                break;
            default:
                break;
        }
        return mismatch("instruction " + std::to_string(instruction.index) + " (" +
                            std::string(to_string(instruction.kind)) +
                            ") is not part of changing a subscription's approval",
                        indexed("instructions", instruction.index));
    }
    if (report.compute_budget.has_duplicates) {
        return mismatch("a compute-budget value is set twice", "compute_budget");
    }
    if (expected.approve_amount) {
        if (!report.token_revokes.empty()) {
            return mismatch("a revoke where an approval was expected", "token_revokes[0]");
        }
        if (!report.token_approvals.empty() && !report.token_approvals.front().verifiable) {
            return fail(ErrorCode::AddressLookupUnsupported,
                        "a token approval uses an account from an address lookup table", "token_approvals[0]");
        }
        return check_approval(report, expected.owner,
                              ExpectedApproval{expected.source, expected.mint, expected.delegate,
                                               *expected.approve_amount, expected.decimals});
    }
    if (!report.token_approvals.empty()) {
        return mismatch("an approval where a revoke was expected", "token_approvals[0]");
    }
    if (report.token_revokes.size() != 1) {
        return mismatch("expected exactly one Revoke, found " + std::to_string(report.token_revokes.size()),
                        "token_revokes");
    }
    const auto& revoke = report.token_revokes.front();
    if (revoke.source != expected.source) {
        return mismatch("the revoke is of token account " + show(revoke.source) + ", expected " +
                            expected.source.to_base58(),
                        "token_revokes[0]");
    }
    if (revoke.owner != expected.owner) {
        return mismatch("the revoke is signed by owner " + show(revoke.owner) + ", not the payer",
                        "token_revokes[0]");
    }
    return {};
}

Status check_payment(const TransactionReport& report, const PaymentExpectation& expected) {
    HILT_TRY(check_payer_and_signatures(report, expected.payer, expected.require_signatures));
    for (std::size_t i = 0; i < report.programs.size(); ++i) {
        const auto& allowed = expected.allowed_programs;
        if (std::find(allowed.begin(), allowed.end(), report.programs[i]) == allowed.end()) {
            return mismatch("program " + report.programs[i].to_base58() + " is not allowed",
                            indexed("programs", i));
        }
    }
    for (const auto& instruction : report.instructions) {
        if (instruction.kind == InstructionKind::Unrecognized) {
            return mismatch("instruction " + std::to_string(instruction.index) + " of program " +
                                instruction.program_id.to_base58() +
                                " is not one a payment uses: " + instruction.problem,
                            indexed("instructions", instruction.index));
        }
        if (instruction.kind == InstructionKind::TokenTransfer) {
            return mismatch(
                "token transfers must be TransferChecked (naming the mint and decimals)",
                indexed("instructions", instruction.index));
        }
        if (instruction.kind == InstructionKind::TokenApprove) {
            return mismatch("token approvals must be ApproveChecked (naming the mint and decimals)",
                            indexed("instructions", instruction.index));
        }
        if (instruction.kind == InstructionKind::TokenRevoke) {
            return mismatch("a payment never revokes a delegate",
                            indexed("instructions", instruction.index));
        }
        if (instruction.kind == InstructionKind::TokenApproveChecked && !expected.approval) {
            return mismatch("instruction " + std::to_string(instruction.index) +
                                " approves a delegate, but this payment grants no allowance",
                            indexed("instructions", instruction.index));
        }
    }
    if (report.compute_budget.has_duplicates) {
        return mismatch("a compute-budget value is set twice", "compute_budget");
    }
    for (std::size_t i = 0; i < report.token_transfers.size(); ++i) {
        if (!report.token_transfers[i].verifiable) {
            return fail(ErrorCode::AddressLookupUnsupported,
                        "a token transfer uses an account from an address lookup table",
                        indexed("token_transfers", i));
        }
    }
    for (std::size_t i = 0; i < report.sol_transfers.size(); ++i) {
        if (!report.sol_transfers[i].verifiable) {
            return fail(ErrorCode::AddressLookupUnsupported,
                        "a SOL transfer uses an account from an address lookup table",
                        indexed("sol_transfers", i));
        }
    }
    for (std::size_t i = 0; i < report.token_approvals.size(); ++i) {
        if (!report.token_approvals[i].verifiable) {
            return fail(ErrorCode::AddressLookupUnsupported,
                        "a token approval uses an account from an address lookup table",
                        indexed("token_approvals", i));
        }
    }

    for (std::size_t k = 0; k < expected.token_transfers.size(); ++k) {
        const auto& want = expected.token_transfers[k];
        const std::string field = indexed("expected.token_transfers", k);
        const TokenTransferReport* found = nullptr;
        for (const auto& transfer : report.token_transfers) {
            if (transfer.destination != want.destination) continue;
            if (found)
                return mismatch("more than one transfer to " + want.destination.to_base58(), field);
            found = &transfer;
        }
        if (!found) return mismatch("no token transfer to " + want.destination.to_base58(), field);
        if (found->mint != want.mint) {
            return mismatch("the transfer to " + want.destination.to_base58() + " moves mint " +
                                show(found->mint) + ", expected " + want.mint.to_base58(),
                            field);
        }
        if (found->amount != want.amount) {
            return mismatch("the transfer to " + want.destination.to_base58() + " moves " +
                                std::to_string(found->amount) + ", expected " +
                                std::to_string(want.amount),
                            field);
        }
        if (found->decimals != want.decimals) {
            return mismatch("the transfer to " + want.destination.to_base58() + " states " +
                                std::to_string(found->decimals.value_or(0)) +
                                " decimals, expected " + std::to_string(want.decimals),
                            field);
        }
        if (found->authority != expected.payer) {
            return mismatch("the transfer to " + want.destination.to_base58() +
                                " is authorised by " + show(found->authority) + ", not the payer",
                            field);
        }
    }
    for (std::size_t i = 0; i < report.token_transfers.size(); ++i) {
        const auto& transfer = report.token_transfers[i];
        const bool wanted =
            std::any_of(expected.token_transfers.begin(), expected.token_transfers.end(),
                        [&](const ExpectedTokenTransfer& want) {
                            return transfer.destination == want.destination;
                        });
        if (!wanted) {
            return mismatch("unexpected token transfer to " + show(transfer.destination),
                            indexed("token_transfers", i));
        }
    }

    for (std::size_t k = 0; k < expected.sol_transfers.size(); ++k) {
        const auto& want = expected.sol_transfers[k];
        const std::string field = indexed("expected.sol_transfers", k);
        const SolTransferReport* found = nullptr;
        for (const auto& transfer : report.sol_transfers) {
            if (transfer.to != want.destination) continue;
            if (found)
                return mismatch("more than one SOL transfer to " + want.destination.to_base58(),
                                field);
            found = &transfer;
        }
        if (!found) return mismatch("no SOL transfer to " + want.destination.to_base58(), field);
        if (found->lamports != want.lamports) {
            return mismatch("the SOL transfer to " + want.destination.to_base58() + " moves " +
                                std::to_string(found->lamports) + " lamports, expected " +
                                std::to_string(want.lamports),
                            field);
        }
        if (found->from != expected.payer) {
            return mismatch("the SOL transfer to " + want.destination.to_base58() + " is paid by " +
                                show(found->from) + ", not the payer",
                            field);
        }
    }
    for (std::size_t i = 0; i < report.sol_transfers.size(); ++i) {
        const auto& transfer = report.sol_transfers[i];
        const bool wanted = std::any_of(
            expected.sol_transfers.begin(), expected.sol_transfers.end(),
            [&](const ExpectedSolTransfer& want) { return transfer.to == want.destination; });
        if (!wanted) {
            return mismatch("unexpected SOL transfer to " + show(transfer.to),
                            indexed("sol_transfers", i));
        }
    }

    if (expected.approval) {
        auto approved = check_approval(report, expected.payer, *expected.approval);
        if (!approved) return approved.error();
    }

    if (expected.reference) {
        const auto& refs = report.references;
        if (std::find(refs.begin(), refs.end(), *expected.reference) == refs.end()) {
            return mismatch("reference " + expected.reference->to_base58() +
                                " is not attached to a transfer as a readonly account",
                            "reference");
        }
    }
    if (expected.memo) {
        const bool present =
            std::any_of(report.memos.begin(), report.memos.end(),
                        [&](const MemoReport& memo) { return memo.text == *expected.memo; });
        if (!present) return mismatch("the expected memo is missing", "memo");
    }
    return {};
}

}  // namespace hilt::solana
