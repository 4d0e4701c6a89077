#include "mock_server/pipeline.hpp"

#include <algorithm>
#include <cstdio>
#include <random>

#include "core/media_type.hpp"
#include "mock_server/render.hpp"

namespace taskmock {

namespace {

std::string trace_id() {
    thread_local std::mt19937_64 generator{std::random_device{}()};
    std::uniform_int_distribution<unsigned> nibble(0, 15);
    std::string id = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx";
    for (char& c : id) {
        if (c == 'x' || c == 'y') {
            unsigned value = nibble(generator);
            if (c == 'y') value = (value & 0x3) | 0x8;
            c = "0123456789abcdef"[value];
        }
    }
    return id;
}

std::vector<std::string> split_list(const std::string& value) {
    std::vector<std::string> items;
    std::size_t start = 0;
    while (start <= value.size()) {
        std::size_t comma = value.find(',', start);
        if (comma == std::string::npos) comma = value.size();
        std::string item = value.substr(start, comma - start);
        while (!item.empty() && item.front() == ' ') item.erase(item.begin());
        while (!item.empty() && item.back() == ' ') item.pop_back();
        items.push_back(item);
        start = comma + 1;
    }
    return items;
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) out += separator;
        out += item;
    }
    return out;
}

const std::string* query_value(const Request& request, const QueryParameter& parameter) {
    const std::string* value = request.query_value(parameter.name);
    if (value != nullptr && !value->empty()) return value;
    return parameter.default_value.empty() ? nullptr : &parameter.default_value;
}

// The values a request selects for a parameter ("All" selects every value).
std::vector<std::string> selected(const Request& request, const QueryParameter& parameter) {
    const std::string* value = query_value(request, parameter);
    if (value == nullptr) return {};
    std::vector<std::string> items = parameter.list ? split_list(*value) : std::vector<std::string>{*value};
    if (!parameter.all.empty() && std::find(items.begin(), items.end(), parameter.all) != items.end()) {
        return parameter.values;
    }
    return items;
}

}  // namespace

Response mock_error(int status, std::string_view code, std::string_view title, std::string_view detail,
                    const json& extra) {
    // One docs/errors.md entry per code.
    json body = {{"type", "urn:taskmock:error:" + std::string(code)},
                 {"title", std::string(title)},
                 {"status", status},
                 {"detail", std::string(detail)}};
    for (const auto& [key, value] : extra.items()) body[key] = value;
    Response response;
    response.status = status;
    response.content_type = "application/problem+json";
    response.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
    response.headers.emplace_back("X-Taskmock-Error", std::string(code));
    return response;
}

Pipeline::Pipeline(std::vector<MountConfig> mounts, const FixtureStore& store, PipelineSettings settings)
    : store_(store), settings_(std::move(settings)) {
    if (!settings_.clock) settings_.clock = std::make_shared<Clock>();
    if (!settings_.sessions) settings_.sessions = std::make_shared<Sessions>();
    for (auto& config : mounts) {
        Mount mount;
        mount.prefix = settings_.prefixed ? "/" + config.variant.name : "";
        mount.variant = std::move(config.variant);
        mount.credentials = std::move(config.credentials);
        for (const MediaType& type : mount.variant.media_types) mount.offered.push_back(type.type);
        for (const AuthScheme& scheme : mount.variant.auth.schemes) {
            if (scheme.type == AuthSchemeType::query) secret_query_names_.push_back(scheme.name);
        }
        for (const auto& [status, error] : mount.variant.errors) {
            mount.errors.emplace(status, CompiledError{error, BodyTemplate::compile(error.body.value_or(json()))});
        }
        mount.shaped = std::any_of(mount.variant.query.begin(), mount.variant.query.end(),
                                   [](const QueryParameter& p) { return !p.shows.empty(); });
        const Route* route = mount.variant.task_route();
        if (mount.shaped) {
            for (const Fixture* fixture : store_.fixtures(mount.variant.name)) {
                if (!fixture->timeline) mount.trees.emplace(fixture->id, fixture->body());
            }
        }
        if (!mount.shaped && route != nullptr) {
            std::size_t id_index = route->path.parameter_index(mount.variant.id_parameter);
            for (const Fixture* fixture : store_.fixtures(mount.variant.name)) {
                if (fixture->timeline) continue;  // rendered per request, state by state
                std::vector<std::string> parameters(route->path.parameters().size());
                parameters[id_index] = fixture->id;
                const std::string self = mount.prefix + route->path.expand(parameters);
                // JSON is served as the store keeps it; other renderings need
                // the tree, parsed once here.
                std::vector<std::shared_ptr<const std::string>> bodies;
                std::optional<json> tree;
                for (const MediaType& type : mount.variant.media_types) {
                    if (type.renderer == Renderer::as_json) {
                        bodies.push_back(fixture->text);
                        continue;
                    }
                    if (!tree) tree = fixture->body();
                    bodies.push_back(std::make_shared<const std::string>(render(type.renderer, *tree, self)));
                }
                mount.rendered.emplace(fixture->id, std::move(bodies));
            }
        }
        mounts_.push_back(std::move(mount));
    }
}

