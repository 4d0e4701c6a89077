#include "core/variant.hpp"

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

namespace taskmock {

namespace {

const char* kMinimal = R"({
  "name": "sixth",
  "title": "Sixth",
  "routes": [{"method": "GET", "path": "/jobs/{jobId}", "action": "task"}],
  "id": {"parameter": "jobId", "field": "/jobId"},
  "media_types": [{"type": "application/json", "render": "json"}],
  "errors": {
    "400": {"body": {"error": "bad"}},
    "404": {"body": {"error": "no job ${id}"}},
    "405": {"body": {"error": "method"}},
    "406": {"body": {"error": "accept"}}
  },
  "schemas": {"task": "task.schema.json"}
})";

std::string load_errors(const std::string& description) {
    testing::TempDir temp;
    temp.write("sixth/variant.json", description);
    temp.write("sixth/task.schema.json", "{}");
    Diagnostics diagnostics;
    load_variants(temp.path(), diagnostics);
    std::string text = diagnostics.to_string();
    // Paths differ per run; keep what follows the file name.
    std::string out;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        std::string line = text.substr(start, end - start);
        std::size_t at = line.find("variant.json");
        out += (at == std::string::npos ? line : line.substr(at)) + "\n";
        start = end + 1;
    }
    return out;
}

}  // namespace

TEST(VariantTest, ShippedDescriptionsLoad) {
    Diagnostics diagnostics;
    auto variants = load_variants(std::filesystem::path(TASKMOCK_SOURCE_DIR) / "schemas", diagnostics);
    EXPECT_FALSE(diagnostics.has_errors()) << diagnostics.to_string();
    std::vector<std::string> names;
    for (const auto& variant : variants) names.push_back(variant.name);
    EXPECT_EQ(names, (std::vector<std::string>{"cognigy", "conductor", "maxsight", "oracle-bpm", "orkes"}));
}

TEST(VariantTest, MinimalDescriptionOfANewVariantLoads) {
    EXPECT_EQ(load_errors(kMinimal), "");
}

TEST(VariantTest, StructuralErrorsComeFromTheDescriptionSchemaWithLocations) {
    std::string broken = kMinimal;
    broken.replace(broken.find("\"render\": \"json\""), 16, "\"render\": \"yaml\"");
    EXPECT_EQ(load_errors(broken),
              "variant.json:6:58: error: /media_types/0/render: \"yaml\" is not one of json, hal, xml, csv "
              "[schema.enum]\n");
}

TEST(VariantTest, EveryStatusTheServerCanAnswerNeedsAnErrorBody) {
    std::string broken = kMinimal;
    const std::string entry = R"("406": {"body": {"error": "accept"}})";
    broken.replace(broken.find(entry), entry.size(), R"("499": {"body": {"error": "x"}})");
    EXPECT_EQ(load_errors(broken),
              "variant.json:7:13: error: no error body for status 406, which this variant can answer "
              "[variant.error-missing]\n");
}

TEST(VariantTest, RouteWithoutTheIdParameterAndBadRegexAreReported) {
    std::string broken = kMinimal;
    broken.replace(broken.find("/jobs/{jobId}"), 13, "/jobs/{id}");
    broken.replace(broken.find("\"field\": \"/jobId\""), 17, "\"field\": \"/jobId\", \"pattern\": \"[a-\"");
    std::string errors = load_errors(broken);
    EXPECT_NE(errors.find("error: invalid regular expression \"[a-\""), std::string::npos) << errors;
    EXPECT_NE(errors.find("error: the task route /jobs/{id} has no parameter {jobId} [variant.route]"), std::string::npos)
        << errors;
}

TEST(VariantTest, MissingSchemaFileIsReported) {
    std::string broken = kMinimal;
    broken.replace(broken.find("\"task.schema.json\""), 18, "\"nope.schema.json\"");
    EXPECT_NE(load_errors(broken).find("error: schema file \"nope.schema.json\" not found"), std::string::npos);
}

TEST(VariantTest, QuirkReplacesErrorTemplates) {
    Diagnostics diagnostics;
    auto variants = load_variants(std::filesystem::path(TASKMOCK_SOURCE_DIR) / "schemas", diagnostics);
    auto conductor = std::find_if(variants.begin(), variants.end(), [](const auto& v) { return v.name == "conductor"; });
    ASSERT_NE(conductor, variants.end());
    EXPECT_EQ(conductor->error(404)->status, 404);
    EXPECT_TRUE(conductor->apply_quirk("legacy-204"));
    EXPECT_EQ(conductor->error(404)->status, 204);
    EXPECT_FALSE(conductor->error(404)->body.has_value());
    EXPECT_FALSE(conductor->apply_quirk("no-such-quirk"));
}

}  // namespace taskmock

namespace taskmock {

TEST(VariantTest, InvalidJsonPointerIsADiagnosticNotACrash) {
    std::string broken = kMinimal;
    broken.replace(broken.find("\"field\": \"/jobId\""), 17, "\"field\": \"/job~2id\"");
    EXPECT_NE(load_errors(broken).find("error: /id/field: \"/job~2id\" does not match"), std::string::npos)
        << load_errors(broken);
}

TEST(VariantTest, AuthWithoutA401BodyIsRefused) {
    std::string broken = kMinimal;
    broken.replace(broken.find("\"media_types\""), 0, R"("auth": {"required": "always", "schemes": []}, )");
    EXPECT_NE(load_errors(broken).find("no error body for status 401"), std::string::npos) << load_errors(broken);
}

}  // namespace taskmock
