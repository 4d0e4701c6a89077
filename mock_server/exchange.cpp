#include "mock_server/exchange.hpp"

#include <algorithm>
#include <cctype>

namespace taskmock {

bool equal_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

namespace {

const std::string* find_field(const Fields& fields, std::string_view name, bool ignore_case) {
    for (const auto& [key, value] : fields) {
        if (ignore_case ? equal_ignoring_case(key, name) : key == name) return &value;
    }
    return nullptr;
}

}  // namespace

const std::string* Request::header(std::string_view name) const { return find_field(headers, name, true); }
const std::string* Request::query_value(std::string_view name) const { return find_field(query, name, false); }
const std::string* Response::header(std::string_view name) const { return find_field(headers, name, true); }

}  // namespace taskmock
