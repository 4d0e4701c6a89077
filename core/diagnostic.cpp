#include "core/diagnostic.hpp"

#include <algorithm>
#include <tuple>

namespace taskmock {

namespace {

std::string_view severity_name(Severity severity) {
    switch (severity) {
        case Severity::error: return "error";
        case Severity::warning: return "warning";
        case Severity::note: return "note";
    }
    return "error";
}

}  // namespace

std::string format(const Diagnostic& diagnostic) {
    std::string out = diagnostic.location.file;
    if (diagnostic.location.line > 0) {
        out += ':' + std::to_string(diagnostic.location.line);
        if (diagnostic.location.column > 0) out += ':' + std::to_string(diagnostic.location.column);
    }
    out += ": ";
    out += severity_name(diagnostic.severity);
    out += ": ";
    out += diagnostic.message;
    if (!diagnostic.code.empty()) out += " [" + diagnostic.code + "]";
    return out;
}

Location location_of(std::string_view file, std::string_view text, std::size_t offset) {
    Location location{std::string(file), 1, 1};
    offset = std::min(offset, text.size());
    for (std::size_t i = 0; i < offset; ++i) {
        if (text[i] == '\n') {
            ++location.line;
            location.column = 1;
        } else {
            ++location.column;
        }
    }
    return location;
}

void Diagnostics::add(Diagnostic diagnostic) { items_.push_back(std::move(diagnostic)); }

void Diagnostics::error(Location location, std::string message, std::string code) {
    add({std::move(location), Severity::error, std::move(message), std::move(code)});
}

void Diagnostics::warning(Location location, std::string message, std::string code) {
    add({std::move(location), Severity::warning, std::move(message), std::move(code)});
}

void Diagnostics::note(Location location, std::string message, std::string code) {
    add({std::move(location), Severity::note, std::move(message), std::move(code)});
}

bool Diagnostics::has_errors() const { return error_count() > 0; }

std::size_t Diagnostics::error_count() const {
    return static_cast<std::size_t>(std::count_if(items_.begin(), items_.end(), [](const Diagnostic& d) {
        return d.severity == Severity::error;
    }));
}

std::vector<Diagnostic> Diagnostics::sorted() const {
    // A note explains the entry added just before it, so sort groups (an
    // entry and its notes) by the entry's position and keep each group whole.
    std::vector<std::vector<Diagnostic>> groups;
    for (const auto& item : items_) {
        if (item.severity == Severity::note && !groups.empty()) {
            groups.back().push_back(item);
        } else {
            groups.push_back({item});
        }
    }
    std::stable_sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) {
        const Location& x = a.front().location;
        const Location& y = b.front().location;
        return std::tie(x.file, x.line, x.column) < std::tie(y.file, y.line, y.column);
    });
    std::vector<Diagnostic> out;
    for (auto& group : groups) out.insert(out.end(), group.begin(), group.end());
    return out;
}

std::string Diagnostics::to_string() const {
    std::string out;
    for (const auto& diagnostic : sorted()) {
        out += format(diagnostic);
        out += '\n';
    }
    return out;
}

}  // namespace taskmock
