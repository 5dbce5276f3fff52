// server/http/connection_gate.h: keeps clients that have not sent a whole request away from hiltd's worker
// threads (slowloris, slow bodies, idle keep-alive connections).
//  - cpp-httplib hands every accepted connection to a pool thread that keeps it for its whole life: while
//    it waits for the first byte, while it reads the head byte by byte and the body (its read timeout
//    restarts with every byte) and while it waits up to the keep-alive timeout for the next request. N
//    connections that trickle bytes or just sit open took all N workers, and a new buyer queued behind them.
//  - The gate owns connections while they are between requests: one poller thread reads what arrives
//    into the connection's buffer, and only a connection with a whole request in its buffer (head and
//    body, by Content-Length or chunked framing) is given to a worker, which runs httplib's request
//    handling over that buffer. After the answer the worker waits briefly (kLinger in the .cpp, while most
//    workers are free) for the same client's next whole request, then gives the connection back.
//  - Deadlines count from when the gate took the connection and are not restarted by each byte: a request
//    must be complete within request_timeout; a kept-alive connection must start its next request within
//    keep_alive_timeout. Refused without a worker: a head over kMaxRequestHeadBytes (431), a body over
//    max_body_bytes by its Content-Length or its chunks (413), ambiguous framing (400: Content-Length
//    together with Transfer-Encoding, two different Content-Lengths, a coding other than chunked).
//  - A request without Content-Length or Transfer-Encoding has no body (RFC 9112 section 6.3). httplib 0.11
//    instead reads a POST's body until the client closes (or goes quiet for the read timeout); the gate
//    writes "Content-Length: 0" into such a head so that httplib reads it as the RFC does.
//  - Lines end with CRLF only: a bare LF or CR in the head is 400 (RFC 9112 section 2.2), since httplib ends
//    a line at a bare LF and would frame the request otherwise than the gate.
//  - The gate decides where a request ends, httplib never reads past it: GatedConnection::read stops there
//    (a disagreement ends httplib's request in a 400, never in a worker waiting on the socket), and after
//    the answer the next request starts there. httplib 0.11 leaves a GET's, HEAD's or OPTIONS's body unread,
//    and any body its pre-routing handler answers before reading (415): the gate skips it, so that a body
//    is never answered as the client's next request (request smuggling through a proxy's shared
//    connection). If httplib answered before the end of the head (a request line it could not parse), the
//    connection closes.
//  - At most kMaxHeldConnections wait in the poller: over it, the longest-idle kept-alive connections close
//    first, then the oldest ones.
// WARNING: a worker is still held while a handler runs and while its answer is written (each write bounded
// by the write timeout); the gate only guards the time before that.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace hilt::server {

// Request line plus headers, buffered before a worker sees them: eight header lines of cpp-httplib's
// maximum (8 KiB each). httplib itself has no limit on the number of header lines.
inline constexpr std::size_t kMaxRequestHeadBytes = 64 * 1024;
// Connections waiting in the poller (between requests, or sending one): each holds a socket and up to a
// request's bytes; far more than honest clients keep open at once, and well under the file descriptors.
inline constexpr std::size_t kMaxHeldConnections = 4096;

// One client connection: its socket and the bytes read ahead of httplib (the head the gate waited for,
// or a pipelined request). httplib reads the request through it as through its own socket stream.
class GatedConnection final : public httplib::Stream {
public:
    GatedConnection(socket_t sock, std::chrono::milliseconds write_timeout);
    ~GatedConnection() override;  // shuts the socket down and closes it
    GatedConnection(const GatedConnection&) = delete;
    GatedConnection& operator=(const GatedConnection&) = delete;

    bool is_readable() const override;
    bool is_writable() const override;
    ssize_t read(char* ptr, size_t size) override;
    ssize_t write(const char* ptr, size_t size) override;
    void get_remote_ip_and_port(std::string& ip, int& port) const override;
    void get_local_ip_and_port(std::string& ip, int& port) const override;
    socket_t socket() const override { return sock_; }

