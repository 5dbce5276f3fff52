// web/ui/checkout_view.h: the checkout's screens: a function of flow::State, redrawn every frame.
//
// Owns: what each phase shows (product, price, fees, membership terms, "Paying as …", the payment
// lanes, the QR code, progress, the countdown, the outcome with delivery and receipt, every error
// with its next step) and which buyer intents its buttons and keys produce.
// Must never: change the state or call the platform: it returns intents, the app dispatches them.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "flow/checkout_machine.h"
#include "ui/card.h"
#include "ui/qr_code.h"
#include "ui/theme.h"
#include "ui/widgets.h"

namespace hilt::web::ui {

// Things the view asks for that are not checkout events.
struct OpenUrl {  // in a new tab (install Phantom, the delivery's link)
    std::string url;
};
struct StartOver {  // a fresh checkout of this product (after an end state)
};
using Intent = std::variant<flow::Event, OpenUrl, StartOver>;

struct ViewInput {
    const flow::State* state = nullptr;
    std::string merchant_name;  // from the shell ("Sold by …"); may be empty
    double time_seconds = 0.0;  // animation clock
    float canvas_width = 0.0f;  // device pixels
    float viewport_height = 0.0f;  // device pixels: the card is centered in it when it fits
};

class CheckoutView {
public:
    // Draws one frame; returns the buyer's intents of this frame. content_height() is then the
    // height the canvas needs (device pixels), and settled() whether the frame was laid out for it
    // (ui/card.h: when not, main.cpp draws it again before it is shown).
    std::vector<Intent> draw(const ViewInput& input, const Theme& theme, Controls& controls);
    float content_height() const { return card_.content_height(); }
    bool settled() const { return card_.settled(); }

private:
    QrCode qr_;
    Card card_;
};

// "Install Phantom" destination.
inline constexpr const char* kPhantomDownloadUrl = "https://phantom.app/download";

}  // namespace hilt::web::ui
