// Timelines without sockets: when states are entered, what each state's
// body looks like, how a bad timeline is reported, and the pieces the
// admin API parses (durations, times, fault rules, the journal).

#include <gtest/gtest.h>

#include <fstream>

#include "core/fault.hpp"
#include "core/fixture_store.hpp"
#include "core/lifecycle.hpp"
#include "core/variant.hpp"
#include "mock_server/journal.hpp"
#include "mock_server/service.hpp"

namespace taskmock {

namespace {

Timeline timeline_of(const char* text) { return read_timeline(json::parse(text)); }

const VariantDescription& variant(const std::string& name) {
    static const std::vector<VariantDescription> variants = [] {
        Diagnostics diagnostics;
        return load_variants(std::filesystem::path(TASKMOCK_SOURCE_DIR) / "schemas", diagnostics);
    }();
    for (const auto& v : variants) {
        if (v.name == name) return v;
    }
    throw std::runtime_error("no variant " + name);
}

}  // namespace

TEST(AdvanceTest, PollsCountRequestsServedInTheCurrentState) {
    Timeline timeline = timeline_of(R"({"task": {}, "timeline": [
        {"state": "A"}, {"state": "B", "after": {"polls": 2}}, {"state": "C", "after": {"polls": 1}}]})");
    Progress progress;
    std::string seen;
    for (int i = 0; i < 5; ++i) {
        advance(timeline, progress, 1000 + i);
        seen += timeline.steps[progress.index].state;
    }
    EXPECT_EQ(seen, "AABCC");
    EXPECT_EQ(progress.entered, (std::vector<std::int64_t>{1000, 1002, 1003}));
}

