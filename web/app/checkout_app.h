// web/app/checkout_app.h: the checkout's effect runner: the one owner of the flow::State on the page.
//
// Owns: booting the machine from the page (Start, or Restore after a Phantom app-switch with the
// redirect decoded), running every flow::Effect through web/platform/browser.h, turning HTTP and
// wallet answers into flow events, the Phantom deeplink session (keys kept in session storage across
// the app switch), the connect idempotency key, and publishing describe() to window.hilt.
// Must never: decide what the checkout does next (flow::reduce does), draw (web/ui does), or keep the
// Phantom deeplink secret anywhere but memory and per-tab session storage.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "flow/checkout_machine.h"
#include "phantom/deeplink.h"
#include "platform/browser.h"

namespace hilt::web {

// Which answer an HTTP request id waits for.
enum class HttpKind : std::uint8_t { Payload, Handoff, Session, Transaction, Broadcast, Status, Confirm };

class CheckoutApp {
public:
    // Reads the page and sends Start or Restore.
    void boot(const browser::PageInfo& page);
    void dispatch(const flow::Event& event);

    void on_http_reply(flow::RequestId request, int status, std::string_view body);
    void on_wallet_reply(flow::RequestId request, int code, std::string_view value,
                         std::string_view message);
    void on_visibility(bool visible);
    // About once a second: the countdown and expiry.
    void tick();

    const flow::State& state() const { return state_; }
    const browser::PageInfo& page() const { return page_; }
    bool booted() const { return booted_; }

private:
    void run(const flow::Effect& effect);
    void send(flow::RequestId request, HttpKind kind, std::string_view method,
              const std::string& path, const std::string& body, std::uint32_t delay_ms = 0,
              std::string_view idempotency_key = {});
    std::optional<flow::PhantomRedirect> read_redirect(const flow::SessionSnapshot& snapshot);
    std::optional<phantom::DappSession>& dapp_session();
    std::string redirect_link(flow::RequestId request) const;
    std::string storage_key(std::string_view what) const;
    flow::Environment environment() const;

    browser::PageInfo page_;
    flow::State state_ = flow::initial_state();
    std::unordered_map<flow::RequestId, HttpKind> pending_;
    std::optional<phantom::DappSession> dapp_;
    std::string tab_nonce_;             // random per page load: the connect idempotency key's stem
    std::uint32_t session_generation_ = 0;  // bumped after each session the server started
    bool booted_ = false;
};

// The query parameter our Phantom redirect_link carries: the machine's deeplink request id.
inline constexpr std::string_view kRedirectRequestParam = "hilt_request";
// The handoff link's token parameter (/p/{slug}?handoff=…).
inline constexpr std::string_view kHandoffParam = "handoff";
// ?payment={id}: continue that session (Phantom's browse deeplink reopens the page inside Phantom with it).
inline constexpr std::string_view kPaymentParam = "payment";

// The value of `name` in the URL's query, percent-decoded ('+' as space); none when absent.
std::optional<std::string> query_param(std::string_view url, std::string_view name);

}  // namespace hilt::web
