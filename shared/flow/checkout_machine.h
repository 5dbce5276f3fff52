// shared/flow/checkout_machine.h: the buyer's checkout as a pure state machine.
//
// Owns: the checkout's states, the events that move it (buyer intents, time, network replies,
// wallet answers, a page reload's restored snapshot) and the effects it asks the platform to
// perform, plus reduce(), the countdown, the poll schedule, stale-reply filtering and describe()
// for the JS test bridge. Must never: read a clock, touch the network, storage or a wallet, draw
// random numbers, or hold a secret (the Phantom deeplink keys and session live in the platform
// layer; the machine only names the deeplink it wants opened). Everything that happens arrives as
// an Event; everything it wants done leaves as an Effect. The web layer (web/) runs the effects and
// feeds their answers back; tests do the same natively.
//
// [SECTION] index
//   Limits            poll schedule, countdown announcement, snapshot version
//   Vocabulary        RequestId, Environment, ApiFailure, wallet errors, retry steps, snapshot
//   Events            events::*  and  Event
//   Effects           effects::* and  Effect
//   State             Context + one Phase alternative per screen
//   API               reduce, initial_state, seconds_remaining, poll_delay_ms, pending_requests,
//   names
//
// The buyer's paths (architecture.md "The buyer's path"):
//   every route   Booting -Start-> Loading -payload(+handoff)-> ProductShown -ChooseRoute->
//   RouteChosen
//                 (POST connect) -session-> ...
//   extension     ConnectingWallet -connected-> BuildingTransaction -tx-> AwaitingSignature
//   -signed->
//                 Broadcasting -accepted-> Confirming -CONFIRMED, confirm-> Confirmed
//   mobile        ConnectingWallet (connect deeplink; the page unloads) ... Restore{redirect} ->
//   Loading
//                 -payload-> BuildingTransaction -tx-> AwaitingSignature (sign deeplink; page
//                 unloads) ... Restore{redirect} -> Loading -payload-> Broadcasting -> Confirming
//                 -> Confirmed
//                 (a transaction that approves the renewal delegate first waits in
//                 AwaitingSignature with `held` until the buyer has read the approval:
//                 ContinueInPhantom opens it)
//   Solana Pay    after the session starts: Confirming (awaiting an outside payment; the view shows
//   the
//                 QR code of session.solana_pay_url) -> Confirmed
// Side exits: WalletRejected (Retry / Back), NetworkError (Retry repeats the failed step exactly),
// Expired, Failed. Confirmed, Failed and Expired are terminal: every later event is ignored (the
// one exception: CopyLink in Confirmed copies the delivery link and changes nothing).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error.h"
#include "models/checkout.h"
#include "models/common.h"
#include "solana/pubkey.h"

namespace hilt::flow {

using models::CheckoutRoute;
using models::Timestamp;
using solana::PublicKey;

// ---- [SECTION] Limits --------------------------------------------------------------------------

// Status polls wait kFirstPollDelayMs, then double up to kMaxPollDelayMs: 1 s, 2 s, 4 s, 8 s, 8 s,
// ...
inline constexpr std::uint32_t kFirstPollDelayMs =
    1000;  // a Solana slot is ~0.4 s; look soon after sending
inline constexpr std::uint32_t kMaxPollDelayMs =
    8000;  // a waiting buyer learns the outcome within 8 s
// Announced once (aria-live) when the session has this little time left.
inline constexpr std::int64_t kFinalMinuteSeconds = 60;  // enough to finish signing once warned
// Bumped whenever SessionSnapshot's meaning changes; an older snapshot is discarded, not misread.
inline constexpr std::int64_t kSnapshotVersion = 1;

// ---- [SECTION] Vocabulary ----------------------------------------------------------------------

// Every request effect carries a fresh id; a reply is accepted only while its id is the one the
// current phase waits for (pending_requests). Ids only grow, also across a page reload (the
// snapshot keeps the counter), so a late answer to an abandoned request can never be mistaken for a
// current one.
using RequestId = std::uint64_t;  // 0 means "none"

// What the page found about its surroundings at load.
struct Environment {
    bool extension_available =
        false;             // window.phantom?.solana?.isPhantom (extension or in-app browser)
    bool mobile = false;   // a phone: Phantom's app-switch deeplinks are possible
    std::string page_url;  // this checkout's https URL (for Phantom's browse deeplink)

