// server/http/static_files.cpp: safe names, content types, encodings and the stat-validated
// file cache.
#include "http/static_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <filesystem>
#include <mutex>
#include <optional>
#include <utility>

#include "crypto/sodium.h"
#include "encoding/base64.h"

namespace hilt::server {

namespace {

// Hex digits a segment needs to count as a content hash (checkout.3f2a9c1d.js).
constexpr std::size_t kHashSegmentMinChars = 8;

bool is_ascii_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_hex_digit(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    }
    return true;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

std::string_view file_name_of(std::string_view path) {
    const auto slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// Calls `fn` for each piece of `text` between separators (empty pieces included).
template <typename Fn>
void for_each_piece(std::string_view text, char separator, Fn&& fn) {
    std::size_t start = 0;
    while (true) {
        const auto end = text.find(separator, start);
        fn(text.substr(start,
                       end == std::string_view::npos ? std::string_view::npos : end - start));
        if (end == std::string_view::npos) return;
        start = end + 1;
    }
}

// "0", "0.", "0.0", "0.000": a q-value of zero (RFC 9110 §12.4.2); anything else is above zero.
bool is_zero_quality(std::string_view value) {
    value = trim(value);
    if (value.empty() || value.front() != '0') return false;
    for (char c : value.substr(1)) {
        if (c != '0' && c != '.') return false;
    }
    return true;
}

std::string strong_etag(std::string_view body) {
    return "\"" + hex_encode(ByteView(sha256(as_bytes(body))).first(16)) + "\"";
}

}  // namespace

std::string_view encoding_name(ContentEncoding encoding) {
    switch (encoding) {
        case ContentEncoding::Gzip:
            return "gzip";
        case ContentEncoding::Brotli:
            return "br";
        case ContentEncoding::Identity:
            break;
    }
    return "identity";
}

bool is_safe_asset_path(std::string_view path) {
    if (path.empty() || path.size() > kAssetPathMaxChars) return false;
    bool safe = true;
    std::size_t segments = 0;
    for_each_piece(path, '/', [&](std::string_view segment) {
        ++segments;
        // Empty (leading '/', "//", trailing '/') or hidden ('.', '..', '.env'): never an asset.
        if (segment.empty() || segment.front() == '.') safe = false;
        for (char c : segment) {
            if (!is_ascii_alnum(c) && c != '.' && c != '_' && c != '-') safe = false;
        }
    });
    return safe && segments <= kAssetPathMaxSegments;
}

std::string_view asset_content_type(std::string_view path) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 17> kTypes{{
        {"js", "application/javascript"},
        {"mjs", "application/javascript"},
        {"wasm", "application/wasm"},
        {"css", "text/css; charset=utf-8"},
        {"html", "text/html; charset=utf-8"},
        {"json", "application/json"},
        {"map", "application/json"},
        {"svg", "image/svg+xml"},
        {"png", "image/png"},
        {"ico", "image/x-icon"},
        {"txt", "text/plain; charset=utf-8"},
        {"woff2", "font/woff2"},
        {"woff", "font/woff"},
        {"ttf", "font/ttf"},
        {"webp", "image/webp"},
        {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},
    }};
    const auto name = file_name_of(path);
    const auto dot = name.rfind('.');
    if (dot == std::string_view::npos) return "application/octet-stream";
    const auto extension = name.substr(dot + 1);
    for (const auto& [known, type] : kTypes) {
        if (iequals(extension, known)) return type;
    }
    return "application/octet-stream";
}

bool is_hashed_asset_name(std::string_view path) {
    const auto name = file_name_of(path);
    bool hashed = false;
    std::size_t index = 0;
    const auto last_dot = name.rfind('.');
    for_each_piece(name, '.', [&](std::string_view part) {
        const bool first = index++ == 0;
        // "Between dots": neither the part before the first dot nor the one after the last.
        const bool last =
            last_dot == std::string_view::npos || part.data() == name.data() + last_dot + 1;
        if (first || last || part.size() < kHashSegmentMinChars) return;
        bool all_hex = true;
        for (char c : part) all_hex = all_hex && is_hex_digit(c);
        hashed = hashed || all_hex;
    });
    return hashed;
}

bool accepts_encoding(std::string_view accept_encoding, std::string_view coding) {
    std::optional<bool> named;
    std::optional<bool> wildcard;
    for_each_piece(accept_encoding, ',', [&](std::string_view item) {
        const auto semicolon = item.find(';');
        const auto name = trim(item.substr(0, semicolon));
        bool allowed = true;
        if (semicolon != std::string_view::npos) {
            for_each_piece(item.substr(semicolon + 1), ';', [&](std::string_view parameter) {
                parameter = trim(parameter);
                if (parameter.size() >= 2 && ascii_lower(parameter[0]) == 'q' &&
                    parameter[1] == '=') {
                    allowed = !is_zero_quality(parameter.substr(2));
                }
            });
        }
        if (iequals(name, coding))
            named = allowed;
        else if (name == "*")
            wildcard = allowed;
    });
    if (named) return *named;
    return wildcard.value_or(false);
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
    if (trim(if_none_match) == "*") return true;
    bool matched = false;
    for_each_piece(if_none_match, ',', [&](std::string_view candidate) {
        candidate = trim(candidate);
        if (candidate.size() >= 2 && candidate[0] == 'W' && candidate[1] == '/')
            candidate.remove_prefix(2);
        matched = matched || candidate == etag;
    });
    return matched;
}

StaticFiles::StaticFiles(std::string root, std::size_t cache_max_bytes)
    : root_(std::move(root)), cache_max_bytes_(cache_max_bytes) {
    while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

std::size_t StaticFiles::cached_bytes() const {
    std::shared_lock lock(mutex_);
    return cached_bytes_;
}

Result<StaticFile> StaticFiles::find(std::string_view path, std::string_view accept_encoding) {
    if (root_.empty() || !is_safe_asset_path(path))
        return fail(ErrorCode::NotFound, "no such asset");
    const std::string relative(path);
    auto identity = load(relative);
    if (!identity) return fail(ErrorCode::NotFound, "no such asset");

    StaticFile file;
    file.content_type = asset_content_type(path);
    const std::pair<ContentEncoding, std::string_view> kSiblings[] = {
        {ContentEncoding::Brotli, ".br"}, {ContentEncoding::Gzip, ".gz"}};
    for (const auto& [encoding, suffix] : kSiblings) {
        if (!accepts_encoding(accept_encoding, encoding_name(encoding))) continue;
        if (auto sibling = load(relative + std::string(suffix))) {
            file.body = std::shared_ptr<const std::string>(sibling, &sibling->body);
            file.etag = sibling->etag;
            file.encoding = encoding;
            return file;
        }
    }
    file.body = std::shared_ptr<const std::string>(identity, &identity->body);
    file.etag = identity->etag;
    return file;
}

std::shared_ptr<const StaticFiles::Loaded> StaticFiles::load(const std::string& relative) {
    const std::string full = root_ + "/" + relative;
    struct stat info {};
    if (::stat(full.c_str(), &info) != 0 || !S_ISREG(info.st_mode) || info.st_size < 0 ||
        static_cast<std::uint64_t>(info.st_size) > kAssetFileMaxBytes) {
        return nullptr;
    }
    const Stamp stamp{
        static_cast<std::uint64_t>(info.st_dev), static_cast<std::uint64_t>(info.st_ino),
        static_cast<std::uint64_t>(info.st_size),
        static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec};
    {
        std::shared_lock lock(mutex_);
        const auto it = cache_.find(relative);
        if (it != cache_.end() && it->second.stamp == stamp) {
            it->second.last_used.store(++use_counter_, std::memory_order_relaxed);
            return it->second.loaded;
        }
    }
    return read_and_cache(relative, full);
}

std::shared_ptr<const StaticFiles::Loaded> StaticFiles::read_and_cache(const std::string& relative,
                                                                       const std::string& full) {
    // A symlink inside the root may point anywhere: only files whose real path stays inside
    // are served.
    std::error_code error;
    const auto real_root = std::filesystem::canonical(root_, error);
    if (error) return nullptr;
    const auto real_file = std::filesystem::canonical(full, error);
    if (error) return nullptr;
    const auto root_text = real_root.string() + "/";
    const auto& file_text = real_file.string();
    if (file_text.compare(0, root_text.size(), root_text) != 0) return nullptr;

    const int fd = ::open(file_text.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return nullptr;
    struct stat info {};
    auto loaded = std::make_shared<Loaded>();
    bool ok = ::fstat(fd, &info) == 0 && S_ISREG(info.st_mode) && info.st_size >= 0 &&
              static_cast<std::uint64_t>(info.st_size) <= kAssetFileMaxBytes;
    if (ok) {
        loaded->body.resize(static_cast<std::size_t>(info.st_size));
        std::size_t done = 0;
        while (ok && done < loaded->body.size()) {
            const auto got = ::read(fd, loaded->body.data() + done, loaded->body.size() - done);
            // 0 means the file shrank under us: give up now, a later request reads it again.
            if (got > 0) {
                done += static_cast<std::size_t>(got);
            } else {
                ok = got < 0 && errno == EINTR;
            }
        }
    }
    ::close(fd);
    if (!ok) return nullptr;
    loaded->etag = strong_etag(loaded->body);
    const Stamp stamp{
        static_cast<std::uint64_t>(info.st_dev), static_cast<std::uint64_t>(info.st_ino),
        static_cast<std::uint64_t>(info.st_size),
        static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec};

    std::unique_lock lock(mutex_);
    if (const auto it = cache_.find(relative); it != cache_.end()) {
        cached_bytes_ -= it->second.loaded->body.size();
        cache_.erase(it);
    }
    if (loaded->body.size() <= cache_max_bytes_) {
        evict_locked(loaded->body.size());
        auto& entry = cache_[relative];
        entry.stamp = stamp;
        entry.loaded = loaded;
        entry.last_used.store(++use_counter_, std::memory_order_relaxed);
        cached_bytes_ += loaded->body.size();
    }
    return loaded;
}

void StaticFiles::evict_locked(std::size_t incoming) {
    while (!cache_.empty() && cached_bytes_ + incoming > cache_max_bytes_) {
        auto oldest = cache_.begin();
        for (auto it = cache_.begin(); it != cache_.end(); ++it) {
            if (it->second.last_used.load(std::memory_order_relaxed) <
                oldest->second.last_used.load(std::memory_order_relaxed)) {
                oldest = it;
            }
        }
        cached_bytes_ -= oldest->second.loaded->body.size();
        cache_.erase(oldest);
    }
}

HttpResponse asset_response(StaticFiles& files, const HttpRequest& request, std::string_view path) {
    auto file = files.find(path, request.header("Accept-Encoding").value_or(std::string()));
    if (!file) return HttpResponse::error(file.error(), request.request_id);
    HttpResponse response;
    response.content_type = std::string(file->content_type);
    response.headers.emplace_back("ETag", file->etag);
    response.headers.emplace_back(
        "Cache-Control",
        is_hashed_asset_name(path)
            ? "public, max-age=" + std::to_string(kImmutableAssetMaxAgeSeconds) + ", immutable"
            : std::string("no-cache"));
    response.headers.emplace_back("Vary", "Accept-Encoding");
    if (const auto condition = request.header("If-None-Match");
        condition && etag_matches(*condition, file->etag)) {
        response.status = 304;
        return response;
    }
    if (file->encoding != ContentEncoding::Identity) {
        response.headers.emplace_back("Content-Encoding",
                                      std::string(encoding_name(file->encoding)));
    }
    response.shared_body = file->body;
    return response;
}

}  // namespace hilt::server
