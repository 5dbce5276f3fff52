// web/ui/widgets.h: the few controls the checkout draws, with keyboard focus of its own.
//
// Owns: buttons (primary, secondary, quiet link) with hover, press and a visible focus ring; the
// focus order (Tab / Shift+Tab walk the buttons in drawing order, Enter or Space press the focused
// one, as a web page would); the list of on-screen buttons for the window.hilt test bridge; text
// helpers that wrap inside the card.
// Must never: change checkout state (a pressed button is only reported to the view).
#pragma once

#include <imgui.h>

#include <string>
#include <string_view>
#include <vector>

#include "ui/theme.h"

namespace hilt::web::ui {

enum class ButtonStyle { Primary, Secondary, Quiet };

enum class Key { Tab, ShiftTab, Activate, Escape };

class Controls {
public:
    // Start of a frame: the keys pressed since the last one.
    void begin_frame(const Theme& theme, const std::vector<Key>& keys);
    // End of a frame: true when the on-screen buttons changed (publish actions_json()).
    bool end_frame();
    bool escape_pressed() const { return escape_; }
    bool hovering_button() const { return hovering_; }
    // Something on screen moves by itself this frame (a spinner): the page draws the next one too.
    // main.cpp draws only when something changed otherwise (ui/widgets.h's callers need not care).
    void animate() { animating_ = true; }
    bool animating() const { return animating_; }

    // A full-width button at the cursor; true on the frame it is pressed (mouse, touch or keyboard).
    bool button(std::string_view id, std::string_view label, ButtonStyle style);

    // [{id,label,x,y,w,h,focused}] in CSS pixels relative to the canvas.
    std::string actions_json() const;

private:
    struct Action {
        std::string id;
        std::string label;
        ImVec2 min, max;
    };
    const Theme* theme_ = nullptr;
    std::vector<Action> previous_;
    std::vector<Action> current_;
    std::string focused_;       // the focused button's id; empty: none
    std::string activate_;      // pressed by keyboard this frame
    bool focus_visible_ = false;  // a ring only after keyboard use, as :focus-visible
    bool escape_ = false;
    bool hovering_ = false;
    bool animating_ = false;
    std::string published_;
};

// Wrapped text at the cursor, inside the current window's content width.
void text(const Theme& theme, ImFont* font, ImU32 color, std::string_view text);
// Centered text on one line (or wrapped and centered line by line when long).
void text_centered(const Theme& theme, ImFont* font, ImU32 color, std::string_view text);
// Label on the left, value on the right, one row.
void key_value(const Theme& theme, std::string_view key, std::string_view value, bool strong = false);
void spacer(const Theme& theme, float css_px);
void divider(const Theme& theme);
// Status line: a spinner (a rotating arc: it asks `controls` for the next frame) and a sentence.
void status_line(Controls& controls, const Theme& theme, std::string_view sentence, double time_seconds);
// A tinted box with a sentence (notices and errors).
void notice(const Theme& theme, ImU32 background, ImU32 color, std::string_view sentence);

enum class Icon { Success, Error, Warning, Clock };
// A round icon, centered horizontally.
void icon(const Theme& theme, Icon kind, float css_size);

}  // namespace hilt::web::ui
