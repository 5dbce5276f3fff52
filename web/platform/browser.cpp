// web/platform/browser.cpp: every EM_JS and EMSCRIPTEN_KEEPALIVE of the checkout (style.md rule 11).
//
// Must never: hold checkout logic; each function forwards to HiltBridge (web/bridge.js) or back to
// the app's callbacks. Strings cross as (pointer, byte length) of UTF-8; strings returned from
// JavaScript are malloc'ed there and freed here.
#include "platform/browser.h"

#include <emscripten.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

namespace {

hilt::web::browser::Callbacks g_callbacks;

// A JavaScript string handed over as malloc'ed UTF-8 (or null).
std::optional<std::string> take(char* text) {
    if (text == nullptr) return std::nullopt;
    std::string out(text);
    std::free(text);
    return out;
}

}  // namespace

// ---- calls into bridge.js -----------------------------------------------------------------------
extern "C" {

EM_JS(char*, hilt_js_page, (), { return HiltBridge.toC(JSON.stringify(HiltBridge.page())); });
EM_JS(double, hilt_js_now_ms, (), { return Date.now(); });
EM_JS(double, hilt_js_dpr, (), { return window.devicePixelRatio || 1; });
EM_JS(double, hilt_js_canvas_width, (), { return HiltBridge.canvasWidth(); });
EM_JS(double, hilt_js_viewport_height, (), { return window.innerHeight || 0; });
EM_JS(void, hilt_js_size_canvas, (int w, int h, double css_h),
      { HiltBridge.sizeCanvas(w, h, css_h); });
EM_JS(void, hilt_js_http,
      (double request, const char* method, int method_len, const char* path, int path_len,
       const char* body, int body_len, const char* key, int key_len, const char* token,
       int token_len, int delay_ms),
      {
          HiltBridge.http(request, UTF8ToString(method, method_len), UTF8ToString(path, path_len),
                          UTF8ToString(body, body_len),
                          {key: UTF8ToString(key, key_len), manageToken: UTF8ToString(token, token_len)},
                          delay_ms);
      });
EM_JS(void, hilt_js_wallet_connect, (double request), { HiltBridge.walletConnect(request); });
EM_JS(void, hilt_js_wallet_sign, (double request, const char* tx, int tx_len),
      { HiltBridge.walletSign(request, UTF8ToString(tx, tx_len)); });
EM_JS(char*, hilt_js_storage_get, (const char* key, int key_len),
      { return HiltBridge.toC(HiltBridge.storageGet(UTF8ToString(key, key_len))); });
EM_JS(void, hilt_js_storage_set, (const char* key, int key_len, const char* value, int value_len),
      { HiltBridge.storageSet(UTF8ToString(key, key_len), UTF8ToString(value, value_len)); });
EM_JS(void, hilt_js_storage_remove, (const char* key, int key_len),
      { HiltBridge.storageRemove(UTF8ToString(key, key_len)); });
EM_JS(void, hilt_js_navigate, (const char* url, int len),
      { HiltBridge.navigate(UTF8ToString(url, len)); });
EM_JS(void, hilt_js_open_new_tab, (const char* url, int len),
      { HiltBridge.openNewTab(UTF8ToString(url, len)); });
EM_JS(void, hilt_js_start_over, (), { HiltBridge.startOver(); });
EM_JS(void, hilt_js_show_fallback, (), { HiltBridge.showFallback(); });
EM_JS(void, hilt_js_frame_drawn, (), { HiltBridge.frame(); });
EM_JS(void, hilt_js_replace_query, (const char* url, int len),
      { HiltBridge.replaceUrl(UTF8ToString(url, len)); });
EM_JS(void, hilt_js_copy, (const char* text, int len),
      { HiltBridge.copy(UTF8ToString(text, len)); });
EM_JS(void, hilt_js_announce, (const char* text, int len),
      { HiltBridge.announce(UTF8ToString(text, len)); });
EM_JS(void, hilt_js_cursor, (int pointer), { HiltBridge.setCursor(pointer !== 0); });
EM_JS(void, hilt_js_publish_state, (const char* json, int len),
      { HiltBridge.publishState(UTF8ToString(json, len)); });
EM_JS(void, hilt_js_publish_actions, (const char* json, int len),
      { HiltBridge.publishActions(UTF8ToString(json, len)); });
EM_JS(void, hilt_js_app_ready, (), { HiltBridge.appReady(); });
EM_JS(void, hilt_js_bridge_ready, (), { HiltBridge.runtimeReady(); });

// ---- calls from bridge.js -----------------------------------------------------------------------
EMSCRIPTEN_KEEPALIVE void hilt_http_done(double request, int status, const char* body) {
    if (g_callbacks.on_http_reply == nullptr) return;
    g_callbacks.on_http_reply(static_cast<std::uint64_t>(request), status,
                              body != nullptr ? std::string_view(body) : std::string_view());
}

EMSCRIPTEN_KEEPALIVE void hilt_wallet_done(double request, int code, const char* value,
                                           const char* message) {
    if (g_callbacks.on_wallet_reply == nullptr) return;
    g_callbacks.on_wallet_reply(static_cast<std::uint64_t>(request), code,
                                value != nullptr ? std::string_view(value) : std::string_view(),
                                message != nullptr ? std::string_view(message)
                                                   : std::string_view());
}

EMSCRIPTEN_KEEPALIVE void hilt_visibility(int visible) {
    if (g_callbacks.on_visibility != nullptr) g_callbacks.on_visibility(visible != 0);
}

// `bytes` was malloc'ed by the bridge; ownership passes to the callback (or is released here).
EMSCRIPTEN_KEEPALIVE void hilt_font(int slot, unsigned char* bytes, int size) {
    if (g_callbacks.on_font == nullptr || (slot != 0 && slot != 1)) {
        std::free(bytes);
        return;
    }
    g_callbacks.on_font(static_cast<hilt::web::browser::FontSlot>(slot), bytes, size);
}

EMSCRIPTEN_KEEPALIVE void hilt_resize() {
    if (g_callbacks.on_resize != nullptr) g_callbacks.on_resize();
}

}  // extern "C"

