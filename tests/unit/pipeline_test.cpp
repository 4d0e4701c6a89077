// The request pipeline without sockets: one Request in, one Response out.

#include "mock_server/pipeline.hpp"

#include <gtest/gtest.h>

#include "mock_server/cli.hpp"

namespace taskmock {

namespace {

class PipelineTest : public ::testing::Test {
protected:
    void SetUp() override { build({}); }

    void build(std::map<std::string, Credentials> credentials, bool prefixed = true, const std::string& only = "") {
        std::string error;
        Options options = *parse_options({}, error);
        options.variant = only;
        Diagnostics diagnostics;
        catalogue_ = load_catalogue(options, diagnostics, error);
        ASSERT_TRUE(catalogue_.has_value()) << diagnostics.to_string() << error;
        std::vector<MountConfig> mounts;
        for (const auto& variant : catalogue_->variants) mounts.push_back({variant, credentials[variant.name]});
        PipelineSettings settings;
        settings.prefixed = prefixed;
        pipeline_ = std::make_unique<Pipeline>(std::move(mounts), catalogue_->store, settings);
    }

    Response get(const std::string& path, Fields headers = {}, Fields query = {}) const {
        Request request;
        request.method = "GET";
        request.path = path;
        request.headers = std::move(headers);
        request.query = std::move(query);
        return pipeline_->handle(request);
    }

    std::optional<Catalogue> catalogue_;
    std::unique_ptr<Pipeline> pipeline_;
};

const std::string kOrkesSeed = "/orkes/api/tasks/65fc73fe-0586-11f1-8b8d-6219b54da7fe";
const std::string kCognigyDone = "/cognigy/new/v2.0/tasks/69956a7818f58a6f40119c35";
const std::string kOracleCompleted = "/oracle-bpm/bpm/api/4.0/tasks/215419";

}  // namespace

TEST_F(PipelineTest, FoundTaskIsServedAsStoredWithJsonContentType) {
    Response response = get(kOrkesSeed);
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.content_type, "application/json");
    EXPECT_EQ(json::parse(response.body), catalogue_->store.find("orkes", "65fc73fe-0586-11f1-8b8d-6219b54da7fe")->body());
    EXPECT_EQ(response.body.substr(0, 40), R"({"taskType":"HTTP","status":"COMPLETED",)");
}

TEST_F(PipelineTest, UnknownIdGetsTheVendorBodyAndNearIds) {
    Response response = get("/orkes/api/tasks/65fc73fe-0586-11f1-8b8d-6219b54da700");
    EXPECT_EQ(response.status, 404);
    EXPECT_EQ(response.body, R"({"status":404,"message":"Task not found for taskId: 65fc73fe-0586-11f1-8b8d-6219b54da700","instance":"taskmock","retryable":false})");
    ASSERT_NE(response.header("X-Taskmock-Near-Ids"), nullptr);
    EXPECT_EQ(response.header("X-Taskmock-Near-Ids")->substr(0, 36), "65fc73fe-0586-11f1-8b8d-6219b54da7fe");
    EXPECT_EQ(*response.header("X-Taskmock-Reason"), "task-not-found");
}

TEST_F(PipelineTest, ConductorLegacyQuirkAnswers204WithEmptyBody) {
    catalogue_->variants.clear();
    std::string error;
    Options options = *parse_options({"--quirk", "conductor:legacy-204"}, error);
    Diagnostics diagnostics;
    catalogue_ = load_catalogue(options, diagnostics, error);
    std::vector<MountConfig> mounts;
    for (const auto& variant : catalogue_->variants) mounts.push_back({variant, {}});
    pipeline_ = std::make_unique<Pipeline>(std::move(mounts), catalogue_->store, PipelineSettings{});
    Response response = get("/conductor/api/tasks/no-such-task");
    EXPECT_EQ(response.status, 204);
    EXPECT_TRUE(response.body.empty());
    EXPECT_TRUE(response.content_type.empty());
}

TEST_F(PipelineTest, OrkesMalformedIdAnswersTheDocumented400) {
    Response response = get("/orkes/api/tasks/not-a-uuid");
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(json::parse(response.body)["status"], 400);
}

TEST_F(PipelineTest, MaxsightRequiresAnApiKeyAndAnswersMalformedIdsWith404) {
    const std::string seed = "/maxsight/v5/tasks/497f6eca-6276-4993-bfeb-53cbbbba6f08";
    EXPECT_EQ(get(seed).status, 401);
    EXPECT_EQ(get(seed, {{"apikey", "k"}}).status, 200);
    Response malformed = get("/maxsight/v5/tasks/123", {{"apikey", "k"}});
    EXPECT_EQ(malformed.status, 404);
    EXPECT_EQ(malformed.body, R"({"errors":[{"type":"NOT_FOUND","message":"Task not found"}]})");
}

