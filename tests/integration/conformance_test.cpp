// taskconform against taskmock over real sockets: the mock conforms to its
// own schemas, and the checks catch a server that does not.

#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>

#include "conformance/cli.hpp"
#include "conformance/runner.hpp"
#include "support/temp_dir.hpp"
#include "support/test_server.hpp"

namespace taskmock {

using testing::TestServer;

namespace {

struct Ran {
    int code;
    std::string out;
    std::string err;
};

Ran conform(const std::vector<std::string>& arguments) {
    std::ostringstream out;
    std::ostringstream err;
    int code = conform_main(arguments, out, err, false);
    return {code, out.str(), err.str()};
}

std::string base(const TestServer& server, const std::string& variant) {
    return "http://127.0.0.1:" + std::to_string(server.port()) + "/" + variant;
}

const std::string kFixtures = std::string(TASKMOCK_SOURCE_DIR) + "/fixtures";

}  // namespace

class MockConformsTest : public ::testing::TestWithParam<std::string> {};

TEST_P(MockConformsTest, EveryFixtureAndProbePassesAgainstTheMock) {
    TestServer server(testing::default_options());
    Ran run = conform({"check", "--variant", GetParam(), "--base-url", base(server, GetParam()), "--fixtures", kFixtures});
    EXPECT_EQ(run.code, 0) << run.out << run.err;
    EXPECT_NE(run.out.find(" 0 failed"), std::string::npos) << run.out;
}

INSTANTIATE_TEST_SUITE_P(Shipped, MockConformsTest,
                         ::testing::Values("maxsight", "orkes", "conductor", "oracle-bpm", "cognigy"),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                             std::string name = param.param;
                             for (char& c : name) c = c == '-' ? '_' : c;
                             return name;
                         });

TEST(ConformanceTest, ConfiguredCredentialsAreProbedAndNeverAppearInAnyOutput) {
    std::map<std::string, Credentials> credentials;
    credentials["cognigy"].accepted = {"s3cret-cognigy-key"};
    credentials["orkes"].key_id = "orkes-key-id";
    credentials["orkes"].key_secret = "s3cret-orkes-secret";
    credentials["orkes"].token = "s3cret-minted-token";
    credentials["orkes"].accepted = {"s3cret-minted-token"};
    TestServer server(testing::default_options(), credentials);
    testing::TempDir temp;
    setenv("TASKCONFORM_TEST_KEY", "s3cret-cognigy-key", 1);
    setenv("TASKCONFORM_KEY_ID", "orkes-key-id", 1);
    setenv("TASKCONFORM_KEY_SECRET", "s3cret-orkes-secret", 1);

    std::string outputs;
    for (const std::string scheme : {"header", "query", "bearer"}) {
        const std::string junit = (temp.path() / ("c-" + scheme + ".xml")).string();
        const std::string report = (temp.path() / ("c-" + scheme + ".json")).string();
        Ran run = conform({"check", "--variant", "cognigy", "--base-url", base(server, "cognigy"), "--task-id",
                           "69956a7818f58a6f40119c35", "--credential-env", "TASKCONFORM_TEST_KEY", "--auth-scheme",
                           scheme, "--verbose", "--junit", junit, "--json", report});
        EXPECT_EQ(run.code, 0) << run.out;
        EXPECT_NE(run.out.find("wrong credentials"), std::string::npos);
        outputs += run.out + run.err + testing::read_file(junit) + testing::read_file(report);
    }
    Ran orkes = conform({"check", "--variant", "orkes", "--base-url", base(server, "orkes"), "--task-id",
                         "65fc73fe-0586-11f1-8b8d-6219b54da7fe", "--verbose"});
    EXPECT_EQ(orkes.code, 0) << orkes.out;
    EXPECT_NE(orkes.out.find("token exchange"), std::string::npos);
    outputs += orkes.out + orkes.err;
    unsetenv("TASKCONFORM_TEST_KEY");
    unsetenv("TASKCONFORM_KEY_ID");
    unsetenv("TASKCONFORM_KEY_SECRET");

    EXPECT_NE(outputs.find("api_key=REDACTED"), std::string::npos);
    for (const std::string secret : {"s3cret-cognigy-key", "s3cret-orkes-secret", "s3cret-minted-token"}) {
        EXPECT_EQ(outputs.find(secret), std::string::npos) << secret;
    }
}

