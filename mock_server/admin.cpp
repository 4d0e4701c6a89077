// The admin API under /__taskmock/ (docs/admin.md): fixtures, sessions,
// the clock, the journal and fault rules, changed at run time by tests.
// Off unless --admin; loopback clients only unless --admin-remote; a
// Bearer token when TASKMOCK_ADMIN_TOKEN is set.

#include <algorithm>

#include "mock_server/auth.hpp"
#include "mock_server/service.hpp"

namespace taskmock {

namespace {

Response json_response(int status, const json& body) {
    Response response;
    response.status = status;
    response.content_type = "application/json";
    response.body = body.dump(2) + "\n";
    return response;
}

Response no_content() {
    Response response;
    response.status = 204;
    return response;
}

Response admin_error(int status, std::string_view code, std::string_view title, std::string_view detail,
                     const json& extra = json::object()) {
    return mock_error(status, "admin." + std::string(code), title, detail, extra);
}

Response method_not_allowed(const Request& request, std::string_view allowed) {
    Response response = admin_error(405, "method", "Method not allowed",
                                    request.method + " is not allowed here; use " + std::string(allowed) + ".");
    response.headers.emplace_back("Allow", std::string(allowed));
    return response;
}

bool is_loopback_client(const std::string& client) {
    return client.starts_with("127.") || client == "::1" || client.starts_with("::ffff:127.");
}

std::vector<std::string> path_parts(std::string_view path) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start < path.size()) {
        std::size_t slash = path.find('/', start);
        if (slash == std::string_view::npos) slash = path.size();
        if (slash > start) parts.emplace_back(path.substr(start, slash - start));
        start = slash + 1;
    }
    return parts;
}

std::optional<json> json_body(const Request& request) {
    json body = json::parse(request.body, nullptr, false);
    if (body.is_discarded()) return std::nullopt;
    return body;
}

json diagnostics_json(const Diagnostics& diagnostics) {
    json out = json::array();
    for (const Diagnostic& diagnostic : diagnostics.sorted()) {
        out.push_back({{"severity", diagnostic.severity == Severity::error ? "error" : "warning"},
                       {"line", diagnostic.location.line},
                       {"column", diagnostic.location.column},
                       {"message", diagnostic.message},
                       {"code", diagnostic.code}});
    }
    return out;
}

json fixture_summary(const Fixture& fixture) {
    json out{{"variant", fixture.variant}, {"id", fixture.id}, {"file", fixture.file}};
    if (fixture.timeline) {
        json states = json::array();
        for (const Step& step : fixture.timeline->steps) states.push_back(step.state);
        out["states"] = states;
    }
    if (!fixture.faults.empty()) out["faults"] = fixture.faults.size();
    return out;
}

JournalFilter filter_of(const Request& request) {
    JournalFilter filter;
    auto text = [&](const char* name) {
        const std::string* value = request.query_value(name);
        return value == nullptr ? std::string() : *value;
    };
    filter.variant = text("variant");
    filter.path = text("path");
    filter.task_id = text("task_id");
    filter.session = text("session");
    filter.method = text("method");
    if (!text("status").empty()) filter.status = std::atoi(text("status").c_str());
    if (!text("after").empty()) filter.after = std::strtoull(text("after").c_str(), nullptr, 10);
    return filter;
}

json entries_json(const std::vector<JournalEntry>& entries) {
    json out = json::array();
    for (const JournalEntry& entry : entries) out.push_back(entry.to_json());
    return out;
}

}  // namespace

