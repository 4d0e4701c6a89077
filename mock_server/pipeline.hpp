#pragma once
// The request pipeline: a Request in, a Response out, as straight-line
// stages (resolve variant, match route, check auth, validate id and query,
// look up the fixture, negotiate the media type, render). Everything that
// can be done once is done in the constructor.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/fixture_store.hpp"
#include "core/variant.hpp"
#include "mock_server/auth.hpp"
#include "mock_server/body_template.hpp"
#include "mock_server/clock.hpp"
#include "mock_server/exchange.hpp"
#include "mock_server/sessions.hpp"

namespace taskmock {

struct MountConfig {
    VariantDescription variant;
    Credentials credentials;
};

struct PipelineSettings {
    bool prefixed = true;                // serve each variant under /<name>
    std::string instance = "taskmock";   // ${instance} in error bodies
    std::size_t near_ids = 3;            // ids suggested on a 404
    // Timelines run on this clock, with state per session; made (real
    // clock, fresh sessions) when not given.
    std::shared_ptr<Clock> clock;
    std::shared_ptr<Sessions> sessions;
};

class Pipeline {
public:
    Pipeline(std::vector<MountConfig> mounts, const FixtureStore& store, PipelineSettings settings);

    Response handle(const Request& request) const;

    struct MountInfo {
        std::string name;
        std::string prefix;
        std::size_t fixtures;
        std::string task_route;
    };
    std::vector<MountInfo> mounts() const;

    // Query parameters that carry credentials in any mounted variant (e.g.
    // Cognigy's api_key): their values are never logged.
    const std::vector<std::string>& secret_query_names() const { return secret_query_names_; }

    // The variant's own error body for status (e.g. an injected 503), as
    // this request would get it; nothing when the variant is not mounted or
    // describes no body for the status.
    std::optional<Response> error_for(const std::string& variant, int status, const Request& request) const;

    const FixtureStore& store() const { return store_; }
    const PipelineSettings& settings() const { return settings_; }

private:
    struct CompiledError {
        ErrorTemplate source;
        BodyTemplate body;
    };
    struct Mount {
        std::string prefix;  // "" or "/<name>"
        VariantDescription variant;
        Credentials credentials;
        std::vector<std::string> offered;  // media types, default first
        std::map<int, CompiledError> errors;
        bool shaped = false;  // some query parameter changes the body
        // Per fixture id: the body per offered media type (unshaped variants).
        std::unordered_map<std::string, std::vector<std::shared_ptr<const std::string>>> rendered;
        // Per fixture id: the parsed body (shaped variants reshape it per request).
        std::unordered_map<std::string, json> trees;
    };
    struct Match {
        const Route* route = nullptr;
        std::vector<std::string> parameters;
    };

    // handle() without the bookkeeping: variant and id are filled in as far as the request got.
    Response route(const Request& request, std::string& variant, std::string& id) const;
    const Mount* resolve_mount(const std::string& path, std::string& local_path) const;
    std::optional<Response> match_route(const Mount& mount, const Request& request, const std::string& local_path,
                                        Match& match) const;
    std::optional<Response> check_id(const Mount& mount, const Request& request, const std::string& id) const;
    std::optional<Response> check_query(const Mount& mount, const Request& request, const std::string& id) const;
    Response serve_task(const Mount& mount, const Request& request, const std::string& id) const;
    Response exchange_token(const Mount& mount, const Request& request) const;
    Response shaped_body(const Mount& mount, const Request& request, json body, std::size_t media) const;
    Response timeline_body(const Mount& mount, const Request& request, const Fixture& fixture,
                           std::size_t media) const;

    Response vendor_error(const Mount& mount, int status, std::string_view reason, const Request& request,
                         std::string_view id, std::string_view detail) const;

    std::vector<Mount> mounts_;
    std::vector<std::string> secret_query_names_;
    const FixtureStore& store_;
    PipelineSettings settings_;
};

// Errors only the mock can have: application/problem+json with an
// X-Taskmock-Error header, so nobody mistakes them for vendor behaviour.
Response mock_error(int status, std::string_view code, std::string_view title, std::string_view detail,
                    const json& extra = json::object());

}  // namespace taskmock
