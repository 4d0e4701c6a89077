#pragma once
// JSON Schema (draft-07) validation through valijson. A violation names the
// instance's JSON Pointer, the failing keyword and a readable message; only
// the deepest error of a chain is kept (valijson also reports every ancestor).

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/json_text.hpp"

namespace valijson {
class Schema;
}

namespace taskmock {

struct Violation {
    json::json_pointer pointer;  // where in the instance
    std::string keyword;         // e.g. "enum", "required", "type"
    std::string message;         // readable, names the offending value
};

// "/status: "DONE" is not one of ..."
std::string summary(const Violation& violation);
// summary plus the catalogue code: "... [schema.enum]"
std::string describe(const Violation& violation);

class Schema {
public:
    // Compiles a schema document; a schema valijson cannot compile adds a
    // diagnostic and returns nothing.
    static std::optional<Schema> compile(const JsonText& document, Diagnostics& diagnostics);

    std::vector<Violation> validate(const json& instance) const;

    // Fields of the instance that the schema does not name under an object's
    // properties: how an API's drift shows first. Objects whose schema lists
    // no properties are open and never reported.
    std::vector<json::json_pointer> undocumented(const json& instance) const;

    // Adds one diagnostic per violation, located in the instance's file.
    // Returns true when the instance is valid.
    bool check(const JsonText& instance, Diagnostics& diagnostics) const;

    const nlohmann::json& document() const { return *document_; }
    const std::string& file() const { return file_; }

private:
    std::shared_ptr<const valijson::Schema> compiled_;

    std::shared_ptr<const nlohmann::json> document_;
    std::string file_;
};

}  // namespace taskmock
