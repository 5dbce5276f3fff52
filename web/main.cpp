// web/main.cpp: the checkout's entry point and main-loop shim (style.md rule 11).
//
// Owns: the WebGL2 context, Dear ImGui's context and renderer, the canvas size (device pixels, the
// height the view needs), the one-second tick, and routing between the bridge, the app and the view:
// the checkout's, or on /m/{id} (the shell's data-page="manage") the subscriber's manage page.
// Built twice: the checkout, and with HILT_GALLERY the gallery (web/gallery), which draws a fixed
// scene picked by ?gallery=<name> instead of running the app, and never ticks or acts on intents.
// Must never: hold checkout logic (shared/flow), draw screens (web/ui) or talk to JavaScript except
// through web/platform.
#include <emscripten.h>
#include <emscripten/html5.h>
#include <imgui.h>

#include <algorithm>
#include <cmath>

#include "app/checkout_app.h"
#include "app/manage_app.h"
#include "platform/browser.h"
#include "platform/input.h"
#include "platform/renderer.h"
#include "ui/checkout_view.h"
#include "ui/manage_view.h"
#if defined(HILT_GALLERY)
#include "app/checkout_app.h"
#include "gallery/scenes.h"
#endif

namespace {

using namespace hilt::web;

#if !defined(HILT_GALLERY)
constexpr double kTickSeconds = 1.0;  // the countdown's resolution
#endif
// Passes drawn at most per frame: the first, one after new glyphs, one after the layout moved.
constexpr int kMaxPasses = 3;
// Frames are drawn on demand (Runtime::redraw): a spinner turns at this rate, and after input the page
// keeps drawing this long, for ImGui's hover and press looks to follow the pointer.
constexpr double kAnimationFps = 20.0;
constexpr double kSettleSeconds = 0.25;

struct Runtime {
    CheckoutApp app;
    // The subscriber's manage page (/m/{id}: the shell's data-page="manage") instead of the checkout.
    bool manage = false;
    ManageApp manage_app;
    ui::ManageView manage_view;
#if defined(HILT_GALLERY)
    const gallery::Scene* scene = nullptr;
    browser::PageInfo page;
#endif
    ui::Theme theme;
    Renderer renderer;
    ui::Controls controls;
    ui::CheckoutView view;
    double last_tick = 0.0;
    double last_frame = 0.0;
    int backing_width = 0;
    int backing_height = 0;
    bool cursor_pointer = false;
    bool announced_ready = false;
    bool program_checked = false;  // the renderer's program was found linked, after the first frame
    // Drawing on demand: an idle page draws nothing (a frame is a full-canvas redraw the GPU, or on
    // software GL the CPU, pays for: ~1.4 CPU-s per s at 60 frames/s in headless Chromium). A frame
    // is drawn when what the page shows may have changed (an answer, a font, a tick, a new size, an
    // intent handled), for input, and while something animates.
    bool redraw = true;
    bool animating = false;      // the last frame drew a spinner (ui::Controls::animate)
    double settle_until = 0.0;   // input was seen: draw every frame until then
};

Runtime* g_runtime = nullptr;

double seconds_now() { return emscripten_get_now() / 1000.0; }

const hilt::flow::State& current_state() {
#if defined(HILT_GALLERY)
    return g_runtime->scene->state;
#else
    return g_runtime->app.state();
#endif
}

const std::string& merchant_name() {
#if defined(HILT_GALLERY)
    return g_runtime->page.merchant_name;
#else
    return g_runtime->app.page().merchant_name;
#endif
}

#if defined(HILT_GALLERY)
constexpr double kSceneCheckSeconds = 0.1;  // how soon a changed ?gallery= shows

// The scene ?gallery=<name> of `href` names, published as the page's state and announced as the
// machine announced it. history.replaceState to another ?gallery= switches scenes without a reload.
void show_scene(const std::string& href) {
    Runtime& rt = *g_runtime;
    const auto& scene = gallery::find_scene(query_param(href, "gallery").value_or(std::string()));
    rt.page.href = href;
    if (rt.scene == &scene) return;
    rt.scene = &scene;
    browser::publish_state(gallery::describe_scene(scene));
    browser::announce(scene.announcement);
}
#endif

#if !defined(HILT_GALLERY)
void handle_manage(const ui::ManageIntent& intent) {
    Runtime& rt = *g_runtime;
    if (const auto* event = std::get_if<hilt::flow::manage::Event>(&intent)) {
        rt.manage_app.dispatch(*event);
    } else if (const auto* open = std::get_if<ui::OpenUrl>(&intent)) {
        browser::open_new_tab(open->url);
    }
}
#endif

void handle(const ui::Intent& intent) {
#if defined(HILT_GALLERY)
    (void)intent;  // a picture of a state: buttons do nothing
#else
    Runtime& rt = *g_runtime;
    if (const auto* event = std::get_if<hilt::flow::Event>(&intent)) {
        rt.app.dispatch(*event);
    } else if (const auto* open = std::get_if<ui::OpenUrl>(&intent)) {
        browser::open_new_tab(open->url);
    } else if (std::holds_alternative<ui::StartOver>(intent)) {
        browser::start_over();
    }
#endif
}

bool manage_has_content(const hilt::flow::manage::State& state) {
    return !std::holds_alternative<hilt::flow::manage::phases::Booting>(state.phase) &&
           !std::holds_alternative<hilt::flow::manage::phases::Loading>(state.phase);
}

bool has_content(const hilt::flow::State& state) {
    return !std::holds_alternative<hilt::flow::phases::Booting>(state.phase) &&
           !std::holds_alternative<hilt::flow::phases::Loading>(state.phase);
}

void frame() {
    Runtime& rt = *g_runtime;
    const double now = seconds_now();
#if defined(HILT_GALLERY)
    rt.redraw = true;  // a fixture page for screenshots: every frame, as it always was
    if (now - rt.last_tick >= kSceneCheckSeconds) {
        rt.last_tick = now;
        show_scene(browser::read_page().href);
    }
#else
    if (now - rt.last_tick >= kTickSeconds) {
        rt.last_tick = now;
        rt.redraw = true;  // a countdown moves on
        if (rt.manage) {
            rt.manage_app.tick();
        } else {
            rt.app.tick();
        }
    }
#endif
    if (!rt.theme.fonts_available()) return;  // the shell's text stays until Inter has arrived

    const float scale = std::max(1.0f, static_cast<float>(browser::device_pixel_ratio()));
    // (Re)builds the atlas when needed and uploads it; true when it was rebuilt.
    const auto build_fonts = [&] {
        const bool rebuilt = rt.theme.ensure_built(scale);
        if (rebuilt) rt.renderer.upload_fonts();
        return rebuilt;
    };
    if (build_fonts()) rt.redraw = true;  // a new scale: the page must be drawn at it
    if (!rt.theme.built()) return;
    // The program's link status, asked once the first frame is out (it waits for the GPU process;
    // renderer.h): a WebGL 2 that cannot link it gets the page's fallback, as one without WebGL 2 does.
    if (rt.announced_ready && !rt.program_checked) {
        rt.program_checked = true;
        if (!rt.renderer.linked()) {
            browser::show_fallback();
            emscripten_cancel_main_loop();
            return;
        }
    }

    const double css_width = std::max(1.0, browser::canvas_css_width());
    const double viewport = std::max(1.0, browser::viewport_css_height());
    const int width = static_cast<int>(std::lround(css_width * scale));
    if (width != rt.backing_width) rt.redraw = true;
    const bool input_pending = input::pending();
    if (input_pending) rt.settle_until = now + kSettleSeconds;
    // A quarter of a 60 Hz display's frame of tolerance: animation frames land on every third one.
    const bool animation_due = rt.animating && now - rt.last_frame >= 1.0 / kAnimationFps - 0.004;
    if (rt.announced_ready && !rt.redraw && !input_pending && now >= rt.settle_until && !animation_due) return;
    rt.redraw = false;
    // The canvas as tall as the page's content (the card, as last measured) or the viewport. Each pass
    // lays out at it; the canvas itself is resized once, for the pass that is shown.
    int height = 0;
    double css_height = 0.0;
    const auto measure_canvas = [&] {
        const float needed = rt.manage ? rt.manage_view.content_height() : rt.view.content_height();
        css_height = std::max(viewport, static_cast<double>(needed / scale));
        height = static_cast<int>(std::lround(css_height * scale));
    };
    measure_canvas();

    ImGuiIO& io = ImGui::GetIO();
    io.DisplayFramebufferScale = ImVec2(1.0f, 1.0f);
    io.DeltaTime = rt.last_frame > 0.0 ? static_cast<float>(std::max(now - rt.last_frame, 1e-4))
                                       : 1.0f / 60.0f;
    rt.last_frame = now;
    input::apply(io, scale);

    std::vector<ui::Intent> intents;
    std::vector<ui::ManageIntent> manage_intents;
    auto draw_view = [&](const std::vector<ui::Key>& keys) {
        io.DisplaySize = ImVec2(static_cast<float>(width), static_cast<float>(height));
        ImGui::NewFrame();
        rt.controls.begin_frame(rt.theme, keys);
        if (rt.manage) {
            const ui::ManageViewInput in{&rt.manage_app.state(), now, static_cast<float>(width),
                                         static_cast<float>(viewport * scale)};
            for (auto& intent : rt.manage_view.draw(in, rt.theme, rt.controls)) {
                manage_intents.push_back(std::move(intent));
            }
        } else {
            ui::ViewInput in;
            in.state = &current_state();
            in.merchant_name = merchant_name();
            in.time_seconds = now;
            in.canvas_width = static_cast<float>(width);
            in.viewport_height = static_cast<float>(viewport * scale);
            for (auto& intent : rt.view.draw(in, rt.theme, rt.controls)) intents.push_back(std::move(intent));
        }
    };
    draw_view(input::take_keys());
    // A pass the buyer must not see is thrown away and drawn again: one that met text the atlas has
    // no glyphs for yet (ui/theme.h), or one not laid out for its own content (ui/card.h: the first
    // pass, a new screen, text wrapping anew), which would show the card out of place for a frame.
    // Its intents stand: a press it saw is not seen twice.
    const auto settled = [&] { return rt.manage ? rt.manage_view.settled() : rt.view.settled(); };
    for (int pass = 1; pass < kMaxPasses && (rt.theme.stale() || !settled()); ++pass) {
        ImGui::EndFrame();
        if (rt.theme.stale()) {
            build_fonts();
            if (!rt.theme.built()) {  // the fonts cannot be laid out: the shell's text stays
                for (const auto& intent : intents) handle(intent);
#if !defined(HILT_GALLERY)
                for (const auto& intent : manage_intents) handle_manage(intent);
#endif
                return;
            }
        }
        measure_canvas();
        draw_view({});
    }
    // Still not settled after the last pass (no page known needs more): drawn as it is, and again at once.
    if (rt.theme.stale() || !settled()) rt.redraw = true;
    if (width != rt.backing_width || height != rt.backing_height) {
        rt.backing_width = width;
        rt.backing_height = height;
        browser::size_canvas(width, height, css_height);
    }
    if (rt.controls.end_frame()) browser::publish_actions(rt.controls.actions_json());
    if (rt.controls.hovering_button() != rt.cursor_pointer) {
        rt.cursor_pointer = rt.controls.hovering_button();
        browser::set_pointer_cursor(rt.cursor_pointer);
    }
    ImGui::Render();
    rt.renderer.render(*ImGui::GetDrawData(), width, height, ui::colors::kPage);
    rt.animating = rt.controls.animating();
    browser::frame_drawn();
    if (!intents.empty() || !manage_intents.empty()) rt.redraw = true;  // they change what is shown

    if (!rt.announced_ready && (rt.manage ? manage_has_content(rt.manage_app.state()) : has_content(current_state()))) {
        rt.announced_ready = true;
        browser::app_ready();
    }
    for (const auto& intent : intents) handle(intent);
#if !defined(HILT_GALLERY)
    for (const auto& intent : manage_intents) handle_manage(intent);
#endif
}

void on_http_reply(std::uint64_t request, int status, std::string_view body) {
    g_runtime->redraw = true;
    if (g_runtime->manage) return g_runtime->manage_app.on_http_reply(request, status, body);
    g_runtime->app.on_http_reply(request, status, body);
}
void on_wallet_reply(std::uint64_t request, int code, std::string_view value,
                     std::string_view message) {
    g_runtime->redraw = true;
    if (g_runtime->manage) return g_runtime->manage_app.on_wallet_reply(request, code, value, message);
    g_runtime->app.on_wallet_reply(request, code, value, message);
}
void on_visibility(bool visible) {
    g_runtime->redraw = true;
#if defined(HILT_GALLERY)
    (void)visible;  // the scene's state stays as it is
#else
    if (!g_runtime->manage) g_runtime->app.on_visibility(visible);
#endif
}
void on_font(browser::FontSlot slot, unsigned char* bytes, int size) {
    g_runtime->redraw = true;
    g_runtime->theme.set_font(static_cast<int>(slot), bytes, size);
}
void on_resize() { g_runtime->redraw = true; }

// The bridge has already made this context on #canvas while the .wasm downloaded (bridge.js,
// createContext); getContext() hands it back here. WARNING: keep the attributes equal to the
// bridge's GL_ATTRIBUTES: the first call decides them.
bool create_gl_context() {
    EmscriptenWebGLContextAttributes attributes;
    emscripten_webgl_init_context_attributes(&attributes);
    attributes.majorVersion = 2;
    attributes.minorVersion = 0;
    attributes.alpha = EM_FALSE;
    attributes.depth = EM_FALSE;
    attributes.stencil = EM_FALSE;
    attributes.antialias = EM_FALSE;  // ImGui anti-aliases its own shapes
    const auto context = emscripten_webgl_create_context("#canvas", &attributes);
    if (context <= 0) return false;
    return emscripten_webgl_make_context_current(context) == EMSCRIPTEN_RESULT_SUCCESS;
}

}  // namespace

