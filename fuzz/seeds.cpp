// fuzz_seeds DIR: writes the seed corpora DIR/<target>/ from the shipped
// schemas and fixtures, in each target's input format. scripts/fuzz runs it
// before fuzzing, so the seeds follow the data instead of going stale.
//
// The pipeline and conformance seeds come from real exchanges: taskconform's
// whole check run (every probe, with and without credentials, each auth
// scheme) against the fuzzed pipelines, in process. Each request is a
// fuzz_pipeline seed and each run's responses a fuzz_conformance seed.

#include <cstdio>
#include <fstream>
#include <iostream>

#include "conformance/runner.hpp"
#include "core/variant.hpp"
#include "fuzz/support.hpp"

namespace taskmock::fuzz {

namespace {

class Writer {
public:
    explicit Writer(std::filesystem::path root) : root_(std::move(root)) {}

    void write(const std::string& target, const std::string& name, const std::string& bytes) {
        std::filesystem::create_directories(root_ / target);
        std::ofstream(root_ / target / ("seed-" + name), std::ios::binary) << bytes;
        ++written_[target];
    }

    void report() const {
        for (const auto& [target, count] : written_) std::cout << "fuzz_seeds: " << count << " seeds for " << target << "\n";
    }

private:
    std::filesystem::path root_;
    std::map<std::string, std::size_t> written_;
};

std::string read_bytes(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// What the server hands the pipeline: the target percent-decoded.
std::string decoded(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size() && hex_digit(text[i + 1]) >= 0 && hex_digit(text[i + 2]) >= 0) {
            out += static_cast<char>(hex_digit(text[i + 1]) * 16 + hex_digit(text[i + 2]));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

Request to_request(const HttpCall& call) {
    Request request;
    request.method = call.method;
    std::size_t question = call.target.find('?');
    request.path = decoded(call.target.substr(0, question));
    if (question != std::string::npos) {
        std::string_view query = std::string_view(call.target).substr(question + 1);
        while (!query.empty()) {
            std::size_t amp = query.find('&');
            std::string_view pair = query.substr(0, amp);
            std::size_t equals = pair.find('=');
            request.query.emplace_back(decoded(pair.substr(0, equals)),
                                       equals == std::string_view::npos ? "" : decoded(pair.substr(equals + 1)));
            query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        }
    }
    request.headers = call.headers;
    if (!call.content_type.empty()) request.headers.emplace_back("Content-Type", call.content_type);
    request.body = call.body;
    return request;
}

// fuzz_pipeline's format; alone names the variant served at native paths.
std::string pipeline_input(const Request& request, const std::string& alone) {
    std::string out = request.method + "\n" + request.path + "\n";
    for (const auto& [name, value] : request.query) out += "?" + name + "=" + value + "\n";
    if (!alone.empty()) out += "@" + alone + "\n";
    for (const auto& [name, value] : request.headers) out += name + ": " + value + "\n";
    return out + "\n" + request.body;
}

// One response in fuzz_conformance's format.
std::string conformance_part(const Response& response) {
    std::string out = std::to_string(response.status) + "\n";
    if (!response.content_type.empty()) out += "Content-Type: " + response.content_type + "\n";
    for (const auto& [name, value] : response.headers) out += name + ": " + value + "\n";
    return out + "\n" + response.body;
}

void exchanges(Writer& writer, const VariantDescription& variant, const std::string& settings_line) {
    const Pipeline* alone = shipped_pipeline(variant.name);
    Diagnostics diagnostics;
    std::map<std::string, Schema> schemas = load_schemas(variant, diagnostics);
    CheckSettings settings;
    settings.base_url = "http://127.0.0.1:9/" + variant.name;
    for (const Fixture* fixture : shipped_catalogue().store.fixtures(variant.name)) {
        if (settings.task_ids.size() < 2) settings.task_ids.push_back(fixture->id);
    }
    if (settings_line.find("credentials") != std::string::npos) {
        settings.secrets.credential = kCredential;
        settings.secrets.key_id = kKeyId;
        settings.secrets.key_secret = kKeySecret;
    }
    std::size_t at = settings_line.find("scheme=");
    if (at != std::string::npos) settings.auth_scheme = settings_line.substr(at + 7);

    std::string responses;
    std::size_t count = 0;
    std::string tag = settings_line;
    for (char& c : tag) c = (c == ' ' || c == '=') ? '-' : c;
    SendCall send = [&](const HttpCall& call) {
        Request request = to_request(call);
        Response response = alone->handle(request);
        std::string name = tag + "-" + std::to_string(count++);
        writer.write("fuzz_pipeline", name + "-alone", pipeline_input(request, variant.name));
        Request prefixed = request;
        prefixed.path = "/" + variant.name + request.path;
        writer.write("fuzz_pipeline", name, pipeline_input(prefixed, ""));
        if (!responses.empty()) responses += "\n%%\n";
        responses += conformance_part(response);
        HttpResult result;
        result.ok = true;
        result.status = response.status;
        result.body = response.body;
        if (!response.content_type.empty()) result.headers.emplace_back("Content-Type", response.content_type);
        for (const auto& header : response.headers) result.headers.push_back(header);
        return result;
    };
    std::string error;
    run_check(variant, schemas, settings, send, error);
    writer.write("fuzz_conformance", tag, settings_line + "\n" + responses);
}

void write_seeds(Writer& writer) {
    const Catalogue& catalogue = shipped_catalogue();
    for (const VariantDescription& variant : catalogue.variants) {
        writer.write("fuzz_variant", variant.name, read_bytes(variant.directory / "variant.json"));
        for (const Fixture* fixture : catalogue.store.fixtures(variant.name)) {
            writer.write("fuzz_fixture", variant.name + "-" + std::filesystem::path(fixture->file).stem().string(),
                         read_bytes(fixture->file));
        }
        exchanges(writer, variant, variant.name);
        exchanges(writer, variant, variant.name + " credentials");
        for (const AuthScheme& scheme : variant.auth.schemes) {
            static const std::map<AuthSchemeType, std::string> names{{AuthSchemeType::header, "header"},
                                                                     {AuthSchemeType::query, "query"},
                                                                     {AuthSchemeType::bearer, "bearer"},
                                                                     {AuthSchemeType::basic, "basic"}};
            exchanges(writer, variant, variant.name + " credentials scheme=" + names.at(scheme.type));
        }
        if (variant.name == "cognigy") {
            std::string weighted;
            for (std::size_t i = 0; i < variant.media_types.size(); ++i) {
                const std::string& type = variant.media_types[i].type;
                writer.write("fuzz_accept", "offered-" + std::to_string(i), type);
                weighted += (weighted.empty() ? "" : ", ") + type + ";q=0." + std::to_string(i + 1);
            }
            writer.write("fuzz_accept", "weighted", weighted);
        }
    }
    const char* accepts[] = {"*/*", "application/*;q=0.5, text/*;q=0.9", "text/csv;q=0, */*;q=0.001",
                             "application/json;q=1.000, application/hal+json;q=1", "TEXT/XML ; Q=0.7 ; charset=utf-8",
                             "application/xml;q=1.5, text/xml;q=-1, */x", ""};
    for (std::size_t i = 0; i < std::size(accepts); ++i) writer.write("fuzz_accept", "header-" + std::to_string(i), accepts[i]);
}

}  // namespace

}  // namespace taskmock::fuzz

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: fuzz_seeds DIR\n";
        return 2;
    }
    taskmock::fuzz::Writer writer(argv[1]);
    taskmock::fuzz::write_seeds(writer);
    writer.report();
    return 0;
}
