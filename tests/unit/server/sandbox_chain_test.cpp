// Tests of SandboxChain: real transactions built with shared/solana builders and signed with
// libsodium keys, run against the in-process ledger. Expected numbers come from Solana's published
// constants (5000 lamports per signature, 890,880 / 2,039,280 rent minimums, 150-slot blockhash
// age, priority fee formula of solana-phantom.md §3.7), computed independently in each test.
#include "chain/sandbox_chain.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "solana/instructions.h"
#include "solana/pda.h"
#include "solana/transaction.h"

namespace hilt::server {
namespace {

using solana::Instruction;
using solana::PublicKey;
namespace programs = solana::programs;

constexpr std::uint64_t kSol = 1'000'000'000;
constexpr std::uint64_t kFee = 5'000;
constexpr std::uint64_t kRentWallet = 890'880;
constexpr std::uint64_t kRentTokenAccount = 2'039'280;

struct Wallet {
    Ed25519Keypair keys;
    PublicKey key;
};

Wallet new_wallet() {
    Wallet wallet{ed25519_keypair_random(), {}};
    wallet.key = PublicKey::from_bytes(wallet.keys.public_key);
    return wallet;
}

PublicKey ata_of(const PublicKey& owner, const PublicKey& mint = SandboxChain::usdc_mint()) {
    auto address = solana::associated_token_address(owner, mint);
    EXPECT_TRUE(address) << describe(address.error());
    return address ? address->address : PublicKey{};
}

Bytes32 fixed_seed(std::uint8_t fill) {
    Bytes32 seed{};
    seed.fill(fill);
    return seed;
}

Instruction legacy_token_transfer(const PublicKey& source, const PublicKey& destination,
                                  const PublicKey& owner, std::uint64_t amount) {
    Instruction ix{programs::kToken,
                   {{source, false, true}, {destination, false, true}, {owner, true, false}},
                   {3}};
    for (int i = 0; i < 8; ++i) ix.data.push_back(static_cast<std::uint8_t>(amount >> (8 * i)));
    return ix;
}

// Token instructions written out byte by byte, not with the shared builders, so that the sandbox
// is checked against an independent encoding (and a builder's name never clashes with these).
Instruction raw_token_approve(const PublicKey& source, const PublicKey& delegate,
                              const PublicKey& owner, std::uint64_t amount) {
    Instruction ix{programs::kToken,
                   {{source, false, true}, {delegate, false, false}, {owner, true, false}},
                   {4}};
    for (int i = 0; i < 8; ++i) ix.data.push_back(static_cast<std::uint8_t>(amount >> (8 * i)));
    return ix;
}

Instruction raw_token_revoke(const PublicKey& source, const PublicKey& owner) {
    return Instruction{programs::kToken, {{source, false, true}, {owner, true, false}}, {5}};
}

// CloseAccount (tag 9): account (w), destination (w), owner (s); the data is the tag alone.
Instruction raw_token_close_account(const PublicKey& account, const PublicKey& destination,
                                    const PublicKey& owner) {
    return Instruction{programs::kToken,
                       {{account, false, true}, {destination, false, true}, {owner, true, false}},
                       {9}};
}

class SandboxTest : public ::testing::Test {
protected:
    SandboxChain chain{fixed_seed(7)};

    PublicKey blockhash() {
        auto latest = chain.latest_blockhash(Commitment::Processed);
        EXPECT_TRUE(latest);
        return latest ? latest->blockhash : PublicKey{};
    }

    Bytes wire(const std::vector<Instruction>& ixs, const Wallet& payer,
               const std::vector<const Wallet*>& others = {},
               std::optional<PublicKey> hash = std::nullopt) {
        auto message = solana::compile_message(payer.key, ixs, hash.value_or(blockhash()));
        EXPECT_TRUE(message) << describe(message.error());
        if (!message) return {};
        auto tx = solana::make_unsigned_transaction(*message);
        EXPECT_TRUE(tx);
        std::vector<const Ed25519Keypair*> signers{&payer.keys};
        for (const Wallet* other : others) signers.push_back(&other->keys);
        const Status signed_ok = solana::sign_transaction(*tx, signers);
        EXPECT_TRUE(signed_ok) << describe(signed_ok.error());
        auto bytes = solana::serialize_transaction(*tx);
        EXPECT_TRUE(bytes);
        return bytes ? *bytes : Bytes{};
    }

    Result<std::string> send(const std::vector<Instruction>& ixs, const Wallet& payer,
                             const std::vector<const Wallet*>& others = {}) {
        return chain.send(wire(ixs, payer, others));
    }

    // Sends and expects acceptance; returns the signature.
    std::string land(const std::vector<Instruction>& ixs, const Wallet& payer,
                     const std::vector<const Wallet*>& others = {}) {
        auto sent = send(ixs, payer, others);
        EXPECT_TRUE(sent) << describe(sent.error());
        return sent ? *sent : std::string{};
    }

    std::optional<SignatureStatus> status(const std::string& signature) {
        auto statuses = chain.signature_statuses({signature});
        EXPECT_TRUE(statuses);
        return statuses ? statuses->at(0) : std::nullopt;
    }

    // "" for success, the error's name otherwise, "<not landed>" when unknown.
    std::string outcome(const std::string& signature) {
        auto s = status(signature);
        if (!s) return "<not landed>";
        return s->err ? s->err->name : "";
    }

    std::optional<AccountState> state(const PublicKey& key,
                                      Commitment commitment = Commitment::Processed) {
        auto account = chain.account(key, commitment);
        EXPECT_TRUE(account);
        return account ? *account : std::nullopt;
    }
    std::uint64_t lamports(const PublicKey& key) {
        auto account = state(key);
        return account ? account->lamports : 0;
    }
    std::uint64_t tokens(const PublicKey& token_account) {
        auto account = state(token_account);
        return account && account->token_account ? account->token_account->amount : 0;
    }

    Wallet funded(std::uint64_t sol_lamports = 10 * kSol, std::uint64_t usdc = 0) {
        Wallet wallet = new_wallet();
        EXPECT_TRUE(chain.airdrop_lamports(wallet.key, sol_lamports));
        if (usdc > 0) {
            auto ata = chain.airdrop_tokens(wallet.key, SandboxChain::usdc_mint(), usdc);
            EXPECT_TRUE(ata) << describe(ata.error());
        }
        return wallet;
    }

