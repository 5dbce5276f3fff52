// The hosted checkout page (GET /p/{slug}) and the static assets (GET /assets/{path}) over real
// HTTP, with a real SQLite file and an assets folder each test fills.
#include <algorithm>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "http/static_files.h"
#include "routes/pages.h"
#include "routes/qr.h"
#include "support/fixtures.h"
#include "unit/server/app_harness.h"

namespace hilt::server {
namespace {

// The shell's one script element, for the manifest's entry `name`.
std::string script_element(std::string_view name) {
    return "<script src=\"/assets/" + std::string(name) + "\" defer fetchpriority=\"high\"></script>";
}

// The page's policy around its style-src: the inline stylesheet's hash, or 'none' without one.
std::string csp_with_style(std::string_view style_source) {
    return "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; img-src "
           "'self' data:; style-src " +
           std::string(style_source) + "; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
}
const std::string kCsp = csp_with_style("'none'");
// A stylesheet whose bytes are "abc": SHA-256 ba7816bf…15ad (FIPS 180-2's first example), base64.
constexpr std::string_view kAbcStyleSource = "'sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0='";

bool contains(const std::string& haystack, std::string_view needle) {
    return haystack.find(needle) != std::string::npos;
}

std::size_t count_of(const std::string& haystack, std::string_view needle) {
    std::size_t count = 0;
    for (auto at = haystack.find(needle); at != std::string::npos;
         at = haystack.find(needle, at + 1))
        ++count;
    return count;
}

// A brotli stream holding `text` in one stored (uncompressed) meta-block, RFC 7932 §9.2: WBITS=16,
// ISLAST=0, MNIBBLES=4, MLEN-1=len-1, ISUNCOMPRESSED=1, padding; then an empty last meta-block
// (0x03). Node's zlib.brotliDecompressSync decodes it to `text`.
std::string brotli_stored(std::string_view text) {
    const auto mlen_minus_one = static_cast<unsigned>(text.size() - 1);
    std::string out;
    out += static_cast<char>((mlen_minus_one & 0x0F) << 4);
    out += static_cast<char>((mlen_minus_one >> 4) & 0xFF);
    out += static_cast<char>(((mlen_minus_one >> 12) & 0x0F) | 0x10);
    out += text;
    out += '\x03';
    return out;
}

constexpr std::string_view kBrotliText = "console.log('served as brotli');\n";
constexpr std::string_view kGzipText = "console.log('served as gzip');\n";
// Python's gzip.compress(kGzipText, mtime=0); node's zlib.gunzipSync decodes it to kGzipText.
const std::string kGzipBytes(
    "\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\x4b\xce\xcf\x2b\xce\xcf\x49\xd5\xcb\xc9\x4f\xd7\x50"
    "\x2f\x4e\x2d\x2a\x4b\x4d\x51\x48\x2c\x56\x48\xaf\xca\x2c\x50\xd7\xb4\xe6\x02\x00\x01\xb9\xef"
    "\xca\x1f\x00\x00\x00",
    51);

class PagesTest : public test::AppHarness {
protected:
    void configure(ServerConfig& config) override {
        assets_ = dir_ / "assets";
        std::filesystem::create_directories(assets_);
        config.assets_dir = assets_.string();
    }

    void write_file(const std::filesystem::path& path, std::string_view content) {
        std::filesystem::create_directories(path.parent_path());
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(content.data(), static_cast<std::streamsize>(content.size()));
        ASSERT_TRUE(out.good()) << path;
    }
    void write_asset(const std::string& name, std::string_view content) {
        write_file(assets_ / name, content);
    }

    nlohmann::json product_request() const {
        auto json = nlohmann::json::parse(hilt::test::read_fixture("models/product_request.json"));
        // This workspace has no subscriptions.
        json["membership_config"]["renewal_mode"] = "ONE_OFF";
        return json;
    }
    nlohmann::json create(const nlohmann::json& body, const httplib::Headers& headers) {
        auto res = client_->Post("/v1/products", headers, body.dump(), "application/json");
        EXPECT_TRUE(res);
        EXPECT_EQ(res->status, 201) << res->body;
        return json_of(res);
    }
    std::string slug_of(const nlohmann::json& product) const {
        return product["slug"].get<std::string>();
    }

    // A client that shows the bytes on the wire: no automatic decompression.
    std::unique_ptr<httplib::Client> raw_client() const {
        auto client = std::make_unique<httplib::Client>("127.0.0.1", port_);
        client->set_decompress(false);
        return client;
    }
    httplib::Result get_raw(const std::string& path, httplib::Headers headers = {}) {
        if (headers.find("Accept-Encoding") == headers.end())
            headers.emplace("Accept-Encoding", "identity");
        return raw_client()->Get(path, headers);
    }

    void expect_html_page(const httplib::Result& res, int status) {
        ASSERT_TRUE(res);
        EXPECT_EQ(res->status, status) << res->body;
        EXPECT_EQ(res->get_header_value("Content-Type"), "text/html; charset=utf-8");
        EXPECT_EQ(res->get_header_value("Content-Security-Policy"), kCsp);
        EXPECT_FALSE(res->get_header_value("X-Request-Id").empty());
        EXPECT_EQ(res->body.rfind("<!doctype html>", 0), 0u) << res->body;
        EXPECT_FALSE(contains(res->body, "\"error\"")) << res->body;
    }

