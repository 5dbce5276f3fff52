// shared/flow/manage_machine.h: the subscriber's manage page (/m/{membership_id}#k=<token>) as a pure
// state machine (issue 7).
//
// Owns: the page's states (the subscription as the server reads it on chain, the cancel
// confirmation, the wallet steps of a cancel or a re-approval, the outcome), the events that move it
// and the effects it asks the platform to perform, plus the plain sentences the view draws and the
// aria-live region hears, and describe() for the JS test bridge. The manage routes
// (docs/api.md "The subscriber's manage routes") are its API: GET …/manage, POST …/manage/transaction,
// POST …/manage/submit, each with the link's token.
// Must never: read a clock, touch the network, storage or a wallet, or decide what a transaction
// does (the server builds it and checks the signed one). Like the checkout machine, every reply is
// accepted only while its request id is the one the current phase waits for.
//
// The buyer's path:
//   Booting -Start-> Loading -view-> Overview
//   Overview -Choose{CANCEL}-> ConfirmCancel -Confirm-> (wallet) ;  Overview -Choose{REAPPROVE}-> (wallet)
//   (wallet)  ConnectingWallet -connected (the subscription's wallet)-> BuildingTransaction -tx->
//             AwaitingSignature -signed-> Submitting -view after-> Overview (outcome set)
// Side exits: WrongWallet (Phantom holds another key), WalletRejected, NetworkError (Retry repeats the
// step), Unavailable (the link is not valid: terminal). A refusal of the server (409: the subscription
// changed meanwhile) reloads the view and shows the server's sentence on the Overview.
// Signing needs Phantom's provider: the extension, or Phantom's in-app browser on a phone
// (OpenInPhantom reopens this page there, the token kept in the fragment).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "flow/checkout_machine.h"
#include "models/membership.h"

namespace hilt::flow::manage {

// What a NetworkError repeats on Retry.
enum class Step : std::uint8_t { FetchView, RequestTransaction, Submit };

// What the buyer did on this page, shown above the subscription once the server confirmed it.
enum class Outcome : std::uint8_t { Cancelled, Reapproved };

// ---- events ---------------------------------------------------------------------------------------
namespace events {
struct Start {  // page load: /m/{membership_id}#k=<token>
    std::string membership_id;
    std::string token;
    Environment env;  // page_url: this page without the fragment
    Timestamp now;
    friend bool operator==(const Start&, const Start&) = default;
};
struct Tick {
    Timestamp now;
    friend bool operator==(const Tick&, const Tick&) = default;
};
struct Choose {  // "Cancel subscription" / "Approve more renewals"
    models::ManageAction action = models::ManageAction::Cancel;
    friend bool operator==(const Choose&, const Choose&) = default;
};
struct Confirm {  // "Yes, cancel" on the confirmation step
    friend bool operator==(const Confirm&, const Confirm&) = default;
};
struct Back {  // "Keep my subscription", Escape: abandon the step
    friend bool operator==(const Back&, const Back&) = default;
};
struct Retry {
    friend bool operator==(const Retry&, const Retry&) = default;
};
struct OpenInPhantom {  // a phone without the provider: this page in Phantom's browser
    friend bool operator==(const OpenInPhantom&, const OpenInPhantom&) = default;
};
struct ViewReplied {
    RequestId request = 0;
    Reply<models::ManageView> reply;
    friend bool operator==(const ViewReplied&, const ViewReplied&) = default;
};
struct TransactionReplied {
    RequestId request = 0;
    Reply<models::TransactionResponse> reply;
    friend bool operator==(const TransactionReplied&, const TransactionReplied&) = default;
};
struct SubmitReplied {
    RequestId request = 0;
    Reply<models::ManageView> reply;
    friend bool operator==(const SubmitReplied&, const SubmitReplied&) = default;
};
using flow::events::WalletConnected;
using flow::events::WalletFailed;
using flow::events::WalletSigned;
}  // namespace events

using Event = std::variant<events::Start, events::Tick, events::Choose, events::Confirm, events::Back,
                           events::Retry, events::OpenInPhantom, events::ViewReplied,
                           events::TransactionReplied, events::SubmitReplied, events::WalletConnected,
                           events::WalletSigned, events::WalletFailed>;

// ---- effects --------------------------------------------------------------------------------------
namespace effects {
struct FetchView {  // GET /v1/memberships/{id}/manage (X-Hilt-Manage-Token) -> ViewReplied
    RequestId request = 0;
    std::string membership_id;
    std::string token;
    friend bool operator==(const FetchView&, const FetchView&) = default;
};
struct RequestTransaction {  // POST …/manage/transaction {action} -> TransactionReplied
    RequestId request = 0;
    std::string membership_id;
    std::string token;
    models::ManageAction action = models::ManageAction::Cancel;
    friend bool operator==(const RequestTransaction&, const RequestTransaction&) = default;
};
struct Submit {  // POST …/manage/submit {action, signed_transaction} -> SubmitReplied
    RequestId request = 0;
    std::string membership_id;
    std::string token;
    models::ManageSubmitRequest body;
    friend bool operator==(const Submit&, const Submit&) = default;
};
using flow::effects::Announce;
using flow::effects::ConnectExtension;
using flow::effects::OpenDeeplink;
using flow::effects::SignWithExtension;
}  // namespace effects

using Effect = std::variant<effects::FetchView, effects::RequestTransaction, effects::Submit,
                            effects::ConnectExtension, effects::SignWithExtension, effects::OpenDeeplink,
                            effects::Announce>;

// ---- state ----------------------------------------------------------------------------------------
struct Context {
    std::string membership_id;
    std::string token;
    Environment env;
    std::optional<Timestamp> now;
    RequestId last_request = 0;
    std::optional<models::ManageView> view;          // the last answer of the server
    std::optional<models::ManageAction> action;      // the change under way
    std::optional<PublicKey> wallet;                 // the key Phantom connected
    std::optional<models::RenewalApproval> approval;  // what the transaction to sign approves
    std::optional<std::string> signed_transaction;   // kept for a Retry of Submit
    std::optional<Outcome> outcome;                  // set once the server recorded the change
    std::optional<std::string> refusal;              // the server's sentence when it refused the change

