// Native subscriptions (issue 7) over real HTTP, SQLite and the sandbox chain's token program: the first
// checkout of an AUTOMATIC product approves Hilt's renewal delegate, and the membership records it.
#include "solana/inspector.h"
#include "solana/instructions.h"
#include "store/sqlite/database.h"
#include "unit/server/checkout_harness.h"

#include <map>
#include <thread>

namespace hilt::server {
namespace {

constexpr std::int64_t kPeriods = 12;  // the default --renewal-allowance
constexpr std::int64_t kDay = 86'400;
constexpr std::int64_t kInterval = 30 * kDay;  // product_body(): billing_interval_days 30, grace 3 days

class SubscriptionTest : public test::CheckoutHarness {
protected:
    static constexpr std::int64_t kFee = kPrice / 100;  // the default 100 bps
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
    nlohmann::json membership(const std::string& membership_id) {
        auto res = client_->Get("/v1/memberships/" + membership_id, merchant());
        EXPECT_TRUE(res);
        EXPECT_EQ(res->status, 200) << res->body;
        return json_of(res);
    }
    static std::int64_t seconds(const nlohmann::json& timestamp) {
        auto parsed = models::parse_timestamp(timestamp.get<std::string>());
        EXPECT_TRUE(parsed);
        return parsed ? parsed->unix_seconds : 0;
    }
    // Moves the test clock to `unix_seconds` (forward only).
    void clock_to(std::int64_t unix_seconds) {
        const auto now = clock_.now_seconds();
        ASSERT_GE(unix_seconds, now);
        clock_.advance_ms((unix_seconds - now) * 1000);
    }
    RenewalWorker::Pass renewal_pass() {
        auto pass = app_->renewal_worker().run_once();
        EXPECT_TRUE(pass) << describe(pass.error());
        return pass ? *pass : RenewalWorker::Pass{};
    }
    // One renewal, as the worker does it: send, the cluster confirms a slot later, follow and settle.
    void renew_once() {
        const auto sent = renewal_pass();
        EXPECT_EQ(sent.sent, 1u);
        app_->sandbox()->advance_slots(1);
        EXPECT_EQ(renewal_pass().settled, 1u);
    }
    std::map<std::string, int> event_counts() {
        auto events = app_->payments().events_for(merchant_id_, 200);
        EXPECT_TRUE(events);
        std::map<std::string, int> kinds;
        if (events) {
            for (const auto& event : *events) ++kinds[std::string(to_string(event.type))];
        }
        return kinds;
    }
    void send_as(const Ed25519Keypair& signer, const std::vector<solana::Instruction>& instructions) {
        auto blockhash = app_->sandbox()->latest_blockhash(Commitment::Confirmed);
        ASSERT_TRUE(blockhash);
        auto message = solana::compile_message(wallet_of(signer), instructions, blockhash->blockhash);
        ASSERT_TRUE(message);
        auto tx = solana::make_unsigned_transaction(std::move(*message));
        ASSERT_TRUE(tx);
        const auto wire = base64_decode(sign(*tx, signer));
        ASSERT_TRUE(wire);
        auto sent = app_->sandbox()->send(*wire);
        ASSERT_TRUE(sent) << describe(sent.error());
        app_->sandbox()->advance_slots(1);
    }
    httplib::Result cancel(const std::string& membership_id, const nlohmann::json& body,
                           const httplib::Headers& headers) {
        return client_->Post("/v1/memberships/" + membership_id + "/cancel", headers, body.dump(),
                             "application/json");
    }
    // The buyer's manage routes, with the membership's manage token (or `token`).
    httplib::Result manage_get(const std::string& id, std::optional<std::string> token = std::nullopt) {
        return client_->Get("/v1/memberships/" + id + "/manage",
                            {{"X-Hilt-Manage-Token", token.value_or(app_->subscriptions().manage_token(id))}});
    }
    httplib::Result manage_post(const std::string& id, const std::string& what, const nlohmann::json& body) {
        return client_->Post("/v1/memberships/" + id + "/manage/" + what,
                             {{"X-Hilt-Manage-Token", app_->subscriptions().manage_token(id)}}, body.dump(),
                             "application/json");
    }
    // The manage transaction for `action`, signed by `signer`.
    std::string manage_signed(const std::string& id, const std::string& action, const Ed25519Keypair& signer) {
        auto res = manage_post(id, "transaction", {{"action", action}});
        EXPECT_TRUE(res);
        EXPECT_EQ(res->status, 200) << res->body;
        return sign(parsed(json_of(res)), signer);
    }
    httplib::Result manage_submit(const std::string& id, const std::string& action, const std::string& signed_tx) {
        return manage_post(id, "submit", {{"action", action}, {"signed_transaction", signed_tx}});
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
    send_as(buyer, {solana::token_approve_checked(ata(wallet_of(buyer)), SandboxChain::usdc_mint(), other,
                                                  wallet_of(buyer), 5'000'000, 6)});
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

// ---- renewals ------------------------------------------------------------------------------------

TEST_F(SubscriptionTest, TheDelegatePullsThreePeriodsAndEachExtendsTheMembershipByOneInterval) {
    const auto slug = automatic_product()["slug"].get<std::string>();
    const auto buyer = new_buyer(100'000'000);
    const auto first = subscribe(slug, buyer);
    const auto id = first["membership_id"].get<std::string>();
    const auto first_end = seconds(first["current_period_end_at"]);
    const auto buyer_lamports = app_->sandbox()->account(wallet_of(buyer), Commitment::Processed);
    ASSERT_TRUE(buyer_lamports && *buyer_lamports);
    EXPECT_EQ(renewal_pass().claimed, 0u) << "nothing is due before next_renewal_at";

    for (std::int64_t k = 1; k <= 3; ++k) {
        SCOPED_TRACE("renewal " + std::to_string(k));
        const auto before = membership(id);
        clock_to(seconds(before["next_renewal_at"]));
        renew_once();
        const auto after = membership(id);
        EXPECT_EQ(after["status"], "ACTIVE");
        EXPECT_EQ(after["renewal_count"], k);
        EXPECT_EQ(seconds(after["current_period_end_at"]), first_end + k * kInterval);
        EXPECT_EQ(seconds(after["next_renewal_at"]), first_end + k * kInterval - 3600);
        EXPECT_EQ(after["current_period_start_at"], first["current_period_start_at"]);
        EXPECT_NE(after["last_payment_id"], before["last_payment_id"]);
        EXPECT_EQ(token_balance(wallet_of(buyer)), static_cast<std::uint64_t>(100'000'000 - (k + 1) * kPrice));
        EXPECT_EQ(token_balance(merchant_wallet_), static_cast<std::uint64_t>((k + 1) * (kPrice - kFee)));
        EXPECT_EQ(token_balance(app_->fee_wallet()), static_cast<std::uint64_t>((k + 1) * kFee));
        EXPECT_EQ(token_state(wallet_of(buyer))->delegated_amount,
                  static_cast<std::uint64_t>((kPeriods - k) * kPrice));
    }
    // Hilt paid the renewals' network fees: the buyer's SOL did not move.
    const auto lamports_after = app_->sandbox()->account(wallet_of(buyer), Commitment::Processed);
    EXPECT_EQ((*lamports_after)->lamports, (*buyer_lamports)->lamports);
    // Each renewal is a payment with a receipt naming the buyer, announced like any.
    const auto events = event_counts();
    EXPECT_EQ(events.at("membership.activated"), 1);
    EXPECT_EQ(events.at("membership.renewed"), 3);
    EXPECT_EQ(events.at("payment.confirmed"), 4);
    EXPECT_EQ(events.at("receipt.created"), 4);
    EXPECT_FALSE(events.contains("membership.renewal_failed"));
    const auto last = membership(id)["last_payment_id"].get<std::string>();
    auto receipt = client_->Get("/v1/payments/" + last + "/receipt", merchant());
    ASSERT_TRUE(receipt);
    ASSERT_EQ(receipt->status, 200) << receipt->body;
    EXPECT_EQ(json_of(receipt)["buyer_wallet"], wallet_of(buyer).to_base58());
    EXPECT_EQ(renewal_pass().claimed, 0u) << "the fourth period is not due yet";
}

TEST_F(SubscriptionTest, ARenewalWithoutFundsFailsIntoGraceAndRecoversOnTheAnchoredSchedule) {
    const auto slug = automatic_product()["slug"].get<std::string>();
    const auto buyer = new_buyer(kPrice + kPrice / 2);  // one period, then half of one
    const auto id = subscribe(slug, buyer)["membership_id"].get<std::string>();
    const auto end = seconds(membership(id)["current_period_end_at"]);
    clock_to(end - 3600);
    const auto failed = renewal_pass();
    EXPECT_EQ(failed.claimed, 1u);
    EXPECT_EQ(failed.failed, 1u);
    EXPECT_EQ(failed.sent, 0u) << "checked on chain first: no fee spent on a pull that cannot succeed";
    auto m = membership(id);
    EXPECT_EQ(m["status"], "ACTIVE");
    EXPECT_EQ(m["subscription"]["last_failure"]["reason"], "INSUFFICIENT_FUNDS");
    EXPECT_EQ(m["subscription"]["last_failure"]["attempt"], 1);
    EXPECT_EQ(seconds(m["subscription"]["last_failure"]["next_attempt_at"]), end);
    EXPECT_EQ(seconds(m["next_renewal_at"]), end);
    EXPECT_EQ(event_counts().at("membership.renewal_failed"), 1);

    // The period ends unpaid: grace.
    clock_to(end + 60);
    app_->payment_service().watch_once();
    EXPECT_EQ(membership(id)["status"], "GRACE");
    EXPECT_EQ(event_counts().at("membership.grace_started"), 1);
    EXPECT_EQ(renewal_pass().failed, 1u) << "the retry at the period end fails too";
    EXPECT_EQ(event_counts().at("membership.renewal_failed"), 1) << "announced once per period";

    // The buyer tops up; the next retry (6 h after the second attempt) goes through.
    ASSERT_TRUE(app_->sandbox()->airdrop_tokens(wallet_of(buyer), SandboxChain::usdc_mint(), kPrice));
    app_->sandbox()->advance_slots(1);  // the worker reads accounts at confirmed commitment
    m = membership(id);
    clock_to(seconds(m["next_renewal_at"]));
    renew_once();
    m = membership(id);
    EXPECT_EQ(m["status"], "ACTIVE");
    EXPECT_EQ(m["renewal_count"], 1);
    EXPECT_EQ(seconds(m["current_period_end_at"]), end + kInterval) << "anchored to the schedule, not to now";
    EXPECT_FALSE(m["subscription"].contains("last_failure"));
    app_->payment_service().watch_once();
    const auto events = event_counts();
    EXPECT_EQ(events.at("membership.renewed"), 1);
    EXPECT_FALSE(events.contains("membership.expired"));
}

TEST_F(SubscriptionTest, ARenewalThatNeverGoesThroughLapsesAtTheEndOfGraceAndIsNotTriedAgain) {
    const auto slug = automatic_product()["slug"].get<std::string>();
    const auto buyer = new_buyer(kPrice);
    const auto id = subscribe(slug, buyer)["membership_id"].get<std::string>();
    const auto end = seconds(membership(id)["current_period_end_at"]);
    const auto grace_end = end + 3 * kDay;
    // Every retry until the grace period ends: each fails.
    std::size_t attempts = 0;
    for (auto m = membership(id); m.contains("next_renewal_at"); m = membership(id)) {
        clock_to(seconds(m["next_renewal_at"]));
        app_->payment_service().watch_once();
        const auto pass = renewal_pass();
        if (pass.claimed == 0) break;
        EXPECT_EQ(pass.failed, 1u);
        ASSERT_LT(++attempts, 20u);
    }
    EXPECT_GE(attempts, 4u) << "1 h, 6 h, then daily until 5 minutes before the grace period ends";
    EXPECT_LT(clock_.now_seconds(), grace_end);
    clock_to(grace_end);
    app_->payment_service().watch_once();
    const auto m = membership(id);
    EXPECT_EQ(m["status"], "EXPIRED");
    EXPECT_FALSE(m.contains("next_renewal_at"));
    const auto events = event_counts();
    EXPECT_EQ(events.at("membership.renewal_failed"), 1);
    EXPECT_EQ(events.at("membership.grace_started"), 1);
    EXPECT_EQ(events.at("membership.expired"), 1);
    EXPECT_EQ(events.at("payment.failed"), 1) << "the period's renewal payment expired with the grace period";
    // Lapsed: never pulled again, even once the buyer has money.
    ASSERT_TRUE(app_->sandbox()->airdrop_tokens(wallet_of(buyer), SandboxChain::usdc_mint(), 10 * kPrice));
    clock_to(grace_end + kInterval);
    EXPECT_EQ(renewal_pass().claimed, 0u);
    EXPECT_EQ(token_balance(wallet_of(buyer)), static_cast<std::uint64_t>(10 * kPrice));
}

TEST_F(SubscriptionTest, ABuyerWhoRevokedTheDelegationIsNotChargedAndTheReasonIsRecorded) {
    const auto slug = automatic_product()["slug"].get<std::string>();
    const auto buyer = new_buyer(100'000'000);
    const auto id = subscribe(slug, buyer)["membership_id"].get<std::string>();
    send_as(buyer, {solana::token_revoke(ata(wallet_of(buyer)), wallet_of(buyer))});
    EXPECT_FALSE(token_state(wallet_of(buyer))->delegate);
    clock_to(seconds(membership(id)["next_renewal_at"]));
    EXPECT_EQ(renewal_pass().failed, 1u);
    EXPECT_EQ(membership(id)["subscription"]["last_failure"]["reason"], "DELEGATE_REVOKED");
    EXPECT_EQ(token_balance(wallet_of(buyer)), static_cast<std::uint64_t>(100'000'000 - kPrice));
}

TEST_F(SubscriptionTest, TwoSubscriptionsOfOneBuyerShareOneDelegationAndBothRenew) {
    const auto a = automatic_product(kPrice)["slug"].get<std::string>();
    const auto b = automatic_product(3 * kPrice)["slug"].get<std::string>();
    const auto buyer = new_buyer(100'000'000);
    const auto one = subscribe(a, buyer)["membership_id"].get<std::string>();
    const auto two = subscribe(b, buyer)["membership_id"].get<std::string>();
    ASSERT_EQ(membership(one)["next_renewal_at"], membership(two)["next_renewal_at"]);
    clock_to(seconds(membership(one)["next_renewal_at"]));
    const auto sent = renewal_pass();
    EXPECT_EQ(sent.claimed, 2u);
    EXPECT_EQ(sent.sent, 2u);
    app_->sandbox()->advance_slots(1);
    EXPECT_EQ(renewal_pass().settled, 2u);
    EXPECT_EQ(membership(one)["renewal_count"], 1);
    EXPECT_EQ(membership(two)["renewal_count"], 1);
    EXPECT_EQ(token_state(wallet_of(buyer))->delegated_amount,
              static_cast<std::uint64_t>(kPeriods * 4 * kPrice - 4 * kPrice));
    EXPECT_EQ(token_balance(wallet_of(buyer)), static_cast<std::uint64_t>(100'000'000 - 8 * kPrice));
}

TEST_F(SubscriptionTest, TwoSubscriptionsWhoseSharedAllowanceCoversOnlyOneRenewOnlyTheFirstDue) {
    const auto a = automatic_product(kPrice)["slug"].get<std::string>();
    const auto b = automatic_product(kPrice)["slug"].get<std::string>();
    const auto buyer = new_buyer(100'000'000);
    const auto one = subscribe(a, buyer)["membership_id"].get<std::string>();
    const auto two = subscribe(b, buyer)["membership_id"].get<std::string>();
    // The buyer lowers the shared approval to one period's price.
    send_as(buyer, {solana::token_approve_checked(ata(wallet_of(buyer)), SandboxChain::usdc_mint(),
                                                  app_->renewal_delegate(), wallet_of(buyer), kPrice, 6)});
    clock_to(seconds(membership(one)["next_renewal_at"]));
    const auto pass = renewal_pass();
    EXPECT_EQ(pass.sent, 1u);
    EXPECT_EQ(pass.failed, 1u) << "the pass counts what it already pulled from the account";
    app_->sandbox()->advance_slots(1);
    EXPECT_EQ(renewal_pass().settled, 1u);
    const auto counts = membership(one)["renewal_count"].get<int>() + membership(two)["renewal_count"].get<int>();
    EXPECT_EQ(counts, 1);
    const auto failed = membership(one).contains("subscription") &&
                                membership(one)["subscription"].contains("last_failure")
                            ? membership(one)
                            : membership(two);
    EXPECT_EQ(failed["subscription"]["last_failure"]["reason"], "ALLOWANCE_EXHAUSTED");
}

TEST_F(SubscriptionTest, ARenewalRecordedButNeverSentIsSentAgainAsTheSameTransactionAndPullsOnce) {
    const auto slug = automatic_product()["slug"].get<std::string>();
    const auto buyer = new_buyer(100'000'000);
    const auto id = subscribe(slug, buyer)["membership_id"].get<std::string>();
    clock_to(seconds(membership(id)["next_renewal_at"]));
    app_->sandbox()->drop_next_broadcasts(1);  // as if hiltd died between recording and sending
    EXPECT_EQ(renewal_pass().sent, 1u);
    app_->sandbox()->advance_slots(1);
    clock_.advance_ms(3'000);  // past the resend interval
    renewal_pass();            // the follow-up finds it unseen and sends the recorded bytes again
    app_->sandbox()->advance_slots(1);
    renewal_pass();
    EXPECT_EQ(membership(id)["renewal_count"], 1);
    EXPECT_EQ(token_balance(wallet_of(buyer)), static_cast<std::uint64_t>(100'000'000 - 2 * kPrice));
    for (int i = 0; i < 3; ++i) {
        clock_.advance_ms(3'000);
        app_->sandbox()->advance_slots(1);
        EXPECT_EQ(renewal_pass().claimed, 0u);
    }
    EXPECT_EQ(token_balance(wallet_of(buyer)), static_cast<std::uint64_t>(100'000'000 - 2 * kPrice));
    EXPECT_EQ(event_counts().at("membership.renewed"), 1);
}

TEST_F(SubscriptionTest, AClaimWhosePassDiedBeforeRecordingIsClaimedAgainAfterItsLeaseWithTheSamePayment) {
    const auto slug = automatic_product()["slug"].get<std::string>();
    const auto buyer = new_buyer(100'000'000);
    const auto id = subscribe(slug, buyer)["membership_id"].get<std::string>();
    clock_to(seconds(membership(id)["next_renewal_at"]));
    // A pass claims the period, then dies before building anything.
    auto claimed = app_->payments().claim_renewals(clock_.now_seconds(), kRenewalLeaseSeconds, 10);
    ASSERT_TRUE(claimed);
    ASSERT_EQ(claimed->size(), 1u);
    const auto payment_id = claimed->front().payment.payment_id;
    EXPECT_EQ(renewal_pass().claimed, 0u) << "leased";
    clock_.advance_ms((kRenewalLeaseSeconds + 1) * 1000);
    auto again = app_->payments().claim_renewals(clock_.now_seconds(), kRenewalLeaseSeconds, 10);
    ASSERT_TRUE(again);
    ASSERT_EQ(again->size(), 1u);
    EXPECT_EQ(again->front().payment.payment_id, payment_id) << "one payment per period";
    EXPECT_EQ(again->front().attempt, 2);
    clock_.advance_ms((kRenewalLeaseSeconds + 1) * 1000);
    renew_once();
    EXPECT_EQ(membership(id)["renewal_count"], 1);
    EXPECT_EQ(membership(id)["last_payment_id"], payment_id);
    EXPECT_EQ(token_balance(wallet_of(buyer)), static_cast<std::uint64_t>(100'000'000 - 2 * kPrice));
}

// ---- cancellation by the merchant ------------------------------------------------------------------

TEST_F(SubscriptionTest, AMerchantCancellationAtPeriodEndStopsRenewalsAndEndsAccessWithoutGrace) {
    const auto slug = automatic_product()["slug"].get<std::string>();
    const auto buyer = new_buyer(100'000'000);
    const auto id = subscribe(slug, buyer)["membership_id"].get<std::string>();
    const auto before = membership(id);
    const auto end = seconds(before["current_period_end_at"]);
    auto res = cancel(id, nlohmann::json::object(), merchant());
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    const auto cancelled = json_of(res);
    EXPECT_EQ(cancelled["status"], "ACTIVE") << "access lasts until the paid period ends";
    EXPECT_EQ(cancelled["cancellation"]["source"], "MERCHANT");
    EXPECT_EQ(cancelled["cancellation"]["at_period_end"], true);
    EXPECT_EQ(cancelled["cancellation"]["cancelled_at"], models::format_timestamp(models::Timestamp{clock_.now_seconds()}));
    EXPECT_FALSE(cancelled.contains("next_renewal_at"));
    EXPECT_EQ(membership(id), cancelled);
    EXPECT_EQ(event_counts().at("membership.cancelled"), 1);

    clock_to(seconds(before["next_renewal_at"]));
    EXPECT_EQ(renewal_pass().claimed, 0u) << "nothing is pulled for a cancelled membership";
    clock_to(end);
    app_->payment_service().watch_once();
    EXPECT_EQ(membership(id)["status"], "CANCELLED");
    clock_to(end + 5 * kDay);
    app_->payment_service().watch_once();
    EXPECT_EQ(renewal_pass().claimed, 0u);
    EXPECT_EQ(membership(id)["status"], "CANCELLED");
    const auto events = event_counts();
    EXPECT_FALSE(events.contains("membership.grace_started"));
    EXPECT_FALSE(events.contains("membership.expired"));
    EXPECT_EQ(events.at("membership.cancelled"), 1);
    EXPECT_EQ(token_balance(wallet_of(buyer)), static_cast<std::uint64_t>(100'000'000 - kPrice));
}

TEST_F(SubscriptionTest, AMerchantCancellationAtOnceEndsAccessNowAndASecondCancelChangesNothing) {
    const auto slug = automatic_product()["slug"].get<std::string>();
    const auto buyer = new_buyer(100'000'000);
    const auto id = subscribe(slug, buyer)["membership_id"].get<std::string>();
    auto res = cancel(id, {{"at_period_end", false}}, merchant());
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    EXPECT_EQ(json_of(res)["status"], "CANCELLED");
    EXPECT_EQ(json_of(res)["cancellation"]["at_period_end"], false);
    clock_.advance_ms(60'000);
    auto again = cancel(id, {{"at_period_end", true}}, merchant());
    ASSERT_TRUE(again);
    ASSERT_EQ(again->status, 200) << again->body;
    EXPECT_EQ(json_of(again), json_of(res)) << "the first cancellation stands";
    EXPECT_EQ(event_counts().at("membership.cancelled"), 1);
}

TEST_F(SubscriptionTest, CancellingIsRefusedForOtherMerchantsLapsedMembershipsAndMalformedBodies) {
    const auto slug = automatic_product()["slug"].get<std::string>();
    const auto buyer = new_buyer(kPrice);
    const auto id = subscribe(slug, buyer)["membership_id"].get<std::string>();
    auto other = app_->merchants().create_merchant("Other Guild", clock_.now_seconds());
    ASSERT_TRUE(other);
    const auto expect_error = [&](const httplib::Result& res, int status, const std::string& code) {
        ASSERT_TRUE(res);
        EXPECT_EQ(res->status, status) << res->body;
        EXPECT_EQ(json_of(res)["error"]["code"], code) << res->body;
    };
    expect_error(cancel(id, nlohmann::json::object(), with_key(other->second.secret)), 404, "not_found");
    expect_error(cancel("mem_unknown1234567890123456", nlohmann::json::object(), merchant()), 404, "not_found");
    expect_error(cancel(id, {{"at_period_end", "yes"}}, merchant()), 422, "wrong_type");
    expect_error(cancel(id, {{"when", "now"}}, merchant()), 422, "unknown_field");
    expect_error(cancel(id, nlohmann::json::object(), {}), 401, "unauthorized");
    EXPECT_FALSE(membership(id).contains("cancellation")) << "refusals change nothing";
    // Lapsed (no funds for the renewal; grace over): nothing to cancel.
    const auto grace_end = seconds(membership(id)["grace_period_end_at"]);
    clock_to(grace_end + 1);
    expect_error(cancel(id, nlohmann::json::object(), merchant()), 409, "conflict");
    EXPECT_FALSE(event_counts().contains("membership.cancelled"));
}

// ---- the subscriber's manage routes ----------------------------------------------------------------

TEST_F(SubscriptionTest, TheManageViewNeedsTheMembershipsTokenAndShowsTheApprovalOnChain) {
    const auto slug = automatic_product()["slug"].get<std::string>();
    const auto buyer = new_buyer(100'000'000);
    const auto id = subscribe(slug, buyer)["membership_id"].get<std::string>();
    for (const std::string& token : {std::string(), std::string("x"), app_->subscriptions().manage_token(id + "x")}) {
        auto res = manage_get(id, token);
        ASSERT_TRUE(res);
        EXPECT_EQ(res->status, 404) << res->body;
    }
    auto other = manage_get("mem_unknown1234567890123456", app_->subscriptions().manage_token(id));
    ASSERT_TRUE(other);
    EXPECT_EQ(other->status, 404) << "another membership's token opens nothing";
    auto res = manage_get(id);
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    const auto view = json_of(res);
    EXPECT_EQ(view["status"], "ACTIVE");
    EXPECT_EQ(view["title"], product_body()["title"]);
    EXPECT_EQ(view["amount_minor_units"], kPrice);
    EXPECT_EQ(view["billing_interval_days"], 30);
    EXPECT_EQ(view["next_renewal_at"], membership(id)["next_renewal_at"]);
    EXPECT_EQ(view["subscription"]["delegate_approved"], true);
    EXPECT_EQ(view["subscription"]["delegated_minor_units"], kPeriods * kPrice);
    EXPECT_EQ(view["subscription"]["renewals_covered"], kPeriods);
    EXPECT_EQ(view["subscription"]["other_subscriptions"], 0);
    EXPECT_EQ(view["can_cancel"], true);
}

TEST_F(SubscriptionTest, TheBuyerCancelsByRevokingAndIsNeverChargedAgain) {
    const auto slug = automatic_product()["slug"].get<std::string>();
    const auto buyer = new_buyer(100'000'000);
    const auto id = subscribe(slug, buyer)["membership_id"].get<std::string>();
    const auto due = seconds(membership(id)["next_renewal_at"]);
    auto built = manage_post(id, "transaction", {{"action", "CANCEL"}});
    ASSERT_TRUE(built);
    ASSERT_EQ(built->status, 200) << built->body;
    const auto report = solana::inspect_transaction(parsed(json_of(built)));
    EXPECT_EQ(report.fee_payer, wallet_of(buyer));
    ASSERT_EQ(report.token_revokes.size(), 1u);
    EXPECT_EQ(report.token_revokes[0].source, ata(wallet_of(buyer)));
    EXPECT_TRUE(report.token_approvals.empty());
    auto submitted = manage_submit(id, "CANCEL", sign(parsed(json_of(built)), buyer));
    ASSERT_TRUE(submitted);
    ASSERT_EQ(submitted->status, 200) << submitted->body;
    EXPECT_EQ(json_of(submitted)["cancellation"]["source"], "BUYER");
    EXPECT_EQ(json_of(submitted)["can_cancel"], false);
    app_->sandbox()->advance_slots(1);
    EXPECT_FALSE(token_state(wallet_of(buyer))->delegate) << "the revoke landed";
    EXPECT_EQ(membership(id)["cancellation"]["source"], "BUYER");
    EXPECT_EQ(event_counts().at("membership.cancelled"), 1);
    clock_to(due);
    EXPECT_EQ(renewal_pass().claimed, 0u);
    EXPECT_EQ(token_balance(wallet_of(buyer)), static_cast<std::uint64_t>(100'000'000 - kPrice));
    auto again = manage_post(id, "transaction", {{"action", "CANCEL"}});
    ASSERT_TRUE(again);
    EXPECT_EQ(again->status, 409) << again->body;
}

TEST_F(SubscriptionTest, CancellingOneOfTwoSubscriptionsLowersTheSharedApprovalAndTheOtherRenews) {
    const auto a = automatic_product(kPrice)["slug"].get<std::string>();
    const auto b = automatic_product(2 * kPrice)["slug"].get<std::string>();
    const auto buyer = new_buyer(100'000'000);
    const auto one = subscribe(a, buyer)["membership_id"].get<std::string>();
    const auto two = subscribe(b, buyer)["membership_id"].get<std::string>();
    EXPECT_EQ(json_of(manage_get(one))["subscription"]["other_subscriptions"], 1);
    auto built = manage_post(one, "transaction", {{"action", "CANCEL"}});
    ASSERT_TRUE(built);
    ASSERT_EQ(built->status, 200) << built->body;
    const auto report = solana::inspect_transaction(parsed(json_of(built)));
    EXPECT_TRUE(report.token_revokes.empty()) << "a revoke would stop the other subscription too";
    ASSERT_EQ(report.token_approvals.size(), 1u);
    EXPECT_EQ(report.token_approvals[0].amount, static_cast<std::uint64_t>(kPeriods * 2 * kPrice))
        << "what the other subscription keeps";
    auto submitted = manage_submit(one, "CANCEL", sign(parsed(json_of(built)), buyer));
    ASSERT_TRUE(submitted);
    ASSERT_EQ(submitted->status, 200) << submitted->body;
    app_->sandbox()->advance_slots(1);
    clock_to(seconds(membership(two)["next_renewal_at"]));
    renew_once();
    EXPECT_EQ(membership(two)["renewal_count"], 1);
    EXPECT_EQ(membership(one)["renewal_count"], 0);
    EXPECT_EQ(token_balance(wallet_of(buyer)), static_cast<std::uint64_t>(100'000'000 - 5 * kPrice));
}

TEST_F(SubscriptionTest, ABuyerWhoRevokedApprovesAgainAndTheFailedRenewalGoesThroughShortlyAfter) {
    const auto slug = automatic_product()["slug"].get<std::string>();
    const auto buyer = new_buyer(100'000'000);
    const auto id = subscribe(slug, buyer)["membership_id"].get<std::string>();
    send_as(buyer, {solana::token_revoke(ata(wallet_of(buyer)), wallet_of(buyer))});
    clock_to(seconds(membership(id)["next_renewal_at"]));
    ASSERT_EQ(renewal_pass().failed, 1u);
    EXPECT_EQ(json_of(manage_get(id))["subscription"]["delegate_approved"], false);
    EXPECT_EQ(json_of(manage_get(id))["can_reapprove"], true);

    auto built = manage_post(id, "transaction", {{"action", "REAPPROVE"}});
    ASSERT_TRUE(built);
    ASSERT_EQ(built->status, 200) << built->body;
    EXPECT_EQ(json_of(built)["approval"]["allowance_minor_units"], kPeriods * kPrice);
    auto submitted = manage_submit(id, "REAPPROVE", sign(parsed(json_of(built)), buyer));
    ASSERT_TRUE(submitted);
    ASSERT_EQ(submitted->status, 200) << submitted->body;
    EXPECT_EQ(seconds(membership(id)["next_renewal_at"]), clock_.now_seconds() + kRetryAfterReapprovalSeconds);
    app_->sandbox()->advance_slots(1);
    clock_.advance_ms(kRetryAfterReapprovalSeconds * 1000);
    renew_once();
    EXPECT_EQ(membership(id)["renewal_count"], 1);
    EXPECT_FALSE(membership(id)["subscription"].contains("last_failure"));
}

TEST_F(SubscriptionTest, AManageSubmissionThatDoesMoreOrIsSignedByAnotherIsRefusedAndChangesNothing) {
    const auto slug = automatic_product()["slug"].get<std::string>();
    const auto buyer = new_buyer(100'000'000);
    const auto id = subscribe(slug, buyer)["membership_id"].get<std::string>();
    auto built = manage_post(id, "transaction", {{"action", "CANCEL"}});
    ASSERT_TRUE(built);
    ASSERT_EQ(built->status, 200) << built->body;
    // A transfer to a stranger riding along with the revoke.
    auto tx = parsed(json_of(built));
    auto blockhash = app_->sandbox()->latest_blockhash(Commitment::Confirmed);
    ASSERT_TRUE(blockhash);
    const auto stranger = solana::PublicKey::from_bytes(ed25519_keypair_random().public_key);
    const std::vector<solana::Instruction> instructions{solana::token_revoke(ata(wallet_of(buyer)), wallet_of(buyer)),
                                                        solana::system_transfer(wallet_of(buyer), stranger, 1'000)};
    auto message = solana::compile_message(wallet_of(buyer), instructions, blockhash->blockhash);
    ASSERT_TRUE(message);
    auto smuggling = solana::make_unsigned_transaction(std::move(*message));
    ASSERT_TRUE(smuggling);
    auto refused = manage_submit(id, "CANCEL", sign(*smuggling, buyer));
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 422) << refused->body;
    EXPECT_EQ(json_of(refused)["error"]["code"], "transaction_mismatch");
    // The right transaction with a forged signature.
    auto wire = base64_decode(sign(tx, buyer));
    ASSERT_TRUE(wire);
    (*wire)[1] ^= 0x01;  // the first byte of the buyer's signature
    auto forged = manage_submit(id, "CANCEL", base64_encode(*wire));
    ASSERT_TRUE(forged);
    EXPECT_EQ(json_of(forged)["error"]["code"], "invalid_signature") << forged->body;
    // The cancel transaction submitted as a reapproval.
    auto mixed = manage_submit(id, "REAPPROVE", sign(tx, buyer));
    ASSERT_TRUE(mixed);
    EXPECT_EQ(mixed->status, 422) << mixed->body;
    app_->sandbox()->advance_slots(1);
    EXPECT_EQ(token_state(wallet_of(buyer))->delegate, app_->renewal_delegate()) << "nothing was sent";
    EXPECT_FALSE(membership(id).contains("cancellation"));
    EXPECT_FALSE(event_counts().contains("membership.cancelled"));
}

// ---- the allowance running low -------------------------------------------------------------------

TEST(AllowanceLowAfter, WarnsOnlyWhenAPullTakesTheAllowanceBelowTwoRenewals) {
    constexpr std::int64_t p = 10;
    EXPECT_FALSE(allowance_low_after(std::nullopt, p, 5 * p)) << "unknown: recorded before migration 11";
    EXPECT_FALSE(allowance_low_after(3 * p, p, std::nullopt)) << "leaves two";
    const auto crossed = allowance_low_after(2 * p, p, std::nullopt);
    ASSERT_TRUE(crossed);
    EXPECT_EQ(crossed->delegated_minor_units, p);
    EXPECT_EQ(crossed->renewals_covered, 1);
    EXPECT_FALSE(allowance_low_after(p, p, std::nullopt)) << "already low before this pull";
    EXPECT_FALSE(allowance_low_after(p, p, 0)) << "and after the previous one";
    const auto partial = allowance_low_after(3 * p - 1, p, std::nullopt);
    ASSERT_TRUE(partial) << "2.9 periods before, 1.9 after";
    EXPECT_EQ(partial->delegated_minor_units, 2 * p - 1);
    EXPECT_EQ(partial->renewals_covered, 1);
    // Another subscription on the account spent it since this one's previous pull left two.
    const auto shared = allowance_low_after(p, p, 2 * p);
    ASSERT_TRUE(shared);
    EXPECT_EQ(shared->delegated_minor_units, 0);
    EXPECT_EQ(shared->renewals_covered, 0);
    EXPECT_FALSE(allowance_low_after(p - 1, p, 2 * p)) << "a pull the allowance could not cover";
}

// Subscriptions approved for three periods (--renewal-allowance 3), so that the allowance runs low quickly.
class AllowanceLowTest : public SubscriptionTest {
protected:
    static constexpr std::int64_t kAllowancePeriods = 3;
    void configure(ServerConfig& config) override { config.renewal_allowance_periods = kAllowancePeriods; }

    // The data of every membership.allowance_low, oldest first.
    std::vector<nlohmann::json> allowance_low_events() {
        auto events = app_->payments().events_for(merchant_id_, 200);
        EXPECT_TRUE(events);
        std::vector<nlohmann::json> out;
        if (!events) return out;
        for (auto it = events->rbegin(); it != events->rend(); ++it) {
            if (it->type == models::EventType::MembershipAllowanceLow) out.push_back(it->data);
        }
        return out;
    }
    std::uint64_t delegated(const Ed25519Keypair& buyer) {
        const auto state = token_state(wallet_of(buyer));
        return state ? state->delegated_amount : 0;
    }
    // The allowance each renewal of `membership_id` drew on, as recorded when it was sent, by period.
    std::map<std::int64_t, std::optional<std::int64_t>> recorded_allowances(const std::string& membership_id) {
        std::map<std::int64_t, std::optional<std::int64_t>> out;
        auto db = Database::open((dir_ / "hilt.sqlite").string());
        EXPECT_TRUE(db);
        if (!db) return out;
        auto read = db->prepare(
            "SELECT period_index, allowance_available_minor_units FROM renewals WHERE membership_id = ?"
            " AND payment_id IS NOT NULL");
        EXPECT_TRUE(read);
        read->bind(1, membership_id);
        while (true) {
            auto row = read->step();
            EXPECT_TRUE(row);
            if (!row || *row == StepResult::Done) break;
            out[read->column_int(0)] = read->column_optional_int(1);
        }
        return out;
    }
    void renew_at_next(const std::string& membership_id) {
        clock_to(seconds(membership(membership_id)["next_renewal_at"]));
        renew_once();
    }
};

TEST_F(AllowanceLowTest, TheRenewalThatLeavesOneCoveredWarnsOnceWithTheAllowanceOnChain) {
    const auto slug = automatic_product()["slug"].get<std::string>();
    const auto buyer = new_buyer(100'000'000);
    const auto id = subscribe(slug, buyer)["membership_id"].get<std::string>();
    ASSERT_EQ(delegated(buyer), static_cast<std::uint64_t>(3 * kPrice));

    renew_at_next(id);  // 3 periods covered before, 2 after
    EXPECT_TRUE(allowance_low_events().empty());
    renew_at_next(id);  // 2 before, 1 after: the buyer has a period to approve more
    auto low = allowance_low_events();
    ASSERT_EQ(low.size(), 1u);
    EXPECT_EQ(low[0]["membership_id"], id);
    EXPECT_EQ(low[0]["renewal_count"], 2);
    EXPECT_EQ(low[0]["status"], "ACTIVE");
    EXPECT_EQ(low[0]["next_renewal_at"], membership(id)["next_renewal_at"]) << "the membership after the renewal";
    EXPECT_EQ(low[0]["allowance"]["delegated_minor_units"], kPrice);
    EXPECT_EQ(low[0]["allowance"]["renewals_covered"], 1);
    EXPECT_EQ(low[0]["allowance"]["delegated_minor_units"].get<std::uint64_t>(), delegated(buyer))
        << "what the token account still allows Hilt";
    EXPECT_EQ(recorded_allowances(id),
              (std::map<std::int64_t, std::optional<std::int64_t>>{{1, 3 * kPrice}, {2, 2 * kPrice}}));

    renew_at_next(id);  // 1 before, 0 after: no second warning
    EXPECT_EQ(allowance_low_events().size(), 1u);
    EXPECT_EQ(delegated(buyer), 0u);
    EXPECT_EQ(membership(id)["renewal_count"], 3);
    const auto events = event_counts();
    EXPECT_EQ(events.at("membership.renewed"), 3);
    EXPECT_EQ(events.at("membership.allowance_low"), 1);
}

TEST_F(AllowanceLowTest, ABuyerWhoApprovesMoreIsWarnedAgainWhenTheNewAllowanceRunsLow) {
    const auto slug = automatic_product()["slug"].get<std::string>();
    const auto buyer = new_buyer(100'000'000);
    const auto id = subscribe(slug, buyer)["membership_id"].get<std::string>();
    renew_at_next(id);
    renew_at_next(id);
    ASSERT_EQ(allowance_low_events().size(), 1u);

    // The buyer approves three more periods on the manage page: one price left + three.
    auto built = manage_post(id, "transaction", {{"action", "REAPPROVE"}});
    ASSERT_TRUE(built);
    ASSERT_EQ(built->status, 200) << built->body;
    EXPECT_EQ(json_of(built)["approval"]["allowance_minor_units"], 4 * kPrice);
    auto submitted = manage_submit(id, "REAPPROVE", sign(parsed(json_of(built)), buyer));
    ASSERT_TRUE(submitted);
    ASSERT_EQ(submitted->status, 200) << submitted->body;
    app_->sandbox()->advance_slots(1);
    ASSERT_EQ(delegated(buyer), static_cast<std::uint64_t>(4 * kPrice));

    renew_at_next(id);  // 4 -> 3
    renew_at_next(id);  // 3 -> 2
    EXPECT_EQ(allowance_low_events().size(), 1u);
    renew_at_next(id);  // 2 -> 1: a new crossing
    const auto low = allowance_low_events();
    ASSERT_EQ(low.size(), 2u);
    EXPECT_EQ(low[1]["renewal_count"], 5);
    EXPECT_EQ(low[1]["allowance"]["delegated_minor_units"], kPrice);
    EXPECT_EQ(low[1]["allowance"]["renewals_covered"], 1);
    EXPECT_EQ(delegated(buyer), static_cast<std::uint64_t>(kPrice));
}

TEST_F(AllowanceLowTest, TwoSubscriptionsSharingAnAccountAreEachWarnedOnceAsTheSharedAllowanceRunsLow) {
    const auto a = automatic_product()["slug"].get<std::string>();
    const auto b = automatic_product()["slug"].get<std::string>();
    const auto buyer = new_buyer(100'000'000);
    const auto one = subscribe(a, buyer)["membership_id"].get<std::string>();
    const auto two = subscribe(b, buyer)["membership_id"].get<std::string>();
    ASSERT_EQ(delegated(buyer), static_cast<std::uint64_t>(6 * kPrice)) << "3 periods of each";
    ASSERT_EQ(membership(one)["next_renewal_at"], membership(two)["next_renewal_at"]);

    // Each pass pulls both from one allowance: 6 -> 4 -> 2 -> 0 prices.
    for (int k = 1; k <= 3; ++k) {
        SCOPED_TRACE("pass " + std::to_string(k));
        clock_to(seconds(membership(one)["next_renewal_at"]));
        ASSERT_EQ(renewal_pass().sent, 2u);
        app_->sandbox()->advance_slots(1);
        ASSERT_EQ(renewal_pass().settled, 2u);
        if (k < 3) {
            EXPECT_TRUE(allowance_low_events().empty());
        }
    }
    // The third pass: the first pull drew on 2 prices and left 1; the second drew on 1 and left none. Neither
    // pull covered two renewals after it, and each subscription's previous pull left two or more.
    const auto low = allowance_low_events();
    ASSERT_EQ(low.size(), 2u);
    std::map<std::string, nlohmann::json> by_membership;
    for (const auto& data : low) by_membership[data["membership_id"].get<std::string>()] = data["allowance"];
    ASSERT_EQ(by_membership.size(), 2u) << "one warning each";
    const auto first_pulled = by_membership.at(one)["renewals_covered"] == 1 ? one : two;
    const auto second_pulled = first_pulled == one ? two : one;
    EXPECT_EQ(by_membership.at(first_pulled),
              (nlohmann::json{{"delegated_minor_units", kPrice}, {"renewals_covered", 1}}));
    EXPECT_EQ(by_membership.at(second_pulled),
              (nlohmann::json{{"delegated_minor_units", 0}, {"renewals_covered", 0}}));
    EXPECT_EQ(delegated(buyer), 0u) << "the last pull's figure is the account's";
    EXPECT_EQ(recorded_allowances(first_pulled).at(3), 2 * kPrice);
    EXPECT_EQ(recorded_allowances(second_pulled).at(3), kPrice) << "less what the pass already pulled";

    // Nothing left: the next pass fails both, and warns no more.
    clock_to(seconds(membership(one)["next_renewal_at"]));
    EXPECT_EQ(renewal_pass().failed, 2u);
    EXPECT_EQ(allowance_low_events().size(), 2u);
}

TEST_F(AllowanceLowTest, ARenewalWhoseAllowanceWasNotRecordedWarnsNothing) {
    const auto slug = automatic_product()["slug"].get<std::string>();
    const auto buyer = new_buyer(100'000'000);
    const auto id = subscribe(slug, buyer)["membership_id"].get<std::string>();
    renew_at_next(id);
    // The second renewal is sent, then its recorded allowance is lost, as for a row sent before migration 11.
    clock_to(seconds(membership(id)["next_renewal_at"]));
    ASSERT_EQ(renewal_pass().sent, 1u);
    {
        auto db = Database::open((dir_ / "hilt.sqlite").string());
        ASSERT_TRUE(db);
        ASSERT_TRUE(db->exec("UPDATE renewals SET allowance_available_minor_units = NULL WHERE period_index = 2").ok());
    }
    app_->sandbox()->advance_slots(1);
    ASSERT_EQ(renewal_pass().settled, 1u);
    EXPECT_EQ(membership(id)["renewal_count"], 2);
    EXPECT_TRUE(allowance_low_events().empty()) << "unknown: no warning";
    renew_at_next(id);
    EXPECT_TRUE(allowance_low_events().empty()) << "the third pull started low, and its previous is unknown";
}

// ---- the worker's pace ---------------------------------------------------------------------------

TEST_F(SubscriptionTest, ABatchOfSettlementsCommitsTogetherAndOneThatFailsLeavesTheOthers) {
    const auto slug = automatic_product()["slug"].get<std::string>();
    const auto one = subscribe(slug, new_buyer(100'000'000))["membership_id"].get<std::string>();
    const auto two = subscribe(slug, new_buyer(100'000'000))["membership_id"].get<std::string>();
    clock_to(seconds(membership(one)["next_renewal_at"]));
    ASSERT_EQ(renewal_pass().sent, 2u);
    auto in_flight = app_->payments().renewals_in_flight(10);
    ASSERT_TRUE(in_flight);
    ASSERT_EQ(in_flight->size(), 2u);
    const auto settlement_of = [&](const PaymentRecord& p) {
        return Settlement{p.payment_id, p.tx_signature.value_or(""), p.buyer_wallet.value_or(solana::PublicKey{}),
                          1, false, 0, 0, models::Timestamp{clock_.now_seconds()}, std::nullopt};
    };
    auto unknown = settlement_of(in_flight->front());
    unknown.payment_id = "pay_unknown1234567890123456";
    const auto receipt_key = ed25519_keypair_random();
    auto outcomes = app_->payments().settle_all(
        {settlement_of((*in_flight)[0]), unknown, settlement_of((*in_flight)[1])}, receipt_key);
    ASSERT_TRUE(outcomes) << describe(outcomes.error());
    ASSERT_EQ(outcomes->size(), 3u);
    EXPECT_TRUE((*outcomes)[0] && *(*outcomes)[0]);
    ASSERT_FALSE((*outcomes)[1]);
    EXPECT_EQ((*outcomes)[1].error().code, ErrorCode::NotFound) << describe((*outcomes)[1].error());
    EXPECT_TRUE((*outcomes)[2] && *(*outcomes)[2]);
    EXPECT_EQ(membership(one)["renewal_count"], 1);
    EXPECT_EQ(membership(two)["renewal_count"], 1);
    EXPECT_EQ(event_counts().at("membership.renewed"), 2);
    auto again = app_->payments().settle_all({settlement_of((*in_flight)[1])}, receipt_key);
    ASSERT_TRUE(again);
    ASSERT_EQ(again->size(), 1u);
    EXPECT_TRUE(again->front() && !*again->front()) << "settled once: a second settlement writes nothing";
    EXPECT_EQ(event_counts().at("membership.renewed"), 2);
}

// A renewal worker that claims two renewals a pass.
class RenewalPaceTest : public SubscriptionTest {
protected:
    void configure(ServerConfig& config) override { config.renewal_batch = 2; }
};

TEST_F(RenewalPaceTest, APassThatClaimsAFullBatchIsFollowedAtOnceRatherThanAfterTheInterval) {
    const auto slug = automatic_product()["slug"].get<std::string>();
    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i) {
        ids.push_back(subscribe(slug, new_buyer(100'000'000))["membership_id"].get<std::string>());
    }
    clock_to(seconds(membership(ids[0])["next_renewal_at"]));

    // Passes of 2, 2 and 1 claims: the first two are full, so the third follows them without waiting an hour.
    app_->renewal_worker().start(std::chrono::hours(1));
    const auto in_flight = [&] {
        auto renewals = app_->payments().renewals_in_flight(10);
        EXPECT_TRUE(renewals);
        return renewals ? renewals->size() : 0;
    };
    for (int i = 0; i < 1000 && in_flight() < ids.size(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));  // the worker's thread is sending
    }
    app_->renewal_worker().stop();
    EXPECT_EQ(in_flight(), ids.size()) << "every due renewal was sent by passes that followed one another";

    // The last pass was not full: the worker waited (an hour), and stop() ended the wait.

    // Settling is paced the same way: a pass that settles a full batch says so.
    app_->sandbox()->advance_slots(1);
    for (const std::size_t settled : {2u, 2u, 1u, 0u}) {
        const auto pass = renewal_pass();
        EXPECT_EQ(pass.claimed, 0u);
        EXPECT_EQ(pass.settled, settled);
        EXPECT_EQ(pass.full, settled == 2u);
    }
    for (const auto& id : ids) EXPECT_EQ(membership(id)["renewal_count"], 1) << id;
}

}  // namespace
}  // namespace hilt::server
