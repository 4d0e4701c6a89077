#include "fuzz/support.hpp"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>

#include "core/media_type.hpp"

#ifndef TASKMOCK_DATA_DIR
#define TASKMOCK_DATA_DIR "."
#endif

namespace taskmock::fuzz {

std::filesystem::path data_directory() { return TASKMOCK_DATA_DIR; }

const Catalogue& shipped_catalogue() {
    static const Catalogue catalogue = [] {
        Options options;
        options.schemas = data_directory() / "schemas";
        options.fixtures = data_directory() / "fixtures";
        Diagnostics diagnostics;
        std::string error;
        std::optional<Catalogue> loaded = load_catalogue(options, diagnostics, error);
        if (!loaded) fail("setup", "the shipped catalogue does not load:\n" + diagnostics.to_string() + error);
        return std::move(*loaded);
    }();
    return catalogue;
}

namespace {

std::map<std::string, Credentials> fuzz_credentials() {
    std::map<std::string, Credentials> credentials;
    credentials["maxsight"].accepted = {kCredential};
    credentials["oracle-bpm"].accepted = {kCredential};
    Credentials& orkes = credentials["orkes"];
    orkes.key_id = kKeyId;
    orkes.key_secret = kKeySecret;
    orkes.token = "fuzz-orkes-token";
    orkes.accepted = {orkes.token};
    return credentials;
}

struct Pipelines {
    std::unique_ptr<Pipeline> all;
    std::map<std::string, std::unique_ptr<Pipeline>, std::less<>> alone;
};

}  // namespace

const Pipeline* shipped_pipeline(std::string_view alone) {
    static const Pipelines built = [] {
        const Catalogue& catalogue = shipped_catalogue();
        std::map<std::string, Credentials> credentials = fuzz_credentials();
        Pipelines result;
        std::vector<MountConfig> mounts;
        for (const auto& variant : catalogue.variants) {
            mounts.push_back({variant, credentials[variant.name]});
            PipelineSettings settings;
            settings.prefixed = false;
            std::vector<MountConfig> one{{variant, credentials[variant.name]}};
            result.alone.emplace(variant.name, std::make_unique<Pipeline>(std::move(one), catalogue.store, settings));
        }
        result.all = std::make_unique<Pipeline>(std::move(mounts), catalogue.store, PipelineSettings{});
        return result;
    }();
    if (alone.empty()) return built.all.get();
    auto found = built.alone.find(alone);
    return found == built.alone.end() ? nullptr : found->second.get();
}

void fail(std::string_view target, const std::string& what) {
    std::fprintf(stderr, "fuzz %.*s: invariant broken: %s\n", static_cast<int>(target.size()), target.data(),
                 what.c_str());
    std::fflush(stderr);
    std::abort();
}

std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    while (true) {
        std::size_t end = text.find('\n');
        lines.push_back(text.substr(0, end));
        if (end == std::string_view::npos) return lines;
        text.remove_prefix(end + 1);
    }
}

bool is_json_type(std::string_view content_type) {
    std::string type = essence(content_type);
    std::size_t slash = type.find('/');
    if (slash == std::string::npos) return false;
    std::string_view subtype = std::string_view(type).substr(slash + 1);
    return subtype == "json" || (subtype.size() > 5 && subtype.substr(subtype.size() - 5) == "+json");
}

bool parses_as_json(const std::string& text) { return json::accept(text); }

bool has_header_breaking_byte(std::string_view text) {
    return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

}  // namespace taskmock::fuzz
