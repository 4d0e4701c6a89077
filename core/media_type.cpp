#include "core/media_type.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace taskmock {

namespace {

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool is_token(std::string_view text) {
    if (text.empty()) return false;
    return std::all_of(text.begin(), text.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    });
}

std::optional<double> parse_quality(std::string_view text) {
    // qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
    if (text.empty() || text.size() > 5 || (text[0] != '0' && text[0] != '1')) return std::nullopt;
    if (text.size() > 1 && text[1] != '.') return std::nullopt;
    for (std::size_t i = 2; i < text.size(); ++i) {
        if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
    }
    double value = text[0] == '1' ? 1.0 : 0.0;
    double scale = 0.1;
    for (std::size_t i = 2; i < text.size(); ++i, scale /= 10) value += (text[i] - '0') * scale;
    if (value > 1.0) return std::nullopt;
    return value;
}

}  // namespace

std::vector<MediaRange> parse_accept(std::string_view header) {
    std::vector<MediaRange> ranges;
    std::size_t position = 0;
    while (!header.empty()) {
        std::size_t comma = header.find(',');
        std::string_view item = trim(header.substr(0, comma));
        header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
        if (item.empty()) continue;

        std::size_t semicolon = item.find(';');
        std::string_view range = trim(item.substr(0, semicolon));
        std::size_t slash = range.find('/');
        if (slash == std::string_view::npos) continue;
        MediaRange parsed{lower(range.substr(0, slash)), lower(range.substr(slash + 1)), 1.0, position++};
        if (!is_token(parsed.type) || !is_token(parsed.subtype) || (parsed.type == "*" && parsed.subtype != "*")) {
            continue;
        }
        bool valid = true;
        std::string_view parameters = semicolon == std::string_view::npos ? std::string_view() : item.substr(semicolon + 1);
        while (!parameters.empty()) {
            std::size_t next = parameters.find(';');
            std::string_view parameter = trim(parameters.substr(0, next));
            parameters = next == std::string_view::npos ? std::string_view() : parameters.substr(next + 1);
            std::size_t equals = parameter.find('=');
            if (equals == std::string_view::npos) continue;
            if (lower(trim(parameter.substr(0, equals))) == "q") {
                std::optional<double> quality = parse_quality(trim(parameter.substr(equals + 1)));
                if (!quality) valid = false;
                else parsed.quality = *quality;
            }
        }
        if (valid) ranges.push_back(std::move(parsed));
    }
    return ranges;
}

std::optional<std::size_t> negotiate(std::string_view accept, const std::vector<std::string>& offered) {
    if (offered.empty()) return std::nullopt;
    if (trim(accept).empty()) return 0;
    std::vector<MediaRange> ranges = parse_accept(accept);

    struct Choice {
        double quality = 0;
        std::size_t position = 0;
        std::size_t index = 0;
    };
    std::optional<Choice> best;
    for (std::size_t index = 0; index < offered.size(); ++index) {
        std::string type = lower(essence(offered[index]));
        std::size_t slash = type.find('/');
        std::string_view main = std::string_view(type).substr(0, slash);
        std::string_view sub = std::string_view(type).substr(slash + 1);
        // The most specific range that matches decides this type's quality.
        const MediaRange* match = nullptr;
        int specificity = -1;
        for (const MediaRange& range : ranges) {
            int level = -1;
            if (range.type == main && range.subtype == sub) level = 2;
            else if (range.type == main && range.subtype == "*") level = 1;
            else if (range.type == "*") level = 0;
            if (level > specificity) {
                specificity = level;
                match = &range;
            }
        }
        if (match == nullptr || match->quality <= 0) continue;
        Choice choice{match->quality, match->position, index};
        if (!best || choice.quality > best->quality ||
            (choice.quality == best->quality && choice.position < best->position)) {
            best = choice;
        }
    }
    if (!best) return std::nullopt;
    return best->index;
}

std::string essence(std::string_view content_type) {
    return lower(trim(content_type.substr(0, content_type.find(';'))));
}

}  // namespace taskmock