    friend bool operator==(const Environment&, const Environment&) = default;
};

// Why an API call produced no value. http_status 0: no response at all (offline, timeout, CORS).
struct ApiFailure {
    int http_status = 0;
    std::optional<ErrorCode> code;  // the error body's code when it named one we know
    std::string message;            // the error body's sentence, for the view

    friend bool operator==(const ApiFailure&, const ApiFailure&) = default;
};

// A reply is the value or why there is none.
template <typename T>
using Reply = std::variant<T, ApiFailure>;

// Phantom's provider error codes (solana-phantom.md §1.2), also delivered by deeplink redirects.
namespace phantom_codes {
inline constexpr int kUserRejected = 4001;
inline constexpr int kUnauthorized = 4100;
inline constexpr int kDisconnected = 4900;
inline constexpr int kInvalidInput = -32000;
inline constexpr int kResourceUnavailable = -32002;  // a Phantom dialog is already open
inline constexpr int kTransactionRejected = -32003;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInternalError = -32603;
}  // namespace phantom_codes

enum class WalletStep : std::uint8_t { Connect, Sign };

// The request a NetworkError repeats on Retry.
enum class RetryStep : std::uint8_t {
    FetchPayload,
    ResolveHandoff,
    StartSession,
    RequestTransaction,
    Broadcast,
    Confirm,
};

// What a page reload must know to continue. Written by PersistSession, handed back by Restore.
// It holds no secret: the Phantom encryption keys and session stay in the platform's own storage.
enum class SnapshotStage : std::uint8_t {
    SessionStarted,     // POST connect answered; nothing pending in a wallet
    AwaitingConnect,    // the Phantom connect deeplink was opened (deeplink_request)
    AwaitingSignature,  // the Phantom signTransaction deeplink was opened (deeplink_request)
    Submitted,          // the server accepted the signed transaction (tx_signature)
};

struct SessionSnapshot {
    std::int64_t version = kSnapshotVersion;
    std::string slug;
    std::optional<std::string> handoff_token;
    std::optional<models::HandoffResolveResponse> handoff;
    CheckoutRoute route = CheckoutRoute::PhantomExtension;
    models::ConnectResponse session;
    std::optional<PublicKey> buyer_wallet;
    SnapshotStage stage = SnapshotStage::SessionStarted;
    RequestId deeplink_request = 0;  // the id the redirect must carry back
    std::optional<std::string> tx_signature;
    RequestId last_request = 0;  // ids continue above this after the reload

    friend bool operator==(const SessionSnapshot&, const SessionSnapshot&) = default;
};

// Phantom's answer to a deeplink, as the platform decoded it from the redirect URL (it holds the
// keys).
namespace redirect {
struct ConnectApproved {
    PublicKey public_key;
    friend bool operator==(const ConnectApproved&, const ConnectApproved&) = default;
};
struct SignApproved {
    std::string
        signed_transaction;  // base64 signed wire transaction (Phantom sends base58; converted)
    friend bool operator==(const SignApproved&, const SignApproved&) = default;
};
struct Rejected {
    int code = 0;  // errorCode
    std::string message;
    friend bool operator==(const Rejected&, const Rejected&) = default;
};
struct Unreadable {  // missing parameters, failed decryption, bad JSON
    std::string message;
    friend bool operator==(const Unreadable&, const Unreadable&) = default;
};
}  // namespace redirect

struct PhantomRedirect {
    RequestId request = 0;  // carried in our redirect_link
    std::variant<redirect::ConnectApproved, redirect::SignApproved, redirect::Rejected,
                 redirect::Unreadable>
        result;

