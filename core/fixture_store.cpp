#include "core/fixture_store.hpp"

#include <algorithm>
#include <set>

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

FixtureStore FixtureStore::load(const std::filesystem::path& root, const std::vector<VariantDescription>& variants,
                                const std::map<std::string, Schema>& task_schemas, Diagnostics& diagnostics,
                                bool allow_invalid) {
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
        for (const auto& entry : std::filesystem::directory_iterator(directory, error)) files.push_back(entry.path());
        std::sort(files.begin(), files.end());
        for (const auto& file : files) {
            const std::string shown = display_path(file);
            if (file.extension() != ".json" || std::filesystem::is_directory(file)) {
                diagnostics.warning(Location{shown}, "ignored: fixtures are *.json files", "fixture.ignored");
                continue;
            }
            if (!inside(root, file)) {
                diagnostics.error(Location{shown}, "refused: the file resolves outside the fixtures directory",
                                  "fixture.outside-root");
                continue;
            }
            std::optional<JsonText> body = read_json_file(file, shown, diagnostics);
            if (!body) continue;
            store.add(*variant->second, std::move(*body), schema == task_schemas.end() ? nullptr : &schema->second,
                      diagnostics, allow_invalid);
        }
    }
    store.finish();
    return store;
}

bool FixtureStore::add(const VariantDescription& variant, JsonText body, const Schema* task_schema,
                       Diagnostics& diagnostics, bool allow_invalid) {
    const std::size_t errors_before = diagnostics.error_count();
    if (!body.value.is_object()) {
        diagnostics.error(body.locate(json::json_pointer()), "a task body must be a JSON object, found " + type_name(body.value),
                          "fixture.not-object");
        return false;
    }
    const std::string field = variant.id_field.to_string();
    if (!body.value.contains(variant.id_field)) {
        diagnostics.error(body.locate(json::json_pointer()), "missing task id field " + field, "fixture.id-missing");
        return false;
    }
    const json& id_value = body.value.at(variant.id_field);
    if (!id_value.is_string()) {
        diagnostics.error(body.locate(variant.id_field),
                          "task id " + field + " must be a string, found " + type_name(id_value), "fixture.id-type");
        return false;
    }
    const std::string id = id_value.get<std::string>();
    if (variant.id_pattern && !variant.id_pattern->matches(id)) {
        diagnostics.error(body.locate(variant.id_field),
                          "task id \"" + id + "\" does not match the " + variant.name + " id pattern " +
                              variant.id_pattern->text + ", so it could never be requested",
                          "fixture.id-pattern");
    }
    Shelf& shelf = shelves_[variant.name];
    auto existing = shelf.by_id.find(id);
    if (existing != shelf.by_id.end()) {
        const Fixture& first = shelf.fixtures[existing->second];
        diagnostics.error(body.locate(variant.id_field), "duplicate task id \"" + id + "\" (also in " + first.file + ")",
                          "fixture.duplicate-id");
    }
    // Schema first: invariants assume the types the schema promises, so they
    // only run on a body that validates.
    Diagnostics findings;
    if (task_schema != nullptr) task_schema->check(body, findings);
    if (findings.empty()) {
        for (const Invariant& invariant : variant.invariants) {
            if (auto problem = violation_of(invariant, body.value)) {
                json::json_pointer at = invariant.fields.empty() ? invariant.values.front().first : invariant.fields.front();
                findings.error(body.locate(at), invariant.name + ": " + *problem, "fixture.invariant");
            }
        }
    }
    for (Diagnostic diagnostic : findings.sorted()) {
        if (allow_invalid) diagnostic.severity = Severity::warning;
        diagnostics.add(std::move(diagnostic));
    }
    if (diagnostics.error_count() > errors_before) return false;

    shelf.by_id.emplace(id, shelf.fixtures.size());
    shelf.fixtures.push_back(Fixture{variant.name, id, body.file, std::move(body.value)});
    return true;
}

void FixtureStore::finish() {
    for (auto& [name, shelf] : shelves_) {
        shelf.sorted_ids.clear();
        for (const auto& fixture : shelf.fixtures) shelf.sorted_ids.push_back(fixture.id);
        std::sort(shelf.sorted_ids.begin(), shelf.sorted_ids.end());
    }
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
