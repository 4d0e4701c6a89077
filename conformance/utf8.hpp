#pragma once
// Walking text from servers that may not be valid UTF-8, for reporters
// that must escape or drop what they cannot show.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace taskmock {

// Length of the well-formed UTF-8 sequence starting at text[i] and its code
// point, or 0 when the bytes there are not one.
std::size_t utf8_sequence(std::string_view text, std::size_t i, std::uint32_t& code_point);

}  // namespace taskmock
