// server/http/static_files.h: the checkout's static files (assets_dir, the WASM build output) as
// HTTP answers for GET /assets/{path}: safe names, content types, strong ETags, cache rules and
// precompressed siblings, from an in-memory cache that follows the files on disk.
//
// Owns: which names may be read, which bytes answer a request and with which headers.
// Must never: read outside the root (no "..", no absolute paths, no hidden files, no symlink
// leading out), compress on the fly (only precompressed `<file>.br` / `<file>.gz` siblings are sent
// encoded), or answer 500 for a missing or empty root (that is simply 404).
//
//  - Names: 1..kAssetPathMaxChars of [A-Za-z0-9._-/], at most kAssetPathMaxSegments segments,
//    no empty segment, no segment starting with '.' (which also rules out "." and "..").
//  - Cache-Control: names with a segment of >= 8 hex digits between dots (checkout.3f2a9c1d.js)
//    are content-addressed: `public, max-age=31536000, immutable`; any other name: `no-cache`
//    (revalidate with the ETag every time).
//  - ETag: strong, the first 16 bytes of SHA-256 of the bytes sent, in hex: each encoding has its
//    own.
//  - Every answer for an existing file carries `Vary: Accept-Encoding`.
//  - The cache is keyed by file path and validated per request by stat() (device, inode, size,
//    mtime), so a rebuilt checkout is served without a restart; it holds at most
//    kAssetCacheMaxBytes and drops the least recently used files first.
// WARNING: the name checks are the defence against path traversal; httplib has already
// percent-decoded the path (so "%2e%2e" and "%2f" arrive as ".." and "/"), which is why they run
// on the decoded text.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.h"
#include "http/http_server.h"

namespace hilt::server {

// Longest asset name: hashed build outputs are < 60 characters; room for a folder or two.
inline constexpr std::size_t kAssetPathMaxChars = 200;
// Deepest asset name (one route per depth is registered: the HTTP wrapper's parameters are one
// segment).
inline constexpr std::size_t kAssetPathMaxSegments = 4;
// Largest file served: the WASM checkout is a few MiB; anything far larger is not a checkout asset.
inline constexpr std::uint64_t kAssetFileMaxBytes = 32ull * 1024 * 1024;
// Bytes the in-memory cache may hold (all encodings of the checkout fit several times over).
inline constexpr std::size_t kAssetCacheMaxBytes = 64 * 1024 * 1024;
// Seconds a content-addressed (hashed) asset may be cached: one year, the conventional maximum.
inline constexpr int kImmutableAssetMaxAgeSeconds = 31'536'000;

enum class ContentEncoding : std::uint8_t { Identity, Gzip, Brotli };
// The coding's name in Accept-Encoding and Content-Encoding: "br", "gzip", "identity".
std::string_view encoding_name(ContentEncoding encoding);

// True when `path` (relative, already percent-decoded) is a name the asset routes may read.
[[nodiscard]] bool is_safe_asset_path(std::string_view path);
// The Content-Type for a name, by extension; application/octet-stream for unknown ones.
std::string_view asset_content_type(std::string_view path);
// True when the file name has a segment of >= 8 hex digits between two dots.
[[nodiscard]] bool is_hashed_asset_name(std::string_view path);
// True when an Accept-Encoding header value allows `coding` ("br", "gzip"): listed, or covered by
// "*", with a q-value above zero.
[[nodiscard]] bool accepts_encoding(std::string_view accept_encoding, std::string_view coding);
// True when an If-None-Match header value matches `etag` (weak comparison, as RFC 9110 asks for
// If-None-Match; "*" matches any).
[[nodiscard]] bool etag_matches(std::string_view if_none_match, std::string_view etag);

struct StaticFile {
    std::shared_ptr<const std::string> body;
    std::string etag;  // quoted
    std::string_view content_type;
    ContentEncoding encoding = ContentEncoding::Identity;
};

class StaticFiles {
public:
    // `root` may be empty or not exist: every lookup is then not_found.
    explicit StaticFiles(std::string root, std::size_t cache_max_bytes = kAssetCacheMaxBytes);
    StaticFiles(const StaticFiles&) = delete;
    StaticFiles& operator=(const StaticFiles&) = delete;

    // The best representation of `path` for a client sending `accept_encoding`: `<path>.br`, then
    // `<path>.gz` when allowed and present, else the file itself (which must exist in any case).
    // not_found for unsafe names, missing or non-regular files, files over kAssetFileMaxBytes.
    [[nodiscard]] Result<StaticFile> find(std::string_view path,
                                          std::string_view accept_encoding = {});

    // Bytes held by the cache now (for tests and the benchmark).
    std::size_t cached_bytes() const;

private:
    struct Loaded {
        std::string body;
        std::string etag;
    };
    struct Stamp {
        std::uint64_t device = 0;
        std::uint64_t inode = 0;
        std::uint64_t size = 0;
        std::int64_t mtime_ns = 0;
        friend bool operator==(const Stamp&, const Stamp&) = default;
    };
    struct Entry {
        Stamp stamp;
        std::shared_ptr<const Loaded> loaded;
        // Bumped by readers under the shared lock, hence atomic; read by eviction under the
        // exclusive one.
        std::atomic<std::uint64_t> last_used{0};
    };

    // The file at root/relative if it is a regular file within the size cap; nullptr otherwise.
    std::shared_ptr<const Loaded> load(const std::string& relative);
    std::shared_ptr<const Loaded> read_and_cache(const std::string& relative,
                                                 const std::string& full);
    void evict_locked(std::size_t incoming);

    std::string root_;
    std::size_t cache_max_bytes_;
    mutable std::shared_mutex mutex_;
    std::unordered_map<std::string, Entry> cache_;
    std::size_t cached_bytes_ = 0;
    std::atomic<std::uint64_t> use_counter_{0};
};

// The answer to GET/HEAD /assets/{path}: 200 (the cached bytes, sent as is), 304 for a matching
// If-None-Match, or the JSON 404 for anything that is not a servable file.
HttpResponse asset_response(StaticFiles& files, const HttpRequest& request, std::string_view path);

}  // namespace hilt::server
