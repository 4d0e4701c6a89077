// Mutation tests: proof that the task schemas can fail. From every shipped
// fixture, bodies that break exactly one constraint are derived and each must
// be rejected with the expected JSON Pointer and keyword:
//   required  a required field dropped          -> "required" at its object
//   type      a string (boolean, object) field set to a number, a number
//             field set to a string              -> "type" at the field
//   enum      a value outside the enum           -> "enum" at the field
//   format    a malformed date-time              -> "format" at the field
//   pattern   an id that misses its pattern      -> "pattern" at the field
//   minimum / maximum  one past the bound        -> "minimum" / "maximum"
// The mutations are read off the variant's task schema (properties walked
// from the root through nested objects, the first element of arrays and
// local $refs), so new fields, fixtures and variants are covered without
// touching this file. A catalogue test checks that every variant gets at
// least one mutation of every kind its schema allows, so the parameterised
// test cannot silently test nothing.

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/schema.hpp"
#include "core/variant.hpp"

namespace taskmock {

namespace {

using plain_json = nlohmann::json;  // what Schema::document() holds

const std::vector<std::string> kKinds{"required", "type", "enum", "format", "pattern", "minimum", "maximum"};

struct Mutation {
    std::string name;  // <variant>_<fixture>_<field path>_<kind>
    std::string variant;
    std::string kind;
    std::string fixture;                   // display path of the fixture
    std::shared_ptr<const json> body;      // the fixture, unmutated
    std::shared_ptr<const Schema> schema;  // the variant's task schema
    json::json_pointer target;             // the value removed or replaced
    std::optional<json> replacement;       // nothing: target is removed
    json::json_pointer expected_pointer;
    std::string expected_keyword;
};

std::string where(const json::json_pointer& pointer) {
    std::string text = pointer.to_string();
    return text.empty() ? "/" : text;
}

// gtest prints the parameter of a failing case with this.
void PrintTo(const Mutation& mutation, std::ostream* out) {
    *out << mutation.fixture << ": ";
    if (mutation.replacement) {
        *out << "set " << where(mutation.target) << " to " << mutation.replacement->dump();
    } else {
        *out << "remove " << where(mutation.target);
    }
    *out << ", expect [schema." << mutation.expected_keyword << "] at " << where(mutation.expected_pointer);
}

struct Fixture {
    std::string variant;
    std::string file;
    std::shared_ptr<const json> body;
    std::shared_ptr<const Schema> schema;
};

struct Catalogue {
    std::vector<std::string> variants;
    std::vector<std::string> fixture_directories;
    std::vector<Fixture> fixtures;
    std::vector<Mutation> mutations;
    std::map<std::string, std::set<std::string>> applicable;           // variant -> kinds its schema allows
    std::map<std::string, std::map<std::string, std::size_t>> counts;  // variant -> kind -> mutations
    std::string problems;                                              // loading diagnostics
};

// ---- reading the schema ---------------------------------------------------

const plain_json* resolve(const plain_json& root, const plain_json* schema) {
    for (int hops = 0; schema != nullptr && hops < 16; ++hops) {
        if (!schema->is_object() || !schema->contains("$ref") || !(*schema)["$ref"].is_string()) return schema;
        const std::string ref = (*schema)["$ref"].get<std::string>();
        if (ref.rfind('#', 0) != 0) return nullptr;  // only local refs
        const plain_json::json_pointer pointer(ref.substr(1));
        if (!root.contains(pointer)) return nullptr;
        schema = &root.at(pointer);
    }
    return nullptr;
}

std::set<std::string> types_of(const plain_json& schema) {
    std::set<std::string> types;
    if (!schema.contains("type")) return types;
    const plain_json& type = schema["type"];
    if (type.is_string()) types.insert(type.get<std::string>());
    if (type.is_array()) {
        for (const auto& entry : type) {
            if (entry.is_string()) types.insert(entry.get<std::string>());
        }
    }
    return types;
}

bool allows_numbers(const plain_json& schema) {
    std::set<std::string> types = types_of(schema);
    return types.empty() || types.count("number") > 0 || types.count("integer") > 0;
}

// A value of a type the property does not allow: a number where numbers are
// not allowed (string, boolean, object, array, null), else a string where
// strings are not allowed. Nothing for untyped properties.
std::optional<json> wrong_type(const plain_json& schema) {
    std::set<std::string> types = types_of(schema);
    if (types.empty()) return std::nullopt;
    if (types.count("number") == 0 && types.count("integer") == 0) return json(12345);
    if (types.count("string") == 0) return json("not a number");
    return std::nullopt;
}

// valijson 1.0 checks only these formats (docs/schemas.md).
bool checked_format(const plain_json& schema) {
    if (!schema.contains("format") || !schema["format"].is_string()) return false;
    const std::string format = schema["format"].get<std::string>();
    return format == "date-time" || format == "date" || format == "time";
}

// A checked format on the property itself, or on a branch of its anyOf (the
// nullable date-times of docs/schemas.md).
bool has_checked_format(const plain_json& root, const plain_json& schema) {
    if (checked_format(schema)) return true;
    if (!schema.contains("anyOf") || !schema["anyOf"].is_array()) return false;
    return std::any_of(schema["anyOf"].begin(), schema["anyOf"].end(), [&](const plain_json& branch) {
        const plain_json* resolved = resolve(root, &branch);
        return resolved != nullptr && checked_format(*resolved);
    });
}

json outside_enum(const plain_json& values) {
    std::string candidate = "NOT_A_STATUS";
    while (std::find(values.begin(), values.end(), plain_json(candidate)) != values.end()) candidate += "_";
    return json(candidate);
}

// A string of the current value's length (so minLength/maxLength still hold)
// that the pattern does not match; JSON Schema patterns are unanchored.
std::optional<json> pattern_mismatch(const std::string& pattern, const json& current) {
    std::size_t length = current.is_string() ? current.get_ref<const std::string&>().size() : 8;
    length = std::max<std::size_t>(length, 1);
    std::regex regex;
    try {
        regex = std::regex(pattern, std::regex::ECMAScript);
    } catch (const std::regex_error&) {
        return std::nullopt;
    }
    for (const std::string& candidate : {std::string(length, '!'), std::string(length, 'Z'), std::string("!")}) {
        if (!std::regex_search(candidate, regex)) return json(candidate);
    }
    return std::nullopt;
}

// One past a minimum (direction -1) or maximum (+1). valijson compares
// numbers as doubles, so nothing when bound and bound +- 1 are the same
// double: the int64 limits of the Conductor schemas (2^63 - 1 + 1 rounds
// back to the bound, and -2^63 - 1 is no JSON integer nlohmann can hold).
std::optional<json> beyond(const plain_json& bound, int direction) {
    constexpr double kExactIntegers = 9007199254740992.0;  // 2^53
    if (!bound.is_number()) return std::nullopt;
    if (bound.is_number_float()) {
        const double limit = bound.get<double>();
        const double value = limit + static_cast<double>(direction);
        if (!std::isfinite(value) || value == limit) return std::nullopt;
        return json(value);
    }
    if (std::fabs(bound.get<double>()) >= kExactIntegers) return std::nullopt;
    return json(bound.get<std::int64_t>() + direction);
}

// The kinds of mutation a property allows, by its schema alone.
std::set<std::string> property_kinds(const plain_json& root, const plain_json& schema) {
    std::set<std::string> kinds;
    if (wrong_type(schema)) kinds.insert("type");
    if (schema.contains("enum") && schema["enum"].is_array()) kinds.insert("enum");
    if (has_checked_format(root, schema)) kinds.insert("format");
    if (schema.contains("pattern") && schema["pattern"].is_string()) kinds.insert("pattern");
    if (allows_numbers(schema) && schema.contains("minimum") && beyond(schema["minimum"], -1)) kinds.insert("minimum");
    if (allows_numbers(schema) && schema.contains("maximum") && beyond(schema["maximum"], +1)) kinds.insert("maximum");
    return kinds;
}

// The kinds that apply to a schema: those of every property reachable from
// the root through properties and local $refs, plus "required" when such an
// object requires something. Array items are left out: a fixture may well
// have no element to mutate (oracle-bpm's links, added only at render time).
void applicable_kinds(const plain_json& root, const plain_json* schema, std::set<const plain_json*>& seen,
                      std::set<std::string>& kinds) {
    schema = resolve(root, schema);
    if (schema == nullptr || !schema->is_object() || !seen.insert(schema).second) return;
    if (schema->contains("required") && (*schema)["required"].is_array() && !(*schema)["required"].empty()) {
        kinds.insert("required");
    }
    if (!schema->contains("properties") || !(*schema)["properties"].is_object()) return;
    for (const auto& [name, property] : (*schema)["properties"].items()) {
        const plain_json* resolved = resolve(root, &property);
        if (resolved == nullptr || !resolved->is_object()) continue;
        kinds.merge(property_kinds(root, *resolved));
        applicable_kinds(root, resolved, seen, kinds);
    }
}

// ---- deriving the mutations from one fixture --------------------------------

std::string test_name(std::string text) {
    for (char& c : text) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    }
    return text;
}

class Deriver {
public:
    Deriver(Catalogue& catalogue, std::set<std::string>& names, const Fixture& fixture, const std::string& stem)
        : catalogue_(catalogue),
          names_(names),
          fixture_(fixture),
          root_(fixture.schema->document()),
          prefix_(fixture.variant + "_" + stem) {}