    // What the buffered bytes hold: not yet a whole request, a whole one, or one to refuse.
    enum class Fill { NeedMore, Ready, Malformed, HeadTooLarge, BodyTooLarge, Closed };
    // Reads what the socket holds without blocking, then judges the buffer (judge).
    Fill fill(std::size_t max_body_bytes);
    // Judges the buffered bytes of the next request alone (a pipelined one after an answer).
    Fill judge(std::size_t max_body_bytes);
    // Forgets the answered request's framing; the next request starts where the answered one ended (a body
    // httplib left unread is skipped). False when httplib stopped inside the head: the connection must close.
    [[nodiscard]] bool next_request();
    bool has_buffered_bytes() const { return offset_ < buffer_.size(); }

    // The gate's and the server's bookkeeping.
    std::size_t requests_served = 0;
    std::chrono::steady_clock::time_point deadline;
    bool request_started = false;  // a byte of the next request has arrived

private:
    enum class Body { Unknown, None, Length, Chunked };
    std::size_t pending() const { return buffer_.size() - offset_; }
    std::string_view unread() const { return std::string_view(buffer_).substr(offset_); }
    Fill ready(std::size_t request_size);
    Fill frame(std::size_t max_body_bytes);
    Fill scan_chunks(std::size_t max_body_bytes);
    void send_continue_once();

    socket_t sock_;
    std::chrono::milliseconds write_timeout_;
    std::string buffer_;
    std::size_t offset_ = 0;  // bytes of buffer_ httplib has consumed; positions below count from here
    // The request judged Ready, as positions in buffer_: httplib reads up to request_end_ and no further.
    std::size_t head_end_ = 0;
    std::size_t request_end_ = 0;
    // The request being judged.
    std::size_t scanned_ = 0;    // where the search for the head's end resumes
    std::size_t head_size_ = 0;  // the head's bytes through its blank line, once found
    Body body_ = Body::Unknown;
    std::size_t body_length_ = 0;   // Content-Length
    bool expects_continue_ = false;  // Expect: 100-continue
    bool continue_sent_ = false;
    std::size_t chunk_at_ = 0;      // chunked: where the next chunk-size (or trailer) line starts
    std::size_t chunk_total_ = 0;   // chunked: body bytes announced so far
    bool chunks_ended_ = false;     // chunked: the last (zero) chunk is in, trailers follow
};

struct GateLimits {
    std::chrono::milliseconds request_timeout{5000};
    std::chrono::milliseconds keep_alive_timeout{2000};
    std::chrono::milliseconds write_timeout{5000};
    std::size_t workers = 64;
    std::size_t max_body_bytes = 64 * 1024;
    std::size_t max_held_connections = kMaxHeldConnections;
};

class ConnectionGate {
public:
    // serve: handles the one request that is buffered, on a worker; true keeps the connection for another
    // request. refusal: the raw HTTP answer (with Connection: close) for a status the gate answers itself
    // (400, 413, 431).
    using Serve = std::function<bool(GatedConnection&)>;
    using Refusal = std::function<std::string(int status)>;
    ConnectionGate(GateLimits limits, Serve serve, Refusal refusal);
    ~ConnectionGate();
    ConnectionGate(const ConnectionGate&) = delete;
    ConnectionGate& operator=(const ConnectionGate&) = delete;

    // A connection the server accepted. Never blocks.
    void admit(socket_t sock);
    // Closes every waiting connection, lets requests in progress finish, joins the threads.
    void shutdown();

private:
    void hand_over(std::unique_ptr<GatedConnection> connection);
    void poll_loop();
    void work(std::unique_ptr<GatedConnection> connection);
    // Acts on a judgement: a worker for Ready, the poller again for NeedMore, else the connection closes.
    void route(std::unique_ptr<GatedConnection> connection, GatedConnection::Fill fill);
    void refuse(GatedConnection& connection, int status);
    void wake();

    GateLimits limits_;
    Serve serve_;
    Refusal refusal_;
    std::atomic<bool> stopping_{false};
    std::atomic<std::size_t> busy_{0};  // workers answering or lingering on a connection
    std::mutex mutex_;
    std::vector<std::unique_ptr<GatedConnection>> arrivals_;  // admitted or handed back, not yet polled
    int wake_fd_ = -1;
    httplib::ThreadPool workers_;
    std::thread poller_;
};

}  // namespace hilt::server
