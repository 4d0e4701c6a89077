#pragma once
// Task lifecycles: a fixture with a timeline serves a different body as the
// task moves through its states. The variant's "lifecycle" (variant.json)
// says how a body follows its state; the fixture's timeline says which
// states come when. Both are data; this file only combines them.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/json_text.hpp"

namespace taskmock {

enum class TimeFormat { epoch_ms, epoch_s, date_time };

struct Stamp {
    json::json_pointer field;
    TimeFormat format = TimeFormat::epoch_ms;
    std::vector<std::string> on;  // empty: every state
    bool keep = false;            // the first stamp in a timeline stays
};

struct Copy {
    json::json_pointer from;
    json::json_pointer to;
    std::vector<std::string> on;
};

struct Lifecycle {
    json::json_pointer state;
    std::map<std::string, json> defaults;  // state -> merge patch
    std::vector<Stamp> stamps;
    std::vector<Copy> copies;
    std::optional<std::pair<json::json_pointer, json::json_pointer>> history;  // message, list
};

// Reads "lifecycle" from a variant description; the description schema has checked its shape.
Lifecycle read_lifecycle(const json& entry);

struct Step {
    std::string state;
    enum class After { start, polls, seconds } after = After::start;
    std::uint64_t polls = 0;
    std::int64_t milliseconds = 0;
    json set;  // merge patch, null when none
};

struct Timeline {
    json task;  // the body the states derive from
    std::vector<Step> steps;
};

// Reads a timeline document (the timeline schema has checked its shape).
Timeline read_timeline(const json& document);

// The body of state `index`, given when each state up to it was entered
// (epoch ms). Earlier steps' changes and stamps carry over.
json state_body(const Lifecycle& lifecycle, const Timeline& timeline, std::size_t index,
                const std::vector<std::int64_t>& entered);

// Where a task is on its timeline after one more request at `now`, given
// where it was: states whose 'after' has passed are entered (time-based
// ones at the exact time they were due), then the request counts as a poll
// of the state it is served.
struct Progress {
    std::size_t index = 0;
    std::uint64_t polls = 0;              // requests served in the current state
    std::vector<std::int64_t> entered;    // epoch ms per state entered so far
};
void advance(const Timeline& timeline, Progress& progress, std::int64_t now);

// RFC 3339 UTC with second precision, as the vendors' bodies write it.
std::string format_date_time(std::int64_t epoch_ms);

}  // namespace taskmock
