// Every variant over real sockets: found, unknown id, missing and wrong
// credentials, malformed id, media types, hostile requests.

#include <gtest/gtest.h>

#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "core/json_text.hpp"
#include "mock_server/auth.hpp"
#include "support/temp_dir.hpp"
#include "support/test_server.hpp"

namespace taskmock {

using testing::TestServer;

namespace {

struct Case {
    std::string name;
    std::string found;       // path of a fixture task
    std::string unknown;     // well-formed id that no fixture has
    std::string malformed;   // id that breaks the variant's id format
    int malformed_status;
    httplib::Headers credentials;   // accepted credentials
    httplib::Headers wrong;         // rejected credentials ({} when auth is never required)
    std::string id_field;
};

// Test names show the variant rather than the bytes of the struct.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

std::map<std::string, Credentials> configured() {
    std::map<std::string, Credentials> credentials;
    credentials["maxsight"].accepted = {"maxsight-key"};
    credentials["orkes"].accepted = {"orkes-token"};
    credentials["orkes"].key_id = "id";
    credentials["orkes"].key_secret = "secret";
    credentials["orkes"].token = "orkes-token";
    credentials["oracle-bpm"].accepted = {"user:password"};
    credentials["cognigy"].accepted = {"cognigy-key"};
    return credentials;
}

std::vector<Case> cases() {
    return {
        {"maxsight", "/maxsight/v5/tasks/497f6eca-6276-4993-bfeb-53cbbbba6f08",
         "/maxsight/v5/tasks/00000000-0000-4000-8000-000000000000", "/maxsight/v5/tasks/not-a-uuid", 404,
         {{"apikey", "maxsight-key"}}, {{"apikey", "nope"}}, "id"},
        {"orkes", "/orkes/api/tasks/65fc73fe-0586-11f1-8b8d-6219b54da7fe",
         "/orkes/api/tasks/00000000-0000-1000-8000-000000000000", "/orkes/api/tasks/not-a-uuid", 400,
         {{"X-Authorization", "orkes-token"}}, {{"X-Authorization", "forged"}}, "taskId"},
        {"conductor", "/conductor/api/tasks/0c658ed7-becd-11ef-a89d-86a819bd92bf",
         "/conductor/api/tasks/00000000-0000-1000-8000-000000000000", "/conductor/api/tasks/a%01b", 400, {}, {},
         "taskId"},
        {"oracle-bpm", "/oracle-bpm/bpm/api/4.0/tasks/215419", "/oracle-bpm/bpm/api/4.0/tasks/999999",
         "/oracle-bpm/bpm/api/4.0/tasks/TASK-1", 400,
         {{"Authorization", "Basic " + base64_encode("user:password")}},
         {{"Authorization", "Basic " + base64_encode("user:guess")}}, "id"},
        {"cognigy", "/cognigy/new/v2.0/tasks/69956a7818f58a6f40119c35",
         "/cognigy/new/v2.0/tasks/000000000000000000000000", "/cognigy/new/v2.0/tasks/12345", 400,
         {{"X-API-Key", "cognigy-key"}, {"Accept", "application/json"}}, {{"X-API-Key", "wrong"}}, "_id"},
    };
}

// One server with configured credentials for all tests of a suite.
template <typename Base>
class WithServer : public Base {
protected:
    static void SetUpTestSuite() { server_ = new TestServer(testing::default_options(), configured()); }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
    }
    httplib::Client client() const { return httplib::Client("127.0.0.1", this->server_->port()); }
    static inline TestServer* server_ = nullptr;
};

class VariantServerTest : public WithServer<::testing::TestWithParam<Case>> {};

}  // namespace

TEST_P(VariantServerTest, FoundTaskIsJsonWithTheRequestedId) {
    const Case& c = GetParam();
    auto response = client().Get(c.found, c.credentials);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->get_header_value("Content-Type"), "application/json");
    json body = json::parse(response->body);
    EXPECT_EQ(body[c.id_field], c.found.substr(c.found.rfind('/') + 1));
}

TEST_P(VariantServerTest, UnknownIdIsTheVendors404) {
    const Case& c = GetParam();
    auto response = client().Get(c.unknown, c.credentials);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 404);
    EXPECT_EQ(response->get_header_value("Content-Type"), "application/json");
    EXPECT_EQ(response->get_header_value("X-Taskmock-Reason"), "task-not-found");
    EXPECT_TRUE(json::parse(response->body).is_object());
}

TEST_P(VariantServerTest, MalformedIdIsRefusedInTheVendorsShape) {
    const Case& c = GetParam();
    auto response = client().Get(c.malformed, c.credentials);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, c.malformed_status);
    EXPECT_TRUE(json::parse(response->body).is_object());
}

TEST_P(VariantServerTest, MissingCredentialsAre401WhereAuthApplies) {
    const Case& c = GetParam();
    auto response = client().Get(c.found);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, c.wrong.empty() ? 200 : 401);
}

