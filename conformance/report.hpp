#pragma once
// The results of a conformance run: probes (one HTTP exchange each, or one
// file for `validate`) and the checks made on them. Reporters turn a Report
// into text, JUnit XML or JSON; nothing here knows about HTTP libraries.

#include <string>
#include <vector>

namespace taskmock {

enum class Outcome { passed, failed, warning, skipped };

// One conformance assertion about one exchange.
struct Check {
    std::string name;     // e.g. "status is documented", "body validates against task.schema.json"
    Outcome outcome = Outcome::passed;
    std::string message;  // why it failed / warned; empty when passed
    // Schema violations and other located findings, one line each, already
    // formatted (e.g. "/status: \"DONE\" is not one of ... [schema.enum]").
    std::vector<std::string> details;
};

// One probe: a request sent (or a file read) and its checks.
struct Probe {
    std::string name;         // e.g. "task 65fc73fe-...", "unknown id", "Accept: text/csv"
    std::string method;       // "GET"; empty for files
    std::string url;          // credentials never appear here
    int status = 0;           // 0 when no response (or for files)
    std::string content_type;
    double seconds = 0;       // request time
    bool transport_error = false;  // no usable response: connection, TLS, timeout
    std::vector<Check> checks;
};

struct Report {
    std::string tool = "taskconform";
    std::string variant;
    std::string target;  // base URL, or "files"
    std::vector<Probe> probes;

    // Counts checks with that outcome. A probe without checks counts as one
    // check named "request": failed when it had a transport error, else passed
    // (the JUnit reporter shows it as such a testcase).
    std::size_t count(Outcome outcome) const;
    bool passed() const { return count(Outcome::failed) == 0; }
    bool has_transport_error() const;
};

const char* outcome_name(Outcome outcome);  // "passed", "failed", "warning", "skipped"

// Reporters. Text: one line per probe, failures and warnings indented below
// (every check when verbose), then "taskconform: N warnings, N skipped" when
// either is non-zero (zero parts left out), and last the summary line, exactly
// "taskconform: N passed, N failed" alone on its line and never coloured,
// because CI harnesses read it. Text from the server is printed with control
// characters and invalid UTF-8 escaped (\n, \x1b, ...).
std::string render_text(const Report& report, bool colour, bool verbose);
// JUnit XML: one <testsuite> per report, one <testcase> per check
// (classname = "<variant>.<probe name>"), <failure> for failed checks
// (<error type="transport"> when the probe had a transport error), <skipped>
// for skipped, warnings as <system-out> of the testcase. Validates against
// tests/data/junit.xsd; text XML 1.0 cannot carry is removed.
std::string render_junit(const Report& report);
// JSON: the report as data, see docs/taskconform.md.
std::string render_json(const Report& report);

}  // namespace taskmock
