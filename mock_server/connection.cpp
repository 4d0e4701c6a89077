#include "mock_server/connection.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

namespace taskmock {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxRequestLineBytes = 8192;  // CPPHTTPLIB_REQUEST_URI_MAX_LENGTH
// A chunked body may spend as many bytes on chunk framing as on data.
constexpr std::size_t kChunkedFraming = 2;
// After refusing a request whose rest is unread, what is read and dropped
// before closing: closing with unread bytes sends a reset, which can reach
// the client before it has read the answer.
constexpr std::size_t kMaxDrainBytes = 1024 * 1024;
constexpr Clock::duration kMaxDrainTime = std::chrono::seconds(1);
// How often an idle connection checks whether the server is stopping.
constexpr Clock::duration kIdleSlice = std::chrono::milliseconds(100);

// Why the stream stopped giving httplib a request's bytes.
enum class Refusal { none, request_line, head, body, timeout };

void address_of(const sockaddr_storage& address, socklen_t size, std::string& ip, int& port) {
    char host[NI_MAXHOST];
    if (getnameinfo(reinterpret_cast<const sockaddr*>(&address), size, host, sizeof host, nullptr, 0, NI_NUMERICHOST) == 0) {
        ip = host;
    }
    if (address.ss_family == AF_INET) port = ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
    if (address.ss_family == AF_INET6) port = ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
}

bool is_chunked(const httplib::Request& request) {
    return strcasecmp(request.get_header_value("Transfer-Encoding").c_str(), "chunked") == 0;
}

std::uint64_t content_length(const httplib::Request& request) {
    return std::strtoull(request.get_header_value("Content-Length").c_str(), nullptr, 10);
}

// The socket of one connection as httplib reads and writes it.
class Connection final : public httplib::Stream {
public:
    Connection(socket_t sock, Clock::duration read_timeout, Clock::duration write_timeout, std::size_t max_body)
        : sock_(sock), read_timeout_(read_timeout), write_timeout_(write_timeout), max_body_(max_body) {}

    bool is_readable() const override { return begin_ < end_ || wait(POLLIN, Clock::now() + read_timeout_) > 0; }
    bool is_writable() const override { return wait(POLLOUT, Clock::now() + write_timeout_) > 0; }

    ssize_t read(char* ptr, std::size_t size) override {
        if (size == 0 || refusal_ != Refusal::none) return 0;  // httplib sees the end of the request
        if (no_body_) return -1;  // a request that may carry a body but declares none
        if (begin_ == end_) {
            ssize_t got = fill();
            if (got <= 0) return got;
        }
        std::size_t n = std::min(size, end_ - begin_);
        n = in_head_ ? take_head(n) : take_body(n);
        std::memcpy(ptr, buffer_.data() + begin_, n);
        begin_ += n;
        return static_cast<ssize_t>(n);
    }

    ssize_t write(const char* ptr, std::size_t size) override {
        if (!is_writable()) return -1;
        return ::send(sock_, ptr, size, MSG_NOSIGNAL);
    }

    void get_remote_ip_and_port(std::string& ip, int& port) const override {
        sockaddr_storage address{};
        socklen_t size = sizeof address;
        if (getpeername(sock_, reinterpret_cast<sockaddr*>(&address), &size) == 0) address_of(address, size, ip, port);
    }

    void get_local_ip_and_port(std::string& ip, int& port) const override {
        sockaddr_storage address{};
        socklen_t size = sizeof address;
        if (getsockname(sock_, reinterpret_cast<sockaddr*>(&address), &size) == 0) address_of(address, size, ip, port);
    }

    socket_t socket() const override { return sock_; }

    // Waits up to idle for the next request's first byte; false when none
    // comes, the client closed, or the server is stopping.
    bool wait_for_request(Clock::duration idle, const std::atomic<socket_t>& listening) const {
        if (begin_ < end_) return true;  // pipelined behind the last request
        const Clock::time_point deadline = Clock::now() + idle;
        while (listening != INVALID_SOCKET) {
            int ready = wait(POLLIN, std::min(deadline, Clock::now() + kIdleSlice));
            if (ready != 0) return ready > 0;
            if (Clock::now() >= deadline) return false;
        }
        return false;
    }

