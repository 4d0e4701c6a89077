// Testing client code against taskmock, over real sockets with the real
// binary: task timelines under a manual clock, sessions, faults, the
// request journal, the admin API and --watch.

#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdlib>
#include <fstream>
#include <future>
#include <thread>

#include "core/json_text.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace taskmock {

using testing::Process;

namespace {

const std::string kConductorTimesOut = "/conductor/api/tasks/3f0b9a7c-2d1e-4c5b-8a6f-1e2d3c4b5a02";
const std::string kOrkesPolled = "/orkes/api/tasks/7d4b0f1e-5a2c-4e8b-9c31-0a6f2e9d1b01";
const std::string kConductorPlain = "/conductor/api/tasks/0c658ed7-becd-11ef-a89d-86a819bd92bf";

// The taskmock binary on a free port; the port comes from its ready line.
struct Server {
    explicit Server(std::vector<std::string> extra) : process(arguments(std::move(extra))) {
        auto ready = process.read_line();
        if (!ready) return;
        port = std::stoi(ready->substr(ready->rfind(':') + 1));
        // The mount lines (and the admin line) follow; read them so stdout stays drained.
        while (auto line = process.read_line(std::chrono::milliseconds(200))) {
            if (line->find("admin") != std::string::npos) break;
        }
    }
    ~Server() {
        process.signal(SIGTERM);
        process.wait();
    }
    static std::vector<std::string> arguments(std::vector<std::string> extra) {
        std::vector<std::string> all{TASKMOCK_BINARY, "--port", "0", "--quiet", "--admin"};
        all.insert(all.end(), extra.begin(), extra.end());
        return all;
    }
    httplib::Client client() const {
        httplib::Client c("127.0.0.1", port);
        c.set_read_timeout(30, 0);
        return c;
    }
    json get_json(const std::string& path, const httplib::Headers& headers = {}) const {
        auto response = client().Get(path, headers);
        if (!response || response->status != 200) return json();
        return json::parse(response->body);
    }
    json post(const std::string& path, const std::string& body) const {
        auto response = client().Post(path, body, "application/json");
        return response ? json::parse(response->body, nullptr, false) : json();
    }
    Process process;
    int port = -1;
};

std::string state_of(const httplib::Result& response) {
    return response ? response->get_header_value("X-Taskmock-State") : "no response";
}

}  // namespace

TEST(LifecycleTest, APollingClientSeesATenMinuteTimeoutInMillisecondsUnderAManualClock) {
    Server server({"--clock", "manual@2026-06-01T00:00:00Z"});
    ASSERT_GT(server.port, 0) << server.process.err();
    auto client = server.client();
    json first = json::parse(client.Get(kConductorTimesOut)->body);
    EXPECT_EQ(first["status"], "IN_PROGRESS");
    EXPECT_EQ(first["startTime"], 1780272000000);
    EXPECT_EQ(first["endTime"], 0);

    // The polling loop a client would run, with the clock moved a minute per poll.
    int polls = 0;
    json last;
    for (; polls < 20; ++polls) {
        last = json::parse(client.Get(kConductorTimesOut)->body);
        if (last["status"] == "TIMED_OUT") break;
        server.post("/__taskmock/clock", R"({"advance": "1m"})");
    }
    EXPECT_EQ(last["status"], "TIMED_OUT");
    EXPECT_EQ(polls, 10);
    // Entered exactly when due: 600 s after it started, whatever the poll times.
    EXPECT_EQ(last["endTime"], 1780272600000);
    EXPECT_EQ(last["startTime"], 1780272000000);
    EXPECT_EQ(last["reasonForIncompletion"], "responseTimeoutSeconds: 600 exceeded");
}