    std::filesystem::path assets_;
};

// ---- the page ------------------------------------------------------------------------------

TEST_F(PagesTest, PageShowsTitlePriceAndMerchantAsTextWithOpenGraphTagsAndTheStrictCsp) {
    const auto product = create(product_request(), merchant());
    auto res = client_->Get("/p/" + slug_of(product));
    expect_html_page(res, 200);
    EXPECT_EQ(res->get_header_value("Cache-Control"), "public, max-age=1");
    EXPECT_EQ(res->get_header_value("X-Frame-Options"), "DENY");
    const auto& body = res->body;
    const std::string title = "Alpha Traders \u2014 monthly access";
    const std::string url = product["checkout_url"].get<std::string>();

    EXPECT_TRUE(contains(body, "<title>" + title + " \u00b7 25.00 USDC</title>")) << body;
    EXPECT_TRUE(contains(body, "<h1 id=\"product-title\">" + title + "</h1>")) << body;
    EXPECT_TRUE(contains(body, "<p id=\"product-price\">25.00 USDC</p>")) << body;
    EXPECT_TRUE(contains(body, "<p id=\"product-merchant\">Sold by Test Guild</p>")) << body;
    EXPECT_TRUE(contains(body, "<meta property=\"og:title\" content=\"" + title + "\">")) << body;
    EXPECT_TRUE(contains(body, "<meta property=\"og:type\" content=\"website\">")) << body;
    EXPECT_TRUE(contains(body, "<meta property=\"og:url\" content=\"" + url + "\">")) << body;
    EXPECT_TRUE(contains(body, "<meta property=\"og:site_name\" content=\"Hilt\">")) << body;
    EXPECT_TRUE(contains(body, "<meta name=\"twitter:card\" content=\"summary\">")) << body;
    // The preview description: price, merchant and the description with its newline folded.
    const std::string summary =
        "25.00 USDC \u00b7 sold by Test Guild. Daily market notes and the members-only Discord. "
        "Cancel any time.";
    EXPECT_TRUE(contains(body, "<meta name=\"description\" content=\"" + summary + "\">")) << body;
    EXPECT_TRUE(contains(body, "<meta property=\"og:description\" content=\"" + summary + "\">"))
        << body;
    EXPECT_TRUE(contains(body, "<canvas id=\"canvas\" data-slug=\"" + slug_of(product) + "\""))
        << body;
    const auto noscript = body.substr(body.find("<noscript>"));
    EXPECT_TRUE(contains(noscript, title + " costs 25.00 USDC, sold by Test Guild.")) << noscript;
    EXPECT_TRUE(contains(body, script_element("checkout.js"))) << body;
    // Nothing inline: the CSP would block it anyway.
    EXPECT_EQ(count_of(body, "<script"), 1u) << body;
    EXPECT_FALSE(contains(body, "<style")) << body;
    EXPECT_FALSE(contains(body, "style=")) << body;
    // No event handler attributes (onload= and the like).
    EXPECT_FALSE(std::regex_search(body, std::regex(R"(\son[a-z]+\s*=)"))) << body;
}

TEST_F(PagesTest, PageNeverContainsTheDeliveryValueOrMetadata) {
    const auto product = create(product_request(), merchant());
    auto res = client_->Get("/p/" + slug_of(product));
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200);
    for (const char* secret : {"discord.gg", "alpha-traders\"", "cus_8841", "crm_id",
                               "black-friday-2026", "campaign", "INVITE_LINK"}) {
        EXPECT_FALSE(contains(res->body, secret)) << secret << " leaked into\n" << res->body;
    }
}

TEST_F(PagesTest, PriceTextFollowsTheAssetsDecimalsAndAPriceChangeShowsOnTheNextRequest) {
    auto body = product_request();
    body["token_mint"] = "So11111111111111111111111111111111111111112";
    body["amount_minor_units"] = 1500000000;  // 1.5 SOL in lamports (9 decimals)
    const auto product = create(body, merchant());
    auto res = client_->Get("/p/" + slug_of(product));
    ASSERT_TRUE(res);
    EXPECT_TRUE(contains(res->body, "<p id=\"product-price\">1.50 SOL</p>")) << res->body;

    auto patch = client_->Patch(
        "/v1/products/" + product["product_id"].get<std::string>(), merchant(),
        R"({"amount_minor_units": 1234567891, "token_mint": "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU"})",
        "application/json");
    ASSERT_TRUE(patch);
    ASSERT_EQ(patch->status, 200) << patch->body;
    res = client_->Get("/p/" + slug_of(product));
    ASSERT_TRUE(res);
    EXPECT_TRUE(contains(res->body, "<p id=\"product-price\">1234.567891 USDC</p>")) << res->body;
    EXPECT_FALSE(contains(res->body, "SOL")) << res->body;
}

TEST_F(PagesTest, HostileTitleDescriptionAndMerchantNameAreEscapedEverywhere) {
    auto evil =
        app_->merchants().create_merchant("Evil <b>Co</b> & 'Sons'\" \x01", clock_.now_seconds());
    ASSERT_TRUE(evil) << describe(evil.error());
    auto body = product_request();
    body["title"] = "\"><script>alert(1)</script>";
    body["description"] = "<img src=x onerror=alert(2)>'\"&";
    const auto product = create(body, with_key(evil->second.secret));
    auto res = client_->Get("/p/" + slug_of(product));
    expect_html_page(res, 200);
    const auto& html = res->body;
    EXPECT_FALSE(contains(html, "<script>alert")) << html;
    EXPECT_FALSE(contains(html, "<img")) << html;
    EXPECT_FALSE(contains(html, "<b>")) << html;
    EXPECT_FALSE(contains(html, "\x01")) << html;
    EXPECT_EQ(count_of(html, "<script"), 1u) << html;
    const std::string title = "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;";
    EXPECT_TRUE(contains(html, "<h1 id=\"product-title\">" + title + "</h1>")) << html;
    EXPECT_TRUE(contains(html, "<meta property=\"og:title\" content=\"" + title + "\">")) << html;
    EXPECT_TRUE(
        contains(html, "Sold by Evil &lt;b&gt;Co&lt;/b&gt; &amp; &#39;Sons&#39;&quot; </p>"))
        << html;
    EXPECT_TRUE(contains(html, "&lt;img src=x onerror=alert(2)&gt;&#39;&quot;&amp;")) << html;
}

TEST(HtmlEscape, EscapesTheFiveSpecialCharactersAndDropsControlCharacters) {
    EXPECT_EQ(html_escape(""), "");
    EXPECT_EQ(html_escape("plain text \u00e9\u2014\u20ac"), "plain text \u00e9\u2014\u20ac");
    EXPECT_EQ(html_escape("\"><script>alert('x')</script>&amp;"),
              "&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;amp;");
    EXPECT_EQ(html_escape(std::string("a\0b\x1f"
                                      "c\x7f"
                                      "d",
                                      7)),
              "abcd");
    EXPECT_EQ(html_escape("line\none\ttab\r"), "line\none\ttab\r");
}

TEST(CheckoutPage, PreviewDescriptionKeepsAtMost200CodePointsAndFoldsWhitespace) {
    CheckoutPageView view;
    view.title = "T";
    view.price = "1.00 USDC";
    view.merchant_name = "M";
    view.slug = "t-1";
    view.url = "https://pay.example/p/t-1";
    std::string long_text = "  Line\n\n\tone ";
    for (int i = 0; i < 250; ++i)
        long_text += "\u00e9";  // 2 bytes each: cuts must fall between code points
    view.description = long_text;
    const auto html = render_checkout_page(view);
    std::string expected = "1.00 USDC \u00b7 sold by M. Line one ";
    for (int i = 0; i < 200 - 9; ++i) expected += "\u00e9";  // "Line one " is 9 code points
    expected += "\u2026";
    EXPECT_TRUE(contains(html, "<meta name=\"description\" content=\"" + expected + "\">")) << html;
    // The page text itself keeps the whole description.
    EXPECT_TRUE(contains(html, "<p id=\"product-description\">" + html_escape(long_text) + "</p>"))
        << html;
}

TEST(PriceText, FormatsKnownMintsWithTheirDecimalsAndFallsBackToRawTokens) {
    const auto usdc = solana::PublicKey::parse("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v");
    const auto sol = solana::PublicKey::parse("So11111111111111111111111111111111111111112");
    const auto other = solana::PublicKey::parse("9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM");
    ASSERT_TRUE(usdc && sol && other);
    EXPECT_EQ(price_text(12500000, *usdc), "12.50 USDC");
    EXPECT_EQ(price_text(1, *usdc), "0.000001 USDC");
    EXPECT_EQ(price_text(2000000000, *sol), "2.00 SOL");
    EXPECT_EQ(price_text(1250, *other), "1250 tokens");
}

TEST_F(PagesTest, UnknownAndInvalidSlugsAreAHumanHtml404) {
    for (const std::string path :
         {"/p/no-such-product-x7k2", "/p/UPPER_case", "/p/%3Cscript%3Ealert(1)"}) {
        auto res = client_->Get(path);
        expect_html_page(res, 404);
        EXPECT_TRUE(contains(res->body, "This checkout link does not exist")) << res->body;
        EXPECT_FALSE(contains(res->body, "<script")) << res->body;
        EXPECT_FALSE(contains(res->body, "UPPER_case")) << res->body;
    }
}

TEST_F(PagesTest, ArchivedProductIsAnHtml410) {
    const auto product = create(product_request(), merchant());
    auto archived =
        client_->Delete("/v1/products/" + product["product_id"].get<std::string>(), merchant());
    ASSERT_TRUE(archived);
    ASSERT_EQ(archived->status, 200) << archived->body;
    auto res = client_->Get("/p/" + slug_of(product));
    expect_html_page(res, 410);
    EXPECT_TRUE(contains(res->body, "<h1>This product is no longer on sale</h1>")) << res->body;
    EXPECT_TRUE(contains(res->body, "Alpha Traders \u2014 monthly access")) << res->body;
    EXPECT_FALSE(contains(res->body, "25.00 USDC")) << res->body;
    EXPECT_FALSE(contains(res->body, "<canvas")) << res->body;
}

// Cross-Origin-Opener-Policy: a page of another site that leads to the checkout (a link, window.open:
// Sec-Fetch-Site cross-site, or a browser that sends no fetch metadata) is cut off from it; a load the
// buyer started (Sec-Fetch-Site: none) says unsafe-none, so Chromium keeps the tab's renderer. One line
// each, and caches told the answer varies with the header.
TEST_F(PagesTest, OnlyALoadTheBuyerStartedLeavesTheOpenerPolicyAtTheBrowsersDefault) {
    const auto product = create(product_request(), merchant());
    const auto path = "/p/" + slug_of(product);
    const auto opener_policy = [&](const httplib::Headers& headers) {
        auto res = client_->Get(path, headers);
        EXPECT_TRUE(res);
        if (!res) return std::string();
        EXPECT_EQ(res->status, 200);
        EXPECT_EQ(res->get_header_value_count("Cross-Origin-Opener-Policy"), 1u);
        EXPECT_EQ(res->get_header_value_count("Vary"), 1u);
        EXPECT_EQ(res->get_header_value("Vary"), "Accept-Encoding, Sec-Fetch-Site");
        return res->get_header_value("Cross-Origin-Opener-Policy");
    };
    EXPECT_EQ(opener_policy({}), "same-origin-allow-popups");
    EXPECT_EQ(opener_policy({{"Sec-Fetch-Site", "cross-site"}}), "same-origin-allow-popups");
    EXPECT_EQ(opener_policy({{"Sec-Fetch-Site", "same-site"}}), "same-origin-allow-popups");
    EXPECT_EQ(opener_policy({{"Sec-Fetch-Site", "same-origin"}}), "same-origin-allow-popups");
    EXPECT_EQ(opener_policy({{"Sec-Fetch-Site", "NONE "}}), "same-origin-allow-popups");
    EXPECT_EQ(opener_policy({{"Sec-Fetch-Site", "none"}}), "unsafe-none");

    // The API and the message pages keep hiltd's policy whoever asks.
    for (const std::string& other : {std::string("/p/no-such-product-x7k2"), "/v1/products/p/" + slug_of(product)}) {
        auto res = client_->Get(other, {{"Sec-Fetch-Site", "none"}});
        ASSERT_TRUE(res);
        EXPECT_EQ(res->get_header_value_count("Cross-Origin-Opener-Policy"), 1u) << other;
        EXPECT_EQ(res->get_header_value("Cross-Origin-Opener-Policy"), "same-origin-allow-popups") << other;
    }
}

TEST_F(PagesTest, HeadAnswersThePageHeadersWithoutABody) {
    const auto product = create(product_request(), merchant());
    auto get = get_raw("/p/" + slug_of(product));
    auto head = raw_client()->Head("/p/" + slug_of(product), {{"Accept-Encoding", "identity"}});
    ASSERT_TRUE(get && head);
    EXPECT_EQ(head->status, 200);
    EXPECT_TRUE(head->body.empty());
    EXPECT_EQ(head->get_header_value("Content-Security-Policy"), kCsp);
    EXPECT_EQ(head->get_header_value("Content-Length"), std::to_string(get->body.size()));
}

TEST_F(PagesTest, ManifestEntryAndStyleAreLoadedAndUnsafeNamesFallBackToTheDefault) {
    const auto product = create(product_request(), merchant());
    const auto page = "/p/" + slug_of(product);
    write_asset("manifest.json",
                R"({"entry":"checkout.3f2a9c1d.js","style":"checkout.0badf00d.css"})");
    write_asset("checkout.0badf00d.css", "abc");
    auto res = client_->Get(page);
    ASSERT_TRUE(res);
    EXPECT_TRUE(contains(res->body, script_element("checkout.3f2a9c1d.js")))
        << res->body;
    // The stylesheet is in the page, and the policy allows exactly its bytes.
    EXPECT_TRUE(contains(res->body, "<style>abc</style>\n")) << res->body;
    EXPECT_LT(res->body.find("<style>"), res->body.find("</head>")) << res->body;
    EXPECT_EQ(res->get_header_value("Content-Security-Policy"), csp_with_style(kAbcStyleSource));
    EXPECT_FALSE(contains(res->body, "stylesheet")) << res->body;
    EXPECT_FALSE(contains(res->body, "/assets/checkout.js\"")) << res->body;

    // A stylesheet that could close its element is left out, and the policy allows no style.
    write_asset("checkout.0badf00d.css", "p{}</style><script>alert(1)</script>");
    res = client_->Get(page);
    ASSERT_TRUE(res);
    EXPECT_FALSE(contains(res->body, "<style")) << res->body;
    EXPECT_FALSE(contains(res->body, "alert")) << res->body;
    EXPECT_EQ(res->get_header_value("Content-Security-Policy"), kCsp);

    // A rebuilt checkout (new manifest) shows without a restart.
    write_asset("manifest.json", R"({"entry":"checkout.0011223344.js"})");
    res = client_->Get(page);
    ASSERT_TRUE(res);
    EXPECT_TRUE(
        contains(res->body, script_element("checkout.0011223344.js")))
        << res->body;
    EXPECT_FALSE(contains(res->body, "<style")) << res->body;

    for (const char* manifest :
         {R"({"entry":"../hilt.sqlite"})", R"({"entry":"\"><script>alert(1)</script>"})",
          R"({"entry":"/etc/passwd"})", R"({"entry":42})", R"(["checkout.x.js"])",
          "not json at all"}) {
        write_asset("manifest.json", manifest);
        res = client_->Get(page);
        ASSERT_TRUE(res);
        EXPECT_EQ(res->status, 200) << manifest;
        EXPECT_TRUE(contains(res->body, script_element("checkout.js")))
            << manifest;
        EXPECT_EQ(count_of(res->body, "<script"), 1u) << manifest;
        EXPECT_FALSE(contains(res->body, "hilt.sqlite")) << manifest;
    }
}

