// taskmock record against a second taskmock standing in for the live API:
// what the client gets, what is written (and never written), the summary,
// and the command line.

#include <gtest/gtest.h>

#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <thread>

#include "core/json_text.hpp"
#include "core/variant.hpp"
#include "mock_server/http_server.hpp"
#include "mock_server/record.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_server.hpp"

namespace taskmock {

using testing::Process;
using testing::TempDir;
using testing::TestServer;

namespace {

const std::string kFixtures = std::string(TASKMOCK_SOURCE_DIR) + "/fixtures";
const std::string kSchemas = std::string(TASKMOCK_SOURCE_DIR) + "/schemas";

// Credential values distinctive enough that finding one anywhere is a leak.
const std::string kOrkesKeyId = "orkes-key-id-5e1d";
const std::string kOrkesKeySecret = "orkes-key-secret-9b2c";
const std::string kOrkesToken = "orkes-minted-token-77ae";
const std::string kCognigyKey = "cognigy-api-key-c4f0";

std::map<std::string, Credentials> live_credentials() {
    std::map<std::string, Credentials> credentials;
    credentials["orkes"].key_id = kOrkesKeyId;
    credentials["orkes"].key_secret = kOrkesKeySecret;
    credentials["orkes"].token = kOrkesToken;
    credentials["orkes"].accepted = {kOrkesToken};
    credentials["cognigy"].accepted = {kCognigyKey};
    return credentials;
}

VariantDescription shipped_variant(const std::string& name) {
    Diagnostics diagnostics;
    for (auto& variant : load_variants(kSchemas, diagnostics)) {
        if (variant.name == name) return variant;
    }
    ADD_FAILURE() << "no variant " << name << diagnostics.to_string();
    return VariantDescription();
}

std::optional<Schema> task_schema(const VariantDescription& variant) {
    Diagnostics diagnostics;
    auto text = read_json_file(variant.directory / variant.task_schema, variant.task_schema, diagnostics);
    if (!text) return std::nullopt;
    return Schema::compile(*text, diagnostics);
}

// The shipped task bodies of a variant: id -> body as the upstream serves
// it. Timeline documents are left out: their body changes from request to
// request.
std::map<std::string, json> shipped_fixtures(const VariantDescription& variant) {
    std::map<std::string, json> fixtures;
    for (const auto& entry : std::filesystem::directory_iterator(kFixtures + "/" + variant.name)) {
        json body = json::parse(testing::read_file(entry.path()));
        if (body.contains("timeline")) continue;
        fixtures[body.at(variant.id_field).get<std::string>()] = body;
    }
    return fixtures;
}

// The recorder behind a real HttpServer on an ephemeral port, as the
// command runs it, minus signals.
class RecordingProxy {
public:
    RecordingProxy(const std::string& variant_name, const std::string& upstream, const std::filesystem::path& out,
                   bool only_valid = false) {
        VariantDescription variant = shipped_variant(variant_name);
        std::optional<Schema> schema = task_schema(variant);
        RecorderSettings settings;
        settings.upstream = upstream;
        settings.out = out;
        settings.only_valid = only_valid;
        settings.transport.connect_timeout = 5;
        std::filesystem::create_directories(out / variant_name);
        std::string error;
        recorder_ = Recorder::create(std::move(variant), std::move(schema), settings, error);
        if (!recorder_) {
            ADD_FAILURE() << error;
            return;
        }
        // The start-up probe, as record_main sends it (its answer is not the
        // point here). It also gives httplib's first response read, which
        // compiles a function-local static regex inside the library, to this
        // thread before the server's threads start: ThreadSanitizer cannot
        // see the guard of that static in the uninstrumented library and
        // reported the regex as raced between the first two proxied requests.
        recorder_->probe();
        Recorder* recorder = recorder_.get();
        server_ = std::make_unique<HttpServer>([recorder](const Request& request) { return recorder->handle(request); },
                                               TestServer::quiet_settings(), recorder_->secret_query_names());
        port_ = server_->bind();
        thread_ = std::thread([this] { server_->listen(); });
    }
    ~RecordingProxy() {
        if (!server_) return;
        while (thread_.joinable() && !server_->is_running()) std::this_thread::yield();
        server_->stop();
        if (thread_.joinable()) thread_.join();
    }

