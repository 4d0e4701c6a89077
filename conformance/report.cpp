#include "conformance/report.hpp"

namespace taskmock {

namespace {

// A probe without checks still stands for one request: it counts as one
// passed "check", or one failed check when the request got no usable
// response. Otherwise a run whose every request timed out would pass.
Outcome implicit_outcome(const Probe& probe) {
    return probe.transport_error ? Outcome::failed : Outcome::passed;
}

}  // namespace

std::size_t Report::count(Outcome outcome) const {
    std::size_t total = 0;
    for (const Probe& probe : probes) {
        if (probe.checks.empty()) {
            if (implicit_outcome(probe) == outcome) ++total;
            continue;
        }
        for (const Check& check : probe.checks) {
            if (check.outcome == outcome) ++total;
        }
    }
    return total;
}

bool Report::has_transport_error() const {
    for (const Probe& probe : probes) {
        if (probe.transport_error) return true;
    }
    return false;
}

const char* outcome_name(Outcome outcome) {
    switch (outcome) {
        case Outcome::passed: return "passed";
        case Outcome::failed: return "failed";
        case Outcome::warning: return "warning";
        case Outcome::skipped: return "skipped";
    }
    return "unknown";
}

}  // namespace taskmock