    friend bool operator==(const PhantomRedirect&, const PhantomRedirect&) = default;
};

// ---- [SECTION] Events --------------------------------------------------------------------------
namespace events {

// Page load without a saved session: /p/{slug}[?handoff=…][&payment=…].
struct Start {
    std::string slug;
    std::optional<std::string> handoff_token;
    Environment env;
    Timestamp now;
    bool visible = true;
    // ?payment={id}: the session a page elsewhere started (Phantom's browse deeplink reopens the page
    // inside Phantom with it): continued when it is this product's and still open, else ignored.
    std::optional<std::string> payment_id;
    friend bool operator==(const Start&, const Start&) = default;
};
// Page load with a saved session (after a Phantom app-switch, or a reload while waiting).
struct Restore {
    SessionSnapshot snapshot;
    std::optional<PhantomRedirect> redirect;
    Environment env;
    Timestamp now;
    bool visible = true;
    friend bool operator==(const Restore&, const Restore&) = default;
};
// The clock, about once a second.
struct Tick {
    Timestamp now;
    friend bool operator==(const Tick&, const Tick&) = default;
};
// Buyer intents.
struct ChooseRoute {
    CheckoutRoute route = CheckoutRoute::PhantomExtension;
    friend bool operator==(const ChooseRoute&, const ChooseRoute&) = default;
};
struct Retry {
    friend bool operator==(const Retry&, const Retry&) = default;
};
struct Back {  // "Cancel" / "Choose another way to pay"
    friend bool operator==(const Back&, const Back&) = default;
};
struct CopyLink {
    friend bool operator==(const CopyLink&, const CopyLink&) = default;
};
struct OpenInPhantom {  // mobile without the in-app provider: reopen this page inside Phantom
    friend bool operator==(const OpenInPhantom&, const OpenInPhantom&) = default;
};
// The buyer has read the renewal approval and opens the sign deeplink (AwaitingSignature, held).
struct ContinueInPhantom {
    friend bool operator==(const ContinueInPhantom&, const ContinueInPhantom&) = default;
};
struct PageVisibilityChanged {
    bool visible = true;
    friend bool operator==(const PageVisibilityChanged&, const PageVisibilityChanged&) = default;
};
// Network replies.
struct PayloadReplied {
    RequestId request = 0;
    Reply<models::PublicCheckout> reply;
    friend bool operator==(const PayloadReplied&, const PayloadReplied&) = default;
};
struct HandoffReplied {
    RequestId request = 0;
    Reply<models::HandoffResolveResponse> reply;
    friend bool operator==(const HandoffReplied&, const HandoffReplied&) = default;
};
struct SessionReplied {
    RequestId request = 0;
    Reply<models::ConnectResponse> reply;
    friend bool operator==(const SessionReplied&, const SessionReplied&) = default;
};
struct TransactionReplied {
    RequestId request = 0;
    Reply<models::TransactionResponse> reply;
    friend bool operator==(const TransactionReplied&, const TransactionReplied&) = default;
};
struct BroadcastReplied {
    RequestId request = 0;
    Reply<models::BroadcastResponse> reply;
    friend bool operator==(const BroadcastReplied&, const BroadcastReplied&) = default;
};
struct StatusReplied {
    RequestId request = 0;
    Reply<models::Payment> reply;
    friend bool operator==(const StatusReplied&, const StatusReplied&) = default;
};
struct ConfirmReplied {
    RequestId request = 0;
    Reply<models::ConfirmResponse> reply;
    friend bool operator==(const ConfirmReplied&, const ConfirmReplied&) = default;
};
// Wallet answers (the extension or in-app provider; deeplink answers come through Restore).
struct WalletConnected {
    RequestId request = 0;
    PublicKey public_key;
    friend bool operator==(const WalletConnected&, const WalletConnected&) = default;
};
struct WalletSigned {
    RequestId request = 0;
    std::string signed_transaction;  // base64 signed wire transaction
    friend bool operator==(const WalletSigned&, const WalletSigned&) = default;
};
struct WalletFailed {
    RequestId request = 0;
    int code = 0;  // phantom_codes
    std::string message;
    friend bool operator==(const WalletFailed&, const WalletFailed&) = default;
};

}  // namespace events

using Event =
    std::variant<events::Start, events::Restore, events::Tick, events::ChooseRoute, events::Retry,
                 events::Back, events::CopyLink, events::OpenInPhantom, events::ContinueInPhantom,
                 events::PageVisibilityChanged, events::PayloadReplied, events::HandoffReplied,
                 events::SessionReplied, events::TransactionReplied, events::BroadcastReplied,
                 events::StatusReplied, events::ConfirmReplied, events::WalletConnected,
                 events::WalletSigned, events::WalletFailed>;

// ---- [SECTION] Effects --------------------------------------------------------------------------
// Each request effect's answer comes back as the event named in its comment, with the same request
// id.
namespace effects {

struct FetchPayload {  // GET /v1/products/p/{slug} -> PayloadReplied
    RequestId request = 0;
    std::string slug;
    friend bool operator==(const FetchPayload&, const FetchPayload&) = default;
};
struct ResolveHandoff {  // POST /v1/handoff/resolve -> HandoffReplied
    RequestId request = 0;
    std::string token;
    friend bool operator==(const ResolveHandoff&, const ResolveHandoff&) = default;
};
struct FetchSession {  // GET /v1/payments/{id}/session -> SessionReplied
    RequestId request = 0;
    std::string payment_id;
    friend bool operator==(const FetchSession&, const FetchSession&) = default;
};
struct StartSession {  // POST /v1/products/p/{slug}/connect -> SessionReplied
    RequestId request = 0;
    std::string slug;
    std::optional<PublicKey> buyer_wallet;
    std::optional<std::string> handoff_token;
    CheckoutRoute route = CheckoutRoute::PhantomExtension;
    friend bool operator==(const StartSession&, const StartSession&) = default;
};
struct ConnectExtension {  // provider.connect() -> WalletConnected | WalletFailed
    RequestId request = 0;
    friend bool operator==(const ConnectExtension&, const ConnectExtension&) = default;
};
// Phantom connect deeplink (solana-phantom.md §1.1). The platform makes a fresh X25519 keypair,
// keeps its secret, and sets redirect_link to this page with `request` in it; the answer arrives as
// Restore.
struct OpenConnectDeeplink {
    RequestId request = 0;
    std::string app_url;
    models::Cluster cluster = models::Cluster::MainnetBeta;
    friend bool operator==(const OpenConnectDeeplink&, const OpenConnectDeeplink&) = default;
};
struct RequestTransaction {  // POST /v1/payments/{id}/transaction -> TransactionReplied
    RequestId request = 0;
    std::string payment_id;
    PublicKey buyer_wallet;
    friend bool operator==(const RequestTransaction&, const RequestTransaction&) = default;
};
struct SignWithExtension {  // provider.signTransaction(tx) -> WalletSigned | WalletFailed
    RequestId request = 0;
    std::string transaction;  // base64 unsigned wire transaction from the server
    friend bool operator==(const SignWithExtension&, const SignWithExtension&) = default;
};
// Phantom signTransaction deeplink, encrypted with the session the platform kept from connect; the
// answer arrives as Restore.
struct OpenSignDeeplink {
    RequestId request = 0;
    std::string transaction;  // base64 (the platform sends it base58 as Phantom wants)
    friend bool operator==(const OpenSignDeeplink&, const OpenSignDeeplink&) = default;
};
struct OpenDeeplink {  // navigate to a URL that needs no secret (Phantom's browse deeplink)
    std::string url;
    friend bool operator==(const OpenDeeplink&, const OpenDeeplink&) = default;
};
struct Broadcast {  // POST /v1/payments/{id}/broadcast -> BroadcastReplied
    RequestId request = 0;
    std::string payment_id;
    std::string signed_transaction;  // base64; never empty
    friend bool operator==(const Broadcast&, const Broadcast&) = default;
};
struct PollStatus {  // after `after_ms`, GET /v1/payments/{id} -> StatusReplied
    RequestId request = 0;
    std::string payment_id;
    std::uint32_t after_ms = 0;
    friend bool operator==(const PollStatus&, const PollStatus&) = default;
};
struct Confirm {  // POST /v1/payments/{id}/confirm -> ConfirmReplied
    RequestId request = 0;
    std::string payment_id;
    std::optional<std::string> tx_signature;
    friend bool operator==(const Confirm&, const Confirm&) = default;
};
struct PersistSession {  // save for the next page load of this slug (see session_snapshot.h for
                         // JSON)
    SessionSnapshot snapshot;
    friend bool operator==(const PersistSession&, const PersistSession&) = default;
};
struct ClearSession {  // forget the saved session of this slug
    std::string slug;
    friend bool operator==(const ClearSession&, const ClearSession&) = default;
};
struct Announce {  // the aria-live region
    std::string text;
    friend bool operator==(const Announce&, const Announce&) = default;
};
struct CopyToClipboard {
    std::string text;
    friend bool operator==(const CopyToClipboard&, const CopyToClipboard&) = default;
};

}  // namespace effects

using Effect = std::variant<effects::FetchPayload, effects::ResolveHandoff, effects::FetchSession,
                            effects::StartSession,
                            effects::ConnectExtension, effects::OpenConnectDeeplink,
                            effects::RequestTransaction, effects::SignWithExtension,
                            effects::OpenSignDeeplink, effects::OpenDeeplink, effects::Broadcast,
                            effects::PollStatus, effects::Confirm, effects::PersistSession,
                            effects::ClearSession, effects::Announce, effects::CopyToClipboard>;

// ---- [SECTION] State ---------------------------------------------------------------------------

// A wallet the buyer connected, and through which lane (an extension key cannot sign a deeplink).
struct ConnectedWallet {
    CheckoutRoute route = CheckoutRoute::PhantomExtension;
    PublicKey public_key;
    friend bool operator==(const ConnectedWallet&, const ConnectedWallet&) = default;
};

// A restored snapshot's next step, applied once the payload has loaded.
struct Resume {
    SnapshotStage stage = SnapshotStage::SessionStarted;
    RequestId deeplink_request = 0;
    std::optional<PhantomRedirect> redirect;
    friend bool operator==(const Resume&, const Resume&) = default;
};

// What every phase may read; each phase adds only what is specific to it.
struct Context {
    std::string slug;
    std::optional<std::string> handoff_token;  // cleared once the server refused it
    Environment env;
    bool visible = true;
    std::optional<Timestamp> now;  // the last Tick (or Start/Restore)
    RequestId last_request = 0;
    std::optional<models::PublicCheckout> payload;
    std::optional<models::HandoffResolveResponse> handoff;  // "Paying as …"
    std::optional<ErrorCode>
        handoff_problem;  // handoff_invalid / _expired / _used: paying without it
    std::optional<CheckoutRoute> route;
    std::optional<models::ConnectResponse>
        session;  // payment_id, amounts, expires_at, solana_pay_url
    std::optional<ConnectedWallet> wallet;
    // What the transaction being signed approves Hilt's renewal delegate for (AUTOMATIC products):
    // set from POST …/transaction, dropped when the buyer goes back to the product. Not in the
    // snapshot: after a reload the page only follows a signed payment.
    std::optional<models::RenewalApproval> approval;
    std::optional<std::string> signed_transaction;  // set once a wallet signed; never rebuilt after
    std::optional<std::string> tx_signature;        // set once the server accepted the broadcast
    std::optional<Resume> resume;
    std::optional<std::string> resume_payment_id;  // Start's payment_id until its session is answered
    bool final_minute_announced = false;

