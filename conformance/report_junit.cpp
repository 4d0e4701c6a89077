// The JUnit XML reporter, in the common (Jenkins / Ant) dialect that CI
// systems read; tests/data/junit.xsd describes exactly what we emit.
//
//   <testsuites name="taskconform" tests failures errors skipped time>
//     <testsuite name="taskconform.<variant>" ... timestamp hostname>
//       <properties><property name="target" value="<base URL>"/></properties>
//       <testcase classname="<variant>.<probe>" name="<check>" time>
//         <failure message type="<check>">details</failure>     failed check
//         <error message type="transport">details</error>       failed check, no usable response
//         <skipped message/>                                   skipped check
//         <system-out>WARNING: ...</system-out>                warning (the test passes)
//
// A probe without checks becomes one testcase named "request" (an <error>
// when it got no usable response), so every request shows up.
// All text goes through pugixml, after removing what XML 1.0 cannot carry:
// control characters other than tab, CR and LF, U+FFFE and U+FFFF are
// dropped, and bytes that are not UTF-8 become U+FFFD.

#include "conformance/report.hpp"

#include <pugixml.hpp>

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string>
#include <string_view>

#include "conformance/utf8.hpp"

namespace taskmock {

namespace {

bool allowed_in_xml(std::uint32_t c) {
    return c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) ||
           (c >= 0x10000 && c <= 0x10ffff);
}

// Text that XML 1.0 can carry (pugixml escapes, it does not filter).
std::string xml_text(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        std::uint32_t code_point = 0;
        std::size_t length = utf8_sequence(text, i, code_point);
        if (length == 0) {
            out += "\xef\xbf\xbd";  // U+FFFD REPLACEMENT CHARACTER
            ++i;
            continue;
        }
        if (allowed_in_xml(code_point)) out.append(text.substr(i, length));
        i += length;
    }
    return out;
}

void set(pugi::xml_node node, const char* attribute, std::string_view value) {
    node.append_attribute(attribute).set_value(xml_text(value).c_str());
}

void set(pugi::xml_node node, const char* attribute, std::size_t value) {
    node.append_attribute(attribute).set_value(std::to_string(value).c_str());
}

std::string seconds_text(double seconds) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.3f", seconds < 0 ? 0.0 : seconds);
    return buffer;
}

// ISO 8601 in UTC without a zone designator, as the common schema wants.
std::string timestamp_now() {
    std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &utc);
    return buffer;
}

std::string joined(const std::vector<std::string>& lines, std::string_view indent = {}) {
    std::string out;
    for (const std::string& line : lines) {
        if (!out.empty()) out += '\n';
        out += indent;
        out += line;
    }
    return out;
}

struct Counts {
    std::size_t tests = 0;
    std::size_t failures = 0;
    std::size_t errors = 0;
    std::size_t skipped = 0;
    double seconds = 0;
};

Counts count(const Report& report) {
    Counts counts;
    for (const Probe& probe : report.probes) {
        counts.seconds += probe.seconds;
        if (probe.checks.empty()) {
            ++counts.tests;
            if (probe.transport_error) ++counts.errors;
            continue;
        }
        for (const Check& check : probe.checks) {
            ++counts.tests;
            if (check.outcome == Outcome::failed) ++(probe.transport_error ? counts.errors : counts.failures);
            if (check.outcome == Outcome::skipped) ++counts.skipped;
        }
    }
    return counts;
}

void set_counts(pugi::xml_node node, const Counts& counts) {
    set(node, "tests", counts.tests);
    set(node, "failures", counts.failures);
    set(node, "errors", counts.errors);
    set(node, "skipped", counts.skipped);
    node.append_attribute("time").set_value(seconds_text(counts.seconds).c_str());
}

void add_text(pugi::xml_node node, std::string_view text) {
    if (!text.empty()) node.append_child(pugi::node_pcdata).set_value(xml_text(text).c_str());
}

void add_testcase(pugi::xml_node suite, const std::string& classname, const Probe& probe, const Check& check,
                  double seconds) {
    pugi::xml_node testcase = suite.append_child("testcase");
    set(testcase, "classname", classname);
    set(testcase, "name", check.name);
    testcase.append_attribute("time").set_value(seconds_text(seconds).c_str());

    const std::string& message = check.message.empty() ? check.name : check.message;
    switch (check.outcome) {
        case Outcome::passed:
            break;
        case Outcome::failed: {
            pugi::xml_node failure = testcase.append_child(probe.transport_error ? "error" : "failure");
            set(failure, "message", message);
            set(failure, "type", probe.transport_error ? std::string_view("transport") : check.name);
            add_text(failure, joined(check.details));
            break;
        }
        case Outcome::skipped: {
            pugi::xml_node skipped = testcase.append_child("skipped");
            if (!check.message.empty()) set(skipped, "message", check.message);
            break;
        }
        case Outcome::warning: {
            std::string text = "WARNING: " + message;
            if (!check.details.empty()) text += "\n" + joined(check.details, "  ");
            add_text(testcase.append_child("system-out"), text);
            break;
        }
    }
}

class StringWriter : public pugi::xml_writer {
public:
    void write(const void* data, size_t size) override { out.append(static_cast<const char*>(data), size); }
    std::string out;
};

}  // namespace

std::string render_junit(const Report& report) {
    pugi::xml_document document;
    pugi::xml_node declaration = document.append_child(pugi::node_declaration);
    declaration.append_attribute("version").set_value("1.0");
    declaration.append_attribute("encoding").set_value("UTF-8");

    Counts counts = count(report);
    pugi::xml_node suites = document.append_child("testsuites");
    set(suites, "name", report.tool);
    set_counts(suites, counts);

    pugi::xml_node suite = suites.append_child("testsuite");
    set(suite, "name", report.variant.empty() ? report.tool : report.tool + "." + report.variant);
    set_counts(suite, counts);
    suite.append_attribute("timestamp").set_value(timestamp_now().c_str());
    suite.append_attribute("hostname").set_value("localhost");

    pugi::xml_node property = suite.append_child("properties").append_child("property");
    property.append_attribute("name").set_value("target");
    set(property, "value", report.target);

    for (const Probe& probe : report.probes) {
        std::string classname = report.variant.empty() ? probe.name : report.variant + "." + probe.name;
        if (probe.checks.empty()) {
            Check request{"request", probe.transport_error ? Outcome::failed : Outcome::passed, {}, {}};
            if (probe.transport_error) {
                request.message = "no usable response";
                if (!probe.method.empty() || !probe.url.empty()) {
                    request.message += " to " + probe.method + (probe.method.empty() ? "" : " ") + probe.url;
                }
            }
            add_testcase(suite, classname, probe, request, probe.seconds);
            continue;
        }
        // The request time, shared evenly so the testcases add up to it.
        double share = probe.seconds / static_cast<double>(probe.checks.size());
        for (const Check& check : probe.checks) add_testcase(suite, classname, probe, check, share);
    }

    StringWriter writer;
    document.save(writer, "  ", pugi::format_default, pugi::encoding_utf8);
    return writer.out;
}

}  // namespace taskmock
