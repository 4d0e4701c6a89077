// fuzz_conformance: taskconform's checks on whatever a server answers. Every
// request of a check run is answered from the next part of the input, then
// the report is written as text, JUnit XML and JSON.
//
// Input format:
//   line 1    the variant, then words that switch settings on: strict,
//             verbose, colour, credentials, noprobes, scheme=<header|query|
//             bearer|basic>, quirk=<name>. An unknown variant name: the
//             first byte picks one.
//   then      responses, separated by lines "%%":
//               a status line (a decimal status; anything else is a
//               transport error with that text),
//               "Name: value" header lines, an empty line, the body.
//             Requests beyond the last response get a transport error.
//
// Invariants: the run reports at least one probe; the text report ends with
// exactly "taskconform: N passed, N failed" and carries no control
// characters but its own colours; the JUnit report parses and holds only
// characters XML 1.0 allows; the JSON report parses and its summary matches
// the counts; configured secrets never appear in any of them unless the
// input itself carries kSecretMarker.

#include <pugixml.hpp>

#include <algorithm>
#include <charconv>

#include "conformance/runner.hpp"
#include "conformance/utf8.hpp"
#include "fuzz/entries.hpp"
#include "fuzz/support.hpp"

namespace taskmock::fuzz {

namespace {

constexpr std::string_view kTarget = "fuzz_conformance";
constexpr std::string_view kSeparator = "\n%%\n";

struct Prepared {
    const VariantDescription* variant;
    std::map<std::string, Schema> schemas;
    std::vector<std::string> task_ids;  // two of the shipped fixtures' ids
};

const std::vector<Prepared>& prepared() {
    static const std::vector<Prepared> all = [] {
        const Catalogue& catalogue = shipped_catalogue();
        std::vector<Prepared> result;
        for (const VariantDescription& variant : catalogue.variants) {
            Diagnostics diagnostics;
            Prepared entry{&variant, load_schemas(variant, diagnostics), {}};
            if (diagnostics.has_errors()) fail(kTarget, "the schemas of " + variant.name + " do not load");
            for (const Fixture* fixture : catalogue.store.fixtures(variant.name)) {
                if (entry.task_ids.size() < 2) entry.task_ids.push_back(fixture->id);
            }
            result.push_back(std::move(entry));
        }
        return result;
    }();
    return all;
}

struct Settings {
    const Prepared* prepared = nullptr;
    CheckSettings check;
    std::string quirk;
    bool verbose = false;
    bool colour = false;
};

Settings read_settings(std::string_view line, unsigned char first_byte) {
    const std::vector<Prepared>& all = prepared();
    Settings settings;
    std::vector<std::string_view> words;
    while (!line.empty()) {
        std::size_t space = line.find(' ');
        if (space != 0) words.push_back(line.substr(0, space));
        line = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
    }
    for (const Prepared& entry : all) {
        if (!words.empty() && words.front() == entry.variant->name) settings.prepared = &entry;
    }
    if (settings.prepared == nullptr) settings.prepared = &all[first_byte % all.size()];
    CheckSettings& check = settings.check;
    check.base_url = "http://127.0.0.1:9/" + settings.prepared->variant->name;
    check.task_ids = settings.prepared->task_ids;
    for (std::string_view word : words) {
        if (word == "strict") check.strict = true;
        if (word == "verbose") settings.verbose = true;
        if (word == "colour") settings.colour = true;
        if (word == "noprobes") check.probes = false;
        if (word == "credentials") {
            check.secrets.credential = kCredential;
            check.secrets.key_id = kKeyId;
            check.secrets.key_secret = kKeySecret;
        }
        if (word.substr(0, 7) == "scheme=") check.auth_scheme = std::string(word.substr(7));
        if (word.substr(0, 6) == "quirk=") settings.quirk = std::string(word.substr(6));
    }
    return settings;
}

HttpResult decode(std::string_view part) {
    HttpResult result;
    std::size_t blank = part.find("\n\n");
    std::string_view head = part.substr(0, blank);
    if (blank != std::string_view::npos) result.body = std::string(part.substr(blank + 2));
    std::vector<std::string_view> lines = split_lines(head);
    std::string_view status = lines.front();
    auto [end, error] = std::from_chars(status.data(), status.data() + status.size(), result.status);
    if (error != std::errc() || end != status.data() + status.size()) {
        result.ok = false;
        result.status = 0;
        result.error = std::string(status);
        return result;
    }
    result.ok = true;
    for (std::size_t i = 1; i < lines.size(); ++i) {
        std::size_t colon = lines[i].find(':');
        std::string_view name = lines[i].substr(0, colon);
        std::string_view value = colon == std::string_view::npos ? std::string_view() : lines[i].substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        result.headers.emplace_back(std::string(name), std::string(value));
    }
    return result;
}

// Valid UTF-8 in which every code point passes allowed.
template <typename Allowed>
bool only(std::string_view text, Allowed allowed) {
    for (std::size_t i = 0; i < text.size();) {
        std::uint32_t code_point = 0;
        std::size_t length = utf8_sequence(text, i, code_point);
        if (length == 0 || !allowed(code_point)) return false;
        i += length;
    }
    return true;
}

void check_text(const std::string& text, const Report& report, bool colour) {
    const std::string summary = "taskconform: " + std::to_string(report.count(Outcome::passed)) + " passed, " +
                                std::to_string(report.count(Outcome::failed)) + " failed\n";
    require(text.size() >= summary.size() && text.compare(text.size() - summary.size(), summary.size(), summary) == 0,
            kTarget, "the text report does not end with the summary line");
    std::string plain = text;
    if (colour) {
        for (std::string_view code : {"\x1b[31m", "\x1b[32m", "\x1b[33m", "\x1b[2m", "\x1b[0m"}) {
            for (std::size_t at = plain.find(code); at != std::string::npos; at = plain.find(code, at)) {
                plain.erase(at, code.size());
            }
        }
    }
    require(only(plain, [](std::uint32_t c) { return c == '\n' || c == '\t' || (c >= 0x20 && c != 0x7f && (c < 0x80 || c > 0x9f)); }),
            kTarget, "the text report carries a control character or invalid UTF-8");
    std::vector<std::string_view> lines = split_lines(plain);
    std::size_t summaries = 0;
    for (std::string_view line : lines) {
        if (line.substr(0, 13) == "taskconform: ") ++summaries;
    }
    require(summaries <= 2, kTarget, "the text report has a forged summary line");
}

void check_junit(const std::string& xml) {
    require(only(xml, [](std::uint32_t c) {
                return c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) ||
                       c >= 0x10000;
            }),
            kTarget, "the JUnit report carries text XML 1.0 cannot");
    pugi::xml_document document;
    pugi::xml_parse_result parsed = document.load_buffer(xml.data(), xml.size());
    require(static_cast<bool>(parsed), kTarget, std::string("the JUnit report does not parse: ") + parsed.description());
    require(std::string_view(document.document_element().name()) == "testsuites", kTarget, "no <testsuites>");
}

void check_json(const std::string& text, const Report& report) {
    json parsed = json::parse(text, nullptr, false);
    require(!parsed.is_discarded(), kTarget, "the JSON report does not parse");
    require(parsed["summary"]["passed"] == report.count(Outcome::passed) &&
                parsed["summary"]["failed"] == report.count(Outcome::failed),
            kTarget, "the JSON summary differs from the counts");
}

}  // namespace

