#pragma once
// taskmock record: a proxy in front of a live task API that answers each
// client with the upstream's response and keeps every task it sees as a
// fixture file, checked against the variant's schema and invariants when
// it is captured. Credentials the client sends go upstream and nowhere else.

#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "conformance/transport.hpp"
#include "core/json_text.hpp"
#include "core/schema.hpp"
#include "core/variant.hpp"
#include "mock_server/exchange.hpp"

namespace taskmock {

struct RecordOptions {
    std::string host = "127.0.0.1";
    int port = 8080;
    std::string variant;
    std::string upstream;  // http(s)://host[:port][/prefix]
    std::filesystem::path out;
    std::filesystem::path schemas;
    std::string ca_file;
    bool only_valid = false;
    bool quiet = false;
    bool help = false;
};

std::string record_usage();

// Parses the arguments after "record"; on a usage error writes the message
// to error and returns nothing.
std::optional<RecordOptions> parse_record_options(const std::vector<std::string>& arguments, std::string& error);

// What was captured for one task id (the last capture wins).
struct RecordedTask {
    std::string id;
    std::string file;     // relative to the output directory, e.g. "orkes/<id>.json"
    std::string outcome;  // "new", "updated", "unchanged", or "not-written" (--only-valid)
    std::vector<Violation> violations;  // schema, id pattern and invariant findings
    std::size_t redactions = 0;         // credential values replaced in the body
};

struct RecordSummary {
    std::string variant;
    std::string upstream;
    std::size_t requests = 0;         // received from clients
    std::size_t proxied = 0;          // answered by the upstream
    std::size_t upstream_errors = 0;  // answered 502 because the upstream did not answer
    std::size_t redactions = 0;
    std::vector<RecordedTask> tasks;  // sorted by id
    // Upstream failures and task-route 200s that were not recorded, as
    // "METHOD /path: what happened" (never the query, which may hold a key).
    std::vector<std::string> errors;
    std::vector<std::string> skipped;

    std::size_t count(const std::string& outcome) const;
    std::size_t non_conforming() const;
    json to_json() const;
    // The text printed on stop; out_dir is prefixed to file names.
    std::string to_text(const std::filesystem::path& out_dir) const;
};

struct RecorderSettings {
    std::string upstream;
    std::filesystem::path out;  // fixtures go to out/<variant>/<id>.json
    bool only_valid = false;
    TransportSettings transport;
};

class Recorder {
public:
    // Nothing (and error set) when the upstream URL cannot be used.
    static std::unique_ptr<Recorder> create(VariantDescription variant, std::optional<Schema> task_schema,
                                            RecorderSettings settings, std::string& error);
    ~Recorder();
    Recorder(const Recorder&) = delete;
    Recorder& operator=(const Recorder&) = delete;

    // Forwards the request and returns the upstream's answer (502 when there
    // is none), recording it when it is a task. Safe to call from many threads.
    Response handle(const Request& request);

    // One request to the upstream's base path without anything from a
    // client: nothing when the upstream answered (any status), otherwise
    // why it could not be reached.
    std::optional<std::string> probe();

    RecordSummary summary() const;
    // Query parameters that carry the variant's credentials (hidden in logs).
    std::vector<std::string> secret_query_names() const;
    const VariantDescription& variant() const { return variant_; }

private:
    Recorder(VariantDescription variant, std::optional<Schema> task_schema, RecorderSettings settings);

    std::unique_ptr<Transport> acquire(std::string& error);
    void release(std::unique_ptr<Transport> transport);
    void remember(const std::vector<std::string>& secrets);
    void capture(const Request& request, const std::string& content_type, const std::string& body);
    void note_skipped(const Request& request, const std::string& reason);

    VariantDescription variant_;
    std::optional<Schema> task_schema_;
    RecorderSettings settings_;

    mutable std::mutex mutex_;  // everything below
    std::vector<std::unique_ptr<Transport>> idle_;
    std::set<std::string> secrets_;
    RecordSummary summary_;
    std::map<std::string, RecordedTask> tasks_;
    std::size_t temp_counter_ = 0;
};

// The file name a task id is stored under: the id with every byte outside
// [A-Za-z0-9._~-] percent-encoded ("." and ".." entirely), so no id can
// name a path outside its folder.
std::string fixture_file_name(const std::string& id);

// Replaces every occurrence of each secret inside the strings (keys and
// values) of value with "REDACTED"; returns how many were replaced.
std::size_t redact_secrets(json& value, const std::set<std::string>& secrets);

// The whole command: parse, load the variant, probe the upstream, serve
// until SIGINT or SIGTERM, print and write the summary. Returns the exit
// code: 0 stopped normally, 1 cannot listen / upstream unreachable / cannot
// write, 2 usage or data error.
int record_main(const std::vector<std::string>& arguments, std::ostream& out, std::ostream& err);

}  // namespace taskmock