    void run() {
        const plain_json* schema = resolve(root_, &root_);
        if (schema != nullptr && fixture_.body->is_object()) object(*schema, *fixture_.body, json::json_pointer(), "");
    }

private:
    // schema is resolved; value is the instance object at pointer at.
    void object(const plain_json& schema, const json& value, const json::json_pointer& at, const std::string& label) {
        if (schema.contains("required") && schema["required"].is_array()) {
            for (const auto& required : schema["required"]) {
                if (!required.is_string()) continue;
                const std::string name = required.get<std::string>();
                if (!value.contains(name)) continue;
                add("required", label + "_" + name, at / name, std::nullopt, at, "required");
            }
        }
        if (!schema.contains("properties") || !schema["properties"].is_object()) return;
        for (const auto& [name, property] : schema["properties"].items()) {
            if (!value.contains(name)) continue;
            const plain_json* resolved = resolve(root_, &property);
            if (resolved == nullptr || !resolved->is_object()) continue;
            field(*resolved, value[name], at / name, label + "_" + name);
        }
    }

    void field(const plain_json& schema, const json& value, const json::json_pointer& at, const std::string& label) {
        if (auto replacement = wrong_type(schema)) add("type", label, at, replacement, at, "type");
        if (schema.contains("enum") && schema["enum"].is_array()) {
            add("enum", label, at, outside_enum(schema["enum"]), at, "enum");
        }
        if (checked_format(schema)) add("format", label, at, json("not-a-date-time"), at, "format");
        if (!checked_format(schema) && has_checked_format(root_, schema)) {
            // Nullable date-time, written as anyOf [{string, date-time}, {null}].
            // valijson reports the errors of every failed branch at the same
            // pointer as the anyOf error itself, and schema.cpp keeps all
            // errors of equal depth, so the precise "format" (besides "type"
            // from the null branch and "anyOf") is produced and expected.
            add("format", label, at, json("not-a-date-time"), at, "format");
        }
        if (schema.contains("pattern") && schema["pattern"].is_string()) {
            if (auto replacement = pattern_mismatch(schema["pattern"].get<std::string>(), value)) {
                add("pattern", label, at, replacement, at, "pattern");
            }
        }
        if (allows_numbers(schema) && schema.contains("minimum")) {
            if (auto replacement = beyond(schema["minimum"], -1)) add("minimum", label, at, replacement, at, "minimum");
        }
        if (allows_numbers(schema) && schema.contains("maximum")) {
            if (auto replacement = beyond(schema["maximum"], +1)) add("maximum", label, at, replacement, at, "maximum");
        }

        if (value.is_object()) {
            object(schema, value, at, label);
        } else if (value.is_array() && !value.empty() && value[0].is_object() && schema.contains("items") &&
                   schema["items"].is_object()) {
            // The first element stands for all of them.
            const plain_json* items = resolve(root_, &schema["items"]);
            if (items != nullptr && items->is_object()) object(*items, value[0], at / 0, label + "_0");
        }
    }

