#include "core/invariant.hpp"

#include <gtest/gtest.h>

namespace taskmock {

namespace {
Invariant rule(const char* text) { return read_invariant(json::parse(text)); }
}  // namespace

TEST(InvariantTest, OrderedSkipsUnsetFieldsAndFindsInversions) {
    Invariant ordered = rule(R"({"name":"times","ordered":["/scheduled","/start","/end"]})");
    EXPECT_FALSE(violation_of(ordered, json::parse(R"({"scheduled":1,"start":2,"end":0})")).has_value());
    EXPECT_EQ(violation_of(ordered, json::parse(R"({"scheduled":5,"start":0,"end":3})")),
              "/scheduled = 5 is after /end = 3");
    EXPECT_FALSE(violation_of(rule(R"({"name":"t","ordered":["/a","/b"]})"),
                              json::parse(R"({"a":"2026-01-01T00:00:00Z","b":"2026-01-02T00:00:00Z"})"))
                     .has_value());
    EXPECT_EQ(violation_of(rule(R"({"name":"t","ordered":["/a","/b"]})"), json::parse(R"({"a":"x","b":2})")),
              "cannot compare /a = \"x\" with /b = 2");
}

TEST(InvariantTest, WhenLimitsTheRuleToMatchingBodies) {
    Invariant ended = rule(R"({"name":"ended","when":{"/status":["COMPLETED","FAILED"]},"set":["/endTime"]})");
    EXPECT_FALSE(violation_of(ended, json::parse(R"({"status":"IN_PROGRESS","endTime":0})")).has_value());
    EXPECT_EQ(violation_of(ended, json::parse(R"({"status":"COMPLETED","endTime":0})")), "/endTime = 0 is not set");
    EXPECT_EQ(violation_of(ended, json::parse(R"({"status":"FAILED"})")), "/endTime = (absent) is not set");
}

TEST(InvariantTest, UnsetEqualAndValuesKinds) {
    EXPECT_EQ(violation_of(rule(R"({"name":"n","unset":["/end"]})"), json::parse(R"({"end":5})")), "/end = 5 is set");
    EXPECT_FALSE(violation_of(rule(R"({"name":"n","unset":["/end"]})"), json::parse(R"({"end":null})")).has_value());
    EXPECT_EQ(violation_of(rule(R"({"name":"n","equal":["/a","/b"]})"), json::parse(R"({"a":3,"b":5})")),
              "/a = 3 differs from /b = 5");
    EXPECT_EQ(violation_of(rule(R"({"name":"n","values":{"/final":true}})"), json::parse(R"({"final":false})")),
              "/final = false, expected true");
}

}  // namespace taskmock
