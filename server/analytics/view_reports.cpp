// server/analytics/view_reports.cpp: nginx's UDP view reports read and counted (see view_reports.h).
#include "analytics/view_reports.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <string>

namespace hilt::server {

namespace {

// "Mmm dd hh:mm:ss" (RFC 3164 section 4.1.2) and the space after it.
constexpr std::size_t kTimestampChars = 15;
// Far above a logged path: a longer datagram is truncated by recv and then not a slug anyway.
constexpr std::size_t kMaxDatagram = 2048;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::optional<std::string_view> parse_view_report(std::string_view datagram) {
    while (!datagram.empty() && (datagram.back() == '\n' || datagram.back() == '\r' || datagram.back() == '\0')) {
        datagram.remove_suffix(1);
    }
    // <PRI>: one to three digits.
    if (datagram.size() < 3 || datagram[0] != '<') return std::nullopt;
    std::size_t at = 1;
    while (at < datagram.size() && at <= 3 && is_digit(datagram[at])) ++at;
    if (at == 1 || at >= datagram.size() || datagram[at] != '>') return std::nullopt;
    std::string_view rest = datagram.substr(at + 1);
    // TIMESTAMP: "Nov 30 03:30:13" (a day below 10 is space-padded: "Nov  3").
    if (rest.size() <= kTimestampChars || rest[3] != ' ' || rest[6] != ' ' || rest[9] != ':' ||
        rest[12] != ':' || rest[kTimestampChars] != ' ') {
        return std::nullopt;
    }
    rest.remove_prefix(kTimestampChars + 1);
    // [HOSTNAME ]TAG": " (nginx's nohostname leaves the hostname out).
    const std::size_t colon = rest.find(": ");
    if (colon == std::string_view::npos) return std::nullopt;
    std::string_view header = rest.substr(0, colon);
    if (const std::size_t space = header.rfind(' '); space != std::string_view::npos) {
        if (header.substr(0, space).find(' ') != std::string_view::npos) return std::nullopt;
        header.remove_prefix(space + 1);
    }
    if (header != kViewReportTag) return std::nullopt;
    return parse_view_path(rest.substr(colon + 2));
}

ViewReportListener::ViewReportListener(ViewCounter& views, ReportedViews::FindProduct find_product,
                                       ReportedViews::Now now)
    : reported_(views, std::move(find_product), std::move(now)) {}

ViewReportListener::~ViewReportListener() { stop(); }

Result<int> ViewReportListener::start(int port) {
    stop();
    const auto failed = [this](const std::string& what) -> Result<int> {
        const std::string reason = std::strerror(errno);
        if (socket_ >= 0) ::close(socket_);
        if (wake_ >= 0) ::close(wake_);
        socket_ = wake_ = -1;
        return fail(ErrorCode::Internal, "view reports: " + what + ": " + reason);
    };
    socket_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (socket_ < 0) return failed("socket");
    // Best effort: a bigger queue rides out the moments this thread is not scheduled; the kernel's cap
    // (net.core.rmem_max) applies. Drops the queue still sees are counted (SO_RXQ_OVFL).
    const int buffer = kViewReportReceiveBuffer;
    (void)::setsockopt(socket_, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
    const int on = 1;
    (void)::setsockopt(socket_, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof on);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(socket_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        return failed("bind 127.0.0.1:" + std::to_string(port));
    }
    socklen_t length = sizeof address;
    if (::getsockname(socket_, reinterpret_cast<sockaddr*>(&address), &length) != 0) return failed("getsockname");
    wake_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_ < 0) return failed("eventfd");
    thread_ = std::thread([this] { run(); });
    return static_cast<int>(ntohs(address.sin_port));
}

void ViewReportListener::stop() {
    if (thread_.joinable()) {
        const std::uint64_t one = 1;
        (void)!::write(wake_, &one, sizeof one);
        thread_.join();
    }
    if (socket_ >= 0) ::close(socket_);
    if (wake_ >= 0) ::close(wake_);
    socket_ = wake_ = -1;
}

void ViewReportListener::run() {
    std::array<pollfd, 2> fds{pollfd{socket_, POLLIN, 0}, pollfd{wake_, POLLIN, 0}};
    pollfd stopping{wake_, POLLIN, 0};
    for (;;) {
        if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) {
            std::cerr << "hiltd view reports: poll: " << std::strerror(errno) << "\n";
            return;
        }
        // Whatever nginx sent before the stop still counts.
        const bool read_any = drain();
        if (fds[1].revents != 0) return;
        // Under load, let reports gather in the socket's queue before the next read: a wake-up per
        // datagram would cost the machine nginx and hiltd share more than the reports themselves.
        if (read_any && ::poll(&stopping, 1, static_cast<int>(kViewReportBatchInterval.count())) > 0) {
            drain();
            return;
        }
    }
}

bool ViewReportListener::drain() {
    constexpr std::size_t kBatch = 64;
    static thread_local std::array<std::array<char, kMaxDatagram>, kBatch> buffers;
    struct alignas(cmsghdr) Control {
        char bytes[CMSG_SPACE(sizeof(std::uint32_t))];
    };
    std::array<Control, kBatch> controls;
    std::array<iovec, kBatch> io;
    std::array<mmsghdr, kBatch> messages;
    bool read_any = false;
    for (;;) {
        for (std::size_t i = 0; i < kBatch; ++i) {
            io[i] = iovec{buffers[i].data(), buffers[i].size()};
            messages[i] = mmsghdr{};
            messages[i].msg_hdr.msg_iov = &io[i];
            messages[i].msg_hdr.msg_iovlen = 1;
            messages[i].msg_hdr.msg_control = controls[i].bytes;
            messages[i].msg_hdr.msg_controllen = sizeof controls[i].bytes;
        }
        const int received = ::recvmmsg(socket_, messages.data(), kBatch, MSG_DONTWAIT, nullptr);
        if (received < 0) {
            if (errno == EINTR) continue;
            return read_any;  // EAGAIN: the queue is empty
        }
        if (received == 0) return read_any;
        read_any = true;
        for (int i = 0; i < received; ++i) {
            msghdr& message = messages[i].msg_hdr;
            for (cmsghdr* header = CMSG_FIRSTHDR(&message); header; header = CMSG_NXTHDR(&message, header)) {
                if (header->cmsg_level == SOL_SOCKET && header->cmsg_type == SO_RXQ_OVFL) {
                    std::uint32_t overflowed = 0;  // the socket's drops since it opened
                    std::memcpy(&overflowed, CMSG_DATA(header), sizeof overflowed);
                    lost_.store(overflowed);
                }
            }
            if ((message.msg_flags & MSG_TRUNC) != 0) {
                reported_.drop();
                continue;
            }
            handle(std::string_view(buffers[i].data(), messages[i].msg_len));
        }
        if (received < static_cast<int>(kBatch)) return read_any;
    }
}

void ViewReportListener::handle(std::string_view datagram) {
    if (const auto slug = parse_view_report(datagram)) {
        reported_.count(*slug);
    } else {
        reported_.drop();
    }
}

}  // namespace hilt::server
