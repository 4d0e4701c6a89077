// One named test per shipped fixture file: every body the mock can serve
// validates against its variant's task schema (the mock never lies).

#include <gtest/gtest.h>

#include "core/fixture_store.hpp"
#include "core/schema.hpp"
#include "core/variant.hpp"
#include "core/variant_schema.hpp"

namespace taskmock {

namespace {

struct FixtureFile {
    std::string variant;
    std::filesystem::path path;
};

std::vector<FixtureFile> fixture_files() {
    std::vector<FixtureFile> files;
    const std::filesystem::path root = std::filesystem::path(TASKMOCK_SOURCE_DIR) / "fixtures";
    for (const auto& directory : std::filesystem::directory_iterator(root)) {
        for (const auto& file : std::filesystem::directory_iterator(directory.path())) {
            files.push_back({directory.path().filename().string(), file.path()});
        }
    }
    std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
    return files;
}

std::string test_name(const ::testing::TestParamInfo<FixtureFile>& info) {
    std::string name = info.param.variant + "_" + info.param.path.stem().string();
    for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    }
    return name;
}

}  // namespace

class FixtureSchemaTest : public ::testing::TestWithParam<FixtureFile> {};

TEST_P(FixtureSchemaTest, BodyValidatesAgainstItsVariantsTaskSchema) {
    const FixtureFile& fixture = GetParam();
    Diagnostics diagnostics;
    const std::filesystem::path variant_dir = std::filesystem::path(TASKMOCK_SOURCE_DIR) / "schemas" / fixture.variant;
    auto schema_text = read_json_file(variant_dir / "task.schema.json", "task.schema.json", diagnostics);
    ASSERT_TRUE(schema_text.has_value()) << diagnostics.to_string();
    auto schema = Schema::compile(*schema_text, diagnostics);
    ASSERT_TRUE(schema.has_value()) << diagnostics.to_string();
    auto body = read_json_file(fixture.path, fixture.path.string(), diagnostics);
    ASSERT_TRUE(body.has_value()) << diagnostics.to_string();
    if (!body->value.contains("timeline")) {
        EXPECT_TRUE(schema->check(*body, diagnostics)) << diagnostics.to_string();
        return;
    }
    // A timeline fixture: every state, as it would be served, validates and
    // keeps the variant's invariants.
    auto variant = load_variant(variant_dir, *Schema::compile(*parse_json_text(std::string(kVariantSchema), "variant.schema.json", diagnostics), diagnostics), diagnostics);
    ASSERT_TRUE(variant.has_value()) << diagnostics.to_string();
    FixtureStore::Examined examined = FixtureStore::examine(*variant, *body, &*schema, false);
    EXPECT_TRUE(examined.fixture.has_value()) << examined.diagnostics.to_string();
    EXPECT_TRUE(examined.diagnostics.empty()) << examined.diagnostics.to_string();
    ASSERT_TRUE(examined.fixture && examined.fixture->timeline);
    EXPECT_GE(examined.fixture->timeline->steps.size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(Shipped, FixtureSchemaTest, ::testing::ValuesIn(fixture_files()), test_name);

}  // namespace taskmock
