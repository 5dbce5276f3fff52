// web/ui/qr_code.cpp: see qr_code.h.
#include "ui/qr_code.h"

#include <imgui.h>

#include <array>
#include <cmath>
#include <cstdint>

#include <qrcodegen.h>

namespace hilt::web::ui {

bool QrCode::encode(std::string_view text) {
    if (text == text_ && size_ > 0) return true;
    text_.assign(text);
    size_ = 0;
    modules_.clear();
    if (text.empty() || text.size() > kMaxQrTextBytes) return false;
    // The C++ library's encodeText(text, MEDIUM): any version, mask chosen, ECC level boosted when it
    // fits in the same version.
    std::array<std::uint8_t, qrcodegen_BUFFER_LEN_MAX> temp{};
    std::array<std::uint8_t, qrcodegen_BUFFER_LEN_MAX> code{};
    if (!qrcodegen_encodeText(text_.c_str(), temp.data(), code.data(), qrcodegen_Ecc_MEDIUM,
                              qrcodegen_VERSION_MIN, qrcodegen_VERSION_MAX, qrcodegen_Mask_AUTO, true)) {
        return false;
    }
    size_ = qrcodegen_getSize(code.data());
    modules_.resize(static_cast<std::size_t>(size_ * size_));
    for (int y = 0; y < size_; ++y) {
        for (int x = 0; x < size_; ++x) {
            modules_[static_cast<std::size_t>(y * size_ + x)] = qrcodegen_getModule(code.data(), x, y);
        }
    }
    return true;
}

bool QrCode::draw(const Theme& theme, std::string_view text, float max_css) {
    if (!encode(text)) return false;
    const float avail = ImGui::GetContentRegionAvail().x;
    const float target = std::min(avail, theme.px(max_css));
    const int total = size_ + 2 * kQrQuietModules;
    const float module = std::max(1.0f, std::floor(target / static_cast<float>(total)));
    const float side = module * static_cast<float>(total);
    const ImVec2 cursor = ImGui::GetCursorScreenPos();
    const ImVec2 origin(std::round(cursor.x + (avail - side) * 0.5f), std::round(cursor.y));
    ImDrawList* draw = ImGui::GetWindowDrawList();
    draw->AddRectFilled(origin, ImVec2(origin.x + side, origin.y + side), colors::kQrLight);
    for (int y = 0; y < size_; ++y) {
        for (int x = 0; x < size_; ++x) {
            if (!modules_[static_cast<std::size_t>(y * size_ + x)]) continue;
            const float px = origin.x + module * static_cast<float>(x + kQrQuietModules);
            const float py = origin.y + module * static_cast<float>(y + kQrQuietModules);
            draw->AddRectFilled(ImVec2(px, py), ImVec2(px + module, py + module), colors::kQrDark);
        }
    }
    ImGui::Dummy(ImVec2(avail, side));
    return true;
}

}  // namespace hilt::web::ui
