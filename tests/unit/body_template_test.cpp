#include "mock_server/body_template.hpp"

#include <gtest/gtest.h>

namespace taskmock {

TEST(BodyTemplateTest, SubstitutesPlaceholdersInsideStrings) {
    auto compiled = BodyTemplate::compile(json::parse(R"({"status":404,"message":"Task not found for taskId: ${id}","instance":"${instance}"})"));
    Placeholders values;
    values.id = "abc";
    values.instance = "host-1";
    EXPECT_EQ(compiled.render(values), R"({"status":404,"message":"Task not found for taskId: abc","instance":"host-1"})");
}

TEST(BodyTemplateTest, EscapesValuesSoTheBodyStaysValidJson) {
    auto compiled = BodyTemplate::compile(json::parse(R"({"m":"${id}"})"));
    Placeholders values;
    std::string hostile = std::string("a\"b\\c\n") + '\0' + "\xff";
    values.id = hostile;
    std::string body = compiled.render(values);
    json parsed = json::parse(body);
    EXPECT_EQ(parsed["m"].get<std::string>().substr(0, 6), std::string("a\"b\\c\n"));
}

TEST(BodyTemplateTest, UnknownPlaceholdersStayAsText) {
    auto compiled = BodyTemplate::compile(json::parse(R"({"m":"${nope} ${id}"})"));
    Placeholders values;
    values.id = "x";
    EXPECT_EQ(compiled.render(values), R"({"m":"${nope} x"})");
    EXPECT_TRUE(compiled.uses("id"));
    EXPECT_FALSE(compiled.uses("trace_id"));
}

}  // namespace taskmock
