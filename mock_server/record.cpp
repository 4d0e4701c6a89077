#include "mock_server/record.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <fstream>
#include <iostream>
#include <iterator>
#include <thread>

#include "core/base64.hpp"
#include "core/diagnostic.hpp"
#include "core/invariant.hpp"
#include "core/media_type.hpp"
#include "mock_server/http_server.hpp"
#include "mock_server/pipeline.hpp"

#ifndef TASKMOCK_DATA_DIR
#define TASKMOCK_DATA_DIR "."
#endif
#ifndef TASKMOCK_VERSION
#define TASKMOCK_VERSION "0.0.0"
#endif

namespace taskmock {

std::string record_usage() {
    return R"(usage: taskmock record --variant NAME --upstream URL --out DIR [options]

Proxies a live task API: every request goes to URL and the client gets the
upstream's response unchanged. Each task the upstream returns (a 200 on the
variant's task route with a JSON body carrying the id field) is written to
DIR/NAME/<id>.json, checked against the variant's schema and invariants.
Credentials the client sends go upstream only; where one appears inside a
body it is written as "REDACTED". SIGINT or SIGTERM stops recording and
prints a summary, also written to DIR/record-summary.json.

options:
  --variant NAME     the API behind URL (required)
  --upstream URL     http(s)://host[:port][/prefix] of the live API (required);
                     probed once at start, exit 1 when it does not answer
  --out DIR          where fixtures go (required; created when missing)
  --host HOST        address to bind (default 127.0.0.1, loopback only)
  --port N           port (default 8080; 0 picks a free port)
  --schemas DIR      variant descriptions and schemas (default: the shipped schemas/)
  --only-valid       do not write bodies that break the schema (still reported)
  --ca-file FILE     CA certificates for an https upstream (default: the system's)
  --quiet            no access log
  --help             this text
)";
}

std::optional<RecordOptions> parse_record_options(const std::vector<std::string>& arguments, std::string& error) {
    RecordOptions options;
    options.schemas = std::filesystem::path(TASKMOCK_DATA_DIR) / "schemas";
    for (std::size_t i = 0; i < arguments.size(); ++i) {
        const std::string& argument = arguments[i];
        if (argument == "--help" || argument == "-h") {
            options.help = true;
            continue;
        }
        if (argument == "--only-valid") {
            options.only_valid = true;
            continue;
        }
        if (argument == "--quiet") {
            options.quiet = true;
            continue;
        }
        const bool takes_value = argument == "--variant" || argument == "--upstream" || argument == "--out" ||
                                 argument == "--host" || argument == "--port" || argument == "--schemas" ||
                                 argument == "--ca-file";
        if (!takes_value) {
            error = "unknown option \"" + argument + "\"";
            return std::nullopt;
        }
        if (i + 1 >= arguments.size()) {
            error = "option " + argument + " needs a value";
            return std::nullopt;
        }
        const std::string& given = arguments[++i];
        if (argument == "--variant") options.variant = given;
        if (argument == "--upstream") options.upstream = given;
        if (argument == "--out") options.out = given;
        if (argument == "--host") options.host = given;
        if (argument == "--schemas") options.schemas = given;
        if (argument == "--ca-file") options.ca_file = given;
        if (argument == "--port") {
            std::size_t used = 0;
            int port = -1;
            try {
                port = std::stoi(given, &used);
            } catch (const std::exception&) {
                used = 0;
            }
            if (used != given.size() || port < 0 || port > 65535) {
                error = "--port takes a number from 0 to 65535, got \"" + given + "\"";
                return std::nullopt;
            }
            options.port = port;
        }
    }
    if (options.help) return options;
    for (const auto& [name, missing] : {std::pair<const char*, bool>{"--variant", options.variant.empty()},
                                        {"--upstream", options.upstream.empty()},
                                        {"--out", options.out.empty()}}) {
        if (missing) {
            error = std::string(name) + " is required";
            return std::nullopt;
        }
    }
    // The URL is printed and written to the summary: credentials in it
    // would leak there, and they belong in the client's headers anyway.
    const std::size_t scheme_end = options.upstream.find("://");
    const std::string scheme = scheme_end == std::string::npos ? "" : options.upstream.substr(0, scheme_end);
    if (scheme != "http" && scheme != "https") {
        error = "--upstream takes an http:// or https:// URL, got \"" + options.upstream + "\"";
        return std::nullopt;
    }
    const std::size_t path_start = options.upstream.find('/', scheme_end + 3);
    const std::string authority = options.upstream.substr(scheme_end + 3, path_start - (scheme_end + 3));
    if (authority.empty() || authority.find('@') != std::string::npos ||
        options.upstream.find_first_of("?#") != std::string::npos) {
        error = "--upstream takes http(s)://host[:port][/prefix] without user, query or fragment";
        return std::nullopt;
    }
    return options;
}

namespace {

// Hop-by-hop fields (RFC 9110 section 7.6.1) describe one connection, not the
// message; the others are set again by whoever sends the message on:
// Host and lengths by httplib, Content-Type through HttpCall or Response,
// and Accept-Encoding is left to the transport, which decodes what it
// asked for (so the recorder sees plain JSON, and Content-Encoding goes).
// REMOTE_ADDR and REMOTE_PORT are httplib's own, not the client's.
bool forwarded_field(const std::string& name) {
    static const char* const dropped[] = {
        "Connection",  "Keep-Alive",        "Proxy-Authenticate", "Proxy-Authorization", "Proxy-Connection",
        "TE",          "Trailer",           "Transfer-Encoding",  "Upgrade",             "Host",
        "Content-Length", "Content-Type",   "Content-Encoding",   "Accept-Encoding",     "Expect",
        "REMOTE_ADDR", "REMOTE_PORT",       "LOCAL_ADDR",         "LOCAL_PORT",
    };
    return std::none_of(std::begin(dropped), std::end(dropped),
                        [&](const char* field) { return equal_ignoring_case(name, field); });
}

// Fields the Connection header names are hop-by-hop too.
bool listed_in_connection(const Fields& fields, const std::string& name) {
    for (const auto& [key, value] : fields) {
        if (!equal_ignoring_case(key, "Connection")) continue;
        std::size_t start = 0;
        while (start <= value.size()) {
            std::size_t comma = value.find(',', start);
            if (comma == std::string::npos) comma = value.size();
            std::string token = value.substr(start, comma - start);
            token.erase(0, token.find_first_not_of(" \t"));
            token.erase(token.find_last_not_of(" \t") + 1);
            if (equal_ignoring_case(token, name)) return true;
            start = comma + 1;
        }
    }
    return false;
}

// httplib decoded the path; encode it again segment by segment, keeping the
// characters RFC 3986 allows unencoded in a segment.
std::string encode_path(const std::string& path) {
    static const std::string allowed = "-._~!$&'()*+,;=:@/";
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (char c : path) {
        auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) || allowed.find(c) != std::string::npos) {
            out += c;
        } else {
            out += '%';
            out += hex[u >> 4];
            out += hex[u & 15];
        }
    }
    return out;
}

