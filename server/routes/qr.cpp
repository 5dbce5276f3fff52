// server/routes/qr.cpp: see qr.h.
#include "routes/qr.h"

#include <qrcodegen.hpp>

#include "crypto/sodium.h"
#include "encoding/base64.h"
#include "http/static_files.h"
#include "routes/auth.h"

namespace hilt::server {

Result<std::string> qr_svg(std::string_view text) {
    if (text.empty()) return fail(ErrorCode::TooShort, "nothing to encode");
    if (text.size() > kQrSvgMaxTextBytes)
        return fail(ErrorCode::TooLong, "text too long for a QR code");
    const std::string owned(text);
    const auto code = qrcodegen::QrCode::encodeText(owned.c_str(), qrcodegen::QrCode::Ecc::MEDIUM);
    const int size = code.getSize();
    const int side = size + 2 * kQrSvgQuietModules;
    const std::string side_text = std::to_string(side);

    std::string svg;
    svg.reserve(static_cast<std::size_t>(size) * static_cast<std::size_t>(size) * 3);
    svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + side_text + " " +
           side_text + "\" width=\"" + std::to_string(side * 8) + "\" height=\"" +
           std::to_string(side * 8) + "\" shape-rendering=\"crispEdges\">";
    svg += "<rect width=\"" + side_text + "\" height=\"" + side_text + "\" fill=\"#fff\"/>";
    svg += "<path fill=\"#000\" d=\"";
    // Each horizontal run of dark modules as one rectangle of height 1: M x y h w v 1 h -w z.
    for (int y = 0; y < size; ++y) {
        for (int x = 0; x < size;) {
            if (!code.getModule(x, y)) {
                ++x;
                continue;
            }
            int run = 1;
            while (x + run < size && code.getModule(x + run, y)) ++run;
            svg += "M" + std::to_string(x + kQrSvgQuietModules) + " " +
                   std::to_string(y + kQrSvgQuietModules) + "h" + std::to_string(run) + "v1h-" +
                   std::to_string(run) + "z";
            x += run;
        }
    }
    svg += "\"/></svg>\n";
    return svg;
}

void register_qr_routes(HttpServer& http, AppContext& context) {
    http.route("GET", "/v1/products/{product_id}/qr.svg", [&context](const HttpRequest& request) {
        auto merchant = authenticate_merchant(request, context);
        if (!merchant) return HttpResponse::error(merchant.error(), request.request_id);
        auto product =
            context.products.get(merchant->merchant_id, request.path_param("product_id"));
        if (!product) return HttpResponse::error(product.error(), request.request_id);
        auto svg = qr_svg(product->checkout_url);
        if (!svg) return HttpResponse::error(svg.error(), request.request_id);
        const auto etag = "\"" + hex_encode(ByteView(sha256(as_bytes(*svg))).first(16)) + "\"";
        HttpResponse response;
        response.headers.emplace_back("ETag", etag);
        response.headers.emplace_back("Cache-Control",
                                      "private, max-age=" + std::to_string(kQrSvgMaxAgeSeconds));
        // An image, never a document: nothing in it may run or load.
        response.headers.emplace_back("Content-Security-Policy", "default-src 'none'");
        if (const auto condition = request.header("If-None-Match");
            condition && etag_matches(*condition, etag)) {
            response.status = 304;
            return response;
        }
        response.status = 200;
        response.content_type = "image/svg+xml";
        response.body = std::move(*svg);
        return response;
    });
}

}  // namespace hilt::server