namespace hilt::web::browser {

namespace {

int size_of(std::string_view text) { return static_cast<int>(text.size()); }

std::string text_field(const nlohmann::json& json, const char* key) {
    const auto it = json.find(key);
    return it != json.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool bool_field(const nlohmann::json& json, const char* key, bool fallback) {
    const auto it = json.find(key);
    return it != json.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

}  // namespace

PageInfo read_page() {
    PageInfo page;
    const auto text = take(hilt_js_page());
    if (!text) return page;
    const auto json = nlohmann::json::parse(*text, nullptr, false);
    if (json.is_discarded() || !json.is_object()) return page;
    page.page = text_field(json, "page");
    page.membership_id = text_field(json, "membership_id");
    page.slug = text_field(json, "slug");
    page.page_url = text_field(json, "page_url");
    page.href = text_field(json, "href");
    page.merchant_name = text_field(json, "merchant_name");
    page.extension_available = bool_field(json, "extension_available", false);
    page.mobile = bool_field(json, "mobile", false);
    page.visible = bool_field(json, "visible", true);
    return page;
}

double now_ms() { return hilt_js_now_ms(); }
double device_pixel_ratio() { return hilt_js_dpr(); }
double canvas_css_width() { return hilt_js_canvas_width(); }
double viewport_css_height() { return hilt_js_viewport_height(); }
void size_canvas(int backing_width, int backing_height, double css_height) {
    hilt_js_size_canvas(backing_width, backing_height, css_height);
}

void http(std::uint64_t request, std::string_view method, std::string_view path,
          std::string_view body, const RequestHeaders& headers, std::uint32_t delay_ms) {
    hilt_js_http(static_cast<double>(request), method.data(), size_of(method), path.data(),
                 size_of(path), body.data(), size_of(body), headers.idempotency_key.data(),
                 size_of(headers.idempotency_key), headers.manage_token.data(),
                 size_of(headers.manage_token), static_cast<int>(delay_ms));
}

void wallet_connect(std::uint64_t request) {
    hilt_js_wallet_connect(static_cast<double>(request));
}

void wallet_sign(std::uint64_t request, std::string_view transaction_base64) {
    hilt_js_wallet_sign(static_cast<double>(request), transaction_base64.data(),
                        size_of(transaction_base64));
}

std::optional<std::string> storage_get(std::string_view key) {
    return take(hilt_js_storage_get(key.data(), size_of(key)));
}
void storage_set(std::string_view key, std::string_view value) {
    hilt_js_storage_set(key.data(), size_of(key), value.data(), size_of(value));
}
void storage_remove(std::string_view key) { hilt_js_storage_remove(key.data(), size_of(key)); }

void navigate(std::string_view url) { hilt_js_navigate(url.data(), size_of(url)); }
void open_new_tab(std::string_view url) { hilt_js_open_new_tab(url.data(), size_of(url)); }
void start_over() { hilt_js_start_over(); }
void show_fallback() { hilt_js_show_fallback(); }
void frame_drawn() { hilt_js_frame_drawn(); }
void replace_query(std::string_view url) { hilt_js_replace_query(url.data(), size_of(url)); }
void copy_text(std::string_view text) { hilt_js_copy(text.data(), size_of(text)); }
void announce(std::string_view text) { hilt_js_announce(text.data(), size_of(text)); }
void set_pointer_cursor(bool pointer) { hilt_js_cursor(pointer ? 1 : 0); }
void publish_state(std::string_view describe_json) {
    hilt_js_publish_state(describe_json.data(), size_of(describe_json));
}
void publish_actions(std::string_view actions_json) {
    hilt_js_publish_actions(actions_json.data(), size_of(actions_json));
}
void app_ready() { hilt_js_app_ready(); }
void bridge_ready() { hilt_js_bridge_ready(); }

void set_callbacks(const Callbacks& callbacks) { g_callbacks = callbacks; }

}  // namespace hilt::web::browser
