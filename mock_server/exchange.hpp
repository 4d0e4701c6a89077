#pragma once
// One HTTP exchange as the pipeline sees it: plain values, no httplib types,
// so the whole request path is testable without sockets.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace taskmock {

using Fields = std::vector<std::pair<std::string, std::string>>;

struct Request {
    std::string method;
    std::string path;  // percent-decoded, without the query
    Fields query;      // decoded, in order
    Fields headers;
    std::string body;

    // Case-insensitive header lookup; nullptr when absent.
    const std::string* header(std::string_view name) const;
    const std::string* query_value(std::string_view name) const;
};

struct Response {
    int status = 200;
    std::string content_type;  // empty: no body
    std::string body;
    Fields headers;

    const std::string* header(std::string_view name) const;
};

bool equal_ignoring_case(std::string_view a, std::string_view b);

}  // namespace taskmock
