// The JSON reporter: the report as data for scripts.
//
// {"tool", "variant", "target",
//  "summary": {"passed", "failed", "warnings", "skipped"},   counts of checks
//  "passed": bool,
//  "probes": [{"name", "method", "url", "status", "content_type", "seconds",
//              "transport_error", "checks": [{"name", "outcome", "message", "details": [...]}]}]}
//
// Invalid UTF-8 (bodies from hostile servers end up in messages) is written
// as U+FFFD rather than throwing.

#include "conformance/report.hpp"

#include <nlohmann/json.hpp>

namespace taskmock {

std::string render_json(const Report& report) {
    nlohmann::ordered_json probes = nlohmann::ordered_json::array();
    for (const Probe& probe : report.probes) {
        nlohmann::ordered_json checks = nlohmann::ordered_json::array();
        for (const Check& check : probe.checks) {
            checks.push_back({
                {"name", check.name},
                {"outcome", outcome_name(check.outcome)},
                {"message", check.message},
                {"details", check.details},
            });
        }
        probes.push_back({
            {"name", probe.name},
            {"method", probe.method},
            {"url", probe.url},
            {"status", probe.status},
            {"content_type", probe.content_type},
            {"seconds", probe.seconds},
            {"transport_error", probe.transport_error},
            {"checks", std::move(checks)},
        });
    }

    nlohmann::ordered_json json = {
        {"tool", report.tool},
        {"variant", report.variant},
        {"target", report.target},
        {"summary",
         {
             {"passed", report.count(Outcome::passed)},
             {"failed", report.count(Outcome::failed)},
             {"warnings", report.count(Outcome::warning)},
             {"skipped", report.count(Outcome::skipped)},
         }},
        {"passed", report.passed()},
        {"probes", std::move(probes)},
    };
    return json.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace taskmock
