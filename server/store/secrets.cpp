// server/store/secrets.cpp: a server key in a file (fresh bytes in a private temp file, fsync,
// link() to the final name, then read back), or in the store's SecretStore without a key folder, so
// concurrent first starts agree on one value either way. Must never: log or echo key bytes, leave a
// short or group/other-readable file at a key's final name (link() publishes only a complete,
// fsynced file and fails instead of overwriting), or crash on a bad key file (it becomes an error
// naming the file).
#include "store/secrets.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <filesystem>
#include <optional>
#include <system_error>

#include "encoding/base64.h"

namespace hilt::server {
namespace {

constexpr std::size_t kSecretBytes = 32;
constexpr mode_t kKeyDirMode = 0700;
constexpr mode_t kKeyFileMode = 0600;
constexpr mode_t kGroupOtherBits = 0077;
// Secret names become file names: short, lower-case words cannot leave the key folder.
constexpr std::size_t kMaxSecretNameChars = 64;
// Random bytes in a temp file's name, so leftovers of a crash never collide with a later start.
constexpr std::size_t kTempNameRandomBytes = 8;

std::string errno_text(const std::string& what) {
    return what + ": " + std::generic_category().message(errno);
}

class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    int get() const { return fd_; }
    // Closes now and reports it: close() can be where a write error surfaces.
    bool close() {
        const int fd = fd_;
        fd_ = -1;
        return ::close(fd) == 0;
    }

private:
    int fd_;
};

Status check_name(const std::string& name) {
    const bool ok = !name.empty() && name.size() <= kMaxSecretNameChars &&
                    std::all_of(name.begin(), name.end(), [](char c) {
                        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
                    });
    if (!ok) {
        return fail(ErrorCode::InvalidValue, "server secret names are lower-case words: " + name);
    }
    return {};
}

// The folder itself is created 0700 (its parents with the usual permissions); an existing folder is
// used as it is.
Status ensure_key_dir(const std::string& dir) {
    struct stat info {};
    if (::stat(dir.c_str(), &info) == 0) {
        if (!S_ISDIR(info.st_mode)) {
            return fail(ErrorCode::Internal, "key folder " + dir + " is not a folder");
        }
        return {};
    }
    if (errno != ENOENT) {
        return fail(ErrorCode::Internal, errno_text("cannot use key folder " + dir));
    }
    const std::filesystem::path parent = std::filesystem::path(dir).parent_path();
    std::error_code error;
    if (!parent.empty()) std::filesystem::create_directories(parent, error);
    if (error) {
        return fail(ErrorCode::Internal,
                    "cannot create key folder " + dir + ": " + error.message());
    }
    if (::mkdir(dir.c_str(), kKeyDirMode) == 0) {
        // The umask may have taken bits away; the owner needs all three.
        if (::chmod(dir.c_str(), kKeyDirMode) != 0) {
            return fail(ErrorCode::Internal,
                        errno_text("cannot set key folder " + dir + " to 0700"));
        }
    } else if (errno != EEXIST) {
        return fail(ErrorCode::Internal, errno_text("cannot create key folder " + dir));
    }
    return {};
}

// The key in the file at `path`; nullopt when there is no such file.
Result<std::optional<SecretBytes<kSecretBytes>>> read_key_file(const std::string& path) {
    using Found = std::optional<SecretBytes<kSecretBytes>>;
    // O_NONBLOCK: a FIFO planted at the path must not hang the start (it is refused below).
    FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (fd.get() < 0) {
        if (errno == ENOENT) return Found{};
        return fail(ErrorCode::Internal, errno_text("cannot open key file " + path));
    }
    struct stat info {};
    if (::fstat(fd.get(), &info) != 0) {
        return fail(ErrorCode::Internal, errno_text("cannot stat " + path));
    }
    if (!S_ISREG(info.st_mode)) {
        return fail(ErrorCode::InvalidKey, "key file " + path + " is not a file");
    }
    if ((info.st_mode & kGroupOtherBits) != 0) {
        return fail(
            ErrorCode::InvalidKey,
            "key file " + path + " is open to group or others; allow only its owner (chmod 600)");
    }
    if (info.st_size != static_cast<off_t>(kSecretBytes)) {
        return fail(ErrorCode::InvalidKey,
                    "key file " + path + " holds " + std::to_string(info.st_size) +
                        " bytes; a key is exactly " + std::to_string(kSecretBytes));
    }
    std::array<std::uint8_t, kSecretBytes> bytes{};
    std::size_t got = 0;
    while (got < bytes.size()) {
        const ssize_t n = ::read(fd.get(), bytes.data() + got, bytes.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    if (got != bytes.size()) {
        secure_wipe(bytes.data(), bytes.size());
        return fail(ErrorCode::InvalidKey, "key file " + path + " could not be read in full");
    }
    Found secret(std::in_place, bytes);
    secure_wipe(bytes.data(), bytes.size());
    return secret;
}

Status write_all(int fd, const std::uint8_t* data, std::size_t size) {
    std::size_t done = 0;
    while (done < size) {
        const ssize_t n = ::write(fd, data + done, size - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return fail(ErrorCode::Internal, errno_text("cannot write a new key file"));
        done += static_cast<std::size_t>(n);
    }
    return {};
}

// Publishes fresh bytes at `path` unless a file is already there (then the existing file wins).
Status create_key_file(const std::string& dir, const std::string& path, const std::string& name) {
    const auto suffix = random_array<kTempNameRandomBytes>();
    const std::string temp =
        dir + "/." + name + ".key.tmp-" + hex_encode(ByteView(suffix.data(), suffix.size()));
    FileDescriptor fd(
        ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, kKeyFileMode));
    if (fd.get() < 0) {
        return fail(ErrorCode::Internal, errno_text("cannot create a key file in " + dir));
    }
    struct RemoveTemp {
        const std::string& temp;
        ~RemoveTemp() { ::unlink(temp.c_str()); }
    } remove_temp{temp};

    auto fresh = random_array<kSecretBytes>();
    const Status written = write_all(fd.get(), fresh.data(), fresh.size());
    secure_wipe(fresh.data(), fresh.size());
    HILT_TRY(written);
    // The umask may have taken the owner's bits; exactly 0600 is what load checks for.
    if (::fchmod(fd.get(), kKeyFileMode) != 0 || ::fsync(fd.get()) != 0 || !fd.close()) {
        return fail(ErrorCode::Internal, errno_text("cannot save a new key file in " + dir));
    }
    // link() never replaces an existing file: of two first starts exactly one publishes, and both
    // then read the file that won.
    if (::link(temp.c_str(), path.c_str()) != 0 && errno != EEXIST) {
        return fail(ErrorCode::Internal, errno_text("cannot create key file " + path));
    }
    FileDescriptor folder(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (folder.get() < 0 || ::fsync(folder.get()) != 0) {
        return fail(ErrorCode::Internal, errno_text("cannot sync key folder " + dir));
    }
    return {};
}

Result<SecretBytes<kSecretBytes>> load_or_create_file_secret(const std::string& key_dir,
                                                             const std::string& name) {
    HILT_TRY(check_name(name));
    // "keys/" and "keys" are one folder (and mkdir("keys/") must not act on a parent created
    // first).
    std::filesystem::path folder(key_dir);
    if (!folder.has_filename() && folder.has_parent_path() && folder != folder.root_path()) {
        folder = folder.parent_path();
    }
    const std::string dir = folder.string();
    HILT_TRY(ensure_key_dir(dir));
    const std::string path = dir + "/" + name + ".key";
    auto existing = read_key_file(path);
    if (!existing) return existing.error();
    if (*existing) return **existing;
    HILT_TRY(create_key_file(dir, path, name));
    auto created = read_key_file(path);
    if (!created) return created.error();
    if (!*created) {
        return fail(ErrorCode::Internal,
                    "key file " + path + " vanished right after it was created");
    }
    return **created;
}

}  // namespace

Result<SecretBytes<32>> load_or_create_secret(SecretStore& store, const std::string& name,
                                              std::int64_t now, const std::string& key_dir) {
    if (!key_dir.empty()) return load_or_create_file_secret(key_dir, name);
    return store.load_or_create(name, now);
}

}  // namespace hilt::server
