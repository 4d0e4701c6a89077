#include "core/route.hpp"

namespace taskmock {

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> segments;
    if (path.empty() || path.front() != '/') return segments;
    std::size_t start = 1;
    while (true) {
        std::size_t slash = path.find('/', start);
        if (slash == std::string_view::npos) {
            segments.push_back(path.substr(start));
            return segments;
        }
        segments.push_back(path.substr(start, slash - start));
        start = slash + 1;
    }
}

std::optional<RouteTemplate> RouteTemplate::parse(std::string_view text) {
    if (text.size() < 2 || text.front() != '/') return std::nullopt;
    RouteTemplate route;
    route.text_ = std::string(text);
    for (std::string_view segment : split_path(text)) {
        if (segment.empty()) return std::nullopt;
        bool opens = segment.find('{') != std::string_view::npos;
        bool closes = segment.find('}') != std::string_view::npos;
        if (!opens && !closes) {
            route.segments_.push_back({std::string(segment), false});
            continue;
        }
        if (segment.size() < 3 || segment.front() != '{' || segment.back() != '}') return std::nullopt;
        std::string_view name = segment.substr(1, segment.size() - 2);
        if (name.find_first_of("{}") != std::string_view::npos) return std::nullopt;
        route.segments_.push_back({std::string(name), true});
        route.parameters_.emplace_back(name);
    }
    return route;
}

std::optional<std::vector<std::string>> RouteTemplate::match(std::string_view path) const {
    std::vector<std::string_view> parts = split_path(path);
    if (parts.size() != segments_.size()) return std::nullopt;
    std::vector<std::string> values;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const Segment& segment = segments_[i];
        if (segment.parameter) {
            if (parts[i].empty()) return std::nullopt;
            values.emplace_back(parts[i]);
        } else if (parts[i] != segment.literal) {
            return std::nullopt;
        }
    }
    return values;
}

std::string RouteTemplate::expand(const std::vector<std::string>& values) const {
    std::string path;
    std::size_t next = 0;
    for (const Segment& segment : segments_) {
        path += '/';
        path += segment.parameter ? (next < values.size() ? values[next++] : std::string()) : segment.literal;
    }
    return path;
}

std::size_t RouteTemplate::parameter_index(std::string_view name) const {
    for (std::size_t i = 0; i < parameters_.size(); ++i) {
        if (parameters_[i] == name) return i;
    }
    return std::string::npos;
}

}  // namespace taskmock
