// tests/fuzz/transaction.cpp: the Solana wire parsers (parse_transaction, parse_transaction_base64,
// parse_message) and the inspector the server runs on every buyer-signed transaction
// (inspect_transaction, check_payment, check_delegation_change).
//
// Input: the first byte picks the parser (0: wire transaction, 1: base64 text, 2: wire message), the
// rest is its input.
// Invariants:
//  - the parsers are strict, so an accepted input has one encoding: serialising gives back exactly
//    the input bytes, and parsing those gives the same value;
//  - the report agrees with the transaction: one signer per required signature, the fee payer is the
//    first key, one summary per instruction, all_signatures_valid() exactly when
//    verify_transaction_signatures succeeds;
//  - check_payment, given an expectation read off the report itself (so that it can succeed), only
//    succeeds for what a payment may contain: the payer pays, every transfer is one expected (same
//    destination, mint, amount, decimals, the payer as authority), an approval only when one is
//    expected and then exactly it (the payer as owner), no revoke, nothing undecodable and nothing
//    from a lookup table; with signatures required it succeeds only when every signature verifies;
//  - check_delegation_change likewise only succeeds for exactly one Revoke or ApproveChecked of the
//    owner's account, with no transfer.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "encoding/base64.h"
#include "solana/inspector.h"
#include "solana/message.h"
#include "solana/transaction.h"

#include "fuzz_support.h"