TEST(LifecycleTest, StatesAdvanceByPollsPerSessionAndResetStartsAgain) {
    Server server({});
    ASSERT_GT(server.port, 0);
    auto client = server.client();
    httplib::Headers a{{"X-Taskmock-Session", "run-a"}};
    httplib::Headers b{{"X-Taskmock-Session", "run-b"}};
    std::vector<std::string> seen;
    for (int i = 0; i < 5; ++i) seen.push_back(state_of(client.Get(kOrkesPolled, a)));
    EXPECT_EQ(seen, (std::vector<std::string>{"SCHEDULED", "IN_PROGRESS", "IN_PROGRESS", "COMPLETED", "COMPLETED"}));
    EXPECT_EQ(state_of(client.Get(kOrkesPolled, b)), "SCHEDULED");  // run-b has its own task
    EXPECT_EQ(state_of(client.Get(kOrkesPolled)), "SCHEDULED");     // so has the default session

    json done = server.get_json(kOrkesPolled, a);
    EXPECT_EQ(done["outputData"]["approved"], true);
    EXPECT_GE(done["endTime"].get<std::int64_t>(), done["startTime"].get<std::int64_t>());
    EXPECT_GT(done["startTime"].get<std::int64_t>(), 0);

    server.post("/__taskmock/reset?session=run-a", "");
    EXPECT_EQ(state_of(client.Get(kOrkesPolled, a)), "SCHEDULED");
    EXPECT_EQ(state_of(client.Get(kOrkesPolled, b)), "IN_PROGRESS");  // untouched by run-a's reset
}

TEST(LifecycleTest, EveryVariantsTimelineKeepsItsBodyConsistent) {
    Server server({"--clock", "manual@2026-06-01T00:00:00Z"});
    ASSERT_GT(server.port, 0);
    auto client = server.client();
    // Cognigy: queued -> active (1 poll) -> done 30 s later, currentStep = totalStep.
    httplib::Headers key{{"X-API-Key", "any"}, {"Accept", "application/json"}};
    const std::string cognigy = "/cognigy/new/v2.0/tasks/6a1f0c2b3d4e5f6071829a01";
    EXPECT_EQ(server.get_json(cognigy, key)["currentStep"], 0);
    json active = server.get_json(cognigy, key);
    EXPECT_EQ(active["status"], "active");
    EXPECT_EQ(active["lastRunAt"], "2026-06-01T00:00:00Z");
    server.post("/__taskmock/clock", R"({"advance": "30s"})");
    json done = server.get_json(cognigy, key);
    EXPECT_EQ(done["status"], "done");
    EXPECT_EQ(done["currentStep"], done["totalStep"]);
    EXPECT_EQ(done["lastFinishedAt"], "2026-06-01T00:00:30Z");
    EXPECT_EQ(done["lastChanged"], 1780272030);

    // Oracle (A2A): input-required carries the agent's question, appended to history.
    httplib::Headers basic{{"Authorization", "Basic dTpw"}};
    const std::string oracle = "/oracle-bpm/bpm/api/4.0/tasks/215901?expand=All";
    json submitted = server.get_json(oracle, basic);
    EXPECT_EQ(submitted["status"]["state"], "submitted");
    const std::size_t history = submitted["history"].size();
    for (int i = 0; i < 2; ++i) server.get_json(oracle, basic);
    json asked = server.get_json(oracle, basic);
    EXPECT_EQ(asked["status"]["state"], "input-required");
    EXPECT_EQ(asked["final"], false);
    EXPECT_EQ(asked["history"].size(), history + 1);
    EXPECT_EQ(asked["history"].back(), asked["status"]["message"]);
    EXPECT_EQ(asked["status"]["timestamp"], "2026-06-01T00:00:30Z");  // first polled after the 30 s advance

    // Maxsight: updated_at follows the clock.
    httplib::Headers apikey{{"apikey", "any"}};
    const std::string maxsight = "/maxsight/v5/tasks/5c7e9a1b-3d2f-4e6a-8b0c-9d1e2f3a4b01";
    server.post("/__taskmock/clock", R"({"set": "2026-06-02T08:00:00Z"})");
    for (int i = 0; i < 2; ++i) server.get_json(maxsight, apikey);
    json reassigned = server.get_json(maxsight, apikey);
    EXPECT_EQ(reassigned["updated_at"], "2026-06-02T08:00:00Z");
    EXPECT_EQ(reassigned["assignment"]["assignment_comment"], "Reassigned for second review");
}

TEST(FaultTest, ARetryingClientSurvivesInjected503s) {
    testing::TempDir temp;
    const std::string faults = (temp.path() / "faults.json").string();
    std::ofstream(faults) << R"({"faults": [{"kind": "status", "status": 503, "retry_after": 1,
                                             "variant": "conductor", "requests": [1, 2]}]})";
    Server server({"--faults", faults});
    ASSERT_GT(server.port, 0) << server.process.err();
    auto client = server.client();
    std::vector<int> statuses;
    std::string retry_after;
    for (int attempt = 0; attempt < 5; ++attempt) {
        auto response = client.Get(kConductorPlain);
        ASSERT_TRUE(response);
        statuses.push_back(response->status);
        if (response->status == 200) break;
        retry_after = response->get_header_value("Retry-After");
        json body = json::parse(response->body);  // the vendor's own error shape
        EXPECT_EQ(body["status"], 503);
        EXPECT_EQ(body["retryable"], true);
    }
    EXPECT_EQ(statuses, (std::vector<int>{503, 503, 200}));
    EXPECT_EQ(retry_after, "1");
}

