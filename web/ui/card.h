// web/ui/card.h: the page's one card (the checkout's and the manage page's): centred on wide screens
// when it fits the viewport, full width on phones, with "Secured by Hilt" under it.
//
// Owns: the card window's position, size and style, the footer, the height the canvas needs, and
// whether a pass was drawn with the layout its own content asks for (settled()).
// Must never: draw a screen's content (the views do, between begin and end).
#pragma once

#include "ui/theme.h"

namespace hilt::web::ui {

class Card {
public:
    // Opens the card window (ImGui::Begin) at the cursor's frame; the content is drawn after this.
    void begin(const Theme& theme, float canvas_width, float viewport_height);
    // Closes it and draws the footer. content_height() is then the height the canvas needs (device px).
    void end(const Theme& theme);
    float content_height() const { return content_height_; }
    // Whether the pass just drawn placed and sized the card for its own content. It is not when the
    // content changed height (a new screen, text wrapping anew, the first pass, whose window ImGui
    // only measures): ImGui sizes an auto-fit window from the previous pass's content, and begin()
    // centres the card by the previous height. Such a pass is drawn again before it is shown.
    bool settled() const { return settled_; }

private:
    float canvas_width_ = 0.0f;
    float top_ = 0.0f;
    float margin_ = 0.0f;
    float content_height_ = 0.0f;
    bool settled_ = false;
};

}  // namespace hilt::web::ui