    friend bool operator==(const Context&, const Context&) = default;
};

namespace phases {
struct Booting {
    friend bool operator==(const Booting&, const Booting&) = default;
};
struct Loading {
    RequestId request = 0;
    friend bool operator==(const Loading&, const Loading&) = default;
};
struct Overview {  // the subscription and what the buyer can do
    friend bool operator==(const Overview&, const Overview&) = default;
};
struct ConfirmCancel {  // "Cancel your subscription?" with what it means
    friend bool operator==(const ConfirmCancel&, const ConfirmCancel&) = default;
};
struct ConnectingWallet {
    RequestId request = 0;
    friend bool operator==(const ConnectingWallet&, const ConnectingWallet&) = default;
};
struct BuildingTransaction {
    RequestId request = 0;
    friend bool operator==(const BuildingTransaction&, const BuildingTransaction&) = default;
};
struct AwaitingSignature {
    RequestId request = 0;
    std::string transaction;  // base64 unsigned
    friend bool operator==(const AwaitingSignature&, const AwaitingSignature&) = default;
};
struct Submitting {
    RequestId request = 0;
    friend bool operator==(const Submitting&, const Submitting&) = default;
};
struct WrongWallet {  // Phantom is connected to `connected`, not to the subscription's wallet
    PublicKey connected;
    friend bool operator==(const WrongWallet&, const WrongWallet&) = default;
};
struct WalletRejected {
    WalletStep step = WalletStep::Connect;
    int code = 0;
    std::string message;
    friend bool operator==(const WalletRejected&, const WalletRejected&) = default;
};
struct NetworkError {
    Step step = Step::FetchView;
    ApiFailure failure;
    friend bool operator==(const NetworkError&, const NetworkError&) = default;
};
struct Unavailable {  // the link names no subscription (404) or cannot be read: terminal
    ApiFailure failure;
    friend bool operator==(const Unavailable&, const Unavailable&) = default;
};
}  // namespace phases

using Phase = std::variant<phases::Booting, phases::Loading, phases::Overview, phases::ConfirmCancel,
                           phases::ConnectingWallet, phases::BuildingTransaction, phases::AwaitingSignature,
                           phases::Submitting, phases::WrongWallet, phases::WalletRejected,
                           phases::NetworkError, phases::Unavailable>;

struct State {
    Context ctx;
    Phase phase;
    friend bool operator==(const State&, const State&) = default;
};

struct Transition {
    State state;
    std::vector<Effect> effects;
};

// ---- API ------------------------------------------------------------------------------------------
// reduce is total, like the checkout's: an event that makes no sense in the phase, or a reply whose id
// is not pending, changes nothing and emits nothing.
State initial_state();
Transition reduce(const State& state, const Event& event);
std::vector<RequestId> pending_requests(const State& state);

// Whether the buyer can sign here (Phantom's provider on the page).
bool can_sign(const State& state);
bool can_choose(const State& state, models::ManageAction action);

// The view's sentences, each "" when it does not apply.
// "Renews automatically on 29 December 2026: 12.50 USDC every 30 days." / "Cancelled. Your access
// lasts until 29 December 2026." / "Your last renewal did not go through …" / "This membership ended
// on …".
std::string status_sentence(const State& state);
// "Hilt may renew 11 more times from this wallet's approval (137.50 USDC)." / the approval is gone.
std::string allowance_sentence(const State& state);
// What cancelling means, on the confirmation step.
std::string cancel_sentence(const State& state);
// The outcome, once recorded ("Your subscription is cancelled. …").
std::string outcome_sentence(const State& state);
// The approval the transaction being signed gives (REAPPROVE, or a lowered shared approval).
std::string approval_sentence(const State& state);

std::string_view state_name(const State& state);
std::string_view to_string(Step step);
std::string_view to_string(Outcome outcome);
// {"state", "membership_id", "status"?, "next_renewal_at"?, "can_cancel", "can_reapprove",
//  "outcome"?, "refusal"?, "wallet"?, "approval"?, "sentence", plus the phase's own fields}
std::string describe(const State& state);

}  // namespace hilt::flow::manage
