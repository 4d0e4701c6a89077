#include "core/schema.hpp"

#include <gtest/gtest.h>

namespace taskmock {

namespace {

Schema compile(const std::string& text) {
    Diagnostics diagnostics;
    auto document = parse_json_text(text, "test.schema.json", diagnostics);
    auto schema = Schema::compile(*document, diagnostics);
    EXPECT_TRUE(schema.has_value()) << diagnostics.to_string();
    return *schema;
}

const char* kSchema = R"({
  "type": "object",
  "required": ["id"],
  "properties": {
    "id": {"type": "string", "pattern": "^[0-9a-f]{24}$"},
    "status": {"enum": ["queued", "done"]},
    "when": {"type": "string", "format": "date-time"},
    "kind": {"const": "task"},
    "items": {"type": "array", "items": {"$ref": "#/definitions/item"}}
  },
  "definitions": {"item": {"type": "object", "properties": {"n": {"type": "integer", "minimum": 0}}}}
})";

}  // namespace

TEST(SchemaTest, ValidInstanceHasNoViolations) {
    EXPECT_TRUE(compile(kSchema).validate(json::parse(R"({"id":"0123456789abcdef01234567","status":"done"})")).empty());
}

TEST(SchemaTest, EachViolationNamesPointerKeywordAndValue) {
    auto violations = compile(kSchema).validate(json::parse(
        R"({"id":"xyz","status":"DONE","when":"2023-13-45T99:00:00Z","kind":"tsk","items":[{"n":1},{"n":-1}]})"));
    std::vector<std::string> described;
    for (const auto& violation : violations) described.push_back(describe(violation));
    std::sort(described.begin(), described.end());
    EXPECT_EQ(described, (std::vector<std::string>{
                             "/id: \"xyz\" does not match ^[0-9a-f]{24}$ [schema.pattern]",
                             "/items/1/n: -1: expected number greater than or equal to 0.000000 [schema.minimum]",
                             "/kind: \"tsk\" is not \"task\" [schema.const]",
                             "/status: \"DONE\" is not one of queued, done [schema.enum]",
                             "/when: \"2023-13-45T99:00:00Z\" is not a valid date-time [schema.format]",
                         }));
}

TEST(SchemaTest, MissingRequiredPropertyIsReportedAtTheObject) {
    auto violations = compile(kSchema).validate(json::parse(R"({"status":"done"})"));
    ASSERT_EQ(violations.size(), 1u);
    EXPECT_EQ(describe(violations[0]), "/: missing required property \"id\" [schema.required]");
}

TEST(SchemaTest, WrongTypeNamesExpectedAndFound) {
    auto violations = compile(kSchema).validate(json::parse(R"({"id":5})"));
    ASSERT_EQ(violations.size(), 1u);
    EXPECT_EQ(describe(violations[0]), "/id: expected string, found integer 5 [schema.type]");
}

TEST(SchemaTest, UncompilableSchemaIsADiagnostic) {
    Diagnostics diagnostics;
    auto document = parse_json_text(R"({"type": 12})", "bad.schema.json", diagnostics);
    EXPECT_FALSE(Schema::compile(*document, diagnostics).has_value());
    EXPECT_NE(diagnostics.to_string().find("bad.schema.json: error: invalid JSON Schema"), std::string::npos);
}

}  // namespace taskmock

namespace taskmock {

TEST(SchemaTest, MissingRequiredFieldStillShowsWhenANestedFieldIsAlsoWrong) {
    auto violations = compile(kSchema).validate(json::parse(R"({"status":"DONE"})"));
    std::vector<std::string> described;
    for (const auto& violation : violations) described.push_back(describe(violation));
    std::sort(described.begin(), described.end());
    EXPECT_EQ(described, (std::vector<std::string>{"/: missing required property \"id\" [schema.required]",
                                                   "/status: \"DONE\" is not one of queued, done [schema.enum]"}));
}

TEST(SchemaTest, IntegersBeyondInt64StillFailTheirMaximum) {
    auto schema = compile(R"({"properties":{"n":{"type":"number","maximum":2147483647}}})");
    auto violations = schema.validate(json::parse(R"({"n":18446744073709551615})"));
    ASSERT_EQ(violations.size(), 1u);
    EXPECT_EQ(violations[0].keyword, "maximum");
}

}  // namespace taskmock
