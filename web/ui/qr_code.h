// web/ui/qr_code.h: a Solana Pay URL as a crisp QR code (qrcodegen), drawn with ImGui rectangles.
//
// Owns: encoding (cached per text), the quiet zone, and whole-device-pixel modules so that any
// scanner (and zbarimg in the browser tests) reads it.
// Must never: encode text longer than kMaxQrTextBytes; such text (and any qrcodegen cannot encode)
// draws nothing and returns false.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ui/theme.h"

namespace hilt::web::ui {

// A Solana Pay link is < 2048 characters (solana-phantom.md §4.1); version 40 at ECC level M holds
// 2331 bytes, so every valid link fits.
inline constexpr std::size_t kMaxQrTextBytes = 2048;
// White modules around the code, as the QR standard asks.
inline constexpr int kQrQuietModules = 4;

class QrCode {
public:
    // Draws the code for `text` centered at the cursor, at most `max_css` CSS pixels wide.
    bool draw(const Theme& theme, std::string_view text, float max_css);

private:
    bool encode(std::string_view text);
    std::string text_;
    int size_ = 0;
    std::vector<bool> modules_;  // size_ * size_, row-major, true = dark
};

}  // namespace hilt::web::ui
