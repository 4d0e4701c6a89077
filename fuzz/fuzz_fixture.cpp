// fuzz_fixture: bytes as a fixture body (fixtures/<variant>/*.json), for
// every shipped variant with its task schema: JSON parsing and the location
// of parse errors, the id checks, schema validation, invariants, and the
// diagnostics they produce.
//
// Invariants: every diagnostic renders; a located value starts where a JSON
// value can start; a body the store keeps is stored as compact JSON with its
// id at the variant's id field, equal to what was read (a timeline fixture:
// to its first state). A body kept with --allow-invalid is served: 200 in
// every media type the variant offers, with a body that parses as that type.

#include <pugixml.hpp>

#include "core/base64.hpp"
#include "core/fixture_store.hpp"
#include "core/media_type.hpp"
#include "fuzz/entries.hpp"
#include "fuzz/support.hpp"
#include "mock_server/pipeline.hpp"

namespace taskmock::fuzz {

namespace {

constexpr std::string_view kTarget = "fuzz_fixture";
// Pointers located per input: enough to walk nested values, few enough that
// an input with thousands of values stays fast.
constexpr std::size_t kMaxLocated = 16;

struct Checked {
    const VariantDescription* variant;
    std::optional<Schema> schema;
};

const std::vector<Checked>& variants() {
    static const std::vector<Checked> all = [] {
        std::vector<Checked> result;
        for (const VariantDescription& variant : shipped_catalogue().variants) {
            Diagnostics diagnostics;
            std::optional<JsonText> text =
                read_json_file(variant.directory / variant.task_schema, variant.task_schema, diagnostics);
            std::optional<Schema> schema = text ? Schema::compile(*text, diagnostics) : std::nullopt;
            if (!schema) fail(kTarget, "the shipped task schema of " + variant.name + " does not compile");
            result.push_back({&variant, std::move(schema)});
        }
        return result;
    }();
    return all;
}

void render_all(const Diagnostics& diagnostics) {
    std::string all = diagnostics.to_string();
    for (const Diagnostic& diagnostic : diagnostics.sorted()) {
        std::string line = format(diagnostic);
        require(!line.empty(), kTarget, "a diagnostic renders empty");
    }
    require(diagnostics.empty() || !all.empty(), kTarget, "diagnostics render empty");
}

// Pointers to some values of the document, depth first, up to kMaxLocated.
void collect(const json& value, json::json_pointer at, std::vector<json::json_pointer>& pointers) {
    if (pointers.size() >= kMaxLocated) return;
    pointers.push_back(at);
    if (value.is_object()) {
        for (const auto& [key, child] : value.items()) collect(child, at / key, pointers);
    } else if (value.is_array()) {
        for (std::size_t i = 0; i < value.size(); ++i) collect(value[i], at / i, pointers);
    }
}

void check_locations(const JsonText& body) {
    std::vector<json::json_pointer> pointers;
    collect(body.value, json::json_pointer(), pointers);
    for (const auto& pointer : pointers) {
        std::optional<std::size_t> offset = offset_of(body.text, pointer);
        require(offset.has_value(), kTarget, "the value at \"" + pointer.to_string() + "\" is not located");
        require(*offset < body.text.size() &&
                    std::string_view("{[\"-0123456789tfn").find(body.text[*offset]) != std::string_view::npos,
                kTarget, "the value at \"" + pointer.to_string() + "\" is located at offset " +
                             std::to_string(*offset) + ", where no JSON value starts");
        Location location = body.locate(pointer);
        require(location.line >= 1 && location.column >= 1, kTarget, "a located value has no line and column");
    }
}

// A request the variant's auth accepts when no credentials are configured.
Request request_for(const VariantDescription& variant, const std::string& id) {
    const Route* route = variant.task_route();
    std::vector<std::string> parameters(route->path.parameters().size());
    parameters[route->path.parameter_index(variant.id_parameter)] = id;
    Request request;
    request.method = route->method;
    request.path = route->path.expand(parameters);
    if (!variant.auth.schemes.empty()) {
        const AuthScheme& scheme = variant.auth.schemes.front();
        switch (scheme.type) {
            case AuthSchemeType::header: request.headers.emplace_back(scheme.name, "fuzz"); break;
            case AuthSchemeType::query: request.query.emplace_back(scheme.name, "fuzz"); break;
            case AuthSchemeType::bearer: request.headers.emplace_back("Authorization", "Bearer fuzz"); break;
            case AuthSchemeType::basic:
                request.headers.emplace_back("Authorization", "Basic " + base64_encode("fuzz:fuzz"));
                break;
        }
    }
    return request;
}

void check_served(const VariantDescription& variant, const JsonText& body, const Schema& schema) {
    FixtureStore store;
    Diagnostics diagnostics;
    if (!store.add(variant, body, &schema, diagnostics, true)) fail(kTarget, "a kept body is refused by add()");
    const Fixture* fixture = store.fixtures(variant.name).front();
    PipelineSettings settings;
    settings.prefixed = false;
    Pipeline pipeline({{variant, Credentials{}}}, store, settings);
    for (const MediaType& type : variant.media_types) {
        Request request = request_for(variant, fixture->id);
        request.headers.emplace_back("Accept", type.type);
        // Shaped variants also serve every optional part.
        for (const QueryParameter& parameter : variant.query) {
            if (!parameter.all.empty()) request.query.emplace_back(parameter.name, parameter.all);
        }
        Response response = pipeline.handle(request);
        require(response.status == 200, kTarget,
                variant.name + " answers " + std::to_string(response.status) + " for a kept fixture as " + type.type);
        require(essence(response.content_type) == type.type, kTarget, "served as " + response.content_type);
        switch (type.renderer) {
            case Renderer::as_json:
            case Renderer::as_hal:
                require(parses_as_json(response.body), kTarget, "a kept fixture is served as invalid JSON");
                break;
            case Renderer::as_xml: {
                pugi::xml_document document;
                bool parsed = static_cast<bool>(document.load_buffer(response.body.data(), response.body.size()));
                require(parsed && document.document_element(), kTarget, "a kept fixture is served as invalid XML");
                break;
            }
            case Renderer::as_csv:
                require(response.body.size() >= 4 && response.body.substr(response.body.size() - 2) == "\r\n", kTarget,
                        "a kept fixture is served as CSV without its record");
                break;
        }
    }
}

}  // namespace

int fuzz_fixture(const std::uint8_t* data, std::size_t size) {
    const std::vector<Checked>& checked = variants();
    Diagnostics parse_diagnostics;
    std::optional<JsonText> body =
        parse_json_text(std::string(reinterpret_cast<const char*>(data), size), "fuzz.json", parse_diagnostics);
    render_all(parse_diagnostics);
    if (!body) {
        require(parse_diagnostics.has_errors(), kTarget, "a body that does not parse has no error");
        return 0;
    }
    check_locations(*body);
    for (const Checked& entry : checked) {
        const VariantDescription& variant = *entry.variant;
        for (bool allow_invalid : {false, true}) {
            FixtureStore::Examined examined = FixtureStore::examine(variant, *body, &*entry.schema, allow_invalid);
            render_all(examined.diagnostics);
            if (!examined.fixture) continue;
            const Fixture& fixture = *examined.fixture;
            require(!examined.diagnostics.has_errors(), kTarget, "a body with errors is kept");
            json stored = fixture.body();
            require(stored.at(variant.id_field) == json(fixture.id), kTarget, "the stored body has another id");
            // A timeline fixture stores the body of its first state instead.
            if (!body->value.contains("timeline")) {
                require(stored == body->value, kTarget, "the stored text differs from the body read");
            }
            if (allow_invalid) check_served(variant, *body, *entry.schema);
        }
    }
    return 0;
}

}  // namespace taskmock::fuzz