Response MockService::admin(const Request& request) {
    if (!settings_.admin.remote && !is_loopback_client(request.client)) {
        return admin_error(403, "forbidden", "Admin API is for loopback clients",
                           "Start taskmock with --admin-remote to allow other clients.");
    }
    if (!settings_.admin.token.empty()) {
        const std::string* header = request.header("Authorization");
        const std::string prefix = "Bearer ";
        bool ok = header != nullptr && header->size() > prefix.size() &&
                  equal_ignoring_case(std::string_view(*header).substr(0, prefix.size()), prefix) &&
                  same_secret(header->substr(prefix.size()), settings_.admin.token);
        if (!ok) {
            Response refused = admin_error(401, "unauthorized", "Admin token required",
                                           "Send the token from TASKMOCK_ADMIN_TOKEN as Authorization: Bearer <token>.");
            refused.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"taskmock-admin\"");
            return refused;
        }
    }
    std::vector<std::string> parts = path_parts(std::string_view(request.path).substr(kAdminPrefix.size()));
    const std::string section = parts.empty() ? "" : parts[0];
    if (section.empty()) {
        if (request.method != "GET") return method_not_allowed(request, "GET");
        auto snapshot = current();
        const Clock& clock = *settings_.pipeline.clock;
        return json_response(200, {{"fixtures", snapshot->store.size()},
                                   {"sessions", settings_.pipeline.sessions->size()},
                                   {"clock", {{"mode", clock.is_manual() ? "manual" : "real"},
                                              {"now", format_date_time(clock.now())},
                                              {"now_ms", clock.now()}}},
                                   {"journal", {{"capacity", journal_.capacity()}, {"dropped", journal_.dropped()}}},
                                   {"endpoints", {"fixtures", "reset", "clock", "journal", "faults", "reload"}}});
    }
    if (section == "fixtures") return admin_fixtures(request, parts);
    if (section == "clock") return admin_clock(request);
    if (section == "journal") return admin_journal(request, parts);
    if (section == "faults") return admin_faults(request, parts);
    if (section == "reset") {
        if (request.method != "POST") return method_not_allowed(request, "POST");
        const std::string* session = request.query_value("session");
        if (session != nullptr) settings_.pipeline.sessions->reset(*session);
        else settings_.pipeline.sessions->reset();
        return json_response(200, {{"reset", session != nullptr ? *session : std::string("all sessions")}});
    }
    if (section == "reload") {
        if (request.method != "POST") return method_not_allowed(request, "POST");
        Diagnostics diagnostics;
        if (!reload(diagnostics)) {
            return admin_error(422, "invalid", "The fixtures directory does not load",
                               "The previous fixtures keep serving.", {{"diagnostics", diagnostics_json(diagnostics)}});
        }
        return json_response(200, {{"fixtures", fixture_count()}, {"diagnostics", diagnostics_json(diagnostics)}});
    }
    return admin_error(404, "not-found", "No such admin endpoint",
                       "Endpoints: fixtures, reset, clock, journal, faults, reload (docs/admin.md).");
}

