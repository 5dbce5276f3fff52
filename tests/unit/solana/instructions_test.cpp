#include "solana/instructions.h"

#include <gtest/gtest.h>

#include "solana/pda.h"
#include "solana_test_support.h"

namespace hilt::solana {
namespace {

using test::hex;
using test::key;

ResolvedInstruction resolved(const Instruction& instruction) {
    ResolvedInstruction out{instruction.program_id, {}, instruction.data};
    for (const auto& meta : instruction.accounts)
        out.accounts.push_back({meta.pubkey, meta.is_signer, meta.is_writable});
    return out;
}

const PublicKey kA = key("11111111111111111111111111111112");
const PublicKey kB = key("11111111111111111111111111111113");
const PublicKey kC = key("11111111111111111111111111111114");
const PublicKey kD = key("11111111111111111111111111111115");

TEST(Instructions, SystemTransferHasTheDocumentedLayout) {
    // solana-phantom.md §3.2: 49 lamports → 02000000 3100000000000000
    const Instruction transfer = system_transfer(kA, kB, 49);
    EXPECT_EQ(transfer.program_id, programs::kSystem);
    EXPECT_EQ(hex_encode(transfer.data), "020000003100000000000000");
    EXPECT_EQ(transfer.accounts, (std::vector<AccountMeta>{{kA, true, true}, {kB, false, true}}));
    auto decoded = decode_system_transfer(resolved(transfer));
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->from, kA);
    EXPECT_EQ(decoded->to, kB);
    EXPECT_EQ(decoded->lamports, 49u);
    EXPECT_TRUE(decoded->extra_accounts.empty());
}

TEST(Instructions, TransferCheckedMatchesTheTokenProgramTestVector) {
    // token interface/src/instruction.rs test_instruction_packing: amount 1, decimals 2 (§6 V10)
    const Instruction transfer = token_transfer_checked(kA, kB, kC, kD, 1, 2);
    EXPECT_EQ(hex_encode(transfer.data), "0c010000000000000002");
    EXPECT_EQ(transfer.program_id, programs::kToken);
    EXPECT_EQ(transfer.accounts,
              (std::vector<AccountMeta>{
                  {kA, false, true}, {kB, false, false}, {kC, false, true}, {kD, true, false}}));
}

TEST(Instructions, TransferCheckedAppendsReferencesAsReadonlyNonSigners) {
    const std::vector<PublicKey> references{key(test::kV11Reference), kA};
    const Instruction transfer =
        token_transfer_checked(kA, kB, kC, kD, 1'500'000, 6, references, programs::kToken2022);
    EXPECT_EQ(transfer.program_id, programs::kToken2022);
    ASSERT_EQ(transfer.accounts.size(), 6u);
    EXPECT_EQ(transfer.accounts[4], (AccountMeta{references[0], false, false}));
    EXPECT_EQ(transfer.accounts[5], (AccountMeta{kA, false, false}));
    EXPECT_EQ(hex_encode(transfer.data), "0c60e316000000000006");  // §6 V11

    auto decoded = decode_token_transfer(resolved(transfer));
    ASSERT_TRUE(decoded) << describe(decoded.error());
    EXPECT_TRUE(decoded->checked);
    EXPECT_EQ(decoded->token_program, programs::kToken2022);
    EXPECT_EQ(decoded->source, kA);
    EXPECT_EQ(decoded->mint, kB);
    EXPECT_EQ(decoded->destination, kC);
    EXPECT_EQ(decoded->authority, kD);
    EXPECT_EQ(decoded->amount, 1'500'000u);
    EXPECT_EQ(decoded->decimals, 6);
    ASSERT_EQ(decoded->extra_accounts.size(), 2u);
    EXPECT_EQ(decoded->extra_accounts[0].key, references[0]);
}

TEST(Instructions, DecodesThePlainTokenTransferWithoutMint) {
    const ResolvedInstruction plain{programs::kToken,
                                    {{kA, false, true}, {kC, false, true}, {kD, true, false}},
                                    hex("03e803000000000000")};
    auto decoded = decode_token_transfer(plain);
    ASSERT_TRUE(decoded);
    EXPECT_FALSE(decoded->checked);
    EXPECT_EQ(decoded->source, kA);
    EXPECT_EQ(decoded->destination, kC);
    EXPECT_EQ(decoded->authority, kD);
    EXPECT_EQ(decoded->amount, 1000u);
    EXPECT_FALSE(decoded->mint.has_value());
    EXPECT_FALSE(decoded->decimals.has_value());
}

TEST(Instructions, DecodersIgnoreTrailingDataWhereTheProgramDoes) {
    // System (bincode, trailing bytes allowed) and Token (unpack reads what it needs) execute
    // these.
    ResolvedInstruction system = resolved(system_transfer(kA, kB, 7));
    system.data.push_back(0xee);
    auto sys = decode_system_transfer(system);
    ASSERT_TRUE(sys);
    EXPECT_EQ(sys->lamports, 7u);
    ResolvedInstruction token = resolved(token_transfer_checked(kA, kB, kC, kD, 5, 2));
    token.data.push_back(0xee);
    auto tok = decode_token_transfer(token);
    ASSERT_TRUE(tok);
    EXPECT_EQ(tok->amount, 5u);
}

TEST(Instructions, DecodersRefuseOtherProgramsKindsAndShortInput) {
    const ResolvedInstruction transfer = resolved(system_transfer(kA, kB, 7));
    EXPECT_EQ(decode_token_transfer(transfer).error().code, ErrorCode::InvalidValue);
    EXPECT_EQ(decode_memo(transfer).error().code, ErrorCode::InvalidValue);
    EXPECT_EQ(decode_compute_budget(transfer).error().code, ErrorCode::InvalidValue);
    EXPECT_EQ(decode_create_associated_token_account(transfer).error().code,
              ErrorCode::InvalidValue);

    ResolvedInstruction create_account = transfer;  // System CreateAccount (0) is not a transfer
    create_account.data[0] = 0;
    EXPECT_EQ(decode_system_transfer(create_account).error().code, ErrorCode::InvalidValue);
    ResolvedInstruction short_data = transfer;
    short_data.data.resize(11);
    EXPECT_EQ(decode_system_transfer(short_data).error().code, ErrorCode::MalformedTransaction);
    ResolvedInstruction one_account = transfer;
    one_account.accounts.resize(1);
    EXPECT_EQ(decode_system_transfer(one_account).error().code, ErrorCode::MalformedTransaction);

    ResolvedInstruction approve = resolved(token_transfer_checked(kA, kB, kC, kD, 5, 2));
    approve.data[0] = 4;  // Approve
    EXPECT_EQ(decode_token_transfer(approve).error().code, ErrorCode::InvalidValue);
    ResolvedInstruction no_decimals = resolved(token_transfer_checked(kA, kB, kC, kD, 5, 2));
    no_decimals.data.resize(9);
    EXPECT_EQ(decode_token_transfer(no_decimals).error().code, ErrorCode::MalformedTransaction);
    ResolvedInstruction three_accounts = resolved(token_transfer_checked(kA, kB, kC, kD, 5, 2));
    three_accounts.accounts.resize(3);
    EXPECT_EQ(decode_token_transfer(three_accounts).error().code, ErrorCode::MalformedTransaction);
}

TEST(Instructions, ApproveCheckedMatchesTheTokenProgramTestVector) {
    // token interface/src/instruction.rs test_instruction_packing: amount 1, decimals 2
    const Instruction approve = token_approve_checked(kA, kB, kC, kD, 1, 2);
    EXPECT_EQ(approve.program_id, programs::kToken);
    EXPECT_EQ(hex_encode(approve.data), "0d010000000000000002");
    EXPECT_EQ(approve.accounts,
              (std::vector<AccountMeta>{
                  {kA, false, true}, {kB, false, false}, {kC, false, false}, {kD, true, false}}));
    // 12 periods of 1.5 USDC: 18 000 000 = 0x0112a880, little-endian.
    EXPECT_EQ(hex_encode(token_approve_checked(kA, kB, kC, kD, 18'000'000, 6).data),
              "0d80a812010000000006");
    EXPECT_EQ(hex_encode(token_approve_checked(kA, kB, kC, kD, UINT64_MAX, 255).data),
              "0dffffffffffffffffff");
    EXPECT_EQ(token_approve_checked(kA, kB, kC, kD, 1, 2, programs::kToken2022).program_id,
              programs::kToken2022);
}

TEST(Instructions, RevokeAndCloseAccountAreTheTagAlone) {
    const Instruction revoke = token_revoke(kA, kD);
    EXPECT_EQ(revoke.program_id, programs::kToken);
    EXPECT_EQ(hex_encode(revoke.data), "05");
    EXPECT_EQ(revoke.accounts, (std::vector<AccountMeta>{{kA, false, true}, {kD, true, false}}));

    const Instruction close = token_close_account(kA, kB, kD);
    EXPECT_EQ(close.program_id, programs::kToken);
    EXPECT_EQ(hex_encode(close.data), "09");
    EXPECT_EQ(close.accounts,
              (std::vector<AccountMeta>{{kA, false, true}, {kB, false, true}, {kD, true, false}}));
    EXPECT_EQ(token_revoke(kA, kD, programs::kToken2022).program_id, programs::kToken2022);
    EXPECT_EQ(token_close_account(kA, kB, kD, programs::kToken2022).program_id,
              programs::kToken2022);
}

TEST(Instructions, DecodesApproveCheckedBackToItsFields) {
    auto decoded = decode_token_approve(
        resolved(token_approve_checked(kA, kB, kC, kD, 18'000'000, 6, programs::kToken2022)));
    ASSERT_TRUE(decoded) << describe(decoded.error());
    EXPECT_TRUE(decoded->checked);
    EXPECT_EQ(decoded->token_program, programs::kToken2022);
    EXPECT_EQ(decoded->source, kA);
    EXPECT_EQ(decoded->mint, kB);
    EXPECT_EQ(decoded->delegate, kC);
    EXPECT_EQ(decoded->owner, kD);
    EXPECT_EQ(decoded->amount, 18'000'000u);
    EXPECT_EQ(decoded->decimals, 6);
    EXPECT_TRUE(decoded->extra_accounts.empty());
}

TEST(Instructions, DecodesThePlainApproveWithoutMint) {
    // Approve: source, delegate, owner; 04 + u64 amount.
    const ResolvedInstruction plain{programs::kToken,
                                    {{kA, false, true}, {kC, false, false}, {kD, true, false}},
                                    hex("04e803000000000000")};
    auto decoded = decode_token_approve(plain);
    ASSERT_TRUE(decoded) << describe(decoded.error());
    EXPECT_FALSE(decoded->checked);
    EXPECT_EQ(decoded->source, kA);
    EXPECT_EQ(decoded->delegate, kC);
    EXPECT_EQ(decoded->owner, kD);
    EXPECT_EQ(decoded->amount, 1000u);
    EXPECT_FALSE(decoded->mint.has_value());
    EXPECT_FALSE(decoded->decimals.has_value());
}

TEST(Instructions, DecodesRevokeBackToItsAccounts) {
    auto decoded = decode_token_revoke(resolved(token_revoke(kA, kD)));
    ASSERT_TRUE(decoded) << describe(decoded.error());
    EXPECT_EQ(decoded->token_program, programs::kToken);
    EXPECT_EQ(decoded->source, kA);
    EXPECT_EQ(decoded->owner, kD);
    EXPECT_TRUE(decoded->extra_accounts.empty());
}

TEST(Instructions, ApproveAndRevokeDecodersIgnoreTrailingDataAndExtraAccountsLikeTheProgram) {
    // Token's unpack reads what it needs; accounts after the owner are multisig signers.
    ResolvedInstruction approve = resolved(token_approve_checked(kA, kB, kC, kD, 5, 2));
    approve.data.push_back(0xee);
    approve.accounts.push_back({kA, true, false});
    auto decoded_approve = decode_token_approve(approve);
    ASSERT_TRUE(decoded_approve) << describe(decoded_approve.error());
    EXPECT_EQ(decoded_approve->amount, 5u);
    EXPECT_EQ(decoded_approve->decimals, 2);
    ASSERT_EQ(decoded_approve->extra_accounts.size(), 1u);
    EXPECT_EQ(decoded_approve->extra_accounts[0].key, kA);

    ResolvedInstruction revoke = resolved(token_revoke(kA, kD));
    revoke.data.push_back(0xee);
    revoke.accounts.push_back({kB, true, false});
    auto decoded_revoke = decode_token_revoke(revoke);
    ASSERT_TRUE(decoded_revoke) << describe(decoded_revoke.error());
    ASSERT_EQ(decoded_revoke->extra_accounts.size(), 1u);
    EXPECT_EQ(decoded_revoke->extra_accounts[0].key, kB);
}

TEST(Instructions, ApproveAndRevokeDecodersRefuseOtherKindsAndShortInput) {
    const ResolvedInstruction system = resolved(system_transfer(kA, kB, 7));
    EXPECT_EQ(decode_token_approve(system).error().code, ErrorCode::InvalidValue);
    EXPECT_EQ(decode_token_revoke(system).error().code, ErrorCode::InvalidValue);
    const ResolvedInstruction transfer = resolved(token_transfer_checked(kA, kB, kC, kD, 5, 2));
    EXPECT_EQ(decode_token_approve(transfer).error().code, ErrorCode::InvalidValue);
    EXPECT_EQ(decode_token_revoke(transfer).error().code, ErrorCode::InvalidValue);
    const ResolvedInstruction close = resolved(token_close_account(kA, kB, kD));
    EXPECT_EQ(decode_token_approve(close).error().code, ErrorCode::InvalidValue);
    EXPECT_EQ(decode_token_revoke(close).error().code, ErrorCode::InvalidValue);
    const ResolvedInstruction approve = resolved(token_approve_checked(kA, kB, kC, kD, 5, 2));
    EXPECT_EQ(decode_token_revoke(approve).error().code, ErrorCode::InvalidValue);
    EXPECT_EQ(decode_token_transfer(approve).error().code, ErrorCode::InvalidValue);
    const ResolvedInstruction revoke = resolved(token_revoke(kA, kD));
    EXPECT_EQ(decode_token_approve(revoke).error().code, ErrorCode::InvalidValue);
    ResolvedInstruction empty = revoke;
    empty.data.clear();
    EXPECT_EQ(decode_token_approve(empty).error().code, ErrorCode::InvalidValue);
    EXPECT_EQ(decode_token_revoke(empty).error().code, ErrorCode::InvalidValue);

    ResolvedInstruction no_decimals = approve;
    no_decimals.data.resize(9);
    EXPECT_EQ(decode_token_approve(no_decimals).error().code, ErrorCode::MalformedTransaction);
    ResolvedInstruction three_accounts = approve;
    three_accounts.accounts.resize(3);
    EXPECT_EQ(decode_token_approve(three_accounts).error().code, ErrorCode::MalformedTransaction);
    const ResolvedInstruction short_plain{
        programs::kToken,
        {{kA, false, true}, {kC, false, false}, {kD, true, false}},
        hex("04e8030000000000")};
    EXPECT_EQ(decode_token_approve(short_plain).error().code, ErrorCode::MalformedTransaction);
    ResolvedInstruction two_accounts = short_plain;
    two_accounts.data = hex("04e803000000000000");
    two_accounts.accounts.resize(2);
    EXPECT_EQ(decode_token_approve(two_accounts).error().code, ErrorCode::MalformedTransaction);
    ResolvedInstruction one_account = revoke;
    one_account.accounts.resize(1);
    EXPECT_EQ(decode_token_revoke(one_account).error().code, ErrorCode::MalformedTransaction);
}

TEST(Instructions, CreateIdempotentTargetsTheDerivedAta) {
    // solana-phantom.md §3.5 and §6 V6/V11.
    const PublicKey payer = PublicKey::from_bytes(test::v1_keypair().public_key);
    auto create = create_associated_token_account_idempotent(payer, key(test::kMerchant),
                                                             key(test::kUsdcMainnet));
    ASSERT_TRUE(create) << describe(create.error());
    EXPECT_EQ(create->program_id, programs::kAssociatedToken);
    EXPECT_EQ(create->data, Bytes{1});
    EXPECT_EQ(create->accounts, (std::vector<AccountMeta>{{payer, true, true},
                                                          {key(test::kV11MerchantAta), false, true},
                                                          {key(test::kMerchant), false, false},
                                                          {key(test::kUsdcMainnet), false, false},
                                                          {programs::kSystem, false, false},
                                                          {programs::kToken, false, false}}));
    auto decoded = decode_create_associated_token_account(resolved(*create));
    ASSERT_TRUE(decoded);
    EXPECT_TRUE(decoded->idempotent);
    EXPECT_EQ(decoded->address, key(test::kV11MerchantAta));
    EXPECT_EQ(decoded->owner, key(test::kMerchant));

    ResolvedInstruction legacy_create = resolved(*create);
    legacy_create.data.clear();  // the original Create
    auto legacy = decode_create_associated_token_account(legacy_create);
    ASSERT_TRUE(legacy);
    EXPECT_FALSE(legacy->idempotent);
    legacy_create.data = {1, 0};  // borsh refuses trailing bytes
    EXPECT_FALSE(decode_create_associated_token_account(legacy_create));
}

TEST(Instructions, MemoCarriesRawUtf8AndRefusesInvalidText) {
    auto note = memo("OrderId5678 ☉");
    ASSERT_TRUE(note);
    EXPECT_EQ(note->program_id, programs::kMemo);
    EXPECT_TRUE(note->accounts.empty());
    EXPECT_EQ(to_string(note->data), "OrderId5678 ☉");
    auto decoded = decode_memo(resolved(*note));
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->text, "OrderId5678 ☉");

