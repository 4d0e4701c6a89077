#include "conformance/utf8.hpp"

namespace taskmock {

std::size_t utf8_sequence(std::string_view text, std::size_t i, std::uint32_t& code_point) {
    auto byte = [&](std::size_t at) { return static_cast<unsigned char>(text[at]); };
    unsigned char lead = byte(i);
    std::size_t length = 0;
    std::uint32_t minimum = 0;
    if (lead < 0x80) {
        code_point = lead;
        return 1;
    } else if (lead >= 0xc2 && lead <= 0xdf) {
        length = 2;
        code_point = lead & 0x1fu;
        minimum = 0x80;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        length = 3;
        code_point = lead & 0x0fu;
        minimum = 0x800;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 4;
        code_point = lead & 0x07u;
        minimum = 0x10000;
    } else {
        return 0;
    }
    if (text.size() - i < length) return 0;
    for (std::size_t k = 1; k < length; ++k) {
        unsigned char next = byte(i + k);
        if ((next & 0xc0) != 0x80) return 0;
        code_point = (code_point << 6) | (next & 0x3fu);
    }
    if (code_point < minimum || code_point > 0x10ffff) return 0;
    if (code_point >= 0xd800 && code_point <= 0xdfff) return 0;
    return length;
}

// Makes text from elsewhere safe to print on one terminal line.

}  // namespace taskmock