TEST_F(PagesTest, PagePreloadsTheManifestsWasmAndFontsWithSafeNamesOnly) {
    const auto product = create(product_request(), merchant());
    const auto page = "/p/" + slug_of(product);
    write_asset("manifest.json",
                R"({"entry":"checkout.3f2a9c1d.js","wasm":"checkout.0badf00d11.wasm",)"
                R"("fonts":["Inter-Regular.a7e791e8f5.otf",7,"../hilt.sqlite","a/.git/x",)"
                R"("\"><script>","Inter-SemiBold.8c1990b601.otf","f3.otf","f4.otf","f5.otf"]})");
    auto res = client_->Get(page);
    ASSERT_TRUE(res);
    const auto& body = res->body;
    EXPECT_TRUE(contains(body,
                         "<link rel=\"preload\" href=\"/assets/checkout.0badf00d11.wasm\" "
                         "as=\"fetch\" type=\"application/wasm\" crossorigin=\"anonymous\">\n"))
        << body;
    // Safe names in order, at most kMaxPreloadedFonts of them.
    for (const char* font : {"Inter-Regular.a7e791e8f5.otf", "Inter-SemiBold.8c1990b601.otf",
                             "f3.otf", "f4.otf"}) {
        EXPECT_TRUE(contains(body, std::string("<link rel=\"preload\" href=\"/assets/") + font +
                                       "\" as=\"fetch\" crossorigin=\"anonymous\">\n"))
            << font << "\n"
            << body;
    }
    EXPECT_EQ(count_of(body, "rel=\"preload\""), 1u + kMaxPreloadedFonts) << body;
    EXPECT_FALSE(contains(body, "/assets/f5.otf")) << body;
    EXPECT_FALSE(contains(body, "hilt.sqlite")) << body;
    EXPECT_FALSE(contains(body, ".git")) << body;
    EXPECT_EQ(count_of(body, "<script"), 1u) << body;
    // The script first, at high priority: the preloads are only of use once it has run.
    EXPECT_LT(body.find("<script"), body.find("rel=\"preload\"")) << body;

    for (const char* manifest :
         {R"({"entry":"checkout.3f2a9c1d.js","wasm":"../x.wasm","fonts":"Inter.otf"})",
          R"({"entry":"checkout.3f2a9c1d.js","wasm":42,"fonts":{"a":"b.otf"}})",
          R"({"entry":"checkout.3f2a9c1d.js"})"}) {
        write_asset("manifest.json", manifest);
        res = client_->Get(page);
        ASSERT_TRUE(res);
        EXPECT_EQ(res->status, 200) << manifest;
        EXPECT_FALSE(contains(res->body, "preload")) << manifest << "\n" << res->body;
    }
}

