// The checkout machine under thousands of random event sequences: replies to real and stale
// requests, random failures, wallet refusals, ticks past expiry, visibility flips, buyer intents
// and page reloads (a fresh machine restored from what PersistSession last stored). Invariants are
// checked after every step; a failure prints the seed and step so the sequence can be replayed.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "flow/checkout_machine.h"
#include "flow/session_snapshot.h"
#include "unit/flow/checkout_test_support.h"

namespace hilt::flow {
namespace {

using namespace hilt::flow::test;
using models::PaymentStatus;

// Enough sequences to reach every phase and every end many times over.
constexpr std::uint64_t kSequences = 2000;
// Long enough to finish a path (a happy path takes ~10 events) and then poke the end state.
constexpr int kStepsPerSequence = 60;

// splitmix64: the same numbers natively and in WASM (no std distribution involved).
struct Random {
    std::uint64_t state;
    std::uint64_t next() {
        std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    std::uint64_t below(std::uint64_t n) { return next() % n; }
    bool chance(int percent) { return below(100) < static_cast<std::uint64_t>(percent); }
};

std::optional<RequestId> request_of(const Effect& effect) {
    return std::visit(
        [](const auto& e) -> std::optional<RequestId> {
            if constexpr (requires { e.request; }) {
                return e.request;
            } else {
                return std::nullopt;
            }
        },
        effect);
}

std::optional<RequestId> request_of(const Event& event) {
    return std::visit(
        [](const auto& e) -> std::optional<RequestId> {
            using E = std::decay_t<decltype(e)>;
            if constexpr (requires { e.request; } && !std::is_same_v<E, events::Restore>) {
                return e.request;
            } else {
                return std::nullopt;
            }
        },
        event);
}

ApiFailure random_failure(Random& rng) {
    switch (rng.below(8)) {
        case 0:
            return offline();
        case 1:
            return api_error(503, ErrorCode::ChainUnavailable);
        case 2:
            return api_error(429, ErrorCode::RateLimited);
        case 3:
            return api_error(410, ErrorCode::SessionExpired);
        case 4:
            return api_error(409, ErrorCode::Conflict);
        case 5:
            return api_error(422, ErrorCode::ValidationFailed);
        case 6:
            return api_error(404, ErrorCode::NotFound);
        default:
            return api_error(409, ErrorCode::HandoffUsed);
    }
}

PaymentStatus random_status(Random& rng) {
    constexpr PaymentStatus kAll[] = {PaymentStatus::PendingSignature,
                                      PaymentStatus::PendingConfirmation, PaymentStatus::Confirmed,
                                      PaymentStatus::Failed};
    return kAll[rng.below(4)];
}

CheckoutRoute random_route(Random& rng) {
    constexpr CheckoutRoute kAll[] = {CheckoutRoute::PhantomExtension, CheckoutRoute::PhantomMobile,
                                      CheckoutRoute::SolanaPayQr};
    return kAll[rng.below(3)];
}

// A well-formed answer (or failure) to one request effect.
Event answer(Random& rng, const Effect& effect, RequestId id, std::uint64_t& signed_counter) {
    const bool ok = rng.chance(85);
    if (std::holds_alternative<effects::FetchPayload>(effect)) {
        if (ok) return events::PayloadReplied{id, sample_payload(random_route(rng))};
        return events::PayloadReplied{id, random_failure(rng)};
    }
    if (std::holds_alternative<effects::ResolveHandoff>(effect)) {
        if (ok) return events::HandoffReplied{id, sample_handoff(rng.chance(90) ? kSlug : "other")};
        return events::HandoffReplied{id, random_failure(rng)};
    }
    if (std::holds_alternative<effects::StartSession>(effect)) {
        if (ok) {
            return events::SessionReplied{
                id, sample_session(rng.chance(80), static_cast<std::int64_t>(30 + rng.below(900)))};
        }
        return events::SessionReplied{id, random_failure(rng)};
    }
    if (std::holds_alternative<effects::FetchSession>(effect)) {  // a ?payment= link's session, any status
        if (ok) {
            auto session = sample_session(rng.chance(80), static_cast<std::int64_t>(30 + rng.below(900)));
            session.status = random_status(rng);
            return events::SessionReplied{id, session};
        }
        return events::SessionReplied{id, random_failure(rng)};
    }
    if (std::holds_alternative<effects::ConnectExtension>(effect)) {
        if (ok) return events::WalletConnected{id, buyer_key()};
        return events::WalletFailed{id, rng.chance(50) ? 4001 : -32603, "no"};
    }
    if (std::holds_alternative<effects::RequestTransaction>(effect)) {
        if (ok) {  // an AUTOMATIC product's transaction also approves the renewal delegate
            return events::TransactionReplied{
                id, rng.chance(30) ? sample_transaction_with_approval() : sample_transaction()};
        }
        return events::TransactionReplied{id, random_failure(rng)};
    }
    if (std::holds_alternative<effects::SignWithExtension>(effect)) {
        if (ok) {
            const bool empty = rng.chance(5);
            return events::WalletSigned{id,
                                        empty ? "" : "signed-" + std::to_string(++signed_counter)};
        }
        return events::WalletFailed{id, 4001, "User rejected the request."};
    }
    if (std::holds_alternative<effects::Broadcast>(effect)) {
        if (ok) return events::BroadcastReplied{id, sample_broadcast()};
        return events::BroadcastReplied{id, random_failure(rng)};
    }
    if (std::holds_alternative<effects::PollStatus>(effect)) {
        if (ok) {
            const auto status = random_status(rng);
            std::optional<models::FailureReason> reason;
            if (status == PaymentStatus::Failed) {
                reason = rng.chance(50) ? models::FailureReason::Expired
                                        : models::FailureReason::TransactionFailed;
            }
            auto payment = payment_with(status, reason);
            if (rng.chance(3)) payment.payment_id = "pay_someoneElse";
            return events::StatusReplied{id, payment};
        }
        return events::StatusReplied{id, random_failure(rng)};
    }
    if (std::holds_alternative<effects::Confirm>(effect)) {
        if (ok) return events::ConfirmReplied{id, confirmation_with(random_status(rng))};
        return events::ConfirmReplied{id, random_failure(rng)};
    }
    return events::Tick{at(0)};
}

struct Harness {
    Random rng{0};
    std::uint64_t seed = 0;
    State state = initial_state();
    Environment env;
    Timestamp now = at(0);
    bool visible = true;
    std::optional<SessionSnapshot> storage;  // what PersistSession stored, as browser storage would
    std::vector<Effect> outstanding;         // request effects of this page, newest last
    std::optional<Effect> pending_deeplink;  // a deeplink the page navigated to
    std::set<std::string> signed_by_wallet;  // every signed transaction a wallet handed over
    RequestId highest_id = 0;
    std::uint64_t signed_counter = 0;
    std::optional<std::string> first_signed;  // of this page's life
    bool saw_confirmed_status = false;        // a CONFIRMED status reached this page
    int step = 0;
    Event last_event = events::Retry{};  // for the failure message