std::string target_of(const Request& request) {
    std::string target = encode_path(request.path);
    for (std::size_t i = 0; i < request.query.size(); ++i) {
        target += (i == 0 ? "?" : "&") + percent_encode(request.query[i].first) + "=" +
                  percent_encode(request.query[i].second);
    }
    return target;
}

std::string lower(std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

std::string trimmed(const std::string& text) {
    const std::size_t first = text.find_first_not_of(" \t");
    if (first == std::string::npos) return "";
    return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

// Every credential value the request carries: the variant's key headers and
// query parameters, the Authorization header in any scheme (and for Basic
// the decoded "user:password" and the password), and for the token
// exchange the key id and secret in the body.
std::vector<std::string> credentials_in(const VariantDescription& variant, const Request& request) {
    std::vector<std::string> found;
    auto add = [&](const std::string& value) {
        if (!trimmed(value).empty()) found.push_back(value);
    };
    for (const AuthScheme& scheme : variant.auth.schemes) {
        if (scheme.type == AuthSchemeType::header) {
            for (const auto& [key, value] : request.headers) {
                if (equal_ignoring_case(key, scheme.name)) add(value);
            }
        } else if (scheme.type == AuthSchemeType::query) {
            for (const auto& [key, value] : request.query) {
                if (key == scheme.name) add(value);
            }
        }
    }
    for (const auto& [key, value] : request.headers) {
        if (!equal_ignoring_case(key, "Authorization")) continue;
        add(value);
        const std::string text = trimmed(value);
        const std::size_t space = text.find(' ');
        if (space == std::string::npos) continue;
        const std::string credential = trimmed(text.substr(space + 1));
        add(credential);
        if (equal_ignoring_case(text.substr(0, space), "Basic")) {
            if (auto decoded = base64_decode(credential)) {
                add(*decoded);
                if (decoded->find(':') != std::string::npos) add(decoded->substr(decoded->find(':') + 1));
            }
        }
    }
    if (variant.auth.token && !request.body.empty()) {
        json body = json::parse(request.body, nullptr, false);
        if (body.is_object()) {
            for (const std::string& field : {variant.auth.token->id_field, variant.auth.token->secret_field}) {
                auto value = body.find(field);
                if (value != body.end() && value->is_string()) add(value->get<std::string>());
            }
        }
    }
    return found;
}

const Route* matched_route(const VariantDescription& variant, const Request& request, Action action) {
    for (const Route& route : variant.routes) {
        if (route.action != action) continue;
        const bool same_method = request.method == route.method || (request.method == "HEAD" && route.method == "GET");
        if (same_method && route.path.match(request.path)) return &route;
    }
    return nullptr;
}

// "METHOD /path" for the summary: never the query, which may hold a key,
// and control characters escaped so a path cannot forge summary lines.
std::string where(const Request& request) {
    std::string text = request.method + " " + request.path;
    std::string out;
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) {
            static const char* hex = "0123456789abcdef";
            out += "\\x";
            out += hex[u >> 4];
            out += hex[u & 15];
        } else {
            out += c;
        }
    }
    return out;
}

