#pragma once
// An error body from a variant description, compiled once: the serialised
// JSON split around its ${placeholders}, so rendering one is a few appends.

#include <string>
#include <string_view>
#include <vector>

#include "core/json_text.hpp"

namespace taskmock {

struct Placeholders {
    std::string_view id;
    std::string_view path;
    std::string_view detail;
    std::string_view instance;
    std::string_view trace_id;
    std::string_view method;
};

class BodyTemplate {
public:
    static BodyTemplate compile(const json& body);

    // Values are JSON-escaped: placeholders only ever sit inside strings.
    std::string render(const Placeholders& values) const;
    bool uses(std::string_view name) const;

private:
    struct Piece {
        std::string literal;
        std::string placeholder;  // empty for a literal piece
    };
    std::vector<Piece> pieces_;
};

// JSON string escaping without the quotes; invalid UTF-8 becomes U+FFFD.
std::string json_escape(std::string_view text);

}  // namespace taskmock
