// web/app/manage_app.h: the manage page's effect runner (/m/{membership_id}#k=<token>, issue 7): the one
// owner of the flow::manage::State on that page.
//
// Owns: booting the machine from the page (the id from the shell, the token from the address's
// fragment), running every flow::manage::Effect through web/platform/browser.h (the manage routes with
// the token as X-Hilt-Manage-Token, Phantom's provider), turning answers into events, and publishing
// describe() to window.hilt.
// Must never: decide what the page does next (flow::manage::reduce does), draw (web/ui does), or send the
// token anywhere but this origin's manage routes (and Phantom's browse deeplink, which reopens this page).
#pragma once

#include <string_view>
#include <unordered_map>

#include "flow/manage_machine.h"
#include "platform/browser.h"

namespace hilt::web {

class ManageApp {
public:
    void boot(const browser::PageInfo& page);
    void dispatch(const flow::manage::Event& event);

    void on_http_reply(flow::RequestId request, int status, std::string_view body);
    void on_wallet_reply(flow::RequestId request, int code, std::string_view value, std::string_view message);
    void tick();

    const flow::manage::State& state() const { return state_; }

private:
    enum class Kind : std::uint8_t { View, Transaction, Submit };
    void run(const flow::manage::Effect& effect);
    void send(flow::RequestId request, Kind kind, std::string_view method, const std::string& path,
              const std::string& body, std::string_view token);

    flow::manage::State state_ = flow::manage::initial_state();
    std::unordered_map<flow::RequestId, Kind> pending_;
    bool booted_ = false;
};

// The manage token in a manage link's address (`…#k=<token>`); "" when absent.
std::string manage_token_of(std::string_view href);

}  // namespace hilt::web
