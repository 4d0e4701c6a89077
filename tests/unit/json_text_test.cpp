#include "core/json_text.hpp"

#include <gtest/gtest.h>

namespace taskmock {

namespace {

const std::string kDocument = R"({
  "taskId": "abc",
  "status": "DONE",
  "list": [1, 22, {"deep": [true, null]}],
  "nested": {
    "value": 3.5
  }
})";

Location at(const std::string& pointer) {
    Diagnostics diagnostics;
    auto text = parse_json_text(kDocument, "doc.json", diagnostics);
    EXPECT_TRUE(text.has_value());
    return text->locate(json::json_pointer(pointer));
}

}  // namespace

TEST(JsonTextTest, LocatesObjectMemberValues) {
    Location location = at("/status");
    EXPECT_EQ(location.line, 3u);
    EXPECT_EQ(location.column, 13u);
}

TEST(JsonTextTest, LocatesArrayElementsAfterNumbers) {
    EXPECT_EQ(at("/list/1").column, 15u);
    Location deep = at("/list/2/deep/1");
    EXPECT_EQ(deep.line, 4u);
    EXPECT_EQ(deep.column, 35u);
}

TEST(JsonTextTest, LocatesNestedObjectsAndTheRoot) {
    EXPECT_EQ(at("/nested/value").line, 6u);
    EXPECT_EQ(at("/nested/value").column, 14u);
    EXPECT_EQ(at("").line, 1u);
    EXPECT_EQ(at("").column, 1u);
}

TEST(JsonTextTest, MissingPointerLocatesTheWholeFile) {
    Location location = at("/absent");
    EXPECT_EQ(location.file, "doc.json");
    EXPECT_EQ(location.line, 0u);
}

TEST(JsonTextTest, SyntaxErrorNamesLineColumnAndProblem) {
    Diagnostics diagnostics;
    auto text = parse_json_text("{\n  \"a\": 1,\n  \"b\" 2\n}", "bad.json", diagnostics);
    EXPECT_FALSE(text.has_value());
    EXPECT_EQ(diagnostics.to_string(),
              "bad.json:3:7: error: invalid JSON: syntax error while parsing object separator - unexpected number "
              "literal; expected ':' [json.syntax]\n");
}

TEST(JsonTextTest, KeepsKeyOrderAsWritten) {
    Diagnostics diagnostics;
    auto text = parse_json_text(R"({"z":1,"a":2})", "order.json", diagnostics);
    ASSERT_TRUE(text.has_value());
    EXPECT_EQ(text->value.dump(), R"({"z":1,"a":2})");
}

}  // namespace taskmock
