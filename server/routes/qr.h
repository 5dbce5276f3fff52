// server/routes/qr.h: a product's checkout link as a QR code image for merchants
// (GET /v1/products/{product_id}/qr.svg).
//
// Owns: encoding a text as a QR code (qrcodegen, error correction M) and writing it as a crisp SVG:
// a white background and one <path> of dark module rectangles on a unit grid, with the standard
// quiet zone of kQrSvgQuietModules inside the viewBox, so that it scales to any print size.
// Must never: answer for another merchant's product (404, as GET /v1/products/{id} does), encode
// anything but the product's checkout_url, or let qrcodegen throw (text is length-checked first).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "app.h"
#include "core/result.h"
#include "http/http_server.h"

namespace hilt::server {

// Longest text encoded: a checkout_url is public_url + "/p/" + slug, far below this; version 40 at
// error correction M holds 2331 bytes, so anything within the limit encodes.
inline constexpr std::size_t kQrSvgMaxTextBytes = 2048;
// Light modules around the code, as the QR standard (ISO/IEC 18004) asks.
inline constexpr int kQrSvgQuietModules = 4;
// Seconds a merchant's client may keep the image: the link only changes with the server's public
// URL, but a short life keeps a mistaken deployment from being printed for long.
inline constexpr int kQrSvgMaxAgeSeconds = 300;

// The SVG document of `text` as a QR code; too_long over kQrSvgMaxTextBytes, too_short when empty.
[[nodiscard]] Result<std::string> qr_svg(std::string_view text);

void register_qr_routes(HttpServer& http, AppContext& context);

}  // namespace hilt::server
