// server/http/compression.cpp: brotli (libbrotlienc) and gzip (zlib) for handler-built bodies.
#include "http/compression.h"

#include <brotli/encode.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <limits>

namespace hilt::server {

namespace {

// gzip's wrapper around deflate: zlib's window bits plus 16.
constexpr int kGzipWindowBits = 15 + 16;
constexpr int kZlibMemLevel = 8;  // zlib's default

bool starts_with_ci(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() &&
           std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
           });
}

std::string_view media_type(std::string_view content_type) {
    const auto end = content_type.find(';');
    auto type = content_type.substr(0, end);
    while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
    while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
    return type;
}

std::optional<std::string> brotli(std::string_view body) {
    std::string out(BrotliEncoderMaxCompressedSize(body.size()), '\0');
    if (out.empty()) return std::nullopt;  // too large for brotli's one-shot API
    std::size_t size = out.size();
    if (BrotliEncoderCompress(kBrotliQuality, kBrotliWindowBits, BROTLI_MODE_TEXT, body.size(),
                              reinterpret_cast<const std::uint8_t*>(body.data()), &size,
                              reinterpret_cast<std::uint8_t*>(out.data())) != BROTLI_TRUE) {
        return std::nullopt;
    }
    out.resize(size);
    return out;
}

std::optional<std::string> gzip(std::string_view body) {
    if (body.size() > std::numeric_limits<uInt>::max()) return std::nullopt;
    z_stream stream{};
    if (deflateInit2(&stream, kGzipLevel, Z_DEFLATED, kGzipWindowBits, kZlibMemLevel, Z_DEFAULT_STRATEGY) !=
        Z_OK) {
        return std::nullopt;
    }
    std::string out(deflateBound(&stream, static_cast<uLong>(body.size())) + 32, '\0');  // + gzip's header
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
    stream.avail_in = static_cast<uInt>(body.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    const int status = deflate(&stream, Z_FINISH);
    const auto size = stream.total_out;
    deflateEnd(&stream);
    if (status != Z_STREAM_END) return std::nullopt;
    out.resize(size);
    return out;
}

}  // namespace

bool is_compressible_type(std::string_view content_type) {
    const auto type = media_type(content_type);
    if (starts_with_ci(type, "text/")) return !starts_with_ci(type, "text/event-stream");
    constexpr std::array<std::string_view, 5> kTypes = {"application/json", "application/javascript",
                                                        "application/xml", "application/xhtml+xml",
                                                        "image/svg+xml"};
    return std::any_of(kTypes.begin(), kTypes.end(), [&](std::string_view t) {
        return t.size() == type.size() && starts_with_ci(type, t);
    });
}

bool varies_by_encoding(std::string_view content_type, std::size_t size) {
    return size >= kCompressMinBytes && is_compressible_type(content_type);
}

ContentEncoding body_encoding(std::string_view content_type, std::size_t size, std::string_view accept_encoding) {
    if (!varies_by_encoding(content_type, size)) return ContentEncoding::Identity;
    if (accepts_encoding(accept_encoding, "br")) return ContentEncoding::Brotli;
    if (accepts_encoding(accept_encoding, "gzip")) return ContentEncoding::Gzip;
    return ContentEncoding::Identity;
}

std::optional<std::string> compress_body(ContentEncoding encoding, std::string_view body) {
    switch (encoding) {
        case ContentEncoding::Brotli:
            return brotli(body);
        case ContentEncoding::Gzip:
            return gzip(body);
        case ContentEncoding::Identity:
            break;
    }
    return std::nullopt;
}

}  // namespace hilt::server