// A credential this long does not turn up in a body by chance: wherever
// it occurs, it is the credential. A shorter one (a test key such as "any")
// is replaced only where it stands alone, so "company" keeps its letters.
constexpr std::size_t kAlwaysRedacted = 12;

bool word_character(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

std::size_t replace_all(std::string& text, const std::set<std::string>& secrets) {
    static const std::string kMark = "REDACTED";
    std::size_t replaced = 0;
    // Longest first, so a secret that contains another is replaced whole.
    std::vector<const std::string*> ordered;
    for (const std::string& secret : secrets) ordered.push_back(&secret);
    std::stable_sort(ordered.begin(), ordered.end(),
                     [](const std::string* a, const std::string* b) { return a->size() > b->size(); });
    for (const std::string* secret : ordered) {
        if (secret->empty()) continue;
        std::size_t at = text.find(*secret);
        while (at != std::string::npos) {
            const std::size_t end = at + secret->size();
            const bool alone = (at == 0 || !word_character(text[at - 1])) &&
                               (end == text.size() || !word_character(text[end]));
            if (secret->size() >= kAlwaysRedacted || alone) {
                text.replace(at, secret->size(), kMark);
                ++replaced;
                at = text.find(*secret, at + kMark.size());
            } else {
                at = text.find(*secret, at + 1);
            }
        }
    }
    return replaced;
}

json violation_json(const Violation& violation) {
    return {{"pointer", violation.pointer.to_string()}, {"keyword", violation.keyword}, {"message", violation.message}};
}

// Writes text to path through a temporary file in the same folder, so a
// reader (or a crash) never sees half a file. The temporary name does not
// end in .json, so the fixture loader never takes it for a fixture.
bool write_atomically(const std::filesystem::path& path, const std::string& text, std::size_t serial,
                      std::string& error) {
    const std::filesystem::path temporary =
        path.parent_path() /
        ("." + path.filename().string() + ".tmp-" + std::to_string(getpid()) + "-" + std::to_string(serial));
    {
        std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
        file << text;
        file.flush();
        if (!file) {
            error = "cannot write " + display_path(temporary);
            std::error_code ignored;
            std::filesystem::remove(temporary, ignored);
            return false;
        }
    }
    std::error_code failed;
    std::filesystem::rename(temporary, path, failed);
    if (failed) {
        error = "cannot rename " + display_path(temporary) + " to " + display_path(path) + ": " + failed.message();
        std::filesystem::remove(temporary, failed);
        return false;
    }
    return true;
}

// Bounds on what one long recording keeps in memory.
constexpr std::size_t kMaxSecrets = 4096;
constexpr std::size_t kMaxListed = 1000;

}  // namespace