    httplib::Client client() const { return httplib::Client("127.0.0.1", port_); }
    Recorder& recorder() { return *recorder_; }

private:
    std::unique_ptr<Recorder> recorder_;
    std::unique_ptr<HttpServer> server_;
    std::thread thread_;
    int port_ = -1;
};

std::string base(const TestServer& server, const std::string& variant) {
    return "http://127.0.0.1:" + std::to_string(server.port()) + "/" + variant;
}

// A port with a bound socket that does not listen: connecting is refused at
// once, and no other process can take the port while the socket is open.
class RefusingPort {
public:
    RefusingPort() {
        fd_ = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) ADD_FAILURE() << "bind failed";
        socklen_t length = sizeof address;
        getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
        port_ = ntohs(address.sin_port);
    }
    ~RefusingPort() { close(fd_); }
    RefusingPort(const RefusingPort&) = delete;
    RefusingPort& operator=(const RefusingPort&) = delete;
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

private:
    int fd_ = -1;
    int port_ = 0;
};

// Every file under root, concatenated: where a leaked credential would be.
std::string everything_under(const std::filesystem::path& root) {
    std::string all;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
        if (entry.is_regular_file()) all += entry.path().string() + "\n" + testing::read_file(entry.path()) + "\n";
    }
    return all;
}

std::vector<std::string> files_in(const std::filesystem::path& directory) {
    std::vector<std::string> names;
    if (!std::filesystem::exists(directory)) return names;
    for (const auto& entry : std::filesystem::directory_iterator(directory)) names.push_back(entry.path().filename());
    std::sort(names.begin(), names.end());
    return names;
}

const RecordedTask* find_task(const RecordSummary& summary, const std::string& id) {
    for (const RecordedTask& task : summary.tasks) {
        if (task.id == id) return &task;
    }
    return nullptr;
}

}  // namespace

TEST(RecordTest, OrkesTasksBehindATokenExchangeAreRecordedExactlyAsTheUpstreamServesThem) {
    TestServer upstream(testing::default_options(), live_credentials());
    ASSERT_TRUE(upstream.ok());
    TempDir out;
    RecordingProxy proxy("orkes", base(upstream, "orkes"), out.path());
    const VariantDescription variant = shipped_variant("orkes");
    const std::map<std::string, json> fixtures = shipped_fixtures(variant);
    ASSERT_GE(fixtures.size(), 5u);

    auto token = proxy.client().Post(
        "/api/token", json({{"keyId", kOrkesKeyId}, {"keySecret", kOrkesKeySecret}}).dump(), "application/json");
    ASSERT_TRUE(token);
    ASSERT_EQ(token->status, 200) << token->body;
    EXPECT_EQ(json::parse(token->body)["token"], kOrkesToken);

    httplib::Client direct("127.0.0.1", upstream.port());
    for (const auto& [id, body] : fixtures) {
        const httplib::Headers auth = {{"X-Authorization", kOrkesToken}};
        auto proxied = proxy.client().Get("/api/tasks/" + id, auth);
        auto original = direct.Get("/orkes/api/tasks/" + id, auth);
        ASSERT_TRUE(proxied);
        ASSERT_TRUE(original);
        EXPECT_EQ(proxied->status, 200);
        EXPECT_EQ(proxied->body, original->body) << "the client gets the upstream's bytes";
        EXPECT_EQ(proxied->get_header_value("Content-Type"), original->get_header_value("Content-Type"));

        const std::filesystem::path file = out.path() / "orkes" / (id + ".json");
        ASSERT_TRUE(std::filesystem::exists(file)) << file;
        const std::string text = testing::read_file(file);
        const json recorded = json::parse(text);
        // ordered_json compares key order too: the upstream's order is kept.
        EXPECT_EQ(recorded, body) << id;
        EXPECT_EQ(text, body.dump(2) + "\n") << "pretty-printed with 2 spaces";
    }
    // The token exchange is proxied but is not a task.
    EXPECT_EQ(files_in(out.path() / "orkes").size(), fixtures.size());

    RecordSummary summary = proxy.recorder().summary();
    EXPECT_EQ(summary.requests, fixtures.size() + 1);
    EXPECT_EQ(summary.proxied, fixtures.size() + 1);
    EXPECT_EQ(summary.upstream_errors, 0u);
    EXPECT_EQ(summary.count("new"), fixtures.size());
    EXPECT_EQ(summary.non_conforming(), 0u);
    EXPECT_EQ(summary.redactions, 0u);

    // The recorded directory is a fixture set taskmock loads without complaint.
    Diagnostics diagnostics;
    std::map<std::string, Schema> schemas;
    schemas.emplace("orkes", *task_schema(variant));
    FixtureStore store = FixtureStore::load(out.path(), {variant}, schemas, diagnostics);
    EXPECT_TRUE(diagnostics.empty()) << diagnostics.to_string();
    EXPECT_EQ(store.size(), fixtures.size());

    const std::string written = everything_under(out.path()) + summary.to_json().dump() + summary.to_text(out.path());
    for (const std::string& secret : {kOrkesKeyId, kOrkesKeySecret, kOrkesToken}) {
        EXPECT_EQ(written.find(secret), std::string::npos) << secret;
    }
}