std::vector<Pipeline::MountInfo> Pipeline::mounts() const {
    std::vector<MountInfo> out;
    for (const Mount& mount : mounts_) {
        const Route* route = mount.variant.task_route();
        out.push_back({mount.variant.name, mount.prefix, store_.fixtures(mount.variant.name).size(),
                       route == nullptr ? "" : route->method + " " + route->path.text()});
    }
    return out;
}

Response Pipeline::handle(const Request& request) const {
    std::string variant;
    std::string id;
    Response response = route(request, variant, id);
    response.variant = std::move(variant);
    response.task_id = std::move(id);
    return response;
}

std::optional<Response> Pipeline::error_for(const std::string& variant, int status, const Request& request) const {
    for (const Mount& mount : mounts_) {
        if (mount.variant.name != variant) continue;
        if (!mount.errors.contains(status)) return std::nullopt;
        return vendor_error(mount, status, "fault", request, "", "");
    }
    return std::nullopt;
}

Response Pipeline::route(const Request& request, std::string& variant, std::string& id_out) const {
    std::string local_path;
    const Mount* mount = resolve_mount(request.path, local_path);
    if (mount == nullptr) {
        json mounted = json::array();
        for (const Mount& m : mounts_) mounted.push_back(m.prefix + "/");
        return mock_error(404, "variant-not-found", "No variant is mounted at this path",
                          "Paths start with a variant's mount prefix.", {{"mounted", mounted}});
    }
    variant = mount->variant.name;
    Match match;
    if (auto refused = match_route(*mount, request, local_path, match)) return *refused;

    AuthOutcome auth = match.route->action == Action::token
                           ? AuthOutcome::accepted  // the exchange is how a client gets credentials
                           : check_auth(mount->variant.auth, mount->credentials, request);
    if (auth == AuthOutcome::missing) {
        return vendor_error(*mount, 401, "auth-missing", request, "", "No credentials were sent.");
    }
    if (auth == AuthOutcome::rejected) {
        return vendor_error(*mount, 401, "auth-rejected", request, "", "The credentials are not valid.");
    }

    if (match.route->action == Action::token) return exchange_token(*mount, request);

    const std::string& id = match.parameters[match.route->path.parameter_index(mount->variant.id_parameter)];
    id_out = id;
    if (auto refused = check_id(*mount, request, id)) return *refused;
    if (auto refused = check_query(*mount, request, id)) return *refused;
    return serve_task(*mount, request, id);
}

const Pipeline::Mount* Pipeline::resolve_mount(const std::string& path, std::string& local_path) const {
    for (const Mount& mount : mounts_) {
        if (mount.prefix.empty()) {
            local_path = path;
            return &mount;
        }
        if (path.size() > mount.prefix.size() && path.compare(0, mount.prefix.size(), mount.prefix) == 0 &&
            path[mount.prefix.size()] == '/') {
            local_path = path.substr(mount.prefix.size());
            return &mount;
        }
    }
    return nullptr;
}

