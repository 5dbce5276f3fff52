// tests/unit/server/temp_dir.h: a fresh, empty folder of one test's own under the system's temp folder
// (named prefix-pid-n), removed with everything in it when the TempDir goes.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <system_error>

namespace hilt::test {

class TempDir {
public:
    explicit TempDir(const std::string& prefix) : path_(unique(prefix)) {
        std::filesystem::remove_all(path_);
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }

private:
    static std::filesystem::path unique(const std::string& prefix) {
        static std::atomic<int> counter{0};
        return std::filesystem::temp_directory_path() /
               (prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    }
    std::filesystem::path path_;
};

}  // namespace hilt::test