TEST_P(VariantServerTest, WrongCredentialsAre401WhereAuthApplies) {
    const Case& c = GetParam();
    if (c.wrong.empty()) GTEST_SKIP() << c.name << " has no auth";
    auto response = client().Get(c.found, c.wrong);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 401);
    EXPECT_EQ(response->get_header_value("X-Taskmock-Reason"), "auth-rejected");
    EXPECT_TRUE(json::parse(response->body).is_object());
}

std::string case_name(const ::testing::TestParamInfo<Case>& param) {
    return param.param.name == "oracle-bpm" ? std::string("oracle_bpm") : param.param.name;
}

INSTANTIATE_TEST_SUITE_P(Shipped, VariantServerTest, ::testing::ValuesIn(cases()), case_name);

class ServerTest : public WithServer<::testing::Test> {};

TEST_F(ServerTest, CognigyServesEveryMediaTypeAndRefusesOthers) {
    const std::string path = "/cognigy/new/v2.0/tasks/69956a7818f58a6f40119c35";
    auto hal = client().Get(path, {{"X-API-Key", "cognigy-key"}});
    ASSERT_TRUE(hal);
    EXPECT_EQ(hal->get_header_value("Content-Type"), "application/hal+json");
    EXPECT_EQ(json::parse(hal->body)["_links"]["self"]["href"], path);
    for (const std::string type : {"application/json", "application/xml", "text/xml", "text/csv"}) {
        auto response = client().Get(path, {{"X-API-Key", "cognigy-key"}, {"Accept", type}});
        ASSERT_TRUE(response);
        EXPECT_EQ(response->status, 200);
        EXPECT_EQ(response->get_header_value("Content-Type"), type);
    }
    auto xml = client().Get(path + "?api_key=cognigy-key", {{"Accept", "text/xml"}});
    ASSERT_TRUE(xml);
    EXPECT_NE(xml->body.find("<_id>69956a7818f58a6f40119c35</_id>"), std::string::npos);
    auto refused = client().Get(path, {{"X-API-Key", "cognigy-key"}, {"Accept", "text/html"}});
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 406);
    EXPECT_EQ(json::parse(refused->body)["status"], 406);
}

TEST_F(ServerTest, OrkesTokenExchangeWorksWithAChunkedBody) {
    const std::string body = R"({"keyId":"id","keySecret":"secret"})";
    auto response = client().Post(
        "/orkes/api/token",
        [&](size_t offset, httplib::DataSink& sink) {
            // Two chunks, no Content-Length: as the Orkes SDK sends it.
            if (offset == 0) sink.write(body.data(), 10);
            else if (offset == 10) sink.write(body.data() + 10, body.size() - 10);
            else sink.done();
            return true;
        },
        "application/json");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(json::parse(response->body)["token"], "orkes-token");
}

TEST_F(ServerTest, OversizedTokenBodyIsRefusedWith413) {
    std::string huge(200 * 1024, 'x');
    auto response = client().Post("/orkes/api/token", huge, "application/json");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 413);
}

TEST_F(ServerTest, HostilePathsGetClean4xx) {
    for (const std::string& path : std::vector<std::string>{"/orkes/api/tasks/..%2F..%2Fetc%2Fpasswd", "/orkes/api/tasks/%00", "/conductor/api/tasks/%zz%",
          "/conductor/api/tasks/%E0%A4%A", "/../../etc/passwd", "/conductor/api/tasks/" + std::string(600, 'x')}) {
        auto response = client().Get(path);
        ASSERT_TRUE(response) << path;
        EXPECT_GE(response->status, 400) << path;
        EXPECT_LT(response->status, 500) << path;
    }
    auto overlong = client().Get("/conductor/api/tasks/" + std::string(20000, 'x'));
    ASSERT_TRUE(overlong);
    EXPECT_EQ(overlong->status, 414);
}

TEST_F(ServerTest, GarbageBytesGetA400AndTheServerKeepsServing) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(this->server_->port()));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    const std::string garbage("\x16\x03\x01\x02\x00 NOT HTTP\r\n\r\n", 18);
    ASSERT_EQ(send(fd, garbage.data(), garbage.size(), 0), static_cast<ssize_t>(garbage.size()));
    char buffer[256] = {};
    ssize_t got = recv(fd, buffer, sizeof buffer - 1, 0);
    close(fd);
    ASSERT_GT(got, 0);
    EXPECT_EQ(std::string(buffer).rfind("HTTP/1.1 400", 0), 0u) << buffer;
    auto after = client().Get("/conductor/api/tasks/0c658ed7-becd-11ef-a89d-86a819bd92bf");
    ASSERT_TRUE(after);
    EXPECT_EQ(after->status, 200);
}

TEST_F(ServerTest, UnknownMountIsAMockOnlyProblem) {
    auto response = client().Get("/jira/rest/api/2/issue/1");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 404);
    EXPECT_EQ(response->get_header_value("Content-Type"), "application/problem+json");
    EXPECT_EQ(response->get_header_value("X-Taskmock-Error"), "variant-not-found");
}

