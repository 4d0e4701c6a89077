#include "core/json_text.hpp"

#include <cctype>
#include <fstream>
#include <iterator>
#include <sstream>
#include <vector>

namespace taskmock {

namespace {

// An input iterator over text that publishes how far the parser has read, so
// the SAX handler below knows where each token ended.
class CountingIterator {
public:
    using iterator_category = std::input_iterator_tag;
    using value_type = char;
    using difference_type = std::ptrdiff_t;
    using pointer = const char*;
    using reference = const char&;

    CountingIterator(const char* position, const char** cursor) : position_(position), cursor_(cursor) {}
    reference operator*() const { return *position_; }
    CountingIterator& operator++() {
        ++position_;
        if (cursor_ != nullptr) *cursor_ = position_;
        return *this;
    }
    CountingIterator operator++(int) {
        CountingIterator before = *this;
        ++*this;
        return before;
    }
    bool operator==(const CountingIterator& other) const { return position_ == other.position_; }
    bool operator!=(const CountingIterator& other) const { return position_ != other.position_; }

private:
    const char* position_;
    const char** cursor_;
};

// Walks the document and records where the value at `target` starts. A value
// starts at the first character after the previous token that is not white
// space or a separator; the parser reports each token right after reading it.
class Locator : public nlohmann::json_sax<json> {
public:
    Locator(std::string_view text, const char** cursor, std::vector<std::string> target)
        : text_(text), cursor_(cursor), target_(std::move(target)) {
        // The parser skips a UTF-8 byte order mark; the root value starts after it.
        if (text_.substr(0, 3) == "\xEF\xBB\xBF") previous_end_ = 3;
    }

    std::optional<std::size_t> found;

    bool null() override { return value(); }
    bool boolean(bool) override { return value(); }
    bool number_integer(number_integer_t) override { return value(); }
    bool number_unsigned(number_unsigned_t) override { return value(); }
    bool number_float(number_float_t, const string_t&) override { return value(); }
    bool string(string_t&) override { return value(); }
    bool binary(binary_t&) override { return value(); }
    bool start_object(std::size_t) override {
        if (!value()) return false;
        path_.push_back({true, {}, 0});
        return true;
    }
    bool key(string_t& name) override {
        path_.back().key = name;
        mark();
        return true;
    }
    bool end_object() override { return close(); }
    bool start_array(std::size_t) override {
        if (!value()) return false;
        path_.push_back({false, {}, 0});
        mark();
        return true;
    }
    bool end_array() override { return close(); }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

private:
    struct Level {
        bool object;
        std::string key;    // objects: the current member
        std::size_t count;  // arrays: elements started so far
    };

    std::size_t read() const { return static_cast<std::size_t>(*cursor_ - text_.data()); }
    void mark() { previous_end_ = read(); }

    bool close() {
        path_.pop_back();
        mark();
        return true;
    }

    // Called at the start of every value, before it is entered.
    bool value() {
        std::size_t start = previous_end_;
        while (start < text_.size() && (std::isspace(static_cast<unsigned char>(text_[start])) ||
                                        text_[start] == ':' || text_[start] == ',')) {
            ++start;
        }
        // Count the element before looking: its children must see the
        // parent's index as it is while they are visited.
        if (!path_.empty() && !path_.back().object) ++path_.back().count;
        if (matches()) {
            found = start;
            return false;  // stop parsing: we have what we came for
        }
        mark();
        return true;
    }

    bool matches() const {
        if (path_.size() != target_.size()) return false;
        for (std::size_t i = 0; i < path_.size(); ++i) {
            const Level& level = path_[i];
            const std::string& want = target_[i];
            if (level.object ? level.key != want : std::to_string(level.count - 1) != want) return false;
        }
        return true;
    }

    std::string_view text_;
    const char** cursor_;
    std::vector<std::string> target_;
    std::vector<Level> path_;
    std::size_t previous_end_ = 0;
};

// Remembers where the parser gave up, and builds nothing.
class ErrorPosition : public nlohmann::json_sax<json> {
public:
    std::size_t position = 0;

