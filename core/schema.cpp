#include "core/schema.hpp"

#include <algorithm>
#include <cctype>
#include <array>
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

bool is_proper_prefix(const std::vector<std::string>& shorter, const std::vector<std::string>& longer) {
    return shorter.size() < longer.size() && std::equal(shorter.begin(), shorter.end(), longer.begin());
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
        const plain_json plain(document.value);
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
    valijson::Validator validator;
    valijson::ValidationResults results;
    const plain_json plain(instance);
    valijson::adapters::NlohmannJsonAdapter target(plain);
    if (validator.validate(*compiled_, target, &results)) return {};

    std::vector<valijson::ValidationResults::Error> errors;
    valijson::ValidationResults::Error error;
    while (results.popError(error)) errors.push_back(error);

    std::vector<Violation> violations;
    for (const auto& candidate : errors) {
        bool has_deeper = std::any_of(errors.begin(), errors.end(), [&](const auto& other) {
            return is_proper_prefix(candidate.context, other.context);
        });
        if (has_deeper) continue;
        Violation violation;
        violation.pointer = pointer_of(candidate.context);
        violation.keyword = keyword_of(candidate.description);
        const json* value = instance.contains(violation.pointer) ? &instance.at(violation.pointer) : nullptr;
        violation.message = readable(violation.keyword, candidate.description, value,
                                     subschema_at(*document_, violation.pointer));
        bool duplicate = std::any_of(violations.begin(), violations.end(), [&](const Violation& seen) {
            return seen.pointer == violation.pointer && seen.message == violation.message;
        });
        if (!duplicate) violations.push_back(std::move(violation));
    }
    // A generic "schema" entry beside specific ones at the same pointer adds nothing.
    std::erase_if(violations, [&](const Violation& v) {
        return v.keyword == "schema" && std::count_if(violations.begin(), violations.end(), [&](const Violation& o) {
                                            return o.pointer == v.pointer && o.keyword != "schema";
                                        }) > 0;
    });
    return violations;
}

bool Schema::check(const JsonText& instance, Diagnostics& diagnostics) const {
    std::vector<Violation> violations = validate(instance.value);
    for (const Violation& violation : violations) {
        diagnostics.error(instance.locate(violation.pointer), summary(violation), "schema." + violation.keyword);
    }
    return violations.empty();
}

}  // namespace taskmock
