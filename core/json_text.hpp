#pragma once
// JSON read from a file, kept with its text so that any JSON Pointer into it
// can be turned into file:line:column for diagnostics.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/diagnostic.hpp"

namespace taskmock {

// Bodies keep their key order (ordered_json): a fixture is served as the
// vendor wrote it. valijson reads plain nlohmann::json; see schema.cpp.
using json = nlohmann::ordered_json;

struct JsonText {
    std::string file;  // display name used in diagnostics
    std::string text;
    json value;

    // Where the value at pointer starts; the whole file when not found.
    Location locate(const json::json_pointer& pointer) const;
};

// Reads and parses a file; on failure adds a diagnostic and returns nothing.
std::optional<JsonText> read_json_file(const std::filesystem::path& path, std::string display_name,
                                       Diagnostics& diagnostics);

// Parses text already in memory (same diagnostics as read_json_file).
std::optional<JsonText> parse_json_text(std::string text, std::string display_name, Diagnostics& diagnostics);

// The deepest nesting of arrays and objects taskmock reads. Converting,
// validating and printing a document recurse once per level, so a deeper one
// (taskconform reads bodies from any server) could exhaust the stack.
// parse_json_text refuses deeper text (json.too-deep).
inline constexpr std::size_t kMaxJsonDepth = 512;

// Offset of the first '[' or '{' (outside strings) that opens a level deeper
// than limit; nothing when text nests no deeper.
std::optional<std::size_t> too_deep_at(std::string_view text, std::size_t limit = kMaxJsonDepth);

// Byte offset where the value at pointer starts in text, if it exists.
std::optional<std::size_t> offset_of(std::string_view text, const json::json_pointer& pointer);

}  // namespace taskmock
