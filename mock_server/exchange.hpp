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
    std::string client;  // the peer's address
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

    // What was served, for the request journal; never sent.
    std::string variant;
    std::string task_id;
    std::string fixture;  // the fixture's file
    std::string state;    // the timeline state served, if the task has a timeline
    std::string fault;    // the fault rule kinds applied, comma-separated

    // How the response goes on the wire; anything but normal is a fault.
    enum class Delivery { normal, reset, empty, dribble };
    Delivery delivery = Delivery::normal;
    double delay_ms = 0;          // wait this long before answering
    double bytes_per_second = 0;  // dribble: the body's rate

    const std::string* header(std::string_view name) const;
};

bool equal_ignoring_case(std::string_view a, std::string_view b);

}  // namespace taskmock