std::optional<Response> Pipeline::match_route(const Mount& mount, const Request& request,
                                              const std::string& local_path, Match& match) const {
    // HEAD is GET without a body (RFC 9110 section 9.3.2).
    const std::string method = request.method == "HEAD" ? "GET" : request.method;
    std::vector<std::string> allowed;
    for (const Route& route : mount.variant.routes) {
        auto parameters = route.path.match(local_path);
        if (!parameters) continue;
        if (route.method == method) {
            match.route = &route;
            match.parameters = std::move(*parameters);
            return std::nullopt;
        }
        allowed.push_back(route.method);
    }
    if (!allowed.empty()) {
        Response refused = vendor_error(mount, 405, "method-not-allowed", request, "",
                                        "Request method '" + request.method + "' is not supported");
        refused.headers.emplace_back("Allow", join(allowed, ", "));
        return refused;
    }
    json routes = json::array();
    for (const Route& route : mount.variant.routes) routes.push_back(route.method + " " + mount.prefix + route.path.text());
    return mock_error(404, "route-not-found", "No route of this variant matches the path",
                      "taskmock serves only the documented task routes of " + mount.variant.title + ".",
                      {{"variant", mount.variant.name}, {"routes", routes}});
}

std::optional<Response> Pipeline::check_id(const Mount& mount, const Request& request, const std::string& id) const {
    const VariantDescription& variant = mount.variant;
    if (refused_before_lookup(id)) {
        return vendor_error(mount, 400, "id-invalid", request, id, "The task id is not a valid id.");
    }
    if (variant.id_pattern && !variant.id_pattern->matches(id)) {
        return vendor_error(mount, variant.invalid_id_status, "id-invalid", request, id,
                            "Invalid " + variant.id_parameter + " \"" + id + "\": expected " + variant.id_pattern->text);
    }
    return std::nullopt;
}

std::optional<Response> Pipeline::check_query(const Mount& mount, const Request& request, const std::string& id) const {
    for (const QueryParameter& parameter : mount.variant.query) {
        const std::string* value = request.query_value(parameter.name);
        if (value == nullptr || value->empty()) continue;
        std::vector<std::string> items = parameter.list ? split_list(*value) : std::vector<std::string>{*value};
        for (const std::string& item : items) {
            bool listed = parameter.values.empty() || item == parameter.all ||
                          std::find(parameter.values.begin(), parameter.values.end(), item) != parameter.values.end();
            bool patterned = !parameter.pattern || parameter.pattern->matches(item);
            if (listed && patterned) continue;
            std::string detail = "Invalid value \"" + item + "\" for query parameter " + parameter.name;
            if (!parameter.values.empty()) detail += " (allowed: " + join(parameter.values, ", ") + ")";
            return vendor_error(mount, 400, "query-invalid", request, id, detail);
        }
    }
    return std::nullopt;
}

Response Pipeline::serve_task(const Mount& mount, const Request& request, const std::string& id) const {
    const Fixture* fixture = store_.find(mount.variant.name, id);
    if (fixture == nullptr) {
        Response missing = vendor_error(mount, 404, "task-not-found", request, id, "Task not found");
        std::vector<std::string> near = store_.near(mount.variant.name, id, settings_.near_ids);
        if (!near.empty()) missing.headers.emplace_back("X-Taskmock-Near-Ids", join(near, ", "));
        return missing;
    }
    const std::string* accept = request.header("Accept");
    std::optional<std::size_t> media = negotiate(accept == nullptr ? "" : *accept, mount.offered);
    if (!media) {
        return vendor_error(mount, 406, "not-acceptable", request, id,
                            "Acceptable representations: " + join(mount.offered, ", "));
    }
    Response response;
    if (fixture->timeline) {
        response = timeline_body(mount, request, *fixture, *media);
    } else if (mount.shaped) {
        response = shaped_body(mount, request, mount.trees.at(fixture->id), *media);
    } else {
        response.content_type = mount.offered[*media];
        response.body = *mount.rendered.at(id)[*media];
    }
    response.fixture = fixture->file;
    return response;
}

