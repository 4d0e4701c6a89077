#pragma once
// Compiler-style diagnostics: every problem found while loading data is
// collected, sorted by file and position, and printed in one go as
//   fixtures/orkes/x.json:14:15: error: /status: "DONE" is not one of ... [schema.enum]

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace taskmock {

enum class Severity { error, warning, note };

struct Location {
    std::string file;  // as given by the caller, usually relative to the cwd
    std::size_t line = 0;    // 1-based; 0 = the whole file
    std::size_t column = 0;  // 1-based; 0 = the whole line
};

struct Diagnostic {
    Location location;
    Severity severity = Severity::error;
    std::string message;
    std::string code;  // catalogue code, e.g. "fixture.duplicate-id"
};

std::string format(const Diagnostic& diagnostic);

// 1-based line and column of a byte offset in text (column counts bytes).
Location location_of(std::string_view file, std::string_view text, std::size_t offset);

class Diagnostics {
public:
    void add(Diagnostic diagnostic);
    void error(Location location, std::string message, std::string code);
    void warning(Location location, std::string message, std::string code);
    void note(Location location, std::string message, std::string code);

    bool has_errors() const;
    std::size_t error_count() const;
    bool empty() const { return items_.empty(); }
    // Sorted by file, line, column; notes stay right after the entry they belong to.
    std::vector<Diagnostic> sorted() const;
    std::string to_string() const;  // sorted, one per line

private:
    std::vector<Diagnostic> items_;
};

}  // namespace taskmock