std::string fixture_file_name(const std::string& id) {
    if (id == "." || id == "..") return std::string(id.size() == 1 ? "%2E" : "%2E%2E") + ".json";
    return percent_encode(id) + ".json";
}

std::size_t redact_secrets(json& value, const std::set<std::string>& secrets) {
    if (secrets.empty()) return 0;
    std::size_t replaced = 0;
    if (value.is_string()) {
        replaced += replace_all(value.get_ref<std::string&>(), secrets);
    } else if (value.is_array()) {
        for (json& element : value) replaced += redact_secrets(element, secrets);
    } else if (value.is_object()) {
        json rebuilt = json::object();
        for (auto& [key, member] : value.items()) {
            std::string name = key;
            replaced += replace_all(name, secrets);
            replaced += redact_secrets(member, secrets);
            rebuilt[name] = std::move(member);
        }
        value = std::move(rebuilt);
    }
    return replaced;
}

std::size_t RecordSummary::count(const std::string& outcome) const {
    return static_cast<std::size_t>(
        std::count_if(tasks.begin(), tasks.end(), [&](const RecordedTask& task) { return task.outcome == outcome; }));
}

std::size_t RecordSummary::non_conforming() const {
    return static_cast<std::size_t>(
        std::count_if(tasks.begin(), tasks.end(), [](const RecordedTask& task) { return !task.violations.empty(); }));
}

json RecordSummary::to_json() const {
    json out = json::object();
    out["variant"] = variant;
    out["upstream"] = upstream;
    out["requests"] = requests;
    out["proxied"] = proxied;
    out["upstream_errors"] = upstream_errors;
    out["recorded"] = {{"new", count("new")}, {"updated", count("updated")}, {"unchanged", count("unchanged")}};
    out["not_written"] = count("not-written");
    out["non_conforming"] = non_conforming();
    out["redactions"] = redactions;
    out["tasks"] = json::array();
    for (const RecordedTask& task : tasks) {
        json entry = {{"id", task.id},
                      {"file", task.file},
                      {"outcome", task.outcome},
                      {"conforming", task.violations.empty()},
                      {"redactions", task.redactions},
                      {"violations", json::array()}};
        for (const Violation& violation : task.violations) entry["violations"].push_back(violation_json(violation));
        out["tasks"].push_back(std::move(entry));
    }
    out["errors"] = errors;
    out["skipped"] = skipped;
    return out;
}

std::string RecordSummary::to_text(const std::filesystem::path& out_dir) const {
    std::string text = "taskmock: recording " + variant + " stopped\n";
    text += "  requests proxied: " + std::to_string(proxied) + " of " + std::to_string(requests) + "\n";
    text += "  tasks recorded: " + std::to_string(count("new") + count("updated") + count("unchanged")) + " (" +
            std::to_string(count("new")) + " new, " + std::to_string(count("updated")) + " updated, " +
            std::to_string(count("unchanged")) + " unchanged)\n";
    if (count("not-written") > 0) {
        text += "  not written (--only-valid): " + std::to_string(count("not-written")) + "\n";
    }
    text += "  credentials redacted from bodies: " + std::to_string(redactions) + "\n";
    text += "  non-conforming: " + std::to_string(non_conforming()) + "\n";
    for (const RecordedTask& task : tasks) {
        if (task.violations.empty()) continue;
        text += "    " + display_path(out_dir / task.file) + (task.outcome == "not-written" ? " (not written)" : "") +
                "\n";
        for (const Violation& violation : task.violations) {
            text += "      " + summary(violation) + " [" + violation.keyword + "]\n";
        }
    }
    text += "  upstream errors: " + std::to_string(upstream_errors) + "\n";
    for (const std::string& error : errors) text += "    " + error + "\n";
    if (!skipped.empty()) {
        text += "  task-route answers not recorded: " + std::to_string(skipped.size()) + "\n";
        for (const std::string& reason : skipped) text += "    " + reason + "\n";
    }
    return text;
}

Recorder::Recorder(VariantDescription variant, std::optional<Schema> task_schema, RecorderSettings settings)
    : variant_(std::move(variant)), task_schema_(std::move(task_schema)), settings_(std::move(settings)) {
    summary_.variant = variant_.name;
    summary_.upstream = settings_.upstream;
}

Recorder::~Recorder() = default;

