// web/platform/input.h: pointer, touch and keyboard input for the checkout, from the browser's
// events (Emscripten's html5 API) into Dear ImGui and the view's focus keys.
//
// Owns: the event queue, touch handling that leaves native page scrolling alone (a tap presses a
// button, a swipe scrolls and presses nothing) and the keys the checkout answers (Tab, Shift+Tab,
// Enter, Space, Escape).
// Must never: lose a press and its release that arrive between two frames (ImGui 1.86 reads
// button state once per frame, so transitions are applied one per frame).
#pragma once

#include <imgui.h>

#include <vector>

#include "ui/widgets.h"

namespace hilt::web::input {

// Registers the listeners on #canvas (pointer, touch) and the window (keys).
void install();
// Feeds queued pointer events to `io`; `pixels_per_css` converts CSS to device pixels.
void apply(ImGuiIO& io, float pixels_per_css);
// The focus keys pressed since the last call.
std::vector<ui::Key> take_keys();
// Pointer events or keys wait for the next frame (main.cpp draws one for them).
bool pending();

}  // namespace hilt::web::input
