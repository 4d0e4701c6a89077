#include "core/fixture_store.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <set>
#include <stdexcept>
#include <thread>

#include "core/timeline_schema.hpp"

namespace taskmock {

namespace {

std::size_t common_prefix(const std::string& a, const std::string& b) {
    std::size_t n = 0;
    while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
    return n;
}

bool inside(const std::filesystem::path& root, const std::filesystem::path& path) {
    std::error_code error;
    std::filesystem::path canonical_root = std::filesystem::weakly_canonical(root, error);
    std::filesystem::path canonical = std::filesystem::weakly_canonical(path, error);
    if (error) return false;
    auto [root_end, unused] = std::mismatch(canonical_root.begin(), canonical_root.end(), canonical.begin(), canonical.end());
    return root_end == canonical_root.end();
}

std::string type_name(const json& value) {
    return value.is_number_integer() ? "integer" : std::string(value.type_name());
}

}  // namespace

bool refused_before_lookup(std::string_view id) {
    return id.size() > kLongestId || std::any_of(id.begin(), id.end(), [](char c) {
               unsigned char u = static_cast<unsigned char>(c);
               return u < 0x20 || u == 0x7f;
           });
}

FixtureStore FixtureStore::load(const std::filesystem::path& root, const std::vector<VariantDescription>& variants,
                                const std::map<std::string, Schema>& task_schemas, Diagnostics& diagnostics,
                                bool allow_invalid, const std::set<std::string>& passed_over) {
    FixtureStore store;
    std::error_code error;
    if (!std::filesystem::is_directory(root, error)) {
        diagnostics.error(Location{display_path(root)}, "fixtures directory not found", "fixture.root");
        return store;
    }
    std::map<std::string, const VariantDescription*> by_name;
    for (const auto& variant : variants) {
        by_name[variant.name] = &variant;
        store.shelves_[variant.name];
    }

    std::vector<std::filesystem::path> directories;
    for (const auto& entry : std::filesystem::directory_iterator(root, error)) {
        if (entry.is_directory()) {
            directories.push_back(entry.path());
        } else {
            diagnostics.warning(Location{display_path(entry.path())}, "ignored: not a variant directory",
                                "fixture.ignored");
        }
    }
    std::sort(directories.begin(), directories.end());

    for (const auto& directory : directories) {
        const std::string name = directory.filename().string();
        if (passed_over.contains(name)) continue;
        auto variant = by_name.find(name);
        if (variant == by_name.end()) {
            std::string known;
            for (const auto& [known_name, unused] : by_name) known += (known.empty() ? "" : ", ") + known_name;
            diagnostics.error(Location{display_path(directory)},
                              "unknown variant \"" + name + "\" (known: " + known + ")", "fixture.unknown-variant");
            continue;
        }
        auto schema = task_schemas.find(name);
        std::vector<std::filesystem::path> files;
        for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
            const std::string shown = display_path(entry.path());
            if (entry.path().extension() != ".json" || entry.is_directory()) {
                diagnostics.warning(Location{shown}, "ignored: fixtures are *.json files", "fixture.ignored");
            } else if ((entry.is_symlink() || std::filesystem::is_symlink(directory)) && !inside(root, entry.path())) {
                // Only a link can lead out of the directory; resolving every
                // path cost 8% of loading a large set.
                diagnostics.error(Location{shown}, "refused: the file resolves outside the fixtures directory",
                                  "fixture.outside-root");
            } else {
                files.push_back(entry.path());
            }
        }
        std::sort(files.begin(), files.end());
        const Schema* task_schema = schema == task_schemas.end() ? nullptr : &schema->second;

        // Reading, parsing and checking each file is independent of the
        // others: spread it over the cores. Duplicates and insertion follow
        // in file order, so diagnostics do not depend on scheduling.
        std::vector<Examined> results(files.size());
        std::atomic<std::size_t> next{0};
        auto worker = [&] {
            for (std::size_t i = next++; i < files.size(); i = next++) {
                Examined& result = results[i];
                std::optional<JsonText> body = read_json_file(files[i], display_path(files[i]), result.diagnostics);
                if (!body) continue;
                Examined examined = examine(*variant->second, *body, task_schema, allow_invalid);
                for (const auto& diagnostic : result.diagnostics.sorted()) examined.diagnostics.add(diagnostic);
                result = std::move(examined);
            }
        };
        std::size_t threads = std::min<std::size_t>(std::max(1u, std::thread::hardware_concurrency()), 8);
        threads = std::min(threads, std::max<std::size_t>(1, files.size() / 64));
        std::vector<std::thread> pool;
        for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
        worker();
        for (auto& thread : pool) thread.join();
        for (Examined& result : results) store.insert(std::move(result), diagnostics);
    }
    store.finish();
    return store;
}