std::unique_ptr<Recorder> Recorder::create(VariantDescription variant, std::optional<Schema> task_schema,
                                           RecorderSettings settings, std::string& error) {
    std::unique_ptr<Recorder> recorder(new Recorder(std::move(variant), std::move(task_schema), std::move(settings)));
    // Open one connection's client now: a URL the transport refuses is the
    // caller's mistake and should show before anything is served.
    auto transport = Transport::open(recorder->settings_.upstream, recorder->settings_.transport, error);
    if (!transport) return nullptr;
    recorder->idle_.push_back(std::move(transport));
    return recorder;
}

// A client per concurrent request: one httplib client serialises its
// requests, and the server answers several clients at once.
std::unique_ptr<Transport> Recorder::acquire(std::string& error) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!idle_.empty()) {
            std::unique_ptr<Transport> transport = std::move(idle_.back());
            idle_.pop_back();
            return transport;
        }
    }
    return Transport::open(settings_.upstream, settings_.transport, error);
}

void Recorder::release(std::unique_ptr<Transport> transport) {
    std::lock_guard<std::mutex> lock(mutex_);
    idle_.push_back(std::move(transport));
}

void Recorder::remember(const std::vector<std::string>& secrets) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const std::string& secret : secrets) {
        if (secrets_.size() >= kMaxSecrets) break;
        secrets_.insert(secret);
    }
}

std::vector<std::string> Recorder::secret_query_names() const {
    std::vector<std::string> names;
    for (const AuthScheme& scheme : variant_.auth.schemes) {
        if (scheme.type == AuthSchemeType::query) names.push_back(scheme.name);
    }
    return names;
}

std::optional<std::string> Recorder::probe() {
    std::string error;
    std::unique_ptr<Transport> transport = acquire(error);
    if (!transport) return error;
    HttpCall call;
    call.target = "/";
    HttpResult result = transport->send(call);
    release(std::move(transport));
    if (result.ok) return std::nullopt;
    return result.error;
}

Response Recorder::handle(const Request& request) {
    std::vector<std::string> secrets = credentials_in(variant_, request);
    remember(secrets);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        ++summary_.requests;
    }

    HttpCall call;
    call.method = request.method;
    call.target = target_of(request);
    call.body = request.body;
    if (const std::string* type = request.header("Content-Type")) call.content_type = *type;
    for (const auto& [key, value] : request.headers) {
        if (forwarded_field(key) && !listed_in_connection(request.headers, key)) call.headers.emplace_back(key, value);
    }

    std::string error;
    HttpResult result;
    if (std::unique_ptr<Transport> transport = acquire(error)) {
        result = transport->send(call);
        release(std::move(transport));
    } else {
        result.error = error;
    }
    if (!result.ok) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            ++summary_.upstream_errors;
            if (summary_.errors.size() < kMaxListed) summary_.errors.push_back(where(request) + ": " + result.error);
        }
        return mock_error(502, "upstream-unreachable", "The upstream API did not answer",
                          "taskmock record could not get a response from the upstream: " + result.error + ".",
                          {{"upstream", settings_.upstream}});
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        ++summary_.proxied;
    }

    Response response;
    response.status = result.status;
    for (const auto& [key, value] : result.headers) {
        if (equal_ignoring_case(key, "Content-Type")) {
            response.content_type = value;
        } else if (forwarded_field(key) && !listed_in_connection(result.headers, key)) {
            response.headers.emplace_back(key, value);
        }
    }
    response.body = result.body;
    // The server writes a body only with a content type.
    if (response.content_type.empty() && !response.body.empty()) response.content_type = "application/octet-stream";

    if (result.status == 200 && matched_route(variant_, request, Action::token) && variant_.auth.token) {
        // The token the exchange hands out is a credential like any other.
        json body = json::parse(result.body, nullptr, false);
        if (body.is_object()) {
            auto token = body.find(variant_.auth.token->token_field);
            if (token != body.end() && token->is_string()) remember({token->get<std::string>()});
        }
    }
    if (result.status == 200 && request.method != "HEAD" && matched_route(variant_, request, Action::task)) {
        capture(request, response.content_type, result.body);
    }
    return response;
}

void Recorder::note_skipped(const Request& request, const std::string& reason) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (summary_.skipped.size() < kMaxListed) summary_.skipped.push_back(where(request) + ": " + reason);
}

