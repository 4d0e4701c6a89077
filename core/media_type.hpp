#pragma once
// Accept header negotiation (RFC 9110 section 12.5.1): q-values, wildcards,
// most specific range wins; ties go to the client's order.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace taskmock {

struct MediaRange {
    std::string type;     // lower-case, "*" for a wildcard
    std::string subtype;  // lower-case, "*" for a wildcard
    double quality = 1.0;
    std::size_t position = 0;  // order in the header
};

// Ranges that parse; malformed ones are skipped.
std::vector<MediaRange> parse_accept(std::string_view header);

// Index into offered of the type to send; nothing when none is acceptable.
// An absent or empty Accept header takes the first offered type.
std::optional<std::size_t> negotiate(std::string_view accept, const std::vector<std::string>& offered);

// "application/json; charset=utf-8" -> "application/json"
std::string essence(std::string_view content_type);

}  // namespace taskmock
