// fuzz_variant: bytes as a variant description (schemas/<variant>/variant.json):
// parsing, the description schema, and everything load_variant reads and
// checks after it (routes, patterns, auth, query parameters, error bodies,
// quirks, invariants).
//
// Invariants: every diagnostic renders; a description that loads can be
// served: a pipeline built from it (and from it with each of its quirks)
// answers a task request, a wrong method and an unknown path with a status
// in 100..599 and, where there is a body, a content type.

#include "core/variant_schema.hpp"  // generated: the description schema's text
#include "fuzz/entries.hpp"
#include "fuzz/support.hpp"
#include "mock_server/pipeline.hpp"

namespace taskmock::fuzz {

namespace {

constexpr std::string_view kTarget = "fuzz_variant";

const Schema& description_schema() {
    static const Schema schema = [] {
        Diagnostics diagnostics;
        std::optional<JsonText> text = parse_json_text(std::string(kVariantSchema), "variant.schema.json", diagnostics);
        std::optional<Schema> compiled = text ? Schema::compile(*text, diagnostics) : std::nullopt;
        if (!compiled) fail(kTarget, "the description schema does not compile:\n" + diagnostics.to_string());
        return std::move(*compiled);
    }();
    return schema;
}

// load_variants reads schemas/<name>/variant.json: the directory carries the
// description's name. Shipped names get their own directory (and schema
// files); any other name a directory of that name that does not exist.
std::filesystem::path directory_for(const std::string& text) {
    // Parsing a deeper document can exhaust the stack; the loader refuses it.
    json value = too_deep_at(text) ? json() : json::parse(text, nullptr, false);
    std::string name = "unknown";
    if (value.is_object() && value.contains("name") && value["name"].is_string()) name = value["name"].get<std::string>();
    if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") name = "unknown";
    return data_directory() / "schemas" / name;
}

void check_response(const Response& response, const std::string& what) {
    require(response.status >= 100 && response.status <= 599, kTarget,
            what + ": status " + std::to_string(response.status) + " is not an HTTP status");
    require(response.body.empty() || !response.content_type.empty(), kTarget, what + ": a body without a content type");
    if (!response.body.empty() && is_json_type(response.content_type)) {
        require(parses_as_json(response.body), kTarget, what + ": a JSON body that does not parse");
    }
}

void check_serves(const VariantDescription& variant) {
    static const FixtureStore empty;
    PipelineSettings settings;
    settings.prefixed = false;
    Pipeline pipeline({{variant, Credentials{}}}, empty, settings);
    const Route* route = variant.task_route();
    require(route != nullptr, kTarget, "a description without a task route loads");
    std::vector<std::string> parameters(route->path.parameters().size(), "fuzz-id");
    Request request;
    request.method = route->method;
    request.path = route->path.expand(parameters);
    check_response(pipeline.handle(request), "task request");
    request.headers.emplace_back("Authorization", "Bearer fuzz");
    for (const AuthScheme& scheme : variant.auth.schemes) {
        if (scheme.type == AuthSchemeType::header) request.headers.emplace_back(scheme.name, "fuzz");
        if (scheme.type == AuthSchemeType::query) request.query.emplace_back(scheme.name, "fuzz");
    }
    for (const QueryParameter& parameter : variant.query) request.query.emplace_back(parameter.name, "fuzz");
    check_response(pipeline.handle(request), "task request with credentials and query");
    request.method = route->method == "GET" ? "PUT" : "GET";
    check_response(pipeline.handle(request), "wrong method");
    request.path += "/fuzz";
    check_response(pipeline.handle(request), "unknown path");
}

}  // namespace

int fuzz_variant(const std::uint8_t* data, std::size_t size) {
    const Schema& schema = description_schema();
    std::string text(reinterpret_cast<const char*>(data), size);
    const std::filesystem::path directory = directory_for(text);
    Diagnostics diagnostics;
    std::optional<VariantDescription> variant = parse_variant(std::move(text), "variant.json", directory, schema, diagnostics);
    std::string rendered = diagnostics.to_string();
    for (const Diagnostic& diagnostic : diagnostics.sorted()) require(!format(diagnostic).empty(), kTarget, "empty diagnostic");
    if (!variant) {
        require(diagnostics.has_errors(), kTarget, "a description is refused without an error");
        return 0;
    }
    require(!diagnostics.has_errors(), kTarget, "a description with errors loads:\n" + rendered);
    check_serves(*variant);
    for (const auto& [name, quirk] : variant->quirks) {
        VariantDescription with_quirk = *variant;
        require(with_quirk.apply_quirk(name), kTarget, "a listed quirk does not apply");
        check_serves(with_quirk);
    }
    return 0;
}

}  // namespace taskmock::fuzz