namespace {

using namespace hilt;
using namespace hilt::solana;
using fuzz::require;

PaymentExpectation expectation_from(const TransactionReport& report) {
    PaymentExpectation want;
    want.payer = report.fee_payer;
    for (const auto& t : report.token_transfers) {
        if (!t.destination || !t.mint || !t.decimals) continue;
        const bool seen = std::any_of(want.token_transfers.begin(), want.token_transfers.end(),
                                      [&](const auto& w) { return w.destination == *t.destination; });
        if (!seen) want.token_transfers.push_back({*t.destination, *t.mint, t.amount, *t.decimals});
    }
    for (const auto& s : report.sol_transfers) {
        if (!s.to) continue;
        const bool seen = std::any_of(want.sol_transfers.begin(), want.sol_transfers.end(),
                                      [&](const auto& w) { return w.destination == *s.to; });
        if (!seen) want.sol_transfers.push_back({*s.to, s.lamports});
    }
    if (!report.references.empty()) want.reference = report.references.front();
    if (!report.memos.empty()) want.memo = report.memos.front().text;
    for (const auto& a : report.token_approvals) {
        if (a.checked && a.source && a.mint && a.delegate && a.decimals) {
            want.approval = ExpectedApproval{*a.source, *a.mint, *a.delegate, a.amount, *a.decimals};
            break;
        }
    }
    want.allowed_programs = report.programs;
    want.require_signatures = false;
    return want;
}

void check_payment_is_sound(const Transaction& tx, const TransactionReport& report) {
    PaymentExpectation want = expectation_from(report);
    if (!check_payment(report, want)) return;

    require(report.fee_payer == want.payer, "check_payment: fee payer is not the payer");
    for (const auto& instruction : report.instructions) {
        require(instruction.kind != InstructionKind::Unrecognized,
                "check_payment: passed an instruction it could not decode");
        require(instruction.kind != InstructionKind::TokenTransfer &&
                    instruction.kind != InstructionKind::TokenApprove &&
                    instruction.kind != InstructionKind::TokenRevoke,
                "check_payment: passed an unchecked transfer/approve or a revoke");
        require(instruction.kind != InstructionKind::TokenApproveChecked || want.approval,
                "check_payment: passed an approval nobody asked for");
    }
    require(report.token_transfers.size() == want.token_transfers.size(),
            "check_payment: a token transfer besides the expected ones");
    for (const auto& t : report.token_transfers) {
        require(t.verifiable, "check_payment: passed a token transfer through a lookup table");
        require(t.authority == want.payer, "check_payment: a token transfer not authorised by the payer");
        const bool expected = std::any_of(
            want.token_transfers.begin(), want.token_transfers.end(), [&](const auto& w) {
                return t.destination == w.destination && t.mint == w.mint && t.amount == w.amount &&
                       t.decimals == w.decimals;
            });
        require(expected, "check_payment: a token transfer that differs from the expected one");
    }
    require(report.sol_transfers.size() == want.sol_transfers.size(),
            "check_payment: a SOL transfer besides the expected ones");
    for (const auto& s : report.sol_transfers) {
        require(s.verifiable, "check_payment: passed a SOL transfer through a lookup table");
        require(s.from == want.payer, "check_payment: a SOL transfer not from the payer");
        const bool expected =
            std::any_of(want.sol_transfers.begin(), want.sol_transfers.end(), [&](const auto& w) {
                return s.to == w.destination && s.lamports == w.lamports;
            });
        require(expected, "check_payment: a SOL transfer that differs from the expected one");
    }
    require(report.token_revokes.empty(), "check_payment: passed a revoke");
    if (want.approval) {
        require(report.token_approvals.size() == 1, "check_payment: not exactly one approval");
        const auto& a = report.token_approvals.front();
        require(a.checked && a.verifiable && a.owner == want.payer && a.source == want.approval->source &&
                    a.mint == want.approval->mint && a.delegate == want.approval->delegate &&
                    a.amount == want.approval->amount && a.decimals == want.approval->decimals,
                "check_payment: passed an approval that differs from the expected one");
    } else {
        require(report.token_approvals.empty(), "check_payment: passed an approval nobody asked for");
    }

    want.require_signatures = true;
    if (check_payment(report, want)) {
        require(static_cast<bool>(verify_transaction_signatures(tx)),
                "check_payment: accepted signatures that do not verify");
    }
}

void check_delegation_change_is_sound(const TransactionReport& report) {
    ExpectedDelegationChange want;
    want.owner = report.fee_payer;
    want.require_signatures = false;
    if (!report.token_approvals.empty()) {
        const auto& a = report.token_approvals.front();
        want.source = a.source.value_or(PublicKey{});
        want.mint = a.mint.value_or(PublicKey{});
        want.delegate = a.delegate.value_or(PublicKey{});
        want.decimals = a.decimals.value_or(0);
        want.approve_amount = a.amount;
    } else if (!report.token_revokes.empty()) {
        want.source = report.token_revokes.front().source.value_or(PublicKey{});
    } else {
        return;
    }
    if (!check_delegation_change(report, want)) return;

    require(report.token_transfers.empty() && report.sol_transfers.empty(),
            "check_delegation_change: passed a transfer");
    require(report.token_approvals.size() + report.token_revokes.size() == 1,
            "check_delegation_change: not exactly one approval or revoke");
    if (want.approve_amount) {
        const auto& a = report.token_approvals.front();
        require(a.checked && a.verifiable && a.owner == want.owner && a.source == want.source &&
                    a.delegate == want.delegate && a.amount == *want.approve_amount,
                "check_delegation_change: passed an approval that differs from the expected one");
    } else {
        const auto& r = report.token_revokes.front();
        require(r.owner == want.owner && r.source == want.source,
                "check_delegation_change: passed a revoke that differs from the expected one");
    }
}

void fuzz_transaction(const Transaction& tx, ByteView wire) {
    auto serialized = serialize_transaction(tx);
    require(static_cast<bool>(serialized), "an accepted transaction does not serialise");
    require(std::equal(serialized->begin(), serialized->end(), wire.begin(), wire.end()),
            "serialising an accepted transaction changes its bytes");
    auto again = parse_transaction(*serialized);
    require(again && *again == tx, "a serialised transaction parses to another value");

    const TransactionReport report = inspect_transaction(tx);
    require(report.signers.size() == tx.message.header.num_required_signatures,
            "report: signer count differs from the header");
    require(!tx.message.account_keys.empty() && report.fee_payer == tx.message.account_keys.front(),
            "report: fee payer is not the first account key");
    require(report.instructions.size() == tx.message.instructions.size(),
            "report: one summary per instruction");
    require(report.all_signatures_valid() == static_cast<bool>(verify_transaction_signatures(tx)),
            "report: all_signatures_valid disagrees with verify_transaction_signatures");
    require(report.signature == transaction_id(tx), "report: signature is not the transaction id");

    check_payment_is_sound(tx, report);
    check_delegation_change_is_sound(report);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const ByteView input(data + 1, size - 1);
    switch (data[0] % 3) {
        case 0: {
            auto tx = parse_transaction(input);
            if (tx) fuzz_transaction(*tx, input);
            break;
        }
        case 1: {
            const std::string_view text(reinterpret_cast<const char*>(input.data()), input.size());
            auto tx = parse_transaction_base64(text);
            if (!tx) break;
            auto wire = base64_decode(text);
            require(static_cast<bool>(wire), "parse_transaction_base64 accepted text base64_decode refuses");
            require(base64_encode(*wire) == text, "accepted base64 is not in canonical form");
            fuzz_transaction(*tx, *wire);
            break;
        }
        default: {
            auto message = parse_message(input);
            if (!message) break;
            auto serialized = serialize_message(*message);
            require(static_cast<bool>(serialized), "an accepted message does not serialise");
            require(std::equal(serialized->begin(), serialized->end(), input.begin(), input.end()),
                    "serialising an accepted message changes its bytes");
            break;
        }
    }
    return 0;
}
