#pragma once
// Renderers: from a task body (the fixture) to the bytes of one media type.
// Run once per fixture and media type at start-up where the body does not
// depend on the request.

#include <string>
#include <string_view>

#include "core/json_text.hpp"

#include "core/variant.hpp"

namespace taskmock {

// self_href is the request path of the task, for HAL's _links.self.
std::string render(Renderer renderer, const json& body, std::string_view self_href);

std::string render_json(const json& body);
std::string render_hal(json body, std::string_view self_href);
std::string render_xml(const json& body);
std::string render_csv(const json& body);

}  // namespace taskmock