TEST(RecordTest, RecordingAgainTellsUnchangedFromUpdated) {
    TestServer upstream(testing::default_options());
    TempDir out;
    const std::string seed = "65fc73fe-0586-11f1-8b8d-6219b54da7fe";
    const std::string other = "84fdeb3e-1615-11f1-af3c-4a1c7e93b2d6";
    {
        RecordingProxy first("orkes", base(upstream, "orkes"), out.path());
        ASSERT_TRUE(first.client().Get("/api/tasks/" + seed));
        ASSERT_TRUE(first.client().Get("/api/tasks/" + other));
        EXPECT_EQ(first.recorder().summary().count("new"), 2u);
    }
    // Someone edited one recording; the next run puts the upstream's body back.
    const std::filesystem::path edited = out.path() / "orkes" / (other + ".json");
    out.write("orkes/" + other + ".json", "{\"taskId\": \"" + other + "\"}\n");

    RecordingProxy second("orkes", base(upstream, "orkes"), out.path());
    ASSERT_TRUE(second.client().Get("/api/tasks/" + seed));
    ASSERT_TRUE(second.client().Get("/api/tasks/" + other));
    RecordSummary summary = second.recorder().summary();
    ASSERT_NE(find_task(summary, seed), nullptr);
    ASSERT_NE(find_task(summary, other), nullptr);
    EXPECT_EQ(find_task(summary, seed)->outcome, "unchanged");
    EXPECT_EQ(find_task(summary, other)->outcome, "updated");
    EXPECT_EQ(json::parse(testing::read_file(edited)), shipped_fixtures(shipped_variant("orkes")).at(other));
    // No temporary file is left next to the fixtures.
    EXPECT_EQ(files_in(out.path() / "orkes"), (std::vector<std::string>{seed + ".json", other + ".json"}));
}

TEST(RecordTest, ConcurrentClientsOfTheSameTasksGetTheirAnswersAndOneFileEach) {
    TestServer upstream(testing::default_options());
    TempDir out;
    RecordingProxy proxy("conductor", base(upstream, "conductor"), out.path());
    const std::map<std::string, json> fixtures = shipped_fixtures(shipped_variant("conductor"));
    constexpr int kClients = 4;
    std::atomic<int> answered{0};
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
        clients.emplace_back([&] {
            httplib::Client client = proxy.client();
            for (const auto& [id, body] : fixtures) {
                auto response = client.Get("/api/tasks/" + id);
                if (response && response->status == 200 && json::parse(response->body) == body) ++answered;
            }
        });
    }
    for (auto& thread : clients) thread.join();
    EXPECT_EQ(answered.load(), kClients * static_cast<int>(fixtures.size()));
    for (const auto& [id, body] : fixtures) {
        EXPECT_EQ(json::parse(testing::read_file(out.path() / "conductor" / (id + ".json"))), body) << id;
    }
    EXPECT_EQ(files_in(out.path() / "conductor").size(), fixtures.size()) << "no temporary file is left";
    RecordSummary summary = proxy.recorder().summary();
    EXPECT_EQ(summary.requests, kClients * fixtures.size());
    EXPECT_EQ(summary.count("new"), fixtures.size());
}