// A timeline task: the state this session's request finds it in, built
// from the timeline and the variant's lifecycle, then rendered like any body.
Response Pipeline::timeline_body(const Mount& mount, const Request& request, const Fixture& fixture,
                                 std::size_t media) const {
    const std::string* session = request.header(kSessionHeader);
    Progress progress = settings_.sessions->poll(session == nullptr ? "" : *session, mount.variant.name, fixture.id,
                                                 *fixture.timeline, settings_.clock->now());
    json body = state_body(*mount.variant.lifecycle, *fixture.timeline, progress.index, progress.entered);
    Response response;
    if (mount.shaped) {
        response = shaped_body(mount, request, std::move(body), media);
    } else {
        response.content_type = mount.offered[media];
        response.body = render(mount.variant.media_types[media].renderer, body, request.path);
    }
    response.state = fixture.timeline->steps[progress.index].state;
    response.headers.emplace_back("X-Taskmock-State", response.state);
    return response;
}

// Query parameters with "shows" decide which fields are served; hidden ones
// become links when the parameter says where (Oracle's expand: "If not
// specified Links to each of the fields is returned", seed 003).
Response Pipeline::shaped_body(const Mount& mount, const Request& request, json body, std::size_t media) const {
    for (const QueryParameter& parameter : mount.variant.query) {
        if (parameter.shows.empty()) continue;
        std::vector<std::string> chosen = selected(request, parameter);
        json links = json::array();
        for (const auto& [value, field] : parameter.shows) {
            if (std::find(chosen.begin(), chosen.end(), value) != chosen.end() || !body.contains(field)) continue;
            json& parent = body.at(field.parent_pointer());
            parent.erase(field.back());
            links.push_back({{"rel", value}, {"href", request.path + "/" + value}});
        }
        if (parameter.links && !links.empty()) body[*parameter.links] = links;
    }
    Response response;
    response.content_type = mount.offered[media];
    response.body = render(mount.variant.media_types[media].renderer, body, request.path);
    return response;
}

Response Pipeline::exchange_token(const Mount& mount, const Request& request) const {
    const TokenExchange& exchange = *mount.variant.auth.token;
    // Too deep is refused unparsed: growing an object copies its members
    // recursively, and a deeply nested member exhausted the stack.
    json body = too_deep_at(request.body) ? json() : json::parse(request.body, nullptr, false);
    auto field = [&](const std::string& name) -> std::string {
        if (!body.is_object() || !body.contains(name) || !body[name].is_string()) return "";
        return body[name].get<std::string>();
    };
    const std::string key_id = field(exchange.id_field);
    const std::string key_secret = field(exchange.secret_field);
    if (key_id.empty() || key_secret.empty()) {
        return vendor_error(mount, 400, "token-request-invalid", request, "",
                            "The body must be a JSON object with " + exchange.id_field + " and " +
                                exchange.secret_field + ".");
    }
    const Credentials& credentials = mount.credentials;
    if (!credentials.key_id.empty() &&
        !(same_secret(key_id, credentials.key_id) && same_secret(key_secret, credentials.key_secret))) {
        return vendor_error(mount, 401, "token-rejected", request, "", "Unknown key id or wrong secret.");
    }
    Response response;
    response.content_type = "application/json";
    response.body = json{{exchange.token_field, credentials.token}}.dump();
    return response;
}

Response Pipeline::vendor_error(const Mount& mount, int status, std::string_view reason, const Request& request,
                                std::string_view id, std::string_view detail) const {
    Response response;
    response.headers.emplace_back("X-Taskmock-Reason", std::string(reason));
    auto found = mount.errors.find(status);
    if (found == mount.errors.end()) {  // the loader makes sure this does not happen
        response.status = status;
        return response;
    }
    const CompiledError& error = found->second;
    response.status = error.source.status;
    for (const auto& header : error.source.headers) response.headers.push_back(header);
    if (!error.source.body) return response;
    const std::string trace = error.body.uses("trace_id") ? trace_id() : std::string();
    Placeholders values{id, request.path, detail, settings_.instance, trace, request.method};
    response.content_type = mount.variant.error_media_type;
    response.body = error.body.render(values);
    return response;
}

}  // namespace taskmock
