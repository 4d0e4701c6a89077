#include "mock_server/http_server.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mock_server/connection.hpp"
#include "mock_server/worker_pool.hpp"

namespace taskmock {

namespace {

Request to_request(const httplib::Request& in) {
    Request request;
    request.client = in.remote_addr;
    request.method = in.method;
    request.path = in.path;
    for (const auto& [key, value] : in.params) request.query.emplace_back(key, value);
    for (const auto& [key, value] : in.headers) request.headers.emplace_back(key, value);
    request.body = in.body;
    return request;
}

void write_response(const Response& response, httplib::Response& out) {
    out.status = response.status;
    for (const auto& [key, value] : response.headers) out.set_header(key, value);
    if (!response.content_type.empty()) out.set_content(response.body, response.content_type.c_str());
}

// The socket of the connection a request came on. httplib does not hand it
// to handlers; a reset or empty-response fault needs it, so it is found by
// its addresses. Only faults pay for this search.
int connection_socket(const httplib::Request& in) {
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", error)) {
        int fd = -1;
        try {
            fd = std::stoi(entry.path().filename().string());
        } catch (const std::exception&) {
            continue;
        }
        struct stat info {};
        if (fstat(fd, &info) != 0 || !S_ISSOCK(info.st_mode)) continue;
        sockaddr_storage peer{};
        sockaddr_storage local{};
        socklen_t peer_size = sizeof peer;
        socklen_t local_size = sizeof local;
        if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_size) != 0) continue;
        if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_size) != 0) continue;
        auto port_of = [](const sockaddr_storage& address) {
            if (address.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(address).sin_port);
            if (address.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(address).sin6_port);
            return static_cast<std::uint16_t>(0);
        };
        if (port_of(peer) == in.remote_port && port_of(local) == in.local_port) return fd;
    }
    return -1;
}

// Ends the connection under httplib without a response: the socket is
// swapped for an unconnected one (dup2 closes the original; httplib's
// write then fails and it closes the stand-in). With linger 0 the peer
// gets a reset, otherwise an orderly close with no bytes.
void end_connection(const httplib::Request& in, bool reset) {
    int fd = connection_socket(in);
    if (fd < 0) return;
    if (reset) {
        linger option{1, 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, sizeof option);
    }
    int stand_in = ::socket(AF_INET, SOCK_STREAM, 0);
    if (stand_in < 0) return;
    ::dup2(stand_in, fd);
    ::close(stand_in);
}

// Control characters in a logged target could forge log lines.
std::string printable(const std::string& text) {
    std::string out;
    for (char c : text) {
        unsigned char u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\x%02x", u);
            out += escaped;
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace

std::string access_log_line(const std::string& client, const std::string& method, const std::string& target, int status,
                            std::size_t bytes, const std::string& reason) {
    std::string line = client + " \"" + printable(method) + " " + printable(target) + "\" " + std::to_string(status) +
                       " " + std::to_string(bytes);
    if (!reason.empty()) line += " " + printable(reason);
    return line;
}

std::string redact_query(const std::string& target, const std::vector<std::string>& secret_names) {
    std::size_t question = target.find('?');
    if (question == std::string::npos || secret_names.empty()) return target;
    std::string out = target.substr(0, question + 1);
    std::string query = target.substr(question + 1);
    std::size_t start = 0;
    while (start <= query.size()) {
        std::size_t amp = query.find('&', start);
        if (amp == std::string::npos) amp = query.size();
        std::string pair = query.substr(start, amp - start);
        std::string name = pair.substr(0, pair.find('='));
        bool secret = std::find(secret_names.begin(), secret_names.end(), httplib::detail::decode_url(name, true)) !=
                      secret_names.end();
        out += secret ? name + "=REDACTED" : pair;
        if (amp < query.size()) out += '&';
        start = amp + 1;
    }
    return out;
}

struct HttpServer::Impl {
    Handler handler;
    ServerSettings settings;
    std::vector<std::string> secret_query_names;
    ConnectionServer server;  // httplib with request limits and its own connection loop
    int port = -1;
    int listening = -1;  // the socket httplib binds, seen through its socket-options hook
    std::mutex log_mutex;
    std::atomic<bool> stopping{false};  // cuts delays and dribbles short on stop

    Impl(Handler h, ServerSettings s, std::vector<std::string> names)
        : handler(std::move(h)), settings(std::move(s)), secret_query_names(std::move(names)) {}

    void handle(const httplib::Request& in, httplib::Response& out) {
        Response response = handler(to_request(in));
        if (response.delay_ms > 0) pause(response.delay_ms);
        switch (response.delivery) {
            case Response::Delivery::normal: write_response(response, out); break;
            case Response::Delivery::reset: end_connection(in, true); break;
            case Response::Delivery::empty: end_connection(in, false); break;
            case Response::Delivery::dribble: dribble(response, out); break;
        }
    }

    // Waits in short steps so that stopping the server is not held up.
    void pause(double milliseconds) {
        auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(static_cast<long long>(milliseconds * 1000));
        while (!stopping && std::chrono::steady_clock::now() < until) {
            auto left = until - std::chrono::steady_clock::now();
            std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(50)));
        }
    }

    // The body at bytes_per_second, in twentieths of a second.
    void dribble(const Response& response, httplib::Response& out) {
        out.status = response.status;
        for (const auto& [key, value] : response.headers) out.set_header(key, value);
        auto body = std::make_shared<std::string>(response.body);
        const double rate = response.bytes_per_second;
        const std::size_t step = std::max<std::size_t>(1, static_cast<std::size_t>(rate / 20));
        out.set_content_provider(body->size(), response.content_type.empty() ? "application/octet-stream" : response.content_type,
                                 [this, body, step, rate](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
                                     if (stopping) return false;
                                     std::size_t n = std::min(step, length);
                                     pause(1000.0 * static_cast<double>(n) / rate);
                                     return sink.write(body->data() + offset, n);
                                 });
    }
};