TEST(ConformanceTest, ABodyThatBreaksItsSchemaFailsWithPointerAndKeyword) {
    testing::TempDir temp;
    std::string body = testing::read_file(kFixtures + "/cognigy/done.json");
    body.replace(body.find("\"done\""), 6, "\"finished\"");
    temp.write("fixtures/cognigy/done.json", body);
    Options options = testing::default_options();
    options.fixtures = temp.path() / "fixtures";
    options.allow_invalid = true;  // a server that lies
    TestServer server(options);
    Ran run = conform({"check", "--variant", "cognigy", "--base-url", base(server, "cognigy"), "--task-id",
                       "69956a7818f58a6f40119c35", "--no-probes"});
    EXPECT_EQ(run.code, 1);
    EXPECT_NE(run.out.find("/status: \"finished\" is not one of queued, active, done, cancelling, cancelled, error "
                           "[schema.enum]"),
              std::string::npos)
        << run.out;
}

TEST(ConformanceTest, ABodyThatBreaksAnInvariantFails) {
    testing::TempDir temp;
    json body = json::parse(testing::read_file(kFixtures + "/cognigy/done.json"));
    body["currentStep"] = 1;   // status is done, so it must equal totalStep
    body["surprise"] = true;   // not in the schema
    temp.write("fixtures/cognigy/done.json", body.dump(2));
    Options options = testing::default_options();
    options.fixtures = temp.path() / "fixtures";
    options.allow_invalid = true;
    TestServer server(options);
    Ran run = conform({"check", "--variant", "cognigy", "--base-url", base(server, "cognigy"), "--task-id",
                       "69956a7818f58a6f40119c35", "--no-probes", "--strict"});
    EXPECT_EQ(run.code, 1);
    EXPECT_NE(run.out.find("FAIL invariant: a done task has run every step"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("FAIL no undocumented fields"), std::string::npos) << run.out;
}

TEST(ConformanceTest, AQuirkOnTheServerIsCaughtUnlessExpected) {
    Options options = testing::default_options();
    options.quirks = {"conductor:legacy-204"};
    TestServer server(options);
    const std::vector<std::string> common{"check", "--variant", "conductor", "--base-url", base(server, "conductor"),
                                          "--task-id", "0c658ed7-becd-11ef-a89d-86a819bd92bf"};
    Ran strict = conform(common);
    EXPECT_EQ(strict.code, 1);
    EXPECT_NE(strict.out.find("FAIL status is 404: got 204"), std::string::npos) << strict.out;
    std::vector<std::string> expecting = common;
    expecting.insert(expecting.end(), {"--quirk", "legacy-204"});
    EXPECT_EQ(conform(expecting).code, 0);
}

TEST(ConformanceTest, UnreachableServerIsExit2) {
    Ran run = conform({"check", "--variant", "orkes", "--base-url", "http://127.0.0.1:1", "--task-id", "x",
                       "--connect-timeout", "2"});
    EXPECT_EQ(run.code, 2);
    EXPECT_NE(run.out.find("FAIL response arrives: cannot connect"), std::string::npos) << run.out;
}

TEST(ConformanceTest, UsageErrorsAreExit2WithHelp) {
    for (const auto& arguments : std::vector<std::vector<std::string>>{
             {},
             {"check", "--variant", "orkes"},
             {"check", "--variant", "orkes", "--base-url", "http://x", "--task-id", "a", "--timeout", "-1"},
             {"frobnicate"},
             {"check", "--variant", "jira", "--base-url", "http://x", "--task-id", "a"},
             {"check", "--variant", "orkes", "--base-url", "ftp://x", "--task-id", "a"}}) {
        Ran run = conform(arguments);
        EXPECT_EQ(run.code, 2) << run.err;
        EXPECT_FALSE(run.err.empty());
    }
}

TEST(ConformanceTest, ValidateReportsFileLineAndColumn) {
    Ran good = conform({"validate", "--variant", "orkes", kFixtures + "/orkes/seed.json"});
    EXPECT_EQ(good.code, 0) << good.out;
    const std::string broken = std::string(TASKMOCK_TEST_DATA_DIR) + "/broken-fixtures/cognigy/bad-status.json";
    Ran bad = conform({"validate", "--variant", "cognigy", broken});
    EXPECT_EQ(bad.code, 1);
    EXPECT_NE(bad.out.find("bad-status.json:8:13: error: /status: \"finished\" is not one of"), std::string::npos)
        << bad.out;
    Ran error_body = conform({"validate", "--variant", "cognigy", "--error", "404", kFixtures + "/cognigy/done.json"});
    EXPECT_EQ(error_body.code, 1) << error_body.out;
}

TEST(ConformanceTest, UnknownIdKeepsTheCharacterClass) {
    EXPECT_EQ(unknown_id_from("69956a7818f58a6f40119c35"), "69956a7818f58a6f40119c36");
    EXPECT_EQ(unknown_id_from("abcf"), "abce");
    EXPECT_EQ(unknown_id_from("215419"), "215418");
}

}  // namespace taskmock
