// web/ui/widgets.cpp: see widgets.h.
#include "ui/widgets.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

namespace hilt::web::ui {

namespace {

constexpr float kPi = 3.14159265358979f;

// Every text the widgets draw is measured here first, which is where the atlas learns of it.
ImVec2 text_size(const Theme& theme, ImFont* font, std::string_view text, float wrap_width) {
    theme.cover(font, text);
    return font->CalcTextSizeA(font->FontSize, FLT_MAX, wrap_width, text.data(),
                               text.data() + text.size());
}

float content_width() { return ImGui::GetContentRegionAvail().x; }

}  // namespace

// ---- Controls ---------------------------------------------------------------------------------------

void Controls::begin_frame(const Theme& theme, const std::vector<Key>& keys) {
    theme_ = &theme;
    previous_ = std::move(current_);
    current_.clear();
    activate_.clear();
    escape_ = false;
    hovering_ = false;
    animating_ = false;
    for (const Key key : keys) {
        switch (key) {
            case Key::Tab:
            case Key::ShiftTab: {
                focus_visible_ = true;
                if (previous_.empty()) break;
                const bool back = key == Key::ShiftTab;
                auto it = std::find_if(previous_.begin(), previous_.end(),
                                       [this](const Action& a) { return a.id == focused_; });
                std::size_t index = 0;
                if (it == previous_.end()) {
                    index = back ? previous_.size() - 1 : 0;
                } else {
                    const auto at = static_cast<std::size_t>(it - previous_.begin());
                    index = back ? (at + previous_.size() - 1) % previous_.size()
                                 : (at + 1) % previous_.size();
                }
                focused_ = previous_[index].id;
                break;
            }
            case Key::Activate:
                if (!focused_.empty()) activate_ = focused_;
                break;
            case Key::Escape:
                escape_ = true;
                break;
        }
    }
}

bool Controls::end_frame() {
    // A focused button that left the screen loses focus; the next Tab starts from the top.
    if (!focused_.empty() &&
        std::none_of(current_.begin(), current_.end(),
                     [this](const Action& a) { return a.id == focused_; })) {
        focused_.clear();
    }
    const std::string json = actions_json();
    if (json == published_) return false;
    published_ = json;
    return true;
}

bool Controls::button(std::string_view id, std::string_view label, ButtonStyle style) {
    const Theme& theme = *theme_;
    const ImVec2 pos = ImGui::GetCursorScreenPos();
    const float width = content_width();
    const float height = style == ButtonStyle::Quiet ? theme.px(40.0f) : theme.px(kButtonHeight);
    const std::string id_text(id);
    ImGui::PushID(id_text.c_str());
    const bool clicked = ImGui::InvisibleButton("##button", ImVec2(width, height));
    const bool hovered = ImGui::IsItemHovered();
    const bool held = ImGui::IsItemActive();
    ImGui::PopID();
    const ImVec2 min = pos;
    const ImVec2 max(pos.x + width, pos.y + height);
    const bool focused = focus_visible_ && focused_ == id_text;
    if (clicked) {
        focused_ = id_text;
        focus_visible_ = false;  // pointer use hides the ring, as browsers do
    }
    hovering_ = hovering_ || hovered;

    ImDrawList* draw = ImGui::GetWindowDrawList();
    const float rounding = theme.px(kButtonRounding);
    ImU32 fill = colors::kCard;
    ImU32 ink = colors::kText;
    switch (style) {
        case ButtonStyle::Primary:
            fill = hovered || held ? colors::kAccentHover : colors::kAccent;
            ink = colors::kOnAccent;
            break;
        case ButtonStyle::Secondary:
            fill = hovered || held ? colors::kSecondaryHover : colors::kCard;
            ink = colors::kText;
            break;
        case ButtonStyle::Quiet:
            fill = hovered || held ? colors::kAccentSoft : colors::kCard;
            ink = colors::kAccent;
            break;
    }
    if (focused) {
        const float ring = theme.px(3.0f);
        draw->AddRect(ImVec2(min.x - ring, min.y - ring), ImVec2(max.x + ring, max.y + ring),
                      colors::kFocus, rounding + ring, 0, theme.px(2.0f));
    }
    draw->AddRectFilled(min, max, fill, rounding);
    if (style == ButtonStyle::Secondary) {
        draw->AddRect(min, max, colors::kBorder, rounding, 0, theme.px(1.0f));
    }
    ImFont* font = theme.fonts().strong;
    const ImVec2 size = text_size(theme, font, label, 0.0f);
    const ImVec2 at(std::round(min.x + (width - size.x) * 0.5f),
                    std::round(min.y + (height - size.y) * 0.5f));
    draw->AddText(font, font->FontSize, at, ink, label.data(), label.data() + label.size());

    const float scale = theme.scale();
    current_.push_back(Action{id_text, std::string(label),
                              ImVec2(min.x / scale, min.y / scale),
                              ImVec2(max.x / scale, max.y / scale)});
    return clicked || activate_ == id_text;
}

std::string Controls::actions_json() const {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& action : current_) {
        out.push_back({{"id", action.id},
                       {"label", action.label},
                       {"x", std::round(action.min.x)},
                       {"y", std::round(action.min.y)},
                       {"w", std::round(action.max.x - action.min.x)},
                       {"h", std::round(action.max.y - action.min.y)},
                       {"focused", focus_visible_ && action.id == focused_}});
    }
    return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// ---- text and shapes -------------------------------------------------------------------------------

void text(const Theme& theme, ImFont* font, ImU32 color, std::string_view text) {
    const float wrap = content_width();
    const ImVec2 pos = ImGui::GetCursorScreenPos();
    const ImVec2 size = text_size(theme, font, text, wrap);
    ImGui::GetWindowDrawList()->AddText(font, font->FontSize, ImVec2(pos.x, std::round(pos.y)),
                                        color, text.data(), text.data() + text.size(), wrap);
    ImGui::Dummy(ImVec2(wrap, size.y));
}

void text_centered(const Theme& theme, ImFont* font, ImU32 color, std::string_view text) {
    const float width = content_width();
    const ImVec2 size = text_size(theme, font, text, 0.0f);
    if (size.x > width) {
        // Long: wrap each line separately and center it.
        std::string_view rest = text;
        while (!rest.empty()) {
            const char* end = font->CalcWordWrapPositionA(1.0f, rest.data(),
                                                          rest.data() + rest.size(), width);
            if (end == rest.data()) end = rest.data() + 1;
            std::string_view line(rest.data(), static_cast<std::size_t>(end - rest.data()));
            while (!line.empty() && line.back() == ' ') line.remove_suffix(1);
            text_centered(theme, font, color, line);
            rest.remove_prefix(static_cast<std::size_t>(end - rest.data()));
            while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
        }
        return;
    }
    const ImVec2 pos = ImGui::GetCursorScreenPos();
    ImGui::GetWindowDrawList()->AddText(
        font, font->FontSize, ImVec2(std::round(pos.x + (width - size.x) * 0.5f), std::round(pos.y)),
        color, text.data(), text.data() + text.size());
    ImGui::Dummy(ImVec2(width, size.y));
}

void key_value(const Theme& theme, std::string_view key, std::string_view value, bool strong) {
    const float width = content_width();
    const ImVec2 pos = ImGui::GetCursorScreenPos();
    ImFont* key_font = theme.fonts().body;
    ImFont* value_font = strong ? theme.fonts().strong : theme.fonts().body;
    const ImVec2 value_size = text_size(theme, value_font, value, 0.0f);
    const float value_width = std::min(value_size.x, width * 0.6f);
    const ImVec2 key_size = text_size(theme, key_font, key, width - value_width - theme.px(kGap));
    ImDrawList* draw = ImGui::GetWindowDrawList();
    draw->AddText(key_font, key_font->FontSize, ImVec2(pos.x, std::round(pos.y)), colors::kMuted,
                  key.data(), key.data() + key.size(), width - value_width - theme.px(kGap));
    const ImVec2 wrapped = text_size(theme, value_font, value, width * 0.6f);
    draw->AddText(value_font, value_font->FontSize,
                  ImVec2(std::round(pos.x + width - value_width), std::round(pos.y)),
                  strong ? colors::kText : colors::kText, value.data(),
                  value.data() + value.size(), width * 0.6f);
    ImGui::Dummy(ImVec2(width, std::max(key_size.y, wrapped.y)));
}

void spacer(const Theme& theme, float css_px) { ImGui::Dummy(ImVec2(1.0f, theme.px(css_px))); }

void divider(const Theme& theme) {
    spacer(theme, kGap);
    const ImVec2 pos = ImGui::GetCursorScreenPos();
    const float width = content_width();
    ImGui::GetWindowDrawList()->AddRectFilled(pos, ImVec2(pos.x + width, pos.y + theme.px(1.0f)),
                                              colors::kBorder);
    ImGui::Dummy(ImVec2(width, theme.px(1.0f)));
    spacer(theme, kGap);
}

namespace {
void draw_spinner(const Theme& theme, ImVec2 center, float radius, double time_seconds) {
    ImDrawList* draw = ImGui::GetWindowDrawList();
    draw->AddCircle(center, radius, colors::kAccentSoft, 32, theme.px(3.0f));
    const float start = static_cast<float>(std::fmod(time_seconds * 4.0, 2.0 * kPi));
    draw->PathArcTo(center, radius, start, start + kPi * 0.6f, 16);
    draw->PathStroke(colors::kAccent, 0, theme.px(3.0f));
}
}  // namespace

void status_line(Controls& controls, const Theme& theme, std::string_view sentence, double time_seconds) {
    controls.animate();
    const float size = theme.px(22.0f);
    const ImVec2 pos = ImGui::GetCursorScreenPos();
    const float width = content_width();
    ImFont* font = theme.fonts().body;
    const float text_x = pos.x + size + theme.px(kGap);
    const float wrap = width - (text_x - pos.x);
    const ImVec2 text_box = text_size(theme, font, sentence, wrap);
    const float height = std::max(size, text_box.y);
    draw_spinner(theme, ImVec2(pos.x + size * 0.5f, pos.y + height * 0.5f), size * 0.4f,
                 time_seconds);
    ImGui::GetWindowDrawList()->AddText(
        font, font->FontSize, ImVec2(text_x, std::round(pos.y + (height - text_box.y) * 0.5f)),
        colors::kText, sentence.data(), sentence.data() + sentence.size(), wrap);
    ImGui::Dummy(ImVec2(width, height));
}

void notice(const Theme& theme, ImU32 background, ImU32 color, std::string_view sentence) {
    const ImVec2 pos = ImGui::GetCursorScreenPos();
    const float width = content_width();
    const float pad = theme.px(14.0f);
    ImFont* font = theme.fonts().body;
    const ImVec2 box = text_size(theme, font, sentence, width - 2 * pad);
    ImDrawList* draw = ImGui::GetWindowDrawList();
    draw->AddRectFilled(pos, ImVec2(pos.x + width, pos.y + box.y + 2 * pad), background,
                        theme.px(10.0f));
    draw->AddText(font, font->FontSize, ImVec2(pos.x + pad, std::round(pos.y + pad)), color,
                  sentence.data(), sentence.data() + sentence.size(), width - 2 * pad);
    ImGui::Dummy(ImVec2(width, box.y + 2 * pad));
}

void icon(const Theme& theme, Icon kind, float css_size) {
    const float size = theme.px(css_size);
    const float width = content_width();
    const ImVec2 pos = ImGui::GetCursorScreenPos();
    const ImVec2 c(pos.x + width * 0.5f, pos.y + size * 0.5f);
    const float r = size * 0.5f;
    ImDrawList* draw = ImGui::GetWindowDrawList();
    ImU32 soft = colors::kSuccessSoft;
    ImU32 strong = colors::kSuccess;
    if (kind == Icon::Error) {
        soft = colors::kDangerSoft;
        strong = colors::kDanger;
    } else if (kind == Icon::Warning || kind == Icon::Clock) {
        soft = colors::kWarningSoft;
        strong = colors::kWarning;
    }
    draw->AddCircleFilled(c, r, soft, 48);
    draw->AddCircleFilled(c, r * 0.72f, strong, 48);
    const float t = theme.px(3.5f);
    switch (kind) {
        case Icon::Success: {
            const ImVec2 points[] = {ImVec2(c.x - r * 0.32f, c.y + r * 0.02f),
                                     ImVec2(c.x - r * 0.08f, c.y + r * 0.26f),
                                     ImVec2(c.x + r * 0.34f, c.y - r * 0.22f)};
            draw->AddPolyline(points, 3, colors::kOnAccent, 0, t);
            break;
        }
        case Icon::Error:
        case Icon::Warning:
            draw->AddLine(ImVec2(c.x, c.y - r * 0.34f), ImVec2(c.x, c.y + r * 0.08f),
                          colors::kOnAccent, t);
            draw->AddCircleFilled(ImVec2(c.x, c.y + r * 0.30f), t * 0.6f, colors::kOnAccent);
            break;
        case Icon::Clock:
            draw->AddCircle(c, r * 0.42f, colors::kOnAccent, 32, t * 0.7f);
            draw->AddLine(c, ImVec2(c.x, c.y - r * 0.28f), colors::kOnAccent, t * 0.7f);
            draw->AddLine(c, ImVec2(c.x + r * 0.2f, c.y), colors::kOnAccent, t * 0.7f);
            break;
    }
    ImGui::Dummy(ImVec2(width, size));
}

}  // namespace hilt::web::ui