namespace {

// The id of a task body at base (the root, or /task in a timeline document):
// present and a string, else nothing. An id that breaks the variant's
// pattern is returned (so the rest of the body is still checked) with an error.
std::optional<std::string> checked_id(const VariantDescription& variant, const JsonText& body,
                                      const json::json_pointer& base, FixtureStore::Examined& examined) {
    Diagnostics& diagnostics = examined.diagnostics;
    const json& task = body.value.at(base);
    const std::string field = variant.id_field.to_string();
    if (!task.contains(variant.id_field)) {
        diagnostics.error(body.locate(base), "missing task id field " + field, "fixture.id-missing");
        return std::nullopt;
    }
    const json& id_value = task.at(variant.id_field);
    if (!id_value.is_string()) {
        diagnostics.error(body.locate(base / variant.id_field),
                          "task id " + field + " must be a string, found " + type_name(id_value), "fixture.id-type");
        return std::nullopt;
    }
    std::string id = id_value.get<std::string>();
    examined.id_location = body.locate(base / variant.id_field);
    if (variant.id_pattern && !variant.id_pattern->matches(id)) {
        diagnostics.error(examined.id_location,
                          "task id \"" + id + "\" does not match the " + variant.name + " id pattern " +
                              variant.id_pattern->text + ", so it could never be requested",
                          "fixture.id-pattern");
    } else if (id.empty() || id.find('/') != std::string::npos || refused_before_lookup(id)) {
        // A variant without an id pattern takes any string; a request cannot
        // carry every string in one path segment.
        diagnostics.error(examined.id_location,
                          "task id " + json(id).dump(-1, ' ', false, json::error_handler_t::replace) +
                              " is empty, holds '/' or a control character, or is longer than " +
                              std::to_string(kLongestId) + " bytes, so it could never be requested",
                          "fixture.id-unreachable");
    }
    return id;
}

// Schema violations and broken invariants of one task body, each reported
// at `at` (the body's own location for a plain fixture, the step for a
// timeline state) with `prefix` before the message.
void check_task(const VariantDescription& variant, const json& task, const Schema* task_schema,
                const std::function<Location(const json::json_pointer&)>& at, const std::string& prefix,
                Diagnostics& findings) {
    // Schema first: invariants assume the types the schema promises, so they
    // only run on a body that validates.
    bool valid = true;
    if (task_schema != nullptr) {
        for (const Violation& violation : task_schema->validate(task)) {
            findings.error(at(violation.pointer), prefix + summary(violation), "schema." + violation.keyword);
            valid = false;
        }
    }
    if (!valid) return;
    for (const Invariant& invariant : variant.invariants) {
        if (auto problem = violation_of(invariant, task)) {
            json::json_pointer field = invariant.fields.empty() ? invariant.values.front().first : invariant.fields.front();
            findings.error(at(field), prefix + invariant.name + ": " + *problem, "fixture.invariant");
        }
    }
}

void keep_or_demote(Diagnostics& findings, bool allow_invalid, Diagnostics& diagnostics) {
    for (Diagnostic diagnostic : findings.sorted()) {
        if (allow_invalid) diagnostic.severity = Severity::warning;
        diagnostics.add(std::move(diagnostic));
    }
}

}  // namespace

const Schema& timeline_schema() {
    static const Schema schema = [] {
        Diagnostics diagnostics;
        auto text = parse_json_text(std::string(kTimelineSchema), "schemas/timeline.schema.json", diagnostics);
        auto compiled = text ? Schema::compile(*text, diagnostics) : std::nullopt;
        if (!compiled) throw std::logic_error("the built-in timeline schema does not compile: " + diagnostics.to_string());
        return *compiled;
    }();
    return schema;
}