TEST(RecordTest, CognigyWithTheKeyInTheQueryIsRecordedWithoutHalLinksOrTheKey) {
    TestServer upstream(testing::default_options(), live_credentials());
    TempDir out;
    RecordingProxy proxy("cognigy", base(upstream, "cognigy"), out.path());
    const std::map<std::string, json> fixtures = shipped_fixtures(shipped_variant("cognigy"));
    ASSERT_GE(fixtures.size(), 4u);

    bool hal = true;
    for (const auto& [id, body] : fixtures) {
        // Alternate HAL (the default) and plain JSON: both record the task.
        httplib::Headers accept;
        if (!hal) accept = {{"Accept", "application/json"}};
        auto response = proxy.client().Get("/new/v2.0/tasks/" + id + "?api_key=" + kCognigyKey, accept);
        ASSERT_TRUE(response);
        EXPECT_EQ(response->status, 200);
        EXPECT_EQ(response->get_header_value("Content-Type"), hal ? "application/hal+json" : "application/json");
        EXPECT_EQ(json::parse(response->body).contains("_links"), hal) << "the client gets the upstream's body";
        EXPECT_EQ(json::parse(testing::read_file(out.path() / "cognigy" / (id + ".json"))), body) << id;
        hal = !hal;
    }
    // A rendering that is not JSON is passed on and not recorded.
    const std::string first_id = fixtures.begin()->first;
    std::filesystem::remove(out.path() / "cognigy" / (first_id + ".json"));
    auto xml = proxy.client().Get("/new/v2.0/tasks/" + first_id, {{"X-API-Key", kCognigyKey}, {"Accept", "text/xml"}});
    ASSERT_TRUE(xml);
    EXPECT_EQ(xml->status, 200);
    EXPECT_EQ(xml->get_header_value("Content-Type"), "text/xml");
    EXPECT_FALSE(std::filesystem::exists(out.path() / "cognigy" / (first_id + ".json")));

    RecordSummary summary = proxy.recorder().summary();
    EXPECT_EQ(summary.count("new"), fixtures.size());
    ASSERT_EQ(summary.skipped.size(), 1u);
    EXPECT_NE(summary.skipped[0].find("not a JSON body (text/xml)"), std::string::npos) << summary.skipped[0];
    const std::string written = everything_under(out.path()) + summary.to_json().dump() + summary.to_text(out.path());
    EXPECT_EQ(written.find(kCognigyKey), std::string::npos);
}

