#pragma once
// The fixture store: every task body of every variant, parsed and indexed
// once at start-up. A fixture is what the vendor returned (declared); what
// goes on the wire is rendered from it per request (see mock_server/).

#include <filesystem>
#include <map>
#include <optional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/fault.hpp"
#include "core/json_text.hpp"
#include "core/lifecycle.hpp"
#include "core/schema.hpp"
#include "core/variant.hpp"

namespace taskmock {

// Ids the pipeline answers with the variant's 400 before any lookup: longer
// than kLongestId bytes, or with control characters. No vendor issues them.
inline constexpr std::size_t kLongestId = 512;
bool refused_before_lookup(std::string_view id);

struct Fixture {
    std::string variant;
    std::string id;
    std::string file;  // display path
    // The body as compact JSON in the vendor's key order: what the JSON
    // rendering sends. Kept as text, not a parsed tree, which takes several
    // times the memory (100,000 fixtures must fit in twice their size).
    std::shared_ptr<const std::string> text;
    // A timeline fixture (docs/timelines.md): the states it passes through.
    // text is then the body of its first state.
    std::shared_ptr<const Timeline> timeline;
    std::vector<FaultRule> faults;  // for requests of this task only

    json body() const { return json::parse(*text); }
};

// The JSON Schema of timeline fixture files (schemas/timeline.schema.json,
// built into the library so a fixture set is checked against the format it
// was written for).
const Schema& timeline_schema();
// The JSON Schema of a faults file or admin request: {"faults": [rule...]}.
const Schema& faults_schema();

class FixtureStore {
public:
    // Loads root/<variant>/*.json for each described variant. Each body must
    // be a JSON object with a string id at the variant's id field, matching
    // its id pattern, unique within the variant, and (when task_schemas has
    // the variant) valid against the task schema. Every problem is added to
    // diagnostics; bodies with problems are left out.
    // Directories named in passed_over (variants not being served) are skipped.
    // With allow_invalid, schema and invariant violations are warnings and the body is kept
    // (for testing a client against deliberately bad data).
    static FixtureStore load(const std::filesystem::path& root, const std::vector<VariantDescription>& variants,
                             const std::map<std::string, Schema>& task_schemas, Diagnostics& diagnostics,
                             bool allow_invalid = false, const std::set<std::string>& passed_over = {});

    // Adds one body; returns false (with diagnostics) when it is refused.
    bool add(const VariantDescription& variant, JsonText body, const Schema* task_schema, Diagnostics& diagnostics,
             bool allow_invalid = false);

    // Everything about one body that does not depend on the other bodies
    // (id, pattern, schema, invariants); safe to run on many threads.
    struct Examined {
        Diagnostics diagnostics;
        std::optional<Fixture> fixture;  // nothing when refused
        Location id_location;
    };
    static Examined examine(const VariantDescription& variant, const JsonText& body, const Schema* task_schema,
                            bool allow_invalid);

private:
    static Examined examine_timeline(const VariantDescription& variant, const JsonText& body, const Schema* task_schema,
                                     bool allow_invalid);

public:

    // Removes one fixture; false when there is none.
    bool remove(const std::string& variant, const std::string& id);

    const Fixture* find(const std::string& variant, const std::string& id) const;
    // Up to count ids of the variant that sort next to id and share the
    // longest prefix with it: a cheap "did you mean" for 404s.
    std::vector<std::string> near(const std::string& variant, const std::string& id, std::size_t count) const;
    std::vector<const Fixture*> fixtures(const std::string& variant) const;  // sorted by id
    std::size_t size() const;

private:
    struct Shelf {
        std::vector<Fixture> fixtures;
        std::unordered_map<std::string, std::size_t> by_id;
        std::vector<std::string> sorted_ids;
    };
    bool insert(Examined examined, Diagnostics& diagnostics);
    void finish();
    std::map<std::string, Shelf> shelves_;
};

}  // namespace taskmock