Response MockService::admin_fixtures(const Request& request, const std::vector<std::string>& parts) {
    auto snapshot = current();
    if (parts.size() == 1) {
        if (request.method != "GET") return method_not_allowed(request, "GET");
        const std::string* only = request.query_value("variant");
        json list = json::array();
        for (const MountConfig& mount : mounts_) {
            if (only != nullptr && *only != mount.variant.name) continue;
            for (const Fixture* fixture : snapshot->store.fixtures(mount.variant.name)) list.push_back(fixture_summary(*fixture));
        }
        return json_response(200, {{"fixtures", list}});
    }
    const std::string& variant_name = parts[1];
    auto mount = std::find_if(mounts_.begin(), mounts_.end(),
                              [&](const MountConfig& m) { return m.variant.name == variant_name; });
    if (mount == mounts_.end() || parts.size() > 3) {
        return admin_error(404, "not-found", "No such variant", "\"" + variant_name + "\" is not served.");
    }
    const VariantDescription& variant = mount->variant;
    const std::string id = parts.size() == 3 ? parts[2] : "";

    if (request.method == "GET" && !id.empty()) {
        const Fixture* fixture = snapshot->store.find(variant.name, id);
        if (fixture == nullptr) return admin_error(404, "not-found", "No such fixture", variant.name + " has no task " + id + ".");
        json out = fixture_summary(*fixture);
        out["body"] = fixture->body();
        return json_response(200, out);
    }
    if (request.method == "DELETE" && !id.empty()) {
        std::lock_guard<std::mutex> change(change_mutex_);
        FixtureStore store = current()->store;
        if (!store.remove(variant.name, id)) {
            return admin_error(404, "not-found", "No such fixture", variant.name + " has no task " + id + ".");
        }
        auto next = make_snapshot(std::move(store));
        std::lock_guard<std::mutex> lock(snapshot_mutex_);
        snapshot_ = std::move(next);
        return no_content();
    }
    const bool put = request.method == "PUT" && !id.empty();
    const bool post = request.method == "POST" && id.empty();
    if (!put && !post) return method_not_allowed(request, id.empty() ? "GET, POST" : "GET, PUT, DELETE");

    // Checked exactly like a file in the fixtures directory.
    Diagnostics diagnostics;
    std::optional<JsonText> body = parse_json_text(request.body, "request body", diagnostics);
    auto schema = task_schemas_.find(variant.name);
    FixtureStore::Examined examined;
    if (body) {
        examined = FixtureStore::examine(variant, *body, schema == task_schemas_.end() ? nullptr : &schema->second,
                                         settings_.allow_invalid);
    }
    for (const Diagnostic& diagnostic : examined.diagnostics.sorted()) diagnostics.add(diagnostic);
    if (!examined.fixture || diagnostics.has_errors()) {
        return admin_error(422, "invalid", "The fixture does not validate",
                           "Nothing was changed; each diagnostic says what is wrong.",
                           {{"diagnostics", diagnostics_json(diagnostics)}});
    }
    Fixture& fixture = *examined.fixture;
    if (put && fixture.id != id) {
        return admin_error(422, "invalid", "The id in the body is not the id in the path",
                           "Body id \"" + fixture.id + "\", path id \"" + id + "\".");
    }
    fixture.file = "admin:" + variant.name + "/" + fixture.id;
    std::lock_guard<std::mutex> change(change_mutex_);
    FixtureStore store = current()->store;
    const bool existed = store.remove(variant.name, fixture.id);
    if (post && existed) {
        return admin_error(409, "conflict", "The fixture exists",
                           "Use PUT /__taskmock/fixtures/" + variant.name + "/" + fixture.id + " to replace it.");
    }
    json summary = fixture_summary(fixture);
    Diagnostics ignored;
    store.add(variant, *body, schema == task_schemas_.end() ? nullptr : &schema->second, ignored, settings_.allow_invalid);
    // add() examined the body again under its own file name: keep ours.
    auto next = make_snapshot(std::move(store));
    {
        std::lock_guard<std::mutex> lock(snapshot_mutex_);
        snapshot_ = std::move(next);
    }
    // A replaced task starts its timeline again.
    settings_.pipeline.sessions->reset_task(variant.name, fixture.id);
    return json_response(existed ? 200 : 201, summary);
}

Response MockService::admin_clock(const Request& request) {
    Clock& clock = *settings_.pipeline.clock;
    auto state = [&] {
        return json{{"mode", clock.is_manual() ? "manual" : "real"},
                    {"now", format_date_time(clock.now())},
                    {"now_ms", clock.now()}};
    };
    if (request.method == "GET") return json_response(200, state());
    if (request.method != "POST") return method_not_allowed(request, "GET, POST");
    if (!clock.is_manual()) {
        return admin_error(409, "clock-real", "The clock is real",
                           "Start taskmock with --clock manual to move time from a test.");
    }
    std::optional<json> body = json_body(request);
    std::optional<std::int64_t> advance;
    std::optional<std::int64_t> set;
    if (body && body->is_object()) {
        if (body->contains("advance") && (*body)["advance"].is_string()) advance = parse_duration_ms((*body)["advance"]);
        if (body->contains("advance_ms") && (*body)["advance_ms"].is_number()) advance = (*body)["advance_ms"].get<std::int64_t>();
        if (body->contains("set") && (*body)["set"].is_string()) set = parse_date_time_ms((*body)["set"]);
        if (body->contains("set_ms") && (*body)["set_ms"].is_number()) set = (*body)["set_ms"].get<std::int64_t>();
    }
    if (advance && *advance < 0) advance.reset();
    if (advance.has_value() == set.has_value()) {
        return admin_error(400, "invalid", "Say how to move the clock",
                           "Send {\"advance\": \"5s\"}, {\"advance_ms\": 5000}, {\"set\": \"2026-01-01T00:00:00Z\"} "
                           "or {\"set_ms\": ...}; the clock never moves back by advance.");
    }
    if (advance) clock.advance(*advance);
    else clock.set(*set);
    return json_response(200, state());
}

