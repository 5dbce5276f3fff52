// web/ui/theme.cpp: see theme.h.
#include "ui/theme.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include <imgui_internal.h>  // ImTextCharFromUtf8: decode text exactly as ImGui draws it

namespace hilt::web::ui {

namespace {

// What the fonts can draw: Latin-1 plus the punctuation the checkout's sentences use
// (… · – — ‘ ’ “ ” • → ≈). Anything else is drawn as ImGui's fallback glyph.
// WARNING: the build subsets the Inter files to these code points (HILT_FONT_UNICODES in
// web/CMakeLists.txt): a range added here must be added there too, and the last one is
// Theme::kLastCodePoint.
constexpr unsigned kGlyphRanges[][2] = {{0x0020, 0x00FF}, {0x2010, 0x2027}, {0x2190, 0x2193}, {0x2248, 0x2248}};
// Always in every font: ImGui's fallback glyph and the space.
constexpr ImWchar kAlwaysThere[] = {'?', ' '};

bool drawable(unsigned c) {
    return std::any_of(std::begin(kGlyphRanges), std::end(kGlyphRanges),
                       [c](const auto& range) { return c >= range[0] && c <= range[1]; });
}

// The five fonts, in the order of Fonts' members (Theme::wanted_ and ranges_ use these indices).
struct FontSpec {
    ImFont* Fonts::*member;
    bool semibold;
    float css_px;
};
constexpr FontSpec kFontSpecs[] = {{&Fonts::small, false, kSmallPx},
                                   {&Fonts::body, false, kBodyPx},
                                   {&Fonts::strong, true, kBodyPx},
                                   {&Fonts::title, true, kTitlePx},
                                   {&Fonts::price, true, kPricePx}};

ImFont* add_font(ImFontAtlas& atlas, std::vector<unsigned char>& bytes, float size_px,
                 const ImWchar* ranges) {
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
    static_assert(std::size(kFontSpecs) == kFontCount);
    // Quarter steps: zooming by a few percent does not rebuild the atlas.
    layout_scale_ = std::max(1.0f, scale);
    const float wanted = std::max(1.0f, std::round(scale * 4.0f) / 4.0f);
    if (!fonts_available() || (wanted == built_scale_ && !stale_)) return false;
    ImFontAtlas& atlas = *ImGui::GetIO().Fonts;
    atlas.Clear();
    atlas.Flags |= ImFontAtlasFlags_NoMouseCursors;
    bool added = true;
    for (int slot = 0; slot < kFontCount; ++slot) {
        ImFontGlyphRangesBuilder builder;
        for (const ImWchar c : kAlwaysThere) builder.AddChar(c);
        for (unsigned c = 0; c <= kLastCodePoint; ++c) {
            if (wanted_[slot][c]) builder.AddChar(static_cast<ImWchar>(c));
        }
        ranges_[slot].clear();
        builder.BuildRanges(&ranges_[slot]);
        const FontSpec& spec = kFontSpecs[slot];
        ImFont* font = add_font(atlas, spec.semibold ? semibold_ : regular_, spec.css_px * wanted,
                                ranges_[slot].Data);
        fonts_.*spec.member = font;
        added = added && font != nullptr;
    }
    stale_ = false;
    if (!added || !atlas.Build()) {
        fonts_ = Fonts{};
        built_scale_ = 0.0f;
        return false;
    }
    ImGui::GetIO().FontDefault = fonts_.body;
    built_scale_ = wanted;
    return true;
}

int Theme::slot_of(const ImFont* font) const {
    for (int slot = 0; slot < kFontCount; ++slot) {
        if (fonts_.*kFontSpecs[slot].member == font) return slot;
    }
    return -1;
}

void Theme::cover(const ImFont* font, std::string_view text) const {
    const int slot = slot_of(font);
    if (slot < 0 || font == nullptr) return;
    CodePoints& wanted = wanted_[static_cast<std::size_t>(slot)];
    const char* at = text.data();
    const char* const end = at + text.size();
    while (at < end) {
        unsigned int c = 0;
        at += std::max(1, ImTextCharFromUtf8(&c, at, end));
        if (!drawable(c) || wanted[c]) continue;
        wanted[c] = true;
        stale_ = true;
        // A digit brings all ten: countdowns and amounts would otherwise rebuild the atlas as each
        // new digit first shows.
        if (c >= '0' && c <= '9') {
            for (unsigned digit = '0'; digit <= '9'; ++digit) wanted[digit] = true;
        }
    }
}

}  // namespace hilt::web::ui
