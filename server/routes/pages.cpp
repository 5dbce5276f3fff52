// server/routes/pages.cpp: the checkout shell, its message pages and the /assets/ routes.
#include "routes/pages.h"

#include <memory>
#include <utility>

#include "crypto/sodium.h"
#include "encoding/base64.h"
#include "http/static_files.h"
#include "models/json_reader.h"
#include "money/money.h"
#include "routes/auth.h"
#include "routes/respond.h"

namespace hilt::server {

namespace {

constexpr std::string_view kHtmlContentType = "text/html; charset=utf-8";
constexpr std::string_view kAssetsPrefix = "/assets/";
constexpr std::string_view kManifestName = "manifest.json";
constexpr std::string_view kEmbedScriptName = "embed.js";

// Runs of whitespace (newlines included) as one space, then at most `max_chars` code points, with
// an ellipsis when something was cut. Input is valid UTF-8 (the models check every stored text).
std::string preview_excerpt(std::string_view text, std::size_t max_chars) {
    std::string collapsed;
    collapsed.reserve(text.size());
    for (char c : text) {
        const bool space = c == ' ' || c == '\n' || c == '\r' || c == '\t';
        if (!space)
            collapsed += c;
        else if (!collapsed.empty() && collapsed.back() != ' ')
            collapsed += ' ';
    }
    while (!collapsed.empty() && collapsed.back() == ' ') collapsed.pop_back();
    std::size_t chars = 0;
    for (std::size_t i = 0; i < collapsed.size(); ++i) {
        if ((static_cast<unsigned char>(collapsed[i]) & 0xC0) == 0x80)
            continue;  // continuation byte
        if (chars++ == max_chars) {
            collapsed.resize(i);
            while (!collapsed.empty() && collapsed.back() == ' ') collapsed.pop_back();
            return collapsed + "\u2026";
        }
    }
    return collapsed;
}

std::string style_element(const std::optional<InlineStyle>& style) {
    return style ? "<style>" + style->css + "</style>\n" : std::string();
}

// The <head> that starts the WASM app: its stylesheet, the script, and preloads of what the script
// fetches next (Emscripten the .wasm, bridge.js the fonts, both with fetch() in CORS mode with
// same-origin credentials, which crossorigin="anonymous" matches: asking now overlaps them with the
// script's own download). The script comes first and asks for high priority: a deferred script is
// otherwise a low-priority request, which Chromium sent after the preloads (its answer arrived
// after the .wasm's on loopback; on a phone's link it would queue behind the .wasm's 200 KB), and
// nothing starts, not even the .wasm's compilation, before it has run.
std::string app_links(const AppAssets& assets) {
    const auto& [script, style, wasm, fonts] = assets;
    std::string html = style_element(style);
    html += "<script src=\"/assets/" + html_escape(script) +
            "\" defer fetchpriority=\"high\"></script>\n";
    if (wasm) {
        html += "<link rel=\"preload\" href=\"/assets/" + html_escape(*wasm) +
                "\" as=\"fetch\" type=\"application/wasm\" crossorigin=\"anonymous\">\n";
    }
    for (const auto& font : fonts) {
        html += "<link rel=\"preload\" href=\"/assets/" + html_escape(font) +
                "\" as=\"fetch\" crossorigin=\"anonymous\">\n";
    }
    return html;
}

HttpResponse html_response(int status, std::string body, std::string cache_control,
                           const std::optional<InlineStyle>& style) {
    HttpResponse response;
    response.status = status;
    response.body = std::move(body);
    response.content_type = std::string(kHtmlContentType);
    response.headers.emplace_back("Content-Security-Policy", checkout_page_csp(style));
    response.headers.emplace_back("Cache-Control", std::move(cache_control));
    // Compressed for clients that accept it (http/compression.h); the opener policy adds Sec-Fetch-Site.
    response.headers.emplace_back("Vary", "Accept-Encoding");
    return response;
}

// Cross-Origin-Opener-Policy for an app page (the checkout, the manage page). hiltd's default on every
// response, same-origin-allow-popups, cuts a page of another site that opened this one off from it (a
// merchant's window.open, a link that keeps its opener): that page cannot navigate the checkout, read
// its frames, or see when it closes. A load the buyer started themselves (a typed or pasted URL, a
// bookmark, a link that Discord's or Telegram's desktop app hands to the browser) has no such page:
// browsers say so with Sec-Fetch-Site: none. There the header would only cost time: Chromium cannot
// keep a page that sets it in the blank tab's renderer and waits for a new one (~190 ms before the
// first frame, bench (f)), so the answer says unsafe-none, the browsers' default. A browser that sends
// no Sec-Fetch-Site keeps hiltd's default. What this gives up: a tab that a page of another site opened,
// into which the buyer then types the checkout's address, stays reachable from that page (Chromium keeps a
// tab with related windows in its browsing instance); it could navigate the tab away later, in plain view
// of the address bar.
void set_opener_policy(const HttpRequest& request, HttpResponse& response) {
    for (auto& [name, value] : response.headers) {
        if (name == "Vary") value += ", Sec-Fetch-Site";
    }
    if (request.header("Sec-Fetch-Site") == "none") {
        response.headers.emplace_back("Cross-Origin-Opener-Policy", "unsafe-none");
    }
}

std::string short_cache(const AppContext& context) {
    return "public, max-age=" + std::to_string(context.config.public_payload_max_age_seconds);
}


std::optional<std::string> safe_name(const models::Json& json, const char* key) {
    const auto it = json.find(key);
    if (it == json.end() || !it->is_string()) return std::nullopt;
    const auto& name = it->get_ref<const std::string&>();
    if (!is_safe_asset_path(name)) return std::nullopt;
    return name;
}

// What assets_dir/manifest.json names, keeping only safe names (pages.h).
AppAssets read_manifest(StaticFiles& files) {
    AppAssets assets;
    auto manifest = files.find(kManifestName);
    if (!manifest) return assets;
    auto json = models::parse_json_text(*manifest->body);
    if (!json || !json->is_object()) return assets;
    if (auto entry = safe_name(*json, "entry")) assets.script = std::move(*entry);
    if (auto style = safe_name(*json, "style")) {
        // The file itself, never a .br/.gz sibling: its bytes go into the page.
        if (auto file = files.find(*style)) assets.style = inline_style(*file->body);
    }
    assets.wasm = safe_name(*json, "wasm");
    const auto fonts = json->find("fonts");
    if (fonts != json->end() && fonts->is_array()) {
        for (const auto& font : *fonts) {
            if (assets.fonts.size() == kMaxPreloadedFonts) break;
            if (!font.is_string()) continue;
            const auto& name = font.get_ref<const std::string&>();
            if (is_safe_asset_path(name)) assets.fonts.push_back(name);
        }
    }
    return assets;
}

HttpResponse message_page(int status, std::string_view title, std::string_view heading,
                          std::string_view text, std::string cache_control, StaticFiles& files) {
    auto style = read_manifest(files).style;
    return html_response(status, render_message_page(title, heading, text, style),
                         std::move(cache_control), style);
}

HttpResponse not_found_page(const AppContext& context, StaticFiles& files) {
    return message_page(404, "Checkout not found", "This checkout link does not exist",
                        "Check the link you were given, or ask the seller for a new one.",
                        short_cache(context), files);
}

HttpResponse internal_error_page(StaticFiles& files) {
    return message_page(500, "Something went wrong", "Something went wrong",
                        "The checkout could not be loaded. Please try again in a moment.",
                        "no-store", files);
}

HttpResponse checkout_page(const HttpRequest& request, AppContext& context, StaticFiles& files) {
    if (auto limited = limit_public(request, context)) {
        auto response = message_page(limited->status, "Too many requests", "Too many requests",
                                     "Please wait a moment, then reload this page.", "no-store",
                                     files);
        for (const auto& header : limited->headers) response.headers.push_back(header);
        return response;
    }
    const auto slug = request.path_param("slug");
    if (auto valid = models::validate_slug(slug); !valid) return not_found_page(context, files);
    auto product = context.products.find_by_slug(slug);
    if (!product) {
        return product.error().code == ErrorCode::NotFound ? not_found_page(context, files)
                                                           : internal_error_page(files);
    }
    if (product->status == models::ProductStatus::Archived) {
        return message_page(410, "No longer on sale", "This product is no longer on sale",
                            "\u201c" + product->title +
                                "\u201d has been withdrawn by its seller. Nothing can be "
                                "bought through this link any more.",
                            short_cache(context), files);
    }
    auto owner = context.products.owner_of(product->product_id);
    if (!owner) return internal_error_page(files);
    auto merchant = context.merchants.find_merchant(*owner);
    if (!merchant) return internal_error_page(files);

    // WARNING: only public fields from here on: never delivery_value, never metadata.
    CheckoutPageView view;
    view.title = product->title;
    view.description = product->description;
    view.price = price_text(product->amount_minor_units, product->token_mint);
    view.merchant_name = merchant->name;
    view.slug = product->slug;
    view.url = product->checkout_url;
    view.assets = read_manifest(files);
    auto response =
        html_response(200, render_checkout_page(view), short_cache(context), view.assets.style);
    set_opener_policy(request, response);
    expire_proxy_cache_this_second(response, context);
    return response;
}

// GET /m/{membership_id}: the subscriber's manage page. The shell is the same for every id (no lookup:
// the page's token is in the fragment, which only the app reads), so it tells nobody whether an id
// exists; the app answers "not valid" for a wrong id or token.
HttpResponse manage_page(const HttpRequest& request, AppContext& context, StaticFiles& files) {
    if (auto limited = limit_public(request, context)) {
        auto response = message_page(limited->status, "Too many requests", "Too many requests",
                                     "Please wait a moment, then reload this page.", "no-store", files);
        for (const auto& header : limited->headers) response.headers.push_back(header);
        return response;
    }
    const auto id = request.path_param("membership_id");
    if (!models::validate_id(id, models::kMembershipIdPrefix)) {
        return message_page(404, "Subscription not found", "This link does not name a subscription",
                            "Open the link from your receipt again, or ask the seller for a new one.", "no-store",
                            files);
    }
    ManagePageView view{id, read_manifest(files)};
    auto response = html_response(200, render_manage_page(view), "no-store", view.assets.style);
    response.headers.emplace_back("Referrer-Policy", "no-referrer");
    set_opener_policy(request, response);
    return response;
}

// GET /embed.js: assets_dir/embed.js with its ETag and precompressed siblings, cached briefly.
HttpResponse embed_script(const HttpRequest& request, StaticFiles& files) {
    auto response = asset_response(files, request, kEmbedScriptName);
    if (response.status != 200 && response.status != 304) return response;
    for (auto& [name, value] : response.headers) {
        if (name == "Cache-Control") {
            value = "public, max-age=" + std::to_string(kEmbedScriptMaxAgeSeconds);
        }
    }
    return response;
}

}  // namespace

std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    for (char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            case '\t':
            case '\n':
            case '\r':
                out += c;
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) break;
                out += c;
        }
    }
    return out;
}

