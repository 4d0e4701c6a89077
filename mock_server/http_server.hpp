#pragma once
// The httplib adapter: the only code that sees httplib types. It turns an
// httplib::Request into a Request, runs the pipeline and writes the Response.

#include <functional>
#include <memory>
#include <string>

#include "mock_server/pipeline.hpp"

namespace taskmock {

struct ServerSettings {
    std::string host = "127.0.0.1";
    int port = 8080;  // 0: any free port
    bool access_log = true;
    std::size_t max_body_bytes = 64 * 1024;  // far above any task API request
    int keep_alive_seconds = 5;              // an idle connection is closed after this
    int read_timeout_seconds = 5;            // a request must arrive in full within this of its first byte
    std::size_t max_workers = 1024;          // connections served at once
};

class HttpServer {
public:
    // What answers each request: the pipeline, or another front (the admin
    // API in front of the pipeline, the recording proxy).
    using Handler = std::function<Response(const Request&)>;

    // secret_query_names: query parameters whose values the access log hides.
    HttpServer(Handler handler, ServerSettings settings, std::vector<std::string> secret_query_names = {});
    // Serves the pipeline, which must outlive the server.
    HttpServer(const Pipeline& pipeline, ServerSettings settings);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Binds; returns the bound port, or -1 when the address cannot be bound.
    int bind();
    // Serves until stop(); returns false when serving failed.
    bool listen();
    void stop();
    bool is_running() const;
    // The base URL for a mount prefix, e.g. "http://127.0.0.1:8080/orkes".
    std::string url(const std::string& prefix) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// One access-log line: client, method, target (control characters escaped),
// status, body bytes and the taskmock reason or error code when there is one.
std::string access_log_line(const std::string& client, const std::string& method, const std::string& target, int status,
                            std::size_t bytes, const std::string& reason);

// The target with the values of the named query parameters replaced by
// "REDACTED", so credentials sent in the query never reach a log.
std::string redact_query(const std::string& target, const std::vector<std::string>& secret_names);

}  // namespace taskmock
