#include "core/fault.hpp"

#include <map>

namespace taskmock {

FaultRule read_fault(const json& entry) {
    static const std::map<std::string, FaultRule::Kind> kKinds{
        {"latency", FaultRule::Kind::latency}, {"status", FaultRule::Kind::status},
        {"reset", FaultRule::Kind::reset},     {"empty", FaultRule::Kind::empty},
        {"malformed", FaultRule::Kind::malformed}, {"dribble", FaultRule::Kind::dribble}};
    static const std::map<std::string, FaultRule::Distribution> kDistributions{
        {"fixed", FaultRule::Distribution::fixed},
        {"uniform", FaultRule::Distribution::uniform},
        {"lognormal", FaultRule::Distribution::lognormal}};
    FaultRule rule;
    rule.kind = kKinds.at(entry["kind"]);
    rule.variant = entry.value("variant", "");
    rule.task = entry.value("task", "");
    rule.path = entry.value("path", "");
    if (entry.contains("probability")) rule.probability = entry["probability"].get<double>();
    if (entry.contains("requests")) rule.requests = entry["requests"].get<std::vector<std::uint64_t>>();
    rule.status = entry.value("status", 503);
    if (entry.contains("retry_after")) rule.retry_after = entry["retry_after"].get<int>();
    if (entry.contains("distribution")) rule.distribution = kDistributions.at(entry["distribution"]);
    rule.ms = entry.value("ms", 0.0);
    rule.min_ms = entry.value("min_ms", 0.0);
    rule.max_ms = entry.value("max_ms", 0.0);
    rule.median_ms = entry.value("median_ms", 0.0);
    rule.sigma = entry.value("sigma", 0.0);
    rule.bytes_per_second = entry.value("bytes_per_second", 0.0);
    rule.source = entry;
    return rule;
}

std::string kind_name(FaultRule::Kind kind) {
    switch (kind) {
        case FaultRule::Kind::latency: return "latency";
        case FaultRule::Kind::status: return "status";
        case FaultRule::Kind::reset: return "reset";
        case FaultRule::Kind::empty: return "empty";
        case FaultRule::Kind::malformed: return "malformed";
        case FaultRule::Kind::dribble: return "dribble";
    }
    return "unknown";
}

json faults_document_schema(const json& timeline_schema) {
    json schema = json::object();
    schema["$schema"] = "http://json-schema.org/draft-07/schema#";
    schema["type"] = "object";
    schema["required"] = {"faults"};
    schema["additionalProperties"] = false;
    schema["properties"]["$schema"] = {{"type", "string"}};
    schema["properties"]["seed"] = {{"type", "integer"}, {"minimum", 0}};
    schema["properties"]["faults"] = {{"type", "array"}, {"items", {{"$ref", "#/definitions/fault"}}}};
    schema["definitions"] = timeline_schema["definitions"];
    return schema;
}

}  // namespace taskmock
