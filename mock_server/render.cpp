#include "mock_server/render.hpp"

#include <cctype>
#include <sstream>

#include <pugixml.hpp>

namespace taskmock {

namespace {

// XML element names: letters, digits, '-', '_', '.'; not starting with a
// digit, '-' or '.'. Keys that are not (e.g. "content-length" is, "$ref" is
// not) become <entry key="...">.
bool is_xml_name(const std::string& name) {
    if (name.empty()) return false;
    unsigned char first = static_cast<unsigned char>(name[0]);
    if (!(std::isalpha(first) || first == '_')) return false;
    if (name.size() >= 3 && std::tolower(static_cast<unsigned char>(name[0])) == 'x' &&
        std::tolower(static_cast<unsigned char>(name[1])) == 'm' && std::tolower(static_cast<unsigned char>(name[2])) == 'l') {
        return false;
    }
    for (char c : name) {
        unsigned char u = static_cast<unsigned char>(c);
        if (!(std::isalnum(u) || c == '-' || c == '_' || c == '.')) return false;
    }
    return true;
}

void append_xml(pugi::xml_node parent, const std::string& name, const json& value) {
    pugi::xml_node node = parent.append_child(is_xml_name(name) ? name.c_str() : "entry");
    if (!is_xml_name(name)) node.append_attribute("key") = name.c_str();
    switch (value.type()) {
        case json::value_t::null: node.append_attribute("nil") = "true"; break;
        case json::value_t::object:
            for (const auto& [key, child] : value.items()) append_xml(node, key, child);
            break;
        case json::value_t::array:
            for (const auto& child : value) append_xml(node, "item", child);
            break;
        case json::value_t::string: node.text() = value.get_ref<const std::string&>().c_str(); break;
        default: node.text() = value.dump().c_str(); break;
    }
}

std::string csv_cell(const json& value) {
    std::string text;
    if (value.is_null()) return text;
    text = value.is_string() ? value.get<std::string>() : value.dump(-1, ' ', false, json::error_handler_t::replace);
    if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
    std::string quoted = "\"";
    for (char c : text) {
        if (c == '"') quoted += '"';
        quoted += c;
    }
    return quoted + "\"";
}

}  // namespace

std::string render_json(const json& body) { return body.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string render_hal(json body, std::string_view self_href) {
    body["_links"] = {{"self", {{"href", std::string(self_href)}}}};
    return render_json(body);
}

std::string render_xml(const json& body) {
    pugi::xml_document document;
    pugi::xml_node declaration = document.append_child(pugi::node_declaration);
    declaration.append_attribute("version") = "1.0";
    declaration.append_attribute("encoding") = "UTF-8";
    pugi::xml_node root = document.append_child("task");
    if (body.is_object()) {
        for (const auto& [key, value] : body.items()) append_xml(root, key, value);
    }
    std::ostringstream out;
    document.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
    return out.str();
}

// RFC 4180: a header row of the top-level fields and one row of values;
// nested values as compact JSON.
std::string render_csv(const json& body) {
    std::string header;
    std::string row;
    if (body.is_object()) {
        for (const auto& [key, value] : body.items()) {
            if (!header.empty()) {
                header += ',';
                row += ',';
            }
            header += csv_cell(json(key));
            row += csv_cell(value);
        }
    }
    return header + "\r\n" + row + "\r\n";
}

std::string render(Renderer renderer, const json& body, std::string_view self_href) {
    switch (renderer) {
        case Renderer::as_json: return render_json(body);
        case Renderer::as_hal: return render_hal(body, self_href);
        case Renderer::as_xml: return render_xml(body);
        case Renderer::as_csv: return render_csv(body);
    }
    return render_json(body);
}

}  // namespace taskmock