    std::string where() const {
        std::ostringstream out;
        out << "seed " << seed << " step " << step << " state " << describe(state);
        return out.str();
    }

    void new_page() {
        state = initial_state();
        outstanding.clear();
        first_signed.reset();
        saw_confirmed_status = false;
        pending_deeplink.reset();
    }

    // A fresh page load: Restore from storage when something is stored, else Start.
    Event reload(std::optional<PhantomRedirect> redirect) {
        new_page();
        // A page restored from storage continues its ids; a plain load has nothing to be confused
        // with.
        highest_id = storage ? std::max(storage->last_request, storage->deeplink_request) : 0;
        if (storage) {
            // The stored value goes through its JSON form, as in the browser.
            auto parsed = parse_snapshot(dump_snapshot(*storage));
            EXPECT_TRUE(parsed) << where();
            if (parsed) return events::Restore{*parsed, std::move(redirect), env, now, visible};
        }
        return events::Start{std::string(kSlug),
                             rng.chance(30) ? std::optional<std::string>("hot_t") : std::nullopt,
                             env, now, visible,
                             rng.chance(20) ? std::optional<std::string>(kPaymentId) : std::nullopt};
    }

    Event next_event() {
        // A held signature (deeplink lane, renewal approval on screen): the buyer often continues.
        const auto* signing = std::get_if<phases::AwaitingSignature>(&state.phase);
        if (signing != nullptr && signing->held && rng.chance(40)) {
            return events::ContinueInPhantom{};
        }
        const std::uint64_t roll = rng.below(100);
        if (pending_deeplink && roll < 60) {  // Phantom redirects back (or the buyer returns)
            const auto request = request_of(*pending_deeplink).value_or(0);
            const RequestId id = rng.chance(85) ? request : request - 1;
            std::optional<PhantomRedirect> redirect;
            if (rng.chance(90)) {
                PhantomRedirect r{id, redirect::Rejected{4001, "User rejected the request."}};
                const bool ok = rng.chance(75);
                if (ok && std::holds_alternative<effects::OpenConnectDeeplink>(*pending_deeplink)) {
                    r.result = redirect::ConnectApproved{buyer_key()};
                } else if (ok) {
                    const bool empty = rng.chance(5);
                    r.result = redirect::SignApproved{
                        empty ? "" : "signed-" + std::to_string(++signed_counter)};
                } else if (rng.chance(20)) {
                    r.result = redirect::Unreadable{"decrypt_failed"};
                }
                redirect = r;
            }
            return reload(redirect);
        }
        if (roll < 55 && !outstanding.empty()) {  // answer a request, usually a recent one
            const std::size_t n = outstanding.size();
            const std::size_t index =
                rng.chance(85) ? n - 1 - rng.below(std::min<std::size_t>(n, 2)) : rng.below(n);
            const Effect effect = outstanding[index];
            return answer(rng, effect, request_of(effect).value_or(0), signed_counter);
        }
        if (roll < 63) {
            now = Timestamp{now.unix_seconds + static_cast<std::int64_t>(rng.below(90))};
            return events::Tick{now};
        }
        if (roll < 67) {
            visible = !visible;
            return events::PageVisibilityChanged{visible};
        }
        if (roll < 77) return events::ChooseRoute{random_route(rng)};
        if (roll < 84) return events::Retry{};
        if (roll < 87) return events::Back{};
        if (roll < 88) return events::CopyLink{};
        if (roll < 89) return events::OpenInPhantom{};
        if (roll < 90) return events::ContinueInPhantom{};
        if (roll < 92) return reload(std::nullopt);  // the buyer reloads the page
        // A reply with an arbitrary (usually stale or mismatched) id.
        const RequestId id = rng.below(highest_id + 3);
        Effect shape = effects::PollStatus{};
        switch (rng.below(5)) {
            case 0:
                shape = effects::FetchPayload{};
                break;
            case 1:
                shape = effects::StartSession{};
                break;
            case 2:
                shape = effects::SignWithExtension{};
                break;
            case 3:
                shape = effects::Broadcast{};
                break;
            default:
                shape = effects::Confirm{};
                break;
        }
        return answer(rng, shape, id, signed_counter);
    }

