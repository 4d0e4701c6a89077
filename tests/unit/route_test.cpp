#include "core/route.hpp"

#include <gtest/gtest.h>

namespace taskmock {

TEST(RouteTest, TemplatedSegmentCapturesTaskId) {
    auto route = RouteTemplate::parse("/api/tasks/{taskId}");
    ASSERT_TRUE(route.has_value());
    auto values = route->match("/api/tasks/abc-123");
    ASSERT_TRUE(values.has_value());
    EXPECT_EQ(*values, std::vector<std::string>{"abc-123"});
}

TEST(RouteTest, LiteralSegmentsMustMatchExactly) {
    auto route = RouteTemplate::parse("/api/tasks/{taskId}");
    EXPECT_FALSE(route->match("/api/task/abc").has_value());
    EXPECT_FALSE(route->match("/API/tasks/abc").has_value());
}

TEST(RouteTest, ParameterNeverSpansSegmentsOrIsEmpty) {
    auto route = RouteTemplate::parse("/api/tasks/{taskId}");
    EXPECT_FALSE(route->match("/api/tasks/a/b").has_value());
    EXPECT_FALSE(route->match("/api/tasks/").has_value());
    EXPECT_FALSE(route->match("/api/tasks").has_value());
}

TEST(RouteTest, ExpandFillsParametersInOrder) {
    auto route = RouteTemplate::parse("/v/{a}/x/{b}");
    ASSERT_TRUE(route.has_value());
    EXPECT_EQ(route->expand({"1", "2"}), "/v/1/x/2");
    EXPECT_EQ(route->parameter_index("b"), 1u);
    EXPECT_EQ(route->parameter_index("c"), std::string::npos);
}

TEST(RouteTest, MalformedTemplatesAreRefused) {
    EXPECT_FALSE(RouteTemplate::parse("api/tasks").has_value());
    EXPECT_FALSE(RouteTemplate::parse("/api/{task").has_value());
    EXPECT_FALSE(RouteTemplate::parse("/api/x{id}").has_value());
    EXPECT_FALSE(RouteTemplate::parse("/api//x").has_value());
}

}  // namespace taskmock
