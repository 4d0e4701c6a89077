#include "core/invariant.hpp"

namespace taskmock {

namespace {

// Absent, null, 0 and "" all mean "not set": Conductor writes 0 for an
// unset time, Cognigy null, and a missing field says the same.
bool is_unset(const json& body, const json::json_pointer& pointer) {
    if (!body.contains(pointer)) return true;
    const json& value = body.at(pointer);
    return value.is_null() || (value.is_number() && value.get<double>() == 0) ||
           (value.is_string() && value.get_ref<const std::string&>().empty());
}

std::string shown(const json& body, const json::json_pointer& pointer) {
    return pointer.to_string() + " = " + (body.contains(pointer) ? body.at(pointer).dump() : std::string("(absent)"));
}

// -1, 0, 1; nothing when the two cannot be compared.
std::optional<int> compare(const json& a, const json& b) {
    if (a.is_number() && b.is_number()) {
        double x = a.get<double>();
        double y = b.get<double>();
        return x < y ? -1 : (x > y ? 1 : 0);
    }
    // RFC 3339 timestamps in one format compare as text.
    if (a.is_string() && b.is_string()) {
        int order = a.get_ref<const std::string&>().compare(b.get_ref<const std::string&>());
        return order < 0 ? -1 : (order > 0 ? 1 : 0);
    }
    return std::nullopt;
}

bool applies(const Invariant& invariant, const json& body) {
    for (const auto& [pointer, accepted] : invariant.when) {
        if (!body.contains(pointer)) return false;
        const json& value = body.at(pointer);
        if (std::find(accepted.begin(), accepted.end(), value) == accepted.end()) return false;
    }
    return true;
}

}  // namespace

Invariant read_invariant(const json& entry) {
    Invariant invariant;
    invariant.name = entry["name"];
    if (entry.contains("when")) {
        for (const auto& [pointer, accepted] : entry["when"].items()) {
            invariant.when.emplace_back(json::json_pointer(pointer), accepted.get<std::vector<json>>());
        }
    }
    const std::pair<const char*, Invariant::Kind> kinds[] = {{"ordered", Invariant::Kind::ordered},
                                                             {"equal", Invariant::Kind::equal},
                                                             {"set", Invariant::Kind::set},
                                                             {"unset", Invariant::Kind::unset}};
    for (const auto& [key, kind] : kinds) {
        if (!entry.contains(key)) continue;
        invariant.kind = kind;
        for (const auto& pointer : entry[key]) invariant.fields.emplace_back(pointer.get<std::string>());
    }
    if (entry.contains("values")) {
        invariant.kind = Invariant::Kind::values;
        for (const auto& [pointer, value] : entry["values"].items()) {
            invariant.values.emplace_back(json::json_pointer(pointer), value);
        }
    }
    return invariant;
}

std::optional<std::string> violation_of(const Invariant& invariant, const json& body) {
    if (!applies(invariant, body)) return std::nullopt;
    switch (invariant.kind) {
        case Invariant::Kind::ordered: {
            // Unset fields are skipped: a task that has not ended has no end to order.
            const json::json_pointer* previous = nullptr;
            for (const auto& pointer : invariant.fields) {
                if (is_unset(body, pointer)) continue;
                if (previous != nullptr) {
                    std::optional<int> order = compare(body.at(*previous), body.at(pointer));
                    if (!order) return "cannot compare " + shown(body, *previous) + " with " + shown(body, pointer);
                    if (*order > 0) return shown(body, *previous) + " is after " + shown(body, pointer);
                }
                previous = &pointer;
            }
            return std::nullopt;
        }
        case Invariant::Kind::equal:
            for (std::size_t i = 1; i < invariant.fields.size(); ++i) {
                const auto& first = invariant.fields.front();
                const auto& other = invariant.fields[i];
                if (!body.contains(first) || !body.contains(other) || body.at(first) != body.at(other)) {
                    return shown(body, first) + " differs from " + shown(body, other);
                }
            }
            return std::nullopt;
        case Invariant::Kind::set:
            for (const auto& pointer : invariant.fields) {
                if (is_unset(body, pointer)) return shown(body, pointer) + " is not set";
            }
            return std::nullopt;
        case Invariant::Kind::unset:
            for (const auto& pointer : invariant.fields) {
                if (!is_unset(body, pointer)) return shown(body, pointer) + " is set";
            }
            return std::nullopt;
        case Invariant::Kind::values:
            for (const auto& [pointer, value] : invariant.values) {
                if (!body.contains(pointer) || body.at(pointer) != value) {
                    return shown(body, pointer) + ", expected " + value.dump();
                }
            }
            return std::nullopt;
    }
    return std::nullopt;
}

}  // namespace taskmock