    void add(const std::string& kind, const std::string& label, const json::json_pointer& target,
             std::optional<json> replacement, const json::json_pointer& expected_pointer,
             const std::string& expected_keyword) {
        const std::string base = test_name(prefix_ + label + "_" + kind);
        std::string name = base;
        for (int n = 2; !names_.insert(name).second; ++n) name = base + "_" + std::to_string(n);
        Mutation mutation;
        mutation.name = name;
        mutation.variant = fixture_.variant;
        mutation.kind = kind;
        mutation.fixture = fixture_.file;
        mutation.body = fixture_.body;
        mutation.schema = fixture_.schema;
        mutation.target = target;
        mutation.replacement = std::move(replacement);
        mutation.expected_pointer = expected_pointer;
        mutation.expected_keyword = expected_keyword;
        catalogue_.counts[fixture_.variant][kind] += 1;
        catalogue_.mutations.push_back(std::move(mutation));
    }

    Catalogue& catalogue_;
    std::set<std::string>& names_;
    const Fixture& fixture_;
    const plain_json& root_;
    std::string prefix_;
};

Catalogue build_catalogue() {
    Catalogue catalogue;
    Diagnostics diagnostics;
    const std::filesystem::path source(TASKMOCK_SOURCE_DIR);
    std::set<std::string> names;

    for (const auto& entry : std::filesystem::directory_iterator(source / "fixtures")) {
        if (entry.is_directory()) catalogue.fixture_directories.push_back(entry.path().filename().string());
    }
    std::sort(catalogue.fixture_directories.begin(), catalogue.fixture_directories.end());

    for (const VariantDescription& variant : load_variants(source / "schemas", diagnostics)) {
        catalogue.variants.push_back(variant.name);
        const std::filesystem::path schema_file = variant.directory / variant.task_schema;
        auto text = read_json_file(schema_file, display_path(schema_file), diagnostics);
        if (!text) continue;
        auto compiled = Schema::compile(*text, diagnostics);
        if (!compiled) continue;
        auto schema = std::make_shared<const Schema>(std::move(*compiled));

        std::set<const plain_json*> seen;
        applicable_kinds(schema->document(), &schema->document(), seen, catalogue.applicable[variant.name]);

        const std::filesystem::path directory = source / "fixtures" / variant.name;
        if (!std::filesystem::is_directory(directory)) continue;
        std::vector<std::filesystem::path> files;
        for (const auto& file : std::filesystem::directory_iterator(directory)) {
            // Timeline fixtures are checked state by state in fixture_schema_test.
            if (file.path().extension() == ".json" && file.path().stem().extension() != ".timeline") {
                files.push_back(file.path());
            }
        }
        std::sort(files.begin(), files.end());
        for (const auto& file : files) {
            auto body = read_json_file(file, display_path(file), diagnostics);
            if (!body) continue;
            Fixture fixture{variant.name, body->file, std::make_shared<const json>(std::move(body->value)), schema};
            catalogue.fixtures.push_back(fixture);
            Deriver(catalogue, names, catalogue.fixtures.back(), file.stem().string()).run();
        }
    }
    catalogue.problems = diagnostics.to_string();
    return catalogue;
}

const Catalogue& catalogue() {
    static const Catalogue instance = build_catalogue();
    return instance;
}

std::string mutation_name(const ::testing::TestParamInfo<Mutation>& info) { return info.param.name; }

}  // namespace

