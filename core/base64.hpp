#pragma once
// Base64 (RFC 4648) through OpenSSL, for HTTP Basic credentials.

#include <optional>
#include <string>

namespace taskmock {

std::string base64_encode(const std::string& bytes);
std::optional<std::string> base64_decode(const std::string& text);

}  // namespace taskmock