TEST(RecordTest, NonConformingBodiesAreWrittenAndReportedAndCredentialsInBodiesRedacted) {
    // An upstream that serves deliberately bad data: one body breaks the
    // schema, another carries the client's key inside a field.
    TempDir upstream_fixtures;
    std::string bad = testing::read_file(kFixtures + "/cognigy/done.json");
    bad.replace(bad.find("\"done\""), 6, "\"finished\"");
    upstream_fixtures.write("cognigy/bad.json", bad);
    json leaky = json::parse(testing::read_file(kFixtures + "/cognigy/active.json"));
    leaky["data"]["description"] = "called with " + kCognigyKey + " by a script";
    leaky["failReason"] = kCognigyKey;
    upstream_fixtures.write("cognigy/leaky.json", leaky.dump(2));
    Options options = testing::default_options();
    options.fixtures = upstream_fixtures.path();
    options.allow_invalid = true;
    TestServer upstream(options, live_credentials());
    ASSERT_TRUE(upstream.ok());

    const std::string bad_id = json::parse(bad)["_id"];
    const std::string leaky_id = leaky["_id"];
    TempDir out;
    {
        RecordingProxy proxy("cognigy", base(upstream, "cognigy"), out.path());
        for (const std::string& id : {bad_id, leaky_id}) {
            auto response = proxy.client().Get("/new/v2.0/tasks/" + id, {{"X-API-Key", kCognigyKey}});
            ASSERT_TRUE(response);
            EXPECT_EQ(response->status, 200);
        }
        RecordSummary summary = proxy.recorder().summary();
        EXPECT_EQ(summary.count("new"), 2u);
        EXPECT_EQ(summary.non_conforming(), 1u);
        const RecordedTask* task = find_task(summary, bad_id);
        ASSERT_NE(task, nullptr);
        ASSERT_EQ(task->violations.size(), 1u);
        EXPECT_EQ(task->violations[0].pointer.to_string(), "/status");
        EXPECT_EQ(task->violations[0].keyword, "enum");
        EXPECT_NE(task->violations[0].message.find("\"finished\""), std::string::npos);
        EXPECT_NE(summary.to_text(out.path()).find("/status: \"finished\" is not one of"), std::string::npos)
            << summary.to_text(out.path());
        json listed = summary.to_json();
        EXPECT_EQ(listed["non_conforming"], 1);
        EXPECT_EQ(listed["redactions"], 2);

        // Written so it can be inspected, exactly as served.
        EXPECT_EQ(json::parse(testing::read_file(out.path() / "cognigy" / (bad_id + ".json"))), json::parse(bad));
        const json redacted = json::parse(testing::read_file(out.path() / "cognigy" / (leaky_id + ".json")));
        EXPECT_EQ(redacted["data"]["description"], "called with REDACTED by a script");
        EXPECT_EQ(redacted["failReason"], "REDACTED");
        ASSERT_NE(find_task(summary, leaky_id), nullptr);
        EXPECT_EQ(find_task(summary, leaky_id)->redactions, 2u);
        EXPECT_EQ(everything_under(out.path()).find(kCognigyKey), std::string::npos);
    }

    // --only-valid: reported the same way, not written.
    TempDir strict_out;
    RecordingProxy strict("cognigy", base(upstream, "cognigy"), strict_out.path(), true);
    ASSERT_TRUE(strict.client().Get("/new/v2.0/tasks/" + bad_id, {{"X-API-Key", kCognigyKey}}));
    RecordSummary summary = strict.recorder().summary();
    ASSERT_NE(find_task(summary, bad_id), nullptr);
    EXPECT_EQ(find_task(summary, bad_id)->outcome, "not-written");
    EXPECT_EQ(summary.non_conforming(), 1u);
    EXPECT_TRUE(files_in(strict_out.path() / "cognigy").empty());
}

TEST(RecordTest, UnknownIdsAreProxiedAndNotRecorded) {
    TestServer upstream(testing::default_options());
    TempDir out;
    RecordingProxy proxy("orkes", base(upstream, "orkes"), out.path());
    const std::string path = "/api/tasks/00000000-0000-1000-8000-000000000000";
    auto proxied = proxy.client().Get(path);
    auto original = httplib::Client("127.0.0.1", upstream.port()).Get("/orkes" + path);
    ASSERT_TRUE(proxied);
    ASSERT_TRUE(original);
    EXPECT_EQ(proxied->status, 404);
    EXPECT_EQ(proxied->body, original->body);
    EXPECT_EQ(proxied->get_header_value("X-Taskmock-Reason"), "task-not-found");
    EXPECT_TRUE(files_in(out.path() / "orkes").empty());
    RecordSummary summary = proxy.recorder().summary();
    EXPECT_EQ(summary.proxied, 1u);
    EXPECT_TRUE(summary.tasks.empty());
    EXPECT_TRUE(summary.skipped.empty());
}

TEST(RecordTest, AnUpstreamThatIsDownGets502AndIsCounted) {
    RefusingPort down;
    TempDir out;
    RecordingProxy proxy("conductor", down.url(), out.path());
    EXPECT_TRUE(proxy.recorder().probe().has_value());
    auto response = proxy.client().Get("/api/tasks/0c658ed7-becd-11ef-a89d-86a819bd92bf");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 502);
    EXPECT_EQ(response->get_header_value("Content-Type"), "application/problem+json");
    EXPECT_EQ(response->get_header_value("X-Taskmock-Error"), "upstream-unreachable");
    json body = json::parse(response->body);
    EXPECT_EQ(body["type"], "urn:taskmock:error:upstream-unreachable");
    EXPECT_EQ(body["upstream"], down.url());
    RecordSummary summary = proxy.recorder().summary();
    EXPECT_EQ(summary.requests, 1u);
    EXPECT_EQ(summary.proxied, 0u);
    EXPECT_EQ(summary.upstream_errors, 1u);
    ASSERT_EQ(summary.errors.size(), 1u);
    EXPECT_EQ(summary.errors[0].rfind("GET /api/tasks/0c658ed7-becd-11ef-a89d-86a819bd92bf: ", 0), 0u)
        << summary.errors[0];
    EXPECT_TRUE(files_in(out.path() / "conductor").empty());
}

