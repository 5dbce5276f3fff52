#include "solana/inspector.h"

#include <gtest/gtest.h>

#include <array>

#include "solana/pda.h"
#include "solana_test_support.h"

namespace hilt::solana {
namespace {

using test::hex;
using test::key;

PublicKey payer_key() { return PublicKey::from_bytes(test::v1_keypair().public_key); }

Transaction signed_transaction(const std::vector<Instruction>& instructions,
                               MessageVersion version = MessageVersion::Legacy, bool sign = true) {
    auto message = compile_message(payer_key(), instructions, key(test::kV4Blockhash), version);
    EXPECT_TRUE(message) << describe(message.error());
    if (!message) return {};
    auto transaction = make_unsigned_transaction(*message);
    EXPECT_TRUE(transaction);
    if (!transaction) return {};
    if (sign) {
        const auto keypair = test::v1_keypair();
        const std::array<const Ed25519Keypair*, 1> signers{&keypair};
        EXPECT_TRUE(sign_transaction(*transaction, signers));
    }
    return *transaction;
}

// A hand-built message (e.g. one with lookup tables, which compile_message never makes), signed by the
// payer, serialized and parsed back as a validator would receive it.
Result<Transaction> signed_and_parsed(const Message& message) {
    auto transaction = make_unsigned_transaction(message);
    if (!transaction) return transaction.error();
    const auto keypair = test::v1_keypair();
    const std::array<const Ed25519Keypair*, 1> signers{&keypair};
    HILT_TRY(sign_transaction(*transaction, signers));
    auto wire = serialize_transaction(*transaction);
    if (!wire) return wire.error();
    return parse_transaction(*wire);
}

Instruction usdc_transfer(std::uint64_t amount, std::uint8_t decimals = 6,
                          std::string_view destination = test::kV11MerchantAta,
                          std::string_view mint = test::kUsdcMainnet) {
    const PublicKey reference = key(test::kV11Reference);
    return token_transfer_checked(key(test::kV11PayerAta), key(mint), key(destination), payer_key(),
                                  amount, decimals, std::span(&reference, 1));
}

std::vector<Instruction> checkout_instructions() {
    auto note = memo("OrderId5678");
    EXPECT_TRUE(note);
    auto create = create_associated_token_account_idempotent(payer_key(), key(test::kMerchant),
                                                             key(test::kUsdcMainnet));
    EXPECT_TRUE(create);
    return {set_compute_unit_limit(60'000), set_compute_unit_price(1'000), *create, *note,
            usdc_transfer(1'500'000)};
}

PaymentExpectation checkout_expectation() {
    PaymentExpectation expected;
    expected.payer = payer_key();
    expected.token_transfers = {
        {key(test::kV11MerchantAta), key(test::kUsdcMainnet), 1'500'000, 6}};
    expected.reference = key(test::kV11Reference);
    expected.memo = "OrderId5678";
    expected.allowed_programs = {programs::kSystem,          programs::kToken,
                                 programs::kAssociatedToken, programs::kMemo,
                                 programs::kComputeBudget,   programs::kLighthouse};
    return expected;
}

Error check_error(const std::vector<Instruction>& instructions, const PaymentExpectation& expected,
                  bool sign = true) {
    const auto report =
        inspect_transaction(signed_transaction(instructions, MessageVersion::Legacy, sign));
    auto checked = check_payment(report, expected);
    if (checked) {
        ADD_FAILURE() << "check_payment accepted the transaction";
        return {};
    }
    return checked.error();
}

TEST(Inspector, ReportsTheCheckoutShapedV11Transaction) {
    // V11 by hand (solana-phantom.md §6), parsed back from its wire form.
    Message message;
    message.header = {1, 0, 4};
    message.account_keys = {payer_key(),
                            key(test::kV11PayerAta),
                            key(test::kV11MerchantAta),
                            key(test::kUsdcMainnet),
                            key(test::kV11Reference),
                            programs::kMemo,
                            programs::kToken};
    message.recent_blockhash = key(test::kV4Blockhash);
    message.instructions = {{5, {}, Bytes{'O', 'r', 'd', 'e', 'r', 'I', 'd', '5', '6', '7', '8'}},
                            {6, {1, 3, 2, 0, 4}, hex("0c60e316000000000006")}};
    auto parsed = signed_and_parsed(message);
    ASSERT_TRUE(parsed);

    const TransactionReport report = inspect_transaction(*parsed);
    EXPECT_EQ(report.signature, test::kV11Signature);
    EXPECT_EQ(report.fee_payer, payer_key());
    ASSERT_EQ(report.signers.size(), 1u);
    EXPECT_EQ(report.signers[0].signature, SignatureState::Valid);
    EXPECT_TRUE(report.all_signatures_valid());
    EXPECT_EQ(report.programs, (std::vector<PublicKey>{programs::kMemo, programs::kToken}));
    ASSERT_EQ(report.token_transfers.size(), 1u);
    const auto& transfer = report.token_transfers[0];
    EXPECT_EQ(transfer.instruction_index, 1u);
    EXPECT_TRUE(transfer.checked);
    EXPECT_TRUE(transfer.verifiable);
    EXPECT_EQ(transfer.source, key(test::kV11PayerAta));
    EXPECT_EQ(transfer.mint, key(test::kUsdcMainnet));
    EXPECT_EQ(transfer.destination, key(test::kV11MerchantAta));
    EXPECT_EQ(transfer.authority, payer_key());
    EXPECT_EQ(transfer.amount, 1'500'000u);
    EXPECT_EQ(transfer.decimals, 6);
    EXPECT_EQ(report.references, (std::vector<PublicKey>{key(test::kV11Reference)}));
    ASSERT_EQ(report.memos.size(), 1u);
    EXPECT_EQ(report.memos[0].text, "OrderId5678");
    EXPECT_TRUE(report.sol_transfers.empty());
    EXPECT_EQ(report.unresolved_account_count, 0u);

    PaymentExpectation expected = checkout_expectation();
    EXPECT_TRUE(check_payment(report, expected));
}

TEST(Inspector, ReportsComputeBudgetAndAtaCreationOfAWalletStyleTransaction) {
    const auto report = inspect_transaction(signed_transaction(checkout_instructions()));
    EXPECT_EQ(report.compute_budget.unit_limit, 60'000u);
    EXPECT_EQ(report.compute_budget.unit_price_micro_lamports, 1'000u);
    EXPECT_EQ(report.compute_budget.priority_fee_lamports(), 60u);
    EXPECT_FALSE(report.compute_budget.has_duplicates);
    ASSERT_EQ(report.instructions.size(), 5u);
    EXPECT_EQ(report.instructions[0].kind, InstructionKind::SetComputeUnitLimit);
    EXPECT_EQ(report.instructions[1].kind, InstructionKind::SetComputeUnitPrice);
    EXPECT_EQ(report.instructions[2].kind, InstructionKind::CreateAssociatedTokenAccountIdempotent);
    EXPECT_EQ(report.instructions[3].kind, InstructionKind::Memo);
    EXPECT_EQ(report.instructions[4].kind, InstructionKind::TokenTransferChecked);
    EXPECT_TRUE(check_payment(report, checkout_expectation()));
}

TEST(Inspector, PriorityFeeRoundsUpAndSaturates) {
    ComputeBudgetReport budget;
    EXPECT_FALSE(budget.priority_fee_lamports());
    budget.unit_limit = 3;
    budget.unit_price_micro_lamports = 1;
    EXPECT_EQ(budget.priority_fee_lamports(), 1u);
    budget.unit_limit = 1'400'000;
    budget.unit_price_micro_lamports = 2'500'001;
    EXPECT_EQ(budget.priority_fee_lamports(), 3'500'002u);  // ceil(3 500 001.4)
    budget.unit_limit = UINT32_MAX;
    budget.unit_price_micro_lamports = UINT64_MAX;
    EXPECT_EQ(budget.priority_fee_lamports(), UINT64_MAX);
}

TEST(Inspector, ReportsTheGetTransactionExampleAsAnAtaCreation) {
    auto transaction = parse_transaction_base64(test::kV6Base64);
    ASSERT_TRUE(transaction);
    const auto report = inspect_transaction(*transaction);
    EXPECT_EQ(report.version, MessageVersion::V0);
    EXPECT_EQ(report.fee_payer, key("47eFuHR9ste9kopiJ9eRxcwahmE62JovbKe5r7AjANut"));
    EXPECT_EQ(report.programs, (std::vector<PublicKey>{programs::kAssociatedToken}));
    ASSERT_EQ(report.instructions.size(), 1u);
    EXPECT_EQ(report.instructions[0].kind, InstructionKind::CreateAssociatedTokenAccount);
    EXPECT_TRUE(report.all_signatures_valid());
}

TEST(Inspector, ReportsTheSolanaPaySpecTransferAsUnsigned) {
    auto transaction = parse_transaction_base64(test::kV8Base64);
    ASSERT_TRUE(transaction);
    const auto report = inspect_transaction(*transaction);
    ASSERT_EQ(report.sol_transfers.size(), 1u);
    EXPECT_EQ(report.sol_transfers[0].from, key(test::kMerchant));
    EXPECT_EQ(report.sol_transfers[0].to, key(test::kMerchant));
    EXPECT_EQ(report.sol_transfers[0].lamports, 0u);
    EXPECT_EQ(report.signers[0].signature, SignatureState::Missing);
    EXPECT_FALSE(report.all_signatures_valid());
}

TEST(PaymentCheck, AcceptsAnUnsignedTransactionOnlyWhenSignaturesAreNotRequired) {
    PaymentExpectation expected = checkout_expectation();
    const Error unsigned_error = check_error(checkout_instructions(), expected, false);
    EXPECT_EQ(unsigned_error.code, ErrorCode::InvalidSignature);
    EXPECT_EQ(unsigned_error.field, "signers[0]");
    expected.require_signatures = false;
    const auto report = inspect_transaction(
        signed_transaction(checkout_instructions(), MessageVersion::Legacy, false));
    EXPECT_TRUE(check_payment(report, expected));
}

TEST(PaymentCheck, NamesAWrongFeePayer) {
    PaymentExpectation expected = checkout_expectation();
    expected.payer = key(test::kMerchant);
    const Error error = check_error(checkout_instructions(), expected);
    EXPECT_EQ(error.code, ErrorCode::TransactionMismatch);
    EXPECT_EQ(error.field, "fee_payer");
}

TEST(PaymentCheck, NamesWrongAmountMintAndDecimals) {
    auto with_transfer = [](Instruction transfer) {
        auto instructions = checkout_instructions();
        instructions.back() = std::move(transfer);
        return check_error(instructions, checkout_expectation());
    };
    const Error amount = with_transfer(usdc_transfer(1'499'999));
    EXPECT_EQ(amount.code, ErrorCode::TransactionMismatch);
    EXPECT_EQ(amount.field, "expected.token_transfers[0]");
    EXPECT_NE(amount.message.find("1499999"), std::string::npos) << amount.message;
    const Error decimals = with_transfer(usdc_transfer(1'500'000, 9));
    EXPECT_NE(decimals.message.find("decimals"), std::string::npos) << decimals.message;
    const Error mint = with_transfer(usdc_transfer(1'500'000, 6, test::kV11MerchantAta,
                                                   "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU"));
    EXPECT_NE(mint.message.find("mint"), std::string::npos) << mint.message;
    const Error elsewhere = with_transfer(usdc_transfer(1'500'000, 6, test::kV11PayerAta));
    EXPECT_EQ(elsewhere.field, "expected.token_transfers[0]");
    EXPECT_NE(elsewhere.message.find("no token transfer"), std::string::npos) << elsewhere.message;
}

TEST(PaymentCheck, RefusesExtraAndDuplicateTransfers) {
    auto instructions = checkout_instructions();
    instructions.push_back(usdc_transfer(1'500'000));
    const Error duplicate = check_error(instructions, checkout_expectation());
    EXPECT_NE(duplicate.message.find("more than one"), std::string::npos) << duplicate.message;

    instructions = checkout_instructions();
    instructions.push_back(usdc_transfer(1, 6, test::kV11PayerAta));
    const Error extra = check_error(instructions, checkout_expectation());
    EXPECT_EQ(extra.field, "token_transfers[1]");

    instructions = checkout_instructions();
    instructions.push_back(system_transfer(payer_key(), key(test::kMerchant), 5));
    const Error sol = check_error(instructions, checkout_expectation());
    EXPECT_EQ(sol.field, "sol_transfers[0]");
}

TEST(PaymentCheck, ChecksTwoExpectedTransfersMerchantAndFee) {
    const PublicKey fee_owner = key("CiDwVBFgWV9E5MvXWoLgnEgn2hK7rJikbvfWavzAQz3");
    auto fee_ata = associated_token_address(fee_owner, key(test::kUsdcMainnet));
    ASSERT_TRUE(fee_ata);
    auto instructions = checkout_instructions();
    instructions.push_back(token_transfer_checked(key(test::kV11PayerAta), key(test::kUsdcMainnet),
                                                  fee_ata->address, payer_key(), 15'000, 6));
    PaymentExpectation expected = checkout_expectation();
    expected.token_transfers.push_back({fee_ata->address, key(test::kUsdcMainnet), 15'000, 6});
    const auto report = inspect_transaction(signed_transaction(instructions));
    EXPECT_TRUE(check_payment(report, expected));
    expected.token_transfers[1].amount = 15'001;
    auto wrong_fee = check_payment(report, expected);
    ASSERT_FALSE(wrong_fee);
    EXPECT_EQ(wrong_fee.error().field, "expected.token_transfers[1]");
}

TEST(PaymentCheck, ChecksSolTransfers) {
    PaymentExpectation expected = checkout_expectation();
    expected.token_transfers.clear();
    expected.sol_transfers = {{key(test::kMerchant), 1'000'000'000}};
    auto note = memo("OrderId5678");
    ASSERT_TRUE(note);
    Instruction transfer = system_transfer(payer_key(), key(test::kMerchant), 1'000'000'000);
    transfer.accounts.push_back({key(test::kV11Reference), false, false});
    const auto report = inspect_transaction(signed_transaction({*note, transfer}));
    EXPECT_EQ(report.references, (std::vector<PublicKey>{key(test::kV11Reference)}));
    EXPECT_TRUE(check_payment(report, expected));
    expected.sol_transfers[0].lamports = 1;
    auto wrong = check_payment(report, expected);
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().field, "expected.sol_transfers[0]");
}

TEST(PaymentCheck, RequiresTheReferenceAndTheMemo) {
    auto instructions = checkout_instructions();
    instructions.back() =
        token_transfer_checked(key(test::kV11PayerAta), key(test::kUsdcMainnet),
                               key(test::kV11MerchantAta), payer_key(), 1'500'000, 6);
    const Error no_reference = check_error(instructions, checkout_expectation());
    EXPECT_EQ(no_reference.field, "reference");

    PaymentExpectation expected = checkout_expectation();
    expected.memo = "OrderId0000";
    EXPECT_EQ(check_error(checkout_instructions(), expected).field, "memo");
}

TEST(PaymentCheck, RefusesProgramsOutsideTheAllowlist) {
    PaymentExpectation expected = checkout_expectation();
    expected.allowed_programs = {programs::kToken, programs::kAssociatedToken, programs::kMemo};
    const Error error = check_error(checkout_instructions(), expected);
    EXPECT_EQ(error.code, ErrorCode::TransactionMismatch);
    EXPECT_EQ(error.field, "programs[0]");  // ComputeBudget is the first program invoked

    // An allowlisted guard program with opaque data passes.
    auto instructions = checkout_instructions();
    instructions.insert(instructions.begin(), Instruction{programs::kLighthouse, {}, {0x09, 0x01}});
    const auto report = inspect_transaction(signed_transaction(instructions));
    EXPECT_EQ(report.instructions[0].kind, InstructionKind::OtherProgram);
    EXPECT_TRUE(check_payment(report, checkout_expectation()));
}

TEST(PaymentCheck, RefusesUnknownInstructionsOfKnownProgramsAndPlainTransfers) {
    auto instructions = checkout_instructions();
    Instruction approve = usdc_transfer(1);
    approve.data[0] = 4;  // Token Approve: lets a delegate spend the buyer's tokens
    instructions.push_back(approve);
    const Error error = check_error(instructions, checkout_expectation());
    EXPECT_EQ(error.field, "instructions[5]");

    instructions = checkout_instructions();
    Instruction plain = usdc_transfer(1'500'000);
    plain.accounts.erase(plain.accounts.begin() + 1);  // Transfer: source, destination, authority
    plain.data = hex("0360e3160000000000");
    instructions.back() = plain;
    const Error unchecked = check_error(instructions, checkout_expectation());
    EXPECT_NE(unchecked.message.find("TransferChecked"), std::string::npos) << unchecked.message;

    instructions = checkout_instructions();
    instructions.push_back(set_compute_unit_limit(1));
    const Error duplicate = check_error(instructions, checkout_expectation());
    EXPECT_EQ(duplicate.field, "compute_budget");
}

// ---- approvals (a subscription's first checkout grants the renewal delegate an allowance)

const PublicKey kDelegate = key("CiDwVBFgWV9E5MvXWoLgnEgn2hK7rJikbvfWavzAQz3");
constexpr std::uint64_t kAllowance = 12 * 1'500'000;

Instruction usdc_approve(std::uint64_t amount = kAllowance, std::uint8_t decimals = 6,
                         const PublicKey& delegate = kDelegate,
                         std::string_view mint = test::kUsdcMainnet,
                         std::string_view source = test::kV11PayerAta) {
    return token_approve_checked(key(source), key(mint), delegate, payer_key(), amount, decimals);
}

PaymentExpectation subscription_expectation() {
    PaymentExpectation expected = checkout_expectation();
    expected.approval = ExpectedApproval{key(test::kV11PayerAta), key(test::kUsdcMainnet),
                                         kDelegate, kAllowance, 6};
    return expected;
}

std::vector<Instruction> subscription_instructions() {
    auto instructions = checkout_instructions();
    instructions.push_back(usdc_approve());
    return instructions;
}

TEST(Inspector, ReportsApprovalsAndRevokesAsTheirOwnKinds) {
    auto instructions = subscription_instructions();
    instructions.push_back(token_revoke(key(test::kV11PayerAta), payer_key()));
    Instruction plain = usdc_approve(7);
    plain.accounts.erase(plain.accounts.begin() + 1);  // Approve: source, delegate, owner
    plain.data = hex("040700000000000000");
    instructions.push_back(plain);
    const auto report = inspect_transaction(signed_transaction(instructions));
    ASSERT_EQ(report.instructions.size(), 8u);
    EXPECT_EQ(report.instructions[5].kind, InstructionKind::TokenApproveChecked);
    EXPECT_EQ(report.instructions[6].kind, InstructionKind::TokenRevoke);
    EXPECT_EQ(report.instructions[7].kind, InstructionKind::TokenApprove);
    EXPECT_EQ(to_string(InstructionKind::TokenApproveChecked), "token_approve_checked");

    ASSERT_EQ(report.token_approvals.size(), 2u);
    const auto& approval = report.token_approvals[0];
    EXPECT_EQ(approval.instruction_index, 5u);
    EXPECT_TRUE(approval.checked);
    EXPECT_TRUE(approval.verifiable);
    EXPECT_EQ(approval.source, key(test::kV11PayerAta));
    EXPECT_EQ(approval.mint, key(test::kUsdcMainnet));
    EXPECT_EQ(approval.delegate, kDelegate);
    EXPECT_EQ(approval.owner, payer_key());
    EXPECT_EQ(approval.amount, kAllowance);
    EXPECT_EQ(approval.decimals, 6);
    EXPECT_FALSE(report.token_approvals[1].checked);
    EXPECT_EQ(report.token_approvals[1].delegate, kDelegate);
    EXPECT_EQ(report.token_approvals[1].amount, 7u);
    ASSERT_EQ(report.token_revokes.size(), 1u);
    EXPECT_EQ(report.token_revokes[0].instruction_index, 6u);
    EXPECT_EQ(report.token_revokes[0].source, key(test::kV11PayerAta));
    EXPECT_EQ(report.token_revokes[0].owner, payer_key());
    // Approvals are not transfers, and their accounts are not Solana Pay references.
    EXPECT_EQ(report.token_transfers.size(), 1u);
    EXPECT_EQ(report.references, (std::vector<PublicKey>{key(test::kV11Reference)}));
}

TEST(Inspector, ReportsAMalformedApprovalAsUnrecognizedWithItsProblem) {
    auto instructions = checkout_instructions();
    Instruction approve = usdc_approve();
    approve.data.resize(9);  // ApproveChecked without its decimals
    instructions.push_back(approve);
    const auto report = inspect_transaction(signed_transaction(instructions));
    EXPECT_EQ(report.instructions[5].kind, InstructionKind::Unrecognized);
    EXPECT_NE(report.instructions[5].problem.find("approval"), std::string::npos)
        << report.instructions[5].problem;
    EXPECT_TRUE(report.token_approvals.empty());
}

TEST(PaymentCheck, AnOrdinaryCheckoutRefusesEveryApprovalAndRevoke) {
    const Error checked = check_error(subscription_instructions(), checkout_expectation());
    EXPECT_EQ(checked.code, ErrorCode::TransactionMismatch);
    EXPECT_EQ(checked.field, "instructions[5]");
    EXPECT_NE(checked.message.find("delegate"), std::string::npos) << checked.message;

    auto instructions = checkout_instructions();
    instructions.push_back(token_revoke(key(test::kV11PayerAta), payer_key()));
    const Error revoke = check_error(instructions, checkout_expectation());
    EXPECT_EQ(revoke.field, "instructions[5]");
    EXPECT_NE(revoke.message.find("revoke"), std::string::npos) << revoke.message;
}

TEST(PaymentCheck, AcceptsTheExpectedApproval) {
    const auto report = inspect_transaction(signed_transaction(subscription_instructions()));
    auto checked = check_payment(report, subscription_expectation());
    EXPECT_TRUE(checked) << describe(checked.error());
}

TEST(PaymentCheck, NamesEachWayAnApprovalDiffersFromTheExpectedOne) {
    auto with_approval = [](Instruction approve) {
        auto instructions = checkout_instructions();
        instructions.push_back(std::move(approve));
        return check_error(instructions, subscription_expectation());
    };
    const PublicKey stranger = key("4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU");
    const Error delegate = with_approval(usdc_approve(kAllowance, 6, stranger));
    EXPECT_EQ(delegate.code, ErrorCode::TransactionMismatch);
    EXPECT_EQ(delegate.field, "expected.approval");
    EXPECT_NE(delegate.message.find("delegate " + stranger.to_base58()), std::string::npos)
        << delegate.message;
    const Error amount = with_approval(usdc_approve(kAllowance + 1));
    EXPECT_EQ(amount.field, "expected.approval");
    EXPECT_NE(amount.message.find("18000001"), std::string::npos) << amount.message;
    const Error mint = with_approval(
        usdc_approve(kAllowance, 6, kDelegate, "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU"));
    EXPECT_EQ(mint.field, "expected.approval");
    EXPECT_NE(mint.message.find("mint"), std::string::npos) << mint.message;
    const Error source = with_approval(
        usdc_approve(kAllowance, 6, kDelegate, test::kUsdcMainnet, test::kV11MerchantAta));
    EXPECT_EQ(source.field, "expected.approval");
    EXPECT_NE(source.message.find(std::string(test::kV11MerchantAta)), std::string::npos)
        << source.message;
    const Error decimals = with_approval(usdc_approve(kAllowance, 9));
    EXPECT_EQ(decimals.field, "expected.approval");
    EXPECT_NE(decimals.message.find("decimals"), std::string::npos) << decimals.message;
}

TEST(PaymentCheck, RequiresThePayerToOwnTheApproval) {
    auto instructions = checkout_instructions();
    const PublicKey other_owner = key(test::kMerchant);
    instructions.push_back(token_approve_checked(key(test::kV11PayerAta), key(test::kUsdcMainnet),
                                                 kDelegate, other_owner, kAllowance, 6));
    PaymentExpectation expected = subscription_expectation();
    expected.require_signatures = false;  // the other owner's signature is not ours to make
    const Error error = check_error(instructions, expected, false);
    EXPECT_EQ(error.field, "expected.approval");
    EXPECT_NE(error.message.find("not the payer"), std::string::npos) << error.message;
}

TEST(PaymentCheck, RefusesAPlainApproveEvenWhenAnApprovalIsExpected) {
    auto instructions = checkout_instructions();
    Instruction plain = usdc_approve();
    plain.accounts.erase(plain.accounts.begin() + 1);  // Approve: source, delegate, owner
    plain.data = hex("0480a8120100000000");
    instructions.push_back(plain);
    const Error error = check_error(instructions, subscription_expectation());
    EXPECT_EQ(error.field, "instructions[5]");
    EXPECT_NE(error.message.find("ApproveChecked"), std::string::npos) << error.message;

    // Next to the expected ApproveChecked too.
    instructions = subscription_instructions();
    instructions.push_back(plain);
    EXPECT_EQ(check_error(instructions, subscription_expectation()).field, "instructions[6]");
}

TEST(PaymentCheck, RequiresExactlyOneApprovalAndNoRevoke) {
    auto instructions = subscription_instructions();
    instructions.push_back(usdc_approve());
    const Error twice = check_error(instructions, subscription_expectation());
    EXPECT_EQ(twice.field, "token_approvals[1]");
    EXPECT_NE(twice.message.find("more than one"), std::string::npos) << twice.message;

    const Error missing = check_error(checkout_instructions(), subscription_expectation());
    EXPECT_EQ(missing.field, "expected.approval");
    EXPECT_NE(missing.message.find("no ApproveChecked"), std::string::npos) << missing.message;

    instructions = subscription_instructions();
    instructions.push_back(token_revoke(key(test::kV11PayerAta), payer_key()));
    EXPECT_EQ(check_error(instructions, subscription_expectation()).field, "instructions[6]");
}

TEST(PaymentCheck, TreatsTransfersThroughLookupTablesAsUnverifiable) {
    // A v0 transfer whose destination comes from an address lookup table (index 4 ≥ 4 static keys).
    Message message;
    message.version = MessageVersion::V0;
    message.header = {1, 0, 2};
    message.account_keys = {payer_key(), key(test::kV11PayerAta), key(test::kUsdcMainnet),
                            programs::kToken};
    message.recent_blockhash = key(test::kV4Blockhash);
    message.instructions = {{3, {1, 2, 4, 0}, hex("0c60e316000000000006")}};
    message.address_table_lookups = {{key("CiDwVBFgWV9E5MvXWoLgnEgn2hK7rJikbvfWavzAQz3"), {7}, {}}};
    auto parsed = signed_and_parsed(message);
    ASSERT_TRUE(parsed) << describe(parsed.error());

    const auto report = inspect_transaction(*parsed);
    EXPECT_EQ(report.unresolved_account_count, 1u);
    ASSERT_EQ(report.token_transfers.size(), 1u);
    EXPECT_FALSE(report.token_transfers[0].destination.has_value());
    EXPECT_FALSE(report.token_transfers[0].verifiable);
    PaymentExpectation expected = checkout_expectation();
    expected.reference.reset();
    expected.memo.reset();
    auto checked = check_payment(report, expected);
    ASSERT_FALSE(checked);
    EXPECT_EQ(checked.error().code, ErrorCode::AddressLookupUnsupported);
    EXPECT_EQ(checked.error().field, "token_transfers[0]");
}

TEST(PaymentCheck, TreatsApprovalsThroughLookupTablesAsUnverifiable) {
    // A v0 ApproveChecked whose delegate comes from an address lookup table (index 4 ≥ 4 static
    // keys).
    Message message;
    message.version = MessageVersion::V0;
    message.header = {1, 0, 2};
    message.account_keys = {payer_key(), key(test::kV11PayerAta), key(test::kUsdcMainnet),
                            programs::kToken};
    message.recent_blockhash = key(test::kV4Blockhash);
    message.instructions = {{3, {1, 2, 4, 0}, hex("0d80a812010000000006")}};
    message.address_table_lookups = {{kDelegate, {}, {7}}};  // any table address will do
    auto parsed = signed_and_parsed(message);
    ASSERT_TRUE(parsed) << describe(parsed.error());

    const auto report = inspect_transaction(*parsed);
    ASSERT_EQ(report.token_approvals.size(), 1u);
    EXPECT_FALSE(report.token_approvals[0].delegate.has_value());
    EXPECT_FALSE(report.token_approvals[0].verifiable);
    PaymentExpectation expected = subscription_expectation();
    expected.token_transfers.clear();
    expected.reference.reset();
    expected.memo.reset();
    auto checked = check_payment(report, expected);
    ASSERT_FALSE(checked);
    EXPECT_EQ(checked.error().code, ErrorCode::AddressLookupUnsupported);
    EXPECT_EQ(checked.error().field, "token_approvals[0]");
}

}  // namespace
}  // namespace hilt::solana

// ---- a buyer's change to a subscription's delegation ------------------------------------------------

namespace hilt::solana {
namespace {

ExpectedDelegationChange delegation_change(std::optional<std::uint64_t> approve_amount) {
    return {payer_key(), key(test::kV11PayerAta), key(test::kUsdcMainnet), 6, kDelegate, approve_amount, true};
}

Status check_change(const std::vector<Instruction>& instructions, const ExpectedDelegationChange& expected) {
    return check_delegation_change(inspect_transaction(signed_transaction(instructions)), expected);
}

std::vector<Instruction> with_budget(Instruction change) {
    return {set_compute_unit_limit(10'000), set_compute_unit_price(1'000), std::move(change)};
}

TEST(DelegationChange, AcceptsTheRevokeOrTheApprovalExpected) {
    EXPECT_TRUE(check_change(with_budget(token_revoke(key(test::kV11PayerAta), payer_key())), delegation_change({})));
    EXPECT_TRUE(check_change(with_budget(usdc_approve(kAllowance)), delegation_change(kAllowance)));
}

TEST(DelegationChange, RefusesAnythingElse) {
    const auto field_of = [](const Status& status) { return status ? std::string("ok") : status.error().field; };
    // Another amount, another delegate, the other action.
    EXPECT_EQ(field_of(check_change(with_budget(usdc_approve(kAllowance + 1)), delegation_change(kAllowance))),
              "expected.approval");
    EXPECT_EQ(field_of(check_change(with_budget(usdc_approve(kAllowance, 6, key(test::kMerchant))),
                                    delegation_change(kAllowance))),
              "expected.approval");
    EXPECT_EQ(field_of(check_change(with_budget(usdc_approve()), delegation_change({}))), "token_approvals[0]");
    EXPECT_EQ(field_of(check_change(with_budget(token_revoke(key(test::kV11PayerAta), payer_key())),
                                    delegation_change(kAllowance))),
              "token_revokes[0]");
    // A revoke of another account; a transfer riding along; no change at all.
    EXPECT_EQ(field_of(check_change(with_budget(token_revoke(key(test::kV11MerchantAta), payer_key())),
                                    delegation_change({}))),
              "token_revokes[0]");
    auto smuggled = with_budget(token_revoke(key(test::kV11PayerAta), payer_key()));
    smuggled.push_back(usdc_transfer(1));
    EXPECT_EQ(field_of(check_change(smuggled, delegation_change({}))), "instructions[3]");
    EXPECT_EQ(field_of(check_change({set_compute_unit_limit(10'000)}, delegation_change({}))), "token_revokes");
    // Signed by someone else than the buyer.
    auto expected = delegation_change({});
    expected.owner = key(test::kMerchant);
    EXPECT_EQ(field_of(check_change(with_budget(token_revoke(key(test::kV11PayerAta), payer_key())), expected)),
              "fee_payer");
}

}  // namespace
}  // namespace hilt::solana