HttpServer::HttpServer(const Pipeline& pipeline, ServerSettings settings)
    : HttpServer([&pipeline](const Request& request) { return pipeline.handle(request); }, std::move(settings),
                 pipeline.secret_query_names()) {}

HttpServer::HttpServer(Handler handler, ServerSettings settings, std::vector<std::string> secret_query_names)
    : impl_(std::make_unique<Impl>(std::move(handler), std::move(settings), std::move(secret_query_names))) {
    httplib::Server& server = impl_->server;
    Impl* impl = impl_.get();
    // Nagle's algorithm with delayed ACKs costs ~40 ms per small response.
    server.set_tcp_nodelay(true);
    // httplib's default also sets SO_REUSEPORT, which lets a second taskmock
    // bind the same port and silently take half the requests. Reusing the
    // address (restart while old connections linger in TIME_WAIT) is enough.
    server.set_socket_options([impl](socket_t sock) {
        int yes = 1;
        setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
        impl->listening = sock;
    });
    server.set_payload_max_length(impl->settings.max_body_bytes);
    // The whole of a request (head and body) must arrive within this time of
    // its first byte (connection.cpp), so a slow client cannot keep a worker.
    server.set_read_timeout(impl->settings.read_timeout_seconds, 0);
    server.set_keep_alive_timeout(impl->settings.keep_alive_seconds);
    // httplib closes a keep-alive connection after 5 requests by default;
    // clients under load then pay a new TCP handshake every few requests.
    server.set_keep_alive_max_count(100000);
    const std::size_t resident = std::max<std::size_t>(4, std::thread::hardware_concurrency());
    const std::size_t limit = std::max(resident, impl->settings.max_workers);
    server.new_task_queue = [resident, limit] { return new WorkerPool(resident, limit); };
    // Requests without a body are answered before httplib's regex routing;
    // those that may carry one (the token exchange) go through it so that
    // httplib has read the body, chunked or not, first.
    server.set_pre_routing_handler([impl](const httplib::Request& in, httplib::Response& out) {
        if (in.method == "POST" || in.method == "PUT" || in.method == "PATCH" || in.method == "DELETE") {
            return httplib::Server::HandlerResponse::Unhandled;
        }
        note_request_handled(in, false);
        impl->handle(in, out);
        return httplib::Server::HandlerResponse::Handled;
    });
    auto with_body = [impl](const httplib::Request& in, httplib::Response& out) {
        note_request_handled(in, true);
        // httplib limits only a declared Content-Length, not a chunked body.
        if (in.body.size() > impl->settings.max_body_bytes) {
            out.status = 413;
            return;
        }
        impl->handle(in, out);
    };
    server.Post(".*", with_body);
    server.Put(".*", with_body);
    server.Patch(".*", with_body);
    server.Delete(".*", with_body);
    if (impl->settings.access_log) {
        server.set_logger([impl](const httplib::Request& in, const httplib::Response& out) {
            std::string reason = out.get_header_value("X-Taskmock-Reason");
            if (reason.empty()) reason = out.get_header_value("X-Taskmock-Error");
            std::string target = redact_query(in.target.empty() ? in.path : in.target, impl->secret_query_names);
            std::string line = access_log_line(in.remote_addr, in.method, target, out.status, out.body.size(), reason) + "\n";
            std::lock_guard<std::mutex> lock(impl->log_mutex);
            std::fwrite(line.data(), 1, line.size(), stdout);
            std::fflush(stdout);
        });
    }
}

HttpServer::~HttpServer() = default;

int HttpServer::bind() {
    httplib::Server& server = impl_->server;
    if (impl_->settings.port == 0) {
        impl_->port = server.bind_to_any_port(impl_->settings.host);
    } else {
        impl_->port = server.bind_to_port(impl_->settings.host, impl_->settings.port) ? impl_->settings.port : -1;
    }
    // cpp-httplib 0.11 listens with a backlog of 5: two hundred clients
    // connecting at once overflowed it and waited for SYN retransmits
    // (seconds). Listening again on the same socket only raises the backlog.
    if (impl_->port > 0 && impl_->listening >= 0) ::listen(impl_->listening, SOMAXCONN);
    return impl_->port;
}

bool HttpServer::listen() { return impl_->server.listen_after_bind(); }
void HttpServer::stop() {
    impl_->stopping = true;
    impl_->server.stop();
}
bool HttpServer::is_running() const { return impl_->server.is_running(); }

std::string HttpServer::url(const std::string& prefix) const {
    const std::string& host = impl_->settings.host;
    std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    return "http://" + shown + ":" + std::to_string(impl_->port) + prefix;
}

}  // namespace taskmock
