#include "core/media_type.hpp"

#include <gtest/gtest.h>

namespace taskmock {

namespace {
const std::vector<std::string> kCognigy{"application/hal+json", "application/json", "application/xml", "text/xml",
                                        "text/csv"};
}

TEST(MediaTypeTest, NoAcceptTakesTheDefault) {
    EXPECT_EQ(negotiate("", kCognigy), 0u);
    EXPECT_EQ(negotiate("  ", kCognigy), 0u);
}

TEST(MediaTypeTest, ExactTypeIsChosen) {
    EXPECT_EQ(negotiate("text/csv", kCognigy), 4u);
    EXPECT_EQ(negotiate("Application/JSON", kCognigy), 1u);
}

TEST(MediaTypeTest, WildcardTakesTheServersFirstType) {
    EXPECT_EQ(negotiate("*/*", kCognigy), 0u);
    EXPECT_EQ(negotiate("text/*", kCognigy), 3u);
}

TEST(MediaTypeTest, HigherQualityWins) {
    EXPECT_EQ(negotiate("application/json;q=0.5, text/csv", kCognigy), 4u);
    EXPECT_EQ(negotiate("text/csv;q=0.1, */*;q=0.2", kCognigy), 0u);
}

TEST(MediaTypeTest, EqualQualityFollowsTheClientsOrder) {
    EXPECT_EQ(negotiate("application/xml, application/json", kCognigy), 2u);
}

TEST(MediaTypeTest, MostSpecificRangeDecidesATypesQuality) {
    // text/csv is refused outright even though text/* would allow it.
    EXPECT_EQ(negotiate("text/*, text/csv;q=0", kCognigy), 3u);
}

TEST(MediaTypeTest, NothingAcceptableGivesNothing) {
    EXPECT_FALSE(negotiate("image/png", kCognigy).has_value());
    EXPECT_FALSE(negotiate("application/json;q=0", {"application/json"}).has_value());
    EXPECT_FALSE(negotiate("garbage", kCognigy).has_value());
}

TEST(MediaTypeTest, MalformedRangesAreSkipped) {
    auto ranges = parse_accept("text/csv;q=2, */json, application/json;q=0.8, ,");
    ASSERT_EQ(ranges.size(), 1u);
    EXPECT_EQ(ranges[0].subtype, "json");
    EXPECT_DOUBLE_EQ(ranges[0].quality, 0.8);
}

TEST(MediaTypeTest, EssenceDropsParameters) {
    EXPECT_EQ(essence("Application/JSON; charset=utf-8"), "application/json");
}

}  // namespace taskmock
