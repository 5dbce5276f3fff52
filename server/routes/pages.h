// server/routes/pages.h: the hosted checkout page (GET /p/{slug}), the subscriber's manage page
// (GET /m/{membership_id}, the same app), the checkout's static files
// (GET /assets/{path}, from ServerConfig::assets_dir) and the merchant's button script
// (GET /embed.js).
//
// Owns: the HTML shell (title, price, merchant name as real text, Open Graph tags for link
// previews, the canvas, the checkout script from assets_dir/manifest.json, its stylesheet inlined,
// and preloads of the .wasm and fonts it fetches next), its 404/410/429/500 pages (styled by the
// same stylesheet) and the page's Content-Security-Policy.
// Must never: put delivery_value or metadata into a page, interpolate any value without
// html_escape, add an inline script, or inline any style but the manifest's stylesheet, whose
// hash is the only one the page's CSP allows; nor answer a browser with JSON on /p/.
//
//  - Cache-Control on the page is short (ServerConfig::public_payload_max_age_seconds) so a price
//    change or an archive shows within a second, also through nginx's micro-cache.
//  - manifest.json (web/tools/pack_assets.mjs): {"entry": "checkout.<hash>.js",
//    "style"?: "checkout.<hash>.css", "wasm"?: "checkout.<hash>.wasm", "fonts"?: [names]}; every
//    name must pass is_safe_asset_path, else it is ignored. The style file is inlined and hashed for
//    the CSP on each page (StaticFiles caches its bytes; hashing ~3 KB costs microseconds). Without
//    a manifest (or with a bad one) the page loads /assets/checkout.js and nothing else.
//  - /p/ is rate limited like the other public routes; /assets/ and /embed.js are not (static,
//    cached, and served by nginx directly in production).
//  - /embed.js is assets_dir/embed.js under a stable, short address for merchants' pages: the same
//    bytes, ETag and precompressed siblings as /assets/embed.js, but cached for
//    kEmbedScriptMaxAgeSeconds (its name carries no hash, and every merchant page view loads it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app.h"
#include "http/http_server.h"
#include "solana/pubkey.h"

namespace hilt::server {

// WARNING: the page's whole security policy, around its style-src (checkout_page_csp). No inline
// script at all; 'wasm-unsafe-eval' only lets the page compile WebAssembly; the checkout talks to
// this origin only.
inline constexpr std::string_view kCheckoutPageCspBeforeStyle =
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; "
    "img-src 'self' data:; style-src ";
inline constexpr std::string_view kCheckoutPageCspAfterStyle =
    "; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
// The script the page loads when assets_dir has no usable manifest.json.
inline constexpr std::string_view kDefaultCheckoutEntry = "checkout.js";
// Font files preloaded from the manifest: the checkout uses two (Inter Regular and SemiBold); a
// longer list is a broken manifest, and each preload costs bandwidth before the first frame.
inline constexpr std::size_t kMaxPreloadedFonts = 4;
// Seconds a merchant's page may reuse /embed.js before revalidating: short, because the name is
// not content-addressed, yet enough to spare a request on every page view of a browsing buyer.
inline constexpr int kEmbedScriptMaxAgeSeconds = 300;
// Code points of the product description kept in <meta name="description"> and og:description: link
// previews show about two lines.
inline constexpr std::size_t kPreviewDescriptionMaxChars = 200;

// Text safe inside HTML element content and double- or single-quoted attribute values: & < > " '
// become entities; C0 control characters other than tab, LF and CR, and DEL, are dropped.
std::string html_escape(std::string_view text);

// "12.50 USDC" for a known mint (money::format_display with the asset's decimals and symbol); the
// raw integer and "tokens" otherwise ("1250 tokens").
std::string price_text(std::int64_t amount_minor_units, const solana::PublicKey& mint);

// The manifest's stylesheet, put in the page's <head> rather than linked: a linked stylesheet blocks
// the first paint of the shell's text for one more request (a round trip on a phone; on the bench's
// loopback, ~4% of a bare page's time to first frame). The CSP allows exactly these bytes.
struct InlineStyle {
    std::string css;
    std::string csp_source;  // 'sha256-<base64 of SHA-256(css)>'
};
// `css` as an InlineStyle; nullopt when it holds a '<' (it could close the <style> element; no
// stylesheet of ours needs one).
std::optional<InlineStyle> inline_style(std::string css);
// The page's Content-Security-Policy: style-src is the inline stylesheet's hash, or 'none'.
std::string checkout_page_csp(const std::optional<InlineStyle>& style);

// The WASM app's files named by assets_dir/manifest.json, all under /assets/, and its stylesheet.
struct AppAssets {
    std::string script = std::string(kDefaultCheckoutEntry);
    std::optional<InlineStyle> style;
    std::optional<std::string> wasm;  // preloaded
    std::vector<std::string> fonts;   // preloaded
};

// What the checkout shell shows. Every field is plain text; render_checkout_page escapes them.
struct CheckoutPageView {
    std::string title;
    std::optional<std::string> description;
    std::string price;
    std::string merchant_name;
    std::string slug;
    std::string url;  // the product's checkout_url (og:url)
    AppAssets assets;
};

std::string render_checkout_page(const CheckoutPageView& view);

// The subscriber's manage page (GET /m/{membership_id}): the same app, told by data-page="manage"
// to draw the manage screens; the shell names no product (it is not looked up) and holds no secret.
struct ManagePageView {
    std::string membership_id;
    AppAssets assets;
};

std::string render_manage_page(const ManagePageView& view);
// A small human page for 404, 410, 429 and 500 answers; `style` is the checkout's stylesheet,
// which has rules for these pages.
std::string render_message_page(std::string_view title, std::string_view heading,
                                std::string_view text,
                                const std::optional<InlineStyle>& style = std::nullopt);

void register_page_routes(HttpServer& http, AppContext& context);

}  // namespace hilt::server
