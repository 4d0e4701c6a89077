#include "mock_server/http_server.hpp"

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <thread>

#include <httplib.h>
#include <sys/socket.h>

#include "mock_server/worker_pool.hpp"

namespace taskmock {

namespace {

Request to_request(const httplib::Request& in) {
    Request request;
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
    const Pipeline& pipeline;
    ServerSettings settings;
    httplib::Server server;
    int port = -1;
    int listening = -1;  // the socket httplib binds, seen through its socket-options hook
    std::mutex log_mutex;

    Impl(const Pipeline& p, ServerSettings s) : pipeline(p), settings(std::move(s)) {}

    void handle(const httplib::Request& in, httplib::Response& out) {
        write_response(pipeline.handle(to_request(in)), out);
    }
};

HttpServer::HttpServer(const Pipeline& pipeline, ServerSettings settings)
    : impl_(std::make_unique<Impl>(pipeline, std::move(settings))) {
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
        impl->handle(in, out);
        return httplib::Server::HandlerResponse::Handled;
    });
    auto with_body = [impl](const httplib::Request& in, httplib::Response& out) { impl->handle(in, out); };
    server.Post(".*", with_body);
    server.Put(".*", with_body);
    server.Patch(".*", with_body);
    server.Delete(".*", with_body);
    if (impl->settings.access_log) {
        server.set_logger([impl](const httplib::Request& in, const httplib::Response& out) {
            std::string reason = out.get_header_value("X-Taskmock-Reason");
            if (reason.empty()) reason = out.get_header_value("X-Taskmock-Error");
            std::string target = redact_query(in.target.empty() ? in.path : in.target, impl->pipeline.secret_query_names());
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
void HttpServer::stop() { impl_->server.stop(); }
bool HttpServer::is_running() const { return impl_->server.is_running(); }

std::string HttpServer::url(const std::string& prefix) const {
    const std::string& host = impl_->settings.host;
    std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    return "http://" + shown + ":" + std::to_string(impl_->port) + prefix;
}

}  // namespace taskmock
