#pragma once
// A path template such as "/api/tasks/{taskId}": literal segments and
// named parameters, each parameter one whole segment.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace taskmock {

class RouteTemplate {
public:
    // Returns nothing when the template is malformed (empty, no leading '/',
    // unbalanced braces, a parameter that is not a whole segment).
    static std::optional<RouteTemplate> parse(std::string_view text);

    // Captured parameter values in template order, when path matches.
    std::optional<std::vector<std::string>> match(std::string_view path) const;

    // The path for the given parameter values (in template order).
    std::string expand(const std::vector<std::string>& values) const;

    const std::string& text() const { return text_; }
    const std::vector<std::string>& parameters() const { return parameters_; }
    std::size_t parameter_index(std::string_view name) const;  // npos when absent

private:
    struct Segment {
        std::string literal;  // when not a parameter
        bool parameter = false;
    };
    std::string text_;
    std::vector<Segment> segments_;
    std::vector<std::string> parameters_;
};

// Splits "/a/b/c" into {"a","b","c"}; a trailing '/' gives an empty last segment.
std::vector<std::string_view> split_path(std::string_view path);

}  // namespace taskmock