Response MockService::admin_journal(const Request& request, const std::vector<std::string>& parts) {
    const std::string what = parts.size() > 1 ? parts[1] : "";
    if (parts.size() > 2 || (what != "" && what != "count" && what != "wait")) {
        return admin_error(404, "not-found", "No such journal endpoint", "Use journal, journal/count or journal/wait.");
    }
    if (what.empty() && request.method == "DELETE") {
        journal_.clear();
        return no_content();
    }
    if (request.method != "GET") return method_not_allowed(request, what.empty() ? "GET, DELETE" : "GET");
    JournalFilter filter = filter_of(request);
    if (what == "count") return json_response(200, {{"count", journal_.count(filter)}});
    if (what == "wait") {
        const std::string* count_text = request.query_value("count");
        const std::string* timeout_text = request.query_value("timeout");
        std::size_t count = count_text == nullptr ? 1 : std::strtoull(count_text->c_str(), nullptr, 10);
        std::optional<std::int64_t> timeout = parse_duration_ms(timeout_text == nullptr ? "10s" : *timeout_text);
        if (!timeout || *timeout < 0 || *timeout > 300'000) {
            return admin_error(400, "invalid", "Bad timeout", "timeout is a duration up to 5m, e.g. 500ms, 10s.");
        }
        // Waits on the real clock: the manual clock only moves on request.
        std::vector<JournalEntry> found = journal_.wait(filter, std::max<std::size_t>(1, count),
                                                        std::chrono::milliseconds(*timeout));
        return json_response(200, {{"matched", found.size() >= std::max<std::size_t>(1, count)},
                                   {"count", found.size()},
                                   {"entries", entries_json(found)}});
    }
    const std::string* limit_text = request.query_value("limit");
    std::size_t limit = limit_text == nullptr ? journal_.capacity() : std::strtoull(limit_text->c_str(), nullptr, 10);
    std::vector<JournalEntry> found = journal_.find(filter, limit);
    return json_response(200, {{"count", found.size()},
                               {"capacity", journal_.capacity()},
                               {"dropped", journal_.dropped()},
                               {"entries", entries_json(found)}});
}

Response MockService::admin_faults(const Request& request, const std::vector<std::string>& parts) {
    if (parts.size() > 2) return admin_error(404, "not-found", "No such fault endpoint", "Use faults or faults/<id>.");
    std::lock_guard<std::mutex> lock(faults_mutex_);
    if (request.method == "GET" && parts.size() == 1) {
        json list = json::array();
        for (const NamedRule& named : faults_) {
            json entry = named.rule.source;
            entry["id"] = named.id;
            list.push_back(entry);
        }
        return json_response(200, {{"faults", list}});
    }
    if (request.method == "DELETE") {
        if (parts.size() == 1) {
            faults_.clear();
            return no_content();
        }
        auto found = std::find_if(faults_.begin(), faults_.end(), [&](const NamedRule& n) { return n.id == parts[1]; });
        if (found == faults_.end()) return admin_error(404, "not-found", "No such fault rule", parts[1] + " is not a rule id.");
        faults_.erase(found);
        return no_content();
    }
    if (request.method != "POST" || parts.size() != 1) return method_not_allowed(request, "GET, POST, DELETE");
    Diagnostics diagnostics;
    std::optional<JsonText> body = parse_json_text(request.body, "request body", diagnostics);
    if (body && body->value.is_object() && !body->value.contains("faults")) {
        // One rule on its own is a document of one rule.
        body->value = json{{"faults", json::array({body->value})}};
        body->text = body->value.dump();
    }
    if (body) faults_schema().check(*body, diagnostics);
    if (!body || diagnostics.has_errors()) {
        return admin_error(422, "invalid", "The fault rules do not validate", "No rule was added.",
                           {{"diagnostics", diagnostics_json(diagnostics)}});
    }
    json ids = json::array();
    for (const json& entry : body->value["faults"]) {
        NamedRule named{"f" + std::to_string(next_fault_++), read_fault(entry)};
        ids.push_back(named.id);
        faults_.push_back(std::move(named));
    }
    return json_response(201, {{"added", ids}});
}

}  // namespace taskmock