TEST_F(PagesTest, MessagePagesCarryTheManifestsStylesheet) {
    const auto product = create(product_request(), merchant());
    write_asset("manifest.json",
                R"({"entry":"checkout.3f2a9c1d.js","style":"checkout.0badf00d.css"})");
    write_asset("checkout.0badf00d.css", "abc");
    const std::string style = "<style>abc</style>\n";
    const auto expect_styled_page = [&](const httplib::Result& res, int status) {
        ASSERT_TRUE(res);
        EXPECT_EQ(res->status, status) << res->body;
        EXPECT_EQ(res->get_header_value("Content-Security-Policy"), csp_with_style(kAbcStyleSource));
        EXPECT_TRUE(contains(res->body, style)) << res->body;
        EXPECT_LT(res->body.find(style), res->body.find("</head>")) << res->body;
        EXPECT_FALSE(contains(res->body, "<script")) << res->body;
    };
    auto missing = client_->Get("/p/no-such-product-x7k2");
    expect_styled_page(missing, 404);

    auto archived =
        client_->Delete("/v1/products/" + product["product_id"].get<std::string>(), merchant());
    ASSERT_TRUE(archived);
    ASSERT_EQ(archived->status, 200) << archived->body;
    auto gone = client_->Get("/p/" + slug_of(product));
    expect_styled_page(gone, 410);

    // An unsafe style name is left out, and so are a missing name and a missing file.
    write_asset("manifest.json", R"({"entry":"checkout.3f2a9c1d.js","style":"../evil.css"})");
    missing = client_->Get("/p/no-such-product-x7k2");
    expect_html_page(missing, 404);
    EXPECT_FALSE(contains(missing->body, "<style")) << missing->body;
    write_asset("manifest.json", R"({"entry":"checkout.3f2a9c1d.js","style":"checkout.1234abcd.css"})");
    missing = client_->Get("/p/no-such-product-x7k2");
    expect_html_page(missing, 404);
    EXPECT_FALSE(contains(missing->body, "<style")) << missing->body;
    std::filesystem::remove(assets_ / "manifest.json");
    missing = client_->Get("/p/no-such-product-x7k2");
    expect_html_page(missing, 404);
    EXPECT_FALSE(contains(missing->body, "<link")) << missing->body;
    EXPECT_FALSE(contains(missing->body, "<style")) << missing->body;
}