void Recorder::capture(const Request& request, const std::string& content_type, const std::string& text) {
    // Back from the media type to the task: JSON as it is, HAL without the
    // _links taskmock adds when it serves HAL; XML and CSV are renderings
    // of a task, not the task.
    const std::string type = essence(content_type);
    std::optional<Renderer> renderer;
    for (const MediaType& offered : variant_.media_types) {
        if (lower(offered.type) == type) renderer = offered.renderer;
    }
    if (!renderer && (type == "application/json" || (type.size() > 5 && type.ends_with("+json")))) {
        renderer = Renderer::as_json;
    }
    if (renderer != Renderer::as_json && renderer != Renderer::as_hal) {
        note_skipped(request, "not a JSON body (" + (type.empty() ? std::string("no content type") : type) + ")");
        return;
    }
    json body = json::parse(text, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
        note_skipped(request, "the body is not a JSON object");
        return;
    }
    if (*renderer == Renderer::as_hal) body.erase("_links");
    if (!body.contains(variant_.id_field) || !body.at(variant_.id_field).is_string()) {
        note_skipped(request, "no string id at " + variant_.id_field.to_string());
        return;
    }

    std::set<std::string> secrets;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        secrets = secrets_;
    }
    const std::size_t redactions = redact_secrets(body, secrets);
    // Named after the id as written, so a redacted id never names a file.
    const std::string id = body.at(variant_.id_field).get<std::string>();
    const std::string name = fixture_file_name(id);
    if (name.size() > 200) {
        note_skipped(request, "the task id is too long for a file name");
        return;
    }

    // The same checks as loading a fixture (FixtureStore::examine): the id
    // pattern, then the schema, then invariants only on a valid body, since
    // they assume the types the schema promises.
    std::vector<Violation> violations;
    if (variant_.id_pattern && !variant_.id_pattern->matches(id)) {
        violations.push_back({variant_.id_field, "id-pattern",
                              "\"" + id + "\" does not match the id pattern " + variant_.id_pattern->text});
    }
    if (task_schema_) {
        std::vector<Violation> found = task_schema_->validate(body);
        violations.insert(violations.end(), found.begin(), found.end());
    }
    if (violations.empty()) {
        for (const Invariant& invariant : variant_.invariants) {
            if (auto problem = violation_of(invariant, body)) {
                json::json_pointer at = invariant.fields.empty() ? invariant.values.front().first : invariant.fields.front();
                violations.push_back({at, "invariant", invariant.name + ": " + *problem});
            }
        }
    }

    const std::string relative = variant_.name + "/" + name;
    const std::filesystem::path path = settings_.out / variant_.name / name;
    const std::string pretty = body.dump(2, ' ', false, json::error_handler_t::replace) + "\n";

    // One capture at a time from here: deciding new / updated / unchanged
    // and replacing the file must not interleave for the same id.
    std::lock_guard<std::mutex> lock(mutex_);
    RecordedTask& task = tasks_[id];
    const bool first = task.id.empty();
    task.id = id;
    task.file = relative;
    task.violations = violations;
    task.redactions = redactions;
    summary_.redactions += redactions;
    if (settings_.only_valid && !violations.empty()) {
        if (first) task.outcome = "not-written";
        return;
    }
    std::error_code missing;
    const bool existed = std::filesystem::exists(path, missing);
    std::string outcome = "new";
    if (existed) {
        std::ifstream in(path, std::ios::binary);
        const std::string before((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        outcome = before == pretty ? "unchanged" : "updated";
    }
    if (!existed || outcome == "updated") {
        std::string error;
        if (!write_atomically(path, pretty, ++temp_counter_, error)) {
            if (summary_.errors.size() < kMaxListed) summary_.errors.push_back(where(request) + ": " + error);
            if (first) task.outcome = "not-written";
            return;
        }
    }
    // A file this run created stays "new" however often it is rewritten;
    // one that was there before is "updated" once any capture changed it.
    if (first || task.outcome == "not-written") {
        task.outcome = outcome;
    } else if (task.outcome == "unchanged" && outcome == "updated") {
        task.outcome = "updated";
    }
}

RecordSummary Recorder::summary() const {
    std::lock_guard<std::mutex> lock(mutex_);
    RecordSummary out = summary_;
    for (const auto& [id, task] : tasks_) out.tasks.push_back(task);
    return out;
}

namespace {

bool is_loopback(const std::string& host) {
    return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

}  // namespace

int record_main(const std::vector<std::string>& arguments, std::ostream& out, std::ostream& err) {
    std::string usage_error;
    std::optional<RecordOptions> options = parse_record_options(arguments, usage_error);
    if (!options) {
        err << "taskmock record: " << usage_error << "\n\n" << record_usage();
        return 2;
    }
    if (options->help) {
        out << record_usage();
        return 0;
    }

    Diagnostics diagnostics;
    std::vector<VariantDescription> variants = load_variants(options->schemas, diagnostics);
    auto variant = std::find_if(variants.begin(), variants.end(), [&](const auto& v) { return v.name == options->variant; });
    if (!diagnostics.has_errors() && variant == variants.end()) {
        err << "taskmock record: unknown variant \"" << options->variant << "\"; known variants:";
        for (const auto& v : variants) err << " " << v.name;
        err << "\n";
        return 2;
    }
    std::optional<Schema> task_schema;
    if (!diagnostics.has_errors()) {
        const std::filesystem::path file = variant->directory / variant->task_schema;
        if (auto text = read_json_file(file, display_path(file), diagnostics)) {
            task_schema = Schema::compile(*text, diagnostics);
        }
    }
    err << diagnostics.to_string();
    if (diagnostics.has_errors()) {
        err << "taskmock record: " << diagnostics.error_count() << " error(s); not recording\n";
        return 2;
    }

    RecorderSettings settings;
    settings.upstream = options->upstream;
    settings.out = options->out;
    settings.only_valid = options->only_valid;
    settings.transport.ca_file = options->ca_file;
    std::string error;
    std::unique_ptr<Recorder> recorder = Recorder::create(*variant, std::move(task_schema), settings, error);
    if (!recorder) {
        err << "taskmock record: " << error << "\n\n" << record_usage();
        return 2;
    }

    // Signals are taken by a thread of their own (sigwait), as in run():
    // blocked here, before any thread starts, so every thread inherits it.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    // One probe at start: a typo in the URL or a VPN that is down shows now,
    // not as a 502 on the first real request.
    if (auto unreachable = recorder->probe()) {
        err << "taskmock record: the upstream " << options->upstream << " does not answer: " << *unreachable << "\n";
        return 1;
    }
    std::error_code failed;
    std::filesystem::create_directories(options->out / options->variant, failed);
    if (failed) {
        err << "taskmock record: cannot create " << display_path(options->out / options->variant) << ": "
            << failed.message() << "\n";
        return 1;
    }

    ServerSettings server_settings;
    server_settings.host = options->host;
    server_settings.port = options->port;
    server_settings.access_log = !options->quiet;
    Recorder& proxy = *recorder;
    HttpServer server([&proxy](const Request& request) { return proxy.handle(request); }, server_settings,
                      recorder->secret_query_names());
    if (server.bind() < 0) {
        err << "taskmock record: cannot listen on " << options->host << ":" << options->port << "\n";
        return 1;
    }
    if (!is_loopback(options->host)) {
        err << "taskmock record: warning: listening on " << options->host
            << ", which other machines may reach; the default is 127.0.0.1\n";
    }
    out << "taskmock " << TASKMOCK_VERSION << " recording " << options->variant << ", listening on " << server.url("")
        << ", upstream " << options->upstream << "\n";
    out << "  fixtures go to " << display_path(options->out / options->variant) << "\n";
    out.flush();

    std::thread waiter([&server, signals]() {
        int received = 0;
        sigwait(&signals, &received);
        server.stop();
    });
    const bool served = server.listen();
    if (waiter.joinable()) {
        // listen() also returns when the socket fails; wake the waiter then.
        pthread_kill(waiter.native_handle(), SIGTERM);
        waiter.join();
    }

    RecordSummary summary = recorder->summary();
    out << summary.to_text(options->out);
    const std::filesystem::path summary_file = options->out / "record-summary.json";
    std::string write_error;
    const bool written = write_atomically(
        summary_file, summary.to_json().dump(2, ' ', false, json::error_handler_t::replace) + "\n", 0, write_error);
    if (written) {
        out << "  summary: " << display_path(summary_file) << "\n";
    } else {
        err << "taskmock record: " << write_error << "\n";
    }
    out.flush();
    return served && written ? 0 : 1;
}

}  // namespace taskmock
