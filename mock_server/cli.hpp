#pragma once
// taskmock's command line: parsing (usage errors exit 2) and the start-up
// sequence (load, check, serve), kept out of main.cpp so tests can drive it.

#include <filesystem>
#include <iosfwd>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/fixture_store.hpp"
#include "core/variant.hpp"

namespace taskmock {

struct Options {
    std::string host = "127.0.0.1";
    int port = 8080;
    std::filesystem::path fixtures;
    std::filesystem::path schemas;
    std::string variant;              // empty: all, each under /<name>
    std::vector<std::string> quirks;  // "variant:quirk"
    std::string instance = "taskmock";
    bool allow_invalid = false;
    bool check_only = false;
    bool quiet = false;
    int read_timeout_seconds = 5;  // --read-timeout: for the whole of a request, from its first byte
    bool help = false;
    bool version = false;
    // Client-side testing (docs/timelines.md, docs/admin.md).
    bool admin = false;         // serve the admin API under /__taskmock/
    bool admin_remote = false;  // ... to clients other than loopback
    std::string clock = "real";  // "real", "manual" (from now) or "manual@<RFC 3339 time>"
    std::filesystem::path faults;  // a faults file: global and per-variant rules
    std::uint64_t seed = 0;        // for random faults
    std::size_t journal_size = 1000;
    bool watch = false;  // reload the fixtures directory when it changes
};

std::string usage();

// Parses argv; on a usage error writes the message to error and returns nothing.
std::optional<Options> parse_options(const std::vector<std::string>& arguments, std::string& error);

// Everything start-up loads and checks: variant descriptions (quirks
// applied, filtered by --variant) and the fixture store.
struct Catalogue {
    std::vector<VariantDescription> variants;
    FixtureStore store;
    std::map<std::string, Schema> task_schemas;
    std::set<std::string> passed_over;  // variant folders not served (--variant)
};

// Loads the catalogue. Problems in data go to diagnostics; a bad quirk or
// variant name goes to usage_error. Returns nothing on any error.
std::optional<Catalogue> load_catalogue(const Options& options, Diagnostics& diagnostics, std::string& usage_error);

// Loads, checks and serves until SIGINT or SIGTERM. Returns the exit code:
// 0 clean shutdown, 1 cannot serve (e.g. port in use), 2 bad configuration.
int run(const Options& options, std::ostream& out, std::ostream& err);

}  // namespace taskmock
