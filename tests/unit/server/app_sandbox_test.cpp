// The sandbox routes of a real hiltd: faucet and fault switches over HTTP, and the test clock alone
// on an RPC chain (--test-clock).
#include "crypto/sodium.h"
#include "models/common.h"
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

// ---- the test clock on an RPC chain (--test-clock) ---------------------------------------------

// An App on the RPC chain. Nothing here reaches the node (the watcher is off), so its URL is a port
// nobody listens on.
class RpcChainApp : public test::AppHarness {
protected:
    void configure(ServerConfig& config) override {
        config.chain = "rpc";
        config.rpc_url = "http://127.0.0.1:9/";
        config.test_clock = test_clock_;
    }
    httplib::Result advance(std::int64_t seconds) {
        return client_->Post("/v1/sandbox/clock", merchant(),
                             nlohmann::json{{"advance_seconds", seconds}}.dump(),
                             "application/json");
    }
    bool test_clock_ = false;
};

class RpcChainWithTestClock : public RpcChainApp {
protected:
    void SetUp() override {
        test_clock_ = true;
        RpcChainApp::SetUp();
    }
};

TEST_F(RpcChainWithTestClock, TheClockRouteAloneExistsAndMovesTheClock) {
    ASSERT_EQ(app_->sandbox(), nullptr) << "the chain is the RPC node, not the sandbox";
    const std::int64_t before = clock_.now_seconds();
    auto moved = advance(3 * 86'400);
    ASSERT_TRUE(moved);
    ASSERT_EQ(moved->status, 200) << moved->body;
    EXPECT_EQ(clock_.now_seconds(), before + 3 * 86'400);
    EXPECT_EQ(json_of(moved)["now"],
              models::format_timestamp(models::Timestamp{before + 3 * 86'400}));

    auto anonymous =
        client_->Post("/v1/sandbox/clock", R"({"advance_seconds":60})", "application/json");
    ASSERT_TRUE(anonymous);
    EXPECT_EQ(anonymous->status, 401);
    auto backwards = advance(0);
    ASSERT_TRUE(backwards);
    EXPECT_EQ(backwards->status, 422);
    EXPECT_EQ(clock_.now_seconds(), before + 3 * 86'400);

    // The faucet and the fault switches stay sandbox-only.
    const std::string wallet = solana::PublicKey{ed25519_keypair_random().public_key}.to_base58();
    auto airdrop = client_->Post(
        "/v1/sandbox/airdrop",
        nlohmann::json{{"wallet", wallet}, {"asset", "SOL"}, {"amount_minor_units", 1}}.dump(),
        "application/json");
    ASSERT_TRUE(airdrop);
    EXPECT_EQ(airdrop->status, 404);
    auto faults = client_->Post("/v1/sandbox/faults", merchant(), R"({"fail_next_sends":1})",
                                "application/json");
    ASSERT_TRUE(faults);
    EXPECT_EQ(faults->status, 404);
}

TEST_F(RpcChainApp, WithoutTheTestClockTheClockRouteDoesNotExist) {
    const std::int64_t before = clock_.now_seconds();
    auto moved = advance(60);
    ASSERT_TRUE(moved);
    EXPECT_EQ(moved->status, 404) << moved->body;
    EXPECT_EQ(clock_.now_seconds(), before);
}

TEST(TestClockApp, AppOpenRefusesATestClockOnMainnet) {
    const auto dir =
        std::filesystem::temp_directory_path() / ("hilt-test-clock-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    ServerConfig config;
    config.db_path = (dir / "hilt.sqlite").string();
    config.port = 0;
    config.chain = "rpc";
    config.rpc_url = "http://127.0.0.1:9/";
    config.cluster = money::Cluster::Mainnet;
    config.test_clock = true;
    ManualClock clock{1'800'000'000'000};
    auto app = App::open(config, clock);
    ASSERT_FALSE(app) << "a test clock opened on mainnet";
    EXPECT_EQ(app.error().field, "test_clock") << describe(app.error());
    {
        config.cluster = money::Cluster::Devnet;
        auto devnet = App::open(config, clock);  // closed at the end of this block
        EXPECT_TRUE(devnet) << describe(devnet.error());
    }
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hilt::server
