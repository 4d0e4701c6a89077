#pragma once
// What the fuzz entries share: the shipped data, loaded once per process,
// and how a broken invariant is reported.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "mock_server/cli.hpp"
#include "mock_server/pipeline.hpp"

namespace taskmock::fuzz {

// The source tree's schemas/ and fixtures/ live below this directory.
std::filesystem::path data_directory();

// The shipped variants and fixtures, loaded on first use; aborts when they
// do not load (nothing could be fuzzed against them).
const Catalogue& shipped_catalogue();

// Credentials the fuzzed pipelines accept and fuzz_conformance sends. Every
// secret carries kSecretMarker: no response and no report may show it
// unless the input itself does.
inline constexpr std::string_view kSecretMarker = "s3cret";
inline const std::string kCredential = "fuzz-user:s3cret-credential";  // "user:password" for basic auth
inline const std::string kKeyId = "fuzz-key-id";
inline const std::string kKeySecret = "s3cret-key";

// Pipelines over the shipped catalogue, built on first use: with an empty
// name every variant under /<name>, otherwise that variant alone at its
// native paths (nullptr for an unknown name). maxsight and oracle-bpm accept
// kCredential, orkes the token its exchange hands out for kKeyId and
// kKeySecret; cognigy is left unconfigured (any credential will do).
const Pipeline* shipped_pipeline(std::string_view alone);

// Prints "fuzz <target>: invariant broken: <what>" and aborts: libFuzzer
// saves the input, and the regression test fails on it.
[[noreturn]] void fail(std::string_view target, const std::string& what);

inline void require(bool holds, std::string_view target, const std::string& what) {
    if (!holds) fail(target, what);
}

// Splits at '\n'; the parts keep every other byte ('\r' included).
std::vector<std::string_view> split_lines(std::string_view text);

// Content types whose bodies must parse as JSON: */json and */*+json.
bool is_json_type(std::string_view content_type);

// Whether text parses as JSON (strictly: invalid UTF-8 does not).
bool parses_as_json(const std::string& text);

// Bytes a header name or value must never carry: a CR or LF would split the
// response, a NUL truncates it.
bool has_header_breaking_byte(std::string_view text);

}  // namespace taskmock::fuzz
