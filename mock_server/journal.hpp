#pragma once
// The request journal: every request taskmock answered, newest last,
// bounded (the oldest entries are dropped) so a long run cannot exhaust
// memory. Tests read it to verify what their client sent, and can wait
// until a matching request arrives.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/json_text.hpp"
#include "mock_server/exchange.hpp"

namespace taskmock {

struct JournalEntry {
    std::uint64_t sequence = 0;  // 1, 2, ... since start (or the last clear)
    std::int64_t time = 0;       // taskmock's clock, epoch ms
    std::string method;
    std::string path;
    Fields query;    // credentials replaced by REDACTED
    Fields headers;  // credentials replaced by REDACTED
    std::string session;
    std::string variant;
    std::string task_id;
    std::string fixture;
    std::string state;
    std::string fault;
    int status = 0;

    json to_json() const;
};

struct JournalFilter {
    std::string variant;
    std::string path;  // a prefix
    std::string task_id;
    std::string session;
    std::string method;
    std::optional<int> status;
    std::uint64_t after = 0;  // only entries with a greater sequence

    bool matches(const JournalEntry& entry) const;
};

class Journal {
public:
    // secret_headers / secret_query: names whose values are never kept.
    Journal(std::size_t capacity, std::vector<std::string> secret_headers, std::vector<std::string> secret_query);

    void record(const Request& request, const Response& response, std::int64_t time);

    std::vector<JournalEntry> find(const JournalFilter& filter, std::size_t limit) const;
    std::size_t count(const JournalFilter& filter) const;
    // Waits until at least `count` entries match or the timeout passes;
    // returns the matching entries (fewer than count on timeout).
    std::vector<JournalEntry> wait(const JournalFilter& filter, std::size_t count, std::chrono::milliseconds timeout) const;
    void clear();

    std::size_t capacity() const { return capacity_; }
    std::uint64_t dropped() const;

private:
    std::size_t capacity_;
    std::vector<std::string> secret_headers_;
    std::vector<std::string> secret_query_;
    mutable std::mutex mutex_;
    mutable std::condition_variable arrived_;
    std::deque<JournalEntry> entries_;
    std::uint64_t next_ = 1;
    std::uint64_t dropped_ = 0;
};

}  // namespace taskmock
