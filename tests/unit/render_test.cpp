#include "mock_server/render.hpp"

#include <gtest/gtest.h>

namespace taskmock {

namespace {
const json kTask = json::parse(R"({"_id":"a1","name":"x,y","data":{"ids":["1","2"]},"lastRunAt":null,"n":3,"content-type":"t","$ref":"r"})");
}

TEST(RenderTest, JsonKeepsFieldOrder) {
    EXPECT_EQ(render_json(json::parse(R"({"z":1,"a":2})")), R"({"z":1,"a":2})");
}

TEST(RenderTest, HalAddsSelfLink) {
    json hal = json::parse(render_hal(kTask, "/new/v2.0/tasks/a1"));
    EXPECT_EQ(hal["_links"]["self"]["href"], "/new/v2.0/tasks/a1");
    EXPECT_EQ(hal["_id"], "a1");
}

TEST(RenderTest, XmlNestsObjectsArraysAndMarksNulls) {
    std::string xml = render_xml(kTask);
    EXPECT_NE(xml.find("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"), std::string::npos);
    EXPECT_NE(xml.find("<_id>a1</_id>"), std::string::npos);
    EXPECT_NE(xml.find("<ids>\n      <item>1</item>\n      <item>2</item>\n    </ids>"), std::string::npos);
    EXPECT_NE(xml.find("<lastRunAt nil=\"true\" />"), std::string::npos);
    EXPECT_NE(xml.find("<content-type>t</content-type>"), std::string::npos);
    EXPECT_NE(xml.find("<entry key=\"$ref\">r</entry>"), std::string::npos);
}

TEST(RenderTest, CsvHasHeaderAndOneQuotedRow) {
    std::string csv = render_csv(kTask);
    EXPECT_EQ(csv,
              "_id,name,data,lastRunAt,n,content-type,$ref\r\n"
              "a1,\"x,y\",\"{\"\"ids\"\":[\"\"1\"\",\"\"2\"\"]}\",,3,t,r\r\n");
}

}  // namespace taskmock
