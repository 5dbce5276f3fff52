// server/http/compression.h: how hiltd compresses the bodies its handlers build (pages, JSON answers)
// for a client that accepts it, when hiltd serves clients itself (behind nginx it is asked for identity
// bodies: deploy/nginx.conf compresses).
//
// Why hiltd does it and not cpp-httplib: Debian's httplib 0.11 (linked with brotli and zlib)
// brotli-compresses every string body of a textual type for any client whose Accept-Encoding contains
// "br", at brotli's default quality 11 and window: ~6 ms of CPU before the first byte of the 5 KiB
// checkout page, ~1-2 ms for a 700-byte JSON answer, about a second per MiB of a large list. Quality 5
// with a 256 KiB window makes the page ~15% larger than quality 11 (1.7 KiB against 1.5) for ~1% of its
// time. http_server.cpp sends every handler's body through a fixed-length provider, which httplib
// leaves as it is, after compress_body() here.
//
// Owns: which bodies are compressed, with which coding and settings.
// Must never: compress what a route has encoded already (a Content-Encoding of its own: the
// precompressed assets), or fail an answer because compression failed (the body then goes out as is).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "http/static_files.h"

namespace hilt::server {

// Smaller bodies go out as they are: a few hundred bytes saved are not worth a coding (nginx's
// gzip_min_length in deploy/nginx.conf is the same).
inline constexpr std::size_t kCompressMinBytes = 1024;
inline constexpr int kBrotliQuality = 5;
inline constexpr int kBrotliWindowBits = 18;  // 256 KiB: larger than any page, most JSON lists
inline constexpr int kGzipLevel = 6;

// Types worth compressing: text/* (not event streams), JSON, JavaScript, XML, SVG. Parameters
// (";charset=utf-8") are ignored.
[[nodiscard]] bool is_compressible_type(std::string_view content_type);
// True when a body of this type and size is sent in a coding the client picks: the answer then
// carries Vary: Accept-Encoding whatever this client accepted.
[[nodiscard]] bool varies_by_encoding(std::string_view content_type, std::size_t size);
// The coding such a body goes out in for a client sending `accept_encoding`: brotli when accepted,
// else gzip, else identity (also for bodies varies_by_encoding() turns down).
[[nodiscard]] ContentEncoding body_encoding(std::string_view content_type, std::size_t size,
                                            std::string_view accept_encoding);
// `body` in `encoding` (brotli at kBrotliQuality, gzip at kGzipLevel); nullopt for identity or
// when the library fails.
[[nodiscard]] std::optional<std::string> compress_body(ContentEncoding encoding, std::string_view body);

}  // namespace hilt::server