std::optional<InlineStyle> inline_style(std::string css) {
    if (css.find('<') != std::string::npos) return std::nullopt;
    auto source = "'sha256-" + base64_encode(sha256(as_bytes(css))) + "'";
    return InlineStyle{std::move(css), std::move(source)};
}

std::string checkout_page_csp(const std::optional<InlineStyle>& style) {
    return std::string(kCheckoutPageCspBeforeStyle) + (style ? style->csp_source : "'none'") +
           std::string(kCheckoutPageCspAfterStyle);
}

std::string price_text(std::int64_t amount_minor_units, const solana::PublicKey& mint) {
    if (auto match = money::find_asset_by_mint(mint)) {
        const auto& asset = *match->asset;
        if (auto text = money::format_display(amount_minor_units, asset.decimals)) {
            return *text + " " + std::string(asset.symbol);
        }
    }
    return std::to_string(amount_minor_units) + " tokens";
}

std::string render_checkout_page(const CheckoutPageView& view) {
    const auto title = html_escape(view.title);
    const auto price = html_escape(view.price);
    const auto merchant = html_escape(view.merchant_name);
    std::string summary = view.price + " \u00b7 sold by " + view.merchant_name;
    if (view.description && !view.description->empty()) {
        summary += ". " + preview_excerpt(*view.description, kPreviewDescriptionMaxChars);
    }
    const auto description_meta = html_escape(summary);

    std::string html;
    html.reserve(4096);
    html += "<!doctype html>\n<html lang=\"en\">\n<head>\n";
    html += "<meta charset=\"utf-8\">\n";
    html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    html += "<title>" + title + " \u00b7 " + price + "</title>\n";
    html += "<meta name=\"description\" content=\"" + description_meta + "\">\n";
    html += "<meta property=\"og:type\" content=\"website\">\n";
    html += "<meta property=\"og:site_name\" content=\"Hilt\">\n";
    html += "<meta property=\"og:title\" content=\"" + title + "\">\n";
    html += "<meta property=\"og:description\" content=\"" + description_meta + "\">\n";
    html += "<meta property=\"og:url\" content=\"" + html_escape(view.url) + "\">\n";
    html += "<meta name=\"twitter:card\" content=\"summary\">\n";
    html += "<meta name=\"twitter:title\" content=\"" + title + "\">\n";
    html += "<meta name=\"twitter:description\" content=\"" + description_meta + "\">\n";
    html += app_links(view.assets);
    html += "</head>\n<body>\n<main id=\"checkout\">\n";
    html += "<h1 id=\"product-title\">" + title + "</h1>\n";
    html += "<p id=\"product-price\">" + price + "</p>\n";
    html += "<p id=\"product-merchant\">Sold by " + merchant + "</p>\n";
    if (view.description && !view.description->empty()) {
        html += "<p id=\"product-description\">" + html_escape(*view.description) + "</p>\n";
    }
    html += "<canvas id=\"canvas\" data-slug=\"" + html_escape(view.slug) +
            "\" aria-label=\"Checkout for " + title + "\"></canvas>\n";
    html += "<noscript><p>" + title + " costs " + price + ", sold by " + merchant +
            ". Paying needs JavaScript and WebAssembly: please enable them, or open this link in a "
            "wallet's "
            "browser.</p></noscript>\n";
    html += "</main>\n</body>\n</html>\n";
    return html;
}