class SchemaMutationTest : public ::testing::TestWithParam<Mutation> {};

TEST_P(SchemaMutationTest, IsRejectedWithExpectedPointerAndKeyword) {
    const Mutation& mutation = GetParam();
    json body = *mutation.body;
    ASSERT_TRUE(body.contains(mutation.target)) << where(mutation.target) << " not in " << mutation.fixture;
    if (mutation.replacement) {
        body.at(mutation.target) = *mutation.replacement;
    } else {
        body.at(mutation.target.parent_pointer()).erase(mutation.target.back());
    }
    ASSERT_NE(body, *mutation.body) << "the mutation changed nothing";

    const std::vector<Violation> violations = mutation.schema->validate(body);
    ASSERT_FALSE(violations.empty()) << "the mutated body was accepted";
    const bool found = std::any_of(violations.begin(), violations.end(), [&](const Violation& violation) {
        return violation.pointer == mutation.expected_pointer && violation.keyword == mutation.expected_keyword;
    });
    std::ostringstream reported;
    for (const Violation& violation : violations) reported << "\n  " << describe(violation);
    EXPECT_TRUE(found) << "expected [schema." << mutation.expected_keyword << "] at "
                       << where(mutation.expected_pointer) << ", reported:" << reported.str();
}

INSTANTIATE_TEST_SUITE_P(Shipped, SchemaMutationTest, ::testing::ValuesIn(catalogue().mutations), mutation_name);

