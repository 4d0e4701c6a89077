#pragma once
// HTTP(S) to the server under test, through cpp-httplib: timeouts for
// connect, read and the whole exchange, a cap on body size, and redirects
// reported instead of followed. No httplib types leave this file pair.

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace taskmock {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct TransportSettings {
    double connect_timeout = 5;   // seconds
    double read_timeout = 10;     // seconds, per read
    double total_timeout = 30;    // seconds, whole exchange
    std::size_t max_body = 8 * 1024 * 1024;
    std::string ca_file;          // empty: the system CA store
    bool verify_tls = true;
};

struct HttpCall {
    std::string method = "GET";
    std::string target;  // path and query, appended to the base URL's path
    HeaderList headers;
    std::string body;
    std::string content_type;
};

struct HttpResult {
    bool ok = false;        // a response arrived
    std::string error;      // what went wrong when !ok
    int status = 0;
    HeaderList headers;
    std::string body;
    double seconds = 0;

    std::string header(const std::string& name) const;  // case-insensitive; "" when absent
};

class Transport {
public:
    // base_url: http(s)://host[:port][/prefix]; nothing when malformed.
    static std::unique_ptr<Transport> open(const std::string& base_url, const TransportSettings& settings,
                                           std::string& error);
    ~Transport();

    HttpResult send(const HttpCall& call);
    const std::string& prefix() const { return prefix_; }

private:
    Transport() = default;
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::string prefix_;
    TransportSettings settings_;
};

// "%2F"-style escaping of one path segment or query value.
std::string percent_encode(const std::string& text);

}  // namespace taskmock