TEST(RecordTest, FileNamesCannotLeaveTheirFolder) {
    EXPECT_EQ(fixture_file_name("65fc73fe-0586-11f1-8b8d-6219b54da7fe"), "65fc73fe-0586-11f1-8b8d-6219b54da7fe.json");
    EXPECT_EQ(fixture_file_name("../../etc/passwd"), "..%2F..%2Fetc%2Fpasswd.json");
    EXPECT_EQ(fixture_file_name(".."), "%2E%2E.json");
    EXPECT_EQ(fixture_file_name("a b"), "a%20b.json");
}

TEST(RecordTest, RedactionReachesKeysAndNestedValuesAndKeepsOrder) {
    json body = json::parse(R"({"z":"k3y","nested":{"k3y-name":["x k3y k3y"]},"a":1})");
    EXPECT_EQ(redact_secrets(body, {"k3y"}), 4u);
    EXPECT_EQ(body.dump(), R"({"z":"REDACTED","nested":{"REDACTED-name":["x REDACTED REDACTED"]},"a":1})");

    // A short value is replaced only where it stands alone; a long one everywhere.
    json text = "company any task k, prefix-long-secret-value-1suffix";
    EXPECT_EQ(redact_secrets(text, {"any", "k", "long-secret-value-1"}), 3u);
    EXPECT_EQ(text, "company REDACTED task REDACTED, prefix-REDACTEDsuffix");
}

// The command as users run it.

TEST(RecordCliTest, UsageErrorsExit2WithTheUsageText) {
    const std::vector<std::vector<std::string>> cases = {
        {},
        {"--variant", "orkes", "--upstream", "http://127.0.0.1:9"},
        {"--variant", "orkes", "--out", "x", "--upstream", "ftp://127.0.0.1/"},
        {"--variant", "orkes", "--out", "x", "--upstream", "http://user:pass@127.0.0.1/"},
        {"--variant", "orkes", "--out", "x", "--upstream", "http://127.0.0.1:9", "--port", "http"},
        {"--frobnicate"},
        {"--out"},
    };
    const std::vector<std::string> messages = {
        "--variant is required", "--out is required", "--upstream takes an http:// or https:// URL",
        "without user, query or fragment", "--port takes a number", "unknown option \"--frobnicate\"",
        "option --out needs a value"};
    for (std::size_t i = 0; i < cases.size(); ++i) {
        std::vector<std::string> arguments = {TASKMOCK_BINARY, "record"};
        arguments.insert(arguments.end(), cases[i].begin(), cases[i].end());
        Process process(arguments);
        EXPECT_EQ(process.wait(), 2) << messages[i];
        EXPECT_NE(process.err().find(messages[i]), std::string::npos) << process.err();
        EXPECT_NE(process.err().find("usage: taskmock record --variant NAME"), std::string::npos);
        EXPECT_EQ(process.err().find("pass"), std::string::npos) << "the URL's password is not echoed";
    }
    Process unknown({TASKMOCK_BINARY, "record", "--variant", "jira", "--upstream", "http://127.0.0.1:9", "--out", "x"});
    EXPECT_EQ(unknown.wait(), 2);
    EXPECT_NE(unknown.err().find("unknown variant \"jira\"; known variants: cognigy"), std::string::npos);

    Process help({TASKMOCK_BINARY, "record", "--help"});
    EXPECT_EQ(help.wait(), 0);
    EXPECT_NE(help.out().find("--only-valid"), std::string::npos);
    Process main_help({TASKMOCK_BINARY, "--help"});
    EXPECT_EQ(main_help.wait(), 0);
    EXPECT_NE(main_help.out().find("taskmock record --variant NAME --upstream URL --out DIR"), std::string::npos);
}