TEST(MessagePage, StyleIsOptionalAndOnlyAStylesheetThatCannotCloseItsElementIsInlined) {
    const auto plain = render_message_page("T", "H", "P");
    EXPECT_FALSE(contains(plain, "<style")) << plain;
    const auto styled = render_message_page("T", "H", "P", inline_style("h1{color:red}"));
    EXPECT_TRUE(contains(styled, "<style>h1{color:red}</style>")) << styled;
    EXPECT_FALSE(inline_style("a{}</style>"));
    EXPECT_FALSE(inline_style("a::after{content:\"<\"}"));
    ASSERT_TRUE(inline_style("abc"));
    EXPECT_EQ(inline_style("abc")->csp_source, kAbcStyleSource);
}

TEST_F(PagesTest, EmbedScriptIsServedAtTheRootLikeItsAssetButCachedBriefly) {
    const std::string script = "(function () { /* embed */ })();\n";
    const auto brotli = brotli_stored(kBrotliText);
    write_asset("embed.js", script);
    write_asset("embed.js.br", brotli);

    auto root = get_raw("/embed.js");
    auto asset = get_raw("/assets/embed.js");
    ASSERT_TRUE(root && asset);
    EXPECT_EQ(root->status, 200) << root->body;
    EXPECT_EQ(root->body, script);
    EXPECT_EQ(root->get_header_value("Content-Type"), "application/javascript");
    EXPECT_EQ(root->get_header_value("Cache-Control"), "public, max-age=300");
    EXPECT_EQ(root->get_header_value("Vary"), "Accept-Encoding");
    EXPECT_EQ(root->get_header_value("ETag"), asset->get_header_value("ETag"));
    EXPECT_FALSE(root->get_header_value("ETag").empty());
    EXPECT_EQ(count_of(root->get_header_value("Cache-Control"), "max-age"), 1u);
    // The hashed-name rules still hold under /assets/.
    EXPECT_EQ(asset->body, script);
    EXPECT_EQ(asset->get_header_value("Cache-Control"), "no-cache");

    auto br = get_raw("/embed.js", {{"Accept-Encoding", "gzip, br"}});
    ASSERT_TRUE(br);
    EXPECT_EQ(br->get_header_value("Content-Encoding"), "br");
    EXPECT_EQ(br->body, brotli);

    auto cached = get_raw("/embed.js", {{"If-None-Match", root->get_header_value("ETag")}});
    ASSERT_TRUE(cached);
    EXPECT_EQ(cached->status, 304);
    EXPECT_TRUE(cached->body.empty());
    EXPECT_EQ(cached->get_header_value("Cache-Control"), "public, max-age=300");

    auto head = raw_client()->Head("/embed.js", {{"Accept-Encoding", "identity"}});
    ASSERT_TRUE(head);
    EXPECT_EQ(head->status, 200);
    EXPECT_EQ(head->get_header_value("Content-Length"), std::to_string(script.size()));

    std::filesystem::remove(assets_ / "embed.js");
    auto gone = get_raw("/embed.js");
    ASSERT_TRUE(gone);
    EXPECT_EQ(gone->status, 404);
    EXPECT_EQ(json_of(gone)["error"]["code"], "not_found") << gone->body;
}

// The image's decoding is tested in tests/browser/qr_svg.test.mjs (Chromium renders it, zbarimg
// reads it); here: who may fetch it and the shape of the document.
TEST_F(PagesTest, ProductQrSvgIsTheMerchantsOwnCheckoutLinkAsOnePathWithAQuietZone) {
    const auto product = create(product_request(), merchant());
    const auto path = "/v1/products/" + product["product_id"].get<std::string>() + "/qr.svg";
    auto res = client_->Get(path, merchant());
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "image/svg+xml");
    EXPECT_EQ(res->get_header_value("Content-Security-Policy"), "default-src 'none'");
    EXPECT_EQ(res->get_header_value("Cache-Control"), "private, max-age=300");
    const auto& svg = res->body;
    EXPECT_EQ(count_of(svg, "<path"), 1u) << svg;
    EXPECT_EQ(count_of(svg, "<script"), 0u) << svg;
    EXPECT_TRUE(contains(svg, "shape-rendering=\"crispEdges\"")) << svg;
    std::smatch box;
    ASSERT_TRUE(std::regex_search(svg, box, std::regex(R"re(viewBox="0 0 (\d+) (\d+)")re"))) << svg;
    const int side = std::stoi(box[1]);
    EXPECT_EQ(box[1], box[2]);
    // QR versions are 17 + 4v modules wide (ISO/IEC 18004), plus 4 quiet modules on each side.
    EXPECT_EQ((side - 8 - 17) % 4, 0) << side;
    EXPECT_GE(side - 8, 21);
    // Every dark run lies on the unit grid inside the quiet zone.
    const std::regex run(R"re(M(\d+) (\d+)h(\d+)v1h-(\d+)z)re");
    std::size_t runs = 0;
    int min_x = side, min_y = side, max_x = 0, max_y = 0;
    const std::string d = svg.substr(svg.find(" d=\"") + 4);
    for (auto it = std::sregex_iterator(d.begin(), d.end(), run); it != std::sregex_iterator();
         ++it) {
        const int x = std::stoi((*it)[1]), y = std::stoi((*it)[2]), w = std::stoi((*it)[3]);
        EXPECT_EQ((*it)[3], (*it)[4]);
        min_x = std::min(min_x, x);
        min_y = std::min(min_y, y);
        max_x = std::max(max_x, x + w);
        max_y = std::max(max_y, y + 1);
        ++runs;
    }
    EXPECT_GT(runs, 20u);
    // Finder patterns reach every edge of the symbol: the dark area is exactly the symbol.
    EXPECT_EQ(min_x, 4);
    EXPECT_EQ(min_y, 4);
    EXPECT_EQ(max_x, side - 4);
    EXPECT_EQ(max_y, side - 4);

    auto again =
        client_->Get(path, {{"X-Hilt-Key", key_}, {"If-None-Match", res->get_header_value("ETag")}});
    ASSERT_TRUE(again);
    EXPECT_EQ(again->status, 304);

    auto anonymous = client_->Get(path);
    ASSERT_TRUE(anonymous);
    EXPECT_EQ(anonymous->status, 401) << anonymous->body;
    auto other = app_->merchants().create_merchant("Other Guild", clock_.now_seconds());
    ASSERT_TRUE(other) << describe(other.error());
    auto foreign = client_->Get(path, with_key(other->second.secret));
    ASSERT_TRUE(foreign);
    EXPECT_EQ(foreign->status, 404) << foreign->body;
    EXPECT_EQ(json_of(foreign)["error"]["code"], "not_found");
    auto unknown = client_->Get("/v1/products/prod_doesnotexist000000/qr.svg", merchant());
    ASSERT_TRUE(unknown);
    EXPECT_EQ(unknown->status, 404) << unknown->body;
}

