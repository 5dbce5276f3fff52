// web/ui/theme.cpp: see theme.h.
#include "ui/theme.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace hilt::web::ui {

namespace {

// Latin-1 plus the punctuation the checkout's sentences use (… · – — ‘ ’ “ ” • → ≈).
// WARNING: the build subsets the Inter files to these code points (HILT_FONT_UNICODES in
// web/CMakeLists.txt): a range added here must be added there too.
const ImWchar kGlyphRanges[] = {0x0020, 0x00FF, 0x2010, 0x2027, 0x2190, 0x2193, 0x2248, 0x2248, 0};
// The price line is digits, separators and the asset's symbol (checkout_view.cpp money_text):
// ASCII only, which keeps the largest size (nearly half the atlas's area at full range) quick to
// rasterise.
const ImWchar kPriceGlyphRanges[] = {0x0020, 0x007E, 0};

ImFont* add_font(ImFontAtlas& atlas, std::vector<unsigned char>& bytes, float size_px,
                 const ImWchar* ranges = kGlyphRanges) {
    ImFontConfig config;
    config.FontDataOwnedByAtlas = false;  // the Theme keeps the bytes for later rebuilds
    config.OversampleH = 1;               // rasterised at the device pixel ratio already
    config.OversampleV = 1;
    config.PixelSnapH = true;
    return atlas.AddFontFromMemoryTTF(bytes.data(), static_cast<int>(bytes.size()), size_px,
                                      &config, ranges);
}

}  // namespace

void Theme::set_font(int slot, unsigned char* owned_bytes, int size) {
    auto& target = slot == 0 ? regular_ : semibold_;
    if (owned_bytes != nullptr && size > 0) {
        target.assign(owned_bytes, owned_bytes + size);
    }
    std::free(owned_bytes);
}

bool Theme::ensure_built(float scale) {
    // Quarter steps: zooming by a few percent does not rebuild the atlas.
    layout_scale_ = std::max(1.0f, scale);
    const float wanted = std::max(1.0f, std::round(scale * 4.0f) / 4.0f);
    if (!fonts_available() || wanted == built_scale_) return false;
    ImFontAtlas& atlas = *ImGui::GetIO().Fonts;
    atlas.Clear();
    atlas.Flags |= ImFontAtlasFlags_NoMouseCursors;
    fonts_.small = add_font(atlas, regular_, kSmallPx * wanted);
    fonts_.body = add_font(atlas, regular_, kBodyPx * wanted);
    fonts_.strong = add_font(atlas, semibold_, kBodyPx * wanted);
    fonts_.title = add_font(atlas, semibold_, kTitlePx * wanted);
    fonts_.price = add_font(atlas, semibold_, kPricePx * wanted, kPriceGlyphRanges);
    if (fonts_.small == nullptr || fonts_.body == nullptr || fonts_.strong == nullptr ||
        fonts_.title == nullptr || fonts_.price == nullptr || !atlas.Build()) {
        fonts_ = Fonts{};
        built_scale_ = 0.0f;
        return false;
    }
    ImGui::GetIO().FontDefault = fonts_.body;
    built_scale_ = wanted;
    return true;
}

}  // namespace hilt::web::ui
