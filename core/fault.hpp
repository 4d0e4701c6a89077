#pragma once
// Fault rules: what taskmock does wrong on purpose, so client code can be
// tested against slow, failing and broken responses. Read from a fixture's
// "faults", a --faults file, or the admin API; the shape is
// definitions/fault in schemas/timeline.schema.json.

#include <optional>
#include <string>
#include <vector>

#include "core/json_text.hpp"

namespace taskmock {

struct FaultRule {
    enum class Kind { latency, status, reset, empty, malformed, dribble };
    enum class Distribution { fixed, uniform, lognormal };

    Kind kind = Kind::latency;
    // Which requests: all three optional.
    std::string variant;
    std::string task;
    std::string path;
    // When: a probability, the Nth matching requests (1-based, per session), or always.
    std::optional<double> probability;
    std::vector<std::uint64_t> requests;

    int status = 503;
    std::optional<int> retry_after;
    Distribution distribution = Distribution::fixed;
    double ms = 0, min_ms = 0, max_ms = 0, median_ms = 0, sigma = 0;
    double bytes_per_second = 0;

    json source;  // the rule as given, for listing it back
};

// Reads one rule; the schema has checked its shape.
FaultRule read_fault(const json& entry);

std::string kind_name(FaultRule::Kind kind);

// The JSON Schema of a faults document ({"faults": [rule...]}), built from
// the timeline schema's fault definition so the two cannot disagree.
json faults_document_schema(const json& timeline_schema);

}  // namespace taskmock
