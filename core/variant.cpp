#include "core/variant.hpp"

#include <algorithm>
#include <set>

#include "core/variant_schema.hpp"  // generated: the description schema's text

namespace taskmock {

namespace {

const std::map<std::string, Action> kActions{{"task", Action::task}, {"token", Action::token}};
const std::map<std::string, AuthRequirement> kRequirements{{"always", AuthRequirement::always},
                                                           {"when_configured", AuthRequirement::when_configured},
                                                           {"never", AuthRequirement::never}};
const std::map<std::string, AuthSchemeType> kSchemes{{"header", AuthSchemeType::header},
                                                     {"query", AuthSchemeType::query},
                                                     {"bearer", AuthSchemeType::bearer},
                                                     {"basic", AuthSchemeType::basic}};
const std::map<std::string, Renderer> kRenderers{
    {"json", Renderer::as_json}, {"hal", Renderer::as_hal}, {"xml", Renderer::as_xml}, {"csv", Renderer::as_csv}};

std::optional<Pattern> compile_pattern(const JsonText& source, const json::json_pointer& at,
                                       Diagnostics& diagnostics) {
    std::string text = source.value.at(at).get<std::string>();
    try {
        return Pattern{text, std::regex(text, std::regex::ECMAScript | std::regex::optimize)};
    } catch (const std::regex_error& error) {
        diagnostics.error(source.locate(at), "invalid regular expression \"" + text + "\": " + error.what(),
                          "variant.pattern");
        return std::nullopt;
    }
}

std::map<int, ErrorTemplate> read_errors(const JsonText& source, const json::json_pointer& at) {
    std::map<int, ErrorTemplate> errors;
    for (const auto& [key, entry] : source.value.at(at).items()) {
        ErrorTemplate error;
        error.status = entry.value("status", std::stoi(key));
        if (entry.contains("body")) error.body = entry["body"];
        if (entry.contains("headers")) {
            for (const auto& [name, value] : entry["headers"].items()) error.headers.emplace_back(name, value.get<std::string>());
        }
        error.schema = entry.value("schema", "");
        errors[std::stoi(key)] = std::move(error);
    }
    return errors;
}

// Statuses the server may decide for this variant; each needs an error body.
std::set<int> statuses_needed(const VariantDescription& variant) {
    // 400 covers ids no task could have (control characters, overlong) on
    // every variant, besides malformed ids and query values.
    std::set<int> needed{400, 404, 405, 406};
    if (variant.id_pattern) needed.insert(variant.invalid_id_status);
    if (variant.auth.requirement != AuthRequirement::never || variant.auth.token) needed.insert(401);
    return needed;
}

void check_schema_file(const VariantDescription& variant, const JsonText& source, const std::string& name,
                       const json::json_pointer& at, Diagnostics& diagnostics) {
    if (name.empty()) return;
    if (name.find('/') != std::string::npos || name.find("..") != std::string::npos ||
        !std::filesystem::is_regular_file(variant.directory / name)) {
        diagnostics.error(source.locate(at), "schema file \"" + name + "\" not found in " + display_path(variant.directory),
                          "variant.schema-missing");
    }
}

}  // namespace

std::string display_path(const std::filesystem::path& path) {
    // Lexical, not canonical: a symlink is shown by its own name.
    std::error_code error;
    std::filesystem::path cwd = std::filesystem::current_path(error);
    if (error) return path.string();
    std::filesystem::path relative = std::filesystem::absolute(path, error).lexically_normal().lexically_relative(cwd);
    if (!error && !relative.empty() && relative.native().rfind("..", 0) != 0) return relative.string();
    return path.string();
}

const Route* VariantDescription::task_route() const {
    auto found = std::find_if(routes.begin(), routes.end(), [](const Route& r) { return r.action == Action::task; });
    return found == routes.end() ? nullptr : &*found;
}

const ErrorTemplate* VariantDescription::error(int status) const {
    auto found = errors.find(status);
    return found == errors.end() ? nullptr : &found->second;
}

bool VariantDescription::apply_quirk(const std::string& quirk) {
    auto found = quirks.find(quirk);
    if (found == quirks.end()) return false;
    for (const auto& [status, error] : found->second.errors) errors[status] = error;
    return true;
}

namespace {

// What load_variant and parse_variant share, once the JSON has parsed.
std::optional<VariantDescription> read_variant(const JsonText& source, const std::filesystem::path& directory,
                                               const Schema& description_schema, Diagnostics& diagnostics) {
    if (!description_schema.check(source, diagnostics)) return std::nullopt;
    const json& value = source.value;
    const std::size_t errors_before = diagnostics.error_count();

    VariantDescription variant;
    variant.directory = directory;
    variant.file = source.file;
    variant.name = value["name"];
    variant.title = value["title"];
    variant.documentation = value.value("documentation", "");
    if (variant.name != directory.filename().string()) {
        diagnostics.error(source.locate(json::json_pointer("/name")),
                          "name \"" + variant.name + "\" differs from its directory \"" +
                              directory.filename().string() + "\"",
                          "variant.name");
    }

    for (std::size_t i = 0; i < value["routes"].size(); ++i) {
        const json& entry = value["routes"][i];
        json::json_pointer at("/routes/" + std::to_string(i) + "/path");
        std::optional<RouteTemplate> path = RouteTemplate::parse(entry["path"].get<std::string>());
        if (!path) {
            diagnostics.error(source.locate(at), "malformed route template \"" + entry["path"].get<std::string>() + "\"",
                              "variant.route");
            continue;
        }
        variant.routes.push_back({entry["method"], *path, kActions.at(entry["action"])});
    }

    const json& id = value["id"];
    variant.id_parameter = id["parameter"];
    variant.id_field = json::json_pointer(id["field"].get<std::string>());
    variant.invalid_id_status = id.value("invalid_status", 400);
    if (id.contains("pattern")) variant.id_pattern = compile_pattern(source, json::json_pointer("/id/pattern"), diagnostics);
    const Route* task = variant.task_route();
    if (task == nullptr) {
        diagnostics.error(source.locate(json::json_pointer("/routes")), "no route with action \"task\"", "variant.route");
    } else if (task->path.parameter_index(variant.id_parameter) == std::string::npos) {
        diagnostics.error(source.locate(json::json_pointer("/id/parameter")),
                          "the task route " + task->path.text() + " has no parameter {" + variant.id_parameter + "}",
                          "variant.route");
    }

    if (value.contains("auth")) {
        const json& auth = value["auth"];
        variant.auth.requirement = kRequirements.at(auth["required"]);
        for (std::size_t i = 0; i < auth["schemes"].size(); ++i) {
            const json& entry = auth["schemes"][i];
            AuthScheme scheme{kSchemes.at(entry["type"]), entry.value("name", "")};
            bool named = scheme.type == AuthSchemeType::header || scheme.type == AuthSchemeType::query;
            if (named && scheme.name.empty()) {
                diagnostics.error(source.locate(json::json_pointer("/auth/schemes/" + std::to_string(i))),
                                  "a " + entry["type"].get<std::string>() + " scheme needs a name", "variant.auth");
            }
            variant.auth.schemes.push_back(std::move(scheme));
        }
        if (auth.contains("token")) {
            variant.auth.token = TokenExchange{auth["token"]["id_field"], auth["token"]["secret_field"],
                                               auth["token"]["token_field"]};
        }
    }
    bool has_token_route = std::any_of(variant.routes.begin(), variant.routes.end(),
                                       [](const Route& r) { return r.action == Action::token; });
    if (has_token_route != variant.auth.token.has_value()) {
        diagnostics.error(source.locate(json::json_pointer("/routes")),
                          "a \"token\" route and auth.token go together", "variant.auth");
    }

    if (value.contains("query")) {
        for (std::size_t i = 0; i < value["query"].size(); ++i) {
            const json& entry = value["query"][i];
            const std::string base = "/query/" + std::to_string(i);
            QueryParameter parameter;
            parameter.name = entry["name"];
            parameter.values = entry.value("values", std::vector<std::string>{});
            if (entry.contains("pattern")) parameter.pattern = compile_pattern(source, json::json_pointer(base + "/pattern"), diagnostics);
            parameter.list = entry.value("list", false);
            parameter.all = entry.value("all", "");
            parameter.default_value = entry.value("default", "");
            if (entry.contains("shows")) {
                for (const auto& [shown, field] : entry["shows"].items()) {
                    parameter.shows.emplace_back(shown, json::json_pointer(field.get<std::string>()));
                }
            }
            if (entry.contains("links")) parameter.links = json::json_pointer(entry["links"].get<std::string>());
            variant.query.push_back(std::move(parameter));
        }
    }

    for (const json& entry : value["media_types"]) {
        variant.media_types.push_back({entry["type"], kRenderers.at(entry["render"])});
    }
    variant.error_media_type = value.value("error_media_type", "application/json");

    variant.errors = read_errors(source, json::json_pointer("/errors"));
    for (int status : statuses_needed(variant)) {
        if (!variant.errors.contains(status)) {
            diagnostics.error(source.locate(json::json_pointer("/errors")),
                              "no error body for status " + std::to_string(status) + ", which this variant can answer",
                              "variant.error-missing");
        }
    }
    if (value.contains("quirks")) {
        for (const auto& [name, entry] : value["quirks"].items()) {
            variant.quirks[name] = Quirk{entry["description"],
                                         read_errors(source, json::json_pointer("/quirks") / name / "errors")};
        }
    }

    if (value.contains("invariants")) {
        for (const json& entry : value["invariants"]) variant.invariants.push_back(read_invariant(entry));
    }
    if (value.contains("lifecycle")) variant.lifecycle = read_lifecycle(value["lifecycle"]);

    variant.task_schema = value["schemas"]["task"];
    variant.token_schema = value["schemas"].value("token", "");
    check_schema_file(variant, source, variant.task_schema, json::json_pointer("/schemas/task"), diagnostics);
    check_schema_file(variant, source, variant.token_schema, json::json_pointer("/schemas/token"), diagnostics);
    for (const auto& [status, error] : variant.errors) {
        check_schema_file(variant, source, error.schema,
                          json::json_pointer("/errors/" + std::to_string(status) + "/schema"), diagnostics);
    }

    if (diagnostics.error_count() > errors_before) return std::nullopt;
    return variant;
}

}  // namespace

std::optional<VariantDescription> load_variant(const std::filesystem::path& directory,
                                               const Schema& description_schema, Diagnostics& diagnostics) {
    const std::string file = display_path(directory / "variant.json");
    std::optional<JsonText> source = read_json_file(directory / "variant.json", file, diagnostics);
    if (!source) return std::nullopt;
    return read_variant(*source, directory, description_schema, diagnostics);
}

std::optional<VariantDescription> parse_variant(std::string text, std::string file,
                                                const std::filesystem::path& directory,
                                                const Schema& description_schema, Diagnostics& diagnostics) {
    std::optional<JsonText> source = parse_json_text(std::move(text), std::move(file), diagnostics);
    if (!source) return std::nullopt;
    return read_variant(*source, directory, description_schema, diagnostics);
}

std::map<std::string, Schema> load_schemas(const VariantDescription& variant, Diagnostics& diagnostics) {
    std::set<std::string> files{variant.task_schema};
    if (!variant.token_schema.empty()) files.insert(variant.token_schema);
    for (const auto& [status, error] : variant.errors) {
        if (!error.schema.empty()) files.insert(error.schema);
    }
    for (const auto& [name, quirk] : variant.quirks) {
        for (const auto& [status, error] : quirk.errors) {
            if (!error.schema.empty()) files.insert(error.schema);
        }
    }
    std::map<std::string, Schema> schemas;
    for (const std::string& file : files) {
        auto text = read_json_file(variant.directory / file, display_path(variant.directory / file), diagnostics);
        if (!text) continue;
        if (auto schema = Schema::compile(*text, diagnostics)) schemas.emplace(file, std::move(*schema));
    }
    return schemas;
}

std::vector<VariantDescription> load_variants(const std::filesystem::path& root, Diagnostics& diagnostics) {
    std::optional<JsonText> schema_text = parse_json_text(std::string(kVariantSchema), "variant.schema.json", diagnostics);
    std::optional<Schema> schema = schema_text ? Schema::compile(*schema_text, diagnostics) : std::nullopt;
    std::vector<VariantDescription> variants;
    std::error_code error;
    if (!schema) return variants;
    if (!std::filesystem::is_directory(root, error)) {
        diagnostics.error(Location{display_path(root)}, "not a directory", "variant.root");
        return variants;
    }
    std::vector<std::filesystem::path> directories;
    for (const auto& entry : std::filesystem::directory_iterator(root, error)) {
        if (entry.is_directory() && std::filesystem::exists(entry.path() / "variant.json")) {
            directories.push_back(entry.path());
        }
    }
    std::sort(directories.begin(), directories.end());
    for (const auto& directory : directories) {
        if (auto variant = load_variant(directory, *schema, diagnostics)) variants.push_back(std::move(*variant));
    }
    if (variants.empty() && !diagnostics.has_errors()) {
        diagnostics.error(Location{display_path(root)}, "no variant descriptions (*/variant.json) found",
                          "variant.none");
    }
    return variants;
}

}  // namespace taskmock