TEST(FaultTest, ResetEmptyMalformedAndSeededProbabilityBehaveAsDeclared) {
    Server server({"--seed", "42"});
    ASSERT_GT(server.port, 0);
    auto add = [&](const std::string& rule) { return server.post("/__taskmock/faults", rule); };
    auto clear = [&] { server.client().Delete("/__taskmock/faults"); };

    add(R"({"kind": "reset", "path": "/conductor/"})");
    EXPECT_FALSE(server.client().Get(kConductorPlain));
    clear();
    add(R"({"kind": "empty", "path": "/conductor/"})");
    auto empty = server.client().Get(kConductorPlain);
    EXPECT_FALSE(empty);
    clear();
    add(R"({"kind": "malformed", "path": "/conductor/"})");
    auto malformed = server.client().Get(kConductorPlain);
    ASSERT_TRUE(malformed);
    EXPECT_EQ(malformed->status, 200);
    EXPECT_EQ(malformed->get_header_value("X-Taskmock-Fault"), "malformed");
    EXPECT_TRUE(json::parse(malformed->body, nullptr, false).is_discarded());
    clear();

    // The same seed and session give the same sequence of failures.
    add(R"({"kind": "status", "status": 500, "probability": 0.5, "path": "/conductor/"})");
    auto sequence = [&](const std::string& session) {
        std::string out;
        for (int i = 0; i < 24; ++i) {
            auto response = server.client().Get(kConductorPlain, {{"X-Taskmock-Session", session}});
            out += response && response->status == 500 ? 'x' : '.';
        }
        return out;
    };
    std::string first = sequence("replay");
    server.post("/__taskmock/reset", "");
    EXPECT_EQ(sequence("replay"), first);
    EXPECT_NE(first.find('x'), std::string::npos);
    EXPECT_NE(first.find('.'), std::string::npos);
}

TEST(JournalTest, RecordsRedactedRequestsFiltersAndWaits) {
    Server server({"--journal-size", "5"});
    ASSERT_GT(server.port, 0);
    auto client = server.client();
    client.Get("/cognigy/new/v2.0/tasks/69956a7818f58a6f40119c35?api_key=journal-secret-1", {{"X-API-Key", "journal-secret-2"}});
    client.Get(kConductorPlain);
    json found = server.get_json("/__taskmock/journal?variant=cognigy");
    ASSERT_EQ(found["count"], 1);
    const json& entry = found["entries"][0];
    EXPECT_EQ(entry["task_id"], "69956a7818f58a6f40119c35");
    EXPECT_EQ(entry["fixture"].get<std::string>().find("cognigy/"), entry["fixture"].get<std::string>().find("cognigy/"));
    EXPECT_EQ(entry["status"], 200);
    EXPECT_EQ(found.dump().find("journal-secret"), std::string::npos) << found.dump();
    EXPECT_NE(found.dump().find("REDACTED"), std::string::npos);

    // Bounded: six more requests leave the newest five.
    for (int i = 0; i < 6; ++i) client.Get(kConductorPlain);
    json all = server.get_json("/__taskmock/journal");
    EXPECT_EQ(all["count"], 5);
    EXPECT_EQ(all["dropped"], 3);
    EXPECT_EQ(server.get_json("/__taskmock/journal/count?path=/conductor/")["count"], 5);

    // A long poll returns when the awaited request arrives.
    const std::string wait = "/__taskmock/journal/wait?task_id=" + std::string("0c658ed7-becd-11ef-a89d-86a819bd92bf") +
                             "&after=" + std::to_string(all["entries"].back()["sequence"].get<int>()) + "&timeout=20s";
    auto waiting = std::async(std::launch::async, [&] { return server.get_json(wait); });
    // Keep sending until the waiter has what it waits for; bounded by its timeout.
    while (waiting.wait_for(std::chrono::milliseconds(20)) != std::future_status::ready) client.Get(kConductorPlain);
    json woke = waiting.get();
    EXPECT_EQ(woke["matched"], true);
    EXPECT_EQ(server.get_json("/__taskmock/journal/wait?task_id=none&timeout=50ms")["matched"], false);
}

