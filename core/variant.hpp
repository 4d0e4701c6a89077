#pragma once
// A variant description: the data file schemas/<variant>/variant.json that
// says how one documented vendor API behaves. The server and the
// conformance runner have mechanisms; every vendor fact lives here.

#include <filesystem>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "core/invariant.hpp"
#include "core/json_text.hpp"
#include "core/lifecycle.hpp"
#include "core/route.hpp"
#include "core/schema.hpp"

namespace taskmock {

enum class Action { task, token };

struct Route {
    std::string method;
    RouteTemplate path;
    Action action = Action::task;
};

enum class AuthRequirement { always, when_configured, never };
enum class AuthSchemeType { header, query, bearer, basic };

struct AuthScheme {
    AuthSchemeType type = AuthSchemeType::header;
    std::string name;  // header or query parameter name
};

struct TokenExchange {
    std::string id_field;      // request body field with the key id
    std::string secret_field;  // request body field with the key secret
    std::string token_field;   // response body field with the token
};

struct Auth {
    AuthRequirement requirement = AuthRequirement::never;
    std::vector<AuthScheme> schemes;
    std::optional<TokenExchange> token;
};

struct Pattern {
    std::string text;
    std::regex regex;
    bool matches(const std::string& value) const { return std::regex_match(value, regex); }
};

struct QueryParameter {
    std::string name;
    std::vector<std::string> values;  // empty: any value
    std::optional<Pattern> pattern;
    bool list = false;
    std::string all;            // the value that selects every other value
    std::string default_value;  // used when the parameter is absent
    std::vector<std::pair<std::string, json::json_pointer>> shows;
    std::optional<json::json_pointer> links;
};

enum class Renderer { as_json, as_hal, as_xml, as_csv };

struct MediaType {
    std::string type;
    Renderer renderer = Renderer::as_json;
};

struct ErrorTemplate {
    int status = 500;           // on the wire
    std::optional<json> body;   // nothing: empty body
    std::vector<std::pair<std::string, std::string>> headers;
    std::string schema;         // schema file name, may be empty
};

struct Quirk {
    std::string description;
    std::map<int, ErrorTemplate> errors;
};

struct VariantDescription {
    std::string name;
    std::string title;
    std::string documentation;
    std::filesystem::path directory;  // schemas/<name>
    std::string file;                 // display name of variant.json

    std::vector<Route> routes;
    std::string id_parameter;
    json::json_pointer id_field;
    std::optional<Pattern> id_pattern;
    int invalid_id_status = 400;

    Auth auth;
    std::vector<QueryParameter> query;
    std::vector<MediaType> media_types;
    std::string error_media_type = "application/json";
    std::map<int, ErrorTemplate> errors;  // keyed by the status the pipeline decides
    std::map<std::string, Quirk> quirks;
    std::vector<Invariant> invariants;
    std::optional<Lifecycle> lifecycle;  // how a body follows its state (timelines)

    std::string task_schema;   // file name in directory
    std::string token_schema;  // file name in directory, may be empty

    const Route* task_route() const;
    const ErrorTemplate* error(int status) const;
    // Replaces error templates with those of the named quirk.
    bool apply_quirk(const std::string& quirk);
};

// Reads schemas/<name>/variant.json and checks it against the description
// schema and for consistency (route templates, regexes, error bodies for
// every status the server can answer). Problems go to diagnostics.
std::optional<VariantDescription> load_variant(const std::filesystem::path& directory,
                                               const Schema& description_schema, Diagnostics& diagnostics);

// The same for a description already in memory: text parsed with file as its
// display name; directory is where the schema files it names are looked for
// (and its last component the name the description must carry).
std::optional<VariantDescription> parse_variant(std::string text, std::string file,
                                                const std::filesystem::path& directory,
                                                const Schema& description_schema, Diagnostics& diagnostics);

// Every subdirectory of root with a variant.json, sorted by name.
std::vector<VariantDescription> load_variants(const std::filesystem::path& root, Diagnostics& diagnostics);

// Compiles every schema file the description names (task, token, error
// bodies), keyed by file name.
std::map<std::string, Schema> load_schemas(const VariantDescription& variant, Diagnostics& diagnostics);

// Display form of a path for diagnostics: relative to the cwd when below it.
std::string display_path(const std::filesystem::path& path);

}  // namespace taskmock
