#include "core/fixture_store.hpp"

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

namespace taskmock {

namespace {

std::vector<VariantDescription> shipped_variants() {
    Diagnostics diagnostics;
    auto variants = load_variants(std::filesystem::path(TASKMOCK_SOURCE_DIR) / "schemas", diagnostics);
    EXPECT_FALSE(diagnostics.has_errors()) << diagnostics.to_string();
    return variants;
}

std::map<std::string, Schema> task_schemas(const std::vector<VariantDescription>& variants) {
    std::map<std::string, Schema> schemas;
    for (const auto& variant : variants) {
        Diagnostics diagnostics;
        auto text = read_json_file(variant.directory / variant.task_schema, variant.task_schema, diagnostics);
        schemas.emplace(variant.name, *Schema::compile(*text, diagnostics));
    }
    return schemas;
}

}  // namespace

TEST(FixtureStoreTest, ShippedFixturesLoadWithoutDiagnostics) {
    auto variants = shipped_variants();
    Diagnostics diagnostics;
    FixtureStore store = FixtureStore::load(std::filesystem::path(TASKMOCK_SOURCE_DIR) / "fixtures", variants,
                                            task_schemas(variants), diagnostics);
    EXPECT_TRUE(diagnostics.empty()) << diagnostics.to_string();
    EXPECT_NE(store.find("orkes", "65fc73fe-0586-11f1-8b8d-6219b54da7fe"), nullptr);
    EXPECT_EQ(store.find("orkes", "0c658ed7-becd-11ef-a89d-86a819bd92bf"), nullptr);  // conductor's seed
}

TEST(FixtureStoreTest, BrokenSetReportsEveryProblemInOneGoSortedByFile) {
    auto variants = shipped_variants();
    Diagnostics diagnostics;
    const std::filesystem::path root = std::filesystem::path(TASKMOCK_TEST_DATA_DIR) / "broken-fixtures";
    FixtureStore store = FixtureStore::load(root, variants, task_schemas(variants), diagnostics);
    const std::string dir = display_path(root);
    EXPECT_EQ(diagnostics.to_string(),
              dir + "/cognigy/bad-status.json:8:13: error: /status: \"finished\" is not one of queued, active, done, "
                    "cancelling, cancelled, error [schema.enum]\n" +
              dir + "/cognigy/bad-status.json:15:16: error: /createdAt: expected integer, found string \"yesterday\" "
                    "[schema.type]\n" +
              dir + "/orkes/duplicate-b.json:29:13: error: duplicate task id \"65fc73fe-0586-11f1-8b8d-6219b54da7fe\" "
                    "(also in " + dir + "/orkes/duplicate-a.json) [fixture.duplicate-id]\n" +
              dir + "/orkes/invalid-json.json:4:3: error: invalid JSON: syntax error while parsing object - unexpected "
                    "string literal; expected '}' [json.syntax]\n" +
              dir + "/orkes/missing-id.json:1:1: error: missing task id field /taskId [fixture.id-missing]\n" +
              dir + "/unknown-variant: error: unknown variant \"unknown-variant\" (known: cognigy, conductor, "
                    "maxsight, oracle-bpm, orkes) [fixture.unknown-variant]\n");
    EXPECT_EQ(store.size(), 1u);  // duplicate-a.json is the only good body
}

TEST(FixtureStoreTest, AllowInvalidKeepsBodiesAndDowngradesViolationsToWarnings) {
    auto variants = shipped_variants();
    testing::TempDir temp;
    temp.copy(std::filesystem::path(TASKMOCK_TEST_DATA_DIR) / "broken-fixtures" / "cognigy", "cognigy");
    Diagnostics diagnostics;
    FixtureStore store = FixtureStore::load(temp.path(), variants, task_schemas(variants), diagnostics, true);
    EXPECT_FALSE(diagnostics.has_errors());
    EXPECT_EQ(diagnostics.sorted().size(), 2u);
    EXPECT_EQ(store.size(), 1u);
}

TEST(FixtureStoreTest, IdThatCouldNeverBeRequestedIsRefused) {
    auto variants = shipped_variants();
    testing::TempDir temp;
    temp.write("cognigy/short.json", R"({"_id": "abc"})");
    Diagnostics diagnostics;
    FixtureStore::load(temp.path(), variants, {}, diagnostics);
    EXPECT_NE(diagnostics.to_string().find("short.json:1:9: error: task id \"abc\" does not match the cognigy id "
                                           "pattern ^[0-9a-fA-F]{24}$, so it could never be requested [fixture.id-pattern]"),
              std::string::npos)
        << diagnostics.to_string();
}

TEST(FixtureStoreTest, NonObjectBodyAndNonStringIdAreRefused) {
    auto variants = shipped_variants();
    testing::TempDir temp;
    temp.write("orkes/array.json", "[1]");
    temp.write("orkes/number-id.json", R"({"taskId": 7})");
    Diagnostics diagnostics;
    FixtureStore::load(temp.path(), variants, {}, diagnostics);
    std::string text = diagnostics.to_string();
    EXPECT_NE(text.find("array.json:1:1: error: a task body must be a JSON object, found array [fixture.not-object]"),
              std::string::npos);
    EXPECT_NE(text.find("number-id.json:1:12: error: task id /taskId must be a string, found integer [fixture.id-type]"),
              std::string::npos);
}

TEST(FixtureStoreTest, SymlinkOutOfTheFixturesDirectoryIsRefused) {
    auto variants = shipped_variants();
    testing::TempDir outside;
    auto target = outside.write("secret.json", R"({"taskId": "65fc73fe-0586-11f1-8b8d-6219b54da7fe"})");
    testing::TempDir temp;
    std::filesystem::create_directories(temp.path() / "orkes");
    std::filesystem::create_symlink(target, temp.path() / "orkes" / "link.json");
    Diagnostics diagnostics;
    FixtureStore store = FixtureStore::load(temp.path(), variants, {}, diagnostics);
    EXPECT_EQ(store.size(), 0u);
    EXPECT_NE(diagnostics.to_string().find("refused: the file resolves outside the fixtures directory"),
              std::string::npos);
}

TEST(FixtureStoreTest, NearIdsShareTheLongestPrefix) {
    auto variants = shipped_variants();
    Diagnostics diagnostics;
    FixtureStore store = FixtureStore::load(std::filesystem::path(TASKMOCK_SOURCE_DIR) / "fixtures", variants, {},
                                            diagnostics);
    auto near = store.near("orkes", "65fc73fe-0586-11f1-8b8d-6219b54da7ff", 3);
    ASSERT_FALSE(near.empty());
    EXPECT_EQ(near.front(), "65fc73fe-0586-11f1-8b8d-6219b54da7fe");
}

}  // namespace taskmock
