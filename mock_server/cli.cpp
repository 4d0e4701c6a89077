#include "mock_server/cli.hpp"

#include <algorithm>
#include <csignal>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include "core/fixture_store.hpp"
#include "core/variant.hpp"
#include "mock_server/http_server.hpp"
#include "mock_server/pipeline.hpp"
#include "mock_server/service.hpp"

#ifndef TASKMOCK_DATA_DIR
#define TASKMOCK_DATA_DIR "."
#endif
#ifndef TASKMOCK_VERSION
#define TASKMOCK_VERSION "0.0.0"
#endif

namespace taskmock {

std::string usage() {
    return R"(usage: taskmock [options]

Serves fixture tasks for documented task APIs at the vendors' own paths.

options:
  --host HOST            address to bind (default 127.0.0.1, loopback only)
  --port N               port (default 8080; 0 picks a free port)
  --fixtures DIR         fixture directory (default: the shipped fixtures/)
  --schemas DIR          variant descriptions and schemas (default: the shipped schemas/)
  --variant NAME         serve only this variant, at its native paths
  --quirk VARIANT:NAME   reproduce a documented vendor quirk (repeatable),
                         e.g. conductor:legacy-204
  --allow-invalid        serve fixtures that violate their schema (warnings)
  --instance NAME        server name in error bodies (default taskmock)
  --check                load and check everything, then exit
  --quiet                no access log
  --read-timeout SECONDS a request must arrive in full within this time of its
                         first byte, or the connection is closed (default 5)

testing client code (docs/timelines.md, docs/admin.md):
  --admin                serve the admin API under /__taskmock/ (loopback clients only;
                         TASKMOCK_ADMIN_TOKEN, if set, is required as a Bearer token)
  --admin-remote         let clients other than loopback use the admin API
  --clock MODE           real (default), manual (starts now) or manual@2026-01-01T00:00:00Z;
                         a manual clock moves only through the admin API
  --faults FILE          fault rules for every request or per variant (JSON)
  --seed N               seed for random faults and latency (default 0)
  --journal-size N       requests kept in the journal (default 1000)
  --watch                reload the fixtures directory when it changes
  --help                 this text
  --version              the version

recording fixtures from a live API (docs/fixtures.md; taskmock record --help):
  taskmock record --variant NAME --upstream URL --out DIR [--port N]
                         a proxy to URL: clients get the upstream's answers, and every
                         task it returns is written to DIR/NAME/<id>.json, checked
                         against the schema; credentials are never written

credentials (environment; never printed):
  TASKMOCK_<VARIANT>_CREDENTIAL        the key or token to accept ("user:password" for basic)
  TASKMOCK_<VARIANT>_CREDENTIAL_FILE   a file holding it
  TASKMOCK_<VARIANT>_KEY_ID, _KEY_SECRET   key pair for a token exchange (Orkes)
  <VARIANT> is the name in upper case with '_' for '-', e.g. TASKMOCK_ORACLE_BPM_CREDENTIAL.
)";
}

