// server/analytics/view_log.cpp: nginx's view log followed and counted (see view_log.h).
#include "analytics/view_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <utility>

namespace hilt::server {

ViewLogTailer::ViewLogTailer(ViewCounter& views, ReportedViews::FindProduct find_product,
                             ReportedViews::Now now)
    : reported_(views, std::move(find_product), std::move(now)), buffer_(kViewLogReadChunk) {}

ViewLogTailer::~ViewLogTailer() { stop(); }

Status ViewLogTailer::start(std::string path, std::chrono::milliseconds interval) {
    stop();
    path_ = std::move(path);
    interval_ = interval;
    stopping_ = false;
    // Views logged before the start are not counted: the existing file is followed from its end.
    if (auto opened = open_current(/*at_end=*/true); !opened) return opened;
    thread_ = std::thread([this] { run(); });
    return {};
}

void ViewLogTailer::stop() {
    if (thread_.joinable()) {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        thread_.join();
    }
    close(current_);
    if (retiring_) close(*retiring_);
    retiring_.reset();
}

void ViewLogTailer::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        // A check that starts after stop() was called reads every line written before it.
        const bool last = stopping_;
        lock.unlock();
        poll_once();
        ++polls_;
        lock.lock();
        if (last) return;
        wake_.wait_for(lock, interval_, [this] { return stopping_; });
    }
}

Status ViewLogTailer::open_current(bool at_end) {
    const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        const int error = errno;
        if (error == ENOENT) return {};  // not yet: nginx creates it when it starts
        return fail(ErrorCode::Internal, "view log: open " + path_ + ": " + std::strerror(error));
    }
    struct stat info {};
    if (::fstat(fd, &info) != 0) {
        const int error = errno;
        ::close(fd);
        return fail(ErrorCode::Internal, "view log: fstat " + path_ + ": " + std::strerror(error));
    }
    if (!S_ISREG(info.st_mode)) {
        ::close(fd);
        return fail(ErrorCode::Internal, "view log: " + path_ + " is not a file");
    }
    current_ = File{};
    current_.fd = fd;
    current_.device = info.st_dev;
    current_.inode = info.st_ino;
    current_.offset = at_end ? info.st_size : 0;
    current_.last_read = std::chrono::steady_clock::now();
    return {};
}

void ViewLogTailer::poll_once() {
    const auto now = std::chrono::steady_clock::now();
    if (retiring_) {
        if (read_new(*retiring_)) {
            retiring_->last_read = now;
        } else if (now - retiring_->last_read >= kViewLogRetireAfter) {
            close(*retiring_);
            retiring_.reset();
        }
    }
    if (current_.fd < 0) {
        // Created after the start (or after a rotation): every line in it is new.
        reopen();
        if (current_.fd < 0) return;
    }
    struct stat info {};
    if (::fstat(current_.fd, &info) == 0 && info.st_size < current_.offset) {
        // Truncated in place (logrotate's copytruncate): what is there now was written after.
        if (!current_.partial.empty()) reported_.drop();
        current_.partial.clear();
        current_.skipping = false;
        current_.offset = 0;
    }
    read_new(current_);
    struct stat named {};
    if (::stat(path_.c_str(), &named) != 0 ||
        (named.st_dev == current_.device && named.st_ino == current_.inode)) {
        return;  // the same file, or none at the path between logrotate's rename and nginx's reopen
    }
    // Rotated: finish the old file (nginx may still write to it until its reopen), read the new
    // from its start.
    if (retiring_) {
        read_new(*retiring_);
        close(*retiring_);
    }
    current_.last_read = now;
    retiring_ = std::move(current_);
    current_ = File{};
    reopen();
    if (current_.fd >= 0) read_new(current_);
}

void ViewLogTailer::reopen() {
    auto opened = open_current(/*at_end=*/false);
    const std::string error = opened ? std::string() : opened.error().message;
    if (!error.empty() && error != last_open_error_) std::cerr << "hiltd " << error << "\n";
    last_open_error_ = error;
}

bool ViewLogTailer::read_new(File& file) {
    bool read_any = false;
    for (;;) {
        const ssize_t got = ::pread(file.fd, buffer_.data(), buffer_.size(), file.offset);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return read_any;
        read_any = true;
        file.offset += got;
        consume(file, std::string_view(buffer_.data(), static_cast<std::size_t>(got)));
    }
}

void ViewLogTailer::consume(File& file, std::string_view bytes) {
    while (!bytes.empty()) {
        const std::size_t newline = bytes.find('\n');
        if (newline == std::string_view::npos) {
            if (file.skipping) return;
            file.partial.append(bytes);
            if (file.partial.size() > kViewLogMaxLine) {
                reported_.drop();
                file.partial.clear();
                file.skipping = true;
            }
            return;
        }
        const std::string_view piece = bytes.substr(0, newline);
        bytes.remove_prefix(newline + 1);
        if (file.skipping) {
            file.skipping = false;
        } else if (file.partial.empty()) {
            handle(piece);
        } else {
            file.partial.append(piece);
            handle(file.partial);
            file.partial.clear();
        }
    }
}

void ViewLogTailer::handle(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (const auto slug = parse_view_path(line)) {
        reported_.count(*slug);
    } else {
        reported_.drop();
    }
}

void ViewLogTailer::close(File& file) {
    // A line the file never finished is not a view.
    if (!file.partial.empty()) reported_.drop();
    if (file.fd >= 0) ::close(file.fd);
    file = File{};
}

}  // namespace hilt::server
