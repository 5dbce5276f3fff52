// tests/unit/server/checkout_harness.h: a real hiltd (AppHarness) plus a buyer: a test keypair funded on the
// sandbox chain, and the calls of the checkout's payment path (connect, transaction, sign, broadcast,
// confirm) over HTTP.
#pragma once

#include <string>

#include "encoding/base64.h"
#include "solana/pda.h"
#include "solana/transaction.h"
#include "unit/server/app_harness.h"

namespace hilt::server::test {

class CheckoutHarness : public AppHarness {
protected:
    static constexpr std::int64_t kPrice = 12'500'000;  // 12.50 USDC
    static constexpr std::uint64_t kBuyerLamports = 1'000'000'000;

    // A product priced kPrice in the sandbox's USDC, with a 30-day wallet membership and a message.
    nlohmann::json product_body() const {
        return {{"product_type", "PAYMENT_LINK"},
                {"title", "Night Owls — monthly pass"},
                {"amount_minor_units", kPrice},
                {"merchant_wallet", merchant_wallet_.to_base58()},
                {"delivery_type", "MESSAGE"},
                {"delivery_value", "Welcome in! Your code is OWL-2026."},
                {"membership_config",
                 {{"enabled", true},
                  {"platform", "WEB"},
                  {"identity_type", "WALLET"},
                  {"renewal_mode", "ONE_OFF"},
                  {"billing_interval_days", 30},
                  {"grace_period_days", 3}}}};
    }
    nlohmann::json create_product(const nlohmann::json& body) {
        auto res = client_->Post("/v1/products", merchant(), body.dump(), "application/json");
        EXPECT_TRUE(res);
        EXPECT_EQ(res->status, 201) << res->body;
        return json_of(res);
    }
    nlohmann::json create_product() { return create_product(product_body()); }

    httplib::Result post(const std::string& path, const nlohmann::json& body) {
        return client_->Post(path, body.dump(), "application/json");
    }
    nlohmann::json connect(const std::string& slug, const nlohmann::json& body = nlohmann::json::object()) {
        auto res = post("/v1/products/p/" + slug + "/connect", body);
        EXPECT_TRUE(res);
        EXPECT_EQ(res->status, 201) << res->body;
        return json_of(res);
    }

    Ed25519Keypair new_buyer(std::uint64_t usdc, std::uint64_t lamports = kBuyerLamports) {
        auto buyer = ed25519_keypair_random();
        const auto wallet = solana::PublicKey::from_bytes(buyer.public_key);
        EXPECT_TRUE(app_->sandbox()->airdrop_lamports(wallet, lamports));
        if (usdc > 0) {
            EXPECT_TRUE(app_->sandbox()->airdrop_tokens(wallet, SandboxChain::usdc_mint(), usdc));
        }
        return buyer;
    }
    static solana::PublicKey wallet_of(const Ed25519Keypair& keypair) {
        return solana::PublicKey::from_bytes(keypair.public_key);
    }

    httplib::Result request_transaction(const std::string& payment_id, const solana::PublicKey& buyer) {
        return post("/v1/payments/" + payment_id + "/transaction", {{"buyer_wallet", buyer.to_base58()}});
    }
    // The unsigned transaction the server built for this buyer.
    solana::Transaction build(const std::string& payment_id, const Ed25519Keypair& buyer) {
        auto res = request_transaction(payment_id, wallet_of(buyer));
        EXPECT_TRUE(res);
        EXPECT_EQ(res->status, 200) << res->body;
        auto tx = solana::parse_transaction_base64(json_of(res)["transaction"].get<std::string>());
        EXPECT_TRUE(tx) << describe(tx.error());
        return tx ? *tx : solana::Transaction{};
    }
    static std::string sign(solana::Transaction tx, const Ed25519Keypair& signer) {
        const Ed25519Keypair* signers[] = {&signer};
        EXPECT_TRUE(solana::sign_transaction(tx, signers));
        auto wire = solana::serialize_transaction(tx);
        EXPECT_TRUE(wire);
        return base64_encode(*wire);
    }
    httplib::Result broadcast(const std::string& payment_id, const std::string& signed_base64) {
        return post("/v1/payments/" + payment_id + "/broadcast", {{"signed_transaction", signed_base64}});
    }
    nlohmann::json confirm(const std::string& payment_id, const nlohmann::json& body = nlohmann::json::object()) {
        auto res = post("/v1/payments/" + payment_id + "/confirm", body);
        EXPECT_TRUE(res);
        EXPECT_EQ(res->status, 200) << res->body;
        return json_of(res);
    }
    nlohmann::json status_of(const std::string& payment_id) {
        auto res = client_->Get("/v1/payments/" + payment_id);
        EXPECT_TRUE(res);
        EXPECT_EQ(res->status, 200) << res->body;
        return json_of(res);
    }
    // connect -> transaction -> sign -> broadcast for a fresh buyer; returns the payment id.
    std::string pay_until_broadcast(const std::string& slug, const Ed25519Keypair& buyer) {
        const auto session = connect(slug);
        const auto payment_id = session["payment_id"].get<std::string>();
        auto res = broadcast(payment_id, sign(build(payment_id, buyer), buyer));
        EXPECT_TRUE(res);
        EXPECT_EQ(res->status, 200) << res->body;
        return payment_id;
    }

    std::uint64_t token_balance(const solana::PublicKey& owner) {
        auto ata = solana::associated_token_address(owner, SandboxChain::usdc_mint());
        EXPECT_TRUE(ata);
        auto account = app_->sandbox()->account(ata->address, Commitment::Processed);
        EXPECT_TRUE(account);
        if (!account || !*account || !(*account)->token_account) return 0;
        return (*account)->token_account->amount;
    }

    solana::PublicKey merchant_wallet_ = solana::PublicKey::from_bytes(ed25519_keypair_random().public_key);
};

}  // namespace hilt::server::test