const Schema& faults_schema() {
    static const Schema schema = [] {
        Diagnostics diagnostics;
        JsonText text;
        text.file = "schemas/timeline.schema.json#/definitions/fault";
        text.value = faults_document_schema(json::parse(timeline_schema().document().dump()));
        text.text = text.value.dump();
        auto compiled = Schema::compile(text, diagnostics);
        if (!compiled) throw std::logic_error("the built-in faults schema does not compile: " + diagnostics.to_string());
        return *compiled;
    }();
    return schema;
}

FixtureStore::Examined FixtureStore::examine(const VariantDescription& variant, const JsonText& body,
                                             const Schema* task_schema, bool allow_invalid) {
    Examined examined;
    Diagnostics& diagnostics = examined.diagnostics;
    if (!body.value.is_object()) {
        diagnostics.error(body.locate(json::json_pointer()), "a task body must be a JSON object, found " + type_name(body.value),
                          "fixture.not-object");
        return examined;
    }
    if (body.value.contains("timeline")) return examine_timeline(variant, body, task_schema, allow_invalid);
    std::optional<std::string> id = checked_id(variant, body, json::json_pointer(), examined);
    if (!id) return examined;
    Diagnostics findings;
    if (task_schema != nullptr) task_schema->check(body, findings);
    if (findings.empty()) {
        check_task(variant, body.value, nullptr, [&](const json::json_pointer& p) { return body.locate(p); }, "",
                   findings);
    }
    keep_or_demote(findings, allow_invalid, diagnostics);
    if (diagnostics.has_errors()) return examined;
    examined.fixture = Fixture{variant.name, *id, body.file, std::make_shared<const std::string>(body.value.dump()), {}, {}};
    return examined;
}

FixtureStore::Examined FixtureStore::examine_timeline(const VariantDescription& variant, const JsonText& body,
                                                      const Schema* task_schema, bool allow_invalid) {
    Examined examined;
    Diagnostics& diagnostics = examined.diagnostics;
    if (!timeline_schema().check(body, diagnostics)) return examined;
    if (!variant.lifecycle) {
        diagnostics.error(body.locate(json::json_pointer("/timeline")),
                          "variant " + variant.name + " has no lifecycle in its description, so its tasks cannot have a timeline",
                          "fixture.timeline");
        return examined;
    }
    std::optional<std::string> id = checked_id(variant, body, json::json_pointer("/task"), examined);
    if (!id || diagnostics.has_errors()) return examined;
    auto timeline = std::make_shared<Timeline>(read_timeline(body.value));
    for (std::size_t i = 0; i < timeline->steps.size(); ++i) {
        const bool has_after = timeline->steps[i].after != Step::After::start;
        const json::json_pointer step("/timeline/" + std::to_string(i));
        if (i == 0 && has_after) {
            diagnostics.error(body.locate(step / "after"),
                              "the first state is served from the first request; it takes no \"after\"", "fixture.timeline");
        } else if (i > 0 && !has_after) {
            diagnostics.error(body.locate(step), "every state but the first needs \"after\" (polls or seconds)",
                              "fixture.timeline");
        }
    }
    if (diagnostics.has_errors()) return examined;

    // Every state must be a body the vendor could send: build each as it
    // would be served, with entry times one second apart (or as 'after'
    // says) from now, and check it like a plain fixture.
    std::vector<std::int64_t> entered;
    std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch()).count();
    Diagnostics findings;
    json first;
    for (std::size_t i = 0; i < timeline->steps.size(); ++i) {
        const Step& step = timeline->steps[i];
        entered.push_back(i == 0 ? now : entered.back() + (step.after == Step::After::seconds ? step.milliseconds : 1000));
        json state = state_body(*variant.lifecycle, *timeline, i, entered);
        const json::json_pointer at("/timeline/" + std::to_string(i));
        const std::string prefix = "state " + std::to_string(i) + " (" + step.state + "): ";
        check_task(variant, state, task_schema, [&](const json::json_pointer&) { return body.locate(at); }, prefix,
                   findings);
        if (state.contains(variant.id_field) && state.at(variant.id_field) != *id) {
            findings.error(body.locate(at), prefix + "changes the task id", "fixture.timeline");
        }
        if (i == 0) first = std::move(state);
    }
    keep_or_demote(findings, allow_invalid, diagnostics);
    if (diagnostics.has_errors()) return examined;

    std::vector<FaultRule> faults;
    if (body.value.contains("faults")) {
        for (const json& entry : body.value["faults"]) {
            FaultRule rule = read_fault(entry);
            rule.variant = variant.name;
            rule.task = *id;
            faults.push_back(std::move(rule));
        }
    }
    examined.fixture = Fixture{variant.name, *id, body.file, std::make_shared<const std::string>(first.dump()),
                               std::move(timeline), std::move(faults)};
    return examined;
}

