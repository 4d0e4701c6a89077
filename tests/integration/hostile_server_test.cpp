// The taskconform binary against servers that misbehave on purpose: each
// scenario must end in a clear message, the documented exit code and
// well-formed text, JUnit and JSON reports, within a bounded wait; never a
// crash or a hang. Then HTTPS: a plain-TCP server, and a real TLS server
// (the taskmock pipeline behind httplib::SSLServer) with a certificate
// made here, trusted only through --ca-file.

#include <gtest/gtest.h>

#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <zlib.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <regex>
#include <thread>

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "support/hostile_server.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_server.hpp"

namespace taskmock {

using testing::HostileConnection;
using testing::HostileServer;

namespace {

const std::string kTaskId = "0c658ed7-becd-11ef-a89d-86a819bd92bf";
const std::string kTaskBody = testing::read_file(std::string(TASKMOCK_SOURCE_DIR) + "/fixtures/conductor/seed.json");

// Far above what any scenario needs (its timeouts add up to a few seconds):
// only a taskconform that hangs reaches it, and then the test fails.
constexpr std::chrono::seconds kHang{30};

struct Ran {
    std::optional<int> code;  // nothing: still running at kHang, then killed
    std::string out;
    std::string err;
    std::string junit;
    std::string json;
};

// taskconform check against url, conductor, one task id; `extra` comes last
// so that its options override the defaults. Reports go to a scratch dir.
Ran taskconform(const std::string& url, const std::vector<std::string>& extra) {
    testing::TempDir temp;
    const std::string junit = (temp.path() / "report.xml").string();
    const std::string json = (temp.path() / "report.json").string();
    std::vector<std::string> arguments{TASKCONFORM_BINARY, "check",  "--variant",         "conductor", "--base-url",
                                       url,                "--task-id", kTaskId,           "--connect-timeout", "2",
                                       "--read-timeout",   "5",      "--timeout",         "10",        "--junit",
                                       junit,              "--json", json};
    arguments.insert(arguments.end(), extra.begin(), extra.end());
    testing::Process process(arguments);
    EXPECT_TRUE(process.started());
    Ran ran;
    ran.code = process.wait_for(kHang);
    ran.out = process.out();
    ran.err = process.err();
    ran.junit = testing::read_file(junit);
    ran.json = testing::read_file(json);
    return ran;
}

// UTF-8 with no control character but newline and tab: text a terminal shows
// as it is, which nothing from the server can recolour or move around in.
// Written out here rather than taken from conformance/utf8.hpp, which the
// reporters under test use.
bool printable_utf8(const std::string& text) {
    for (std::size_t i = 0; i < text.size();) {
        auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
        const unsigned char lead = byte(i);
        if (lead < 0x80) {
            if ((lead < 0x20 && lead != '\n' && lead != '\t') || lead == 0x7f) return false;
            ++i;
            continue;
        }
        std::size_t length = lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3
                                                            : lead >= 0xf0 && lead <= 0xf4 ? 4
                                                                                           : 0;
        if (length == 0 || i + length > text.size()) return false;
        for (std::size_t k = 1; k < length; ++k) {
            if ((byte(i + k) & 0xc0) != 0x80) return false;
        }
        const unsigned char second = byte(i + 1);
        if ((lead == 0xc2 && second <= 0x9f) ||  // C1 controls
            (lead == 0xe0 && second < 0xa0) || (lead == 0xed && second > 0x9f) ||  // overlong, surrogates
            (lead == 0xf0 && second < 0x90) || (lead == 0xf4 && second > 0x8f)) {
            return false;
        }
        i += length;
    }
    return true;
}

// The JUnit report parses and, when xmllint is installed, validates
// against tests/data/junit.xsd, as scripts/conformance checks it.
void expect_valid_junit(const std::string& xml) {
    pugi::xml_document document;
    pugi::xml_parse_result parsed = document.load_buffer(xml.data(), xml.size());
    ASSERT_TRUE(parsed) << parsed.description() << "\n" << xml;
    EXPECT_STREQ(document.document_element().name(), "testsuites");
    testing::TempDir temp;
    std::filesystem::path file = temp.write("report.xml", xml);
    testing::Process xmllint({"xmllint", "--noout", "--schema", std::string(TASKMOCK_TEST_DATA_DIR) + "/junit.xsd",
                              file.string()});
    if (!xmllint.started()) return;  // not installed: parsing above is the check
    EXPECT_EQ(xmllint.wait_for(kHang), 0) << xmllint.err() << "\n" << xml;
}

// A response with a Content-Length, closing the connection after it.
std::string response(const std::string& status, const std::string& headers, const std::string& body) {
    return "HTTP/1.1 " + status + "\r\n" + headers + "Content-Length: " + std::to_string(body.size()) +
           "\r\nConnection: close\r\n\r\n" + body;
}

// A literal with its NUL bytes.
template <std::size_t N>
std::string bytes(const char (&literal)[N]) {
    return std::string(literal, N - 1);
}

HostileServer::Behaviour answer(std::string bytes) {
    return [bytes](HostileConnection& connection) {
        if (connection.read_head()) connection.send(bytes);
    };
}

std::string chunked(const std::string& body, std::size_t piece) {
    std::string out;
    for (std::size_t at = 0; at < body.size(); at += piece) {
        std::string part = body.substr(at, piece);
        char size[32];
        std::snprintf(size, sizeof size, "%zx\r\n", part.size());
        out += size + part + "\r\n";
    }
    return out + "0\r\n\r\n";
}

std::string gzip(const std::string& text) {
    z_stream stream{};
    // deflateInit2() is a macro with a C cast; 15 + 16: a gzip wrapper.
    if (deflateInit2_(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                      static_cast<int>(sizeof stream)) != Z_OK) {
        return "";
    }
    std::string out(deflateBound(&stream, static_cast<uLong>(text.size())), '\0');
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    stream.avail_in = static_cast<uInt>(text.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    deflate(&stream, Z_FINISH);
    out.resize(stream.total_out);
    deflateEnd(&stream);
    return out;
}

struct Scenario {
    std::string name;
    HostileServer::Behaviour behaviour;
    std::vector<std::string> arguments;  // after the defaults, e.g. shorter timeouts
    int exit_code;
    std::vector<std::string> expected;  // in the text report, each
    bool transport_error;               // every probe got no usable response
    std::string scheme = "http";
    std::function<void(const Ran&, const HostileServer&)> also = nullptr;
};

void PrintTo(const Scenario& scenario, std::ostream* os) { *os << scenario.name; }

const std::vector<std::string> kOneProbe{"--no-probes"};

std::vector<Scenario> scenarios() {
    using std::chrono::milliseconds;
    const std::string json_type = "Content-Type: application/json\r\n";
    const std::string big(4096, ' ');
    return {
        {"drips_the_body",
         [](HostileConnection& c) {
             if (!c.read_head()) return;
             c.send("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n");
             c.drip(" ", milliseconds(200));
         },
         {"--no-probes", "--read-timeout", "1", "--timeout", "1"},
         2,
         {"FAIL response arrives: no complete response within 1 s, the time limit for an exchange: ",
          "body bytes had arrived"},
         true},
        {"drips_a_chunked_body",
         [](HostileConnection& c) {
             if (!c.read_head()) return;
             c.send("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
             c.drip("1\r\n \r\n", milliseconds(200));
         },
         {"--no-probes", "--read-timeout", "1", "--timeout", "1"},
         2,
         {"no complete response within 1 s, the time limit for an exchange: "},
         true},
        {"drips_the_headers",
         [](HostileConnection& c) {
             if (!c.read_head()) return;
             c.send("HTTP/1.1 200 OK\r\n");
             c.drip("X-Drip: 1\r\n", milliseconds(200));
         },
         {"--no-probes", "--read-timeout", "1", "--timeout", "1"},
         2,
         {"no complete response within 1 s, the time limit for an exchange: the status line and headers had not arrived"},
         true},
        {"accepts_and_never_answers",
         [](HostileConnection& c) {
             if (c.read_head()) c.wait_for_close();
         },
         {"--no-probes", "--read-timeout", "1"},
         2,
         {"FAIL response arrives: no data for 1 s (the read timeout) while waiting for the status line and headers"},
         true},
        {"stalls_mid_body",
         [](HostileConnection& c) {
             if (!c.read_head()) return;
             c.send("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                    std::to_string(kTaskBody.size()) + "\r\n\r\n" + kTaskBody.substr(0, 100));
             c.wait_for_close();
         },
         {"--no-probes", "--read-timeout", "1"},
         2,
         {"FAIL response arrives: no data for 1 s (the read timeout) after 100 body bytes"},
         true},
        {"body_over_max_body_with_content_length",
         answer(response("200 OK", json_type, big)),
         {"--max-body", "1024"},
         2,
         {"the response declares a body of 4096 bytes, over the 1024-byte limit"},
         true},
        {"chunked_body_over_max_body",
         answer("HTTP/1.1 200 OK\r\n" + json_type + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
                chunked(big, 512)),
         {"--max-body", "1024"},
         2,
         {"the response body is over the 1024-byte limit"},
         true},
        {"body_until_close_over_max_body",
         answer("HTTP/1.1 200 OK\r\n" + json_type + "Connection: close\r\n\r\n" + big),
         {"--max-body", "1024", "--no-probes"},
         2,
         {"the response body is over the 1024-byte limit"},
         true},
        {"gzip_body_inflating_over_max_body",
         answer(response("200 OK", json_type + "Content-Encoding: gzip\r\n", gzip(std::string(1 << 20, ' ')))),
         {"--max-body", "65536", "--no-probes"},
         2,
         {"the response body is over the 65536-byte limit"},
         true},
        {"gzip_encoding_on_a_body_that_is_not",
         answer(response("200 OK", json_type + "Content-Encoding: gzip\r\n", kTaskBody)),
         kOneProbe,
         2,
         {"FAIL response arrives: the gzip-encoded body could not be decoded, or the connection was closed or reset "
          "during it"},
         true},
        {"invalid_utf8_and_escapes_in_the_body",
         answer(response("200 OK", json_type, "{\"taskId\": \"\xff\xfe\xc3\x28 \x1b[2J\x1b[31mforged\"}")),
         kOneProbe,
         1,
         {"FAIL body is JSON: the body does not parse as JSON", "\\xff\\xfe\\xc3(", "\\x1b[2J"},
         false,
         "http",
         [](const Ran& ran, const HostileServer&) {
             // The JSON report carries the bytes it cannot as U+FFFD.
             EXPECT_NE(ran.json.find("\xef\xbf\xbd"), std::string::npos);
         }},
        {"invalid_utf8_in_header_values",
         answer(response("200 \xff\xfe OK", "Content-Type: text/\xff\xfe\x1b[31m\r\nX-Note: \xc0\xaf\x07\r\n", kTaskBody)),
         kOneProbe,
         1,
         {"FAIL Content-Type is application/json: got text/\\xff\\xfe\\x1b[31m"},
         false},
        {"invalid_json",
         answer(response("200 OK", json_type, kTaskBody.substr(0, kTaskBody.size() / 2))),
         kOneProbe,
         1,
         {"FAIL body is JSON: the body does not parse as JSON"},
         false},
        {"wrong_content_type",
         answer(response("200 OK", "Content-Type: text/html; charset=utf-8\r\n", kTaskBody)),
         kOneProbe,
         1,
         {"FAIL Content-Type is application/json: got text/html; charset=utf-8"},
         false},
        {"missing_content_type",
         answer(response("200 OK", "", kTaskBody)),
         kOneProbe,
         1,
         {"FAIL Content-Type is application/json: no Content-Type header"},
         false},
        {"redirect_loop",
         [](HostileConnection& c) {
             if (!c.read_head()) return;
             // To the very path asked for: a client that follows loops.
             std::string target = c.head().substr(4, c.head().find(' ', 4) - 4);
             c.send(response("302 Found", "Location: " + target + "\r\n", ""));
         },
         kOneProbe,
         1,
         {"FAIL response is not a redirect: status 302 to /api/tasks/" + kTaskId,
          "taskconform reports redirects instead of following them", "FAIL status is documented"},
         false,
         "http",
         [](const Ran&, const HostileServer& server) {
             EXPECT_EQ(server.heads().size(), 1u) << "the redirect was followed";
         }},
        {"reset_mid_body",
         [](HostileConnection& c) {
             if (!c.read_head()) return;
             c.send("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                    std::to_string(kTaskBody.size()) + "\r\n\r\n" + kTaskBody.substr(0, kTaskBody.size() / 2));
             c.reset();
         },
         {},
         2,
         {"FAIL response arrives: the connection was closed or reset after ",
          " of " + std::to_string(kTaskBody.size()) + " body bytes"},
         true},
        {"closes_right_after_accept",
         [](HostileConnection& c) { c.close(); },
         {},
         2,
         // Before or after the request is written, depending on who is quicker.
         {"FAIL response arrives: the connection ", "closed or reset"},
         true},
        {"answers_what_is_not_http",
         answer(bytes("SSH-2.0-OpenSSH_9.2p1\r\n\x00\xff\xfe garbage\r\n\r\n")),
         {},
         2,
         {"FAIL response arrives: the connection was closed or reset before a complete status line and headers, or "
          "the reply is not an HTTP response"},
         true},
        {"https_against_plain_tcp",
         [](HostileConnection& c) {
             // What a plain HTTP server says to a TLS ClientHello.
             if (c.read_some()) c.send(response("400 Bad Request", "", ""));
         },
         kOneProbe,
         2,
         {"FAIL response arrives: the TLS handshake failed (does the server speak TLS on this port?)"},
         true,
         "https"},
    };
}

class HostileServerTest : public ::testing::TestWithParam<Scenario> {};

TEST_P(HostileServerTest, ClearMessageDocumentedExitCodeWellFormedReports) {
    const Scenario& scenario = GetParam();
    HostileServer server(scenario.behaviour);
    ASSERT_GT(server.port(), 0);
    Ran ran = taskconform(server.url(scenario.scheme), scenario.arguments);
    ASSERT_TRUE(ran.code) << "taskconform still running after " << kHang.count() << " s\n" << ran.out;
    EXPECT_EQ(*ran.code, scenario.exit_code) << ran.out << ran.err;
    EXPECT_GE(server.connections(), 1u);
    for (const std::string& expected : scenario.expected) {
        EXPECT_NE(ran.out.find(expected), std::string::npos) << "missing: " << expected << "\n" << ran.out;
    }
    EXPECT_TRUE(printable_utf8(ran.out)) << ran.out;
    EXPECT_TRUE(printable_utf8(ran.err)) << ran.err;
    // The summary line CI harnesses read is still last and intact.
    EXPECT_TRUE(std::regex_search(ran.out, std::regex("\ntaskconform: [0-9]+ passed, [1-9][0-9]* failed\n$"))) << ran.out;

    expect_valid_junit(ran.junit);
    EXPECT_EQ(ran.junit.find("type=\"transport\"") != std::string::npos, scenario.transport_error) << ran.junit;

    nlohmann::json report = nlohmann::json::parse(ran.json, nullptr, false);  // fails on invalid UTF-8 too
    ASSERT_FALSE(report.is_discarded()) << ran.json;
    EXPECT_EQ(report["passed"], false);
    EXPECT_GE(report["summary"]["failed"].get<int>(), 1);
    ASSERT_FALSE(report["probes"].empty());
    for (const auto& probe : report["probes"]) EXPECT_EQ(probe["transport_error"], scenario.transport_error);
    if (scenario.also) scenario.also(ran, server);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, HostileServerTest, ::testing::ValuesIn(scenarios()),
                         [](const ::testing::TestParamInfo<Scenario>& param) { return param.param.name; });

// A key pair and a self-signed certificate for it, as PEM files: made with
// OpenSSL's API at test time, so no certificate is checked in and no CLI
// tool is needed.
struct Certificate {
    std::filesystem::path cert;
    std::filesystem::path key;
};

Certificate make_certificate(const std::filesystem::path& dir, const std::string& common_name,
                             const std::string& alt_names) {
    EVP_PKEY* key = nullptr;
    EVP_PKEY_CTX* generator = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
    EXPECT_TRUE(generator != nullptr && EVP_PKEY_keygen_init(generator) == 1 &&
                EVP_PKEY_CTX_set_group_name(generator, "P-256") == 1 && EVP_PKEY_generate(generator, &key) == 1);
    EVP_PKEY_CTX_free(generator);

    X509* cert = X509_new();
    X509_set_version(cert, 2);  // v3, for the extensions
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name.c_str()),
                               -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, cert, cert, nullptr, nullptr, 0);
    // What `openssl req -x509` gives a self-signed certificate, plus the names.
    for (const auto& [nid, value] : std::vector<std::pair<int, std::string>>{
             {NID_basic_constraints, "critical,CA:TRUE"}, {NID_subject_key_identifier, "hash"}, {NID_subject_alt_name, alt_names}}) {
        X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
        EXPECT_NE(extension, nullptr) << value;
        X509_add_ext(cert, extension, -1);
        X509_EXTENSION_free(extension);
    }
    EXPECT_GT(X509_sign(cert, key, EVP_sha256()), 0);

    Certificate files{dir / "cert.pem", dir / "key.pem"};
    BIO* out = BIO_new_file(files.cert.c_str(), "w");
    PEM_write_bio_X509(out, cert);
    BIO_free(out);
    out = BIO_new_file(files.key.c_str(), "w");
    PEM_write_bio_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr);
    BIO_free(out);
    X509_free(cert);
    EVP_PKEY_free(key);
    return files;
}

// The taskmock pipeline (shipped fixtures, every variant under /<name>)
// behind httplib's TLS server on an ephemeral 127.0.0.1 port.
class TlsTaskServer {
public:
    explicit TlsTaskServer(const Certificate& certificate)
        : server_(certificate.cert.c_str(), certificate.key.c_str()) {
        Diagnostics diagnostics;
        std::string error;
        catalogue_ = load_catalogue(testing::default_options(), diagnostics, error);
        if (!catalogue_ || !server_.is_valid()) {
            ADD_FAILURE() << diagnostics.to_string() << error;
            return;
        }
        std::vector<MountConfig> mounts;
        for (const auto& variant : catalogue_->variants) mounts.push_back({variant, {}});
        pipeline_ = std::make_unique<Pipeline>(std::move(mounts), catalogue_->store, PipelineSettings{});
        server_.Get(".*", [this](const httplib::Request& in, httplib::Response& out) {
            Request request;
            request.method = in.method;
            request.path = in.path;
            for (const auto& [key, value] : in.params) request.query.emplace_back(key, value);
            for (const auto& [key, value] : in.headers) request.headers.emplace_back(key, value);
            Response response = pipeline_->handle(request);
            out.status = response.status;
            for (const auto& [key, value] : response.headers) out.set_header(key, value);
            if (!response.content_type.empty()) out.set_content(response.body, response.content_type.c_str());
        });
        port_ = server_.bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
    }
    ~TlsTaskServer() {
        if (!thread_.joinable()) return;
        // stop() only acts on a running server: wait for the loop to start.
        while (!server_.is_running()) std::this_thread::yield();
        server_.stop();
        thread_.join();
    }
    TlsTaskServer(const TlsTaskServer&) = delete;
    TlsTaskServer& operator=(const TlsTaskServer&) = delete;

    std::string url(const std::string& host = "127.0.0.1") const {
        return "https://" + host + ":" + std::to_string(port_) + "/conductor";
    }

private:
    httplib::SSLServer server_;
    std::optional<Catalogue> catalogue_;
    std::unique_ptr<Pipeline> pipeline_;
    std::thread thread_;
    int port_ = -1;
};

}  // namespace

TEST(TlsTest, ASelfSignedCertificateIsNotTrustedWithoutCaFile) {
    testing::TempDir temp;
    TlsTaskServer server(make_certificate(temp.path(), "localhost", "IP:127.0.0.1,DNS:localhost"));
    Ran ran = taskconform(server.url(), {});
    ASSERT_TRUE(ran.code) << ran.out;
    EXPECT_EQ(*ran.code, 2) << ran.out << ran.err;
    EXPECT_NE(ran.out.find("FAIL response arrives: the server's TLS certificate is not trusted: self-signed "
                           "certificate (give its CA with --ca-file)"),
              std::string::npos)
        << ran.out;
    expect_valid_junit(ran.junit);
}

TEST(TlsTest, WithItsCertificateAsCaFileEveryProbePassesOverHttps) {
    testing::TempDir temp;
    Certificate certificate = make_certificate(temp.path(), "localhost", "IP:127.0.0.1,DNS:localhost");
    TlsTaskServer server(certificate);
    Ran ran = taskconform(server.url(), {"--ca-file", certificate.cert.string()});
    ASSERT_TRUE(ran.code) << ran.out;
    EXPECT_EQ(*ran.code, 0) << ran.out << ran.err;
    EXPECT_NE(ran.out.find("PASS  task " + kTaskId + "  GET https://127.0.0.1:"), std::string::npos) << ran.out;
    EXPECT_NE(ran.out.find("PASS  unknown id"), std::string::npos) << ran.out;
    EXPECT_NE(ran.out.find(" 0 failed"), std::string::npos) << ran.out;
    expect_valid_junit(ran.junit);
}

TEST(TlsTest, ATrustedCertificateForAnotherHostIsRefused) {
    testing::TempDir temp;
    Certificate certificate = make_certificate(temp.path(), "elsewhere.example", "DNS:elsewhere.example");
    TlsTaskServer server(certificate);
    Ran ran = taskconform(server.url(), {"--ca-file", certificate.cert.string(), "--no-probes"});
    ASSERT_TRUE(ran.code) << ran.out;
    EXPECT_EQ(*ran.code, 2) << ran.out << ran.err;
    EXPECT_NE(ran.out.find("the server's TLS certificate is not trusted: the certificate does not name this host"),
              std::string::npos)
        << ran.out;
}

TEST(TlsTest, AnUnreadableCaFileIsAUsageError) {
    testing::TempDir temp;
    Ran ran = taskconform("https://127.0.0.1:1", {"--ca-file", (temp.path() / "missing.pem").string()});
    ASSERT_TRUE(ran.code) << ran.out;
    EXPECT_EQ(*ran.code, 2);
    EXPECT_NE(ran.err.find("taskconform: cannot read the --ca-file "), std::string::npos) << ran.err;
    EXPECT_TRUE(ran.out.empty()) << ran.out;  // nothing was sent
}

}  // namespace taskmock
