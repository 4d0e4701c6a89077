// The taskmock binary as users run it: exit codes, messages, ready line,
// shutdown on signals.

#include <gtest/gtest.h>

#include <httplib.h>

#include "support/process.hpp"

namespace taskmock {

using testing::Process;

TEST(CliTest, BadOptionPrintsUsageAndExits2) {
    Process process({TASKMOCK_BINARY, "--frobnicate"});
    EXPECT_EQ(process.wait(), 2);
    EXPECT_NE(process.err().find("taskmock: unknown option \"--frobnicate\""), std::string::npos);
    EXPECT_NE(process.err().find("usage: taskmock [options]"), std::string::npos);
}

TEST(CliTest, BadPortAndMissingValueExit2) {
    Process port({TASKMOCK_BINARY, "--port", "70000"});
    EXPECT_EQ(port.wait(), 2);
    EXPECT_NE(port.err().find("--port takes a number from 0 to 65535"), std::string::npos);
    Process missing({TASKMOCK_BINARY, "--fixtures"});
    EXPECT_EQ(missing.wait(), 2);
    EXPECT_NE(missing.err().find("option --fixtures needs a value"), std::string::npos);
}

TEST(CliTest, HelpAndVersionExit0) {
    Process help({TASKMOCK_BINARY, "--help"});
    EXPECT_EQ(help.wait(), 0);
    EXPECT_NE(help.out().find("--variant NAME"), std::string::npos);
    Process version({TASKMOCK_BINARY, "--version"});
    EXPECT_EQ(version.wait(), 0);
    EXPECT_EQ(version.out().rfind("taskmock ", 0), 0u);
}

TEST(CliTest, BrokenFixtureSetIsRefusedWithAllDiagnosticsAndExit2) {
    Process process({TASKMOCK_BINARY, "--fixtures", std::string(TASKMOCK_TEST_DATA_DIR) + "/broken-fixtures"});
    EXPECT_EQ(process.wait(), 2);
    EXPECT_NE(process.err().find("bad-status.json:8:13: error: /status:"), std::string::npos) << process.err();
    EXPECT_NE(process.err().find("duplicate-b.json:29:13: error: duplicate task id"), std::string::npos);
    EXPECT_NE(process.err().find("invalid-json.json:4:3: error: invalid JSON"), std::string::npos);
    EXPECT_NE(process.err().find("missing-id.json:1:1: error: missing task id field /taskId"), std::string::npos);
    EXPECT_NE(process.err().find("unknown variant \"unknown-variant\""), std::string::npos);
    EXPECT_NE(process.err().find("taskmock: 6 error(s); not serving"), std::string::npos);
    EXPECT_TRUE(process.out().empty());
}

TEST(CliTest, UnknownVariantAndQuirkExit2) {
    Process variant({TASKMOCK_BINARY, "--variant", "jira"});
    EXPECT_EQ(variant.wait(), 2);
    EXPECT_NE(variant.err().find("unknown variant \"jira\"; known variants: cognigy conductor"), std::string::npos);
    Process quirk({TASKMOCK_BINARY, "--quirk", "conductor:nope"});
    EXPECT_EQ(quirk.wait(), 2);
    EXPECT_NE(quirk.err().find("conductor:legacy-204"), std::string::npos);
}

TEST(CliTest, ReadyLinePrintsEachVariantsBaseUrlAndSigtermStopsCleanly) {
    Process process({TASKMOCK_BINARY, "--port", "0"});
    auto ready = process.read_line();
    ASSERT_TRUE(ready.has_value()) << process.err();
    const std::string marker = "listening on http://127.0.0.1:";
    ASSERT_NE(ready->find(marker), std::string::npos) << *ready;
    int port = std::stoi(ready->substr(ready->find(marker) + marker.size()));
    std::vector<std::string> lines;
    for (int i = 0; i < 5; ++i) lines.push_back(process.read_line().value_or(""));
    EXPECT_NE(lines[4].find("orkes       http://127.0.0.1:" + std::to_string(port) + "/orkes"), std::string::npos);

    httplib::Client client("127.0.0.1", port);
    auto response = client.Get("/conductor/api/tasks/0c658ed7-becd-11ef-a89d-86a819bd92bf");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
    // The access log line for that request comes before anything else.
    auto log = process.read_line();
    ASSERT_TRUE(log.has_value());
    EXPECT_EQ(*log, "127.0.0.1 \"GET /conductor/api/tasks/0c658ed7-becd-11ef-a89d-86a819bd92bf\" 200 " +
                        std::to_string(response->body.size()));

    process.signal(SIGTERM);
    EXPECT_EQ(process.wait(), 0);
    EXPECT_NE(process.out().find("taskmock: stopped"), std::string::npos);
}

TEST(CliTest, SigintStopsCleanlyToo) {
    Process process({TASKMOCK_BINARY, "--port", "0", "--quiet"});
    ASSERT_TRUE(process.read_line().has_value());
    process.signal(SIGINT);
    EXPECT_EQ(process.wait(), 0);
}

TEST(CliTest, CredentialsInTheQueryNeverReachTheAccessLog) {
    Process process({TASKMOCK_BINARY, "--port", "0", "--variant", "cognigy"});
    auto ready = process.read_line();
    ASSERT_TRUE(ready.has_value());
    int port = std::stoi(ready->substr(ready->rfind(':') + 1));
    ASSERT_TRUE(process.read_line().has_value());  // the variant line
    httplib::Client client("127.0.0.1", port);
    auto response = client.Get("/new/v2.0/tasks/69956a7818f58a6f40119c35?api_key=very-secret-key&projectId=x");
    ASSERT_TRUE(response);
    auto log = process.read_line();
    ASSERT_TRUE(log.has_value());
    EXPECT_EQ(log->find("very-secret-key"), std::string::npos) << *log;
    EXPECT_NE(log->find("api_key=REDACTED"), std::string::npos) << *log;
    process.signal(SIGTERM);
    process.wait();
}

TEST(CliTest, NonLoopbackBindIsAnnounced) {
    Process process({TASKMOCK_BINARY, "--port", "0", "--host", "0.0.0.0", "--quiet"});
    ASSERT_TRUE(process.read_line().has_value());
    process.signal(SIGTERM);
    process.wait();
    EXPECT_NE(process.err().find("warning: listening on 0.0.0.0, which other machines may reach"), std::string::npos);
}

TEST(CliTest, CredentialConfigurationThatCannotWorkIsRefused) {
    setenv("TASKMOCK_ORKES_KEY_ID", "only-the-id", 1);
    Process half_pair({TASKMOCK_BINARY, "--port", "0"});
    unsetenv("TASKMOCK_ORKES_KEY_ID");
    EXPECT_EQ(half_pair.wait(), 2);
    EXPECT_NE(half_pair.err().find("TASKMOCK_ORKES_KEY_ID and TASKMOCK_ORKES_KEY_SECRET go together"), std::string::npos);
    EXPECT_EQ(half_pair.err().find("only-the-id"), std::string::npos);

    setenv("TASKMOCK_MAXSIGHT_CREDENTIAL_FILE", "/nonexistent/credential", 1);
    Process missing_file({TASKMOCK_BINARY, "--port", "0"});
    unsetenv("TASKMOCK_MAXSIGHT_CREDENTIAL_FILE");
    EXPECT_EQ(missing_file.wait(), 2);
    EXPECT_NE(missing_file.err().find("/nonexistent/credential: error: cannot read a credential"), std::string::npos);
}

TEST(CliTest, PortInUseExits1) {
    Process first({TASKMOCK_BINARY, "--port", "0", "--quiet"});
    auto ready = first.read_line();
    ASSERT_TRUE(ready.has_value());
    std::string port = ready->substr(ready->rfind(':') + 1);
    Process second({TASKMOCK_BINARY, "--port", port, "--quiet"});
    EXPECT_EQ(second.wait(), 1);
    EXPECT_NE(second.err().find("cannot listen on 127.0.0.1:" + port), std::string::npos);
    first.signal(SIGTERM);
    first.wait();
}

}  // namespace taskmock
