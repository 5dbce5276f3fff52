// server/routes/pages.h: the hosted checkout page (GET /p/{slug}) and the checkout's static files
// (GET /assets/{path}, from ServerConfig::assets_dir).
//
// Owns: the HTML shell (title, price, merchant name as real text, Open Graph tags for link
// previews, the canvas and the checkout script from assets_dir/manifest.json), its 404/410/429/500
// pages and the page's Content-Security-Policy.
// Must never: put delivery_value or metadata into a page, interpolate any value without
// html_escape, add an inline script or style (the CSP below forbids them), or answer a browser
// with JSON on /p/.
//
//  - Cache-Control on the page is short (ServerConfig::public_payload_max_age_seconds) so a price
//    change or an archive shows within a second, also through nginx's micro-cache.
//  - manifest.json: {"entry": "checkout.<hash>.js", "style"?: "checkout.<hash>.css"}; names must
//    pass is_safe_asset_path. Without a manifest (or with a bad one) the page loads
//    /assets/checkout.js.
//  - /p/ is rate limited like the other public routes; /assets/ is not (static, cached, and served
//    by nginx directly in production).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "app.h"
#include "http/http_server.h"
#include "solana/pubkey.h"

namespace hilt::server {

// WARNING: the page's whole security policy. No inline code at all; 'wasm-unsafe-eval' only lets
// the page compile WebAssembly; the checkout talks to this origin only.
inline constexpr std::string_view kCheckoutPageCsp =
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; "
    "img-src 'self' data:; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'none'";
// The script the page loads when assets_dir has no usable manifest.json.
inline constexpr std::string_view kDefaultCheckoutEntry = "checkout.js";
// Code points of the product description kept in <meta name="description"> and og:description: link
// previews show about two lines.
inline constexpr std::size_t kPreviewDescriptionMaxChars = 200;

// Text safe inside HTML element content and double- or single-quoted attribute values: & < > " '
// become entities; C0 control characters other than tab, LF and CR, and DEL, are dropped.
std::string html_escape(std::string_view text);

// "12.50 USDC" for a known mint (money::format_display with the asset's decimals and symbol); the
// raw integer and "tokens" otherwise ("1250 tokens").
std::string price_text(std::int64_t amount_minor_units, const solana::PublicKey& mint);

// What the checkout shell shows. Every field is plain text; render_checkout_page escapes them.
struct CheckoutPageView {
    std::string title;
    std::optional<std::string> description;
    std::string price;
    std::string merchant_name;
    std::string slug;
    std::string url;                                          // the product's checkout_url (og:url)
    std::string script = std::string(kDefaultCheckoutEntry);  // under /assets/
    std::optional<std::string> style;                         // under /assets/
};

std::string render_checkout_page(const CheckoutPageView& view);
// A small human page for 404, 410, 429 and 500 answers.
std::string render_message_page(std::string_view title, std::string_view heading,
                                std::string_view text);

void register_page_routes(HttpServer& http, AppContext& context);

}  // namespace hilt::server