int fuzz_conformance(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    std::size_t first_end = input.find('\n');
    Settings settings = read_settings(input.substr(0, first_end), size > 0 ? data[0] : 0);
    std::string_view rest = first_end == std::string_view::npos ? std::string_view() : input.substr(first_end + 1);

    VariantDescription variant = *settings.prepared->variant;
    if (!settings.quirk.empty() && !variant.apply_quirk(settings.quirk)) return 0;

    std::size_t calls = 0;
    SendCall send = [&](const HttpCall&) {
        ++calls;
        if (rest.empty()) {
            HttpResult none;
            none.error = "no more responses in the input";
            return none;
        }
        std::size_t separator = rest.find(kSeparator);
        std::string_view part = rest.substr(0, separator);
        rest = separator == std::string_view::npos ? std::string_view() : rest.substr(separator + kSeparator.size());
        return decode(part);
    };
    std::string error;
    Report report = run_check(variant, settings.prepared->schemas, settings.check, send, error);
    require(error.empty(), kTarget, "the run refused its settings: " + error);
    require(!report.probes.empty() && calls == report.probes.size(), kTarget, "requests and probes differ in number");

    const std::string text = render_text(report, settings.colour, settings.verbose);
    const std::string junit = render_junit(report);
    const std::string json_report = render_json(report);
    check_text(text, report, settings.colour);
    check_junit(junit);
    check_json(json_report, report);
    if (input.find(kSecretMarker) == std::string_view::npos) {
        for (const std::string* output : {&text, &junit, &json_report}) {
            require(output->find(kSecretMarker) == std::string::npos, kTarget, "a report reveals a configured secret");
        }
    }
    return 0;
}

}  // namespace taskmock::fuzz
