// web/platform/browser.h: everything the checkout asks of the browser, as plain C++ calls.
//
// Owns: the C++ side of the JS bridge (web/bridge.js): page facts read at load, fetch, the Phantom
// provider, session storage, navigation, clipboard, the aria-live region, the window.hilt test
// bridge, and the entry points JavaScript calls back into (browser.cpp holds every EM_JS and
// EMSCRIPTEN_KEEPALIVE of the checkout, style.md rule 11).
// Must never: decide anything about the checkout (that is shared/flow), or hand a secret to any call
// but storage_set (the Phantom deeplink session is kept in per-tab session storage only).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hilt::web::browser {

// What the page knows about itself at load (bridge.js HiltBridge.page()).
struct PageInfo {
    std::string page;           // the canvas's data-page: "manage" on /m/{id}, else the checkout
    std::string membership_id;  // the canvas's data-membership (the manage page)
    std::string slug;           // the canvas's data-slug
    std::string page_url;       // origin + path: this checkout without its query
    std::string href;           // the whole address, with Phantom's redirect parameters if any
    std::string merchant_name;  // the shell's "Sold by …" text, without "Sold by "
    bool extension_available = false;  // window.phantom.solana.isPhantom
    bool mobile = false;                // a phone or tablet: Phantom's app-switch deeplinks work
    bool visible = true;                // document.visibilityState
};

[[nodiscard]] PageInfo read_page();
// Unix time in milliseconds (Date.now()).
[[nodiscard]] double now_ms();
// CSS pixels per device pixel, and the canvas's CSS width and the window's inner height.
[[nodiscard]] double device_pixel_ratio();
[[nodiscard]] double canvas_css_width();
[[nodiscard]] double viewport_css_height();
// Sizes the canvas: its backing store in device pixels and its CSS height.
void size_canvas(int backing_width, int backing_height, double css_height);

// The headers a request carries besides content-type; an empty value is not sent.
struct RequestHeaders {
    std::string_view idempotency_key;  // Idempotency-Key (POST connect)
    std::string_view manage_token;     // X-Hilt-Manage-Token (the manage routes)
};

// fetch(path) on this origin after `delay_ms`; the answer comes back through on_http_reply with
// `request` (status 0 when there was no answer).
void http(std::uint64_t request, std::string_view method, std::string_view path,
          std::string_view body, const RequestHeaders& headers, std::uint32_t delay_ms);
// window.phantom.solana.connect() / signTransaction(); answers through on_wallet_reply.
void wallet_connect(std::uint64_t request);
void wallet_sign(std::uint64_t request, std::string_view transaction_base64);

[[nodiscard]] std::optional<std::string> storage_get(std::string_view key);
void storage_set(std::string_view key, std::string_view value);
void storage_remove(std::string_view key);

void navigate(std::string_view url);       // location.assign
void open_new_tab(std::string_view url);   // window.open(url, '_blank', 'noopener')
void start_over();                         // this checkout again, without query parameters
void replace_query(std::string_view url);  // history.replaceState (drops Phantom's parameters)
void copy_text(std::string_view text);     // navigator.clipboard, with a fallback
void announce(std::string_view text);      // the aria-live region
void set_pointer_cursor(bool pointer);

// The test bridge (window.hilt): the machine's describe() and the buttons on screen as JSON.
void publish_state(std::string_view describe_json);
void publish_actions(std::string_view actions_json);
// Called after the first frame drawn with the real fonts: the shell's text steps aside.
void app_ready();
// A frame was drawn (window.hilt.frames counts them, for tests).
void frame_drawn();
// The app cannot draw after all (WebGL 2 without a usable program): the shell's text comes back with
// the fallback a browser without WebGL 2 gets (the sentence and the Solana Pay link).
void show_fallback();

// Fonts arrive asynchronously (fetch); each slot is handed over once, as malloc'ed bytes the
// receiver owns. bridge_ready() lets the bridge deliver what it already holds.
enum class FontSlot : int { Regular = 0, SemiBold = 1 };
void bridge_ready();

// ---- callbacks JavaScript invokes (implemented by the app in main.cpp) ---------------------------
struct Callbacks {
    void (*on_http_reply)(std::uint64_t request, int status, std::string_view body) = nullptr;
    void (*on_wallet_reply)(std::uint64_t request, int code, std::string_view value,
                            std::string_view message) = nullptr;
    void (*on_visibility)(bool visible) = nullptr;
    void (*on_font)(FontSlot slot, unsigned char* owned_bytes, int size) = nullptr;
    void (*on_resize)() = nullptr;
};
void set_callbacks(const Callbacks& callbacks);

}  // namespace hilt::web::browser