TEST(SixthVariantTest, ANewVariantFromFilesIsServedWithNoCodeChange) {
    testing::TempDir temp;
    temp.write("schemas/jobs/variant.json", R"({
      "name": "jobs",
      "title": "A sixth API described only by files",
      "routes": [{"method": "GET", "path": "/v1/jobs/{jobId}", "action": "task"}],
      "id": {"parameter": "jobId", "field": "/job/id", "pattern": "^j-[0-9]+$"},
      "auth": {"required": "always", "schemes": [{"type": "header", "name": "X-Token"}]},
      "media_types": [{"type": "application/json", "render": "json"}, {"type": "text/csv", "render": "csv"}],
      "errors": {
        "400": {"body": {"fault": "bad id ${id}"}},
        "401": {"body": {"fault": "who are you"}},
        "404": {"body": {"fault": "no job ${id}"}},
        "405": {"body": {"fault": "${detail}"}},
        "406": {"body": {"fault": "${detail}"}}
      },
      "schemas": {"task": "task.schema.json"}
    })");
    temp.write("schemas/jobs/task.schema.json",
               R"({"type":"object","required":["job"],"properties":{"job":{"type":"object","required":["id"]}}})");
    temp.write("fixtures/jobs/first.json", R"({"job": {"id": "j-1", "state": "running"}})");

    Options options = testing::default_options();
    options.schemas = temp.path() / "schemas";
    options.fixtures = temp.path() / "fixtures";
    TestServer server(options);
    ASSERT_TRUE(server.ok());
    httplib::Client client("127.0.0.1", server.port());
    auto found = client.Get("/jobs/v1/jobs/j-1", {{"X-Token", "t"}});
    ASSERT_TRUE(found);
    EXPECT_EQ(found->status, 200);
    EXPECT_EQ(found->body, R"({"job":{"id":"j-1","state":"running"}})");
    auto missing = client.Get("/jobs/v1/jobs/j-2", {{"X-Token", "t"}});
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->body, R"({"fault":"no job j-2"})");
    auto malformed = client.Get("/jobs/v1/jobs/x", {{"X-Token", "t"}});
    ASSERT_TRUE(malformed);
    EXPECT_EQ(malformed->status, 400);
    EXPECT_EQ(client.Get("/jobs/v1/jobs/j-1")->status, 401);
    EXPECT_EQ(client.Get("/jobs/v1/jobs/j-1", {{"X-Token", "t"}, {"Accept", "text/csv"}})->body, "job\r\n\"{\"\"id\"\":\"\"j-1\"\",\"\"state\"\":\"\"running\"\"}\"\r\n");
}

namespace {

int connect_to(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    // Bounded: a starved connection fails the test instead of hanging it.
    timeval limit{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

// Sends one keep-alive request and reads the whole response; false when
// no complete response arrives.
bool exchange_one(int fd, const std::string& path) {
    const std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    if (send(fd, request.data(), request.size(), 0) != static_cast<ssize_t>(request.size())) return false;
    std::string response;
    char buffer[4096];
    while (true) {
        std::size_t end = response.find("\r\n\r\n");
        if (end != std::string::npos) {
            std::size_t length_at = response.find("Content-Length: ");
            std::size_t length = length_at == std::string::npos ? 0 : std::stoul(response.substr(length_at + 16));
            if (response.size() >= end + 4 + length) return response.rfind("HTTP/1.1 200", 0) == 0;
        }
        ssize_t got = recv(fd, buffer, sizeof buffer, 0);
        if (got <= 0) return false;
        response.append(buffer, static_cast<std::size_t>(got));
    }
}

}  // namespace

TEST(IdleConnectionsTest, TwoHundredIdleKeepAliveConnectionsDoNotStarveANewClient) {
    // Idle connections keep their worker for the whole test; only a pool
    // that grows can serve the connections after the first few.
    ServerSettings settings = TestServer::quiet_settings();
    settings.keep_alive_seconds = 60;
    TestServer server(testing::default_options(), {}, settings);
    const std::string path = "/conductor/api/tasks/0c658ed7-becd-11ef-a89d-86a819bd92bf";
    std::vector<int> idle;
    for (int i = 0; i < 200; ++i) {
        int fd = connect_to(server.port());
        ASSERT_GE(fd, 0);
        idle.push_back(fd);
        ASSERT_TRUE(exchange_one(fd, path)) << "connection " << i << " was not served";
    }
    httplib::Client client("127.0.0.1", server.port());
    client.set_read_timeout(10, 0);
    auto response = client.Get(path);
    for (int fd : idle) close(fd);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
}

TEST(NativeRootTest, SingleVariantIsServedAtItsOwnPaths) {
    Options options = testing::default_options();
    options.variant = "orkes";
    TestServer server(options);
    httplib::Client client("127.0.0.1", server.port());
    auto response = client.Get("/api/tasks/65fc73fe-0586-11f1-8b8d-6219b54da7fe");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
}

}  // namespace taskmock
