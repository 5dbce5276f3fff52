// web/ui/theme.h: the checkout's look: palette, type scale, metrics, and the Inter fonts rasterised
// at the device pixel ratio.
//
// Owns: every colour and size the view uses (in CSS pixels; px() converts to device pixels) and the
// ImGui font atlas built from Debian's Inter (fetched by the bridge, never embedded).
//
// Glyphs on demand: the atlas holds, for each font, only the characters drawn with it so far, not all
// of Latin-1 at five sizes (rasterising those was most of the first frame's time, and grows with the
// square of the device pixel ratio). The widgets report text before measuring or drawing it (cover());
// a character the atlas lacks makes it stale(), and main.cpp rebuilds the atlas and draws that frame
// again before showing it, so no frame on screen ever shows a missing glyph.
// Must never: draw, or use a text size below kMinTextPx (issue 5: no text smaller than 14 px).
#pragma once

#include <imgui.h>

#include <array>
#include <bitset>
#include <cstdint>
#include <string_view>
#include <vector>

namespace hilt::web::ui {

// ---- palette: a calm light theme ------------------------------------------------------------------
namespace colors {
inline constexpr ImU32 rgb(std::uint32_t hex, std::uint32_t alpha = 0xFF) {
    return IM_COL32((hex >> 16) & 0xFF, (hex >> 8) & 0xFF, hex & 0xFF, alpha);
}
inline constexpr ImU32 kPage = rgb(0xF4F5F8);
inline constexpr ImU32 kCard = rgb(0xFFFFFF);
inline constexpr ImU32 kBorder = rgb(0xE2E5EC);
inline constexpr ImU32 kText = rgb(0x161A23);
inline constexpr ImU32 kMuted = rgb(0x5A6172);
inline constexpr ImU32 kAccent = rgb(0x4338CA);
inline constexpr ImU32 kAccentHover = rgb(0x3730A3);
inline constexpr ImU32 kAccentSoft = rgb(0xEEF0FF);
inline constexpr ImU32 kOnAccent = rgb(0xFFFFFF);
inline constexpr ImU32 kSecondaryHover = rgb(0xF1F3F8);
inline constexpr ImU32 kSuccess = rgb(0x15803D);
inline constexpr ImU32 kSuccessSoft = rgb(0xE8F6EC);
inline constexpr ImU32 kDanger = rgb(0xB42318);
inline constexpr ImU32 kDangerSoft = rgb(0xFDECEA);
inline constexpr ImU32 kWarning = rgb(0xB54708);
inline constexpr ImU32 kWarningSoft = rgb(0xFEF4E6);
inline constexpr ImU32 kFocus = rgb(0x6366F1);
inline constexpr ImU32 kQrDark = rgb(0x000000);
inline constexpr ImU32 kQrLight = rgb(0xFFFFFF);
}  // namespace colors

// ---- type scale and metrics, CSS pixels -----------------------------------------------------------
inline constexpr float kMinTextPx = 14.0f;  // issue 5: nothing smaller
inline constexpr float kSmallPx = 14.0f;
inline constexpr float kBodyPx = 16.0f;
inline constexpr float kTitlePx = 24.0f;
inline constexpr float kPricePx = 34.0f;
inline constexpr float kCardMaxWidth = 460.0f;
inline constexpr float kCardPadding = 28.0f;
inline constexpr float kCardPaddingNarrow = 20.0f;  // phones below kNarrowWidth
inline constexpr float kNarrowWidth = 480.0f;
inline constexpr float kPageMargin = 24.0f;
inline constexpr float kPageMarginNarrow = 12.0f;
inline constexpr float kCardRounding = 16.0f;
inline constexpr float kButtonHeight = 50.0f;  // above the 44 px touch-target minimum
inline constexpr float kButtonRounding = 12.0f;
inline constexpr float kGap = 12.0f;
inline constexpr float kSection = 20.0f;

struct Fonts {
    ImFont* small = nullptr;      // 14 px regular
    ImFont* body = nullptr;       // 16 px regular
    ImFont* strong = nullptr;     // 16 px semibold (buttons, labels)
    ImFont* title = nullptr;      // 24 px semibold
    ImFont* price = nullptr;      // 34 px semibold
};

class Theme {
public:
    // Takes the font files (malloc'ed by the bridge; the Theme frees them).
    void set_font(int slot, unsigned char* owned_bytes, int size);
    bool fonts_available() const { return !regular_.empty() && !semibold_.empty(); }
    // Lays out at `scale` device pixels per CSS pixel and (re)builds the atlas when the rounded
    // scale changed or it is stale(); true when it was rebuilt (the renderer must upload the texture
    // again).
    bool ensure_built(float scale);
    bool built() const { return built_scale_ > 0.0f; }

    // `text` is about to be measured or drawn with `font` (one of fonts()): its characters join the
    // atlas at the next build. Const: what a frame asks for is bookkeeping, not a change of look.
    void cover(const ImFont* font, std::string_view text) const;
    // Some covered character is not in the atlas yet: the frame drawn since the last build shows
    // ImGui's fallback glyph in its place.
    bool stale() const { return stale_; }

    float scale() const { return layout_scale_; }
    float px(float css) const { return css * layout_scale_; }
    const Fonts& fonts() const { return fonts_; }

private:
    static constexpr int kFontCount = 5;              // the members of Fonts, in order
    static constexpr unsigned kLastCodePoint = 0x2248;  // the last character the subset fonts hold
    using CodePoints = std::bitset<kLastCodePoint + 1>;

    int slot_of(const ImFont* font) const;

    std::vector<unsigned char> regular_;
    std::vector<unsigned char> semibold_;
    float built_scale_ = 0.0f;   // the fonts' rasterisation scale (quarter steps)
    float layout_scale_ = 1.0f;  // the device pixel ratio
    Fonts fonts_;
    mutable std::array<CodePoints, kFontCount> wanted_{};  // per font: every character covered so far
    mutable bool stale_ = false;
    std::array<ImVector<ImWchar>, kFontCount> ranges_;  // the last build's glyph ranges (the atlas keeps pointers)
};

}  // namespace hilt::web::ui
