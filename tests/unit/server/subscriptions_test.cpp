// Native subscriptions (issue 7) over real HTTP, SQLite and the sandbox chain's token program: the first
// checkout of an AUTOMATIC product approves Hilt's renewal delegate, and the membership records it.
#include "solana/inspector.h"
#include "solana/instructions.h"
#include "unit/server/checkout_harness.h"

namespace hilt::server {
namespace {

constexpr std::int64_t kPeriods = 12;  // the default --renewal-allowance

class SubscriptionTest : public test::CheckoutHarness {
protected:
    void SetUp() override {
        CheckoutHarness::SetUp();
        auto merchant = app_->merchants().set_subscriptions_enabled(merchant_id_, true);
        ASSERT_TRUE(merchant) << describe(merchant.error());
    }
    nlohmann::json automatic_product(std::int64_t price = kPrice) {
        auto body = product_body();
        body["amount_minor_units"] = price;
        body["membership_config"]["renewal_mode"] = "AUTOMATIC";
        return create_product(body);
    }
    solana::PublicKey ata(const solana::PublicKey& owner) {
        auto found = solana::associated_token_address(owner, SandboxChain::usdc_mint());
        EXPECT_TRUE(found);
        return found ? found->address : solana::PublicKey{};
    }
    std::optional<TokenAccountState> token_state(const solana::PublicKey& owner) {
        auto account = app_->sandbox()->account(ata(owner), Commitment::Processed);
        EXPECT_TRUE(account);
        if (!account || !*account) return std::nullopt;
        return (*account)->token_account;
    }
    // The /transaction answer for a new session of `slug`.
    std::pair<std::string, nlohmann::json> transaction_for(const std::string& slug, const Ed25519Keypair& buyer) {
        const auto payment_id = connect(slug)["payment_id"].get<std::string>();
        auto res = request_transaction(payment_id, wallet_of(buyer));
        EXPECT_TRUE(res);
        EXPECT_EQ(res->status, 200) << res->body;
        return {payment_id, json_of(res)};
    }
    static solana::Transaction parsed(const nlohmann::json& response) {
        auto tx = solana::parse_transaction_base64(response["transaction"].get<std::string>());
        EXPECT_TRUE(tx) << describe(tx.error());
        return tx ? *tx : solana::Transaction{};
    }
    // transaction -> sign -> broadcast -> confirm; returns the membership as the merchant reads it.
    nlohmann::json subscribe(const std::string& slug, const Ed25519Keypair& buyer) {
        auto [payment_id, response] = transaction_for(slug, buyer);
        auto sent = broadcast(payment_id, sign(parsed(response), buyer));
        EXPECT_TRUE(sent);
        EXPECT_EQ(sent->status, 200) << sent->body;
        app_->sandbox()->advance_slots(1);  // confirmed commitment is one slot behind
        const auto confirmed = confirm(payment_id);
        EXPECT_EQ(confirmed["status"], "CONFIRMED") << confirmed.dump();
        auto membership =
            client_->Get("/v1/memberships/" + confirmed["membership_id"].get<std::string>(), merchant());
        EXPECT_TRUE(membership);
        EXPECT_EQ(membership->status, 200) << membership->body;
        return json_of(membership);
    }
};

TEST_F(SubscriptionTest, TheFirstCheckoutApprovesTheRenewalDelegateForTwelvePeriods) {
    const auto slug = automatic_product()["slug"].get<std::string>();
    const auto buyer = new_buyer(200'000'000);
    const auto delegate = app_->renewal_delegate();
    auto [payment_id, response] = transaction_for(slug, buyer);

    // What the page states before the buyer signs.
    ASSERT_TRUE(response.contains("approval")) << response.dump();
    EXPECT_EQ(response["approval"]["delegate"], delegate.to_base58());
    EXPECT_EQ(response["approval"]["allowance_minor_units"], kPeriods * kPrice);
    EXPECT_EQ(response["approval"]["allowance_periods"], kPeriods);
    EXPECT_EQ(response["approval"]["existing_allowance_minor_units"], 0);
    EXPECT_FALSE(response["approval"].contains("replaces_delegate"));

    // What the transaction does: one ApproveChecked of the buyer's USDC account, signed by the buyer.
    const auto report = solana::inspect_transaction(parsed(response));
    ASSERT_EQ(report.token_approvals.size(), 1u);
    const auto& approval = report.token_approvals.front();
    EXPECT_TRUE(approval.checked);
    EXPECT_EQ(approval.source, ata(wallet_of(buyer)));
    EXPECT_EQ(approval.delegate, delegate);
    EXPECT_EQ(approval.owner, wallet_of(buyer));
    EXPECT_EQ(approval.amount, static_cast<std::uint64_t>(kPeriods * kPrice));

    auto sent = broadcast(payment_id, sign(parsed(response), buyer));
    ASSERT_TRUE(sent);
    ASSERT_EQ(sent->status, 200) << sent->body;
    app_->sandbox()->advance_slots(1);
    const auto confirmed = confirm(payment_id);
    ASSERT_EQ(confirmed["status"], "CONFIRMED") << confirmed.dump();

    // On chain: the sandbox's token program recorded the delegation.
    const auto state = token_state(wallet_of(buyer));
    ASSERT_TRUE(state);
    EXPECT_EQ(state->delegate, delegate);
    EXPECT_EQ(state->delegated_amount, static_cast<std::uint64_t>(kPeriods * kPrice));
    EXPECT_EQ(state->amount, 200'000'000u - static_cast<std::uint64_t>(kPrice));

    // The membership: the subscription and when the first renewal is pulled (an hour before the period ends).
    auto res = client_->Get("/v1/memberships/" + confirmed["membership_id"].get<std::string>(), merchant());
    ASSERT_TRUE(res);
    const auto membership = json_of(res);
    EXPECT_EQ(membership["renewal_mode"], "AUTOMATIC");
    const auto& sub = membership["subscription"];
    EXPECT_EQ(sub["token_account"], ata(wallet_of(buyer)).to_base58());
    EXPECT_EQ(sub["token_mint"], SandboxChain::usdc_mint().to_base58());
    EXPECT_EQ(sub["delegate"], delegate.to_base58());
    EXPECT_EQ(sub["amount_minor_units"], kPrice);
    EXPECT_EQ(sub["allowance_minor_units"], kPeriods * kPrice);
    EXPECT_EQ(sub["allowance_periods"], kPeriods);
    EXPECT_EQ(sub["approved"], true);
    auto end = models::parse_timestamp(membership["current_period_end_at"].get<std::string>());
    ASSERT_TRUE(end);
    EXPECT_EQ(membership["next_renewal_at"], models::format_timestamp(models::Timestamp{end->unix_seconds - 3600}));
}

TEST_F(SubscriptionTest, ASecondSubscriptionOnTheSameAccountKeepsTheFirstOnesAllowance) {
    const auto first = automatic_product(kPrice)["slug"].get<std::string>();
    const auto second = automatic_product(2 * kPrice)["slug"].get<std::string>();
    const auto buyer = new_buyer(500'000'000);
    subscribe(first, buyer);

    auto [payment_id, response] = transaction_for(second, buyer);
    EXPECT_EQ(response["approval"]["existing_allowance_minor_units"], kPeriods * kPrice);
    EXPECT_EQ(response["approval"]["allowance_minor_units"], kPeriods * kPrice + kPeriods * 2 * kPrice);
    auto sent = broadcast(payment_id, sign(parsed(response), buyer));
    ASSERT_TRUE(sent);
    ASSERT_EQ(sent->status, 200) << sent->body;
    app_->sandbox()->advance_slots(1);
    ASSERT_EQ(confirm(payment_id)["status"], "CONFIRMED");
    const auto state = token_state(wallet_of(buyer));
    ASSERT_TRUE(state);
    EXPECT_EQ(state->delegated_amount, static_cast<std::uint64_t>(kPeriods * 3 * kPrice));
}

TEST_F(SubscriptionTest, AnApprovalOfAnotherDelegateIsReplacedAndSaidSo) {
    const auto slug = automatic_product()["slug"].get<std::string>();
    const auto buyer = new_buyer(200'000'000);
    const auto other = solana::PublicKey::from_bytes(ed25519_keypair_random().public_key);
    // The buyer approved another program's delegate earlier.
    auto blockhash = app_->sandbox()->latest_blockhash(Commitment::Confirmed);
    ASSERT_TRUE(blockhash);
    const std::vector<solana::Instruction> approve{solana::token_approve_checked(
        ata(wallet_of(buyer)), SandboxChain::usdc_mint(), other, wallet_of(buyer), 5'000'000, 6)};
    auto message = solana::compile_message(wallet_of(buyer), approve, blockhash->blockhash);
    ASSERT_TRUE(message);
    auto tx = solana::make_unsigned_transaction(std::move(*message));
    ASSERT_TRUE(tx);
    const auto wire = base64_decode(sign(*tx, buyer));
    ASSERT_TRUE(wire);
    ASSERT_TRUE(app_->sandbox()->send(*wire));
    ASSERT_EQ(token_state(wallet_of(buyer))->delegate, other);

    auto [payment_id, response] = transaction_for(slug, buyer);
    EXPECT_EQ(response["approval"]["replaces_delegate"], other.to_base58());
    EXPECT_EQ(response["approval"]["existing_allowance_minor_units"], 0);
    EXPECT_EQ(response["approval"]["allowance_minor_units"], kPeriods * kPrice);
}

TEST_F(SubscriptionTest, ATransactionWhoseApprovalWasAlteredIsRefused) {
    const auto slug = automatic_product()["slug"].get<std::string>();
    const auto buyer = new_buyer(200'000'000);
    auto [payment_id, response] = transaction_for(slug, buyer);
    auto tx = parsed(response);
    // Raise the allowance by one unit: ApproveChecked is 0x0d, then the amount (u64 LE).
    bool altered = false;
    for (auto& instruction : tx.message.instructions) {
        if (instruction.data.size() == 10 && instruction.data[0] == 13) {
            ++instruction.data[1];
            altered = true;
        }
    }
    ASSERT_TRUE(altered);
    auto sent = broadcast(payment_id, sign(tx, buyer));
    ASSERT_TRUE(sent);
    EXPECT_EQ(sent->status, 422) << sent->body;
    EXPECT_EQ(json_of(sent)["error"]["code"], "transaction_mismatch") << sent->body;
    EXPECT_EQ(status_of(payment_id)["status"], "PENDING_SIGNATURE");
    EXPECT_FALSE(token_state(wallet_of(buyer))->delegate) << "nothing was sent";
}

TEST_F(SubscriptionTest, OneOffMembershipsApproveNothing) {
    const auto slug = create_product()["slug"].get<std::string>();
    const auto buyer = new_buyer(200'000'000);
    auto [payment_id, response] = transaction_for(slug, buyer);
    EXPECT_FALSE(response.contains("approval"));
    EXPECT_TRUE(solana::inspect_transaction(parsed(response)).token_approvals.empty());
    auto sent = broadcast(payment_id, sign(parsed(response), buyer));
    ASSERT_TRUE(sent);
    ASSERT_EQ(sent->status, 200) << sent->body;
    app_->sandbox()->advance_slots(1);
    const auto confirmed = confirm(payment_id);
    auto res = client_->Get("/v1/memberships/" + confirmed["membership_id"].get<std::string>(), merchant());
    ASSERT_TRUE(res);
    EXPECT_FALSE(json_of(res).contains("subscription"));
    EXPECT_FALSE(json_of(res).contains("next_renewal_at"));
}

}  // namespace
}  // namespace hilt::server
