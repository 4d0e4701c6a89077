// The text reporter: what a person reads in a terminal or a CI log.
//
//   PASS  task 65fc  GET http://127.0.0.1:8080/api/task/65fc  200 application/json  12 ms
//   FAIL  unknown id  GET http://127.0.0.1:8080/api/task/nope  200 application/json  3.1 ms
//       FAIL status is documented: 200 is not one of 404
//           /status: "DONE" is not one of ... [schema.enum]
//   taskconform: 1 warnings, 2 skipped
//   taskconform: 12 passed, 1 failed
//
// The last line is read by CI harnesses and has exactly that shape, never
// coloured; warnings and skipped checks, when there are any, get the line
// before it. Text from the server (names, messages, details) is printed with
// control characters and invalid UTF-8 escaped, so a hostile body cannot
// move the cursor, recolour the terminal or forge a summary line.

#include "conformance/report.hpp"

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>

#include "conformance/utf8.hpp"

namespace taskmock {

namespace {

constexpr std::string_view red = "\x1b[31m";
constexpr std::string_view green = "\x1b[32m";
constexpr std::string_view yellow = "\x1b[33m";
constexpr std::string_view dim = "\x1b[2m";
constexpr std::string_view reset = "\x1b[0m";

void append_hex_escape(std::string& out, unsigned char byte) {
    static constexpr char digits[] = "0123456789abcdef";
    out += "\\x";
    out += digits[byte >> 4];
    out += digits[byte & 0x0f];
}

std::string printable(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        std::uint32_t code_point = 0;
        std::size_t length = utf8_sequence(text, i, code_point);
        if (length == 0) {
            append_hex_escape(out, static_cast<unsigned char>(text[i]));
            ++i;
            continue;
        }
        if (code_point == '\n') {
            out += "\\n";
        } else if (code_point == '\r') {
            out += "\\r";
        } else if (code_point == '\t') {
            out += '\t';
        } else if (code_point < 0x20 || code_point == 0x7f || (code_point >= 0x80 && code_point <= 0x9f)) {
            // C0 and C1 controls (ESC, CSI, ...), byte by byte.
            for (std::size_t k = 0; k < length; ++k) append_hex_escape(out, static_cast<unsigned char>(text[i + k]));
        } else {
            out.append(text.substr(i, length));
        }
        i += length;
    }
    return out;
}

class Writer {
public:
    explicit Writer(bool colour) : colour_(colour) {}

    void coloured(std::string_view colour, std::string_view text) {
        if (colour_) out_ += colour;
        out_ += text;
        if (colour_) out_ += reset;
    }
    void plain(std::string_view text) { out_ += text; }
    std::string take() { return std::move(out_); }

private:
    bool colour_;
    std::string out_;
};

std::string_view mark_of(Outcome outcome) {
    switch (outcome) {
        case Outcome::passed: return "PASS";
        case Outcome::failed: return "FAIL";
        case Outcome::warning: return "WARN";
        case Outcome::skipped: return "SKIP";
    }
    return "????";
}

std::string_view colour_of(Outcome outcome) {
    switch (outcome) {
        case Outcome::passed: return green;
        case Outcome::failed: return red;
        case Outcome::warning: return yellow;
        case Outcome::skipped: return dim;
    }
    return {};
}

// The probe's overall outcome: failed beats warning beats passed; a probe
// whose every check was skipped is skipped.
Outcome probe_outcome(const Probe& probe) {
    if (probe.transport_error) return Outcome::failed;
    bool warned = false;
    bool all_skipped = !probe.checks.empty();
    for (const Check& check : probe.checks) {
        if (check.outcome == Outcome::failed) return Outcome::failed;
        if (check.outcome == Outcome::warning) warned = true;
        if (check.outcome != Outcome::skipped) all_skipped = false;
    }
    if (warned) return Outcome::warning;
    return all_skipped ? Outcome::skipped : Outcome::passed;
}

std::string milliseconds(double seconds) {
    double ms = seconds * 1000.0;
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, ms < 10.0 ? "%.1f ms" : "%.0f ms", ms);
    return buffer;
}

void write_probe_line(Writer& writer, const Probe& probe) {
    Outcome outcome = probe_outcome(probe);
    writer.coloured(colour_of(outcome), mark_of(outcome));
    writer.plain("  ");
    writer.plain(printable(probe.name));
    std::string request;
    if (!probe.method.empty()) request += printable(probe.method);
    if (!probe.url.empty()) {
        if (!request.empty()) request += ' ';
        request += printable(probe.url);
    }
    if (!request.empty()) writer.plain("  " + request);
    if (probe.transport_error) {
        writer.plain("  no response");
    } else if (probe.status != 0) {
        writer.plain("  " + std::to_string(probe.status));
        if (!probe.content_type.empty()) writer.plain(" " + printable(probe.content_type));
    } else if (!probe.content_type.empty()) {
        writer.plain("  " + printable(probe.content_type));
    }
    if (!probe.method.empty() || probe.seconds > 0) writer.plain("  " + milliseconds(probe.seconds));
    writer.plain("\n");
}

void write_check(Writer& writer, const Check& check) {
    writer.plain("    ");
    writer.coloured(colour_of(check.outcome), mark_of(check.outcome));
    writer.plain(" " + printable(check.name));
    if (!check.message.empty()) writer.plain(": " + printable(check.message));
    writer.plain("\n");
    for (const std::string& detail : check.details) {
        writer.plain("        ");
        writer.coloured(dim, printable(detail));
        writer.plain("\n");
    }
}

}  // namespace

std::string render_text(const Report& report, bool colour, bool verbose) {
    Writer writer(colour);
    for (const Probe& probe : report.probes) {
        write_probe_line(writer, probe);
        if (probe.checks.empty() && probe.transport_error) {
            write_check(writer, Check{"request", Outcome::failed, "no usable response", {}});
        }
        for (const Check& check : probe.checks) {
            if (verbose || check.outcome == Outcome::failed || check.outcome == Outcome::warning) {
                write_check(writer, check);
            }
        }
    }

    std::size_t warnings = report.count(Outcome::warning);
    std::size_t skipped = report.count(Outcome::skipped);
    if (warnings > 0 || skipped > 0) {
        std::string line = "taskconform: ";
        if (warnings > 0) line += std::to_string(warnings) + " warnings";
        if (warnings > 0 && skipped > 0) line += ", ";
        if (skipped > 0) line += std::to_string(skipped) + " skipped";
        writer.plain(line + "\n");
    }
    // Exactly this shape, alone on its line, never coloured: CI reads it.
    writer.plain("taskconform: " + std::to_string(report.count(Outcome::passed)) + " passed, " +
                 std::to_string(report.count(Outcome::failed)) + " failed\n");
    return writer.take();
}

}  // namespace taskmock