    friend bool operator==(const Context&, const Context&) = default;
};

namespace phases {
struct Booting {  // nothing requested yet; waits for Start or Restore
    friend bool operator==(const Booting&, const Booting&) = default;
};
struct Loading {  // payload (and handoff, and a ?payment= session) requested
    RequestId payload_request = 0;
    RequestId handoff_request = 0;
    RequestId session_request = 0;
    friend bool operator==(const Loading&, const Loading&) = default;
};
struct ProductShown {  // title, price, "Paying as …", the lanes; the buyer picks one
    friend bool operator==(const ProductShown&, const ProductShown&) = default;
};
struct RouteChosen {  // a lane was picked; POST connect is starting the session
    RequestId session_request = 0;
    friend bool operator==(const RouteChosen&, const RouteChosen&) = default;
};
struct ConnectingWallet {  // extension popup open, or connect deeplink opened
    RequestId request = 0;
    friend bool operator==(const ConnectingWallet&, const ConnectingWallet&) = default;
};
struct BuildingTransaction {  // the server builds the transfer for ctx.wallet
    RequestId request = 0;
    friend bool operator==(const BuildingTransaction&, const BuildingTransaction&) = default;
};
struct AwaitingSignature {  // the wallet shows the transaction
    RequestId request = 0;    // 0 while held
    std::string transaction;  // base64 unsigned
    // Phantom's app (deeplink lane) and a transaction with a renewal approval: the page would
    // unload the moment the deeplink opens, so it waits for ContinueInPhantom, the approval on
    // screen. The extension's popup opens at once: the page shows the approval beside it.
    bool held = false;
    friend bool operator==(const AwaitingSignature&, const AwaitingSignature&) = default;
};
struct Broadcasting {  // the server verifies and sends ctx.signed_transaction
    RequestId request = 0;
    friend bool operator==(const Broadcasting&, const Broadcasting&) = default;
};
// Waiting for the chain: polls GET /v1/payments/{id} on the backoff schedule, paused while the page
// is hidden; after a CONFIRMED status, one POST confirm fetches the delivery and membership.
struct Confirming {
    bool external = false;       // Solana Pay: the buyer pays from another wallet; Back is allowed
    RequestId poll_request = 0;  // 0 while paused (hidden) or while confirm_request is out
    RequestId confirm_request = 0;
    std::uint32_t attempt = 0;  // polls since the schedule (re)started; sets the next delay
    std::uint32_t failed_polls =
        0;  // consecutive polls without an answer: the view says "reconnecting"
    friend bool operator==(const Confirming&, const Confirming&) = default;
};
struct Confirmed {  // delivery revealed; receipt = session amounts + tx_signature; membership end
    models::ConfirmResponse confirmation;
    friend bool operator==(const Confirmed&, const Confirmed&) = default;
};
struct Failed {
    std::optional<models::FailureReason> reason;  // from the payment's status
    std::optional<ErrorCode> error;               // from an API error
    std::string message;
    friend bool operator==(const Failed&, const Failed&) = default;
};
struct Expired {
    friend bool operator==(const Expired&, const Expired&) = default;
};
struct WalletRejected {  // Phantom said no (4001 and friends); Retry asks again
    WalletStep step = WalletStep::Connect;
    int code = 0;
    std::string message;
    friend bool operator==(const WalletRejected&, const WalletRejected&) = default;
};
struct NetworkError {  // Retry repeats `step` with what Context kept
    RetryStep step = RetryStep::FetchPayload;
    ApiFailure failure;
    friend bool operator==(const NetworkError&, const NetworkError&) = default;
};
}  // namespace phases

using Phase =
    std::variant<phases::Booting, phases::Loading, phases::ProductShown, phases::RouteChosen,
                 phases::ConnectingWallet, phases::BuildingTransaction, phases::AwaitingSignature,
                 phases::Broadcasting, phases::Confirming, phases::Confirmed, phases::Failed,
                 phases::Expired, phases::WalletRejected, phases::NetworkError>;

struct State {
    Context ctx;
    Phase phase;
    friend bool operator==(const State&, const State&) = default;
};

struct Transition {
    State state;
    std::vector<Effect> effects;
};

// ---- [SECTION] API -----------------------------------------------------------------------------
// - reduce is total: any event in any state yields a state (often the same one) and never fails.
// - Replies whose request id is not pending, and intents that make no sense in the current phase,
// leave
//   the state unchanged and emit nothing.
// - Effects are listed in the order to perform them (PersistSession always precedes a deeplink).

State initial_state();
Transition reduce(const State& state, const Event& event);

bool is_terminal(const State& state);
// Whole seconds until session.expires_at as of the last tick, never negative; none without a
// session.
std::optional<std::int64_t> seconds_remaining(const State& state);
// The wait before status poll number `attempt` (0-based): kFirstPollDelayMs doubled, capped.
std::uint32_t poll_delay_ms(std::uint32_t attempt);
// The request ids the current phase would accept a reply for.
std::vector<RequestId> pending_requests(const State& state);
// Whether the buyer may pick this lane here (environment and payload permitting).
bool route_available(const State& state, CheckoutRoute route);
// The lane to highlight: the payload's default when available, else the first available.
std::optional<CheckoutRoute> suggested_route(const State& state);
// Phantom's browse deeplink (solana-phantom.md §1.4): opens `page_url` (fragment and all) in Phantom's
// in-app browser, where the page finds the provider injected.
std::string phantom_browse_url(std::string_view page_url);
// Which Phantom error the buyer saw, in words ("You declined the request in Phantom.").
std::string_view wallet_error_text(int code);
// The renewal terms from the payload alone (an AUTOMATIC product; flow/renewal_wording.h), and the
// full approval wording once POST …/transaction answered with one; "" when there is none.
std::string renewal_terms(const State& state);
std::string approval_wording(const State& state);

// snake_case names, stable for the JS test bridge and logs.
std::string_view state_name(const State& state);
std::string_view event_name(const Event& event);
std::string_view effect_name(const Effect& effect);
std::string_view to_string(RetryStep step);
std::string_view to_string(WalletStep step);
std::string_view to_string(SnapshotStage stage);
// One compact JSON object for the JS test bridge: {"state":"confirming","route":…,"payment_id":…,
// "seconds_remaining":…,"visible":…, plus "renewal_terms" (an AUTOMATIC product), "approval"
// ({text, delegate, allowance_minor_units, allowance_periods, existing_allowance_minor_units,
// replaces_delegate?}) while the machine holds one, and the phase's own fields}.
std::string describe(const State& state);

}  // namespace hilt::flow
