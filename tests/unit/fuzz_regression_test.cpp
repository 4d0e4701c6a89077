// Inputs the fuzz targets once crashed on (or that stress them: deep
// nesting, huge numbers, invalid UTF-8, NUL bytes), replayed through the same
// entry functions the libFuzzer executables call, in the ordinary build.
// A broken invariant aborts with its message; an escaping exception fails.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/fixture_store.hpp"
#include "core/variant.hpp"
#include "core/variant_schema.hpp"
#include "fuzz/entries.hpp"

namespace taskmock {

namespace {

struct Target {
    std::string name;
    int (*entry)(const std::uint8_t*, std::size_t);
};

// gtest names the parameter in failure messages.
void PrintTo(const Target& target, std::ostream* out) { *out << target.name; }

const std::filesystem::path kRegressions = std::filesystem::path(TASKMOCK_TEST_DATA_DIR) / "fuzz-regressions";
const std::filesystem::path kSeeds = std::filesystem::path(TASKMOCK_SOURCE_DIR) / "fuzz" / "corpus";

std::vector<std::filesystem::path> files_in(const std::filesystem::path& directory) {
    std::vector<std::filesystem::path> files;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

std::string bytes_of(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

void replay(const Target& target, const std::filesystem::path& file) {
    SCOPED_TRACE(file.string());
    const std::string input = bytes_of(file);
    const auto* data = reinterpret_cast<const std::uint8_t*>(input.data());
    int result = -1;
    EXPECT_NO_THROW(result = target.entry(data, input.size()));
    EXPECT_EQ(result, 0);
}

}  // namespace

class FuzzRegressionTest : public ::testing::TestWithParam<Target> {};

TEST_P(FuzzRegressionTest, EverySavedInputPasses) {
    std::vector<std::filesystem::path> files = files_in(kRegressions / GetParam().name);
    // An empty directory would make this test pass without replaying anything.
    ASSERT_FALSE(files.empty()) << "no saved inputs in " << (kRegressions / GetParam().name);
    for (const auto& file : files) replay(GetParam(), file);
}

TEST_P(FuzzRegressionTest, HandWrittenSeedsPass) {
    for (const auto& file : files_in(kSeeds / GetParam().name)) replay(GetParam(), file);
}

TEST_P(FuzzRegressionTest, EmptyInputPasses) {
    int result = -1;
    EXPECT_NO_THROW(result = GetParam().entry(nullptr, 0));
    EXPECT_EQ(result, 0);
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzRegressionTest,
                         ::testing::Values(Target{"fuzz_pipeline", fuzz::fuzz_pipeline},
                                           Target{"fuzz_fixture", fuzz::fuzz_fixture},
                                           Target{"fuzz_variant", fuzz::fuzz_variant},
                                           Target{"fuzz_accept", fuzz::fuzz_accept},
                                           Target{"fuzz_conformance", fuzz::fuzz_conformance}),
                         [](const ::testing::TestParamInfo<Target>& param) { return param.param.name; });

// The loader as fuzz_variant drives it: the description schema, compiled.
Schema description_schema() {
    Diagnostics diagnostics;
    std::optional<JsonText> text = parse_json_text(std::string(kVariantSchema), "variant.schema.json", diagnostics);
    EXPECT_TRUE(text) << diagnostics.to_string();
    std::optional<Schema> schema = Schema::compile(*text, diagnostics);
    EXPECT_TRUE(schema) << diagnostics.to_string();
    return *schema;
}

// The shipped Conductor description with one change applied to its JSON.
template <typename Change>
std::string conductor_with(Change change) {
    json description = json::parse(bytes_of(std::filesystem::path(TASKMOCK_SOURCE_DIR) / "schemas/conductor/variant.json"));
    change(description);
    return description.dump(2);
}

std::optional<VariantDescription> parse_conductor(const std::string& text, Diagnostics& diagnostics) {
    return parse_variant(text, "conductor/variant.json", std::filesystem::path(TASKMOCK_SOURCE_DIR) / "schemas/conductor",
                         description_schema(), diagnostics);
}

// fuzz_variant reads descriptions from memory: that must read exactly as the
// loader reads the file.
TEST(ParseVariantTest, ReadsEveryShippedDescriptionAsTheFileLoaderDoes) {
    Diagnostics diagnostics;
    std::vector<VariantDescription> loaded = load_variants(std::filesystem::path(TASKMOCK_SOURCE_DIR) / "schemas", diagnostics);
    ASSERT_EQ(loaded.size(), 5u) << diagnostics.to_string();
    const Schema schema = description_schema();
    for (const VariantDescription& from_file : loaded) {
        SCOPED_TRACE(from_file.name);
        Diagnostics parse_diagnostics;
        std::optional<VariantDescription> from_text =
            parse_variant(bytes_of(from_file.directory / "variant.json"), from_file.file, from_file.directory, schema,
                          parse_diagnostics);
        ASSERT_TRUE(from_text) << parse_diagnostics.to_string();
        EXPECT_TRUE(parse_diagnostics.empty()) << parse_diagnostics.to_string();
        EXPECT_EQ(from_text->name, from_file.name);
        EXPECT_EQ(from_text->file, from_file.file);
        EXPECT_EQ(from_text->task_route()->path.text(), from_file.task_route()->path.text());
        EXPECT_EQ(from_text->errors.size(), from_file.errors.size());
        EXPECT_EQ(from_text->quirks.size(), from_file.quirks.size());
        EXPECT_EQ(from_text->invariants.size(), from_file.invariants.size());
        EXPECT_EQ(from_text->media_types.size(), from_file.media_types.size());
    }
}

TEST(ParseVariantTest, ReportsSyntaxErrorsUnderTheDisplayName) {
    Diagnostics diagnostics;
    EXPECT_FALSE(parse_variant("{\n  \"name\": ,\n}", "memory/variant.json", "schemas/x", description_schema(), diagnostics));
    EXPECT_EQ(diagnostics.to_string().substr(0, 25), "memory/variant.json:2:11:");
}

// What fuzzing found, each pinned to the exact behaviour of its fix.

TEST(FuzzFindingsTest, ANumberBeyondADoubleIsALocatedDiagnosticNotACrash) {
    Diagnostics diagnostics;
    EXPECT_FALSE(parse_json_text("{\"a\": \"1e400\",\n  \"b\": [1, 1e400]}", "big.json", diagnostics));
    EXPECT_EQ(diagnostics.to_string(), "big.json:2:12: error: invalid JSON: number overflow parsing '1e400' [json.syntax]\n");
}

TEST(FuzzFindingsTest, AByteOrderMarkDoesNotShiftTheRootLocation) {
    Diagnostics diagnostics;
    std::optional<JsonText> text = parse_json_text("\xEF\xBB\xBF{\"a\": 1}", "bom.json", diagnostics);
    ASSERT_TRUE(text);
    EXPECT_EQ(offset_of(text->text, json::json_pointer()), 3u);
    EXPECT_EQ(text->locate(json::json_pointer("/a")).column, 10u);
}

TEST(FuzzFindingsTest, ANonNumericErrorStatusIsASchemaErrorNotACrash) {
    Diagnostics diagnostics;
    EXPECT_FALSE(parse_conductor(conductor_with([](json& d) { d["errors"]["json"] = {{"body", json::object()}}; }),
                                 diagnostics));
    EXPECT_NE(diagnostics.to_string().find(
                  "/errors/json: property name \"json\" does not match ^[1-5][0-9][0-9]$ [schema.propertyNames]"),
              std::string::npos)
        << diagnostics.to_string();
}

TEST(FuzzFindingsTest, ANonNumericQuirkStatusIsASchemaErrorNotACrash) {
    Diagnostics diagnostics;
    EXPECT_FALSE(parse_conductor(
        conductor_with([](json& d) { d["quirks"]["legacy-204"]["errors"]["99999999999"] = json::object(); }),
        diagnostics));
    EXPECT_NE(diagnostics.to_string().find("/quirks/legacy-204/errors/99999999999: property name"), std::string::npos)
        << diagnostics.to_string();
}

TEST(FuzzFindingsTest, AQuirkNameWithPointerSyntaxLoads) {
    Diagnostics diagnostics;
    std::optional<VariantDescription> variant = parse_conductor(
        conductor_with([](json& d) { d["quirks"]["legacy/204~"] = d["quirks"]["legacy-204"]; }), diagnostics);
    ASSERT_TRUE(variant) << diagnostics.to_string();
    EXPECT_TRUE(variant->apply_quirk("legacy/204~"));
    EXPECT_EQ(variant->error(404)->status, 204);
}

TEST(FuzzFindingsTest, AFixtureIdNoRequestCanCarryIsRefused) {
    Diagnostics load_diagnostics;
    std::vector<VariantDescription> variants =
        load_variants(std::filesystem::path(TASKMOCK_SOURCE_DIR) / "schemas", load_diagnostics);
    auto conductor = std::find_if(variants.begin(), variants.end(), [](const auto& v) { return v.name == "conductor"; });
    ASSERT_NE(conductor, variants.end());
    json body = json::parse(bytes_of(std::filesystem::path(TASKMOCK_SOURCE_DIR) / "fixtures/conductor/seed.json"));
    for (const std::string& id : {std::string(), std::string("a/b"), std::string("a\tb"), std::string(513, 'x')}) {
        SCOPED_TRACE(id.substr(0, 8));
        body["taskId"] = id;
        JsonText text{"x.json", body.dump(), body};
        FixtureStore::Examined examined = FixtureStore::examine(*conductor, text, nullptr, true);
        EXPECT_FALSE(examined.fixture.has_value());
        EXPECT_NE(examined.diagnostics.to_string().find("so it could never be requested [fixture.id-unreachable]"),
                  std::string::npos)
            << examined.diagnostics.to_string();
    }
    body["taskId"] = std::string(512, 'x');  // the longest id a request may carry
    JsonText text{"x.json", body.dump(), body};
    EXPECT_TRUE(FixtureStore::examine(*conductor, text, nullptr, true).fixture.has_value());
}

}  // namespace taskmock
