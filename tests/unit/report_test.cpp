// The taskconform reporters: text for people, JUnit XML for CI, JSON for
// scripts. Reports are built by hand; nothing here talks HTTP.

#include "conformance/report.hpp"

#include "support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace taskmock {
namespace {

Check passed(std::string name) { return Check{std::move(name), Outcome::passed, {}, {}}; }

Check failed(std::string name, std::string message, std::vector<std::string> details = {}) {
    return Check{std::move(name), Outcome::failed, std::move(message), std::move(details)};
}

Check warned(std::string name, std::string message, std::vector<std::string> details = {}) {
    return Check{std::move(name), Outcome::warning, std::move(message), std::move(details)};
}

Check skipped(std::string name, std::string message) {
    return Check{std::move(name), Outcome::skipped, std::move(message), {}};
}

Probe probe(std::string name, std::string url, int status, double seconds, std::vector<Check> checks) {
    Probe result;
    result.name = std::move(name);
    result.method = "GET";
    result.url = std::move(url);
    result.status = status;
    result.content_type = status == 0 ? "" : "application/json";
    result.seconds = seconds;
    result.checks = std::move(checks);
    return result;
}

// One passing probe (2 checks), one failing probe (1 passed, 1 failed).
Report small_report() {
    Report report;
    report.variant = "orkes";
    report.target = "http://127.0.0.1:8080";
    report.probes.push_back(probe("task 65fc73fe", "http://127.0.0.1:8080/api/tasks/65fc73fe", 200, 0.012,
                                  {passed("status is documented"), passed("body validates against task.schema.json")}));
    report.probes.push_back(probe("unknown id", "http://127.0.0.1:8080/api/tasks/nope", 200, 0.004,
                                  {passed("content type is JSON"),
                                   failed("status is documented", "200 is not one of the documented statuses 404",
                                          {"/status: \"DONE\" is not one of [\"COMPLETED\"] [schema.enum]"})}));
    return report;
}

// Every outcome, a transport error and a probe without checks.
Report mixed_report() {
    Report report = small_report();
    report.probes.push_back(probe("Accept: text/csv", "http://127.0.0.1:8080/api/tasks/65fc73fe", 406, 0.002,
                                  {warned("error body is JSON", "406 body is text/html", {"first line: <html>"}),
                                   skipped("retry-after is honoured", "no 429 seen")}));
    Probe timeout = probe("slow task", "http://127.0.0.1:8080/api/tasks/slow", 0, 5.0,
                          {failed("response arrives", "timed out after 5 s")});
    timeout.transport_error = true;
    report.probes.push_back(timeout);
    Probe refused = probe("health", "http://127.0.0.1:8080/health", 0, 0.001, {});
    refused.transport_error = true;
    report.probes.push_back(refused);
    report.probes.push_back(probe("no checks", "http://127.0.0.1:8080/", 200, 0.003, {}));
    return report;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream stream(text);
    for (std::string line; std::getline(stream, line);) lines.push_back(line);
    return lines;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The summary-line shape the CI harness looks for.
const std::regex summary_shape(R"(^(\w+: )?\d+ passed, \d+ failed$)");

// ---------------------------------------------------------------- Report

TEST(ReportTest, CountsChecksNotProbes) {
    Report report = small_report();
    EXPECT_EQ(report.count(Outcome::passed), 3u);
    EXPECT_EQ(report.count(Outcome::failed), 1u);
    EXPECT_EQ(report.count(Outcome::warning), 0u);
    EXPECT_FALSE(report.passed());
}

TEST(ReportTest, ProbeWithoutChecksCountsAsOneRequestThatFailsWithoutAResponse) {
    Report report;
    report.probes.push_back(probe("ok", "http://h/", 200, 0, {}));
    EXPECT_EQ(report.count(Outcome::passed), 1u);
    EXPECT_TRUE(report.passed());
    EXPECT_FALSE(report.has_transport_error());

    Probe refused = probe("refused", "http://h/", 0, 0, {});
    refused.transport_error = true;
    report.probes.push_back(refused);
    EXPECT_EQ(report.count(Outcome::failed), 1u);
    EXPECT_FALSE(report.passed());
    EXPECT_TRUE(report.has_transport_error());
}

TEST(ReportTest, OutcomeNamesAreLowerCaseWords) {
    EXPECT_STREQ(outcome_name(Outcome::passed), "passed");
    EXPECT_STREQ(outcome_name(Outcome::failed), "failed");
    EXPECT_STREQ(outcome_name(Outcome::warning), "warning");
    EXPECT_STREQ(outcome_name(Outcome::skipped), "skipped");
}

// ---------------------------------------------------------------- text

TEST(TextReportTest, EndsWithTheExactSummaryLineCountingChecks) {
    std::vector<std::string> lines = lines_of(render_text(small_report(), false, false));
    ASSERT_FALSE(lines.empty());
    EXPECT_EQ(lines.back(), "taskconform: 3 passed, 1 failed");
    EXPECT_NE(lines[lines.size() - 2].rfind("taskconform:", 0), 0u) << "no warnings line without warnings";
}

TEST(TextReportTest, PutsWarningsAndSkippedOnTheLineBeforeTheSummary) {
    std::string text = render_text(mixed_report(), false, false);
    std::vector<std::string> lines = lines_of(text);
    ASSERT_GE(lines.size(), 2u);
    EXPECT_EQ(lines[lines.size() - 2], "taskconform: 1 warnings, 1 skipped");
    EXPECT_EQ(lines.back(), "taskconform: 4 passed, 3 failed");
    EXPECT_EQ(text.back(), '\n');
}

TEST(TextReportTest, LeavesOutZeroCountsFromTheWarningsLine) {
    Report report;
    report.probes.push_back(probe("p", "http://h/", 200, 0.001, {skipped("s", "why")}));
    std::vector<std::string> lines = lines_of(render_text(report, false, false));
    ASSERT_GE(lines.size(), 2u);
    EXPECT_EQ(lines[lines.size() - 2], "taskconform: 1 skipped");
    EXPECT_EQ(lines.back(), "taskconform: 0 passed, 0 failed");
}

TEST(TextReportTest, WritesOneLinePerProbeWithMarkRequestStatusAndTime) {
    std::vector<std::string> lines = lines_of(render_text(small_report(), false, false));
    ASSERT_EQ(lines.size(), 5u);
    EXPECT_EQ(lines[0], "PASS  task 65fc73fe  GET http://127.0.0.1:8080/api/tasks/65fc73fe  200 application/json  12 ms");
    EXPECT_EQ(lines[1], "FAIL  unknown id  GET http://127.0.0.1:8080/api/tasks/nope  200 application/json  4.0 ms");
    EXPECT_EQ(lines[2], "    FAIL status is documented: 200 is not one of the documented statuses 404");
    EXPECT_EQ(lines[3], "        /status: \"DONE\" is not one of [\"COMPLETED\"] [schema.enum]");
}

TEST(TextReportTest, ShowsFailuresAndWarningsButPassesOnlyWhenVerbose) {
    std::string quiet = render_text(mixed_report(), false, false);
    EXPECT_TRUE(contains(quiet, "\n    WARN error body is JSON: 406 body is text/html\n        first line: <html>\n"));
    EXPECT_TRUE(contains(quiet, "\n    FAIL response arrives: timed out after 5 s\n"));
    EXPECT_TRUE(contains(quiet, "\n    FAIL request: no usable response\n"));
    EXPECT_FALSE(contains(quiet, "PASS content type is JSON"));
    EXPECT_FALSE(contains(quiet, "SKIP retry-after"));

    std::string verbose = render_text(mixed_report(), false, true);
    EXPECT_TRUE(contains(verbose, "\n    PASS content type is JSON\n"));
    EXPECT_TRUE(contains(verbose, "\n    SKIP retry-after is honoured: no 429 seen\n"));
}

TEST(TextReportTest, MarksProbesByTheirWorstCheck) {
    std::vector<std::string> lines = lines_of(render_text(mixed_report(), false, false));
    std::vector<std::string> marks;
    for (const std::string& line : lines) {
        if (line.rfind("    ", 0) != 0 && line.rfind("taskconform:", 0) != 0) marks.push_back(line.substr(0, 4));
    }
    EXPECT_EQ(marks, (std::vector<std::string>{"PASS", "FAIL", "WARN", "FAIL", "FAIL", "PASS"}));
    EXPECT_TRUE(contains(render_text(mixed_report(), false, false),
                         "FAIL  slow task  GET http://127.0.0.1:8080/api/tasks/slow  no response  5000 ms\n"));
}

TEST(TextReportTest, UsesNoEscapeCodesWithoutColour) {
    EXPECT_FALSE(contains(render_text(mixed_report(), false, true), "\x1b"));
}

TEST(TextReportTest, ColoursMarksAndDetailsWhenAskedButNeverTheSummary) {
    std::string text = render_text(mixed_report(), true, true);
    EXPECT_TRUE(contains(text, "\x1b[31mFAIL\x1b[0m"));
    EXPECT_TRUE(contains(text, "\x1b[33mWARN\x1b[0m"));
    EXPECT_TRUE(contains(text, "\x1b[32mPASS\x1b[0m"));
    EXPECT_TRUE(contains(text, "\x1b[2mfirst line: <html>\x1b[0m"));
    EXPECT_EQ(lines_of(text).back(), "taskconform: 4 passed, 3 failed");
}

TEST(TextReportTest, EscapesHostileTextSoItCannotForgeLinesOrDriveTheTerminal) {
    Report report;
    report.probes.push_back(probe("p\x1b[2J", "http://h/", 200, 0.001,
                                  {failed("c", "evil\n99 passed, 0 failed\r\x1b]0;title\x07",
                                          {"bad \xff byte", "c1 \xc2\x9b control"})}));
    std::string text = render_text(report, false, true);
    EXPECT_FALSE(contains(text, "\x1b"));
    EXPECT_FALSE(contains(text, "\r"));
    EXPECT_FALSE(contains(text, "\xff"));
    EXPECT_FALSE(contains(text, "\xc2\x9b"));
    EXPECT_TRUE(contains(text, "evil\\n99 passed, 0 failed\\r\\x1b]0;title\\x07"));
    EXPECT_TRUE(contains(text, "bad \\xff byte"));
    int summaries = 0;
    for (const std::string& line : lines_of(text)) summaries += std::regex_match(line, summary_shape) ? 1 : 0;
    EXPECT_EQ(summaries, 1);
    EXPECT_EQ(lines_of(text).back(), "taskconform: 0 passed, 1 failed");
}

TEST(TextReportTest, KeepsUtf8TextAsItIs) {
    Report report;
    report.probes.push_back(probe("tâche ✓ 🚀", "http://h/", 200, 0.001, {}));
    EXPECT_TRUE(contains(render_text(report, false, false), "PASS  tâche ✓ 🚀  GET"));
}

// ---------------------------------------------------------------- JUnit

pugi::xml_node parse_junit(pugi::xml_document& document, const std::string& xml) {
    pugi::xml_parse_result result = document.load_string(xml.c_str());
    EXPECT_TRUE(result) << result.description() << " at " << result.offset << "\n" << xml;
    return document.child("testsuites");
}

std::vector<pugi::xml_node> testcases(pugi::xml_node suites) {
    std::vector<pugi::xml_node> result;
    for (pugi::xml_node testcase : suites.child("testsuite").children("testcase")) result.push_back(testcase);
    return result;
}

// Runs a command, returning its exit status and what it printed.
std::pair<int, std::string> run(const std::string& command) {
    std::string output;
    FILE* pipe = popen((command + " 2>&1").c_str(), "r");
    if (pipe == nullptr) return {-1, "popen failed"};
    std::array<char, 4096> buffer{};
    while (std::size_t read = std::fread(buffer.data(), 1, buffer.size(), pipe)) output.append(buffer.data(), read);
    int status = pclose(pipe);
    return {status, output};
}

bool have_xmllint() { return std::system("command -v xmllint >/dev/null 2>&1") == 0; }

std::string quoted(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

const std::filesystem::path junit_xsd = std::filesystem::path(TASKMOCK_TEST_DATA_DIR) / "junit.xsd";

// xmllint's verdict on the document: well-formedness, and validity against
// tests/data/junit.xsd when `schema` is true.
std::pair<int, std::string> xmllint(const std::string& xml, bool schema) {
    testing::TempDir temp;
    std::filesystem::path file = temp.write("report.xml", xml);
    std::string command = "xmllint --noout ";
    if (schema) command += "--schema " + quoted(junit_xsd) + " ";
    return run(command + quoted(file));
}

TEST(JunitReportTest, StartsWithTheXmlDeclaration) {
    EXPECT_EQ(render_junit(small_report()).rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 0), 0u);
}

TEST(JunitReportTest, CountsAttributesMatchTheTestcases) {
    pugi::xml_document document;
    pugi::xml_node suites = parse_junit(document, render_junit(mixed_report()));
    pugi::xml_node suite = suites.child("testsuite");
    EXPECT_STREQ(suites.attribute("name").value(), "taskconform");
    EXPECT_STREQ(suite.attribute("name").value(), "taskconform.orkes");
    for (pugi::xml_node node : {suites, suite}) {
        // 2 + 2 + 2 checks, 1 check in the timed-out probe, 2 probes without checks.
        EXPECT_EQ(node.attribute("tests").as_int(), 9);
        EXPECT_EQ(node.attribute("failures").as_int(), 1);
        EXPECT_EQ(node.attribute("errors").as_int(), 2);
        EXPECT_EQ(node.attribute("skipped").as_int(), 1);
        EXPECT_STREQ(node.attribute("time").value(), "5.022");
    }
    EXPECT_EQ(testcases(suites).size(), 9u);
    EXPECT_EQ(suite.select_nodes("testcase/failure").size(), 1u);
    EXPECT_EQ(suite.select_nodes("testcase/error").size(), 2u);
    EXPECT_EQ(suite.select_nodes("testcase/skipped").size(), 1u);
}

TEST(JunitReportTest, DescribesTheSuiteWithUtcTimestampHostnameAndTarget) {
    pugi::xml_document document;
    pugi::xml_node suite = parse_junit(document, render_junit(small_report())).child("testsuite");
    EXPECT_TRUE(std::regex_match(suite.attribute("timestamp").value(),
                                 std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})")))
        << suite.attribute("timestamp").value();
    EXPECT_STREQ(suite.attribute("hostname").value(), "localhost");
    pugi::xml_node property = suite.child("properties").child("property");
    EXPECT_STREQ(property.attribute("name").value(), "target");
    EXPECT_STREQ(property.attribute("value").value(), "http://127.0.0.1:8080");
}

TEST(JunitReportTest, WritesOneTestcasePerCheckNamedAfterVariantProbeAndCheck) {
    pugi::xml_document document;
    std::vector<pugi::xml_node> cases = testcases(parse_junit(document, render_junit(small_report())));
    ASSERT_EQ(cases.size(), 4u);
    EXPECT_STREQ(cases[0].attribute("classname").value(), "orkes.task 65fc73fe");
    EXPECT_STREQ(cases[0].attribute("name").value(), "status is documented");
    EXPECT_STREQ(cases[3].attribute("classname").value(), "orkes.unknown id");
    EXPECT_STREQ(cases[3].attribute("name").value(), "status is documented");
    // The probe's 12 ms shared by its two checks.
    EXPECT_STREQ(cases[0].attribute("time").value(), "0.006");
    EXPECT_STREQ(cases[1].attribute("time").value(), "0.006");
    EXPECT_FALSE(cases[0].first_child()) << "a passed check has no children";
}

TEST(JunitReportTest, FailedCheckHasAFailureWithMessageTypeAndDetails) {
    Report report = small_report();
    report.probes[1].checks[1].details.push_back("second detail");
    pugi::xml_document document;
    pugi::xml_node failure = testcases(parse_junit(document, render_junit(report)))[3].child("failure");
    ASSERT_TRUE(failure);
    EXPECT_STREQ(failure.attribute("message").value(), "200 is not one of the documented statuses 404");
    EXPECT_STREQ(failure.attribute("type").value(), "status is documented");
    EXPECT_STREQ(failure.text().get(),
                 "/status: \"DONE\" is not one of [\"COMPLETED\"] [schema.enum]\nsecond detail");
}

TEST(JunitReportTest, FailedCheckWithoutAResponseIsAnErrorOfTypeTransport) {
    pugi::xml_document document;
    std::vector<pugi::xml_node> cases = testcases(parse_junit(document, render_junit(mixed_report())));
    ASSERT_EQ(cases.size(), 9u);
    EXPECT_STREQ(cases[6].attribute("name").value(), "response arrives");
    EXPECT_FALSE(cases[6].child("failure"));
    pugi::xml_node error = cases[6].child("error");
    ASSERT_TRUE(error);
    EXPECT_STREQ(error.attribute("type").value(), "transport");
    EXPECT_STREQ(error.attribute("message").value(), "timed out after 5 s");
}

TEST(JunitReportTest, ProbeWithoutChecksGetsOneTestcaseNamedRequest) {
    pugi::xml_document document;
    std::vector<pugi::xml_node> cases = testcases(parse_junit(document, render_junit(mixed_report())));
    ASSERT_EQ(cases.size(), 9u);
    EXPECT_STREQ(cases[7].attribute("classname").value(), "orkes.health");
    EXPECT_STREQ(cases[7].attribute("name").value(), "request");
    EXPECT_STREQ(cases[7].child("error").attribute("type").value(), "transport");
    EXPECT_STREQ(cases[7].child("error").attribute("message").value(),
                 "no usable response to GET http://127.0.0.1:8080/health");
    EXPECT_STREQ(cases[8].attribute("name").value(), "request");
    EXPECT_FALSE(cases[8].first_child());
    EXPECT_STREQ(cases[8].attribute("time").value(), "0.003");
}

TEST(JunitReportTest, SkippedCheckHasSkippedWithItsMessage) {
    pugi::xml_document document;
    pugi::xml_node testcase = testcases(parse_junit(document, render_junit(mixed_report())))[5];
    EXPECT_STREQ(testcase.attribute("name").value(), "retry-after is honoured");
    EXPECT_STREQ(testcase.child("skipped").attribute("message").value(), "no 429 seen");
    EXPECT_FALSE(testcase.child("failure"));
}

TEST(JunitReportTest, WarningPassesWithTheWarningInSystemOut) {
    pugi::xml_document document;
    pugi::xml_node testcase = testcases(parse_junit(document, render_junit(mixed_report())))[4];
    EXPECT_STREQ(testcase.attribute("name").value(), "error body is JSON");
    EXPECT_FALSE(testcase.child("failure"));
    EXPECT_FALSE(testcase.child("error"));
    EXPECT_FALSE(testcase.child("skipped"));
    EXPECT_STREQ(testcase.child("system-out").text().get(), "WARNING: 406 body is text/html\n  first line: <html>");
}

Report hostile_report() {
    Report report;
    report.variant = "cognigy";
    report.target = "http://h/?a=1&b=\"2\"";
    report.probes.push_back(probe("<probe> & \"quotes\" 'apos'", "http://h/x?a=<1>&b=2", 500, 0.001,
                                  {failed("check ]]> <![CDATA[", "body \x01\x02\x1b[31m<script>&amp;\"'\x7f\x0c end",
                                          {"detail \xff\xfe invalid utf-8", "surrogate \xed\xa0\x80 overlong \xc0\xaf",
                                           "tab\there\r\nnewline", "\xef\xbf\xbe nonchar </failure>"}),
                                   warned(std::string("w\0w", 3), std::string("nul\0byte", 8), {"\x1f"}),
                                   skipped("s", "\x08\x0b")}));
    return report;
}

TEST(JunitReportTest, HostileTextStillYieldsWellFormedXmlWithTheTextEscaped) {
    std::string xml = render_junit(hostile_report());
    pugi::xml_document document;
    std::vector<pugi::xml_node> cases = testcases(parse_junit(document, xml));
    ASSERT_EQ(cases.size(), 3u);
    EXPECT_STREQ(cases[0].attribute("classname").value(), "cognigy.<probe> & \"quotes\" 'apos'");
    EXPECT_STREQ(cases[0].attribute("name").value(), "check ]]> <![CDATA[");
    pugi::xml_node failure = cases[0].child("failure");
    // DEL is allowed in XML 1.0; the C0 controls other than tab, CR and LF are not.
    EXPECT_STREQ(failure.attribute("message").value(), "body [31m<script>&amp;\"'\x7f end");
    EXPECT_STREQ(failure.text().get(),
                 "detail \xef\xbf\xbd\xef\xbf\xbd invalid utf-8\n"
                 "surrogate \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd overlong \xef\xbf\xbd\xef\xbf\xbd\n"
                 "tab\there\nnewline\n"  // CR LF read back as LF, as XML parsers do
                 " nonchar </failure>");
    EXPECT_STREQ(cases[1].attribute("name").value(), "ww");
    EXPECT_STREQ(cases[1].child("system-out").text().get(), "WARNING: nulbyte\n  ");
    EXPECT_STREQ(document.child("testsuites").child("testsuite").child("properties").child("property")
                     .attribute("value").value(),
                 "http://h/?a=1&b=\"2\"");
    for (char control : std::string("\x01\x02\x1b\x08\x0b\x0c\x1f")) {
        EXPECT_EQ(xml.find(control), std::string::npos) << static_cast<int>(control);
    }
    EXPECT_EQ(xml.find("&#"), xml.find("&#1")) << "only tab, CR and LF may appear as character references";
}

TEST(JunitReportTest, HostileTextIsWellFormedForAStrictParserToo) {
    if (!have_xmllint()) GTEST_SKIP() << "xmllint not installed (apt-get install libxml2-utils)";
    auto [status, output] = xmllint(render_junit(hostile_report()), false);
    EXPECT_EQ(status, 0) << output;
}

TEST(JunitReportTest, ValidatesAgainstTheJunitSchema) {
    if (!have_xmllint()) GTEST_SKIP() << "xmllint not installed (apt-get install libxml2-utils)";
    for (const Report& report : {small_report(), mixed_report(), hostile_report(), Report{}}) {
        std::string xml = render_junit(report);
        auto [status, output] = xmllint(xml, true);
        EXPECT_EQ(status, 0) << output << "\n" << xml;
    }
}

TEST(JunitReportTest, SchemaRejectsAWrongElementOrAttributeName) {
    if (!have_xmllint()) GTEST_SKIP() << "xmllint not installed (apt-get install libxml2-utils)";
    const std::string xml = render_junit(mixed_report());
    // Each change keeps the document well-formed; only the schema can object.
    auto rejected = [&](const std::string& pattern, const std::string& replacement) {
        std::string changed = std::regex_replace(xml, std::regex(pattern), replacement);
        EXPECT_NE(changed, xml) << pattern;
        auto [status, output] = xmllint(changed, true);
        EXPECT_NE(status, 0) << pattern;
        EXPECT_TRUE(contains(output, "Schemas validity error")) << pattern << ": " << output;
    };
    rejected("(</?)failure\\b", "$1failed");
    rejected("(</?)system-out\\b", "$1stdout");
    rejected("(</?)properties\\b", "$1props");
    rejected(" classname=", " class=");
    rejected(" tests=", " test=");
    rejected("(timestamp=\"[^\"]+)\"", "$1Z\"");  // the common schema wants no zone designator
    rejected("(<testsuite )", "$1bogus=\"1\" ");
    rejected(" failures=\"1\"", " failures=\"one\"");
}

// ---------------------------------------------------------------- JSON

TEST(JsonReportTest, ParsesAndHasTheSummaryAndEveryProbeAndCheck) {
    nlohmann::json json = nlohmann::json::parse(render_json(mixed_report()));
    EXPECT_EQ(json["tool"], "taskconform");
    EXPECT_EQ(json["variant"], "orkes");
    EXPECT_EQ(json["target"], "http://127.0.0.1:8080");
    EXPECT_EQ(json["summary"], (nlohmann::json{{"passed", 4}, {"failed", 3}, {"warnings", 1}, {"skipped", 1}}));
    EXPECT_EQ(json["passed"], false);
    ASSERT_EQ(json["probes"].size(), 6u);
    const nlohmann::json& failing = json["probes"][1];
    EXPECT_EQ(failing["name"], "unknown id");
    EXPECT_EQ(failing["method"], "GET");
    EXPECT_EQ(failing["url"], "http://127.0.0.1:8080/api/tasks/nope");
    EXPECT_EQ(failing["status"], 200);
    EXPECT_EQ(failing["content_type"], "application/json");
    EXPECT_DOUBLE_EQ(failing["seconds"].get<double>(), 0.004);
    EXPECT_EQ(failing["transport_error"], false);
    ASSERT_EQ(failing["checks"].size(), 2u);
    EXPECT_EQ(failing["checks"][1],
              (nlohmann::json{{"name", "status is documented"},
                              {"outcome", "failed"},
                              {"message", "200 is not one of the documented statuses 404"},
                              {"details", {"/status: \"DONE\" is not one of [\"COMPLETED\"] [schema.enum]"}}}));
    EXPECT_EQ(json["probes"][2]["checks"][0]["outcome"], "warning");
    EXPECT_EQ(json["probes"][2]["checks"][1]["outcome"], "skipped");
    EXPECT_EQ(json["probes"][3]["transport_error"], true);
    EXPECT_EQ(json["probes"][4]["checks"], nlohmann::json::array());
}

TEST(JsonReportTest, PassedIsTrueWhenNothingFailed) {
    Report report = small_report();
    report.probes.pop_back();
    nlohmann::json json = nlohmann::json::parse(render_json(report));
    EXPECT_EQ(json["passed"], true);
    EXPECT_EQ(json["summary"]["failed"], 0);
}

TEST(JsonReportTest, IndentsByTwoSpacesAndKeepsTheDocumentedKeyOrder) {
    std::string text = render_json(small_report());
    EXPECT_EQ(text.rfind("{\n  \"tool\": \"taskconform\",\n  \"variant\": \"orkes\",\n", 0), 0u) << text;
    EXPECT_LT(text.find("\"summary\""), text.find("\"probes\""));
}

TEST(JsonReportTest, InvalidUtf8IsReplacedInsteadOfThrowing) {
    std::string text;
    ASSERT_NO_THROW(text = render_json(hostile_report()));
    nlohmann::json json = nlohmann::json::parse(text);
    EXPECT_EQ(json["probes"][0]["checks"][0]["details"][0], "detail \xef\xbf\xbd\xef\xbf\xbd invalid utf-8");
    EXPECT_EQ(json["probes"][0]["checks"][0]["message"], "body \x01\x02\x1b[31m<script>&amp;\"'\x7f\x0c end");
}

}  // namespace
}  // namespace taskmock