TEST(RecordCliTest, RecordsUntilSigtermThenSummarisesAndTheResultPassesCheck) {
    TestServer upstream(testing::default_options(), live_credentials());
    TempDir out;
    Process process({TASKMOCK_BINARY, "record", "--variant", "cognigy", "--upstream", base(upstream, "cognigy"), "--out",
                     out.path().string(), "--port", "0"});
    auto ready = process.read_line();
    ASSERT_TRUE(ready.has_value()) << process.err();
    const std::string marker = "recording cognigy, listening on http://127.0.0.1:";
    ASSERT_NE(ready->find(marker), std::string::npos) << *ready;
    EXPECT_NE(ready->find(", upstream " + base(upstream, "cognigy")), std::string::npos) << *ready;
    const int port = std::stoi(ready->substr(ready->find(marker) + marker.size()));
    ASSERT_TRUE(process.read_line().has_value());  // where fixtures go

    httplib::Client client("127.0.0.1", port);
    auto by_query = client.Get("/new/v2.0/tasks/69956a7818f58a6f40119c35?api_key=" + kCognigyKey);
    ASSERT_TRUE(by_query);
    EXPECT_EQ(by_query->status, 200);
    auto log = process.read_line();
    ASSERT_TRUE(log.has_value());
    EXPECT_NE(log->find("api_key=REDACTED"), std::string::npos) << *log;
    auto by_header = client.Get("/new/v2.0/tasks/65004d5cae975381ca9a2cbd", {{"X-API-Key", kCognigyKey}});
    ASSERT_TRUE(by_header);
    EXPECT_EQ(by_header->status, 200);
    auto unauthorised = client.Get("/new/v2.0/tasks/65004d5cae975381ca9a2cbd", {{"X-API-Key", "wrong"}});
    ASSERT_TRUE(unauthorised);
    EXPECT_EQ(unauthorised->status, 401);

    process.signal(SIGTERM);
    ASSERT_EQ(process.wait(), 0) << process.err();
    EXPECT_NE(process.out().find("taskmock: recording cognigy stopped"), std::string::npos) << process.out();
    EXPECT_NE(process.out().find("requests proxied: 3 of 3"), std::string::npos) << process.out();
    EXPECT_NE(process.out().find("tasks recorded: 2 (2 new, 0 updated, 0 unchanged)"), std::string::npos);
    EXPECT_EQ((process.out() + process.err()).find(kCognigyKey), std::string::npos);

    json summary = json::parse(testing::read_file(out.path() / "record-summary.json"));
    EXPECT_EQ(summary["variant"], "cognigy");
    EXPECT_EQ(summary["requests"], 3);
    EXPECT_EQ(summary["recorded"]["new"], 2);
    EXPECT_EQ(summary["upstream_errors"], 0);
    EXPECT_EQ(summary["tasks"].size(), 2u);
    EXPECT_EQ(everything_under(out.path()).find(kCognigyKey), std::string::npos);

    Process check({TASKMOCK_BINARY, "--check", "--variant", "cognigy", "--fixtures", out.path().string()});
    EXPECT_EQ(check.wait(), 0) << check.err();
    EXPECT_NE(check.out().find("2 fixtures of 1 variants are valid"), std::string::npos) << check.out();
}

TEST(RecordCliTest, AnUnreachableUpstreamAtStartExits1) {
    RefusingPort down;
    TempDir out;
    Process process({TASKMOCK_BINARY, "record", "--variant", "conductor", "--upstream", down.url(), "--out",
                     out.path().string(), "--port", "0"});
    EXPECT_EQ(process.wait(), 1);
    EXPECT_NE(process.err().find("the upstream " + down.url() + " does not answer: cannot connect"), std::string::npos)
        << process.err();
    EXPECT_TRUE(process.out().empty());
}

TEST(RecordCliTest, APortInUseExits1) {
    TestServer upstream(testing::default_options());
    TempDir out;
    Process process({TASKMOCK_BINARY, "record", "--variant", "conductor", "--upstream", base(upstream, "conductor"),
                     "--out", out.path().string(), "--port", std::to_string(upstream.port())});
    EXPECT_EQ(process.wait(), 1);
    EXPECT_NE(process.err().find("cannot listen on 127.0.0.1:" + std::to_string(upstream.port())), std::string::npos)
        << process.err();
}

}  // namespace taskmock