    void check(const State& before, const Event& event, const Transition& t) {
        const State& after = t.state;

        // Terminal states are never left and answer nothing (CopyLink in Confirmed copies only).
        if (is_terminal(before)) {
            EXPECT_EQ(after, before);
            for (const auto& effect : t.effects) {
                const bool copy = std::holds_alternative<events::CopyLink>(event) &&
                                  std::holds_alternative<phases::Confirmed>(before.phase) &&
                                  (std::holds_alternative<effects::CopyToClipboard>(effect) ||
                                   std::holds_alternative<effects::Announce>(effect));
                EXPECT_TRUE(copy) << effect_name(effect);
            }
        }

        // Stale replies change nothing.
        if (const auto id = request_of(event)) {
            const auto pending = pending_requests(before);
            if (std::find(pending.begin(), pending.end(), *id) == pending.end()) {
                EXPECT_EQ(after, before);
                EXPECT_TRUE(t.effects.empty());
            }
        }

        // Confirmed only right after a CONFIRMED answer to a confirm that followed a CONFIRMED
        // status.
        if (std::holds_alternative<phases::Confirmed>(after.phase) &&
            !std::holds_alternative<phases::Confirmed>(before.phase)) {
            const auto* confirm = std::get_if<events::ConfirmReplied>(&event);
            ASSERT_NE(confirm, nullptr);
            const auto* response = std::get_if<models::ConfirmResponse>(&confirm->reply);
            ASSERT_NE(response, nullptr);
            EXPECT_EQ(response->status, PaymentStatus::Confirmed);
            EXPECT_TRUE(saw_confirmed_status);
        }

        // Once signed, the page never asks for another transaction or signature, and keeps the
        // bytes.
        if (first_signed) {
            EXPECT_EQ(after.ctx.signed_transaction, first_signed);
        }

        std::size_t index = 0;
        for (const auto& effect : t.effects) {
            if (const auto id = request_of(effect)) {
                EXPECT_GT(*id, highest_id) << "request ids only grow";
                EXPECT_LE(*id, after.ctx.last_request);
                highest_id = std::max(highest_id, *id);
            }
            if (const auto* broadcast = std::get_if<effects::Broadcast>(&effect)) {
                EXPECT_FALSE(broadcast->signed_transaction.empty());
                EXPECT_TRUE(signed_by_wallet.count(broadcast->signed_transaction) == 1)
                    << "broadcasting bytes no wallet signed: " << broadcast->signed_transaction;
                EXPECT_EQ(after.ctx.signed_transaction, broadcast->signed_transaction);
            }
            if (first_signed) {
                EXPECT_FALSE(std::holds_alternative<effects::RequestTransaction>(effect) ||
                             std::holds_alternative<effects::SignWithExtension>(effect) ||
                             std::holds_alternative<effects::OpenSignDeeplink>(effect))
                    << effect_name(effect);
            }
            if (const auto* poll = std::get_if<effects::PollStatus>(&effect)) {
                EXPECT_LE(poll->after_ms, kMaxPollDelayMs);
                EXPECT_TRUE(poll->after_ms == 0 || poll->after_ms == 1000 ||
                            poll->after_ms == 2000 || poll->after_ms == 4000 ||
                            poll->after_ms == 8000)
                    << poll->after_ms;
                EXPECT_TRUE(after.ctx.visible) << "no polling while the page is hidden";
            }
            if (std::holds_alternative<effects::Confirm>(effect)) {
                EXPECT_TRUE(saw_confirmed_status || std::holds_alternative<events::Retry>(event));
            }
            const bool deeplink = std::holds_alternative<effects::OpenConnectDeeplink>(effect) ||
                                  std::holds_alternative<effects::OpenSignDeeplink>(effect);
            if (deeplink) {  // saved first, with the id the redirect will carry
                ASSERT_GT(index, 0u);
                const auto* persist = std::get_if<effects::PersistSession>(&t.effects[index - 1]);
                ASSERT_NE(persist, nullptr);
                EXPECT_EQ(persist->snapshot.deeplink_request, request_of(effect));
            }
            ++index;
        }

        // Held for the buyer to read the renewal approval: nothing is asked of a wallet yet.
        if (const auto* signing = std::get_if<phases::AwaitingSignature>(&after.phase);
            signing != nullptr && signing->held) {
            EXPECT_EQ(after.ctx.route, CheckoutRoute::PhantomMobile);
            EXPECT_TRUE(after.ctx.approval);
            EXPECT_TRUE(pending_requests(after).empty());
            for (const auto& effect : t.effects) {
                EXPECT_FALSE(std::holds_alternative<effects::OpenSignDeeplink>(effect) ||
                             std::holds_alternative<effects::SignWithExtension>(effect))
                    << effect_name(effect);
            }
        }

        const auto remaining = seconds_remaining(after);
        if (remaining) {
            EXPECT_GE(*remaining, 0);
        }
        EXPECT_FALSE(state_name(after).empty());
        if (step % 64 == 0) {
            EXPECT_FALSE(nlohmann::json::parse(describe(after), nullptr, false).is_discarded());
        }
    }

