#include "conformance/cli.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "conformance/runner.hpp"
#include "core/fixture_store.hpp"
#include "core/variant.hpp"

#ifndef TASKMOCK_DATA_DIR
#define TASKMOCK_DATA_DIR "."
#endif
#ifndef TASKMOCK_VERSION
#define TASKMOCK_VERSION "0.0.0"
#endif

namespace taskmock {

std::string conform_usage() {
    return R"(usage: taskconform check --variant NAME --base-url URL [--task-id ID ...] [options]
       taskconform validate --variant NAME [--error STATUS] FILE ...

check     sends requests to a server (taskmock, or the vendor's API) and checks
          status codes, Content-Type, bodies against the variant's schemas,
          semantic invariants, and negative probes (unknown id, missing
          credentials, malformed id, each media type, each query value).
validate  checks bodies in files (fixtures, captured responses) offline.

options:
  --variant NAME           maxsight, orkes, conductor, oracle-bpm, cognigy, ...
  --base-url URL           http(s)://host[:port][/prefix], e.g. http://127.0.0.1:8080/orkes
  --task-id ID             a task to fetch (repeatable)
  --fixtures DIR           also fetch every task id found in DIR/<variant>/*.json
  --credential-env NAME    environment variable holding the key, token or user:password
                           (default TASKCONFORM_CREDENTIAL)
  --credential-file FILE   file holding it
  --key-id-env NAME        environment variable with a key id for a token exchange
                           (default TASKCONFORM_KEY_ID; secret: TASKCONFORM_KEY_SECRET)
  --key-secret-env NAME    environment variable with the key secret
  --auth-scheme TYPE       header, query, bearer or basic (default: the variant's first)
  --quirk NAME             expect a documented quirk of the variant, e.g. legacy-204
  --no-probes              fetch the tasks only
  --strict                 undocumented fields fail (default: warnings)
  --connect-timeout S      seconds (default 5)
  --read-timeout S         seconds per read (default 10)
  --timeout S              seconds for a whole exchange (default 30)
  --max-body BYTES         largest body accepted (default 8388608)
  --ca-file FILE           CA certificates for HTTPS (default: the system store)
  --error STATUS           validate: the files are error bodies of this status
  --schemas DIR            variant descriptions and schemas (default: the shipped schemas/)
  --junit FILE             write a JUnit XML report
  --json FILE              write a JSON report
  --verbose                list every check, passed ones too
  --help, --version

Credentials are sent as the variant requires and never printed or reported.
Colour is used on a terminal unless NO_COLOR is set.
)";
}

namespace {

struct Arguments {
    std::string command;
    std::string variant;
    std::string base_url;
    std::vector<std::string> task_ids;
    std::string fixtures;
    std::string credential_env = "TASKCONFORM_CREDENTIAL";
    std::string credential_file;
    std::string key_id_env = "TASKCONFORM_KEY_ID";
    std::string key_secret_env = "TASKCONFORM_KEY_SECRET";
    std::string auth_scheme;
    std::string quirk;
    std::string schemas = std::string(TASKMOCK_DATA_DIR) + "/schemas";
    std::string junit;
    std::string json_report;
    std::string error_status;
    std::vector<std::string> files;
    bool probes = true;
    bool strict = false;
    bool verbose = false;
    bool help = false;
    bool version = false;
    TransportSettings transport;
};

std::optional<double> seconds_of(const std::string& text) {
    try {
        std::size_t used = 0;
        double value = std::stod(text, &used);
        if (used == text.size() && value > 0 && value <= 3600) return value;
    } catch (const std::exception&) {
    }
    return std::nullopt;
}

std::optional<Arguments> parse(const std::vector<std::string>& arguments, std::string& error) {
    Arguments parsed;
    std::size_t i = 0;
    if (!arguments.empty() && arguments[0].rfind("--", 0) != 0) parsed.command = arguments[i++];
    for (; i < arguments.size(); ++i) {
        const std::string& argument = arguments[i];
        auto value = [&]() -> std::optional<std::string> {
            if (i + 1 >= arguments.size()) {
                error = "option " + argument + " needs a value";
                return std::nullopt;
            }
            return arguments[++i];
        };
        auto take = [&](std::string& into) {
            auto given = value();
            if (given) into = *given;
            return given.has_value();
        };
        auto take_seconds = [&](double& into) {
            auto given = value();
            if (!given) return false;
            auto seconds = seconds_of(*given);
            if (!seconds) {
                error = argument + " takes seconds between 0 and 3600, got \"" + *given + "\"";
                return false;
            }
            into = *seconds;
            return true;
        };
        bool ok = true;
        if (argument == "--help" || argument == "-h") parsed.help = true;
        else if (argument == "--version") parsed.version = true;
        else if (argument == "--no-probes") parsed.probes = false;
        else if (argument == "--strict") parsed.strict = true;
        else if (argument == "--verbose") parsed.verbose = true;
        else if (argument == "--variant") ok = take(parsed.variant);
        else if (argument == "--base-url") ok = take(parsed.base_url);
        else if (argument == "--fixtures") ok = take(parsed.fixtures);
        else if (argument == "--credential-env") ok = take(parsed.credential_env);
        else if (argument == "--credential-file") ok = take(parsed.credential_file);
        else if (argument == "--key-id-env") ok = take(parsed.key_id_env);
        else if (argument == "--key-secret-env") ok = take(parsed.key_secret_env);
        else if (argument == "--auth-scheme") ok = take(parsed.auth_scheme);
        else if (argument == "--quirk") ok = take(parsed.quirk);
        else if (argument == "--schemas") ok = take(parsed.schemas);
        else if (argument == "--junit") ok = take(parsed.junit);
        else if (argument == "--json") ok = take(parsed.json_report);
        else if (argument == "--error") ok = take(parsed.error_status);
        else if (argument == "--ca-file") ok = take(parsed.transport.ca_file);
        else if (argument == "--connect-timeout") ok = take_seconds(parsed.transport.connect_timeout);
        else if (argument == "--read-timeout") ok = take_seconds(parsed.transport.read_timeout);
        else if (argument == "--timeout") ok = take_seconds(parsed.transport.total_timeout);
        else if (argument == "--task-id") {
            std::string id;
            ok = take(id);
            parsed.task_ids.push_back(id);
        } else if (argument == "--max-body") {
            std::string text;
            ok = take(text);
            try {
                std::size_t used = 0;
                unsigned long long bytes = std::stoull(text, &used);
                if (used != text.size() || bytes == 0) throw std::invalid_argument(text);
                parsed.transport.max_body = static_cast<std::size_t>(bytes);
            } catch (const std::exception&) {
                if (ok) error = "--max-body takes a positive number of bytes, got \"" + text + "\"";
                ok = false;
            }
        } else if (argument.rfind("--", 0) == 0) {
            error = "unknown option \"" + argument + "\"";
            ok = false;
        } else {
            parsed.files.push_back(argument);
        }
        if (!ok) return std::nullopt;
    }
    if (parsed.help || parsed.version) return parsed;
    if (parsed.command != "check" && parsed.command != "validate") {
        error = parsed.command.empty() ? "a command is needed: check or validate"
                                       : "unknown command \"" + parsed.command + "\"";
        return std::nullopt;
    }
    if (parsed.variant.empty()) {
        error = "--variant is required";
        return std::nullopt;
    }
    if (parsed.command == "check") {
        if (parsed.base_url.empty()) error = "check needs --base-url";
        else if (parsed.task_ids.empty() && parsed.fixtures.empty()) error = "check needs --task-id or --fixtures";
        else if (!parsed.files.empty()) error = "unexpected argument \"" + parsed.files.front() + "\"";
        else if (!parsed.auth_scheme.empty() && parsed.auth_scheme != "header" && parsed.auth_scheme != "query" &&
                 parsed.auth_scheme != "bearer" && parsed.auth_scheme != "basic") {
            error = "--auth-scheme takes header, query, bearer or basic";
        }
    } else if (parsed.files.empty()) {
        error = "validate needs at least one FILE";
    }
    if (!error.empty()) return std::nullopt;
    return parsed;
}

std::string environment(const std::string& name) {
    const char* value = name.empty() ? nullptr : std::getenv(name.c_str());
    return value == nullptr ? "" : value;
}

bool write_file(const std::string& path, const std::string& text, std::ostream& err) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    if (!out) {
        err << "taskconform: cannot write " << path << "\n";
        return false;
    }
    return true;
}

// Task ids of the variant's fixtures in DIR/<variant>/*.json, sorted.
std::vector<std::string> fixture_ids(const std::vector<VariantDescription>& variants, const VariantDescription& variant,
                                     const std::string& root, Diagnostics& diagnostics) {
    FixtureStore store = FixtureStore::load(root, variants, {}, diagnostics);
    std::vector<std::string> ids;
    for (const Fixture* fixture : store.fixtures(variant.name)) ids.push_back(fixture->id);
    return ids;
}

}  // namespace

int conform_main(const std::vector<std::string>& arguments, std::ostream& out, std::ostream& err, bool terminal) {
    std::string error;
    std::optional<Arguments> parsed = parse(arguments, error);
    if (!parsed) {
        err << "taskconform: " << error << "\n\n" << conform_usage();
        return 2;
    }
    if (parsed->help) {
        out << conform_usage();
        return 0;
    }
    if (parsed->version) {
        out << "taskconform " << TASKMOCK_VERSION << "\n";
        return 0;
    }

    Diagnostics diagnostics;
    std::vector<VariantDescription> variants = load_variants(parsed->schemas, diagnostics);
    auto variant = std::find_if(variants.begin(), variants.end(), [&](const auto& v) { return v.name == parsed->variant; });
    if (diagnostics.has_errors() || variant == variants.end()) {
        err << diagnostics.to_string();
        if (variant == variants.end() && !diagnostics.has_errors()) {
            err << "taskconform: unknown variant \"" << parsed->variant << "\"; known variants:";
            for (const auto& v : variants) err << " " << v.name;
            err << "\n";
        }
        return 2;
    }
    if (!parsed->quirk.empty() && !variant->apply_quirk(parsed->quirk)) {
        err << "taskconform: variant " << variant->name << " has no quirk \"" << parsed->quirk << "\"\n";
        return 2;
    }
    std::map<std::string, Schema> schemas = load_schemas(*variant, diagnostics);
    if (diagnostics.has_errors()) {
        err << diagnostics.to_string();
        return 2;
    }

    Report report;
    if (parsed->command == "validate") {
        std::string schema_file = variant->task_schema;
        bool task_body = parsed->error_status.empty();
        if (!task_body) {
            int status = std::atoi(parsed->error_status.c_str());
            const ErrorTemplate* template_ = variant->error(status);
            if (template_ == nullptr || template_->schema.empty()) {
                err << "taskconform: variant " << variant->name << " documents no error body for status "
                    << parsed->error_status << "\n";
                return 2;
            }
            schema_file = template_->schema;
        }
        report.variant = variant->name;
        report.target = "files";
        for (const std::string& file : parsed->files) {
            report.probes.push_back(check_file(*variant, schemas.at(schema_file), file, parsed->strict, task_body));
        }
    } else {
        CheckSettings settings;
        settings.base_url = parsed->base_url;
        settings.task_ids = parsed->task_ids;
        if (!parsed->fixtures.empty()) {
            std::vector<std::string> ids = fixture_ids(variants, *variant, parsed->fixtures, diagnostics);
            if (diagnostics.has_errors()) {
                err << diagnostics.to_string();
                return 2;
            }
            settings.task_ids.insert(settings.task_ids.end(), ids.begin(), ids.end());
        }
        settings.secrets.credential = environment(parsed->credential_env);
        if (!parsed->credential_file.empty()) {
            std::ifstream in(parsed->credential_file);
            if (!in) {
                err << "taskconform: cannot read the credential file " << parsed->credential_file << "\n";
                return 2;
            }
            std::getline(in, settings.secrets.credential);
        }
        // Checked here so that a mistyped path is a usage error, not a TLS
        // failure reported against every probe.
        if (!parsed->transport.ca_file.empty() && !std::ifstream(parsed->transport.ca_file)) {
            err << "taskconform: cannot read the --ca-file " << parsed->transport.ca_file << "\n";
            return 2;
        }
        settings.secrets.key_id = environment(parsed->key_id_env);
        settings.secrets.key_secret = environment(parsed->key_secret_env);
        settings.auth_scheme = parsed->auth_scheme;
        settings.strict = parsed->strict;
        settings.probes = parsed->probes;
        settings.transport = parsed->transport;
        report = run_check(*variant, schemas, settings, error);
        if (!error.empty()) {
            err << "taskconform: " << error << "\n";
            return 2;
        }
    }

    const bool colour = terminal && std::getenv("NO_COLOR") == nullptr;
    out << render_text(report, colour, parsed->verbose);
    if (!parsed->junit.empty() && !write_file(parsed->junit, render_junit(report), err)) return 2;
    if (!parsed->json_report.empty() && !write_file(parsed->json_report, render_json(report), err)) return 2;
    if (report.has_transport_error()) return 2;
    return report.passed() ? 0 : 1;
}

}  // namespace taskmock
