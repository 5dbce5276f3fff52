// Tests of RpcChain and RpcClient against a real loopback JSON-RPC server (rpc_node.h: httplib on
// 127.0.0.1, port 0) answering scripted responses in the shapes of solana-phantom.md §5; TLS with
// real certificates is rpc_tls_test.cpp. Transactions are built and signed with shared/solana;
// token layouts are written byte by byte from §3.8; error names are checked against what
// SandboxChain says for the same failure. Timing checks are lower bounds only.
#include "chain/rpc_chain.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "chain/sandbox_chain.h"
#include "encoding/base64.h"
#include "solana/instructions.h"
#include "solana/pda.h"
#include "solana/transaction.h"
#include "unit/server/rpc_node.h"

namespace hilt::server {
namespace {

using nlohmann::json;
using solana::Instruction;
using solana::PublicKey;
using std::chrono::milliseconds;
using test::context;
using test::FakeRpcNode;
using test::held;
using test::http_status;
using test::raw_body;
using test::result;
using test::rpc_error;
using test::Scripted;
namespace programs = solana::programs;
using SteadyClock = std::chrono::steady_clock;

// ---- transactions ------------------------------------------------------------------------------

struct Wallet {
    Ed25519Keypair keys;
    PublicKey key;
};

Wallet wallet(std::uint8_t fill) {
    Bytes32 seed{};
    seed.fill(fill);
    Wallet out{ed25519_keypair_from_seed(seed), {}};
    out.key = PublicKey::from_bytes(out.keys.public_key);
    return out;
}

PublicKey key_of(std::uint8_t fill) {
    Bytes32 bytes{};
    bytes.fill(fill);
    return PublicKey::from_bytes(bytes);
}

PublicKey ata_of(const PublicKey& owner, const PublicKey& mint) {
    auto address = solana::associated_token_address(owner, mint);
    EXPECT_TRUE(address) << describe(address.error());
    return address ? address->address : PublicKey{};
}

solana::Transaction signed_transaction(solana::Message message, const Wallet& payer) {
    auto tx = solana::make_unsigned_transaction(std::move(message));
    EXPECT_TRUE(tx) << describe(tx.error());
    if (!tx) return {};
    const std::vector<const Ed25519Keypair*> signers{&payer.keys};
    const Status signed_ok = solana::sign_transaction(*tx, signers);
    EXPECT_TRUE(signed_ok) << describe(signed_ok.error());
    return *tx;
}

solana::Transaction build(const std::vector<Instruction>& ixs, const Wallet& payer,
                          const PublicKey& blockhash,
                          solana::MessageVersion version = solana::MessageVersion::Legacy) {
    auto message = solana::compile_message(payer.key, ixs, blockhash, version);
    EXPECT_TRUE(message) << describe(message.error());
    return message ? signed_transaction(*message, payer) : solana::Transaction{};
}

Bytes wire_of(const solana::Transaction& tx) {
    auto bytes = solana::serialize_transaction(tx);
    EXPECT_TRUE(bytes) << describe(bytes.error());
    return bytes ? *bytes : Bytes{};
}

// A random-looking but fixed signature text for index i.
std::string signature_text(std::size_t i) {
    Bytes bytes(64, 0);
    for (std::size_t k = 0; k < bytes.size(); ++k) {
        bytes[k] = static_cast<std::uint8_t>((i * 131 + k * 7 + 1) & 0xff);
    }
    bytes[0] = static_cast<std::uint8_t>(i & 0xff);
    bytes[1] = static_cast<std::uint8_t>((i >> 8) | 0x80);
    return base58_encode(bytes);
}

// ---- fixtures ----------------------------------------------------------------------------------

RpcChainOptions quick_options(const std::string& url) {
    RpcChainOptions options;
    options.url = url;
    options.timeout = milliseconds(3'000);
    options.connect_timeout = milliseconds(1'000);
    options.max_attempts = 3;
    options.backoff_base = milliseconds(1);
    options.max_requests_per_second = 0;  // no cap: these tests are about shapes
    return options;
}

class RpcChainTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto created = RpcChain::create(quick_options(node.url()));
        ASSERT_TRUE(created) << describe(created.error());
        chain = std::move(*created);
    }

    FakeRpcNode node;
    std::unique_ptr<RpcChain> chain;
    const Wallet payer = wallet(11);
    const PublicKey usdc = SandboxChain::usdc_mint();
    const PublicKey blockhash = key_of(0x42);
};

// ---- reads -------------------------------------------------------------------------------------

TEST_F(RpcChainTest, LatestBlockhashAsksWithTheCommitmentAndReadsTheValue) {
    const std::string hash = "EkSnNWid2cvwEVnVx9aBqawnmiCNiDgp3gUdkDPTKN1N";
    node.then(result(context({{"blockhash", hash}, {"lastValidBlockHeight", 3'090}})));
    auto latest = chain->latest_blockhash(Commitment::Finalized);
    ASSERT_TRUE(latest) << describe(latest.error());
    EXPECT_EQ(latest->blockhash.to_base58(), hash);
    EXPECT_EQ(latest->last_valid_block_height, 3'090u);
    json request = node.last_request();
    EXPECT_EQ(request["jsonrpc"], "2.0");
    EXPECT_EQ(request["method"], "getLatestBlockhash");
    EXPECT_EQ(request["params"], json::parse(R"([{"commitment":"finalized"}])"));
    EXPECT_EQ(node.targets().at(0), "/rpc?api-key=k") << "the URL's path and query are kept";
}

TEST_F(RpcChainTest, BlockHeightIsAPlainIntegerAtTheAskedCommitment) {
    node.then(result(297'000'123));
    auto height = chain->block_height(Commitment::Confirmed);
    ASSERT_TRUE(height) << describe(height.error());
    EXPECT_EQ(*height, 297'000'123u);
    EXPECT_EQ(node.last_request()["method"], "getBlockHeight");
    EXPECT_EQ(node.last_request()["params"], json::parse(R"([{"commitment":"confirmed"}])"));
}

TEST_F(RpcChainTest, AnswersOfTheWrongShapeAreChainUnavailableNotACrash) {
    node.then(result("three hundred"));
    node.then(result(context({{"blockhash", "not base58 0OIl"}, {"lastValidBlockHeight", 1}})));
    node.then(
        result(context({{"blockhash", key_of(1).to_base58()}, {"lastValidBlockHeight", -5}})));
    node.then(result(json::array()));
    auto height = chain->block_height(Commitment::Confirmed);
    ASSERT_FALSE(height);
    EXPECT_EQ(height.error().code, ErrorCode::ChainUnavailable) << describe(height.error());
    for (int i = 0; i < 2; ++i) {
        auto latest = chain->latest_blockhash(Commitment::Confirmed);
        ASSERT_FALSE(latest);
        EXPECT_EQ(latest.error().code, ErrorCode::ChainUnavailable) << describe(latest.error());
    }
    auto account = chain->account(key_of(3), Commitment::Confirmed);
    ASSERT_FALSE(account);
    EXPECT_EQ(account.error().code, ErrorCode::ChainUnavailable) << describe(account.error());
}

TEST_F(RpcChainTest, NodeErrorsOnReadsAreChainUnavailable) {
    node.then(rpc_error(-32005, "Node is unhealthy", {{"numSlotsBehind", 42}}));
    auto height = chain->block_height(Commitment::Confirmed);
    ASSERT_FALSE(height);
    EXPECT_EQ(height.error().code, ErrorCode::ChainUnavailable) << describe(height.error());
    EXPECT_EQ(node.request_count(), 1u) << "a JSON-RPC error is an answer, not retried";
}

// ---- simulate and send -------------------------------------------------------------------------

TEST_F(RpcChainTest, SimulateSendsTheSignedTransactionAsBase64WithSignatureVerification) {
    const auto tx = build({solana::set_compute_unit_limit(50'000),
                           solana::system_transfer(payer.key, key_of(9), 1'000)},
                          payer, blockhash);
    node.then(result(context({{"err", nullptr},
                              {"logs",
                               {"Program 11111111111111111111111111111111 invoke [1]",
                                "Program 11111111111111111111111111111111 success"}},
                              {"unitsConsumed", 150},
                              {"accounts", nullptr},
                              {"returnData", nullptr}})));
    auto simulated = chain->simulate(tx);
    ASSERT_TRUE(simulated) << describe(simulated.error());
    EXPECT_FALSE(simulated->err);
    EXPECT_EQ(simulated->units_consumed, 150u);
    EXPECT_EQ(simulated->logs.size(), 2u);

    json request = node.last_request();
    EXPECT_EQ(request["method"], "simulateTransaction");
    ASSERT_TRUE(request["params"].is_array() && request["params"].size() == 2) << request.dump();
    EXPECT_EQ(request["params"][0], base64_encode(wire_of(tx)));
    json& config = request["params"][1];
    EXPECT_EQ(config["encoding"], "base64");
    EXPECT_EQ(config["sigVerify"], true);
    EXPECT_EQ(config["commitment"], "confirmed");
    EXPECT_NE(config.value("replaceRecentBlockhash", false), true)
        << "replaceRecentBlockhash conflicts with sigVerify";
}

// The same short payment against the sandbox and against a node (with the err agave reports for
// it): the names, and so the payment service's insufficient_funds, must agree.
TEST_F(RpcChainTest, InsufficientTokenAndLamportFundsAreNamedAsTheSandboxNamesThem) {
    Bytes32 seed{};
    seed.fill(3);
    SandboxChain sandbox{seed};
    const Wallet merchant = wallet(12);
    ASSERT_TRUE(sandbox.airdrop_lamports(payer.key, 10'000'000));
    auto source = sandbox.airdrop_tokens(payer.key, usdc, 5'000'000);
    ASSERT_TRUE(source) << describe(source.error());
    auto destination = sandbox.airdrop_tokens(merchant.key, usdc, 1);
    ASSERT_TRUE(destination) << describe(destination.error());
    auto latest = sandbox.latest_blockhash(Commitment::Processed);
    ASSERT_TRUE(latest);

    struct Case {
        const char* what;
        std::vector<Instruction> instructions;
        json rpc_err;  // what agave reports for this transaction
    };
    const std::vector<Case> cases = {
        {"token transfer above the balance",
         {solana::set_compute_unit_limit(100'000),
          solana::token_transfer_checked(*source, usdc, *destination, payer.key, 10'000'000, 6)},
         json::parse(R"({"InstructionError":[1,{"Custom":1}]})")},
        {"lamport transfer above the balance",
         {solana::system_transfer(payer.key, merchant.key, 50'000'000)},
         json::parse(R"({"InstructionError":[0,{"Custom":1}]})")},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.what);
        const auto tx = build(c.instructions, payer, latest->blockhash);
        auto in_sandbox = sandbox.simulate(tx);
        ASSERT_TRUE(in_sandbox) << describe(in_sandbox.error());
        ASSERT_TRUE(in_sandbox->err);

        node.then(result(context({{"err", c.rpc_err},
                                  {"logs", {"Program log: Error: insufficient funds"}},
                                  {"unitsConsumed", 4'000}})));
        auto on_node = chain->simulate(tx);
        ASSERT_TRUE(on_node) << describe(on_node.error());
        ASSERT_TRUE(on_node->err);
        EXPECT_EQ(on_node->err->name, in_sandbox->err->name);
        EXPECT_EQ(on_node->err->name, "InsufficientFunds");
        EXPECT_EQ(on_node->err->instruction_index, in_sandbox->err->instruction_index);
        EXPECT_EQ(rejection_name(rejection(*on_node->err)), "InsufficientFunds");
    }
}

TEST(RpcTransactionErrors, RpcErrorShapesBecomeNamesIndexesAndDetails) {
    const Wallet payer = wallet(21);
    auto message = solana::compile_message(
        payer.key,
        std::vector<Instruction>{
            solana::set_compute_unit_limit(1),
            solana::token_transfer_checked(key_of(1), key_of(2), key_of(3), payer.key, 1, 6),
            solana::system_transfer(payer.key, key_of(4), 1), Instruction{key_of(5), {}, {1}}},
        key_of(6));
    ASSERT_TRUE(message) << describe(message.error());

    struct Case {
        const char* err;
        const char* name;
        std::optional<std::size_t> index;
    };
    const std::vector<Case> cases = {
        {R"("BlockhashNotFound")", "BlockhashNotFound", std::nullopt},
        {R"("AlreadyProcessed")", "AlreadyProcessed", std::nullopt},
        {R"("InsufficientFundsForFee")", "InsufficientFundsForFee", std::nullopt},
        {R"({"InstructionError":[1,{"Custom":1}]})", "InsufficientFunds", 1},
        {R"({"InstructionError":[1,{"Custom":3}]})", "MintMismatch", 1},
        {R"({"InstructionError":[1,{"Custom":17}]})", "AccountFrozen", 1},
        {R"({"InstructionError":[1,{"Custom":18}]})", "MintDecimalsMismatch", 1},
        {R"({"InstructionError":[2,{"Custom":1}]})", "InsufficientFunds", 2},
        {R"({"InstructionError":[2,{"Custom":0}]})", "AccountAlreadyInUse", 2},
        {R"({"InstructionError":[3,{"Custom":1}]})", "Custom", 3},
        {R"({"InstructionError":[1,{"Custom":999}]})", "Custom", 1},
        {R"({"InstructionError":[0,"InvalidAccountData"]})", "InvalidAccountData", 0},
        {R"({"InstructionError":[7,{"Custom":1}]})", "Custom", 7},
        {R"({"InsufficientFundsForRent":{"account_index":2}})", "InsufficientFundsForRent",
         std::nullopt},
        {R"({"DuplicateInstruction":2})", "DuplicateInstruction", 2},
        {R"(42)", "Unknown", std::nullopt},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.err);
        const json err = json::parse(c.err);
        auto named = transaction_error_from_rpc(err, &*message);
        ASSERT_TRUE(named);
        EXPECT_EQ(named->name, c.name);
        EXPECT_EQ(named->instruction_index, c.index);
        EXPECT_EQ(named->detail, err.dump());
    }
    EXPECT_FALSE(transaction_error_from_rpc(json(), &*message));
    auto unknown_program = transaction_error_from_rpc(
        json::parse(R"({"InstructionError":[1,{"Custom":1}]})"), nullptr);
    ASSERT_TRUE(unknown_program);
    EXPECT_EQ(unknown_program->name, "Custom") << "without the message the program is unknown";
}

TEST_F(RpcChainTest, SendUsesBase64AndConfirmedPreflightAndReturnsTheSignature) {
    const auto tx = build({solana::system_transfer(payer.key, key_of(9), 1'000)}, payer, blockhash);
    const std::string id = solana::transaction_id(tx);
    node.then(result(id));
    auto sent = chain->send(wire_of(tx));
    ASSERT_TRUE(sent) << describe(sent.error());
    EXPECT_EQ(*sent, id);
    json request = node.last_request();
    EXPECT_EQ(request["method"], "sendTransaction");
    EXPECT_EQ(request["params"][0], base64_encode(wire_of(tx)));
    EXPECT_EQ(request["params"][1]["encoding"], "base64");
    EXPECT_EQ(request["params"][1]["preflightCommitment"], "confirmed");
    EXPECT_EQ(request["params"][1]["skipPreflight"], false);
}

TEST_F(RpcChainTest, PreflightFailureWithTokenCustomOneIsTheInsufficientFundsRejection) {
    const auto tx =
        build({solana::set_compute_unit_limit(100'000),
               solana::token_transfer_checked(ata_of(payer.key, usdc), usdc,
                                              ata_of(key_of(9), usdc), payer.key, 10'000'000, 6)},
              payer, blockhash);
    node.then(rpc_error(
        -32002,
        "Transaction simulation failed: Error processing Instruction 1: custom program error: 0x1",
        {{"err", {{"InstructionError", {1, {{"Custom", 1}}}}}},
         {"logs",
          {"Program log: Instruction: TransferChecked", "Program log: Error: insufficient funds"}},
         {"accounts", nullptr},
         {"unitsConsumed", 4'100}}));
    auto sent = chain->send(wire_of(tx));
    ASSERT_FALSE(sent);
    EXPECT_EQ(sent.error().code, ErrorCode::TransactionRejected) << describe(sent.error());
    EXPECT_EQ(sent.error().field, "err");
    EXPECT_EQ(rejection_name(sent.error()), "InsufficientFunds");
}

TEST_F(RpcChainTest, AnAlreadyProcessedTransactionIsTheAlreadyProcessedRejection) {
    const auto tx = build({solana::system_transfer(payer.key, key_of(9), 1'000)}, payer, blockhash);
    node.then(rpc_error(
        -32002, "Transaction simulation failed: This transaction has already been processed",
        {{"err", "AlreadyProcessed"}, {"logs", json::array()}, {"accounts", nullptr}}));
    node.then(rpc_error(
        -32002, "Transaction simulation failed: This transaction has already been processed"));
    node.then(rpc_error(-32603, "This transaction has already been processed"));
    for (int i = 0; i < 3; ++i) {
        SCOPED_TRACE(i);
        auto sent = chain->send(wire_of(tx));
        ASSERT_FALSE(sent);
        EXPECT_EQ(sent.error().code, ErrorCode::TransactionRejected) << describe(sent.error());
        EXPECT_EQ(rejection_name(sent.error()), "AlreadyProcessed");
    }
}

TEST_F(RpcChainTest, SignatureVerificationFailureIsInvalidSignature) {
    const auto tx = build({solana::system_transfer(payer.key, key_of(9), 1'000)}, payer, blockhash);
    node.then(rpc_error(-32003, "Transaction signature verification failure"));
    auto sent = chain->send(wire_of(tx));
    ASSERT_FALSE(sent);
    EXPECT_EQ(sent.error().code, ErrorCode::InvalidSignature) << describe(sent.error());
    node.then(rpc_error(-32003, "Transaction signature verification failure"));
    auto simulated = chain->simulate(tx);
    ASSERT_FALSE(simulated);
    EXPECT_EQ(simulated.error().code, ErrorCode::InvalidSignature) << describe(simulated.error());
}

TEST_F(RpcChainTest, BrokenTransactionsAreRefusedLocallyLikeTheSandboxWithoutARequest) {
    auto tx = build({solana::system_transfer(payer.key, key_of(9), 1'000)}, payer, blockhash);
    Bytes truncated = wire_of(tx);
    truncated.resize(truncated.size() - 3);
    auto sent = chain->send(truncated);
    ASSERT_FALSE(sent);
    EXPECT_EQ(sent.error().code, ErrorCode::MalformedTransaction) << describe(sent.error());

    tx.signatures[0][5] ^= 0x01;
    auto forged = chain->send(wire_of(tx));
    ASSERT_FALSE(forged);
    EXPECT_EQ(forged.error().code, ErrorCode::InvalidSignature) << describe(forged.error());
    auto simulated = chain->simulate(tx);
    ASSERT_FALSE(simulated);
    EXPECT_EQ(simulated.error().code, ErrorCode::InvalidSignature) << describe(simulated.error());

    Bytes32 seed{};
    seed.fill(4);
    SandboxChain sandbox{seed};
    auto in_sandbox = sandbox.send(wire_of(tx));
    ASSERT_FALSE(in_sandbox);
    EXPECT_EQ(in_sandbox.error().code, forged.error().code);
    EXPECT_EQ(node.request_count(), 0u);
}

// ---- statuses ----------------------------------------------------------------------------------

TEST_F(RpcChainTest, SignatureStatusesReadNullsErrorsAndConfirmationLevels) {
    const std::vector<std::string> signatures = {signature_text(1), signature_text(2),
                                                 signature_text(3), signature_text(4)};
    node.then(result(
        context(json::array({nullptr,
                             {{"slot", 72},
                              {"confirmations", nullptr},
                              {"err", nullptr},
                              {"status", {{"Ok", nullptr}}},
                              {"confirmationStatus", "finalized"}},
                             {{"slot", 73},
                              {"confirmations", 1},
                              {"err", {{"InstructionError", {0, {{"Custom", 1}}}}}},
                              {"status", {{"Err", {{"InstructionError", {0, {{"Custom", 1}}}}}}}},
                              {"confirmationStatus", "confirmed"}},
                             {{"slot", 74},
                              {"confirmations", 0},
                              {"err", nullptr},
                              {"status", {{"Ok", nullptr}}},
                              {"confirmationStatus", "processed"}}}))));
    auto statuses = chain->signature_statuses(signatures);
    ASSERT_TRUE(statuses) << describe(statuses.error());
    ASSERT_EQ(statuses->size(), 4u);
    EXPECT_FALSE((*statuses)[0]);
    ASSERT_TRUE((*statuses)[1]);
    EXPECT_EQ((*statuses)[1]->slot, 72u);
    EXPECT_EQ((*statuses)[1]->confirmation, Commitment::Finalized);
    EXPECT_FALSE((*statuses)[1]->err);
    ASSERT_TRUE((*statuses)[2]);
    EXPECT_EQ((*statuses)[2]->confirmation, Commitment::Confirmed);
    ASSERT_TRUE((*statuses)[2]->err);
    EXPECT_EQ((*statuses)[2]->err->name, "Custom") << "no transaction at hand to name the program";
    EXPECT_EQ((*statuses)[2]->err->instruction_index, 0u);
    ASSERT_TRUE((*statuses)[3]);
    EXPECT_EQ((*statuses)[3]->confirmation, Commitment::Processed);

    json request = node.last_request();
    EXPECT_EQ(request["method"], "getSignatureStatuses");
    EXPECT_EQ(request["params"][0], json(signatures));
    EXPECT_EQ(request["params"][1]["searchTransactionHistory"], true);
}

// getSignatureStatuses answers (single or batched) in which each status's slot is 1000 + the
// signature's position in its call; batches are answered in reverse order (JSON-RPC allows any).
Scripted answer_statuses(const json& request) {
    json calls = request.is_array() ? request : json::array({request});  // non-const: [] is safe
    json answers = json::array();
    for (auto it = calls.rbegin(); it != calls.rend(); ++it) {
        if ((*it)["method"] != "getSignatureStatuses") return rpc_error(-32601, "Method not found");
        json value = json::array();
        for (std::size_t k = 0; k < (*it)["params"][0].size(); ++k) {
            value.push_back({{"slot", 1'000 + k},
                             {"confirmations", nullptr},
                             {"err", nullptr},
                             {"confirmationStatus", "finalized"}});
        }
        answers.push_back({{"jsonrpc", "2.0"}, {"id", (*it)["id"]}, {"result", context(value)}});
    }
    return raw_body(request.is_array() ? answers.dump() : answers[0].dump());
}

TEST_F(RpcChainTest, MoreThan256SignaturesAreSplitIntoCallsOfOneBatchRequest) {
    std::vector<std::string> signatures;
    for (std::size_t i = 0; i < 300; ++i) signatures.push_back(signature_text(i));
    node.otherwise(answer_statuses);
    auto statuses = chain->signature_statuses(signatures);
    ASSERT_TRUE(statuses) << describe(statuses.error());
    ASSERT_EQ(statuses->size(), 300u);
    for (std::size_t i = 0; i < 300; ++i) {
        ASSERT_TRUE((*statuses)[i]) << i;
        EXPECT_EQ((*statuses)[i]->slot, 1'000 + (i < 256 ? i : i - 256)) << i;
    }
    ASSERT_EQ(node.request_count(), 1u);
    json batch = node.last_request();
    ASSERT_TRUE(batch.is_array()) << batch.dump();
    ASSERT_EQ(batch.size(), 2u);
    EXPECT_EQ(batch[0]["method"], "getSignatureStatuses");
    EXPECT_EQ(batch[0]["params"][0].size(), 256u);
    EXPECT_EQ(batch[1]["params"][0].size(), 44u);
    EXPECT_EQ(batch[0]["params"][0][0], signatures[0]);
    EXPECT_EQ(batch[1]["params"][0][0], signatures[256]);
    EXPECT_NE(batch[0]["id"], batch[1]["id"]);
    const RpcStats stats = chain->stats();
    EXPECT_EQ(stats.http_requests, 1u);
    EXPECT_EQ(stats.http_requests_by_method.at("getSignatureStatuses"), 1u);
    EXPECT_EQ(stats.calls_by_method.at("getSignatureStatuses"), 2u);
}

TEST_F(RpcChainTest, BatchesStayBelowTheNodesRequestBodyLimit) {
    std::vector<std::string> signatures;
    for (std::size_t i = 0; i < 600; ++i) signatures.push_back(signature_text(i));
    node.otherwise(answer_statuses);
    auto statuses = chain->signature_statuses(signatures);
    ASSERT_TRUE(statuses) << describe(statuses.error());
    ASSERT_EQ(statuses->size(), 600u);
    for (std::size_t i = 0; i < 600; ++i) {
        ASSERT_TRUE((*statuses)[i]) << i;
        EXPECT_EQ((*statuses)[i]->slot, 1'000 + i % 256) << i;
    }
    // 256 + 256 + 88 signatures: agave refuses bodies above 50 KiB (MAX_REQUEST_BODY_SIZE).
    const auto sizes = node.body_sizes();
    EXPECT_GE(sizes.size(), 2u);
    for (const std::size_t size : sizes) EXPECT_LE(size, 50u * 1024u);
    EXPECT_EQ(chain->stats().calls_by_method.at("getSignatureStatuses"), 3u);
}

TEST_F(RpcChainTest, StringsThatAreNoSignaturesAreUnknownAndNotSent) {
    node.then(result(context(json::array({{{"slot", 9},
                                           {"confirmations", nullptr},
                                           {"err", nullptr},
                                           {"confirmationStatus", "finalized"}}}))));
    auto statuses = chain->signature_statuses({"", "not-base58!", signature_text(5), "1111"});
    ASSERT_TRUE(statuses) << describe(statuses.error());
    ASSERT_EQ(statuses->size(), 4u);
    EXPECT_FALSE((*statuses)[0]);
    EXPECT_FALSE((*statuses)[1]);
    ASSERT_TRUE((*statuses)[2]);
    EXPECT_EQ((*statuses)[2]->slot, 9u);
    EXPECT_FALSE((*statuses)[3]);
    EXPECT_EQ(node.last_request()["params"][0], json::array({signature_text(5)}));

    auto none = chain->signature_statuses({"bad"});
    ASSERT_TRUE(none);
    EXPECT_EQ(node.request_count(), 1u);
    auto landed = chain->get_transaction("bad", Commitment::Confirmed);
    ASSERT_TRUE(landed);
    EXPECT_FALSE(*landed);
    EXPECT_EQ(node.request_count(), 1u);
}

// ---- getTransaction ----------------------------------------------------------------------------

TEST_F(RpcChainTest, GetTransactionReadsTheWireTransactionAndItsMeta) {
    const PublicKey reference = key_of(0x51);
    const PublicKey merchant = key_of(0x52);
    const PublicKey source = ata_of(payer.key, usdc);
    const PublicKey destination = ata_of(merchant, usdc);
    auto message = solana::compile_message(
        payer.key,
        std::vector<Instruction>{
            solana::set_compute_unit_limit(60'000),
            solana::token_transfer_checked(source, usdc, destination, payer.key, 2'500'000, 6,
                                           std::vector<PublicKey>{reference})},
        blockhash, solana::MessageVersion::V0);
    ASSERT_TRUE(message) << describe(message.error());
    // One lookup table loading one writable and one readonly account after the static keys.
    message->address_table_lookups.push_back({key_of(0x60), {4}, {7}});
    const auto tx = signed_transaction(*message, payer);
    const std::string id = solana::transaction_id(tx);
    const std::size_t statics = tx.message.account_keys.size();
    const PublicKey loaded_writable = key_of(0x61);
    const PublicKey loaded_readonly = key_of(0x62);
    const auto index_of = [&](const PublicKey& key) {
        const auto& keys = tx.message.account_keys;
        return static_cast<std::size_t>(std::find(keys.begin(), keys.end(), key) - keys.begin());
    };
    const auto balance = [&](std::size_t index, const PublicKey& owner, const char* amount) {
        return json{{"accountIndex", index},
                    {"mint", usdc.to_base58()},
                    {"owner", owner.to_base58()},
                    {"programId", programs::kToken.to_base58()},
                    {"uiTokenAmount",
                     {{"amount", amount},
                      {"decimals", 6},
                      {"uiAmount", nullptr},
                      {"uiAmountString", "0"}}}};
    };
    std::vector<std::uint64_t> pre(statics + 2, 2'039'280);
    pre[0] = 1'000'000'000;
    std::vector<std::uint64_t> post = pre;
    post[0] -= 5'000;
    node.then(result(
        {{"slot", 341'000'777},
         {"blockTime", 1'760'000'000},
         {"version", 0},
         {"transaction", {base64_encode(wire_of(tx)), "base64"}},
         {"meta",
          {{"err", nullptr},
           {"status", {{"Ok", nullptr}}},
           {"fee", 5'000},
           {"preBalances", pre},
           {"postBalances", post},
           {"preTokenBalances",
            {balance(index_of(source), payer.key, "7000000"),
             balance(index_of(destination), merchant, "0"),
             balance(statics, key_of(0x63), "18446744073709551615")}},
           {"postTokenBalances",
            {balance(index_of(source), payer.key, "4500000"),
             balance(index_of(destination), merchant, "2500000")}},
           {"logMessages", {"Program ComputeBudget111111111111111111111111111111 invoke [1]"}},
           {"innerInstructions", json::array()},
           {"loadedAddresses",
            {{"writable", {loaded_writable.to_base58()}},
             {"readonly", {loaded_readonly.to_base58()}}}},
           {"computeUnitsConsumed", 6'350}}}}));

    auto landed = chain->get_transaction(id, Commitment::Confirmed);
    ASSERT_TRUE(landed) << describe(landed.error());
    ASSERT_TRUE(*landed);
    const ConfirmedTransaction& got = **landed;
    EXPECT_EQ(got.signature, id);
    EXPECT_EQ(got.transaction, tx);
    EXPECT_EQ(got.slot, 341'000'777u);
    EXPECT_EQ(got.block_time, 1'760'000'000);
    EXPECT_EQ(got.confirmation, Commitment::Confirmed);
    EXPECT_FALSE(got.err);
    EXPECT_EQ(got.fee, 5'000u);
    EXPECT_EQ(got.pre_balances, pre);
    EXPECT_EQ(got.post_balances, post);
    ASSERT_EQ(got.account_keys.size(), statics + 2);
    EXPECT_TRUE(std::equal(tx.message.account_keys.begin(), tx.message.account_keys.end(),
                           got.account_keys.begin()));
    EXPECT_EQ(got.account_keys[statics], loaded_writable);
    EXPECT_EQ(got.account_keys[statics + 1], loaded_readonly);
    ASSERT_EQ(got.pre_token_balances.size(), 3u);
    EXPECT_EQ(got.pre_token_balances[0].account, source);
    EXPECT_EQ(got.pre_token_balances[0].owner, payer.key);
    EXPECT_EQ(got.pre_token_balances[0].mint, usdc);
    EXPECT_EQ(got.pre_token_balances[0].amount, 7'000'000u);
    EXPECT_EQ(got.pre_token_balances[0].decimals, 6);
    EXPECT_EQ(got.pre_token_balances[2].account, loaded_writable);
    EXPECT_EQ(got.pre_token_balances[2].amount, UINT64_MAX);
    ASSERT_EQ(got.post_token_balances.size(), 2u);
    EXPECT_EQ(got.post_token_balances[1].account, destination);
    EXPECT_EQ(got.post_token_balances[1].amount, 2'500'000u);
    ASSERT_EQ(got.log_messages.size(), 1u);

    json request = node.last_request();
    EXPECT_EQ(request["method"], "getTransaction");
    EXPECT_EQ(request["params"][0], id);
    EXPECT_EQ(request["params"][1]["encoding"], "base64");
    EXPECT_EQ(request["params"][1]["maxSupportedTransactionVersion"], 0);
    EXPECT_EQ(request["params"][1]["commitment"], "confirmed");
}

TEST_F(RpcChainTest, GetTransactionNamesAFailedTransfersErrorByItsProgram) {
    const auto tx =
        build({solana::set_compute_unit_limit(60'000),
               solana::token_transfer_checked(ata_of(payer.key, usdc), usdc,
                                              ata_of(key_of(9), usdc), payer.key, 5, 6)},
              payer, blockhash);
    const std::vector<std::uint64_t> balances(tx.message.account_keys.size(), 1);
    node.then(result(
        {{"slot", 5},
         {"blockTime", nullptr},
         {"transaction", {base64_encode(wire_of(tx)), "base64"}},
         {"meta",
          {{"err", {{"InstructionError", {1, {{"Custom", 1}}}}}},
           {"fee", 5'000},
           {"preBalances", balances},
           {"postBalances", balances},
           {"preTokenBalances", json::array()},
           {"postTokenBalances", json::array()},
           {"logMessages", nullptr},
           {"loadedAddresses", {{"writable", json::array()}, {"readonly", json::array()}}}}}}));
    auto landed = chain->get_transaction(solana::transaction_id(tx), Commitment::Finalized);
    ASSERT_TRUE(landed) << describe(landed.error());
    ASSERT_TRUE(*landed);
    ASSERT_TRUE((*landed)->err);
    EXPECT_EQ((*landed)->err->name, "InsufficientFunds");
    EXPECT_EQ((*landed)->err->instruction_index, 1u);
    EXPECT_FALSE((*landed)->block_time);
    EXPECT_EQ((*landed)->confirmation, Commitment::Finalized);
    EXPECT_EQ(node.last_request()["params"][1]["commitment"], "finalized");
}

TEST_F(RpcChainTest, GetTransactionAsksProcessedAsConfirmedAndNullIsNotFound) {
    node.then(result(nullptr));
    auto landed = chain->get_transaction(signature_text(8), Commitment::Processed);
    ASSERT_TRUE(landed) << describe(landed.error());
    EXPECT_FALSE(*landed);
    EXPECT_EQ(node.last_request()["params"][1]["commitment"], "confirmed");
}

TEST_F(RpcChainTest, GetTransactionRefusesAnAnswerAboutAnotherTransaction) {
    const auto tx = build({solana::system_transfer(payer.key, key_of(9), 1)}, payer, blockhash);
    const std::vector<std::uint64_t> balances(tx.message.account_keys.size(), 1);
    node.then(result({{"slot", 5},
                      {"blockTime", 1},
                      {"transaction", {base64_encode(wire_of(tx)), "base64"}},
                      {"meta",
                       {{"err", nullptr},
                        {"fee", 5'000},
                        {"preBalances", balances},
                        {"postBalances", balances}}}}));
    auto landed = chain->get_transaction(signature_text(9), Commitment::Confirmed);
    ASSERT_FALSE(landed);
    EXPECT_EQ(landed.error().code, ErrorCode::ChainUnavailable) << describe(landed.error());
}

// ---- getSignaturesForAddress -------------------------------------------------------------------

TEST_F(RpcChainTest, SignaturesForAddressAsksConfirmedWithTheLimitAndKeepsTheOrder) {
    const PublicKey reference = key_of(0x33);
    node.then(result(json::array({{{"signature", signature_text(2)},
                                   {"slot", 20},
                                   {"err", nullptr},
                                   {"memo", nullptr},
                                   {"blockTime", 1'700'000'020},
                                   {"confirmationStatus", "finalized"}},
                                  {{"signature", signature_text(1)},
                                   {"slot", 10},
                                   {"err", {{"InstructionError", {0, "InvalidAccountData"}}}},
                                   {"memo", nullptr},
                                   {"blockTime", nullptr},
                                   {"confirmationStatus", "confirmed"}}})));
    auto found = chain->signatures_for_address(reference, 10, Commitment::Processed);
    ASSERT_TRUE(found) << describe(found.error());
    ASSERT_EQ(found->size(), 2u);
    EXPECT_EQ((*found)[0].signature, signature_text(2));
    EXPECT_EQ((*found)[0].slot, 20u);
    EXPECT_EQ((*found)[0].confirmation, Commitment::Finalized);
    EXPECT_FALSE((*found)[0].err);
    ASSERT_TRUE((*found)[1].err);
    EXPECT_EQ((*found)[1].err->name, "InvalidAccountData");
    EXPECT_EQ((*found)[1].confirmation, Commitment::Confirmed);
    json request = node.last_request();
    EXPECT_EQ(request["method"], "getSignaturesForAddress");
    EXPECT_EQ(request["params"][0], reference.to_base58());
    EXPECT_EQ(request["params"][1]["commitment"], "confirmed");
    EXPECT_EQ(request["params"][1]["limit"], 10);

    node.then(result(json::array()));
    ASSERT_TRUE(chain->signatures_for_address(reference, 0, Commitment::Finalized));
    EXPECT_EQ(node.last_request()["params"][1]["limit"], 1'000);
    EXPECT_EQ(node.last_request()["params"][1]["commitment"], "finalized");
}

// ---- getAccountInfo ----------------------------------------------------------------------------

void put_u64(Bytes& data, std::size_t offset, std::uint64_t value) {
    for (int i = 0; i < 8; ++i) data[offset + i] = static_cast<std::uint8_t>(value >> (8 * i));
}
void put_key(Bytes& data, std::size_t offset, const PublicKey& key) {
    std::copy(key.bytes.begin(), key.bytes.end(),
              data.begin() + static_cast<std::ptrdiff_t>(offset));
}

json account_value(std::uint64_t lamports, const PublicKey& owner, const Bytes& data) {
    return {{"data", {base64_encode(data), "base64"}},
            {"executable", false},
            {"lamports", lamports},
            {"owner", owner.to_base58()},
            {"rentEpoch", 18446744073709551615ULL},
            {"space", data.size()}};
}

TEST_F(RpcChainTest, AccountDecodesTheTokenAccountAndMintLayouts) {
    const PublicKey holder = key_of(0x71);
    const PublicKey delegate = key_of(0x72);
    // Token account (§3.8): mint, owner, amount, delegate COption, state, is_native, delegated.
    Bytes token(165, 0);
    put_key(token, 0, usdc);
    put_key(token, 32, holder);
    put_u64(token, 64, 123'456'789);
    token[72] = 1;  // COption tag u32 LE = Some
    put_key(token, 76, delegate);
    token[108] = 2;  // frozen
    put_u64(token, 121, 1'000);
    // Mint: mint_authority COption, supply at 36, decimals at 44, is_initialized at 45.
    Bytes mint(82, 0);
    put_u64(mint, 36, 9'000'000'000'000ULL);
    mint[44] = 6;
    mint[45] = 1;

    node.then(result(context(account_value(2'039'280, programs::kToken, token))));
    node.then(result(context(account_value(1'461'600, programs::kToken, mint))));
    node.then(result(context(account_value(5'000'000, programs::kSystem, {}))));
    node.then(result(context(nullptr)));

    auto token_state = chain->account(ata_of(holder, usdc), Commitment::Processed);
    ASSERT_TRUE(token_state) << describe(token_state.error());
    ASSERT_TRUE(*token_state);
    EXPECT_EQ((*token_state)->lamports, 2'039'280u);
    EXPECT_EQ((*token_state)->owner, programs::kToken);
    ASSERT_TRUE((*token_state)->token_account);
    const TokenAccountState expected{usdc, holder, 123'456'789, delegate, 1'000, true};
    EXPECT_EQ(*(*token_state)->token_account, expected);
    EXPECT_FALSE((*token_state)->mint);
    json request = node.last_request();
    EXPECT_EQ(request["method"], "getAccountInfo");
    EXPECT_EQ(request["params"][0], ata_of(holder, usdc).to_base58());
    EXPECT_EQ(request["params"][1]["encoding"], "base64");
    EXPECT_EQ(request["params"][1]["commitment"], "processed");

    auto mint_state = chain->account(usdc, Commitment::Confirmed);
    ASSERT_TRUE(mint_state) << describe(mint_state.error());
    ASSERT_TRUE(*mint_state);
    ASSERT_TRUE((*mint_state)->mint);
    EXPECT_EQ(*(*mint_state)->mint, (MintState{6, 9'000'000'000'000ULL}));
    EXPECT_FALSE((*mint_state)->token_account);

    auto wallet_state = chain->account(holder, Commitment::Confirmed);
    ASSERT_TRUE(wallet_state) << describe(wallet_state.error());
    ASSERT_TRUE(*wallet_state);
    EXPECT_EQ((*wallet_state)->lamports, 5'000'000u);
    EXPECT_EQ((*wallet_state)->owner, programs::kSystem);
    EXPECT_FALSE((*wallet_state)->token_account);
    EXPECT_FALSE((*wallet_state)->mint);

    auto missing = chain->account(key_of(0x73), Commitment::Confirmed);
    ASSERT_TRUE(missing) << describe(missing.error());
    EXPECT_FALSE(*missing);
}

TEST_F(RpcChainTest, TokenProgramDataOfAnotherShapeIsNotDecoded) {
    Bytes odd(100, 1);
    Bytes uninitialized(165, 0);
    node.then(result(context(account_value(1, programs::kToken, odd))));
    node.then(result(context(account_value(1, programs::kToken, uninitialized))));
    for (int i = 0; i < 2; ++i) {
        auto state = chain->account(key_of(0x74), Commitment::Confirmed);
        ASSERT_TRUE(state) << describe(state.error());
        ASSERT_TRUE(*state);
        EXPECT_FALSE((*state)->token_account) << i;
        EXPECT_FALSE((*state)->mint) << i;
    }
}

// ---- getMultipleAccounts -----------------------------------------------------------------------

// A token account of `holder` for `mint` holding `amount`, and an initialized mint, as §3.8 lays
// them out.
Bytes token_account_data(const PublicKey& mint, const PublicKey& holder, std::uint64_t amount) {
    Bytes data(165, 0);
    put_key(data, 0, mint);
    put_key(data, 32, holder);
    put_u64(data, 64, amount);
    data[108] = 1;  // initialized
    return data;
}
Bytes mint_data(std::uint8_t decimals, std::uint64_t supply) {
    Bytes data(82, 0);
    put_u64(data, 36, supply);
    data[44] = decimals;
    data[45] = 1;
    return data;
}

TEST_F(RpcChainTest, AccountsReadsAMixInOneCallInOrderLikeAccountOneByOne) {
    const PublicKey holder = key_of(0x81);
    const PublicKey token_address = ata_of(holder, usdc);
    const PublicKey missing = key_of(0x82);
    const std::vector<PublicKey> addresses = {token_address, missing, usdc, holder};
    const std::vector<json> values = {
        account_value(2'039'280, programs::kToken, token_account_data(usdc, holder, 4'200)),
        nullptr, account_value(1'461'600, programs::kToken, mint_data(6, 77'000)),
        account_value(5'000'000, programs::kSystem, {})};
    node.then(result(context(values)));
    auto read = chain->accounts(addresses, Commitment::Finalized);
    ASSERT_TRUE(read) << describe(read.error());
    json request = node.last_request();
    EXPECT_EQ(request["method"], "getMultipleAccounts");
    EXPECT_EQ(request["params"][0], json::array({token_address.to_base58(), missing.to_base58(),
                                                 usdc.to_base58(), holder.to_base58()}));
    EXPECT_EQ(request["params"][1],
              json::parse(R"({"encoding":"base64","commitment":"finalized"})"));
    ASSERT_EQ(read->size(), 4u);
    ASSERT_TRUE((*read)[0] && (*read)[0]->token_account);
    EXPECT_EQ(*(*read)[0]->token_account,
              (TokenAccountState{usdc, holder, 4'200, std::nullopt, 0, false}));
    EXPECT_FALSE((*read)[1]);
    ASSERT_TRUE((*read)[2] && (*read)[2]->mint);
    EXPECT_EQ(*(*read)[2]->mint, (MintState{6, 77'000}));
    ASSERT_TRUE((*read)[3]);
    EXPECT_EQ((*read)[3]->lamports, 5'000'000u);
    EXPECT_EQ((*read)[3]->owner, programs::kSystem);
    EXPECT_EQ(chain->stats().calls_by_method.at("getMultipleAccounts"), 1u);

    for (std::size_t i = 0; i < addresses.size(); ++i) {
        node.then(result(context(values[i])));
        auto one = chain->account(addresses[i], Commitment::Finalized);
        ASSERT_TRUE(one) << describe(one.error());
        EXPECT_EQ(*one, (*read)[i]) << i;
    }
}

TEST_F(RpcChainTest, AccountsOfNoAddressesSendsNothing) {
    auto read = chain->accounts({}, Commitment::Confirmed);
    ASSERT_TRUE(read) << describe(read.error());
    EXPECT_TRUE(read->empty());
    EXPECT_EQ(node.request_count(), 0u);
}

// getMultipleAccounts answers (single or batched, batches in reverse order) in which an address
// whose first byte is even is missing and the others hold that byte + 1 lamports.
Scripted answer_accounts(const json& request) {
    json calls = request.is_array() ? request : json::array({request});  // non-const: [] is safe
    json answers = json::array();
    for (auto it = calls.rbegin(); it != calls.rend(); ++it) {
        if ((*it)["method"] != "getMultipleAccounts" || (*it)["params"][0].size() > 100) {
            return rpc_error(-32602, "Invalid params");
        }
        json value = json::array();
        for (const auto& address : (*it)["params"][0]) {
            const std::uint8_t first = PublicKey::parse(address.get<std::string>())->bytes[0];
            value.push_back(first % 2 == 0 ? json(nullptr)
                                           : account_value(first + 1u, programs::kSystem, {}));
        }
        answers.push_back({{"jsonrpc", "2.0"}, {"id", (*it)["id"]}, {"result", context(value)}});
    }
    return raw_body(request.is_array() ? answers.dump() : answers[0].dump());
}

TEST_F(RpcChainTest, AccountsSplitsMoreThan100AddressesIntoCallsOfOneBatchRequest) {
    std::vector<PublicKey> addresses;
    for (std::size_t i = 0; i < 150; ++i) addresses.push_back(key_of(static_cast<std::uint8_t>(i)));
    node.otherwise(answer_accounts);
    auto read = chain->accounts(addresses, Commitment::Confirmed);
    ASSERT_TRUE(read) << describe(read.error());
    ASSERT_EQ(read->size(), 150u);
    for (std::size_t i = 0; i < 150; ++i) {
        if (i % 2 == 0) {
            EXPECT_FALSE((*read)[i]) << i;
        } else {
            ASSERT_TRUE((*read)[i]) << i;
            EXPECT_EQ((*read)[i]->lamports, i + 1) << i;
        }
    }
    ASSERT_EQ(node.request_count(), 1u);
    json batch = node.last_request();
    ASSERT_TRUE(batch.is_array()) << batch.dump();
    ASSERT_EQ(batch.size(), 2u);
    EXPECT_EQ(batch[0]["params"][0].size(), 100u);
    EXPECT_EQ(batch[1]["params"][0].size(), 50u);
    EXPECT_EQ(batch[1]["params"][0][0], addresses[100].to_base58());
    EXPECT_EQ(batch[1]["params"][1]["commitment"], "confirmed");
    const RpcStats stats = chain->stats();
    EXPECT_EQ(stats.calls_by_method.at("getMultipleAccounts"), 2u);
    EXPECT_EQ(stats.http_requests_by_method.at("getMultipleAccounts"), 1u);

    // Exactly 100 is one call, sent alone.
    auto hundred = chain->accounts(std::span(addresses).first(100), Commitment::Confirmed);
    ASSERT_TRUE(hundred) << describe(hundred.error());
    EXPECT_EQ(hundred->size(), 100u);
    EXPECT_TRUE(node.last_request().is_object());
    EXPECT_EQ(chain->stats().calls_by_method.at("getMultipleAccounts"), 3u);
}

TEST_F(RpcChainTest, AccountsErrorsAndWrongShapesAreChainUnavailable) {
    const std::vector<PublicKey> addresses = {key_of(0x91), key_of(0x92)};
    node.then(rpc_error(-32005, "Node is unhealthy"));
    node.then(result(context(json::array({nullptr}))));  // one entry for two addresses
    node.then(result(context(json::array({nullptr, {{"lamports", 1}}}))));  // no owner, no data
    node.then(result(json::array()));                                       // no {context, value}
    for (int i = 0; i < 4; ++i) {
        auto read = chain->accounts(addresses, Commitment::Confirmed);
        ASSERT_FALSE(read) << i;
        EXPECT_EQ(read.error().code, ErrorCode::ChainUnavailable) << i << describe(read.error());
    }
    EXPECT_EQ(node.request_count(), 4u) << "a JSON-RPC error is an answer, not retried";
}

// ---- the client: retries, limits, connections ------------------------------------------------

RpcClientOptions client_options(const std::string& url) {
    RpcClientOptions options;
    options.url = url;
    options.timeout = milliseconds(3'000);
    options.connect_timeout = milliseconds(1'000);
    options.max_attempts = 3;
    options.backoff_base = milliseconds(1);
    options.max_requests_per_second = 0;
    return options;
}

std::unique_ptr<RpcClient> client_for(const RpcClientOptions& options) {
    auto created = RpcClient::create(options);
    EXPECT_TRUE(created) << describe(created.error());
    return created ? std::move(*created) : nullptr;
}

double seconds_since(SteadyClock::time_point start) {
    return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

TEST(RpcClientTest, A429WithRetryAfterIsWaitedOutThenTheAnswerCounts) {
    FakeRpcNode node;
    node.then(http_status(429, {{"Retry-After", "1"}}));
    node.then(result(7));
    auto client = client_for(client_options(node.url()));
    ASSERT_TRUE(client);
    const auto start = SteadyClock::now();
    auto reply = client->call("getBlockHeight", json::array());
    const double elapsed = seconds_since(start);
    ASSERT_TRUE(reply) << describe(reply.error());
    EXPECT_EQ(reply->result, 7);
    EXPECT_GE(elapsed, 0.9) << "Retry-After: 1 was not honoured";
    const RpcStats stats = client->stats();
    EXPECT_EQ(stats.http_requests, 2u);
    EXPECT_EQ(stats.retries, 1u);
    EXPECT_EQ(stats.throttled, 1u);
    EXPECT_EQ(stats.failures, 0u);
    EXPECT_EQ(stats.http_requests_by_method.at("getBlockHeight"), 2u);
}

TEST(RpcClientTest, A403IsRetriedAndPersistentThrottlingIsChainUnavailable) {
    FakeRpcNode node;
    node.then(http_status(403));
    node.then(result(8));
    auto client = client_for(client_options(node.url()));
    ASSERT_TRUE(client);
    auto reply = client->call("getBlockHeight", json::array());
    ASSERT_TRUE(reply) << describe(reply.error());
    EXPECT_EQ(reply->result, 8);

    node.otherwise([](const json&) { return http_status(403); });
    auto refused = client->call("getBlockHeight", json::array());
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::ChainUnavailable) << describe(refused.error());
    EXPECT_EQ(node.request_count(), 2u + 3u);
    EXPECT_EQ(client->stats().failures, 1u);
}

TEST(RpcClientTest, A429AskingForALongWaitGivesUpAtOnce) {
    FakeRpcNode node;
    node.otherwise([](const json&) { return http_status(429, {{"Retry-After", "3600"}}); });
    auto client = client_for(client_options(node.url()));
    ASSERT_TRUE(client);
    auto reply = client->call("getBlockHeight", json::array());
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().code, ErrorCode::ChainUnavailable) << describe(reply.error());
    EXPECT_EQ(node.request_count(), 1u);
}

TEST(RpcClientTest, ServerErrorsAreRetriedUpToTheAttemptsThenChainUnavailable) {
    FakeRpcNode node;
    node.otherwise([](const json&) { return http_status(500); });
    auto client = client_for(client_options(node.url()));
    ASSERT_TRUE(client);
    auto reply = client->call("getBlockHeight", json::array());
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().code, ErrorCode::ChainUnavailable) << describe(reply.error());
    EXPECT_EQ(node.request_count(), 3u);
    EXPECT_EQ(client->stats().http_requests, 3u);
    EXPECT_EQ(client->stats().retries, 2u);
}

TEST(RpcClientTest, MalformedJsonIsRetriedAndThenChainUnavailable) {
    FakeRpcNode node;
    node.then(raw_body("{\"jsonrpc\":\"2.0\",\"result\":"));
    node.then(result(9));
    auto client = client_for(client_options(node.url()));
    ASSERT_TRUE(client);
    auto reply = client->call("getBlockHeight", json::array());
    ASSERT_TRUE(reply) << describe(reply.error());
    EXPECT_EQ(reply->result, 9);
    EXPECT_EQ(node.request_count(), 2u);

    node.otherwise([](const json&) { return raw_body("<html>bad gateway</html>"); });
    auto broken = client->call("getBlockHeight", json::array());
    ASSERT_FALSE(broken);
    EXPECT_EQ(broken.error().code, ErrorCode::ChainUnavailable) << describe(broken.error());
    EXPECT_EQ(node.request_count(), 2u + 3u);
}

TEST(RpcClientTest, ARefusedConnectionIsChainUnavailableAfterTheAttempts) {
    std::string url;
    {
        FakeRpcNode closed;
        url = closed.url();
    }  // stopped: nothing listens on its port any more
    auto client = client_for(client_options(url));
    ASSERT_TRUE(client);
    auto reply = client->call("getBlockHeight", json::array());
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().code, ErrorCode::ChainUnavailable) << describe(reply.error());
    EXPECT_EQ(client->stats().http_requests, 3u);
    EXPECT_EQ(client->stats().failures, 1u);
    EXPECT_EQ(reply.error().message.find("api-key"), std::string::npos) << "the URL leaked";
}

TEST(RpcClientTest, ANodeThatHoldsTheAnswerPastTheTimeoutIsChainUnavailable) {
    FakeRpcNode node;
    node.otherwise([](const json&) { return held(); });
    RpcClientOptions options = client_options(node.url());
    options.timeout = milliseconds(200);
    options.max_attempts = 2;
    auto client = client_for(options);
    ASSERT_TRUE(client);
    auto reply = client->call("getBlockHeight", json::array());
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().code, ErrorCode::ChainUnavailable) << describe(reply.error());
    EXPECT_EQ(node.request_count(), 2u);
    node.stop();
}

TEST(RpcClientTest, TheRateCapIsSharedByAllThreads) {
    FakeRpcNode node;
    node.otherwise([](const json&) { return result(1); });
    RpcClientOptions options = client_options(node.url());
    constexpr std::uint32_t kCap = 10;
    constexpr int kThreads = 3;
    constexpr int kPerThread = 8;
    options.max_requests_per_second = kCap;
    auto client = client_for(options);
    ASSERT_TRUE(client);
    std::atomic<int> answered{0};
    const auto start = SteadyClock::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < kPerThread; ++i) {
                if (client->call("getBlockHeight", json::array())) ++answered;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    const double elapsed = seconds_since(start);
    constexpr int kTotal = kThreads * kPerThread;
    EXPECT_EQ(answered.load(), kTotal);
    // The first kCap go at once, the rest one every 1/kCap seconds: (24 - 10) / 10 = 1.4 s.
    const double floor = static_cast<double>(kTotal - static_cast<int>(kCap)) / kCap;
    EXPECT_GE(elapsed, floor * 0.85) << "the cap let requests through too fast";
    EXPECT_EQ(client->stats().http_requests, static_cast<std::uint64_t>(kTotal));
}

TEST(RpcClientTest, SequentialCallsReuseOneKeepAliveConnection) {
    FakeRpcNode node;
    node.otherwise([](const json&) { return result(1); });
    auto client = client_for(client_options(node.url()));
    ASSERT_TRUE(client);
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(client->call("getBlockHeight", json::array()));
    const auto ports = node.remote_ports();
    ASSERT_EQ(ports.size(), 4u);
    EXPECT_TRUE(std::all_of(ports.begin(), ports.end(), [&](int p) { return p == ports[0]; }))
        << "a new connection per request";
}

TEST(RpcClientTest, ABatchIsOneHttpRequestAndRepliesFollowTheCallsOrder) {
    FakeRpcNode node;
    node.then(raw_body(R"([{"jsonrpc":"2.0","id":2,"error":{"code":-32602,"message":"bad"}},
                          {"jsonrpc":"2.0","id":1,"result":11}])"));
    auto client = client_for(client_options(node.url()));
    ASSERT_TRUE(client);
    auto replies = client->call_batch(
        {RpcCall{"getBlockHeight", json::array()}, RpcCall{"getSlot", json::array()}});
    ASSERT_TRUE(replies) << describe(replies.error());
    ASSERT_EQ(replies->size(), 2u);
    EXPECT_EQ((*replies)[0].result, 11);
    EXPECT_FALSE((*replies)[0].error);
    ASSERT_TRUE((*replies)[1].error);
    EXPECT_EQ((*replies)[1].error->code, -32602);
    json request = node.last_request();
    ASSERT_TRUE(request.is_array());
    EXPECT_EQ(request[0]["id"], 1);
    EXPECT_EQ(request[1]["id"], 2);
    EXPECT_EQ(request[1]["method"], "getSlot");
    const RpcStats stats = client->stats();
    EXPECT_EQ(stats.http_requests, 1u);
    EXPECT_EQ(stats.http_requests_by_method.at("getSlot"), 1u);
    EXPECT_EQ(stats.calls_by_method.at("getBlockHeight"), 1u);
}

// No network here: a TLS handshake against the plain-HTTP node shows https:// speaks TLS (OpenSSL
// is built into Debian's cpp-httplib) and that its failure is retried and then chain_unavailable.
TEST(RpcClientTest, AnHttpsUrlSpeaksTlsAndAFailedHandshakeIsChainUnavailable) {
    FakeRpcNode node;
    node.otherwise([](const json&) { return result(1); });
    auto client = client_for(client_options("https://127.0.0.1:" + std::to_string(node.port())));
    ASSERT_TRUE(client);
    auto reply = client->call("getBlockHeight", json::array());
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().code, ErrorCode::ChainUnavailable) << describe(reply.error());
    EXPECT_NE(reply.error().message.find("SSL"), std::string::npos) << describe(reply.error());
    EXPECT_EQ(client->stats().http_requests, 3u);
    EXPECT_EQ(node.request_count(), 0u) << "no JSON-RPC request may reach a node in clear text";
}

TEST(RpcClientTest, UrlsMustBeHttpOrHttpsWithAHostAndAValidPort) {
    for (const char* bad :
         {"", "api.devnet.solana.com", "ftp://host", "http://", "http://:8899", "https://host:0",
          "https://host:99999", "https://host:", "http://user:pw@host/", "http://host/a b",
          "https://host/#frag", "http://[::1/"}) {
        auto parsed = parse_rpc_url(bad);
        ASSERT_FALSE(parsed) << bad;
        EXPECT_EQ(parsed.error().code, ErrorCode::InvalidUrl) << bad;
        EXPECT_EQ(parsed.error().field, "url");
        auto chain = RpcChain::create(quick_options(bad));
        EXPECT_FALSE(chain) << bad;
    }
    auto devnet = parse_rpc_url("https://api.devnet.solana.com");
    ASSERT_TRUE(devnet) << describe(devnet.error());
    EXPECT_EQ(devnet->scheme, "https");
    EXPECT_EQ(devnet->host, "api.devnet.solana.com");
    EXPECT_EQ(devnet->port, 443);
    EXPECT_EQ(devnet->path, "/");
    auto keyed = parse_rpc_url("HTTP://rpc.example.com:8899?api-key=abc");
    ASSERT_TRUE(keyed) << describe(keyed.error());
    EXPECT_EQ(keyed->scheme, "http");
    EXPECT_EQ(keyed->port, 8899);
    EXPECT_EQ(keyed->path, "/?api-key=abc");
    auto v6 = parse_rpc_url("http://[::1]:8899/rpc");
    ASSERT_TRUE(v6) << describe(v6.error());
    EXPECT_EQ(v6->host, "[::1]");
    EXPECT_EQ(v6->port, 8899);
    EXPECT_EQ(v6->path, "/rpc");
}

}  // namespace
}  // namespace hilt::server
