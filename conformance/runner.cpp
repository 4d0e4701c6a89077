#include "conformance/runner.hpp"

#include <algorithm>
#include <set>
#include <sstream>

#include <pugixml.hpp>

#include "core/base64.hpp"
#include "core/media_type.hpp"

namespace taskmock {

namespace {

constexpr const char* kWrongCredential = "taskconform-wrong-credential";

struct Context {
    const VariantDescription& variant;
    const std::map<std::string, Schema>& schemas;
    const CheckSettings& settings;
    const SendCall& send;
    std::string token;  // from the token exchange, when there was one
};

Check passed(std::string name) { return Check{std::move(name), Outcome::passed, "", {}}; }
Check failed(std::string name, std::string message, std::vector<std::string> details = {}) {
    return Check{std::move(name), Outcome::failed, std::move(message), std::move(details)};
}
Check outcome(bool ok, std::string name, std::string message) {
    return ok ? passed(std::move(name)) : failed(std::move(name), std::move(message));
}

const AuthScheme* chosen_scheme(const Context& context) {
    const auto& schemes = context.variant.auth.schemes;
    for (const AuthScheme& scheme : schemes) {
        static const std::map<AuthSchemeType, std::string> names{{AuthSchemeType::header, "header"},
                                                                 {AuthSchemeType::query, "query"},
                                                                 {AuthSchemeType::bearer, "bearer"},
                                                                 {AuthSchemeType::basic, "basic"}};
        if (context.settings.auth_scheme.empty() || names.at(scheme.type) == context.settings.auth_scheme) return &scheme;
    }
    return nullptr;
}

std::string credential_of(const Context& context) {
    return context.token.empty() ? context.settings.secrets.credential : context.token;
}

// A request and the URL to show for it: credentials in the query are
// replaced before anything is reported.
struct Planned {
    HttpCall call;
    std::string shown;
};

Planned plan(const Context& context, const std::string& id, std::optional<std::string> credential,
             std::vector<std::pair<std::string, std::string>> query = {}, std::string accept = "") {
    const Route* route = context.variant.task_route();
    std::vector<std::string> parameters(route->path.parameters().size());
    parameters[route->path.parameter_index(context.variant.id_parameter)] = percent_encode(id);
    Planned planned;
    std::string path = route->path.expand(parameters);
    std::string shown_query;
    std::string sent_query;
    const AuthScheme* scheme = chosen_scheme(context);
    if (credential && scheme != nullptr) {
        switch (scheme->type) {
            case AuthSchemeType::header: planned.call.headers.emplace_back(scheme->name, *credential); break;
            case AuthSchemeType::bearer: planned.call.headers.emplace_back("Authorization", "Bearer " + *credential); break;
            case AuthSchemeType::basic:
                planned.call.headers.emplace_back("Authorization", "Basic " + base64_encode(*credential));
                break;
            case AuthSchemeType::query:
                sent_query += (sent_query.empty() ? "" : "&") + scheme->name + "=" + percent_encode(*credential);
                shown_query += (shown_query.empty() ? "" : "&") + scheme->name + "=REDACTED";
                break;
        }
    }
    for (const auto& [name, value] : query) {
        std::string pair = percent_encode(name) + "=" + percent_encode(value);
        sent_query += (sent_query.empty() ? "" : "&") + pair;
        shown_query += (shown_query.empty() ? "" : "&") + pair;
    }
    if (!accept.empty()) planned.call.headers.emplace_back("Accept", accept);
    planned.call.target = path + (sent_query.empty() ? "" : "?" + sent_query);
    std::string base = context.settings.base_url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    planned.shown = base + path + (shown_query.empty() ? "" : "?" + shown_query);
    return planned;
}

// What every response must satisfy: a documented status, not a redirect.
void check_common(const Context& context, Probe& probe, const HttpResult& result) {
    probe.status = result.status;
    probe.content_type = result.header("Content-Type");
    if (result.status >= 300 && result.status < 400) {
        probe.checks.push_back(failed("response is not a redirect",
                                      "status " + std::to_string(result.status) + " to " + result.header("Location") +
                                          "; taskconform reports redirects instead of following them"));
    }
    std::set<int> documented{200};
    for (const auto& [key, error] : context.variant.errors) documented.insert(error.status);
    if (context.variant.auth.token) documented.insert(200);
    probe.checks.push_back(outcome(documented.contains(result.status), "status is documented",
                                   "status " + std::to_string(result.status) + " is not one the variant documents"));
}

void check_status(Probe& probe, const HttpResult& result, int expected) {
    probe.checks.push_back(outcome(result.status == expected, "status is " + std::to_string(expected),
                                   "got " + std::to_string(result.status)));
}

void check_content_type(Probe& probe, const HttpResult& result, const std::string& expected) {
    std::string got = essence(result.header("Content-Type"));
    probe.checks.push_back(outcome(got == essence(expected), "Content-Type is " + expected,
                                   got.empty() ? "no Content-Type header" : "got " + result.header("Content-Type")));
}

std::vector<std::string> described(const std::vector<Violation>& violations) {
    std::vector<std::string> lines;
    for (const Violation& violation : violations) lines.push_back(describe(violation));
    return lines;
}

// Parses a JSON body and validates it; the parsed body when it parses.
std::optional<json> check_json(const Context& context, Probe& probe, const std::string& body,
                               const std::string& schema_file) {
    if (too_deep_at(body)) {
        probe.checks.push_back(failed("body is JSON", "the body nests arrays and objects deeper than " +
                                                          std::to_string(kMaxJsonDepth) + " levels"));
        return std::nullopt;
    }
    json parsed = json::parse(body, nullptr, false);
    if (parsed.is_discarded()) {
        std::string start = body.substr(0, 80);
        probe.checks.push_back(failed("body is JSON", "the body does not parse as JSON", {"body starts: " + start}));
        return std::nullopt;
    }
    probe.checks.push_back(passed("body is JSON"));
    auto schema = context.schemas.find(schema_file);
    if (schema == context.schemas.end()) return parsed;
    std::vector<Violation> violations = schema->second.validate(parsed);
    probe.checks.push_back(violations.empty() ? passed("body validates against " + schema_file)
                                              : failed("body validates against " + schema_file,
                                                       std::to_string(violations.size()) + " violation(s)",
                                                       described(violations)));
    std::vector<json::json_pointer> extra = schema->second.undocumented(parsed);
    if (!extra.empty()) {
        std::vector<std::string> details;
        for (const auto& pointer : extra) details.push_back(pointer.to_string());
        Check check{"no undocumented fields", context.settings.strict ? Outcome::failed : Outcome::warning,
                    std::to_string(extra.size()) + " field(s) not in " + schema_file, details};
        probe.checks.push_back(std::move(check));
    }
    return parsed;
}

void check_task_semantics(const Context& context, Probe& probe, const json& body, const std::string& id) {
    const std::string field = context.variant.id_field.to_string();
    bool echoes = body.contains(context.variant.id_field) && body.at(context.variant.id_field) == json(id);
    probe.checks.push_back(outcome(echoes, "id " + field + " is the one requested",
                                   field + " is " + (body.contains(context.variant.id_field)
                                                         ? body.at(context.variant.id_field).dump()
                                                         : std::string("absent")) +
                                       ", requested \"" + id + "\""));
    for (const Invariant& invariant : context.variant.invariants) {
        if (auto problem = violation_of(invariant, body)) {
            probe.checks.push_back(failed("invariant: " + invariant.name, *problem));
        } else {
            probe.checks.push_back(passed("invariant: " + invariant.name));
        }
    }
}

void check_rendered(const Context& context, Probe& probe, const HttpResult& result, const MediaType& type,
                    const std::string& id) {
    switch (type.renderer) {
        case Renderer::as_json:
        case Renderer::as_hal:
            if (auto body = check_json(context, probe, result.body, context.variant.task_schema)) {
                check_task_semantics(context, probe, *body, id);
            }
            return;
        case Renderer::as_xml: {
            pugi::xml_document document;
            pugi::xml_parse_result parsed = document.load_buffer(result.body.data(), result.body.size());
            probe.checks.push_back(outcome(static_cast<bool>(parsed) && document.document_element(), "body is XML",
                                           std::string("the body does not parse as XML: ") + parsed.description()));
            return;
        }
        case Renderer::as_csv: {
            // RFC 4180: a header line and one record with as many fields.
            std::vector<std::size_t> fields(1, 1);
            bool quoted = false;
            for (std::size_t i = 0; i < result.body.size(); ++i) {
                char c = result.body[i];
                if (c == '"') quoted = !quoted;
                else if (!quoted && c == ',') ++fields.back();
                else if (!quoted && c == '\n' && i + 1 < result.body.size()) fields.push_back(1);
            }
            bool ok = fields.size() == 2 && fields[0] == fields[1];
            probe.checks.push_back(outcome(ok, "body is CSV with a header and one record",
                                           std::to_string(fields.size()) + " line(s)"));
            return;
        }
    }
}

void check_error(const Context& context, Probe& probe, const HttpResult& result, int decided) {
    const ErrorTemplate* error = context.variant.error(decided);
    if (error == nullptr) return;
    check_status(probe, result, error->status);
    if (result.status != error->status) return;
    if (!error->body) {
        probe.checks.push_back(outcome(result.body.empty(), "body is empty", "got a body of " +
                                                                               std::to_string(result.body.size()) + " bytes"));
        return;
    }
    check_content_type(probe, result, context.variant.error_media_type);
    check_json(context, probe, result.body, error->schema);
}

// Sends a planned request and runs the common checks; false on transport error.
bool run_probe(Context& context, Report& report, const std::string& name, const Planned& planned, HttpResult& result) {
    result = context.send(planned.call);
    Probe probe;
    probe.name = name;
    probe.method = planned.call.method;
    probe.url = planned.shown;
    probe.seconds = result.seconds;
    if (!result.ok) {
        probe.transport_error = true;
        probe.checks.push_back(failed("response arrives", result.error));
        report.probes.push_back(std::move(probe));
        return false;
    }
    check_common(context, probe, result);
    report.probes.push_back(std::move(probe));
    return true;
}

void exchange_token(Context& context, Report& report) {
    const TokenExchange& exchange = *context.variant.auth.token;
    const Route* route = nullptr;
    for (const Route& candidate : context.variant.routes) {
        if (candidate.action == Action::token) route = &candidate;
    }
    Planned planned;
    planned.call.method = route->method;
    planned.call.target = route->path.text();
    planned.call.body = json{{exchange.id_field, context.settings.secrets.key_id},
                             {exchange.secret_field, context.settings.secrets.key_secret}}
                            .dump();
    std::string base = context.settings.base_url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    planned.shown = base + route->path.text();
    HttpResult result;
    if (!run_probe(context, report, "token exchange", planned, result)) return;
    Probe& probe = report.probes.back();
    check_status(probe, result, 200);
    check_content_type(probe, result, "application/json");
    if (auto body = check_json(context, probe, result.body, context.variant.token_schema)) {
        if (body->contains(exchange.token_field) && (*body)[exchange.token_field].is_string()) {
            context.token = (*body)[exchange.token_field].get<std::string>();
        }
    }
}

std::string malformed_id(const VariantDescription& variant) {
    for (const std::string candidate : {"not-a-valid-id", "0", "taskconform"}) {
        if (!variant.id_pattern->matches(candidate)) return candidate;
    }
    return "";
}

}  // namespace

std::string unknown_id_from(const std::string& id) {
    if (id.empty()) return "0";
    std::string unknown = id;
    char& last = unknown.back();
    if (std::isdigit(static_cast<unsigned char>(last))) last = last == '9' ? '8' : static_cast<char>(last + 1);
    else if (last == 'f' || last == 'F' || last == 'z' || last == 'Z') last = static_cast<char>(last - 1);
    else if (std::isalpha(static_cast<unsigned char>(last))) last = static_cast<char>(last + 1);
    else unknown += '0';
    return unknown;
}

Report run_check(const VariantDescription& variant, const std::map<std::string, Schema>& schemas,
                 const CheckSettings& settings, std::string& error) {
    std::unique_ptr<Transport> transport = Transport::open(settings.base_url, settings.transport, error);
    if (!transport) {
        Report report;
        report.variant = variant.name;
        report.target = settings.base_url;
        return report;
    }
    return run_check(variant, schemas, settings, [&](const HttpCall& call) { return transport->send(call); }, error);
}

Report run_check(const VariantDescription& variant, const std::map<std::string, Schema>& schemas,
                 const CheckSettings& settings, const SendCall& send, std::string& error) {
    Report report;
    report.variant = variant.name;
    report.target = settings.base_url;
    if (variant.task_route() == nullptr) {
        error = "variant " + variant.name + " has no task route";
        return report;
    }
    Context context{variant, schemas, settings, send, ""};
    const Secrets& secrets = settings.secrets;
    if (variant.auth.token && !secrets.key_id.empty()) exchange_token(context, report);
    std::optional<std::string> credential;
    if (!credential_of(context).empty()) credential = credential_of(context);
    else if (variant.auth.requirement == AuthRequirement::always) credential = "taskconform";  // any value will do

    const MediaType& default_type = variant.media_types.front();
    for (const std::string& id : settings.task_ids) {
        HttpResult result;
        if (!run_probe(context, report, "task " + id, plan(context, id, credential), result)) continue;
        Probe& probe = report.probes.back();
        check_status(probe, result, 200);
        if (result.status != 200) continue;
        check_content_type(probe, result, default_type.type);
        check_rendered(context, probe, result, default_type, id);
    }
    if (!settings.probes || settings.task_ids.empty()) return report;
    const std::string id = settings.task_ids.front();

    HttpResult result;
    const std::string unknown = unknown_id_from(id);
    if (run_probe(context, report, "unknown id " + unknown, plan(context, unknown, credential), result)) {
        check_error(context, report.probes.back(), result, 404);
    }
    bool checks_credentials = variant.auth.requirement == AuthRequirement::always ||
                              (variant.auth.requirement == AuthRequirement::when_configured && credential);
    if (!variant.auth.schemes.empty() && checks_credentials) {
        if (run_probe(context, report, "missing credentials", plan(context, id, std::nullopt), result)) {
            check_error(context, report.probes.back(), result, 401);
        }
        // Only a server that was given credentials can tell a wrong one.
        if (!credential_of(context).empty() &&
            run_probe(context, report, "wrong credentials", plan(context, id, std::string(kWrongCredential)), result)) {
            check_error(context, report.probes.back(), result, 401);
        }
    }
    if (variant.id_pattern) {
        std::string malformed = malformed_id(variant);
        if (!malformed.empty() &&
            run_probe(context, report, "malformed id " + malformed, plan(context, malformed, credential), result)) {
            check_error(context, report.probes.back(), result, variant.invalid_id_status);
        }
    }
    if (variant.media_types.size() > 1) {
        for (const MediaType& type : variant.media_types) {
            if (!run_probe(context, report, "Accept: " + type.type, plan(context, id, credential, {}, type.type), result)) {
                continue;
            }
            Probe& probe = report.probes.back();
            check_status(probe, result, 200);
            if (result.status != 200) continue;
            check_content_type(probe, result, type.type);
            check_rendered(context, probe, result, type, id);
        }
        const std::string refused = "application/x-taskconform-unacceptable";
        if (run_probe(context, report, "Accept: " + refused, plan(context, id, credential, {}, refused), result)) {
            check_error(context, report.probes.back(), result, 406);
        }
    }
    for (const QueryParameter& parameter : variant.query) {
        for (const std::string& value : parameter.values) {
            const std::string name = parameter.name + "=" + value;
            if (!run_probe(context, report, name, plan(context, id, credential, {{parameter.name, value}}), result)) {
                continue;
            }
            Probe& probe = report.probes.back();
            check_status(probe, result, 200);
            if (result.status != 200) continue;
            check_content_type(probe, result, default_type.type);
            check_rendered(context, probe, result, default_type, id);
        }
        if (!parameter.values.empty() || parameter.pattern) {
            const std::string invalid = "taskconform-invalid";
            if (run_probe(context, report, parameter.name + "=" + invalid,
                          plan(context, id, credential, {{parameter.name, invalid}}), result)) {
                check_error(context, report.probes.back(), result, 400);
            }
        }
    }
    return report;
}

Probe check_file(const VariantDescription& variant, const Schema& schema, const std::string& path, bool strict,
                 bool task_body) {
    Probe probe;
    probe.name = path;
    Diagnostics diagnostics;
    std::optional<JsonText> text = read_json_file(path, path, diagnostics);
    if (!text) {
        std::vector<std::string> details;
        for (const auto& diagnostic : diagnostics.sorted()) details.push_back(format(diagnostic));
        probe.checks.push_back(failed("file is JSON", "the file does not parse", details));
        return probe;
    }
    probe.checks.push_back(passed("file is JSON"));
    Diagnostics violations;
    schema.check(*text, violations);
    std::vector<std::string> details;
    for (const auto& diagnostic : violations.sorted()) details.push_back(format(diagnostic));
    const std::string schema_name = std::filesystem::path(schema.file()).filename().string();
    probe.checks.push_back(details.empty() ? passed("body validates against " + schema_name)
                                           : failed("body validates against " + schema_name,
                                                    std::to_string(details.size()) + " violation(s)", details));
    std::vector<json::json_pointer> extra = schema.undocumented(text->value);
    if (!extra.empty()) {
        std::vector<std::string> lines;
        for (const auto& pointer : extra) {
            Location at = text->locate(pointer);
            lines.push_back(format(Diagnostic{at, strict ? Severity::error : Severity::warning,
                                              pointer.to_string() + ": not in " + schema_name, "undocumented"}));
        }
        probe.checks.push_back(Check{"no undocumented fields", strict ? Outcome::failed : Outcome::warning,
                                     std::to_string(extra.size()) + " field(s) not in " + schema_name, lines});
    }
    // Invariants assume the schema's types: only a valid body is checked.
    if (!task_body || !details.empty()) return probe;
    for (const Invariant& invariant : variant.invariants) {
        if (auto problem = violation_of(invariant, text->value)) {
            json::json_pointer at = invariant.fields.empty() ? invariant.values.front().first : invariant.fields.front();
            probe.checks.push_back(failed("invariant: " + invariant.name, *problem,
                                          {format(Diagnostic{text->locate(at), Severity::error,
                                                             invariant.name + ": " + *problem, "invariant"})}));
        }
    }
    return probe;
}

}  // namespace taskmock
