// Micro-benchmarks of what one request and start-up cost without sockets:
// the Pipeline (built as tests/support/test_server.hpp builds it), fixture
// loading, and schema validation of one body.
//
//   build-bench/bench/pipeline_bench [--benchmark_filter=Pipeline]

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/fixture_store.hpp"
#include "core/json_text.hpp"
#include "core/schema.hpp"
#include "core/variant.hpp"
#include "mock_server/cli.hpp"
#include "mock_server/pipeline.hpp"

namespace {

using namespace taskmock;

const std::string kSource = TASKMOCK_SOURCE_DIR;
const std::string kOrkesSeedId = "65fc73fe-0586-11f1-8b8d-6219b54da7fe";

[[noreturn]] void fail(const std::string& what) {
    std::cerr << "pipeline_bench: " << what << "\n";
    std::exit(2);
}

// A pipeline over the shipped data, every variant under /<name>, as
// `taskmock` with no options serves it.
struct Served {
    std::optional<Catalogue> catalogue;
    std::unique_ptr<Pipeline> pipeline;

    Served() {
        std::string error;
        Options options = *parse_options({}, error);
        Diagnostics diagnostics;
        catalogue = load_catalogue(options, diagnostics, error);
        if (!catalogue) fail(diagnostics.to_string() + error);
        std::vector<MountConfig> mounts;
        for (const auto& variant : catalogue->variants) mounts.push_back({variant, Credentials{}});
        PipelineSettings settings;
        settings.prefixed = true;
        pipeline = std::make_unique<Pipeline>(std::move(mounts), catalogue->store, settings);
    }
};

const Pipeline& pipeline() {
    static Served served;
    return *served.pipeline;
}

Request get(std::string path, Fields headers = {}, Fields query = {}) {
    Request request;
    request.method = "GET";
    request.path = std::move(path);
    request.headers = std::move(headers);
    request.query = std::move(query);
    return request;
}

void run_pipeline(benchmark::State& state, const Request& request, int expected_status) {
    const Pipeline& p = pipeline();
    Response first = p.handle(request);
    if (first.status != expected_status) {
        state.SkipWithError(("status " + std::to_string(first.status) + ", expected " +
                             std::to_string(expected_status))
                                .c_str());
        return;
    }
    std::size_t bytes = 0;
    for (auto _ : state) {
        Response response = p.handle(request);
        bytes += response.body.size();
        benchmark::DoNotOptimize(response);
    }
    state.SetBytesProcessed(static_cast<int64_t>(bytes));
    state.counters["body_bytes"] = static_cast<double>(first.body.size());
}

void BM_PipelineFoundTask(benchmark::State& state) {
    run_pipeline(state, get("/orkes/api/tasks/" + kOrkesSeedId), 200);
}
BENCHMARK(BM_PipelineFoundTask);

void BM_PipelineUnknownId(benchmark::State& state) {
    run_pipeline(state, get("/orkes/api/tasks/65fc73fe-0586-11f1-8b8d-6219b54da700"), 404);
}
BENCHMARK(BM_PipelineUnknownId);

void BM_PipelineCognigyXml(benchmark::State& state) {
    run_pipeline(state,
                 get("/cognigy/new/v2.0/tasks/69956a7818f58a6f40119c35",
                     {{"X-API-Key", "bench"}, {"Accept", "application/xml"}}),
                 200);
}
BENCHMARK(BM_PipelineCognigyXml);

void BM_PipelineOracleShaped(benchmark::State& state) {
    run_pipeline(state,
                 get("/oracle-bpm/bpm/api/4.0/tasks/215419", {{"Authorization", "Basic dXNlcjpwYXNz"}},
                     {{"expand", "All"}, {"metadataFlag", "true"}}),
                 200);
}
BENCHMARK(BM_PipelineOracleShaped);

// Start-up's main cost: read, parse, validate (schema and invariants) and
// index every shipped fixture. Schemas are compiled once, outside the loop.
void BM_FixtureLoadPerMB(benchmark::State& state) {
    Diagnostics diagnostics;
    std::vector<VariantDescription> variants = load_variants(kSource + "/schemas", diagnostics);
    std::map<std::string, Schema> schemas;
    for (const auto& variant : variants) {
        auto all = load_schemas(variant, diagnostics);
        auto task = all.find(variant.task_schema);
        if (task != all.end()) schemas.emplace(variant.name, std::move(task->second));
    }
    if (diagnostics.has_errors()) fail(diagnostics.to_string());

    const std::filesystem::path root = kSource + "/fixtures";
    std::size_t bytes = 0;
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
        if (entry.is_regular_file() && entry.path().extension() == ".json") {
            bytes += entry.file_size();
            ++files;
        }
    }
    for (auto _ : state) {
        Diagnostics load_diagnostics;
        FixtureStore store = FixtureStore::load(root, variants, schemas, load_diagnostics);
        if (store.size() != files || load_diagnostics.has_errors()) {
            state.SkipWithError("the shipped fixtures did not load cleanly");
            break;
        }
        benchmark::DoNotOptimize(store);
    }
    state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes));
    state.counters["fixtures"] = static_cast<double>(files);
    state.counters["fixture_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_FixtureLoadPerMB)->Unit(benchmark::kMicrosecond);

// What taskconform pays per body: core Schema::validate of the Orkes seed.
void BM_SchemaValidateOrkesTask(benchmark::State& state) {
    Diagnostics diagnostics;
    std::vector<VariantDescription> variants = load_variants(kSource + "/schemas", diagnostics);
    auto variant = std::find_if(variants.begin(), variants.end(), [](const auto& v) { return v.name == "orkes"; });
    if (variant == variants.end()) fail(diagnostics.to_string() + "no orkes variant");
    auto schemas = load_schemas(*variant, diagnostics);
    auto schema = schemas.find(variant->task_schema);
    if (schema == schemas.end()) fail("no orkes task schema");
    std::optional<JsonText> seed = read_json_file(kSource + "/fixtures/orkes/seed.json", "seed.json", diagnostics);
    if (!seed) fail(diagnostics.to_string());
    if (!schema->second.validate(seed->value).empty()) {
        state.SkipWithError("the seed does not validate");
        return;
    }
    for (auto _ : state) {
        std::vector<Violation> violations = schema->second.validate(seed->value);
        benchmark::DoNotOptimize(violations);
    }
    state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(seed->text.size()));
}
BENCHMARK(BM_SchemaValidateOrkesTask)->Unit(benchmark::kMicrosecond);

}  // namespace