TEST_F(PipelineTest, ConfiguredCredentialsRejectWrongOnes) {
    Credentials cognigy;
    cognigy.accepted = {"right-key"};
    build({{"cognigy", cognigy}});
    EXPECT_EQ(get(kCognigyDone, {{"X-API-Key", "right-key"}}).status, 200);
    EXPECT_EQ(get(kCognigyDone, {}, {{"api_key", "right-key"}}).status, 200);
    EXPECT_EQ(get(kCognigyDone, {{"Authorization", "Bearer right-key"}}).status, 200);
    Response wrong = get(kCognigyDone, {{"X-API-Key", "wrong"}});
    EXPECT_EQ(wrong.status, 401);
    EXPECT_EQ(json::parse(wrong.body)["code"], 401);
    EXPECT_EQ(*wrong.header("X-Taskmock-Reason"), "auth-rejected");
    EXPECT_EQ(*get(kCognigyDone).header("X-Taskmock-Reason"), "auth-missing");
}

TEST_F(PipelineTest, CognigyNegotiatesEveryDocumentedMediaType) {
    Fields key{{"X-API-Key", "k"}};
    Response hal = get(kCognigyDone, key);
    EXPECT_EQ(hal.content_type, "application/hal+json");
    EXPECT_EQ(json::parse(hal.body)["_links"]["self"]["href"], kCognigyDone);
    for (const std::string type : {"application/json", "application/xml", "text/xml", "text/csv"}) {
        Fields headers = key;
        headers.emplace_back("Accept", type);
        Response response = get(kCognigyDone, headers);
        EXPECT_EQ(response.status, 200) << type;
        EXPECT_EQ(response.content_type, type);
    }
    Fields png = key;
    png.emplace_back("Accept", "image/png");
    Response refused = get(kCognigyDone, png);
    EXPECT_EQ(refused.status, 406);
    EXPECT_EQ(refused.content_type, "application/json");
}

TEST_F(PipelineTest, CognigyIdMustBe24HexCharacters) {
    Response response = get("/cognigy/new/v2.0/tasks/69956a7818f58a6f40119c3", {{"X-API-Key", "k"}});
    EXPECT_EQ(response.status, 400);
    json body = json::parse(response.body);
    EXPECT_EQ(body["code"], 1005);
    EXPECT_EQ(body["instance"], "/cognigy/new/v2.0/tasks/69956a7818f58a6f40119c3");
    EXPECT_EQ(body["traceId"].get<std::string>().substr(0, 5), "api--");
}

TEST_F(PipelineTest, CognigyUnknownIdCarriesCode1002) {
    Response response = get("/cognigy/new/v2.0/tasks/000000000000000000000000", {{"X-API-Key", "k"}});
    EXPECT_EQ(response.status, 404);
    EXPECT_EQ(json::parse(response.body)["code"], 1002);
}

TEST_F(PipelineTest, OracleWithoutExpandReplacesFieldsWithLinks) {
    Fields basic{{"Authorization", "Basic " + base64_encode("user:pass")}};
    json body = json::parse(get(kOracleCompleted, basic).body);
    EXPECT_FALSE(body.contains("history"));
    EXPECT_FALSE(body.contains("artifacts"));
    EXPECT_FALSE(body.contains("metadata"));
    EXPECT_FALSE(body["status"].contains("message"));
    EXPECT_EQ(body["links"][0]["rel"], "comments");
    EXPECT_EQ(body["links"][1]["href"], kOracleCompleted + "/history");
}

TEST_F(PipelineTest, OracleExpandAllAndMetadataFlagServeEverything) {
    Fields bearer{{"Authorization", "Bearer t"}};
    json body = json::parse(get(kOracleCompleted, bearer, {{"expand", "All"}, {"metadataFlag", "true"}}).body);
    EXPECT_TRUE(body.contains("history"));
    EXPECT_TRUE(body.contains("artifacts"));
    EXPECT_TRUE(body.contains("metadata"));
    EXPECT_FALSE(body.contains("links"));
    json partial = json::parse(get(kOracleCompleted, bearer, {{"expand", "history,payload"}}).body);
    EXPECT_TRUE(partial.contains("history"));
    EXPECT_EQ(partial["links"].size(), 1u);
}

