#pragma once
// Auth as a table keyed by scheme (header key, query key, bearer, basic):
// each entry pulls a credential out of a request; the variant's policy then
// decides. Credentials are configured from the environment, never logged.

#include <optional>
#include <string>
#include <vector>

#include "core/base64.hpp"
#include "core/variant.hpp"
#include "mock_server/exchange.hpp"

namespace taskmock {

struct Credentials {
    // Values a request may present (an API key, a bearer token, "user:password").
    std::vector<std::string> accepted;
    // Key pair for a token exchange (Orkes keyId/keySecret).
    std::string key_id;
    std::string key_secret;
    // The token the exchange hands out; minted at start-up.
    std::string token;

    bool configured() const { return !accepted.empty() || !key_id.empty(); }
};

// Reads TASKMOCK_<VARIANT>_CREDENTIAL (or the file named by
// TASKMOCK_<VARIANT>_CREDENTIAL_FILE), TASKMOCK_<VARIANT>_KEY_ID and
// TASKMOCK_<VARIANT>_KEY_SECRET, where <VARIANT> is the name in upper case
// with '-' as '_'. Mints the token when the variant has a token exchange.
// A configuration that cannot work (an unreadable credential file, a key id
// without its secret) is an error: silently accepting everything would hide it.
Credentials credentials_from_environment(const VariantDescription& variant, Diagnostics& diagnostics);

// "oracle-bpm" -> "TASKMOCK_ORACLE_BPM_"
std::string environment_prefix(const std::string& variant);

enum class AuthOutcome { accepted, missing, rejected };

// The credential a scheme finds in a request, if any.
std::optional<std::string> presented(const AuthScheme& scheme, const Request& request);

AuthOutcome check_auth(const Auth& auth, const Credentials& credentials, const Request& request);

// Constant-time comparison, so response timing does not reveal a secret.
bool same_secret(const std::string& a, const std::string& b);

}  // namespace taskmock