    // A new request: head limits, and its whole head and body must arrive
    // within the read timeout.
    void begin_request() {
        in_head_ = true;
        no_body_ = false;
        handled_ = false;
        refusal_ = Refusal::none;
        head_bytes_ = line_bytes_ = lines_ = header_lines_ = 0;
        deadline_ = Clock::now() + read_timeout_;
    }

    // httplib has read the head: what it may read of the body. A declared
    // length over the limit gets nothing, so httplib answers 413 at once
    // rather than reading and dropping the whole body first.
    void begin_body(const httplib::Request& request) {
        in_head_ = false;
        body_bytes_ = 0;
        if (is_chunked(request)) {
            body_allowance_ = max_body_ > std::numeric_limits<std::size_t>::max() / kChunkedFraming
                                  ? max_body_
                                  : max_body_ * kChunkedFraming;
        } else if (request.has_header("Content-Length")) {
            std::uint64_t length = content_length(request);
            body_allowance_ = length <= max_body_ ? static_cast<std::size_t>(length) : 0;
        } else {
            // httplib would read until the client closes or the timeout.
            body_allowance_ = 0;
            no_body_ = true;
        }
    }

    void handled(const httplib::Request& request, bool body_read) {
        handled_ = true;
        if (!body_read && (content_length(request) > 0 || request.has_header("Transfer-Encoding"))) must_close_ = true;
    }

    // Called for every response just before httplib writes it.
    void finish(httplib::Response& response) {
        switch (refusal_) {
            case Refusal::head: response.status = 431; break;
            case Refusal::body: response.status = 413; break;
            case Refusal::timeout: response.status = 408; break;
            case Refusal::request_line:  // httplib's own 414
            case Refusal::none: break;
        }
        // After an answer from httplib itself the rest of the request is
        // unread or unparseable: it must not be read as the next request.
        if (refusal_ != Refusal::none || !handled_) must_close_ = true;
        if (must_close_) {
            response.headers.erase("Keep-Alive");
            response.headers.erase("Connection");
            response.set_header("Connection", "close");
        }
    }

    bool must_close() const { return must_close_; }

    void close() {
        if (must_close_ && refusal_ != Refusal::timeout) drain();
        ::shutdown(sock_, SHUT_RDWR);
        ::close(sock_);
    }

private:
    // poll() until the deadline: 1 ready, 0 timed out, -1 error.
    int wait(short events, Clock::time_point deadline) const {
        pollfd descriptor{sock_, events, 0};
        while (true) {
            auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
            int timeout = static_cast<int>(std::clamp<decltype(left)>(left, 0, 1000));
            int ready = ::poll(&descriptor, 1, timeout);
            if (ready > 0) return 1;
            if (ready < 0 && errno != EINTR) return -1;
            if (ready == 0 && Clock::now() >= deadline) return 0;
        }
    }

    ssize_t fill() {
        begin_ = end_ = 0;
        while (true) {
            int ready = wait(POLLIN, deadline_);
            if (ready == 0) refusal_ = Refusal::timeout;
            if (ready <= 0) return -1;
            ssize_t got = ::recv(sock_, buffer_.data(), buffer_.size(), 0);
            if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
            if (got > 0) end_ = static_cast<std::size_t>(got);
            return got;
        }
    }

    // The part of the available bytes the head limits allow.
    std::size_t take_head(std::size_t available) {
        for (std::size_t i = 0; i < available; ++i) {
            const bool request_line = lines_ == 0;
            // One byte over the request line limit is passed on, so that
            // httplib itself sees the overlong line and answers 414.
            const std::size_t line_limit = request_line ? kMaxRequestLineBytes + 1 : kMaxHeaderLineBytes;
            if (line_bytes_ == line_limit || head_bytes_ == kMaxHeadBytes) {
                refusal_ = request_line ? Refusal::request_line : Refusal::head;
                return i;
            }
            ++line_bytes_;
            ++head_bytes_;
            if (buffer_[begin_ + i] != '\n') continue;
            if (!request_line && line_bytes_ > 2) ++header_lines_;  // not the blank line that ends the head
            ++lines_;
            line_bytes_ = 0;
            if (header_lines_ > kMaxHeaderLines) {
                refusal_ = Refusal::head;
                return i + 1;
            }
        }
        return available;
    }