    Instruction usdc_transfer(const Wallet& from, const PublicKey& to_owner, std::uint64_t amount,
                              std::span<const PublicKey> references = {}) {
        return solana::token_transfer_checked(ata_of(from.key), SandboxChain::usdc_mint(),
                                              ata_of(to_owner), from.key, amount,
                                              SandboxChain::kUsdcDecimals, references);
    }
};

std::string rejected_as(const Result<std::string>& sent) {
    if (sent) return "<accepted>";
    return rejection_name(sent.error());
}

// ---- clock, blockhashes, commitment -------------------------------------------------------------

TEST(SandboxClock, BlockhashIsSha256OfDomainSlotAndSeed) {
    SandboxChain chain(fixed_seed(9));
    auto latest = chain.latest_blockhash(Commitment::Processed);
    ASSERT_TRUE(latest);
    Bytes input = {'h', 'i', 'l', 't', '-', 's', 'a', 'n', 'd', 'b', 'o',
                   'x', '-', 'b', 'l', 'o', 'c', 'k', 'h', 'a', 's', 'h'};
    const std::uint64_t slot = chain.slot();
    for (int i = 0; i < 8; ++i) input.push_back(static_cast<std::uint8_t>(slot >> (8 * i)));
    for (int i = 0; i < 32; ++i) input.push_back(9);
    EXPECT_EQ(latest->blockhash, PublicKey::from_bytes(sha256(input)));
    EXPECT_EQ(latest->last_valid_block_height, slot + 150);

    SandboxChain same(fixed_seed(9));
    SandboxChain other(fixed_seed(10));
    EXPECT_EQ(same.latest_blockhash(Commitment::Processed)->blockhash, latest->blockhash);
    EXPECT_NE(other.latest_blockhash(Commitment::Processed)->blockhash, latest->blockhash);
    chain.advance_slots(1);
    EXPECT_NE(chain.latest_blockhash(Commitment::Processed)->blockhash, latest->blockhash);
}

TEST(SandboxClock, BlockHeightEqualsSlotAndCommitmentsTrailByOneAndThirtyTwo) {
    SandboxChain chain(fixed_seed(1));
    chain.advance_slots(5);
    const std::uint64_t slot = chain.slot();
    EXPECT_EQ(*chain.block_height(Commitment::Processed), slot);
    EXPECT_EQ(*chain.block_height(Commitment::Confirmed), slot - 1);
    EXPECT_EQ(*chain.block_height(Commitment::Finalized), slot - 32);
    EXPECT_EQ(chain.latest_blockhash(Commitment::Confirmed)->last_valid_block_height,
              slot - 1 + 150);
}

TEST(SandboxClock, TheTickerAdvancesSlotsUntilStopped) {
    SandboxChain chain(fixed_seed(1));
    const std::uint64_t start = chain.slot();
    chain.start_ticker(std::chrono::milliseconds(1));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (chain.slot() < start + 3 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    chain.stop_ticker();
    const std::uint64_t stopped_at = chain.slot();
    EXPECT_GE(stopped_at, start + 3);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(chain.slot(), stopped_at) << "no slot may pass after stop_ticker";
}

TEST_F(SandboxTest, ATransactionLandsAtExactly150SlotsAndIsRejectedAt151) {
    const Wallet payer = funded();
    const auto latest = *chain.latest_blockhash(Commitment::Processed);
    const Bytes first = wire({solana::system_transfer(payer.key, new_wallet().key, kSol)}, payer,
                             {}, latest.blockhash);
    const Bytes second = wire({solana::system_transfer(payer.key, new_wallet().key, kSol)}, payer,
                              {}, latest.blockhash);
    chain.advance_slots(150);
    EXPECT_EQ(*chain.block_height(Commitment::Processed), latest.last_valid_block_height);
    auto landed = chain.send(first);
    ASSERT_TRUE(landed) << describe(landed.error());
    EXPECT_EQ(outcome(*landed), "");
    chain.advance_slots(1);
    auto late = chain.send(second);
    EXPECT_EQ(rejected_as(late), "BlockhashNotFound");
}

TEST_F(SandboxTest, AnUnknownBlockhashIsRejected) {
    const Wallet payer = funded();
    PublicKey made_up{};
    made_up.bytes.fill(0x42);
    auto sent = chain.send(
        wire({solana::system_transfer(payer.key, new_wallet().key, kSol)}, payer, {}, made_up));
    EXPECT_EQ(rejected_as(sent), "BlockhashNotFound");
    EXPECT_EQ(lamports(payer.key), 10 * kSol) << "a rejected transaction charges no fee";
}

TEST_F(SandboxTest, CommitmentProgressesFromProcessedToConfirmedToFinalized) {
    const Wallet payer = funded();
    const std::string signature =
        land({solana::system_transfer(payer.key, new_wallet().key, kSol)}, payer);
    auto s = status(signature);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->slot, chain.slot());
    EXPECT_EQ(s->confirmation, Commitment::Processed);
    EXPECT_FALSE(chain.get_transaction(signature, Commitment::Confirmed)->has_value());
    EXPECT_TRUE(chain.signatures_for_address(payer.key, 10, Commitment::Confirmed)->empty());

    chain.advance_slots(1);
    EXPECT_EQ(status(signature)->confirmation, Commitment::Confirmed);
    EXPECT_TRUE(chain.get_transaction(signature, Commitment::Confirmed)->has_value());
    EXPECT_FALSE(chain.get_transaction(signature, Commitment::Finalized)->has_value());

    chain.advance_slots(30);
    EXPECT_EQ(status(signature)->confirmation, Commitment::Confirmed);
    chain.advance_slots(1);  // 32 slots after landing
    EXPECT_EQ(status(signature)->confirmation, Commitment::Finalized);
    auto finalized = chain.get_transaction(signature, Commitment::Finalized);
    ASSERT_TRUE(finalized && finalized->has_value());
    EXPECT_EQ((*finalized)->confirmation, Commitment::Finalized);
}

TEST_F(SandboxTest, AccountViewsAtOlderCommitmentsDoNotShowNewerChanges) {
    const Wallet payer = funded();
    const Wallet recipient = new_wallet();
    chain.advance_slots(1);
    EXPECT_EQ(state(payer.key, Commitment::Confirmed)->lamports, 10 * kSol);
    EXPECT_FALSE(state(payer.key, Commitment::Finalized).has_value())
        << "airdrop not yet finalized";
    land({solana::system_transfer(payer.key, recipient.key, kSol)}, payer);
    EXPECT_EQ(lamports(recipient.key), kSol);
    EXPECT_FALSE(state(recipient.key, Commitment::Confirmed).has_value());
    EXPECT_EQ(state(payer.key, Commitment::Confirmed)->lamports, 10 * kSol);
    chain.advance_slots(1);
    EXPECT_EQ(state(recipient.key, Commitment::Confirmed)->lamports, kSol);
    EXPECT_EQ(state(payer.key, Commitment::Confirmed)->lamports, 9 * kSol - kFee);
    chain.advance_slots(31);
    EXPECT_EQ(state(recipient.key, Commitment::Finalized)->lamports, kSol);
}

// accounts(): every address read at once, in order, the same as account() one by one.
TEST_F(SandboxTest, AccountsReadsAMixInOrderLikeAccountOneByOne) {
    const Wallet holder = funded(10 * kSol, 250);
    const PublicKey missing = new_wallet().key;
    const std::vector<PublicKey> addresses = {ata_of(holder.key), missing,
                                              SandboxChain::usdc_mint(), holder.key, missing};
    auto read = chain.accounts(addresses, Commitment::Processed);
    ASSERT_TRUE(read) << describe(read.error());
    ASSERT_EQ(read->size(), addresses.size());
    ASSERT_TRUE((*read)[0] && (*read)[0]->token_account);
    EXPECT_EQ((*read)[0]->token_account->owner, holder.key);
    EXPECT_EQ((*read)[0]->token_account->amount, 250u);
    EXPECT_FALSE((*read)[0]->mint);
    EXPECT_FALSE((*read)[1]) << "a missing account is nullopt";
    ASSERT_TRUE((*read)[2] && (*read)[2]->mint);
    EXPECT_EQ((*read)[2]->mint->decimals, SandboxChain::kUsdcDecimals);
    EXPECT_EQ((*read)[2]->mint->supply, 250u);
    ASSERT_TRUE((*read)[3]);
    EXPECT_EQ((*read)[3]->lamports, 10 * kSol);
    EXPECT_EQ((*read)[3]->owner, programs::kSystem);
    EXPECT_FALSE((*read)[4]);
    for (std::size_t i = 0; i < addresses.size(); ++i) {
        EXPECT_EQ((*read)[i], state(addresses[i])) << i;
    }
    EXPECT_TRUE(chain.accounts({}, Commitment::Processed)->empty());
}

TEST_F(SandboxTest, AccountsReadsAtTheCommitmentAsked) {
    const Wallet holder = funded(10 * kSol, 250);
    chain.advance_slots(1);
    const Wallet later = funded(kSol);  // lands at the current slot: processed only
    const std::vector<PublicKey> addresses = {holder.key, later.key, ata_of(holder.key)};
    for (const Commitment commitment :
         {Commitment::Processed, Commitment::Confirmed, Commitment::Finalized}) {
        auto read = chain.accounts(addresses, commitment);
        ASSERT_TRUE(read) << describe(read.error());
        ASSERT_EQ(read->size(), addresses.size());
        for (std::size_t i = 0; i < addresses.size(); ++i) {
            EXPECT_EQ((*read)[i], state(addresses[i], commitment))
                << i << " at " << to_string(commitment);
        }
    }
    EXPECT_TRUE((*chain.accounts(addresses, Commitment::Processed))[1]);
    EXPECT_FALSE((*chain.accounts(addresses, Commitment::Confirmed))[1])
        << "the newer airdrop is not confirmed yet";
    EXPECT_TRUE((*chain.accounts(addresses, Commitment::Confirmed))[0]);
    EXPECT_FALSE((*chain.accounts(addresses, Commitment::Finalized))[0]);
}

TEST_F(SandboxTest, AccountsHasNoHundredAddressLimit) {
    const Wallet holder = funded();
    std::vector<PublicKey> addresses(250, new_wallet().key);
    addresses[0] = holder.key;
    addresses[249] = holder.key;
    auto read = chain.accounts(addresses, Commitment::Processed);
    ASSERT_TRUE(read) << describe(read.error());
    ASSERT_EQ(read->size(), 250u);
    EXPECT_TRUE((*read)[0]);
    EXPECT_FALSE((*read)[1]);
    EXPECT_FALSE((*read)[248]);
    ASSERT_TRUE((*read)[249]);
    EXPECT_EQ((*read)[249]->lamports, 10 * kSol);
}

// ---- send: wire, signatures, duplicates, fees
// -----------------------------------------------------

TEST_F(SandboxTest, MalformedAndOversizedWireIsRejected) {
    const Bytes garbage = {1, 2, 3};
    auto malformed = chain.send(garbage);
    ASSERT_FALSE(malformed);
    EXPECT_EQ(malformed.error().code, ErrorCode::MalformedTransaction)
        << describe(malformed.error());

    const Wallet payer = funded();
    Bytes big = wire({solana::system_transfer(payer.key, new_wallet().key, kSol)}, payer);
    big.resize(1233, 0);
    auto oversized = chain.send(big);
    ASSERT_FALSE(oversized);
    EXPECT_EQ(oversized.error().code, ErrorCode::TransactionTooLarge)
        << describe(oversized.error());
}

TEST_F(SandboxTest, ATamperedOrMissingSignatureIsRejected) {
    const Wallet payer = funded();
    Bytes tampered = wire({solana::system_transfer(payer.key, new_wallet().key, kSol)}, payer);
    tampered[5] ^= 0x01;  // inside signature 0
    auto sent = chain.send(tampered);
    ASSERT_FALSE(sent);
    EXPECT_EQ(sent.error().code, ErrorCode::InvalidSignature) << describe(sent.error());

    const Wallet owner = funded(10 * kSol, 1'000'000);
    const Wallet merchant = funded(kSol, 1);
    auto message = solana::compile_message(
        payer.key, std::vector{usdc_transfer(owner, merchant.key, 5)}, blockhash());
    ASSERT_TRUE(message);
    auto tx = solana::make_unsigned_transaction(*message);
    ASSERT_TRUE(tx);
    const Ed25519Keypair* only_payer[] = {&payer.keys};
    ASSERT_TRUE(solana::sign_transaction(*tx, only_payer));
    auto unsigned_owner = chain.send(*solana::serialize_transaction(*tx));
    ASSERT_FALSE(unsigned_owner);
    EXPECT_EQ(unsigned_owner.error().code, ErrorCode::InvalidSignature);
    EXPECT_EQ(lamports(payer.key), 10 * kSol);
}

TEST_F(SandboxTest, SendingTheSameTransactionTwiceIsAlreadyProcessed) {
    const Wallet payer = funded();
    const Wallet recipient = new_wallet();
    const Bytes bytes = wire({solana::system_transfer(payer.key, recipient.key, kSol)}, payer);
    auto first = chain.send(bytes);
    ASSERT_TRUE(first);
    auto again = chain.send(bytes);
    EXPECT_EQ(rejected_as(again), "AlreadyProcessed");
    EXPECT_EQ(again.error().code, ErrorCode::TransactionRejected);
    EXPECT_EQ(lamports(recipient.key), kSol) << "it must land only once";
}

TEST_F(SandboxTest, AFeePayerThatCannotPayIsRejectedAtSend) {
    const Wallet unknown = new_wallet();
    EXPECT_EQ(
        rejected_as(send({solana::system_transfer(unknown.key, new_wallet().key, 1)}, unknown)),
        "AccountNotFound");

    const Wallet poor = funded(kFee - 1);
    EXPECT_EQ(rejected_as(send({*solana::memo("hi")}, poor)), "InsufficientFundsForFee");
    EXPECT_EQ(lamports(poor.key), kFee - 1);

    const Wallet near_rent = funded(kRentWallet + kFee - 1);  // paying leaves it below exemption
    EXPECT_EQ(rejected_as(send({*solana::memo("hi")}, near_rent)), "InsufficientFundsForRent");
    const Wallet just_enough = funded(kRentWallet + kFee);
    auto sent = send({*solana::memo("hi")}, just_enough);
    ASSERT_TRUE(sent) << describe(sent.error());
    EXPECT_EQ(lamports(just_enough.key), kRentWallet);
}

TEST_F(SandboxTest, TheFeeIsFiveThousandPerSignaturePlusTheCeiledPriorityFee) {
    const Wallet payer = funded();
    const Wallet cosigner = funded();
    // Two signatures, limit 300,000 × price 10,001 µ-lamports = 3,000.3 → 3,001 lamports.
    Instruction with_cosigner = *solana::memo("two signers");
    with_cosigner.accounts.push_back({cosigner.key, true, false});
    const std::string signature = land({solana::set_compute_unit_limit(300'000),
                                        solana::set_compute_unit_price(10'001), with_cosigner},
                                       payer, {&cosigner});
    EXPECT_EQ(outcome(signature), "");
    chain.advance_slots(1);
    auto tx = chain.get_transaction(signature, Commitment::Confirmed);
    ASSERT_TRUE(tx && tx->has_value());
    EXPECT_EQ((*tx)->fee, 2 * kFee + 3'001);
    EXPECT_EQ(lamports(payer.key), 10 * kSol - 2 * kFee - 3'001);
    EXPECT_EQ(lamports(cosigner.key), 10 * kSol);

    // Price only: the limit defaults to 200,000 per other instruction; 200,000 × 3 / 1e6 = 0.6 → 1.
    const Wallet other = funded();
    const std::string priced = land({solana::set_compute_unit_price(3), *solana::memo("x")}, other);
    EXPECT_EQ(lamports(other.key), 10 * kSol - kFee - 1);
    EXPECT_EQ(outcome(priced), "");
}

TEST_F(SandboxTest, RepeatedComputeBudgetInstructionsAreRejected) {
    const Wallet payer = funded();
    auto sent = send({solana::set_compute_unit_limit(1000), solana::set_compute_unit_limit(2000),
                      *solana::memo("x")},
                     payer);
    EXPECT_EQ(rejected_as(sent), "DuplicateInstruction");
    EXPECT_EQ(lamports(payer.key), 10 * kSol);
}

TEST_F(SandboxTest, ExceedingTheComputeLimitFailsTheTransactionButChargesTheFee) {
    const Wallet payer = funded(10 * kSol, 100);
    const Wallet merchant = funded(kSol, 1);
    const std::string signature = land(
        {solana::set_compute_unit_limit(1'000), usdc_transfer(payer, merchant.key, 10)}, payer);
    EXPECT_EQ(outcome(signature), "ComputationalBudgetExceeded");
    EXPECT_EQ(status(signature)->err->instruction_index, 1u);
    EXPECT_EQ(tokens(ata_of(merchant.key)), 1u);
    EXPECT_EQ(lamports(payer.key), 10 * kSol - kFee);
}

// ---- System program
// --------------------------------------------------------------------------------

TEST_F(SandboxTest, ASystemTransferMovesLamportsAndChargesTheFee) {
    const Wallet payer = funded();
    const Wallet recipient = new_wallet();
    const std::string signature =
        land({solana::system_transfer(payer.key, recipient.key, kSol)}, payer);
    EXPECT_EQ(outcome(signature), "");
    EXPECT_EQ(lamports(payer.key), 9 * kSol - kFee);
    EXPECT_EQ(lamports(recipient.key), kSol);
    EXPECT_EQ(state(recipient.key)->owner, programs::kSystem);
}

TEST_F(SandboxTest, ANewRecipientNeedsTheRentExemptMinimum) {
    const Wallet payer = funded();
    const Wallet recipient = new_wallet();
    const std::string short_of_rent =
        land({solana::system_transfer(payer.key, recipient.key, kRentWallet - 1)}, payer);
    EXPECT_EQ(outcome(short_of_rent), "InsufficientFundsForRent");
    EXPECT_FALSE(state(recipient.key).has_value());
    EXPECT_EQ(lamports(payer.key), 10 * kSol - kFee);
    const std::string exact =
        land({solana::system_transfer(payer.key, recipient.key, kRentWallet)}, payer);
    EXPECT_EQ(outcome(exact), "");
    EXPECT_EQ(lamports(recipient.key), kRentWallet);
}

TEST_F(SandboxTest, TransferringMoreLamportsThanHeldFailsWithInsufficientFunds) {
    const Wallet payer = funded(kSol);
    const std::string signature =
        land({solana::system_transfer(payer.key, new_wallet().key, kSol)}, payer);
    EXPECT_EQ(outcome(signature), "InsufficientFunds");
    EXPECT_EQ(lamports(payer.key), kSol - kFee);
}

TEST_F(SandboxTest, TheSenderOfASystemTransferMustSign) {
    const Wallet payer = funded();
    const Wallet victim = funded();
    Instruction theft = solana::system_transfer(victim.key, payer.key, kSol);
    theft.accounts[0].is_signer = false;
    const std::string signature = land({theft}, payer);
    EXPECT_EQ(outcome(signature), "MissingRequiredSignature");
    EXPECT_EQ(lamports(victim.key), 10 * kSol);
}

// ---- SPL Token
// -------------------------------------------------------------------------------------

TEST_F(SandboxTest, TransferCheckedMovesTokensToTheDestination) {
    const Wallet buyer = funded(kSol, 5'000'000);
    const Wallet merchant = funded(kSol, 1);
    const std::string signature = land({usdc_transfer(buyer, merchant.key, 1'250'000)}, buyer);
    EXPECT_EQ(outcome(signature), "");
    EXPECT_EQ(tokens(ata_of(buyer.key)), 3'750'000u);
    EXPECT_EQ(tokens(ata_of(merchant.key)), 1'250'001u);
}

TEST_F(SandboxTest, TokenTransfersFailWithTheProgramsErrors) {
    const Wallet buyer = funded(10 * kSol, 1'000);
    const Wallet merchant = funded(kSol, 1);
    const Wallet stranger = funded(kSol);  // no token account
    const PublicKey other_mint = chain.create_mint(6);
    ASSERT_TRUE(chain.airdrop_tokens(merchant.key, other_mint, 1));
    const PublicKey two_decimal_mint = chain.create_mint(2);
    const PublicKey usdc = SandboxChain::usdc_mint();
    const PublicKey buyer_ata = ata_of(buyer.key);

    EXPECT_EQ(outcome(land({usdc_transfer(buyer, merchant.key, 1'001)}, buyer)),
              "InsufficientFunds");
    EXPECT_EQ(outcome(land({usdc_transfer(buyer, stranger.key, 1)}, buyer)), "AccountNotFound");
    EXPECT_EQ(outcome(land({usdc_transfer(stranger, merchant.key, 1)}, stranger)),
              "AccountNotFound");
    EXPECT_EQ(outcome(land(
                  {solana::token_transfer_checked(buyer_ata, usdc, stranger.key, buyer.key, 1, 6)},
                  buyer)),
              "IncorrectProgramId");
    EXPECT_EQ(
        outcome(land({solana::token_transfer_checked(
                         buyer_ata, other_mint, ata_of(merchant.key, other_mint), buyer.key, 1, 6)},
                     buyer)),
        "MintMismatch")
        << "the destination holds another mint";
    EXPECT_EQ(outcome(land({solana::token_transfer_checked(buyer_ata, two_decimal_mint,
                                                           ata_of(merchant.key), buyer.key, 1, 2)},
                           buyer)),
              "MintMismatch")
        << "the mint account is not the accounts' mint";
    EXPECT_EQ(outcome(land({solana::token_transfer_checked(buyer_ata, usdc, ata_of(merchant.key),
                                                           buyer.key, 1, 2)},
                           buyer)),
              "MintDecimalsMismatch");
    EXPECT_EQ(outcome(land({solana::token_transfer_checked(buyer_ata, usdc, ata_of(merchant.key),
                                                           stranger.key, 1, 6)},
                           buyer, {&stranger})),
              "OwnerMismatch");
    Instruction unsigned_owner = usdc_transfer(buyer, merchant.key, 1);
    unsigned_owner.accounts[3].is_signer = false;
    EXPECT_EQ(outcome(land({unsigned_owner}, stranger)), "MissingRequiredSignature");
    ASSERT_TRUE(chain.set_frozen(buyer_ata, true));
    EXPECT_EQ(outcome(land({usdc_transfer(buyer, merchant.key, 1)}, buyer)), "AccountFrozen");
    ASSERT_TRUE(chain.set_frozen(buyer_ata, false));

    EXPECT_EQ(tokens(buyer_ata), 1'000u) << "no failed transfer may move tokens";
    EXPECT_EQ(tokens(ata_of(merchant.key)), 1u);
    EXPECT_EQ(outcome(land({usdc_transfer(buyer, merchant.key, 1'000)}, buyer)), "");
}

TEST_F(SandboxTest, TheLegacyTransferInstructionWorksToo) {
    const Wallet buyer = funded(kSol, 100);
    const Wallet merchant = funded(kSol, 1);
    const std::string signature = land(
        {legacy_token_transfer(ata_of(buyer.key), ata_of(merchant.key), buyer.key, 40)}, buyer);
    EXPECT_EQ(outcome(signature), "");
    EXPECT_EQ(tokens(ata_of(merchant.key)), 41u);
    EXPECT_EQ(outcome(land(
                  {legacy_token_transfer(ata_of(buyer.key), ata_of(merchant.key), buyer.key, 61)},
                  buyer)),
              "InsufficientFunds");
}

TEST_F(SandboxTest, ADelegateMaySpendUpToItsAllowanceUntilRevoked) {
    const Wallet subscriber = funded(kSol, 1'000);
    const Wallet service = funded(kSol);
    const Wallet merchant = funded(kSol, 1);
    const PublicKey source = ata_of(subscriber.key);
    EXPECT_EQ(
        outcome(land({raw_token_approve(source, service.key, subscriber.key, 300)}, subscriber)),
        "");
    auto approved = state(source);
    ASSERT_TRUE(approved && approved->token_account);
    EXPECT_EQ(approved->token_account->delegate, service.key);
    EXPECT_EQ(approved->token_account->delegated_amount, 300u);

    auto pull = [&](std::uint64_t amount) {
        return land({solana::token_transfer_checked(source, SandboxChain::usdc_mint(),
                                                    ata_of(merchant.key), service.key, amount, 6)},
                    service);
    };
    EXPECT_EQ(outcome(pull(200)), "");
    EXPECT_EQ(state(source)->token_account->delegated_amount, 100u);
    EXPECT_EQ(outcome(pull(101)), "InsufficientFunds");
    EXPECT_EQ(outcome(land({raw_token_approve(source, service.key, service.key, 5)}, service)),
              "OwnerMismatch");
    EXPECT_EQ(outcome(land({raw_token_revoke(source, subscriber.key)}, subscriber)), "");
    EXPECT_FALSE(state(source)->token_account->delegate.has_value());
    EXPECT_EQ(outcome(pull(1)), "OwnerMismatch");
    EXPECT_EQ(tokens(source), 800u);
}

TEST_F(SandboxTest, AnEmptyTokenAccountClosesToItsDestinationAndIsGone) {
    const Wallet holder = funded(kSol, 250);
    const Wallet merchant = funded(kSol, 1);
    const Wallet stranger = funded(kSol);
    const PublicKey account = ata_of(holder.key);
    const PublicKey usdc = SandboxChain::usdc_mint();

    EXPECT_EQ(outcome(land({raw_token_close_account(account, holder.key, holder.key)}, holder)),
              "NonNativeHasBalance")
        << "a balance of 250 keeps the account open";
    EXPECT_EQ(tokens(account), 250u);
    EXPECT_EQ(outcome(land({usdc_transfer(holder, merchant.key, 250)}, holder)), "");
    EXPECT_EQ(
        outcome(land({raw_token_close_account(account, stranger.key, stranger.key)}, stranger)),
        "OwnerMismatch")
        << "only the owner closes";
    Instruction unsigned_owner = raw_token_close_account(account, stranger.key, holder.key);
    unsigned_owner.accounts[2].is_signer = false;
    EXPECT_EQ(outcome(land({unsigned_owner}, stranger)), "MissingRequiredSignature");
    EXPECT_EQ(outcome(land({raw_token_close_account(account, account, holder.key)}, holder)),
              "InvalidAccountData")
        << "the destination cannot be the account itself";
    ASSERT_TRUE(state(account).has_value()) << "no failed close may remove the account";

    const std::uint64_t stranger_before = lamports(stranger.key);
    const std::uint64_t holder_before = lamports(holder.key);
    chain.advance_slots(1);
    const std::string closed =
        land({raw_token_close_account(account, stranger.key, holder.key)}, holder);
    EXPECT_EQ(outcome(closed), "");
    EXPECT_EQ(lamports(stranger.key), stranger_before + kRentTokenAccount)
        << "the account's rent goes to the destination";
    EXPECT_EQ(lamports(holder.key), holder_before - kFee);
    EXPECT_FALSE(state(account).has_value()) << "a closed account reads as not found";
    EXPECT_TRUE(state(account, Commitment::Confirmed).has_value())
        << "until its slot is confirmed, the confirmed view still has it";
    chain.advance_slots(1);
    EXPECT_FALSE(state(account, Commitment::Confirmed).has_value());
    EXPECT_EQ(outcome(land({raw_token_close_account(account, holder.key, holder.key)}, holder)),
              "AccountNotFound")
        << "closing it twice";
    EXPECT_EQ(outcome(land({usdc_transfer(merchant, holder.key, 1)}, merchant)), "AccountNotFound")
        << "tokens cannot be sent to a closed account";

    // The same address can be created again, empty, by anyone who pays its rent.
    auto recreate =
        solana::create_associated_token_account_idempotent(holder.key, holder.key, usdc);
    ASSERT_TRUE(recreate) << describe(recreate.error());
    EXPECT_EQ(outcome(land({*recreate}, holder)), "");
    auto reopened = state(account);
    ASSERT_TRUE(reopened && reopened->token_account);
    EXPECT_EQ(reopened->token_account->amount, 0u);
    EXPECT_FALSE(reopened->token_account->delegate.has_value());
}

TEST_F(SandboxTest, AnUnsupportedTokenInstructionOrProgramIsNamed) {
    const Wallet payer = funded(kSol, 10);
    Instruction mint_to{programs::kToken,
                        {{SandboxChain::usdc_mint(), false, true},
                         {ata_of(payer.key), false, true},
                         {payer.key, true, false}},
                        {7, 1, 0, 0, 0, 0, 0, 0, 0}};
    EXPECT_EQ(outcome(land({mint_to}, payer)), "UnsupportedInstruction");
    const std::string other_program = land({Instruction{programs::kLighthouse, {}, {1}}}, payer);
    auto s = status(other_program);
    ASSERT_TRUE(s && s->err);
    EXPECT_EQ(s->err->name, "ProgramNotSupported");
    EXPECT_NE(s->err->detail.find(programs::kLighthouse.to_base58()), std::string::npos);
    EXPECT_EQ(lamports(payer.key), kSol - 2 * kFee);
}

// ---- Associated Token Account
// ------------------------------------------------------------------------

TEST_F(SandboxTest, CreateIdempotentCreatesTheAccountAndTheFunderPaysRent) {
    const Wallet funder = funded();
    const Wallet merchant = new_wallet();
    auto create = solana::create_associated_token_account_idempotent(funder.key, merchant.key,
                                                                     SandboxChain::usdc_mint());
    ASSERT_TRUE(create);
    EXPECT_EQ(outcome(land({*create}, funder)), "");
    auto created = state(ata_of(merchant.key));
    ASSERT_TRUE(created && created->token_account);
    EXPECT_EQ(created->owner, programs::kToken);
    EXPECT_EQ(created->lamports, kRentTokenAccount);
    EXPECT_EQ(created->token_account->owner, merchant.key);
    EXPECT_EQ(created->token_account->mint, SandboxChain::usdc_mint());
    EXPECT_EQ(created->token_account->amount, 0u);
    EXPECT_EQ(lamports(funder.key), 10 * kSol - kFee - kRentTokenAccount);

    // Again: succeeds without charging rent (a new memo keeps the signature distinct).
    EXPECT_EQ(outcome(land({*create, *solana::memo("again")}, funder)), "");
    EXPECT_EQ(lamports(funder.key), 10 * kSol - 2 * kFee - kRentTokenAccount);

    Instruction plain_create = *create;
    plain_create.data = {0};
    EXPECT_EQ(outcome(land({plain_create}, funder)), "AccountAlreadyInUse");
}

TEST_F(SandboxTest, CreatingAnAssociatedAccountChecksAddressFunderAndMint) {
    const Wallet funder = funded();
    const Wallet merchant = new_wallet();
    auto create = solana::create_associated_token_account_idempotent(funder.key, merchant.key,
                                                                     SandboxChain::usdc_mint());
    ASSERT_TRUE(create);
    Instruction wrong_address = *create;
    wrong_address.accounts[1].pubkey = ata_of(new_wallet().key);
    EXPECT_EQ(outcome(land({wrong_address}, funder)), "InvalidSeeds");

    const PublicKey no_mint = new_wallet().key;
    auto unknown_mint =
        solana::create_associated_token_account_idempotent(funder.key, merchant.key, no_mint);
    ASSERT_TRUE(unknown_mint);
    EXPECT_EQ(outcome(land({*unknown_mint}, funder)), "IncorrectProgramId");

    const Wallet poor = funded(2'000'000);
    auto poor_create = solana::create_associated_token_account_idempotent(
        poor.key, merchant.key, SandboxChain::usdc_mint());
    ASSERT_TRUE(poor_create);
    EXPECT_EQ(outcome(land({*poor_create}, poor)), "InsufficientFunds");
    EXPECT_FALSE(state(ata_of(merchant.key)).has_value());
    EXPECT_EQ(lamports(poor.key), 2'000'000 - kFee);
}

// ---- Memo
// --------------------------------------------------------------------------------------------

TEST_F(SandboxTest, AMemoMustBeUtf8AndItsListedAccountsMustSign) {
    const Wallet payer = funded();
    const Wallet other = funded();
    const std::string plain = land({*solana::memo("order 42 ✓")}, payer);
    EXPECT_EQ(outcome(plain), "");
    chain.advance_slots(1);
    auto tx = chain.get_transaction(plain, Commitment::Confirmed);
    ASSERT_TRUE(tx && tx->has_value());
    bool logged = false;
    for (const auto& line : (*tx)->log_messages)
        logged |= line.find("order 42 ✓") != std::string::npos;
    EXPECT_TRUE(logged);

    Instruction bad_utf8{programs::kMemo, {}, {0xff, 0xfe}};
    EXPECT_EQ(outcome(land({bad_utf8}, payer)), "InvalidInstructionData");

    Instruction unsigned_account = *solana::memo("signed?");
    unsigned_account.accounts.push_back({other.key, false, false});
    EXPECT_EQ(outcome(land({unsigned_account}, payer)), "MissingRequiredSignature");
    Instruction signed_account = *solana::memo("signed!");
    signed_account.accounts.push_back({other.key, true, false});
    EXPECT_EQ(outcome(land({signed_account}, payer, {&other})), "");
}

// ---- atomicity and reads
// ---------------------------------------------------------------------------------

TEST_F(SandboxTest, AFailingSecondInstructionUndoesTheFirstButTheFeeIsCharged) {
    const Wallet payer = funded(10 * kSol, 100);
    const Wallet merchant = funded(kSol, 1);
    const Wallet recipient = new_wallet();
    const std::string signature = land({solana::system_transfer(payer.key, recipient.key, kSol),
                                        usdc_transfer(payer, merchant.key, 101)},
                                       payer);
    auto s = status(signature);
    ASSERT_TRUE(s && s->err);
    EXPECT_EQ(s->err->name, "InsufficientFunds");
    EXPECT_EQ(s->err->instruction_index, 1u);
    EXPECT_FALSE(state(recipient.key).has_value()) << "the first transfer must be undone";
    EXPECT_EQ(lamports(payer.key), 10 * kSol - kFee);
    EXPECT_EQ(tokens(ata_of(payer.key)), 100u);

    chain.advance_slots(1);
    auto tx = chain.get_transaction(signature, Commitment::Confirmed);
    ASSERT_TRUE(tx && tx->has_value());
    EXPECT_EQ((*tx)->fee, kFee);
    ASSERT_TRUE((*tx)->err);
    EXPECT_EQ((*tx)->pre_balances[0] - (*tx)->post_balances[0], kFee);
}

TEST_F(SandboxTest, GetTransactionReportsLamportAndTokenBalancesBeforeAndAfter) {
    const Wallet buyer = funded(kSol, 2'000'000);
    const Wallet merchant = funded(kSol, 500);
    const PublicKey reference = new_wallet().key;
    const PublicKey references[] = {reference};
    const std::string signature = land(
        {*solana::memo("hilt"), usdc_transfer(buyer, merchant.key, 1'500'000, references)}, buyer);
    chain.advance_slots(1);
    auto found = chain.get_transaction(signature, Commitment::Confirmed);
    ASSERT_TRUE(found && found->has_value());
    const ConfirmedTransaction& tx = **found;
    EXPECT_EQ(tx.signature, signature);
    EXPECT_FALSE(tx.err.has_value());
    EXPECT_EQ(tx.fee, kFee);
    EXPECT_TRUE(tx.block_time.has_value());
    ASSERT_EQ(tx.account_keys.size(), tx.pre_balances.size());
    ASSERT_EQ(tx.account_keys.size(), tx.post_balances.size());
    EXPECT_EQ(tx.account_keys[0], buyer.key);
    EXPECT_EQ(tx.pre_balances[0], kSol);
    EXPECT_EQ(tx.post_balances[0], kSol - kFee);

    const PublicKey destination = ata_of(merchant.key);
    auto find = [&](const std::vector<TokenBalance>& list) -> const TokenBalance* {
        for (const auto& b : list) {
            if (b.account == destination) return &b;
        }
        return nullptr;
    };
    const TokenBalance* pre = find(tx.pre_token_balances);
    const TokenBalance* post = find(tx.post_token_balances);
    ASSERT_TRUE(pre && post);
    EXPECT_EQ(post->amount - pre->amount, 1'500'000u);
    EXPECT_EQ(post->owner, merchant.key);
    EXPECT_EQ(post->mint, SandboxChain::usdc_mint());
    EXPECT_EQ(post->decimals, 6);
    EXPECT_EQ(tx.account_keys[post->account_index], destination);
    EXPECT_EQ(tx.pre_token_balances.size(), 2u);  // the buyer's and the merchant's
}

TEST_F(SandboxTest, SignaturesForAddressFindsAReferenceNewestFirst) {
    const Wallet buyer = funded(kSol, 100);
    const Wallet merchant = funded(kSol, 1);
    const PublicKey reference = new_wallet().key;
    const PublicKey references[] = {reference};
    const std::string first = land({usdc_transfer(buyer, merchant.key, 1, references)}, buyer);
    chain.advance_slots(1);
    const std::string failed = land({usdc_transfer(buyer, merchant.key, 1'000, references)}, buyer);
    chain.advance_slots(1);
    auto found = chain.signatures_for_address(reference, 10, Commitment::Confirmed);
    ASSERT_TRUE(found);
    ASSERT_EQ(found->size(), 2u);
    EXPECT_EQ((*found)[0].signature, failed);
    ASSERT_TRUE((*found)[0].err);
    EXPECT_EQ((*found)[0].err->name, "InsufficientFunds");
    EXPECT_EQ((*found)[1].signature, first);
    EXPECT_FALSE((*found)[1].err);
    EXPECT_EQ(chain.signatures_for_address(reference, 1, Commitment::Confirmed)->size(), 1u);
    EXPECT_TRUE(chain.signatures_for_address(new_wallet().key, 10, Commitment::Confirmed)->empty());
    EXPECT_EQ(chain.signatures_for_address(buyer.key, 10, Commitment::Confirmed)->size(), 2u);
}

TEST_F(SandboxTest, SimulationReportsTheOutcomeWithoutLanding) {
    const Wallet buyer = funded(kSol, 100);
    const Wallet merchant = funded(kSol, 1);
    auto parse = [](const Bytes& bytes) { return *solana::parse_transaction(bytes); };
    const solana::Transaction good = parse(wire({usdc_transfer(buyer, merchant.key, 10)}, buyer));
    auto ok = chain.simulate(good);
    ASSERT_TRUE(ok) << describe(ok.error());
    EXPECT_FALSE(ok->err.has_value());
    EXPECT_GT(ok->units_consumed, 0u);
    EXPECT_FALSE(ok->logs.empty());
    EXPECT_FALSE(status(solana::transaction_id(good)).has_value());
    EXPECT_EQ(tokens(ata_of(merchant.key)), 1u);
    EXPECT_EQ(lamports(buyer.key), kSol);

    const solana::Transaction bad = parse(wire({usdc_transfer(buyer, merchant.key, 101)}, buyer));
    auto failing = chain.simulate(bad);
    ASSERT_TRUE(failing);
    ASSERT_TRUE(failing->err);
    EXPECT_EQ(failing->err->name, "InsufficientFunds");

    solana::Transaction forged = good;
    forged.signatures[0][0] ^= 1;
    auto forged_result = chain.simulate(forged);
    ASSERT_FALSE(forged_result);
    EXPECT_EQ(forged_result.error().code, ErrorCode::InvalidSignature);
}

TEST_F(SandboxTest, SignatureStatusesAreNullForUnknownSignatures) {
    auto statuses = chain.signature_statuses(
        {"1111111111111111111111111111111111111111111111111111111111111111"});
    ASSERT_TRUE(statuses);
    ASSERT_EQ(statuses->size(), 1u);
    EXPECT_FALSE((*statuses)[0].has_value());
}

// ---- faucet
// --------------------------------------------------------------------------------------------

TEST_F(SandboxTest, TheSandboxUsdcMintExistsFromGenesisWithSixDecimals) {
    EXPECT_EQ(SandboxChain::usdc_mint().to_base58(),
              "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU");
    auto mint = state(SandboxChain::usdc_mint(), Commitment::Finalized);
    ASSERT_TRUE(mint && mint->mint);
    EXPECT_EQ(mint->owner, programs::kToken);
    EXPECT_EQ(mint->mint->decimals, 6);
    EXPECT_EQ(mint->mint->supply, 0u);
}

TEST_F(SandboxTest, AirdroppingTokensCreatesTheAssociatedAccountAndMints) {
    const Wallet wallet = new_wallet();
    auto ata = chain.airdrop_tokens(wallet.key, SandboxChain::usdc_mint(), 700);
    ASSERT_TRUE(ata) << describe(ata.error());
    EXPECT_EQ(*ata, ata_of(wallet.key));
    ASSERT_TRUE(chain.airdrop_tokens(wallet.key, SandboxChain::usdc_mint(), 300));
    EXPECT_EQ(tokens(*ata), 1'000u);
    EXPECT_EQ(state(*ata)->token_account->owner, wallet.key);
    EXPECT_EQ(state(SandboxChain::usdc_mint())->mint->supply, 1'000u);

    const PublicKey mint = chain.create_mint(9);
    EXPECT_EQ(state(mint)->mint->decimals, 9);
    auto unknown = chain.airdrop_tokens(wallet.key, new_wallet().key, 1);
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().code, ErrorCode::NotFound);
    auto overflow = chain.airdrop_lamports(wallet.key, UINT64_MAX);
    ASSERT_TRUE(overflow);
    auto too_much = chain.airdrop_lamports(wallet.key, 1);
    ASSERT_FALSE(too_much);
    EXPECT_EQ(too_much.error().code, ErrorCode::AmountOverflow);
}

// ---- fault switches
// ----------------------------------------------------------------------------------

TEST_F(SandboxTest, ADroppedBroadcastReturnsItsSignatureButNeverLandsUntilSentAgain) {
    const Wallet payer = funded();
    const Wallet recipient = new_wallet();
    const Bytes bytes = wire({solana::system_transfer(payer.key, recipient.key, kSol)}, payer);
    chain.drop_next_broadcasts(1);
    auto dropped = chain.send(bytes);
    ASSERT_TRUE(dropped);
    EXPECT_FALSE(status(*dropped).has_value());
    EXPECT_FALSE(state(recipient.key).has_value());
    EXPECT_EQ(lamports(payer.key), 10 * kSol);
    auto again = chain.send(bytes);
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, *dropped);
    EXPECT_EQ(outcome(*again), "");
    EXPECT_EQ(lamports(recipient.key), kSol);
}

TEST_F(SandboxTest, ExpiringBlockhashesInvalidatesEveryHashHandedOut) {
    const Wallet payer = funded();
    const auto confirmed = *chain.latest_blockhash(Commitment::Confirmed);
    const auto processed = *chain.latest_blockhash(Commitment::Processed);
    const Bytes a = wire({solana::system_transfer(payer.key, new_wallet().key, kSol)}, payer, {},
                         confirmed.blockhash);
    const Bytes b = wire({solana::system_transfer(payer.key, new_wallet().key, kSol)}, payer, {},
                         processed.blockhash);
    chain.expire_blockhashes();
    EXPECT_GT(*chain.block_height(Commitment::Processed), processed.last_valid_block_height);
    EXPECT_EQ(rejected_as(chain.send(a)), "BlockhashNotFound");
    EXPECT_EQ(rejected_as(chain.send(b)), "BlockhashNotFound");
    EXPECT_EQ(outcome(land({solana::system_transfer(payer.key, new_wallet().key, kSol)}, payer)),
              "");
}

TEST_F(SandboxTest, DelayedConfirmationKeepsTransactionsProcessedLonger) {
    const Wallet payer = funded();
    chain.delay_confirmation(5);
    const std::string signature =
        land({solana::system_transfer(payer.key, new_wallet().key, kSol)}, payer);
    chain.advance_slots(5);
    EXPECT_EQ(status(signature)->confirmation, Commitment::Processed);
    EXPECT_FALSE(chain.get_transaction(signature, Commitment::Confirmed)->has_value());
    chain.advance_slots(1);
    EXPECT_EQ(status(signature)->confirmation, Commitment::Confirmed);

    const std::string later =
        land({solana::system_transfer(payer.key, new_wallet().key, kSol)}, payer);
    chain.advance_slots(1);
    EXPECT_EQ(status(later)->confirmation, Commitment::Processed);
    chain.delay_confirmation(0);
    EXPECT_EQ(status(later)->confirmation, Commitment::Confirmed);
}

TEST_F(SandboxTest, FailingTheNextSendsAnswersChainUnavailableAndLandsNothing) {
    const Wallet payer = funded();
    const Bytes bytes = wire({solana::system_transfer(payer.key, new_wallet().key, kSol)}, payer);
    chain.fail_next_sends(2);
    for (int i = 0; i < 2; ++i) {
        auto sent = chain.send(bytes);
        ASSERT_FALSE(sent);
        EXPECT_EQ(sent.error().code, ErrorCode::ChainUnavailable);
    }
    EXPECT_EQ(lamports(payer.key), 10 * kSol);
    auto sent = chain.send(bytes);
    ASSERT_TRUE(sent) << describe(sent.error());
    EXPECT_EQ(outcome(*sent), "");
}

// ---- concurrency
// --------------------------------------------------------------------------------------

TEST_F(SandboxTest, ConcurrentSendersWhileTheTickerRunsConserveTokensAndLamportsMinusFees) {
    constexpr int kThreads = 4;
    constexpr int kPerThread = 30;
    constexpr std::uint64_t kStartUsdc = 1'000'000;
    std::vector<Wallet> buyers;
    for (int t = 0; t < kThreads; ++t) buyers.push_back(funded(10 * kSol, kStartUsdc));
    const Wallet merchant = funded(kSol, 1);
    const std::uint64_t lamports_before = chain.total_lamports();
    const std::uint64_t supply = state(SandboxChain::usdc_mint())->mint->supply;
    ASSERT_EQ(supply, kThreads * kStartUsdc + 1);

    chain.start_ticker(std::chrono::milliseconds(1));
    std::vector<std::vector<std::string>> signatures(kThreads);
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kPerThread; ++i) {
                std::vector<Instruction> ixs = {usdc_transfer(buyers[t], merchant.key, i + 1)};
                if (i % 5 == 4)
                    ixs.push_back(usdc_transfer(buyers[t], merchant.key, kStartUsdc * 2));
                auto sent = send(ixs, buyers[t]);
                if (!sent) {
                    ++failures;
                    continue;
                }
                signatures[t].push_back(*sent);
                (void)chain.signature_statuses({*sent});
            }
        });
    }
    for (auto& thread : threads) thread.join();
    chain.stop_ticker();
    EXPECT_EQ(failures.load(), 0);
    chain.advance_slots(1);

    std::uint64_t fees = 0;
    std::uint64_t held = tokens(ata_of(merchant.key));
    std::uint64_t expected_to_merchant = 1;
    for (int t = 0; t < kThreads; ++t) {
        held += tokens(ata_of(buyers[t].key));
        for (const auto& signature : signatures[t]) {
            auto tx = chain.get_transaction(signature, Commitment::Confirmed);
            ASSERT_TRUE(tx && tx->has_value());
            fees += (*tx)->fee;
        }
        for (int i = 0; i < kPerThread; ++i) {
            if (i % 5 != 4) expected_to_merchant += static_cast<std::uint64_t>(i + 1);
        }
    }
    EXPECT_EQ(fees, static_cast<std::uint64_t>(kThreads * kPerThread) * kFee);
    EXPECT_EQ(lamports_before - chain.total_lamports(), fees);
    EXPECT_EQ(held, supply);
    EXPECT_EQ(state(SandboxChain::usdc_mint())->mint->supply, supply);
    EXPECT_EQ(tokens(ata_of(merchant.key)), expected_to_merchant);
}

}  // namespace
}  // namespace hilt::server