TEST_F(PipelineTest, OracleRefusesInvalidQueryValuesAndNonNumericIds) {
    Fields bearer{{"Authorization", "Bearer t"}};
    Response expand = get(kOracleCompleted, bearer, {{"expand", "everything"}});
    EXPECT_EQ(expand.status, 400);
    EXPECT_EQ(json::parse(expand.body)["o:errorDetails"][0]["detail"],
              "Invalid value \"everything\" for query parameter expand (allowed: All, comments, attachments, history, "
              "payload)");
    EXPECT_EQ(get(kOracleCompleted, bearer, {{"metadataFlag", "yes"}}).status, 400);
    EXPECT_EQ(get("/oracle-bpm/bpm/api/4.0/tasks/abc", bearer).status, 400);
    Response unauthorised = get(kOracleCompleted);
    EXPECT_EQ(unauthorised.status, 401);
    EXPECT_EQ(*unauthorised.header("WWW-Authenticate"), "Basic realm=\"taskmock\"");
}

TEST_F(PipelineTest, OrkesTokenExchangeMintsTheTokenTheTaskRouteAccepts) {
    Credentials orkes;
    orkes.key_id = "key";
    orkes.key_secret = "secret";
    orkes.token = "minted-token";
    orkes.accepted = {"minted-token"};
    build({{"orkes", orkes}});
    Request exchange;
    exchange.method = "POST";
    exchange.path = "/orkes/api/token";
    exchange.body = R"({"keyId":"key","keySecret":"secret"})";
    Response token = pipeline_->handle(exchange);
    EXPECT_EQ(token.status, 200);
    EXPECT_EQ(token.body, R"({"token":"minted-token"})");
    exchange.body = R"({"keyId":"key","keySecret":"wrong"})";
    EXPECT_EQ(pipeline_->handle(exchange).status, 401);
    exchange.body = "not json";
    EXPECT_EQ(pipeline_->handle(exchange).status, 400);

    EXPECT_EQ(get(kOrkesSeed, {{"X-Authorization", "minted-token"}}).status, 200);
    Response refused = get(kOrkesSeed, {{"X-Authorization", "forged"}});
    EXPECT_EQ(refused.status, 401);
    EXPECT_EQ(refused.body, R"({"error":"INVALID_TOKEN"})");
    EXPECT_EQ(get(kOrkesSeed).status, 401);
}

TEST_F(PipelineTest, WrongMethodOnAKnownRouteIs405WithAllow) {
    Request request;
    request.method = "DELETE";
    request.path = kOrkesSeed;
    Response response = pipeline_->handle(request);
    EXPECT_EQ(response.status, 405);
    EXPECT_EQ(*response.header("Allow"), "GET");
}

TEST_F(PipelineTest, HeadIsAnsweredLikeGet) {
    Request request;
    request.method = "HEAD";
    request.path = kOrkesSeed;
    EXPECT_EQ(pipeline_->handle(request).status, 200);
}

TEST_F(PipelineTest, MockOnlyErrorsAreProblemJsonWithTheirOwnHeader) {
    Response variant = get("/nowhere/api/tasks/x");
    EXPECT_EQ(variant.status, 404);
    EXPECT_EQ(variant.content_type, "application/problem+json");
    EXPECT_EQ(*variant.header("X-Taskmock-Error"), "variant-not-found");
    Response route = get("/orkes/api/workflow/x");
    EXPECT_EQ(*route.header("X-Taskmock-Error"), "route-not-found");
    EXPECT_EQ(json::parse(route.body)["routes"][0], "GET /orkes/api/tasks/{taskId}");
}

TEST_F(PipelineTest, HostileIdsGetACleanVendor4xx) {
    const std::string prefix = "/conductor/api/tasks/";
    EXPECT_EQ(get(prefix + std::string("a\0b", 3)).status, 400);
    EXPECT_EQ(get(prefix + std::string(600, 'a')).status, 400);
    EXPECT_EQ(get(prefix + "..").status, 404);
    EXPECT_EQ(get(prefix + "%zz").status, 404);
    Response invalid_utf8 = get(prefix + "\xff\xfe");
    EXPECT_EQ(invalid_utf8.status, 404);
    EXPECT_NO_THROW(json::parse(invalid_utf8.body));
}

TEST_F(PipelineTest, SingleVariantModeServesAtTheNativeRoot) {
    build({}, false, "conductor");
    EXPECT_EQ(get("/api/tasks/0c658ed7-becd-11ef-a89d-86a819bd92bf").status, 200);
    EXPECT_EQ(*get("/conductor/api/tasks/0c658ed7-becd-11ef-a89d-86a819bd92bf").header("X-Taskmock-Error"),
              "route-not-found");
}

}  // namespace taskmock
