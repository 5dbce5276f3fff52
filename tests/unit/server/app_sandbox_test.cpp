// The sandbox routes of a real hiltd: faucet and fault switches over HTTP.
#include "crypto/sodium.h"
#include "routes/sandbox.h"
#include "solana/instructions.h"
#include "solana/message.h"
#include "unit/server/app_harness.h"

namespace hilt::server {
namespace {

class SandboxRoutesTest : public test::AppHarness {
protected:
    httplib::Result airdrop(const nlohmann::json& body) {
        return client_->Post("/v1/sandbox/airdrop", body.dump(), "application/json");
    }
    static solana::PublicKey random_wallet() {
        return solana::PublicKey{ed25519_keypair_random().public_key};
    }
};

TEST_F(SandboxRoutesTest, AirdropFundsSolAndUsdcOnTheSandboxLedger) {
    const auto wallet = random_wallet();
    auto sol = airdrop({{"wallet", wallet.to_base58()}, {"asset", "SOL"}, {"amount_minor_units", 2'000'000'000}});
    ASSERT_TRUE(sol);
    ASSERT_EQ(sol->status, 200) << sol->body;
    auto account = app_->sandbox()->account(wallet, Commitment::Processed);
    ASSERT_TRUE(account && account->has_value());
    EXPECT_EQ((*account)->lamports, 2'000'000'000u);

    auto usdc = airdrop({{"wallet", wallet.to_base58()}, {"asset", "USDC"}, {"amount_minor_units", 25'000'000}});
    ASSERT_TRUE(usdc);
    ASSERT_EQ(usdc->status, 200) << usdc->body;
    const auto body = json_of(usdc);
    EXPECT_EQ(body["token_mint"], SandboxChain::usdc_mint().to_base58());
    auto token_account = solana::PublicKey::parse(body["token_account"].get<std::string>());
    ASSERT_TRUE(token_account);
    auto state = app_->sandbox()->account(*token_account, Commitment::Processed);
    ASSERT_TRUE(state && state->has_value() && (*state)->token_account);
    EXPECT_EQ((*state)->token_account->amount, 25'000'000u);
    EXPECT_EQ((*state)->token_account->owner, wallet);
}

TEST_F(SandboxRoutesTest, AirdropRefusesBadAssetsAmountsAndWallets) {
    const auto wallet = random_wallet().to_base58();
    const std::pair<nlohmann::json, std::string> cases[] = {
        {{{"wallet", wallet}, {"asset", "BTC"}, {"amount_minor_units", 1}}, "asset"},
        {{{"wallet", wallet}, {"asset", "SOL"}, {"amount_minor_units", kSandboxMaxAirdropLamports + 1}},
         "amount_minor_units"},
        {{{"wallet", wallet}, {"asset", "SOL"}, {"amount_minor_units", 0}}, "amount_minor_units"},
        {{{"wallet", "not-a-key"}, {"asset", "SOL"}, {"amount_minor_units", 1}}, "wallet"},
        {{{"wallet", wallet}, {"asset", "SOL"}, {"amount_minor_units", 1}, {"mint", "x"}}, "mint"},
    };
    for (const auto& [body, field] : cases) {
        auto res = airdrop(body);
        ASSERT_TRUE(res);
        EXPECT_EQ(res->status, 422) << body.dump();
        EXPECT_EQ(json_of(res)["error"]["field"], field) << res->body;
    }
    EXPECT_EQ(app_->sandbox()->account(*solana::PublicKey::parse(wallet), Commitment::Processed)->has_value(),
              false);
}

TEST_F(SandboxRoutesTest, FaultSwitchesNeedAMerchantAndTakeEffect) {
    auto anonymous = client_->Post("/v1/sandbox/faults", R"({"expire_blockhashes":true})", "application/json");
    ASSERT_TRUE(anonymous);
    EXPECT_EQ(anonymous->status, 401);

    const auto before = app_->sandbox()->slot();
    auto expired = client_->Post("/v1/sandbox/faults", merchant(), R"({"expire_blockhashes":true})",
                                 "application/json");
    ASSERT_TRUE(expired);
    ASSERT_EQ(expired->status, 200) << expired->body;
    EXPECT_GT(app_->sandbox()->slot(), before + SandboxChain::kMaxBlockhashAge);

    // A dropped broadcast is accepted but never lands.
    const auto payer = ed25519_keypair_random();
    const solana::PublicKey payer_key{payer.public_key};
    ASSERT_TRUE(app_->sandbox()->airdrop_lamports(payer_key, 1'000'000'000).ok());
    auto dropped = client_->Post("/v1/sandbox/faults", merchant(), R"({"drop_next_broadcasts":1})",
                                 "application/json");
    ASSERT_TRUE(dropped);
    ASSERT_EQ(dropped->status, 200);
    auto blockhash = app_->sandbox()->latest_blockhash(Commitment::Processed);
    ASSERT_TRUE(blockhash);
    const solana::Instruction instructions[] = {solana::system_transfer(payer_key, random_wallet(), 1'000'000)};
    auto message = solana::compile_message(payer_key, instructions, blockhash->blockhash);
    ASSERT_TRUE(message) << describe(message.error());
    auto transaction = solana::make_unsigned_transaction(*message);
    ASSERT_TRUE(transaction);
    const Ed25519Keypair* signers[] = {&payer};
    ASSERT_TRUE(solana::sign_transaction(*transaction, signers).ok());
    auto wire = solana::serialize_transaction(*transaction);
    ASSERT_TRUE(wire);
    auto signature = app_->sandbox()->send(*wire);
    ASSERT_TRUE(signature) << describe(signature.error());
    app_->sandbox()->advance_slots(40);
    auto statuses = app_->sandbox()->signature_statuses({*signature});
    ASSERT_TRUE(statuses);
    ASSERT_EQ(statuses->size(), 1u);
    EXPECT_FALSE((*statuses)[0].has_value()) << "the dropped transaction never landed";

    auto bad = client_->Post("/v1/sandbox/faults", merchant(), R"({"drop_next_broadcasts":-1})",
                             "application/json");
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->status, 422);
}

}  // namespace
}  // namespace hilt::server
