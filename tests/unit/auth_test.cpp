#include "mock_server/auth.hpp"

#include <gtest/gtest.h>

namespace taskmock {

namespace {

Request with_header(const std::string& name, const std::string& value) {
    Request request;
    request.method = "GET";
    request.headers.emplace_back(name, value);
    return request;
}

Auth auth_of(AuthRequirement requirement, std::vector<AuthScheme> schemes) {
    Auth auth;
    auth.requirement = requirement;
    auth.schemes = std::move(schemes);
    return auth;
}

}  // namespace

TEST(AuthTest, HeaderSchemeReadsTheNamedHeaderCaseInsensitively) {
    AuthScheme scheme{AuthSchemeType::header, "apikey"};
    EXPECT_EQ(presented(scheme, with_header("APIKEY", "k1")), "k1");
    EXPECT_FALSE(presented(scheme, with_header("X-Other", "k1")).has_value());
    EXPECT_FALSE(presented(scheme, with_header("apikey", "")).has_value());
}

TEST(AuthTest, QuerySchemeReadsTheNamedParameter) {
    Request request;
    request.query.emplace_back("api_key", "k2");
    EXPECT_EQ(presented({AuthSchemeType::query, "api_key"}, request), "k2");
}

TEST(AuthTest, BearerSchemeTakesTheTokenAfterTheScheme) {
    AuthScheme scheme{AuthSchemeType::bearer, ""};
    EXPECT_EQ(presented(scheme, with_header("Authorization", "Bearer tok")), "tok");
    EXPECT_EQ(presented(scheme, with_header("Authorization", "bearer tok")), "tok");
    EXPECT_FALSE(presented(scheme, with_header("Authorization", "Basic dTpw")).has_value());
    EXPECT_FALSE(presented(scheme, with_header("Authorization", "Bearer ")).has_value());
}

TEST(AuthTest, BasicSchemeDecodesUserAndPassword) {
    AuthScheme scheme{AuthSchemeType::basic, ""};
    EXPECT_EQ(presented(scheme, with_header("Authorization", "Basic " + base64_encode("user:pa:ss"))), "user:pa:ss");
    // Sent but undecodable: a wrong credential, not a missing one.
    auto garbage = presented(scheme, with_header("Authorization", "Basic !!!"));
    ASSERT_TRUE(garbage.has_value());
    EXPECT_NE(*garbage, "");
}

TEST(AuthTest, Base64RoundTripsAnyLength) {
    for (std::string text : {"", "a", "ab", "abc", "abcd", "user:password"}) {
        if (text.empty()) continue;
        EXPECT_EQ(base64_decode(base64_encode(text)), text);
    }
    EXPECT_FALSE(base64_decode("abc").has_value());
}

TEST(AuthTest, AlwaysRequiredRejectsMissingAndAcceptsAnyKeyWhenNoneConfigured) {
    Auth auth = auth_of(AuthRequirement::always, {{AuthSchemeType::header, "apikey"}});
    Credentials none;
    EXPECT_EQ(check_auth(auth, none, Request{}), AuthOutcome::missing);
    EXPECT_EQ(check_auth(auth, none, with_header("apikey", "anything")), AuthOutcome::accepted);
}

TEST(AuthTest, ConfiguredCredentialMustMatch) {
    Auth auth = auth_of(AuthRequirement::always, {{AuthSchemeType::header, "X-API-Key"}, {AuthSchemeType::bearer, ""}});
    Credentials credentials;
    credentials.accepted = {"s3cret"};
    EXPECT_EQ(check_auth(auth, credentials, with_header("X-API-Key", "s3cret")), AuthOutcome::accepted);
    EXPECT_EQ(check_auth(auth, credentials, with_header("Authorization", "Bearer s3cret")), AuthOutcome::accepted);
    EXPECT_EQ(check_auth(auth, credentials, with_header("X-API-Key", "wrong")), AuthOutcome::rejected);
}

TEST(AuthTest, WhenConfiguredAcceptsEverythingUntilKeysAreSet) {
    Auth auth = auth_of(AuthRequirement::when_configured, {{AuthSchemeType::header, "X-Authorization"}});
    EXPECT_EQ(check_auth(auth, Credentials{}, Request{}), AuthOutcome::accepted);
    Credentials keys;
    keys.key_id = "id";
    keys.key_secret = "secret";
    keys.token = "minted";
    keys.accepted = {"minted"};
    EXPECT_EQ(check_auth(auth, keys, Request{}), AuthOutcome::missing);
    EXPECT_EQ(check_auth(auth, keys, with_header("X-Authorization", "other")), AuthOutcome::rejected);
    EXPECT_EQ(check_auth(auth, keys, with_header("X-Authorization", "minted")), AuthOutcome::accepted);
}

TEST(AuthTest, NeverRequiredAcceptsWithoutCredentials) {
    EXPECT_EQ(check_auth(auth_of(AuthRequirement::never, {}), Credentials{}, Request{}), AuthOutcome::accepted);
}

TEST(AuthTest, EnvironmentPrefixUsesUpperCaseAndUnderscores) {
    EXPECT_EQ(environment_prefix("oracle-bpm"), "TASKMOCK_ORACLE_BPM_");
}

TEST(AuthTest, SameSecretComparesWholeValues) {
    EXPECT_TRUE(same_secret("abc", "abc"));
    EXPECT_FALSE(same_secret("abc", "abd"));
    EXPECT_FALSE(same_secret("abc", "abcd"));
}

}  // namespace taskmock
