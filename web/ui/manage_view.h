// web/ui/manage_view.h: the subscriber's manage page (issue 7): a function of flow::manage::State,
// redrawn every frame.
//
// Owns: what each phase shows (the subscription: status, next renewal, price, what the wallet's
// approval still covers, the last failure; the cancel question; the wallet steps; the outcome; every
// error with its next step) and which intents its buttons and keys produce.
// Must never: change the state or call the platform: it returns intents, the app dispatches them.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "flow/manage_machine.h"
#include "ui/card.h"
#include "ui/checkout_view.h"
#include "ui/theme.h"
#include "ui/widgets.h"

namespace hilt::web::ui {

using ManageIntent = std::variant<flow::manage::Event, OpenUrl>;

struct ManageViewInput {
    const flow::manage::State* state = nullptr;
    double time_seconds = 0.0;      // animation clock
    float canvas_width = 0.0f;      // device pixels
    float viewport_height = 0.0f;   // device pixels
};

class ManageView {
public:
    std::vector<ManageIntent> draw(const ManageViewInput& input, const Theme& theme, Controls& controls);
    float content_height() const { return card_.content_height(); }
    bool settled() const { return card_.settled(); }  // as CheckoutView::settled

private:
    Card card_;
};

}  // namespace hilt::web::ui