TEST(AdminTest, FixturesAreAddedValidatedReplacedAndDeletedAtRunTime) {
    Server server({});
    ASSERT_GT(server.port, 0);
    auto client = server.client();
    std::ifstream file(std::string(TASKMOCK_SOURCE_DIR) + "/fixtures/conductor/seed.json");
    json body = json::parse(file);
    const std::string id = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
    body["taskId"] = id;
    auto put = client.Put("/__taskmock/fixtures/conductor/" + id, body.dump(), "application/json");
    ASSERT_TRUE(put);
    EXPECT_EQ(put->status, 201) << put->body;
    EXPECT_EQ(client.Get("/conductor/api/tasks/" + id)->status, 200);

    body["status"] = "DONE";
    auto invalid = client.Put("/__taskmock/fixtures/conductor/" + id, body.dump(), "application/json");
    ASSERT_TRUE(invalid);
    EXPECT_EQ(invalid->status, 422);
    EXPECT_NE(invalid->body.find("/status"), std::string::npos) << invalid->body;
    EXPECT_EQ(json::parse(client.Get("/conductor/api/tasks/" + id)->body)["status"], "IN_PROGRESS");  // unchanged

    EXPECT_EQ(client.Delete("/__taskmock/fixtures/conductor/" + id)->status, 204);
    EXPECT_EQ(client.Get("/conductor/api/tasks/" + id)->status, 404);
    EXPECT_EQ(client.Get("/__taskmock/clock")->status, 200);
    EXPECT_EQ(client.Post("/__taskmock/clock", R"({"advance":"1s"})", "application/json")->status, 409);  // real clock
}

TEST(AdminTest, OffByDefaultAndBehindATokenWhenOneIsSet) {
    {
        Process plain({TASKMOCK_BINARY, "--port", "0", "--quiet"});
        auto ready = plain.read_line();
        ASSERT_TRUE(ready);
        httplib::Client client("127.0.0.1", std::stoi(ready->substr(ready->rfind(':') + 1)));
        EXPECT_EQ(client.Get("/__taskmock/journal")->status, 404);
        plain.signal(SIGTERM);
        plain.wait();
    }
    setenv("TASKMOCK_ADMIN_TOKEN", "admin-s3cret", 1);
    Server server({});
    unsetenv("TASKMOCK_ADMIN_TOKEN");
    ASSERT_GT(server.port, 0);
    auto client = server.client();
    EXPECT_EQ(client.Get("/__taskmock/journal")->status, 401);
    EXPECT_EQ(client.Get("/__taskmock/journal", {{"Authorization", "Bearer wrong"}})->status, 401);
    EXPECT_EQ(client.Get("/__taskmock/journal", {{"Authorization", "Bearer admin-s3cret"}})->status, 200);
}

TEST(WatchTest, EditsAreServedWithoutARestartAndBrokenOnesAreRefused) {
    testing::TempDir temp;
    std::filesystem::create_directories(temp.path() / "conductor");
    const std::filesystem::path seed = std::filesystem::path(TASKMOCK_SOURCE_DIR) / "fixtures/conductor/seed.json";
    std::filesystem::copy_file(seed, temp.path() / "conductor/seed.json");
    Server server({"--variant", "conductor", "--fixtures", temp.path().string(), "--watch"});
    ASSERT_GT(server.port, 0) << server.process.err();
    auto client = server.client();
    json body = json::parse(std::ifstream(seed));
    const std::string id = "aaaaaaaa-bbbb-4ccc-8ddd-000000000001";
    body["taskId"] = id;
    EXPECT_EQ(client.Get("/api/tasks/" + id)->status, 404);
    std::ofstream(temp.path() / "conductor/new.json") << body.dump();
    // Bounded wait for the reload (the watcher polls every 250 ms).
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline && (status = client.Get("/api/tasks/" + id)->status) != 200) {
        std::this_thread::yield();
    }
    EXPECT_EQ(status, 200);

    std::ofstream(temp.path() / "conductor/broken.json") << "{\"taskId\": ";
    EXPECT_TRUE(server.process.wait_for_error("the previous fixtures keep serving", std::chrono::seconds(20)))
        << server.process.err();
    EXPECT_NE(server.process.err().find("broken.json:1:"), std::string::npos) << server.process.err();
    EXPECT_EQ(client.Get("/api/tasks/" + id)->status, 200);  // still the previous set
}

}  // namespace taskmock