    std::size_t take_body(std::size_t available) {
        std::size_t n = std::min(available, body_allowance_ - body_bytes_);
        if (n == 0) refusal_ = Refusal::body;
        body_bytes_ += n;
        return n;
    }

    void drain() {
        ::shutdown(sock_, SHUT_WR);
        const Clock::time_point deadline = Clock::now() + std::min(read_timeout_, kMaxDrainTime);
        std::size_t dropped = 0;
        while (dropped < kMaxDrainBytes && wait(POLLIN, deadline) > 0) {
            ssize_t got = ::recv(sock_, buffer_.data(), buffer_.size(), 0);
            if (got <= 0) break;
            dropped += static_cast<std::size_t>(got);
        }
    }

    socket_t sock_;
    Clock::duration read_timeout_;
    Clock::duration write_timeout_;
    std::size_t max_body_;

    std::array<char, 4096> buffer_{};
    std::size_t begin_ = 0;  // unread bytes are [begin_, end_)
    std::size_t end_ = 0;

    // The current request.
    Clock::time_point deadline_{};
    bool in_head_ = true;
    bool no_body_ = false;
    bool handled_ = false;
    Refusal refusal_ = Refusal::none;
    std::size_t head_bytes_ = 0;
    std::size_t line_bytes_ = 0;
    std::size_t lines_ = 0;
    std::size_t header_lines_ = 0;
    std::size_t body_bytes_ = 0;
    std::size_t body_allowance_ = 0;

    bool must_close_ = false;
};

// The connection the calling worker is serving; httplib's handlers do not
// see the stream, and a worker serves one connection at a time.
thread_local Connection* current = nullptr;

Clock::duration duration_of(time_t seconds, time_t microseconds) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::seconds(seconds) +
                                                       std::chrono::microseconds(microseconds));
}

}  // namespace

ConnectionServer::ConnectionServer() {
    httplib::Server::set_post_routing_handler([](const httplib::Request&, httplib::Response& response) {
        if (current != nullptr) current->finish(response);
    });
    // httplib initialises function-local statics (its set of method names)
    // on first use. It is an uninstrumented library, so ThreadSanitizer does
    // not see the guard that orders that first use before a read on another
    // worker, and reports a race. Two requests parsed here, before any worker
    // exists and before any handler is set, make those first uses.
    for (const char* request : {"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                                "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n{}"}) {
        httplib::detail::BufferStream stream;
        stream.write(request, std::strlen(request));
        bool closed = false;
        process_request(stream, true, closed, nullptr);
    }
}

bool ConnectionServer::process_and_close_socket(socket_t sock) {
    Connection connection(sock, duration_of(read_timeout_sec_, read_timeout_usec_),
                          duration_of(write_timeout_sec_, write_timeout_usec_), payload_max_length_);
    current = &connection;
    bool served = false;
    for (std::size_t left = keep_alive_max_count_; left > 0; --left) {
        if (!connection.wait_for_request(std::chrono::seconds(keep_alive_timeout_sec_), svr_sock_)) break;
        connection.begin_request();
        bool client_closes = false;  // "Connection: close", or HTTP/1.0 without keep-alive
        served = process_request(connection, left == 1, client_closes,
                                 [&connection](httplib::Request& request) { connection.begin_body(request); });
        if (!served || client_closes || connection.must_close()) break;
    }
    current = nullptr;
    connection.close();
    return served;
}

void note_request_handled(const httplib::Request& request, bool body_read) {
    if (current != nullptr) current->handled(request, body_read);
}

}  // namespace taskmock
