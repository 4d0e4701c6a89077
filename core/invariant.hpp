#pragma once
// Semantic invariants of a task body that JSON Schema cannot say, declared
// in the variant description ("invariants"): fields in order, equal, set or
// unset, or holding given values, optionally only when other fields hold
// given values. Example: a COMPLETED Conductor task has an endTime.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/json_text.hpp"

namespace taskmock {

struct Invariant {
    enum class Kind { ordered, equal, set, unset, values };

    std::string name;
    // Applies only when each pointer holds one of the listed values.
    std::vector<std::pair<json::json_pointer, std::vector<json>>> when;
    Kind kind = Kind::ordered;
    std::vector<json::json_pointer> fields;                   // ordered, equal, set, unset
    std::vector<std::pair<json::json_pointer, json>> values;  // values
};

// Reads one entry of "invariants"; the description schema has checked its shape.
Invariant read_invariant(const json& entry);

// Nothing when the invariant holds or does not apply; otherwise what is wrong.
std::optional<std::string> violation_of(const Invariant& invariant, const json& body);

}  // namespace taskmock
