#pragma once
// The conformance run: probes built from a variant description, sent
// through a Transport, each checked against the description and its schemas.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "conformance/report.hpp"
#include "conformance/transport.hpp"
#include "core/schema.hpp"
#include "core/variant.hpp"

namespace taskmock {

// Credentials as the runner received them. Values are sent, never reported.
struct Secrets {
    std::string credential;  // key, token, or "user:password" for basic
    std::string key_id;      // for a token exchange
    std::string key_secret;
};

struct CheckSettings {
    std::string base_url;
    std::vector<std::string> task_ids;
    Secrets secrets;
    std::string auth_scheme;  // "header", "query", "bearer", "basic"; empty: the variant's first
    bool strict = false;      // undocumented fields fail instead of warn
    bool probes = true;       // negative probes, media types, query values
    TransportSettings transport;
};

// Sends one request and returns what came back (or why nothing did).
using SendCall = std::function<HttpResult(const HttpCall&)>;

// Runs every probe; configuration problems (bad base URL) go to error.
Report run_check(const VariantDescription& variant, const std::map<std::string, Schema>& schemas,
                 const CheckSettings& settings, std::string& error);

// The same probes and checks with every request answered by send instead of
// a Transport to settings.base_url (which is then only shown in the report):
// how the checks are driven with arbitrary responses, without sockets.
Report run_check(const VariantDescription& variant, const std::map<std::string, Schema>& schemas,
                 const CheckSettings& settings, const SendCall& send, std::string& error);

// Checks one body offline (a fixture, a captured response): JSON syntax,
// the schema and the invariants; messages carry file:line:col.
Probe check_file(const VariantDescription& variant, const Schema& schema, const std::string& path, bool strict,
                 bool task_body);

// A well-formed id no task is likely to have: the first id with its last
// character changed within the same character class.
std::string unknown_id_from(const std::string& id);

}  // namespace taskmock