TEST(QrSvg, RefusesEmptyAndOverlongTextWithoutThrowing) {
    auto empty = qr_svg("");
    ASSERT_FALSE(empty);
    EXPECT_EQ(empty.error().code, ErrorCode::TooShort);
    auto longest = qr_svg(std::string(kQrSvgMaxTextBytes, 'a'));
    EXPECT_TRUE(longest) << describe(longest.error());
    auto too_long = qr_svg(std::string(kQrSvgMaxTextBytes + 1, 'a'));
    ASSERT_FALSE(too_long);
    EXPECT_EQ(too_long.error().code, ErrorCode::TooLong);
}

class RateLimitedPagesTest : public PagesTest {
protected:
    void configure(ServerConfig& config) override {
        PagesTest::configure(config);
        // A burst of two; the manual clock never refills the bucket.
        config.public_rate_limit = RateLimit{1.0, 2.0};
    }
};

TEST_F(RateLimitedPagesTest, PageIsRateLimitedWithAnHtml429AndRetryAfter) {
    const auto product = create(product_request(), merchant());
    for (int i = 0; i < 2; ++i) {
        auto res = client_->Get("/p/" + slug_of(product));
        ASSERT_TRUE(res);
        EXPECT_EQ(res->status, 200);
    }
    auto limited = client_->Get("/p/" + slug_of(product));
    expect_html_page(limited, 429);
    EXPECT_EQ(limited->get_header_value("Retry-After"), "1");
    EXPECT_TRUE(contains(limited->body, "Too many requests")) << limited->body;
}

// ---- assets ---------------------------------------------------------------------------------

TEST_F(PagesTest, AssetsAnswerTheirBytesWithTheContentTypeOfTheirExtension) {
    const std::pair<std::string, std::string> cases[] = {
        {"checkout.js", "application/javascript"},
        {"checkout.wasm", "application/wasm"},
        {"checkout.css", "text/css; charset=utf-8"},
        {"gallery.html", "text/html; charset=utf-8"},
        {"manifest.json", "application/json"},
        {"icons/logo.svg", "image/svg+xml"},
        {"icons/logo.png", "image/png"},
        {"favicon.ico", "image/x-icon"},
        {"robots.txt", "text/plain; charset=utf-8"},
        {"checkout.js.map", "application/json"},
        {"fonts/inter.woff2", "font/woff2"},
        {"LICENSE", "application/octet-stream"},
    };
    for (const auto& [name, type] : cases) {
        const std::string content = "bytes of " + name + std::string("\0\xff\n", 3);
        write_asset(name, content);
        auto res = get_raw("/assets/" + name);
        ASSERT_TRUE(res) << name;
        EXPECT_EQ(res->status, 200) << name;
        EXPECT_EQ(res->get_header_value("Content-Type"), type) << name;
        EXPECT_EQ(res->body, content) << name;
        EXPECT_EQ(res->get_header_value("Vary"), "Accept-Encoding") << name;
        EXPECT_FALSE(res->has_header("Content-Encoding")) << name;
    }
}

TEST_F(PagesTest, AssetEtagIsTheContentHashAndIfNoneMatchAnswers304) {
    write_asset("checkout.js", "console.log('hilt checkout');\n");
    // printf "console.log('hilt checkout');\n" | sha256sum, first 16 bytes.
    const std::string etag = "\"f3dc279ab3bec5d4c43f1dfe64a61a9e\"";
    auto res = get_raw("/assets/checkout.js");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->get_header_value("ETag"), etag);

    for (const std::string& condition :
         {etag, "W/" + etag, "\"other\", " + etag, std::string("*")}) {
        auto cached = get_raw("/assets/checkout.js", {{"If-None-Match", condition}});
        ASSERT_TRUE(cached);
        EXPECT_EQ(cached->status, 304) << condition;
        EXPECT_TRUE(cached->body.empty()) << condition;
        EXPECT_EQ(cached->get_header_value("ETag"), etag) << condition;
        EXPECT_EQ(cached->get_header_value("Cache-Control"), "no-cache") << condition;
    }
    auto stale = get_raw("/assets/checkout.js", {{"If-None-Match", "\"f3dc279ab3bec5d4\""}});
    ASSERT_TRUE(stale);
    EXPECT_EQ(stale->status, 200);
    EXPECT_EQ(stale->body, "console.log('hilt checkout');\n");

    // A changed file is served fresh (the cache follows the file) with a new ETag.
    write_asset("checkout.js", "console.log('hilt checkout v2');\n");
    auto changed = get_raw("/assets/checkout.js", {{"If-None-Match", etag}});
    ASSERT_TRUE(changed);
    EXPECT_EQ(changed->status, 200);
    EXPECT_EQ(changed->body, "console.log('hilt checkout v2');\n");
    EXPECT_NE(changed->get_header_value("ETag"), etag);
}