bool FixtureStore::insert(Examined examined, Diagnostics& diagnostics) {
    for (auto& diagnostic : examined.diagnostics.sorted()) diagnostics.add(std::move(diagnostic));
    if (!examined.fixture) return false;
    Fixture& fixture = *examined.fixture;
    Shelf& shelf = shelves_[fixture.variant];
    auto existing = shelf.by_id.find(fixture.id);
    if (existing != shelf.by_id.end()) {
        diagnostics.error(examined.id_location,
                          "duplicate task id \"" + fixture.id + "\" (also in " + shelf.fixtures[existing->second].file + ")",
                          "fixture.duplicate-id");
        return false;
    }
    shelf.by_id.emplace(fixture.id, shelf.fixtures.size());
    shelf.fixtures.push_back(std::move(fixture));
    return true;
}

bool FixtureStore::add(const VariantDescription& variant, JsonText body, const Schema* task_schema,
                       Diagnostics& diagnostics, bool allow_invalid) {
    bool added = insert(examine(variant, body, task_schema, allow_invalid), diagnostics);
    if (added) finish();
    return added;
}

void FixtureStore::finish() {
    for (auto& [name, shelf] : shelves_) {
        shelf.sorted_ids.clear();
        for (const auto& fixture : shelf.fixtures) shelf.sorted_ids.push_back(fixture.id);
        std::sort(shelf.sorted_ids.begin(), shelf.sorted_ids.end());
    }
}

bool FixtureStore::remove(const std::string& variant, const std::string& id) {
    auto shelf = shelves_.find(variant);
    if (shelf == shelves_.end()) return false;
    auto found = shelf->second.by_id.find(id);
    if (found == shelf->second.by_id.end()) return false;
    std::vector<Fixture>& fixtures = shelf->second.fixtures;
    fixtures.erase(fixtures.begin() + static_cast<std::ptrdiff_t>(found->second));
    shelf->second.by_id.clear();
    for (std::size_t i = 0; i < fixtures.size(); ++i) shelf->second.by_id.emplace(fixtures[i].id, i);
    finish();
    return true;
}

const Fixture* FixtureStore::find(const std::string& variant, const std::string& id) const {
    auto shelf = shelves_.find(variant);
    if (shelf == shelves_.end()) return nullptr;
    auto found = shelf->second.by_id.find(id);
    return found == shelf->second.by_id.end() ? nullptr : &shelf->second.fixtures[found->second];
}

std::vector<std::string> FixtureStore::near(const std::string& variant, const std::string& id, std::size_t count) const {
    auto shelf = shelves_.find(variant);
    if (shelf == shelves_.end() || shelf->second.sorted_ids.empty()) return {};
    const std::vector<std::string>& ids = shelf->second.sorted_ids;
    auto at = static_cast<std::size_t>(std::lower_bound(ids.begin(), ids.end(), id) - ids.begin());
    std::size_t first = at > count ? at - count : 0;
    std::size_t last = std::min(ids.size(), at + count);
    std::vector<std::string> candidates(ids.begin() + static_cast<std::ptrdiff_t>(first),
                                        ids.begin() + static_cast<std::ptrdiff_t>(last));
    std::stable_sort(candidates.begin(), candidates.end(), [&](const std::string& a, const std::string& b) {
        return common_prefix(a, id) > common_prefix(b, id);
    });
    if (candidates.size() > count) candidates.resize(count);
    return candidates;
}

std::vector<const Fixture*> FixtureStore::fixtures(const std::string& variant) const {
    std::vector<const Fixture*> out;
    auto shelf = shelves_.find(variant);
    if (shelf == shelves_.end()) return out;
    for (const auto& fixture : shelf->second.fixtures) out.push_back(&fixture);
    std::sort(out.begin(), out.end(), [](const Fixture* a, const Fixture* b) { return a->id < b->id; });
    return out;
}

std::size_t FixtureStore::size() const {
    std::size_t total = 0;
    for (const auto& [name, shelf] : shelves_) total += shelf.fixtures.size();
    return total;
}

}  // namespace taskmock
