// fuzz_pipeline: any request through the request pipeline, no sockets.
//
// Input format, one field per line ('\n'; every other byte is kept):
//   line 1      the method
//   line 2      the path, as the server hands it over after percent-decoding
//               (so any byte may appear; decoding itself is httplib's)
//   then        "?name=value"  a query field (decoded)
//               "@variant"     serve only that variant, at its native paths
//               "Name: value"  a header (a line without ':' is a name alone)
//   empty line  the rest is the body
//
// Invariants for every input: the status is 100..599; a body has a content
// type; a JSON content type has a body that parses as JSON; no header name or
// value carries CR, LF or NUL; and no configured secret appears in the
// response unless the request carries kSecretMarker outside its headers.

#include "fuzz/entries.hpp"
#include "fuzz/support.hpp"
#include "mock_server/pipeline.hpp"

namespace taskmock::fuzz {

namespace {

constexpr std::string_view kTarget = "fuzz_pipeline";

struct Parsed {
    Request request;
    std::string variant;  // empty: all variants, prefixed
};

Parsed parse(std::string_view input) {
    Parsed parsed;
    std::size_t blank = input.find("\n\n");
    std::string_view head = input.substr(0, blank);
    if (blank != std::string_view::npos) parsed.request.body = std::string(input.substr(blank + 2));
    std::vector<std::string_view> lines = split_lines(head);
    parsed.request.method = std::string(lines[0]);
    if (lines.size() > 1) parsed.request.path = std::string(lines[1]);
    for (std::size_t i = 2; i < lines.size(); ++i) {
        std::string_view line = lines[i];
        if (!line.empty() && line.front() == '?') {
            std::size_t equals = line.find('=');
            std::string_view name = line.substr(1, equals == std::string_view::npos ? std::string_view::npos : equals - 1);
            std::string_view value = equals == std::string_view::npos ? std::string_view() : line.substr(equals + 1);
            parsed.request.query.emplace_back(std::string(name), std::string(value));
        } else if (!line.empty() && line.front() == '@') {
            parsed.variant = std::string(line.substr(1));
        } else {
            std::size_t colon = line.find(':');
            std::string_view name = line.substr(0, colon);
            std::string_view value = colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
            while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
            parsed.request.headers.emplace_back(std::string(name), std::string(value));
        }
    }
    return parsed;
}

bool carries(const Request& request, std::string_view secret) {
    auto in = [&](const std::string& text) { return text.find(secret) != std::string::npos; };
    if (in(request.method) || in(request.path) || in(request.body)) return true;
    for (const auto& [name, value] : request.query) {
        if (in(name) || in(value)) return true;
    }
    return false;
}

void check(const Request& request, const Response& response) {
    require(response.status >= 100 && response.status <= 599, kTarget,
            "status " + std::to_string(response.status) + " is not an HTTP status");
    require(response.body.empty() || !response.content_type.empty(), kTarget,
            "a body of " + std::to_string(response.body.size()) + " bytes without a content type");
    require(!has_header_breaking_byte(response.content_type), kTarget, "the content type carries CR, LF or NUL");
    if (!response.body.empty() && is_json_type(response.content_type)) {
        require(parses_as_json(response.body), kTarget,
                "a " + response.content_type + " body that does not parse: " + response.body.substr(0, 200));
    }
    for (const auto& [name, value] : response.headers) {
        require(!name.empty() && !has_header_breaking_byte(name) && !has_header_breaking_byte(value), kTarget,
                "header \"" + name + "\" breaks the response: " + value);
    }
    if (carries(request, kSecretMarker)) return;
    require(response.body.find(kSecretMarker) == std::string::npos, kTarget, "the response body reveals a secret");
    for (const auto& [name, value] : response.headers) {
        require(value.find(kSecretMarker) == std::string::npos, kTarget, "header " + name + " reveals a secret");
    }
}

}  // namespace

int fuzz_pipeline(const std::uint8_t* data, std::size_t size) {
    Parsed parsed = parse(std::string_view(reinterpret_cast<const char*>(data), size));
    const Pipeline* pipeline = shipped_pipeline(parsed.variant);
    if (pipeline == nullptr) return 0;
    check(parsed.request, pipeline->handle(parsed.request));
    return 0;
}

}  // namespace taskmock::fuzz