    auto bad = memo("bad \xc3\x28");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, ErrorCode::InvalidUtf8);
    ResolvedInstruction invalid = resolved(*note);
    invalid.data = {0xff};
    EXPECT_EQ(decode_memo(invalid).error().code, ErrorCode::InvalidUtf8);
}

TEST(Instructions, ComputeBudgetMatchesTheSdkVectors) {
    // compute-budget-interface tests (§3.7, §6 V10)
    EXPECT_EQ(hex_encode(set_compute_unit_limit(257).data), "0201010000");
    EXPECT_EQ(hex_encode(set_compute_unit_price(UINT64_MAX).data), "03ffffffffffffffff");
    EXPECT_EQ(set_compute_unit_limit(1).program_id, programs::kComputeBudget);
    EXPECT_TRUE(set_compute_unit_price(1).accounts.empty());

    auto limit = decode_compute_budget(resolved(set_compute_unit_limit(257)));
    ASSERT_TRUE(limit);
    EXPECT_EQ(limit->kind, ComputeBudgetKind::SetComputeUnitLimit);
    EXPECT_EQ(limit->value, 257u);
    auto price = decode_compute_budget(resolved(set_compute_unit_price(UINT64_MAX)));
    ASSERT_TRUE(price);
    EXPECT_EQ(price->kind, ComputeBudgetKind::SetComputeUnitPrice);
    EXPECT_EQ(price->value, UINT64_MAX);

    ResolvedInstruction long_limit = resolved(set_compute_unit_limit(257));
    long_limit.data.push_back(0);  // borsh refuses trailing bytes
    EXPECT_EQ(decode_compute_budget(long_limit).error().code, ErrorCode::MalformedTransaction);
    ResolvedInstruction unused = resolved(set_compute_unit_limit(257));
    unused.data[0] = 0;
    EXPECT_EQ(decode_compute_budget(unused).error().code, ErrorCode::InvalidValue);
}

TEST(Utf8, AcceptsValidTextAndRefusesOverlongsSurrogatesAndOutOfRange) {
    EXPECT_TRUE(is_valid_utf8(""));
    EXPECT_TRUE(is_valid_utf8("plain"));
    EXPECT_TRUE(is_valid_utf8("\xc3\xa9\xe2\x98\x89\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf"));
    EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
    EXPECT_FALSE(is_valid_utf8("\xe0\x80\xaf"));      // overlong
    EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
    EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
    EXPECT_FALSE(is_valid_utf8("\xe2\x98"));          // truncated
    EXPECT_FALSE(is_valid_utf8("\x80"));              // lone continuation
    EXPECT_FALSE(is_valid_utf8("\xff"));
}

}  // namespace
}  // namespace hilt::solana