std::string render_manage_page(const ManagePageView& view) {
    std::string html;
    html.reserve(2048);
    html += "<!doctype html>\n<html lang=\"en\">\n<head>\n";
    html += "<meta charset=\"utf-8\">\n";
    html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    html += "<meta name=\"robots\" content=\"noindex\">\n";
    html += "<title>Your subscription \u00b7 Hilt</title>\n";
    html += app_links(view.assets);
    html += "</head>\n<body>\n<main id=\"checkout\">\n";
    html += "<h1 id=\"product-title\">Your subscription</h1>\n";
    html += "<p id=\"product-price\">Loading your subscription\u2026</p>\n";
    html += "<canvas id=\"canvas\" data-page=\"manage\" data-membership=\"" + html_escape(view.membership_id) +
            "\" aria-label=\"Manage your subscription\"></canvas>\n";
    html += "<noscript><p>Managing your subscription needs JavaScript and WebAssembly: please enable them, "
            "or open this link in a wallet's browser. You can also revoke Hilt's approval in your wallet at any "
            "time.</p></noscript>\n";
    html += "</main>\n</body>\n</html>\n";
    return html;
}

std::string render_message_page(std::string_view title, std::string_view heading,
                                std::string_view text, const std::optional<InlineStyle>& style) {
    std::string html;
    html += "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    html += "<meta name=\"robots\" content=\"noindex\">\n";
    html += "<title>" + html_escape(title) + " \u00b7 Hilt</title>\n";
    html += style_element(style);
    html += "</head>\n<body>\n<main>\n";
    html += "<h1>" + html_escape(heading) + "</h1>\n<p>" + html_escape(text) + "</p>\n";
    html += "</main>\n</body>\n</html>\n";
    return html;
}

