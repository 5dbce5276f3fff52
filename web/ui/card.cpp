// web/ui/card.cpp: see card.h.
#include "ui/card.h"

#include <imgui.h>
#include <imgui_internal.h>  // the window's content extent, as ImGui measures it for auto-fit

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <string_view>

namespace hilt::web::ui {

namespace {
constexpr std::string_view kFooter = "Secured by Hilt \u00b7 Payments on Solana";
constexpr int kStyleVars = 4;
constexpr int kStyleColors = 2;
}  // namespace

void Card::begin(const Theme& theme, float canvas_width, float viewport_height) {
    canvas_width_ = canvas_width;
    const bool narrow = canvas_width < theme.px(kNarrowWidth);
    margin_ = theme.px(narrow ? kPageMarginNarrow : kPageMargin);
    const float card_width = std::min(canvas_width - 2 * margin_, theme.px(kCardMaxWidth));
    const float padding = theme.px(narrow ? kCardPaddingNarrow : kCardPadding);
    const float footer = theme.px(kSmallPx + 2 * kGap);
    const float last_card = content_height_ > 0 ? content_height_ - 2 * margin_ - footer : 0;
    top_ = margin_;
    if (!narrow && last_card > 0 && last_card + 2 * margin_ + footer < viewport_height) {
        top_ = std::round((viewport_height - last_card - footer) * 0.5f);
    }
    const float left = std::round((canvas_width - card_width) * 0.5f);

    ImGui::SetNextWindowPos(ImVec2(left, top_));
    ImGui::SetNextWindowSize(ImVec2(card_width, 0.0f));
    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(padding, padding));
    ImGui::PushStyleVar(ImGuiStyleVar_WindowRounding, theme.px(kCardRounding));
    ImGui::PushStyleVar(ImGuiStyleVar_WindowBorderSize, theme.px(1.0f));
    ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ImVec2(0.0f, 0.0f));
    ImGui::PushStyleColor(ImGuiCol_WindowBg, colors::kCard);
    ImGui::PushStyleColor(ImGuiCol_Border, colors::kBorder);
    constexpr ImGuiWindowFlags kCardFlags =
        ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
        ImGuiWindowFlags_NoFocusOnAppearing | ImGuiWindowFlags_NoNav |
        ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoScrollWithMouse;
    ImGui::Begin("checkout", nullptr, kCardFlags);
}

void Card::end(const Theme& theme) {
    // The height ImGui will give the auto-fit window next pass (CalcWindowContentSizes plus the
    // padding, before any clamp to the display), and the height it has in this one.
    const ImGuiWindow* window = ImGui::GetCurrentWindow();
    const float content = IM_FLOOR(std::max(window->DC.CursorMaxPos.y, window->DC.IdealMaxPos.y) -
                                   window->DC.CursorStartPos.y);
    const float fit_height = content + 2.0f * window->WindowPadding.y;
    const float card_height = ImGui::GetWindowSize().y;
    ImGui::End();
    ImGui::PopStyleColor(kStyleColors);
    ImGui::PopStyleVar(kStyleVars);

    ImDrawList* bg = ImGui::GetForegroundDrawList();
    ImFont* small = theme.fonts().small;
    theme.cover(small, kFooter);
    const ImVec2 size = small->CalcTextSizeA(small->FontSize, FLT_MAX, 0.0f, kFooter.data(),
                                             kFooter.data() + kFooter.size());
    bg->AddText(small, small->FontSize,
                ImVec2(std::round((canvas_width_ - size.x) * 0.5f), std::round(top_ + card_height + theme.px(kGap))),
                colors::kMuted, kFooter.data(), kFooter.data() + kFooter.size());
    const float laid_out_for = content_height_;  // what begin() placed the card and sized the canvas by
    content_height_ = fit_height + 2 * margin_ + theme.px(kSmallPx + 2 * kGap);
    constexpr float kSamePx = 0.5f;
    settled_ = std::abs(card_height - fit_height) < kSamePx &&
               std::abs(content_height_ - laid_out_for) < kSamePx;
}

}  // namespace hilt::web::ui