TEST_F(PagesTest, HashedNamesAreImmutableAndOtherNamesRevalidate) {
    const std::pair<std::string, std::string> cases[] = {
        {"checkout.3f2a9c1d.js", "public, max-age=31536000, immutable"},
        {"checkout.3F2A9C1D0011.wasm", "public, max-age=31536000, immutable"},
        {"fonts/inter.0badf00d.woff2", "public, max-age=31536000, immutable"},
        {"checkout.js", "no-cache"},
        {"checkout.3f2a9c1.js", "no-cache"},   // 7 hex digits
        {"3f2a9c1d.js", "no-cache"},           // not between dots
        {"checkout.3f2a9c1g.js", "no-cache"},  // not hex
        {"checkout.js.3f2a9c1d", "no-cache"},  // the extension, not between dots
    };
    for (const auto& [name, cache_control] : cases) {
        write_asset(name, "x");
        auto res = get_raw("/assets/" + name);
        ASSERT_TRUE(res) << name;
        EXPECT_EQ(res->status, 200) << name;
        EXPECT_EQ(res->get_header_value("Cache-Control"), cache_control) << name;
    }
}

TEST_F(PagesTest, PrecompressedSiblingsAreNegotiatedBySentAsIsAndHaveTheirOwnEtag) {
    const std::string plain = "console.log('plain');\n";
    const auto brotli = brotli_stored(kBrotliText);
    write_asset("checkout.3f2a9c1d.js", plain);
    write_asset("checkout.3f2a9c1d.js.br", brotli);
    write_asset("checkout.3f2a9c1d.js.gz", kGzipBytes);
    const std::string path = "/assets/checkout.3f2a9c1d.js";

    struct Case {
        std::string accept;
        std::string encoding;  // "" = identity
        std::string body;
    };
    const Case cases[] = {
        {"gzip, deflate, br", "br", brotli},
        {"br", "br", brotli},
        {"br;q=0, gzip", "gzip", kGzipBytes},
        {"gzip;q=0.5", "gzip", kGzipBytes},
        {"*", "br", brotli},
        {"*, br;q=0", "gzip", kGzipBytes},
        {"identity", "", plain},
        {"br;q=0, gzip;q=0.000", "", plain},
        {"deflate", "", plain},
    };
    for (const auto& c : cases) {
        auto res = get_raw(path, {{"Accept-Encoding", c.accept}});
        ASSERT_TRUE(res) << c.accept;
        EXPECT_EQ(res->status, 200) << c.accept;
        EXPECT_EQ(res->get_header_value("Content-Encoding"), c.encoding) << c.accept;
        EXPECT_EQ(res->body, c.body) << c.accept;
        EXPECT_EQ(res->get_header_value("Content-Type"), "application/javascript") << c.accept;
        EXPECT_EQ(res->get_header_value("Vary"), "Accept-Encoding") << c.accept;
        EXPECT_EQ(res->get_header_value("Cache-Control"), "public, max-age=31536000, immutable")
            << c.accept;
        EXPECT_EQ(res->get_header_value("Content-Length"), std::to_string(c.body.size()))
            << c.accept;
    }

    // python3: hashlib.sha256(brotli_stored(kBrotliText)).hexdigest()[:32]
    auto br = get_raw(path, {{"Accept-Encoding", "br"}});
    auto gz = get_raw(path, {{"Accept-Encoding", "gzip"}});
    auto identity = get_raw(path);
    ASSERT_TRUE(br && gz && identity);
    EXPECT_EQ(br->get_header_value("ETag"), "\"d7ef5b439b4f3a78faf6fedd541f3d2f\"");
    EXPECT_NE(br->get_header_value("ETag"), gz->get_header_value("ETag"));
    EXPECT_NE(gz->get_header_value("ETag"), identity->get_header_value("ETag"));
    // The identity ETag does not validate the brotli representation.
    auto cross = get_raw(
        path, {{"Accept-Encoding", "br"}, {"If-None-Match", identity->get_header_value("ETag")}});
    ASSERT_TRUE(cross);
    EXPECT_EQ(cross->status, 200);

    // A decoding client (httplib's own brotli and zlib) reads the original texts: the bytes were
    // not compressed a second time on the way out.
    httplib::Client decoding("127.0.0.1", port_);
    auto decoded_br = decoding.Get(path, {{"Accept-Encoding", "br"}});
    auto decoded_gz = decoding.Get(path, {{"Accept-Encoding", "gzip"}});
    ASSERT_TRUE(decoded_br && decoded_gz);
    EXPECT_EQ(decoded_br->body, kBrotliText);
    EXPECT_EQ(decoded_gz->body, kGzipText);
}

TEST_F(PagesTest, OnlyAGzipSiblingIsUsedForABrotliClientThatAlsoTakesGzip) {
    write_asset("only-gz.js", "plain");
    write_asset("only-gz.js.gz", kGzipBytes);
    auto res = get_raw("/assets/only-gz.js", {{"Accept-Encoding", "br, gzip"}});
    ASSERT_TRUE(res);
    EXPECT_EQ(res->get_header_value("Content-Encoding"), "gzip");
    EXPECT_EQ(res->body, kGzipBytes);
    // A sibling without its file is not served: the file itself decides whether the asset exists.
    write_asset("ghost.js.br", brotli_stored("ghost"));
    auto ghost = get_raw("/assets/ghost.js", {{"Accept-Encoding", "br"}});
    ASSERT_TRUE(ghost);
    EXPECT_EQ(ghost->status, 404);
}

TEST_F(PagesTest, HeadOnAnAssetAnswersItsLengthWithoutABody) {
    write_asset("checkout.wasm", std::string(5000, '\x42'));
    auto res = raw_client()->Head("/assets/checkout.wasm", {{"Accept-Encoding", "identity"}});
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_TRUE(res->body.empty());
    EXPECT_EQ(res->get_header_value("Content-Length"), "5000");
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/wasm");
}