std::optional<Options> parse_options(const std::vector<std::string>& arguments, std::string& error) {
    Options options;
    options.fixtures = std::filesystem::path(TASKMOCK_DATA_DIR) / "fixtures";
    options.schemas = std::filesystem::path(TASKMOCK_DATA_DIR) / "schemas";
    for (std::size_t i = 0; i < arguments.size(); ++i) {
        const std::string& argument = arguments[i];
        auto value = [&]() -> std::optional<std::string> {
            if (i + 1 >= arguments.size()) {
                error = "option " + argument + " needs a value";
                return std::nullopt;
            }
            return arguments[++i];
        };
        if (argument == "--help" || argument == "-h") {
            options.help = true;
        } else if (argument == "--version") {
            options.version = true;
        } else if (argument == "--quiet") {
            options.quiet = true;
        } else if (argument == "--allow-invalid") {
            options.allow_invalid = true;
        } else if (argument == "--check") {
            options.check_only = true;
        } else if (argument == "--admin") {
            options.admin = true;
        } else if (argument == "--admin-remote") {
            options.admin_remote = true;
        } else if (argument == "--watch") {
            options.watch = true;
        } else if (argument == "--clock" || argument == "--faults" || argument == "--seed" ||
                   argument == "--journal-size") {
            auto given = value();
            if (!given) return std::nullopt;
            if (argument == "--clock") {
                bool manual_at = given->starts_with("manual@") && parse_date_time_ms(given->substr(7));
                if (*given != "real" && *given != "manual" && !manual_at) {
                    error = "--clock takes real, manual or manual@<RFC 3339 time>, got \"" + *given + "\"";
                    return std::nullopt;
                }
                options.clock = *given;
            }
            if (argument == "--faults") options.faults = *given;
            if (argument == "--seed" || argument == "--journal-size") {
                std::size_t used = 0;
                unsigned long long number = 0;
                try {
                    number = std::stoull(*given, &used);
                } catch (const std::exception&) {
                    used = 0;
                }
                bool positive = argument == "--seed" || number > 0;
                if (used != given->size() || given->front() == '-' || !positive) {
                    error = argument + " takes a " + (argument == "--seed" ? "non-negative" : "positive") +
                            " number, got \"" + *given + "\"";
                    return std::nullopt;
                }
                if (argument == "--seed") options.seed = number;
                else options.journal_size = static_cast<std::size_t>(number);
            }
        } else if (argument == "--host" || argument == "--fixtures" || argument == "--schemas" ||
                   argument == "--variant" || argument == "--quirk" || argument == "--instance" ||
                   argument == "--port") {
            auto given = value();
            if (!given) return std::nullopt;
            if (argument == "--host") options.host = *given;
            if (argument == "--fixtures") options.fixtures = *given;
            if (argument == "--schemas") options.schemas = *given;
            if (argument == "--variant") options.variant = *given;
            if (argument == "--instance") options.instance = *given;
            if (argument == "--quirk") {
                if (given->find(':') == std::string::npos) {
                    error = "--quirk takes VARIANT:NAME, got \"" + *given + "\"";
                    return std::nullopt;
                }
                options.quirks.push_back(*given);
            }
            if (argument == "--port") {
                std::size_t used = 0;
                int port = -1;
                try {
                    port = std::stoi(*given, &used);
                } catch (const std::exception&) {
                    used = 0;
                }
                if (used != given->size() || port < 0 || port > 65535) {
                    error = "--port takes a number from 0 to 65535, got \"" + *given + "\"";
                    return std::nullopt;
                }
                options.port = port;
            }
        } else if (argument == "--read-timeout") {
            auto given = value();
            if (!given) return std::nullopt;
            std::size_t used = 0;
            int seconds = 0;
            try {
                seconds = std::stoi(*given, &used);
            } catch (const std::exception&) {
                used = 0;
            }
            if (used != given->size() || seconds < 1 || seconds > 3600) {
                error = "--read-timeout takes a number of seconds from 1 to 3600, got \"" + *given + "\"";
                return std::nullopt;
            }
            options.read_timeout_seconds = seconds;
        } else {
            error = "unknown option \"" + argument + "\"";
            return std::nullopt;
        }
    }
    return options;
}

