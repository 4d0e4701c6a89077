#include "mock_server/body_template.hpp"

#include <array>

namespace taskmock {

namespace {

constexpr std::array<std::string_view, 6> kNames{"id", "path", "detail", "instance", "trace_id", "method"};

std::string_view value_of(const Placeholders& values, std::string_view name) {
    if (name == "id") return values.id;
    if (name == "path") return values.path;
    if (name == "detail") return values.detail;
    if (name == "instance") return values.instance;
    if (name == "trace_id") return values.trace_id;
    return values.method;
}

}  // namespace

std::string json_escape(std::string_view text) {
    std::string quoted = json(std::string(text)).dump(-1, ' ', false, json::error_handler_t::replace);
    return quoted.substr(1, quoted.size() - 2);
}

BodyTemplate BodyTemplate::compile(const json& body) {
    BodyTemplate compiled;
    const std::string text = body.dump();
    std::size_t start = 0;
    while (true) {
        std::size_t open = text.find("${", start);
        std::size_t close = open == std::string::npos ? std::string::npos : text.find('}', open);
        if (close == std::string::npos) break;
        std::string name = text.substr(open + 2, close - open - 2);
        bool known = false;
        for (std::string_view candidate : kNames) known = known || candidate == name;
        if (!known) {  // not ours: keep it as text
            compiled.pieces_.push_back({text.substr(start, close + 1 - start), ""});
        } else {
            compiled.pieces_.push_back({text.substr(start, open - start), name});
        }
        start = close + 1;
    }
    compiled.pieces_.push_back({text.substr(start), ""});
    return compiled;
}

std::string BodyTemplate::render(const Placeholders& values) const {
    std::string out;
    for (const Piece& piece : pieces_) {
        out += piece.literal;
        if (!piece.placeholder.empty()) out += json_escape(value_of(values, piece.placeholder));
    }
    return out;
}

bool BodyTemplate::uses(std::string_view name) const {
    for (const Piece& piece : pieces_) {
        if (piece.placeholder == name) return true;
    }
    return false;
}

}  // namespace taskmock