TEST_F(PagesTest, TraversalAndHiddenNamesNeverReachAFile) {
    write_file(dir_ / "secret.txt", "TOP SECRET");
    write_asset(".env", "TOP SECRET");
    write_asset("checkout.js", "fine");
    std::filesystem::create_symlink(dir_ / "secret.txt", assets_ / "leak.txt");
    const char* attempts[] = {
        "/assets/../hilt.sqlite",
        "/assets/../secret.txt",
        "/assets/%2e%2e/secret.txt",
        "/assets/%2E%2E/secret.txt",
        "/assets/..%2fsecret.txt",
        "/assets/..%2Fsecret.txt",
        "/assets/%2e%2e%2fsecret.txt",
        "/assets/.%2e/secret.txt",
        "/assets/sub/../../secret.txt",
        "/assets/..\\secret.txt",
        "/assets/..%5csecret.txt",
        "/assets/%2fetc%2fpasswd",
        "/assets//etc/passwd",
        "/assets/checkout.js%00.png",
        "/assets/.env",
        "/assets/%2eenv",
        "/assets/leak.txt",
        "/assets/./checkout.js",
        "/assets/a/b/c/d/e/checkout.js",
        "/assets/",
        "/assets/checkout.js/",
        "/assets/%252e%252e/secret.txt",
    };
    for (const char* attempt : attempts) {
        auto res = get_raw(attempt);
        ASSERT_TRUE(res) << attempt;
        EXPECT_TRUE(res->status == 404 || res->status == 400) << attempt << " -> " << res->status;
        EXPECT_FALSE(contains(res->body, "TOP SECRET")) << attempt;
        EXPECT_FALSE(contains(res->body, "SQLite format 3")) << attempt;
        EXPECT_FALSE(contains(res->body, "root:")) << attempt;
    }
    auto fine = get_raw("/assets/checkout.js");
    ASSERT_TRUE(fine);
    EXPECT_EQ(fine->body, "fine");
}

TEST(AssetNames, OnlyPlainRelativeNamesAreSafe) {
    for (const char* safe : {"checkout.js", "checkout.3f2a9c1d.js", "fonts/inter.woff2",
                             "a/b/c/d.txt", "under_score-dash.v2.css", "LICENSE"}) {
        EXPECT_TRUE(is_safe_asset_path(safe)) << safe;
    }
    for (const char* unsafe :
         {"", "..", "../x", "a/../b", "./a", ".env", "a/.git/config", "/etc/passwd", "a//b", "a/",
          "a\\b", "a b", "a%2e", "caf\xc3\xa9.js", "a/b/c/d/e.js"}) {
        EXPECT_FALSE(is_safe_asset_path(unsafe)) << unsafe;
    }
    EXPECT_FALSE(is_safe_asset_path(std::string("a\0b", 3)));
    EXPECT_TRUE(is_safe_asset_path(std::string(kAssetPathMaxChars, 'a')));
    EXPECT_FALSE(is_safe_asset_path(std::string(kAssetPathMaxChars + 1, 'a')));
}

TEST(AssetNegotiation, AcceptEncodingAndIfNoneMatchFollowTheirGrammar) {
    EXPECT_TRUE(accepts_encoding("gzip, br", "br"));
    EXPECT_TRUE(accepts_encoding("BR", "br"));
    EXPECT_TRUE(accepts_encoding(" gzip ;q=1.0", "gzip"));
    EXPECT_FALSE(accepts_encoding("", "br"));
    EXPECT_FALSE(accepts_encoding("gzip", "br"));
    EXPECT_FALSE(accepts_encoding("br;q=0", "br"));
    EXPECT_FALSE(accepts_encoding("br; q=0.00", "br"));
    EXPECT_TRUE(accepts_encoding("br;q=0.001", "br"));
    EXPECT_TRUE(accepts_encoding("*", "gzip"));
    EXPECT_FALSE(accepts_encoding("*;q=0", "gzip"));
    EXPECT_FALSE(accepts_encoding("*, gzip;q=0", "gzip"));
    EXPECT_FALSE(accepts_encoding("brotli", "br"));

    EXPECT_TRUE(etag_matches("\"abc\"", "\"abc\""));
    EXPECT_TRUE(etag_matches("W/\"abc\"", "\"abc\""));
    EXPECT_TRUE(etag_matches("\"x\" , \"abc\"", "\"abc\""));
    EXPECT_TRUE(etag_matches(" * ", "\"abc\""));
    EXPECT_FALSE(etag_matches("abc", "\"abc\""));
    EXPECT_FALSE(etag_matches("\"abcd\"", "\"abc\""));
    EXPECT_FALSE(etag_matches("", "\"abc\""));
}

TEST_F(PagesTest, TheCacheStaysUnderItsCapAndServesFilesLargerThanIt) {
    write_asset("a.js", std::string(60, 'a'));
    write_asset("b.js", std::string(60, 'b'));
    write_asset("big.js", std::string(150, 'c'));
    StaticFiles files(assets_.string(), 100);
    auto a = files.find("a.js");
    ASSERT_TRUE(a) << describe(a.error());
    EXPECT_EQ(files.cached_bytes(), 60u);
    auto b = files.find("b.js");
    ASSERT_TRUE(b);
    EXPECT_EQ(*b->body, std::string(60, 'b'));
    EXPECT_EQ(files.cached_bytes(), 60u);  // a.js was dropped to make room
    auto big = files.find("big.js");
    ASSERT_TRUE(big);
    EXPECT_EQ(big->body->size(), 150u);
    EXPECT_EQ(files.cached_bytes(), 60u);  // served, never cached
    // Bodies handed out stay valid after eviction.
    EXPECT_EQ(*a->body, std::string(60, 'a'));
}

class MissingAssetsDirTest : public PagesTest {
protected:
    void configure(ServerConfig& config) override {
        PagesTest::configure(config);
        config.assets_dir = (dir_ / "no-such-folder").string();
    }
};

TEST_F(MissingAssetsDirTest, AssetsAre404AndThePageStillLoadsTheDefaultScript) {
    auto res = get_raw("/assets/checkout.js");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 404);
    EXPECT_EQ(json_of(res)["error"]["code"], "not_found") << res->body;
    const auto product = create(product_request(), merchant());
    auto page = client_->Get("/p/" + slug_of(product));
    expect_html_page(page, 200);
    EXPECT_TRUE(contains(page->body, script_element("checkout.js")))
        << page->body;
}

class EmptyAssetsDirTest : public PagesTest {
protected:
    void configure(ServerConfig& config) override {
        PagesTest::configure(config);
        config.assets_dir.clear();
    }
};

TEST_F(EmptyAssetsDirTest, AssetsAre404NotAnInternalError) {
    for (const char* path : {"/assets/checkout.js", "/assets/hilt.sqlite", "/assets/etc/passwd"}) {
        auto res = get_raw(path);
        ASSERT_TRUE(res) << path;
        EXPECT_EQ(res->status, 404) << path;
    }
}

}  // namespace
}  // namespace hilt::server
