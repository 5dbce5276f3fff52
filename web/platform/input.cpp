// web/platform/input.cpp: see input.h.
#include "platform/input.h"

#include <emscripten/html5.h>

#include <cfloat>
#include <cmath>
#include <cstring>
#include <deque>

namespace hilt::web::input {

namespace {

// A finger that moves further than this is scrolling the page, not tapping a button.
constexpr float kTapSlopCss = 10.0f;

struct PointerEvent {
    enum class Kind { Move, Down, Up, Leave } kind = Kind::Move;
    float x = 0.0f;  // CSS pixels relative to the canvas
    float y = 0.0f;
};

std::deque<PointerEvent> g_events;
std::vector<ui::Key> g_keys;
bool g_touch_active = false;
bool g_touch_cancelled = false;
float g_touch_start_x = 0.0f;
float g_touch_start_y = 0.0f;

void push(PointerEvent::Kind kind, float x, float y) { g_events.push_back({kind, x, y}); }

EM_BOOL on_mouse(int type, const EmscriptenMouseEvent* e, void*) {
    const auto x = static_cast<float>(e->targetX);
    const auto y = static_cast<float>(e->targetY);
    switch (type) {
        case EMSCRIPTEN_EVENT_MOUSEMOVE:
            push(PointerEvent::Kind::Move, x, y);
            return EM_FALSE;
        case EMSCRIPTEN_EVENT_MOUSEDOWN:
            if (e->button != 0) return EM_FALSE;
            push(PointerEvent::Kind::Move, x, y);
            push(PointerEvent::Kind::Down, x, y);
            return EM_FALSE;
        case EMSCRIPTEN_EVENT_MOUSEUP:
            if (e->button != 0) return EM_FALSE;
            push(PointerEvent::Kind::Move, x, y);
            push(PointerEvent::Kind::Up, x, y);
            return EM_FALSE;
        case EMSCRIPTEN_EVENT_MOUSELEAVE:
            push(PointerEvent::Kind::Leave, 0.0f, 0.0f);
            return EM_FALSE;
        default:
            return EM_FALSE;
    }
}

const EmscriptenTouchPoint* first_changed(const EmscriptenTouchEvent* e) {
    for (int i = 0; i < e->numTouches; ++i) {
        if (e->touches[i].isChanged) return &e->touches[i];
    }
    return e->numTouches > 0 ? &e->touches[0] : nullptr;
}

EM_BOOL on_touch(int type, const EmscriptenTouchEvent* e, void*) {
    const EmscriptenTouchPoint* t = first_changed(e);
    if (t == nullptr) return EM_FALSE;
    const auto x = static_cast<float>(t->targetX);
    const auto y = static_cast<float>(t->targetY);
    switch (type) {
        case EMSCRIPTEN_EVENT_TOUCHSTART:
            if (g_touch_active) return EM_FALSE;  // a second finger: ignore
            g_touch_active = true;
            g_touch_cancelled = false;
            g_touch_start_x = x;
            g_touch_start_y = y;
            push(PointerEvent::Kind::Move, x, y);
            push(PointerEvent::Kind::Down, x, y);
            return EM_FALSE;  // never block the page's own scrolling
        case EMSCRIPTEN_EVENT_TOUCHMOVE:
            if (g_touch_active && !g_touch_cancelled &&
                std::hypot(x - g_touch_start_x, y - g_touch_start_y) > kTapSlopCss) {
                g_touch_cancelled = true;  // a scroll: release away from every button
                push(PointerEvent::Kind::Leave, 0.0f, 0.0f);
                push(PointerEvent::Kind::Up, -FLT_MAX, -FLT_MAX);
            }
            return EM_FALSE;
        case EMSCRIPTEN_EVENT_TOUCHEND:
        case EMSCRIPTEN_EVENT_TOUCHCANCEL:
            if (!g_touch_active) return EM_FALSE;
            g_touch_active = false;
            if (!g_touch_cancelled && type == EMSCRIPTEN_EVENT_TOUCHEND) {
                push(PointerEvent::Kind::Up, x, y);
            } else if (!g_touch_cancelled) {
                push(PointerEvent::Kind::Up, -FLT_MAX, -FLT_MAX);
            }
            push(PointerEvent::Kind::Leave, 0.0f, 0.0f);
            // The tap is handled: no emulated mouse events after it.
            return type == EMSCRIPTEN_EVENT_TOUCHEND ? EM_TRUE : EM_FALSE;
        default:
            return EM_FALSE;
    }
}

EM_BOOL on_key(int, const EmscriptenKeyboardEvent* e, void*) {
    if (std::strcmp(e->key, "Tab") == 0) {
        g_keys.push_back(e->shiftKey ? ui::Key::ShiftTab : ui::Key::Tab);
        return EM_TRUE;
    }
    if (std::strcmp(e->key, "Enter") == 0 || std::strcmp(e->key, " ") == 0) {
        if (e->repeat) return EM_TRUE;
        g_keys.push_back(ui::Key::Activate);
        return EM_TRUE;
    }
    if (std::strcmp(e->key, "Escape") == 0) {
        g_keys.push_back(ui::Key::Escape);
        return EM_TRUE;
    }
    return EM_FALSE;
}

}  // namespace

void install() {
    constexpr const char* kCanvas = "#canvas";
    emscripten_set_mousemove_callback(kCanvas, nullptr, EM_FALSE, on_mouse);
    emscripten_set_mousedown_callback(kCanvas, nullptr, EM_FALSE, on_mouse);
    emscripten_set_mouseup_callback(kCanvas, nullptr, EM_FALSE, on_mouse);
    emscripten_set_mouseleave_callback(kCanvas, nullptr, EM_FALSE, on_mouse);
    emscripten_set_touchstart_callback(kCanvas, nullptr, EM_FALSE, on_touch);
    emscripten_set_touchmove_callback(kCanvas, nullptr, EM_FALSE, on_touch);
    emscripten_set_touchend_callback(kCanvas, nullptr, EM_FALSE, on_touch);
    emscripten_set_touchcancel_callback(kCanvas, nullptr, EM_FALSE, on_touch);
    emscripten_set_keydown_callback(EMSCRIPTEN_EVENT_TARGET_WINDOW, nullptr, EM_FALSE, on_key);
}

void apply(ImGuiIO& io, float pixels_per_css) {
    bool button_changed = false;
    while (!g_events.empty()) {
        const PointerEvent& e = g_events.front();
        if (e.kind == PointerEvent::Kind::Down || e.kind == PointerEvent::Kind::Up) {
            if (button_changed) break;  // the next transition waits for the next frame
            button_changed = true;
            io.MouseDown[0] = e.kind == PointerEvent::Kind::Down;
            if (e.x != -FLT_MAX) io.MousePos = ImVec2(e.x * pixels_per_css, e.y * pixels_per_css);
        } else if (e.kind == PointerEvent::Kind::Leave) {
            if (button_changed) break;  // let the release be seen where it happened first
            io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
        } else {
            io.MousePos = ImVec2(e.x * pixels_per_css, e.y * pixels_per_css);
        }
        g_events.pop_front();
    }
}

bool pending() { return !g_events.empty() || !g_keys.empty(); }

std::vector<ui::Key> take_keys() {
    std::vector<ui::Key> keys;
    keys.swap(g_keys);
    return keys;
}

}  // namespace hilt::web::input