TEST(AdvanceTest, TimedStatesAreEnteredWhenDueNotWhenPolled) {
    Timeline timeline = timeline_of(R"({"task": {}, "timeline": [
        {"state": "A"}, {"state": "B", "after": {"seconds": 5}}, {"state": "C", "after": {"seconds": 1.5}}]})");
    Progress progress;
    advance(timeline, progress, 10'000);
    EXPECT_EQ(progress.index, 0u);
    advance(timeline, progress, 14'999);
    EXPECT_EQ(progress.index, 0u);
    // One poll long after both were due enters both, at their due times.
    advance(timeline, progress, 60'000);
    EXPECT_EQ(progress.index, 2u);
    EXPECT_EQ(progress.entered, (std::vector<std::int64_t>{10'000, 15'000, 16'500}));
}

TEST(StateBodyTest, ConductorStampsKeepStartAndFollowTheState) {
    Timeline timeline = timeline_of(R"({"task": {"status": "COMPLETED", "startTime": 5, "endTime": 9, "updateTime": 9},
        "timeline": [{"state": "SCHEDULED"}, {"state": "IN_PROGRESS", "after": {"polls": 1}},
                     {"state": "FAILED", "after": {"polls": 1}, "set": {"reasonForIncompletion": "boom"}}]})");
    const Lifecycle& lifecycle = *variant("conductor").lifecycle;
    std::vector<std::int64_t> entered{100, 200, 300};
    json scheduled = state_body(lifecycle, timeline, 0, entered);
    EXPECT_EQ(scheduled["status"], "SCHEDULED");
    EXPECT_EQ(scheduled["scheduledTime"], 100);
    EXPECT_EQ(scheduled["startTime"], 0);
    EXPECT_EQ(scheduled["endTime"], 0);
    json failed = state_body(lifecycle, timeline, 2, entered);
    EXPECT_EQ(failed["status"], "FAILED");
    EXPECT_EQ(failed["scheduledTime"], 100);
    EXPECT_EQ(failed["startTime"], 200);  // kept from IN_PROGRESS
    EXPECT_EQ(failed["endTime"], 300);
    EXPECT_EQ(failed["updateTime"], 300);
    EXPECT_EQ(failed["reasonForIncompletion"], "boom");
}

TEST(StateBodyTest, CognigyDoneHasRunEveryStepAndA2aHistoryGrows) {
    Timeline cognigy = timeline_of(R"({"task": {"status": "queued", "currentStep": 1, "totalStep": 4},
        "timeline": [{"state": "queued"}, {"state": "done", "after": {"polls": 1}}]})");
    json done = state_body(*variant("cognigy").lifecycle, cognigy, 1, {0, 61'000});
    EXPECT_EQ(done["currentStep"], 4);
    EXPECT_EQ(done["lastFinishedAt"], "1970-01-01T00:01:01Z");
    EXPECT_EQ(done["lastChanged"], 61);

    Timeline a2a = timeline_of(R"({"task": {"status": {"state": "submitted"}, "history": [{"messageId": "1"}]},
        "timeline": [{"state": "submitted"}, {"state": "working", "after": {"polls": 1}},
                     {"state": "input-required", "after": {"polls": 1}, "set": {"status": {"message": {"messageId": "2"}}}},
                     {"state": "completed", "after": {"polls": 1}}]})");
    json asked = state_body(*variant("oracle-bpm").lifecycle, a2a, 2, {0, 1000, 2000});
    EXPECT_EQ(asked["history"].size(), 2u);
    EXPECT_EQ(asked["history"][1]["messageId"], "2");
    EXPECT_EQ(asked["final"], false);
    json completed = state_body(*variant("oracle-bpm").lifecycle, a2a, 3, {0, 1000, 2000, 3000});
    EXPECT_EQ(completed["history"].size(), 2u);  // the same message is not appended twice
    EXPECT_EQ(completed["final"], true);
    EXPECT_EQ(completed["status"]["timestamp"], "1970-01-01T00:00:03Z");
}

// A member the lifecycle writes that the task lacks is added to the body.
// The body is a copy of the task, its storage exactly full, so adding one
// moves every member to new storage: what is copied or appended must have
// been taken out of the body first. Under AddressSanitizer the history
// append read freed memory (fuzz_fixture found it; its input is in
// tests/data/fuzz-regressions/fuzz_fixture). The copy had the same pattern
// but g++ happened to copy the value before adding the member; whether it
// does is the compiler's choice. Here the tasks have every member the
// lifecycle writes before that point, so the list or the copy's target is
// the first member added.
TEST(StateBodyTest, MembersAddedToTheTaskDoNotLoseWhatIsCopiedOrAppended) {
    Timeline a2a = timeline_of(R"({"task": {"id": "1", "kind": "task", "status": {"state": "submitted"}, "final": false},
        "timeline": [{"state": "submitted"},
                     {"state": "input-required", "after": {"polls": 1},
                      "set": {"status": {"message": {"messageId": "2", "parts": [{"kind": "text", "text": "Which one?"}]}}}}]})");
    json asked = state_body(*variant("oracle-bpm").lifecycle, a2a, 1, {0, 1000});
    ASSERT_TRUE(asked["history"].is_array());
    ASSERT_EQ(asked["history"].size(), 1u);
    EXPECT_EQ(asked["history"][0]["parts"][0]["text"], "Which one?");

    Timeline cognigy = timeline_of(R"({"task": {"status": "done", "totalStep": 4, "lastRunAt": "2026-01-01T00:00:00Z",
            "lastFinishedAt": "2026-01-01T00:00:00Z", "lastChanged": 0},
        "timeline": [{"state": "done"}]})");
    EXPECT_EQ(state_body(*variant("cognigy").lifecycle, cognigy, 0, {1000})["currentStep"], 4);
}

TEST(TimelineFixtureTest, BadTimelinesAreLocatedDiagnostics) {
    const VariantDescription& conductor = variant("conductor");
    auto examine = [&](const std::string& text) {
        Diagnostics diagnostics;
        auto body = parse_json_text(text, "t.timeline.json", diagnostics);
        return FixtureStore::examine(conductor, *body, nullptr, false).diagnostics.to_string();
    };
    const std::string task = R"("task": {"taskId": "3f0b9a7c-2d1e-4c5b-8a6f-1e2d3c4b5a09", "status": "SCHEDULED"})";
    EXPECT_NE(examine("{" + task + R"(, "timeline": [{"state": "A"}, {"state": "B"}]})")
                  .find("t.timeline.json:1:114: error: every state but the first needs \"after\""),
              std::string::npos)
        << examine("{" + task + R"(, "timeline": [{"state": "A"}, {"state": "B"}]})");
    EXPECT_NE(examine("{" + task + R"(, "timeline": [{"state": "A", "after": {"polls": 1}}]})").find("the first state"),
              std::string::npos);
    EXPECT_NE(examine("{" + task + R"(, "timeline": [{"state": "A", "wait": 3}]})").find("[schema.additionalProperties]"),
              std::string::npos);
    // A state the vendor does not have fails its schema, reported at that step.
    Diagnostics diagnostics;
    auto schema_text = read_json_file(std::filesystem::path(TASKMOCK_SOURCE_DIR) / "schemas/conductor/task.schema.json",
                                      "task.schema.json", diagnostics);
    auto schema = Schema::compile(*schema_text, diagnostics);
    ASSERT_TRUE(schema) << diagnostics.to_string();
    std::ifstream seed(std::filesystem::path(TASKMOCK_SOURCE_DIR) / "fixtures/conductor/seed.json");
    json document{{"timeline", json::array({{{"state", "SCHEDULED"}}, {{"state", "DONE"}, {"after", {{"polls", 1}}}}})},
                  {"task", json::parse(seed)}};
    auto body = parse_json_text(document.dump(), "t.timeline.json", diagnostics);
    std::string reported = FixtureStore::examine(conductor, *body, &*schema, false).diagnostics.to_string();
    EXPECT_NE(reported.find("t.timeline.json:1:36: error: state 1 (DONE): /status: \"DONE\" is not one of"),
              std::string::npos)
        << reported;
}

TEST(DurationTest, UnitsAndRejects) {
    EXPECT_EQ(parse_duration_ms("250ms"), 250);
    EXPECT_EQ(parse_duration_ms("1.5s"), 1500);
    EXPECT_EQ(parse_duration_ms("10m"), 600'000);
    EXPECT_EQ(parse_duration_ms("2h"), 7'200'000);
    EXPECT_EQ(parse_duration_ms("40"), 40);
    EXPECT_FALSE(parse_duration_ms("soon"));
    EXPECT_FALSE(parse_duration_ms("5 s"));
    EXPECT_FALSE(parse_duration_ms("1e300h"));
    EXPECT_EQ(parse_date_time_ms("2026-01-01T00:00:00Z"), 1767225600000);
    EXPECT_EQ(parse_date_time_ms("2026-01-01T01:00:00.25+01:00"), 1767225600250);
    EXPECT_FALSE(parse_date_time_ms("2026-01-01"));
    EXPECT_FALSE(parse_date_time_ms("2026-01-01T00:00:00Zjunk"));
}

TEST(FaultRuleTest, TheSchemaRequiresWhatEachKindNeeds) {
    auto problems = [](const std::string& text) {
        Diagnostics diagnostics;
        auto body = parse_json_text(text, "faults.json", diagnostics);
        faults_schema().check(*body, diagnostics);
        return diagnostics.to_string();
    };
    EXPECT_EQ(problems(R"({"faults": [{"kind": "latency", "distribution": "uniform", "min_ms": 1, "max_ms": 5}]})"), "");
    EXPECT_EQ(problems(R"({"faults": [{"kind": "reset", "requests": [3]}]})"), "");
    EXPECT_NE(problems(R"({"faults": [{"kind": "status"}]})").find("missing required property \"status\""), std::string::npos);
    EXPECT_NE(problems(R"({"faults": [{"kind": "status", "status": 418}]})").find("schema.enum"), std::string::npos);
    EXPECT_NE(problems(R"({"faults": [{"kind": "latency", "distribution": "fixed"}]})").find("\"ms\""), std::string::npos);
    EXPECT_NE(problems(R"({"faults": [{"kind": "reset", "probability": 0.5, "requests": [1]}]})"), "");
    FaultRule rule = read_fault(json::parse(R"({"kind": "status", "status": 429, "retry_after": 3, "variant": "orkes"})"));
    EXPECT_EQ(rule.kind, FaultRule::Kind::status);
    EXPECT_EQ(rule.status, 429);
    EXPECT_EQ(rule.retry_after, 3);
}

TEST(JournalUnitTest, KeepsTheNewestAndRedactsCredentials) {
    Journal journal(2, {"apikey"}, {"api_key"});
    Request request;
    request.method = "GET";
    request.path = "/v5/tasks/x";
    request.headers = {{"ApiKey", "k1"}, {"Authorization", "Bearer t"}, {"Accept", "*/*"}};
    request.query = {{"api_key", "k2"}, {"x", "1"}};
    Response response;
    for (int i = 0; i < 3; ++i) journal.record(request, response, i);
    EXPECT_EQ(journal.dropped(), 1u);
    std::vector<JournalEntry> entries = journal.find({}, 10);
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0].sequence, 2u);
    std::string dumped = entries[0].to_json().dump();
    EXPECT_EQ(dumped.find("k1"), std::string::npos);
    EXPECT_EQ(dumped.find("k2"), std::string::npos);
    EXPECT_EQ(dumped.find("Bearer t"), std::string::npos);
    EXPECT_NE(dumped.find("*/*"), std::string::npos);
    JournalFilter later;
    later.after = 2;
    EXPECT_EQ(journal.count(later), 1u);
    EXPECT_EQ(journal.wait(later, 2, std::chrono::milliseconds(1)).size(), 1u);
}

}  // namespace taskmock