namespace {

bool is_loopback(const std::string& host) {
    return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

// Only task schemas: error and token schemas are for taskconform.
std::map<std::string, Schema> compile_task_schemas(const std::vector<VariantDescription>& variants,
                                                   Diagnostics& diagnostics) {
    std::map<std::string, Schema> schemas;
    for (const auto& variant : variants) {
        const std::filesystem::path file = variant.directory / variant.task_schema;
        auto text = read_json_file(file, display_path(file), diagnostics);
        if (!text) continue;
        if (auto schema = Schema::compile(*text, diagnostics)) schemas.emplace(variant.name, std::move(*schema));
    }
    return schemas;
}

// A faults file: {"faults": [rule...]}, checked against the faults schema
// with located diagnostics like any other input.
std::optional<std::vector<FaultRule>> load_faults(const std::filesystem::path& path, Diagnostics& diagnostics) {
    std::optional<JsonText> text = read_json_file(path, display_path(path), diagnostics);
    if (!text || !faults_schema().check(*text, diagnostics)) return std::nullopt;
    std::vector<FaultRule> rules;
    for (const json& entry : text->value["faults"]) rules.push_back(read_fault(entry));
    return rules;
}

}  // namespace

std::optional<Catalogue> load_catalogue(const Options& options, Diagnostics& diagnostics, std::string& usage_error) {
    std::vector<VariantDescription> variants = load_variants(options.schemas, diagnostics);
    if (diagnostics.has_errors()) return std::nullopt;

    for (const std::string& quirk : options.quirks) {
        std::string name = quirk.substr(0, quirk.find(':'));
        std::string which = quirk.substr(quirk.find(':') + 1);
        auto variant = std::find_if(variants.begin(), variants.end(), [&](const auto& v) { return v.name == name; });
        if (variant == variants.end() || !variant->apply_quirk(which)) {
            std::string known;
            for (const auto& v : variants) {
                for (const auto& [quirk_name, q] : v.quirks) known += "\n  " + v.name + ":" + quirk_name + "  " + q.description;
            }
            usage_error = "unknown quirk \"" + quirk + "\"; known quirks:" + (known.empty() ? " none" : known);
            return std::nullopt;
        }
    }
    if (!options.variant.empty() &&
        std::none_of(variants.begin(), variants.end(), [&](const auto& v) { return v.name == options.variant; })) {
        usage_error = "unknown variant \"" + options.variant + "\"; known variants:";
        for (const auto& v : variants) usage_error += " " + v.name;
        return std::nullopt;
    }

    // With --variant, only that variant's fixtures are loaded; the folders
    // of the other known variants are passed over, unknown ones still refused.
    std::set<std::string> passed_over;
    if (!options.variant.empty()) {
        for (const auto& v : variants) {
            if (v.name != options.variant) passed_over.insert(v.name);
        }
        std::erase_if(variants, [&](const auto& v) { return v.name != options.variant; });
    }
    std::map<std::string, Schema> schemas = compile_task_schemas(variants, diagnostics);
    FixtureStore store =
        FixtureStore::load(options.fixtures, variants, schemas, diagnostics, options.allow_invalid, passed_over);
    if (diagnostics.has_errors()) return std::nullopt;
    return Catalogue{std::move(variants), std::move(store), std::move(schemas), std::move(passed_over)};
}

int run(const Options& options, std::ostream& out, std::ostream& err) {
    Diagnostics diagnostics;
    std::string usage_error;
    std::optional<Catalogue> catalogue = load_catalogue(options, diagnostics, usage_error);
    err << diagnostics.to_string();
    if (!usage_error.empty()) {
        err << "taskmock: " << usage_error << "\n";
        return 2;
    }
    if (!catalogue) {
        err << "taskmock: " << diagnostics.error_count() << " error(s); not serving\n";
        return 2;
    }
    const FixtureStore& store = catalogue->store;
    std::vector<MountConfig> mounts;
    for (auto& variant : catalogue->variants) {
        Credentials credentials = credentials_from_environment(variant, diagnostics);
        mounts.push_back({std::move(variant), std::move(credentials)});
    }
    if (diagnostics.has_errors()) {
        err << diagnostics.to_string() << "taskmock: " << diagnostics.error_count() << " error(s); not serving\n";
        return 2;
    }
    if (options.check_only) {
        out << "taskmock: " << store.size() << " fixtures of " << mounts.size() << " variants are valid\n";
        return 0;
    }

    ServiceSettings settings;
    settings.fixtures = options.fixtures;
    settings.allow_invalid = options.allow_invalid;
    settings.passed_over = catalogue->passed_over;
    settings.pipeline.prefixed = options.variant.empty();
    settings.pipeline.instance = options.instance;
    settings.pipeline.sessions = std::make_shared<Sessions>(options.seed);
    if (options.clock == "real") {
        settings.pipeline.clock = std::make_shared<Clock>();
    } else {
        std::int64_t start = options.clock == "manual" ? Clock::real_now() : *parse_date_time_ms(options.clock.substr(7));
        settings.pipeline.clock = std::make_shared<Clock>(Clock::manual(start));
    }
    settings.journal_size = options.journal_size;
    if (!options.faults.empty()) {
        std::optional<std::vector<FaultRule>> rules = load_faults(options.faults, diagnostics);
        if (!rules) {
            err << diagnostics.to_string() << "taskmock: " << diagnostics.error_count() << " error(s); not serving\n";
            return 2;
        }
        settings.faults = std::move(*rules);
    }
    settings.admin.enabled = options.admin;
    settings.admin.remote = options.admin_remote;
    if (const char* token = std::getenv("TASKMOCK_ADMIN_TOKEN")) settings.admin.token = token;
    MockService service(std::move(mounts), std::move(catalogue->task_schemas), std::move(catalogue->store),
                        std::move(settings));

    ServerSettings server_settings;
    server_settings.host = options.host;
    server_settings.port = options.port;
    server_settings.access_log = !options.quiet;
    server_settings.read_timeout_seconds = options.read_timeout_seconds;
    HttpServer server([&service](const Request& request) { return service.handle(request); }, server_settings,
                      service.secret_query_names());

    // Signals are taken by a thread of their own (sigwait) rather than a
    // handler, so stopping the server runs as ordinary code.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    if (server.bind() < 0) {
        err << "taskmock: cannot listen on " << options.host << ":" << options.port << "\n";
        return 1;
    }
    if (!is_loopback(options.host)) {
        err << "taskmock: warning: listening on " << options.host
            << ", which other machines may reach; the default is 127.0.0.1\n";
    }
    out << "taskmock " << TASKMOCK_VERSION << " listening on " << server.url("") << "\n";
    for (const auto& mount : service.mounts()) {
        out << "  " << mount.name << std::string(mount.name.size() < 12 ? 12 - mount.name.size() : 1, ' ')
            << server.url(mount.prefix) << "  (" << mount.fixtures << " fixtures; " << mount.task_route << ")\n";
    }
    if (options.admin) {
        out << "  admin       " << server.url(std::string(kAdminPrefix)) << "  (clock " << options.clock
            << (options.admin_remote ? "; any client" : "; loopback clients") << ")\n";
    }
    out.flush();
    if (options.watch) {
        service.watch(std::chrono::milliseconds(250), [&err](const std::string& line) {
            err << line;
            err.flush();
        });
    }

    std::thread waiter([&server, signals]() {
        int received = 0;
        sigwait(&signals, &received);
        server.stop();
    });
    bool served = server.listen();
    if (waiter.joinable()) {
        // listen() also returns when the socket fails; wake the waiter then.
        pthread_kill(waiter.native_handle(), SIGTERM);
        waiter.join();
    }
    out << "taskmock: stopped\n";
    return served ? 0 : 1;
}

}  // namespace taskmock
