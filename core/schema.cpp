#include "core/schema.hpp"

#include <algorithm>
#include <cctype>
#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <regex>
#include <string_view>
#include <utility>

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

namespace taskmock {

namespace {

using plain_json = nlohmann::json;  // what valijson reads

// valijson 1.0 reports no keyword, only a sentence per constraint; these are
// the openings of its sentences (validation_visitor.hpp), most specific first.
constexpr std::array<std::pair<std::string_view, std::string_view>, 22> kKeywords{{
    {"Failed to match against any enum values", "enum"},
    {"Failed to match expected value set by 'const'", "const"},
    {"Failed to match regex specified by 'pattern'", "pattern"},
    {"Value type not permitted by 'type'", "type"},
    {"Missing required property", "required"},
    {"Missing dependency", "dependencies"},
    {"Expected number less than or equal to", "maximum"},
    {"Expected number less than", "exclusiveMaximum"},
    {"Expected number greater than or equal to", "minimum"},
    {"Expected number greater than", "exclusiveMinimum"},
    {"String should be no more than", "maxLength"},
    {"String should be no fewer than", "minLength"},
    {"String should be a valid", "format"},
    {"Array should contain no more than", "maxItems"},
    {"Array should contain no fewer than", "minItems"},
    {"Object should have no more than", "maxProperties"},
    {"Object should have no fewer than", "minProperties"},
    {"Object contains a property that could not be validated", "additionalProperties"},
    {"Failed to validate against any schemas allowed by anyOf", "anyOf"},
    {"Failed to validate against exactly one child schema", "oneOf"},
    {"Elements at indexes", "uniqueItems"},
    {"Value should be a multiple of", "multipleOf"},
}};

std::string keyword_of(const std::string& description) {
    for (const auto& [opening, keyword] : kKeywords) {
        if (description.rfind(opening, 0) == 0) return std::string(keyword);
    }
    return "schema";
}

// valijson's context is {"<root>", "[name]", "[0]", ...}.
json::json_pointer pointer_of(const std::vector<std::string>& context) {
    json::json_pointer pointer;
    for (std::size_t i = 1; i < context.size(); ++i) {
        const std::string& part = context[i];
        if (part.size() >= 2 && part.front() == '[' && part.back() == ']') {
            pointer.push_back(part.substr(1, part.size() - 2));
        } else {
            pointer.push_back(part);
        }
    }
    return pointer;
}

const plain_json* resolve_ref(const plain_json& root, const plain_json* schema) {
    for (int hops = 0; schema != nullptr && hops < 16; ++hops) {
        if (!schema->is_object() || !schema->contains("$ref") || !(*schema)["$ref"].is_string()) return schema;
        std::string ref = (*schema)["$ref"].get<std::string>();
        if (ref.rfind('#', 0) != 0) return nullptr;
        try {
            schema = &root.at(plain_json::json_pointer(ref.substr(1)));
        } catch (const plain_json::exception&) {
            return nullptr;
        }
    }
    return schema;
}

// Best-effort walk from the root schema to the subschema that describes the
// value at pointer, through properties, items and local $refs; enough to
// name allowed values in messages. Nothing when combinators get in the way.
const plain_json* subschema_at(const plain_json& root, const json::json_pointer& pointer) {
    std::vector<std::string> tokens;
    for (json::json_pointer rest = pointer; !rest.empty(); rest.pop_back()) tokens.insert(tokens.begin(), rest.back());
    const plain_json* schema = resolve_ref(root, &root);
    for (const std::string& token : tokens) {
        if (schema == nullptr || !schema->is_object()) return nullptr;
        if (schema->contains("properties") && (*schema)["properties"].contains(token)) {
            schema = &(*schema)["properties"][token];
        } else if (schema->contains("items") && (*schema)["items"].is_object()) {
            schema = &(*schema)["items"];
        } else if (schema->contains("additionalProperties") && (*schema)["additionalProperties"].is_object()) {
            schema = &(*schema)["additionalProperties"];
        } else {
            return nullptr;
        }
        schema = resolve_ref(root, schema);
    }
    return schema;
}

std::string type_name(const json& value) {
    switch (value.type()) {
        case json::value_t::null: return "null";
        case json::value_t::boolean: return "boolean";
        case json::value_t::number_integer:
        case json::value_t::number_unsigned: return "integer";
        case json::value_t::number_float: return "number";
        case json::value_t::string: return "string";
        case json::value_t::array: return "array";
        case json::value_t::object: return "object";
        default: return "value";
    }
}

std::string join_values(const plain_json& values, std::string_view separator) {
    std::string out;
    for (const auto& value : values) {
        if (!out.empty()) out += separator;
        out += value.is_string() ? value.get<std::string>() : value.dump();
    }
    return out;
}

std::string shortened(const json& value) {
    std::string text = value.dump();
    if (text.size() > 80) text = text.substr(0, 77) + "...";
    return text;
}

std::string readable(const std::string& keyword, const std::string& description, const json* value,
                     const plain_json* schema) {
    if (value == nullptr) return description;
    const std::string shown = shortened(*value);
    auto has = [&](const char* key) { return schema != nullptr && schema->is_object() && schema->contains(key); };
    if (keyword == "enum" && has("enum")) return shown + " is not one of " + join_values((*schema)["enum"], ", ");
    if (keyword == "const" && has("const")) return shown + " is not " + (*schema)["const"].dump();
    if (keyword == "pattern" && has("pattern")) {
        return shown + " does not match " + (*schema)["pattern"].get<std::string>();
    }
    if (keyword == "type" && has("type")) {
        const json& type = (*schema)["type"];
        std::string expected = type.is_array() ? join_values(type, " or ") : type.get<std::string>();
        return "expected " + expected + ", found " + type_name(*value) + " " + shown;
    }
    if (keyword == "format" && has("format")) {
        return shown + " is not a valid " + (*schema)["format"].get<std::string>();
    }
    if (keyword == "required") {
        // "Missing required property 'taskId'."
        std::size_t open = description.find('\'');
        std::size_t close = description.rfind('\'');
        if (open != std::string::npos && close > open) {
            return "missing required property \"" + description.substr(open + 1, close - open - 1) + "\"";
        }
    }
    if (keyword == "additionalProperties") {
        std::size_t open = description.find(": '");
        if (open != std::string::npos && description.size() > open + 4) {
            return "property \"" + description.substr(open + 3, description.size() - open - 5) + "\" is not allowed";
        }
    }
    std::string text = description;
    if (!text.empty() && text.back() == '.') text.pop_back();
    if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
    return shown + ": " + text;
}

// The subschema that lists an object's properties: through $ref, and the
// first branch of anyOf/oneOf/allOf that lists them (nullable objects).
const plain_json* object_schema(const plain_json& root, const plain_json* schema) {
    schema = resolve_ref(root, schema);
    if (schema == nullptr || !schema->is_object()) return nullptr;
    if (schema->contains("properties")) return schema;
    for (const char* combinator : {"anyOf", "oneOf", "allOf"}) {
        if (!schema->contains(combinator) || !(*schema)[combinator].is_array()) continue;
        for (const auto& branch : (*schema)[combinator]) {
            if (const plain_json* found = object_schema(root, &branch)) return found;
        }
    }
    return schema;
}

void collect_undocumented(const plain_json& root, const plain_json* schema, const json& value,
                          const json::json_pointer& at, std::vector<json::json_pointer>& out) {
    schema = object_schema(root, schema);
    if (schema == nullptr) return;
    if (value.is_object()) {
        if (!schema->contains("properties")) return;  // open object: nothing is undocumented
        const plain_json& properties = (*schema)["properties"];
        for (const auto& [key, child] : value.items()) {
            if (properties.contains(key)) {
                collect_undocumented(root, &properties[key], child, at / key, out);
                continue;
            }
            bool by_pattern = false;
            if (schema->contains("patternProperties")) {
                for (const auto& [pattern, unused] : (*schema)["patternProperties"].items()) {
                    try {
                        by_pattern = by_pattern || std::regex_search(key, std::regex(pattern));
                    } catch (const std::regex_error&) {
                    }
                }
            }
            bool described = schema->contains("additionalProperties") && (*schema)["additionalProperties"].is_object();
            if (!by_pattern && !described) out.push_back(at / key);
        }
    } else if (value.is_array() && schema->contains("items") && (*schema)["items"].is_object()) {
        for (std::size_t i = 0; i < value.size(); ++i) {
            collect_undocumented(root, &(*schema)["items"], value[i], at / std::to_string(i), out);
        }
    }
}

// valijson 1.0 checks `format` with a std::regex it compiles anew for every
// string (validation_visitor.hpp, FormatConstraint), which made date-times
// most of start-up. The document valijson compiles has each such format
// replaced by a `pattern` with valijson's own regex, which it compiles once
// and caches; violations are reported under `format` again (see validate).
// Only the day-of-month range check valijson adds after its regex is lost.
const std::map<std::string, std::string>& format_patterns() {
    static const std::map<std::string, std::string> patterns{
        {"date", "^([0-9]+)-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])$"},
        {"time", "^([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9]|60)(\\.[0-9]+)?(([Zz])|([\\+|\\-]([01][0-9]|2[0-3]):[0-5][0-9]))$"},
        {"date-time",
         "^([0-9]+)-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])[Tt]([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9]|60)(\\.[0-9]+)?"
         "(([Zz])|([\\+|\\-]([01][0-9]|2[0-3]):[0-5][0-9]))$"},
    };
    return patterns;
}

void formats_to_patterns(plain_json& schema) {
    if (schema.is_object()) {
        auto format = schema.find("format");
        if (format != schema.end() && format->is_string() && !schema.contains("pattern")) {
            auto pattern = format_patterns().find(format->get<std::string>());
            if (pattern != format_patterns().end()) {
                schema["pattern"] = pattern->second;
                schema.erase("format");
            }
        }
    }
    if (schema.is_structured()) {
        for (auto& child : schema) formats_to_patterns(child);
    }
}

// The format named for the value at pointer, looking through $ref and the
// branches of anyOf/oneOf/allOf (nullable date-times are anyOf branches).
std::string format_at(const plain_json& root, const json::json_pointer& pointer) {
    const plain_json* schema = subschema_at(root, pointer);
    std::vector<const plain_json*> pending{schema};
    while (!pending.empty()) {
        const plain_json* node = resolve_ref(root, pending.back());
        pending.pop_back();
        if (node == nullptr || !node->is_object()) continue;
        if (node->contains("format") && (*node)["format"].is_string() && !node->contains("pattern")) {
            return (*node)["format"].get<std::string>();
        }
        for (const char* combinator : {"anyOf", "oneOf", "allOf"}) {
            if (node->contains(combinator) && (*node)[combinator].is_array()) {
                for (const auto& branch : (*node)[combinator]) pending.push_back(&branch);
            }
        }
    }
    return "";
}

bool is_within(const std::vector<std::string>& outer, const std::vector<std::string>& inner) {
    return outer.size() <= inner.size() && std::equal(outer.begin(), outer.end(), inner.begin());
}

// valijson reports, besides each failing constraint, a sentence for every
// ancestor that failed because of it ("failed to validate item #2", ...).
// Those wrappers are dropped; the constraint errors themselves are kept,
// however deep, so a missing required field at the root still shows when a
// nested field is also wrong.
bool is_wrapper(const std::string& description) {
    static const std::array<std::string_view, 6> openings{
        "Failed to validate against schema associated with", "Failed to validate item #",
        "Failed to validate against child schema", "Failed to validate against additional properties schema",
        "Failed to validate against dependent schema", "Cannot validate item #"};
    return std::any_of(openings.begin(), openings.end(),
                       [&](std::string_view opening) { return description.rfind(opening, 0) == 0; });
}

// anyOf/oneOf summaries say less than their branches' errors; keep one only
// when nothing more precise was reported at or below it.
bool is_summary(const std::string& description) {
    return description.rfind("Failed to validate against any schemas allowed by anyOf", 0) == 0 ||
           description.rfind("Failed to validate against exactly one child schema", 0) == 0;
}

// valijson's nlohmann adapter reads integers as int64_t, so one above
// INT64_MAX wraps to a negative number and passes a maximum. As a double it
// keeps its magnitude and fails the bounds it should fail.
void widen_huge_integers(nlohmann::json& value) {
    if (value.is_number_unsigned() &&
        value.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        value = static_cast<double>(value.get<std::uint64_t>());
    } else if (value.is_structured()) {
        for (auto& child : value) widen_huge_integers(child);
    }
}

// The first property name that breaks a propertyNames pattern, which
// valijson enforces without saying which name failed.
std::optional<Violation> bad_property_name(const plain_json& root, const json& value, const json::json_pointer& at) {
    if (value.is_object()) {
        const plain_json* schema = subschema_at(root, at);
        if (schema != nullptr && schema->is_object() && schema->contains("propertyNames") &&
            (*schema)["propertyNames"].is_object() && (*schema)["propertyNames"].contains("pattern") &&
            (*schema)["propertyNames"]["pattern"].is_string()) {
            const std::string text = (*schema)["propertyNames"]["pattern"].get<std::string>();
            try {
                const std::regex pattern(text, std::regex::ECMAScript);
                for (const auto& [key, child] : value.items()) {
                    if (!std::regex_search(key, pattern)) {
                        return Violation{at / key, "propertyNames", "property name \"" + key + "\" does not match " + text};
                    }
                }
            } catch (const std::regex_error&) {
                // valijson did not compile it either; nothing to point at.
            }
        }
        for (const auto& [key, child] : value.items()) {
            if (auto found = bad_property_name(root, child, at / key)) return found;
        }
    } else if (value.is_array()) {
        for (std::size_t i = 0; i < value.size(); ++i) {
            if (auto found = bad_property_name(root, value[i], at / i)) return found;
        }
    }
    return std::nullopt;
}

}  // namespace

std::string summary(const Violation& violation) {
    std::string where = violation.pointer.to_string();
    if (where.empty()) where = "/";
    return where + ": " + violation.message;
}

std::string describe(const Violation& violation) {
    return summary(violation) + " [schema." + violation.keyword + "]";
}

std::optional<Schema> Schema::compile(const JsonText& document, Diagnostics& diagnostics) {
    auto compiled = std::make_shared<valijson::Schema>();
    try {
        valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
        plain_json plain(document.value);
        formats_to_patterns(plain);
        valijson::adapters::NlohmannJsonAdapter adapter(plain);
        parser.populateSchema(adapter, *compiled);
    } catch (const std::exception& error) {
        diagnostics.error(Location{document.file}, std::string("invalid JSON Schema: ") + error.what(),
                          "schema.invalid");
        return std::nullopt;
    }
    Schema schema;
    schema.compiled_ = std::move(compiled);
    schema.document_ = std::make_shared<const plain_json>(document.value);
    schema.file_ = document.file;
    return schema;
}

std::vector<Violation> Schema::validate(const json& instance) const {
    valijson::ValidationResults results;
    plain_json plain(instance);
    widen_huge_integers(plain);
    valijson::adapters::NlohmannJsonAdapter target(plain);
    // A Validator's only state is its cache of compiled `pattern` regexes,
    // keyed by the pattern's text: one per thread serves every schema and
    // keeps them compiled across bodies (a fresh one per call spent most of
    // start-up compiling the same regexes).
    thread_local valijson::Validator validator;
    if (validator.validate(*compiled_, target, &results)) return {};

    std::vector<valijson::ValidationResults::Error> errors;
    valijson::ValidationResults::Error error;
    while (results.popError(error)) errors.push_back(error);

    std::vector<Violation> violations;
    for (const auto& candidate : errors) {
        if (is_wrapper(candidate.description)) continue;
        bool has_precise = std::any_of(errors.begin(), errors.end(), [&](const auto& other) {
            return &other != &candidate && !is_wrapper(other.description) && !is_summary(other.description) &&
                   is_within(candidate.context, other.context);
        });
        if (is_summary(candidate.description) && has_precise) continue;
        Violation violation;
        violation.pointer = pointer_of(candidate.context);
        violation.keyword = keyword_of(candidate.description);
        std::string format = violation.keyword == "pattern" ? format_at(*document_, violation.pointer) : "";
        if (!format.empty()) violation.keyword = "format";
        const json* value = instance.contains(violation.pointer) ? &instance.at(violation.pointer) : nullptr;
        violation.message = readable(violation.keyword, candidate.description, value,
                                     subschema_at(*document_, violation.pointer));
        if (!format.empty() && value != nullptr) violation.message = shortened(*value) + " is not a valid " + format;
        bool duplicate = std::any_of(violations.begin(), violations.end(), [&](const Violation& seen) {
            return seen.pointer == violation.pointer && seen.message == violation.message;
        });
        if (!duplicate) violations.push_back(std::move(violation));
    }
    // valijson checks some keywords (propertyNames, for one) without saying
    // why they fail: only the wrappers around them are reported, and those
    // were dropped above. The instance is invalid all the same; report it at
    // the deepest place the wrappers name.
    if (violations.empty()) {
        std::optional<Violation> name = bad_property_name(*document_, instance, json::json_pointer());
        if (name) {
            violations.push_back(std::move(*name));
        } else {
            std::vector<std::string> deepest{"<root>"};
            for (const auto& candidate : errors) {
                if (candidate.context.size() > deepest.size()) deepest = candidate.context;
            }
            violations.push_back(Violation{pointer_of(deepest), "schema", "does not validate against the schema"});
        }
    }
    // A generic "schema" entry beside specific ones at the same pointer adds nothing.
    std::erase_if(violations, [&](const Violation& v) {
        return v.keyword == "schema" && std::count_if(violations.begin(), violations.end(), [&](const Violation& o) {
                                            return o.pointer == v.pointer && o.keyword != "schema";
                                        }) > 0;
    });
    return violations;
}

std::vector<json::json_pointer> Schema::undocumented(const json& instance) const {
    std::vector<json::json_pointer> out;
    collect_undocumented(*document_, document_.get(), instance, json::json_pointer(), out);
    return out;
}

bool Schema::check(const JsonText& instance, Diagnostics& diagnostics) const {
    std::vector<Violation> violations = validate(instance.value);
    for (const Violation& violation : violations) {
        diagnostics.error(instance.locate(violation.pointer), summary(violation), "schema." + violation.keyword);
    }
    return violations.empty();
}

}  // namespace taskmock