int main() {
    static Runtime runtime;
    g_runtime = &runtime;
    browser::set_callbacks(browser::Callbacks{on_http_reply, on_wallet_reply, on_visibility,
                                              on_font, on_resize});
    // Without WebGL 2 the bridge has already shown the fallback (the Solana Pay link).
    if (!create_gl_context()) return 0;

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.LogFilename = nullptr;
    ImGui::GetStyle().AntiAliasedLinesUseTex = false;  // crisp lines at any scale
    // The program compiles in the GPU process while the fonts are laid out and the first frame built.
    runtime.renderer.init();
    input::install();
    browser::bridge_ready();  // fonts already fetched arrive now (on_font)
#if defined(HILT_GALLERY)
    runtime.page = browser::read_page();
    show_scene(runtime.page.href);
#else
    const auto page = browser::read_page();
    runtime.manage = page.page == "manage";
    if (runtime.manage) {
        runtime.manage_app.boot(page);
    } else {
        runtime.app.boot(page);
    }
#endif
    emscripten_set_main_loop(frame, 0, EM_FALSE);
    // The first frame as soon as the answers queued behind main() (the prefetched payload) are in,
    // rather than at the next animation frame: up to a display refresh sooner.
    emscripten_async_call([](void*) { frame(); }, nullptr, 0);
    return 0;
}