TEST(SchemaMutationCatalogue, EveryVariantGetsEveryKindItsSchemaAllows) {
    const Catalogue& c = catalogue();
    ASSERT_TRUE(c.problems.empty()) << c.problems;
    ASSERT_FALSE(c.variants.empty()) << "no variants under schemas/";
    EXPECT_EQ(c.variants, c.fixture_directories) << "every variant has fixtures/<variant>/ and no other directory";
    for (const std::string& variant : c.variants) {
        const auto applicable = c.applicable.find(variant);
        ASSERT_NE(applicable, c.applicable.end()) << variant << ": task schema not read";
        // Every task schema has typed properties; an empty set would mean the
        // walk no longer understands the schema layout.
        EXPECT_TRUE(applicable->second.count("type") > 0) << variant << ": no typed property found in the task schema";
        const auto counts = c.counts.find(variant);
        for (const std::string& kind : applicable->second) {
            const std::size_t count =
                counts == c.counts.end() || counts->second.count(kind) == 0 ? 0 : counts->second.at(kind);
            EXPECT_GT(count, 0u) << variant << ": the schema allows \"" << kind
                                 << "\" mutations but no fixture yields one";
        }
    }
    for (const Fixture& fixture : c.fixtures) {
        const bool yields = std::any_of(c.mutations.begin(), c.mutations.end(),
                                        [&](const Mutation& mutation) { return mutation.fixture == fixture.file; });
        EXPECT_TRUE(yields) << fixture.file << ": no mutation derived";
    }

    // The table of generated cases, for the log.
    std::cout << "mutations per variant and kind (total " << c.mutations.size() << "):\n";
    for (const std::string& variant : c.variants) {
        std::cout << "  " << variant << ":";
        for (const std::string& kind : kKinds) {
            const auto counts = c.counts.find(variant);
            const std::size_t count =
                counts == c.counts.end() || counts->second.count(kind) == 0 ? 0 : counts->second.at(kind);
            std::cout << " " << kind << "=" << count;
        }
        std::cout << "\n";
    }
}

// Derived mutations follow the schema, so a constraint dropped from a schema
// would silently drop its cases too. These are the constraints docs/schemas.md
// documents; each must still yield its case.
TEST(SchemaMutationCatalogue, DocumentedConstraintsAreMutated) {
    const std::vector<std::string> expected{
        "cognigy_seed__id_required", "cognigy_seed_status_enum", "cognigy_seed_lastRunAt_format",
        "cognigy_seed__id_pattern", "cognigy_seed_createdAt_minimum", "cognigy_seed_createdAt_maximum",
        "cognigy_seed_createdAt_type", "cognigy_seed_name_type",
        "conductor_seed_status_enum", "conductor_seed_taskDefinition_required", "conductor_seed_retryCount_maximum",
        "orkes_seed_status_enum", "orkes_seed_firstStartTime_minimum", "orkes_seed_taskId_type",
        "maxsight_seed_id_pattern", "maxsight_seed_created_at_format", "maxsight_seed_locked_at_format",
        "maxsight_seed_data_version_minimum", "maxsight_seed_assignment_assigned_to_id_required",
        "oracle_bpm_working_status_state_enum", "oracle_bpm_working_status_timestamp_format",
        "oracle_bpm_working_history_0_role_enum",
    };
    std::set<std::string> names;
    for (const Mutation& mutation : catalogue().mutations) names.insert(mutation.name);
    for (const std::string& name : expected) EXPECT_TRUE(names.count(name) > 0) << name << " not generated";
}

// A mutation proves something only if the fixture was valid before it.
TEST(SchemaMutationCatalogue, FixturesAreValidBeforeMutation) {
    const Catalogue& c = catalogue();
    ASSERT_FALSE(c.fixtures.empty());
    for (const Fixture& fixture : c.fixtures) {
        std::ostringstream reported;
        for (const Violation& violation : fixture.schema->validate(*fixture.body)) {
            reported << "\n  " << describe(violation);
        }
        EXPECT_TRUE(reported.str().empty()) << fixture.file << ":" << reported.str();
    }
}

}  // namespace taskmock
