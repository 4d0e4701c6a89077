#include "mock_server/auth.hpp"

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

#include <openssl/crypto.h>

namespace taskmock {

namespace {

std::string environment(const std::string& name) {
    const char* value = std::getenv(name.c_str());
    return value == nullptr ? std::string() : std::string(value);
}

std::string trimmed(std::string text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
    return text;
}

std::string base64url(const std::string& bytes) {
    std::string text = base64_encode(bytes);
    while (!text.empty() && text.back() == '=') text.pop_back();
    for (char& c : text) {
        if (c == '+') c = '-';
        if (c == '/') c = '_';
    }
    return text;
}

// A JWT-shaped token: SDKs that look inside tokens find a header, a subject
// and an expiry a day away; the signature is random, nothing verifies it.
std::string mint_token(const std::string& subject) {
    std::random_device device;
    std::string signature(32, '\0');
    for (char& c : signature) c = static_cast<char>(device() & 0xff);
    long now = static_cast<long>(std::time(nullptr));
    json payload = {{"sub", subject.empty() ? "taskmock" : subject}, {"iat", now}, {"exp", now + 86400}};
    return base64url(R"({"alg":"HS256","typ":"JWT"})") + "." + base64url(payload.dump()) + "." + base64url(signature);
}

// Auth-Scheme names are case-insensitive (RFC 9110 section 11.1).
std::optional<std::string> after_scheme(const Request& request, std::string_view scheme) {
    const std::string* value = request.header("Authorization");
    if (value == nullptr || value->size() <= scheme.size() || (*value)[scheme.size()] != ' ') return std::nullopt;
    if (!equal_ignoring_case(std::string_view(*value).substr(0, scheme.size()), scheme)) return std::nullopt;
    std::string rest = value->substr(scheme.size() + 1);
    while (!rest.empty() && rest.front() == ' ') rest.erase(rest.begin());
    if (rest.empty()) return std::nullopt;
    return rest;
}

}  // namespace

std::string environment_prefix(const std::string& variant) {
    std::string prefix = "TASKMOCK_";
    for (char c : variant) prefix += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return prefix + "_";
}

Credentials credentials_from_environment(const VariantDescription& variant, Diagnostics& diagnostics) {
    const std::string prefix = environment_prefix(variant.name);
    Credentials credentials;
    std::string credential = environment(prefix + "CREDENTIAL");
    std::string file = environment(prefix + "CREDENTIAL_FILE");
    if (credential.empty() && !file.empty()) {
        std::ifstream in(file);
        std::stringstream buffer;
        buffer << in.rdbuf();
        credential = trimmed(buffer.str());
        if (!in || credential.empty()) {
            diagnostics.error(Location{file}, "cannot read a credential from the file named by " + prefix +
                                                  "CREDENTIAL_FILE", "credential.unreadable");
        }
    }
    if (!credential.empty()) credentials.accepted.push_back(credential);
    credentials.key_id = environment(prefix + "KEY_ID");
    credentials.key_secret = environment(prefix + "KEY_SECRET");
    if (credentials.key_id.empty() != credentials.key_secret.empty()) {
        diagnostics.error(Location{"environment"}, prefix + "KEY_ID and " + prefix + "KEY_SECRET go together",
                          "credential.key-pair");
    }
    if (variant.auth.token) {
        // Once anything is configured the route checks credentials, and the
        // token the exchange hands out must be one it accepts.
        credentials.token = mint_token(credentials.key_id);
        if (credentials.configured()) credentials.accepted.push_back(credentials.token);
    }
    return credentials;
}

std::optional<std::string> presented(const AuthScheme& scheme, const Request& request) {
    switch (scheme.type) {
        case AuthSchemeType::header: {
            const std::string* value = request.header(scheme.name);
            if (value == nullptr || value->empty()) return std::nullopt;
            return *value;
        }
        case AuthSchemeType::query: {
            const std::string* value = request.query_value(scheme.name);
            if (value == nullptr || value->empty()) return std::nullopt;
            return *value;
        }
        case AuthSchemeType::bearer: return after_scheme(request, "Bearer");
        case AuthSchemeType::basic: {
            std::optional<std::string> encoded = after_scheme(request, "Basic");
            if (!encoded) return std::nullopt;
            std::optional<std::string> decoded = base64_decode(*encoded);
            // Undecodable or without "user:password": the client sent
            // something, so it is a wrong credential rather than none.
            if (!decoded || decoded->find(':') == std::string::npos) return "\x01invalid";
            return decoded;
        }
    }
    return std::nullopt;
}

AuthOutcome check_auth(const Auth& auth, const Credentials& credentials, const Request& request) {
    if (auth.requirement == AuthRequirement::never) return AuthOutcome::accepted;
    if (auth.requirement == AuthRequirement::when_configured && !credentials.configured()) {
        return AuthOutcome::accepted;
    }
    std::vector<std::string> found;
    for (const AuthScheme& scheme : auth.schemes) {
        if (auto value = presented(scheme, request)) found.push_back(std::move(*value));
    }
    if (found.empty()) return AuthOutcome::missing;
    // Without configured credentials any presented one is accepted: the
    // mock checks that a client sends credentials, not which.
    if (credentials.accepted.empty() && credentials.key_id.empty()) return AuthOutcome::accepted;
    for (const std::string& value : found) {
        for (const std::string& accepted : credentials.accepted) {
            if (same_secret(value, accepted)) return AuthOutcome::accepted;
        }
    }
    return AuthOutcome::rejected;
}

bool same_secret(const std::string& a, const std::string& b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace taskmock
