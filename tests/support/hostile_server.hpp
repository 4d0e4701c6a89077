#pragma once
// A raw-socket server on 127.0.0.1 (ephemeral port) that misbehaves on
// purpose, for testing what a client does against it: drips bytes, never
// answers, resets mid-body, sends what is not HTTP. One thread accepts and
// serves connections one at a time; each connection is handed to the
// behaviour, which reads the request head (or not) and then does its one
// wrong thing. Every wait also watches a stop pipe, so the destructor ends an
// endless behaviour at once and nothing outlives the test.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace taskmock::testing {

class HostileConnection {
public:
    // on_head: told each request head as soon as it is read, before the
    // behaviour answers, so a client that saw the answer sees it counted.
    HostileConnection(int socket, int stop, std::function<void(const std::string&)> on_head)
        : socket_(socket), stop_(stop), on_head_(std::move(on_head)) {}
    ~HostileConnection() {
        if (socket_ >= 0) ::close(socket_);
    }
    HostileConnection(const HostileConnection&) = delete;
    HostileConnection& operator=(const HostileConnection&) = delete;

    // Reads up to the blank line that ends a request head (at most 64 KiB);
    // false when the peer closed first or the server is stopping.
    bool read_head() {
        while (received_.find("\r\n\r\n") == std::string::npos) {
            if (received_.size() > 64 * 1024 || !read_some()) return false;
        }
        std::size_t end = received_.find("\r\n\r\n") + 4;
        head_ = received_.substr(0, end);
        received_.erase(0, end);
        if (on_head_) on_head_(head_);
        return true;
    }

    // Reads whatever arrives next (a TLS ClientHello has no blank line).
    bool read_some() {
        if (!wait_readable(-1)) return false;
        char buffer[4096];
        ssize_t got = ::recv(socket_, buffer, sizeof buffer, 0);
        if (got <= 0) return false;
        received_.append(buffer, static_cast<std::size_t>(got));
        return true;
    }

    const std::string& head() const { return head_; }

    // Sends all of it; false when the peer is gone (no SIGPIPE).
    bool send(std::string_view bytes) {
        while (!bytes.empty()) {
            ssize_t sent = ::send(socket_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (sent <= 0) return false;
            bytes.remove_prefix(static_cast<std::size_t>(sent));
        }
        return true;
    }

    // Sends `piece` every `interval` until the peer goes away or the server
    // stops: a server that never finishes, too slowly for a per-read
    // timeout to notice.
    void drip(std::string_view piece, std::chrono::milliseconds interval) {
        while (send(piece)) {
            if (wait_readable(static_cast<int>(interval.count())) && !drain()) return;
            if (stopping()) return;
        }
    }

    // Holds the connection open without a word until the peer closes it.
    void wait_for_close() {
        while (wait_readable(-1) && drain()) {
        }
    }

    // Closes with a TCP RST instead of a FIN (SO_LINGER with zero timeout).
    void reset() {
        linger abort{1, 0};
        setsockopt(socket_, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
        close();
    }

    void close() {
        if (socket_ >= 0) ::close(socket_);
        socket_ = -1;
    }

private:
    bool stopping() const {
        pollfd stop{stop_, POLLIN, 0};
        return ::poll(&stop, 1, 0) > 0;
    }

    // True when the socket has data or EOF; false on timeout or stop.
    bool wait_readable(int timeout_ms) {
        pollfd descriptors[2] = {{socket_, POLLIN, 0}, {stop_, POLLIN, 0}};
        if (::poll(descriptors, 2, timeout_ms) <= 0) return false;
        return descriptors[1].revents == 0 && descriptors[0].revents != 0;
    }

    // Reads and discards what the peer sent; false at EOF or error.
    bool drain() {
        char buffer[4096];
        return ::recv(socket_, buffer, sizeof buffer, 0) > 0;
    }

    int socket_;
    int stop_;
    std::function<void(const std::string&)> on_head_;
    std::string received_;
    std::string head_;
};

class HostileServer {
public:
    using Behaviour = std::function<void(HostileConnection&)>;

    explicit HostileServer(Behaviour behaviour) : behaviour_(std::move(behaviour)) {
        if (::pipe(stop_) != 0) return;
        listening_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = 0;
        socklen_t length = sizeof address;
        if (listening_ < 0 || ::bind(listening_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
            ::listen(listening_, 16) != 0 || ::getsockname(listening_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
            return;
        }
        port_ = ntohs(address.sin_port);
        thread_ = std::thread([this] { serve(); });
    }

    ~HostileServer() {
        if (stop_[1] >= 0) {
            char byte = 0;
            [[maybe_unused]] ssize_t ignored = ::write(stop_[1], &byte, 1);
        }
        if (thread_.joinable()) thread_.join();
        for (int fd : {listening_, stop_[0], stop_[1]}) {
            if (fd >= 0) ::close(fd);
        }
    }
    HostileServer(const HostileServer&) = delete;
    HostileServer& operator=(const HostileServer&) = delete;

    int port() const { return port_; }
    std::string url(const std::string& scheme = "http") const {
        return scheme + "://127.0.0.1:" + std::to_string(port_);
    }

    // Connections accepted so far, and the request heads read on them.
    std::size_t connections() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return connections_;
    }
    std::vector<std::string> heads() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return heads_;
    }

private:
    void serve() {
        while (true) {
            pollfd descriptors[2] = {{listening_, POLLIN, 0}, {stop_[0], POLLIN, 0}};
            if (::poll(descriptors, 2, -1) <= 0 || descriptors[1].revents != 0) return;
            int accepted = ::accept4(listening_, nullptr, nullptr, SOCK_CLOEXEC);
            if (accepted < 0) continue;
            {
                std::lock_guard<std::mutex> lock(mutex_);
                ++connections_;
            }
            HostileConnection connection(accepted, stop_[0], [this](const std::string& head) {
                std::lock_guard<std::mutex> lock(mutex_);
                heads_.push_back(head);
            });
            behaviour_(connection);
        }
    }

    Behaviour behaviour_;
    int stop_[2] = {-1, -1};
    int listening_ = -1;
    int port_ = -1;
    std::thread thread_;
    mutable std::mutex mutex_;
    std::size_t connections_ = 0;
    std::vector<std::string> heads_;
};

}  // namespace taskmock::testing