    bool null() override { return true; }
    bool boolean(bool) override { return true; }
    bool number_integer(number_integer_t) override { return true; }
    bool number_unsigned(number_unsigned_t) override { return true; }
    bool number_float(number_float_t, const string_t&) override { return true; }
    bool string(string_t&) override { return true; }
    bool binary(binary_t&) override { return true; }
    bool start_object(std::size_t) override { return true; }
    bool key(string_t&) override { return true; }
    bool end_object() override { return true; }
    bool start_array(std::size_t) override { return true; }
    bool end_array() override { return true; }
    bool parse_error(std::size_t at, const std::string&, const nlohmann::detail::exception&) override {
        position = at;
        return false;
    }
};

std::vector<std::string> tokens_of(const json::json_pointer& pointer) {
    std::vector<std::string> tokens;
    json::json_pointer rest = pointer;
    while (!rest.empty()) {
        tokens.insert(tokens.begin(), rest.back());
        rest.pop_back();
    }
    return tokens;
}

// nlohmann's message reads "[json.exception.parse_error.101] parse error at
// line 3, column 5: syntax error ..."; the position goes into the location,
// so keep only the part after it.
std::string parse_error_text(const json::parse_error& error) {
    std::string what = error.what();
    const std::string marker = "parse error";
    std::size_t at = what.find(marker);
    if (at != std::string::npos) {
        std::size_t colon = what.find(": ", at);
        if (colon != std::string::npos) return "invalid JSON: " + what.substr(colon + 2);
    }
    return "invalid JSON: " + what;
}

// nlohmann reports where it stopped reading: the end of the offending
// token. Compilers point at its start, and so do we.
std::size_t token_start(std::string_view text, std::size_t offset) {
    if (offset >= text.size()) return offset;
    if (text[offset] == '"') {
        std::size_t at = offset;
        while (at > 0) {
            --at;
            if (text[at] == '"' && (at == 0 || text[at - 1] != '\\')) return at;
            if (text[at] == '\n') break;
        }
        return offset;
    }
    auto in_word = [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+';
    };
    if (!in_word(text[offset])) return offset;
    while (offset > 0 && in_word(text[offset - 1])) --offset;
    return offset;
}

}  // namespace

std::optional<std::size_t> offset_of(std::string_view text, const json::json_pointer& pointer) {
    const char* cursor = text.data();
    Locator locator(text, &cursor, tokens_of(pointer));
    CountingIterator first(text.data(), &cursor);
    CountingIterator last(text.data() + text.size(), nullptr);
    json::sax_parse(first, last, &locator, nlohmann::detail::input_format_t::json, false);
    return locator.found;
}

Location JsonText::locate(const json::json_pointer& pointer) const {
    std::optional<std::size_t> offset = offset_of(text, pointer);
    if (!offset) return Location{file, 0, 0};
    return location_of(file, text, *offset);
}

std::optional<std::size_t> too_deep_at(std::string_view text, std::size_t limit) {
    std::size_t depth = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (in_string) {
            if (c == '\\') ++i;
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > limit) return i;
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return std::nullopt;
}

std::optional<JsonText> parse_json_text(std::string text, std::string display_name, Diagnostics& diagnostics) {
    if (std::optional<std::size_t> deep = too_deep_at(text)) {
        diagnostics.error(location_of(display_name, text, *deep),
                          "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels", "json.too-deep");
        return std::nullopt;
    }
    try {
        json value = json::parse(text);
        return JsonText{std::move(display_name), std::move(text), std::move(value)};
    } catch (const json::parse_error& error) {
        // error.byte counts characters read, the offending one included.
        std::size_t offset = token_start(text, error.byte > 0 ? error.byte - 1 : 0);
        diagnostics.error(location_of(display_name, text, offset), parse_error_text(error), "json.syntax");
        return std::nullopt;
    } catch (const json::out_of_range& error) {
        // A number beyond a double ("1e400") is refused without a position;
        // parsing again without building a value finds where.
        ErrorPosition finder;
        json::sax_parse(text, &finder);
        std::size_t offset = token_start(text, finder.position > 0 ? finder.position - 1 : 0);
        std::string what = error.what();
        std::size_t message = what.find("] ");
        diagnostics.error(location_of(display_name, text, offset),
                          "invalid JSON: " + (message == std::string::npos ? what : what.substr(message + 2)),
                          "json.syntax");
        return std::nullopt;
    }
}

std::optional<JsonText> read_json_file(const std::filesystem::path& path, std::string display_name,
                                       Diagnostics& diagnostics) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        diagnostics.error(Location{display_name}, "cannot read file", "file.unreadable");
        return std::nullopt;
    }
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return parse_json_text(buffer.str(), std::move(display_name), diagnostics);
}

}  // namespace taskmock