void register_page_routes(HttpServer& http, AppContext& context) {
    // Shared by the handlers, which the HttpServer keeps as long as it serves.
    auto files = std::make_shared<StaticFiles>(context.config.assets_dir);

    http.route("GET", "/p/{slug}", [&context, files](const HttpRequest& request) {
        return checkout_page(request, context, *files);
    });
    http.route("GET", "/m/{membership_id}", [&context, files](const HttpRequest& request) {
        return manage_page(request, context, *files);
    });
    http.route("GET", "/embed.js",
               [files](const HttpRequest& request) { return embed_script(request, *files); });

    // The wrapper's path parameters match one segment each: one route per depth. httplib has
    // already percent-decoded request.path; asset_response checks the decoded name.
    std::string pattern(kAssetsPrefix.substr(0, kAssetsPrefix.size() - 1));
    for (std::size_t depth = 1; depth <= kAssetPathMaxSegments; ++depth) {
        pattern += "/{segment" + std::to_string(depth) + "}";
        http.route("GET", pattern, [files](const HttpRequest& request) {
            const std::string_view path(request.path);
            const auto relative = path.size() > kAssetsPrefix.size()
                                      ? path.substr(kAssetsPrefix.size())
                                      : std::string_view();
            return asset_response(*files, request, relative);
        });
    }
}

}  // namespace hilt::server