    // Applies one event and updates what the simulated browser and wallet know.
    void apply(const Event& event) {
        if (const auto* signed_tx = std::get_if<events::WalletSigned>(&event)) {
            if (!signed_tx->signed_transaction.empty())
                signed_by_wallet.insert(signed_tx->signed_transaction);
        }
        if (const auto* restore = std::get_if<events::Restore>(&event);
            restore && restore->redirect) {
            if (const auto* ok = std::get_if<redirect::SignApproved>(&restore->redirect->result)) {
                if (!ok->signed_transaction.empty())
                    signed_by_wallet.insert(ok->signed_transaction);
            }
        }
        if (const auto* status = std::get_if<events::StatusReplied>(&event)) {
            const auto* payment = std::get_if<models::Payment>(&status->reply);
            const auto pending = pending_requests(state);
            const bool current =
                std::find(pending.begin(), pending.end(), status->request) != pending.end();
            if (current && payment && payment->status == PaymentStatus::Confirmed) {
                saw_confirmed_status = true;
            }
        }

        Transition t = reduce(state, event);
        last_event = event;
        check(state, event, t);
        state = std::move(t.state);
        if (!first_signed && state.ctx.signed_transaction)
            first_signed = state.ctx.signed_transaction;

        for (const auto& effect : t.effects) {
            if (const auto* persist = std::get_if<effects::PersistSession>(&effect))
                storage = persist->snapshot;
            if (std::holds_alternative<effects::ClearSession>(effect)) storage.reset();
            const bool deeplink = std::holds_alternative<effects::OpenConnectDeeplink>(effect) ||
                                  std::holds_alternative<effects::OpenSignDeeplink>(effect);
            if (deeplink) pending_deeplink = effect;
            if (request_of(effect)) outstanding.push_back(effect);
        }
    }
};

TEST(CheckoutMachineProperty, RandomSequencesKeepEveryInvariant) {
    // How many sequences passed through each state: the walk must reach every one of them, or the
    // invariants above proved little.
    std::map<std::string_view, std::size_t> reached;
    std::size_t signed_pages = 0;
    for (std::uint64_t seed = 1; seed <= kSequences; ++seed) {
        Harness h;
        h.rng = Random{seed};
        h.seed = seed;
        switch (h.rng.below(3)) {
            case 0:
                h.env = desktop_with_extension();
                break;
            case 1:
                h.env = phone_without_provider();
                break;
            default:
                h.env = desktop_without_wallet();
                break;
        }
        std::set<std::string_view> seen;
        h.apply(h.reload(std::nullopt));
        for (h.step = 1; h.step <= kStepsPerSequence; ++h.step) {
            h.apply(h.next_event());
            if (::testing::Test::HasFatalFailure()) return;
            if (::testing::Test::HasFailure()) {
                FAIL() << "first failing sequence: " << h.where() << " after "
                       << event_name(h.last_event);
            }
            seen.insert(state_name(h.state));
            if (const auto* signing = std::get_if<phases::AwaitingSignature>(&h.state.phase);
                signing != nullptr && signing->held) {
                seen.insert("awaiting_signature_held");
            }
        }
        for (const auto name : seen) ++reached[name];
        signed_pages += h.signed_by_wallet.empty() ? 0 : 1;
    }
    for (const auto name :
         {"loading", "product_shown", "route_chosen", "connecting_wallet", "building_transaction",
          "awaiting_signature", "broadcasting", "confirming", "confirmed", "failed", "expired",
          "wallet_rejected", "network_error", "awaiting_signature_held"}) {
        EXPECT_GE(reached[name], kSequences / 100) << name << " is rarely reached";
    }
    EXPECT_GT(signed_pages, kSequences / 20);
}

}  // namespace
}  // namespace hilt::flow
