#include "conformance/transport.hpp"

// Messages name limits by what they are, not by a command-line option:
// taskconform and taskmock record both send through here and spell their
// options differently (--ca-file, which both take, is the exception).

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <thread>

#include <httplib.h>

namespace taskmock {

namespace {

bool same_name(const std::string& a, const std::string& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

// Seconds as given on the command line: "1", "0.5", "30".
std::string seconds_text(double seconds) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%g", seconds);
    return buffer;
}

std::string describe(httplib::Error error) {
    switch (error) {
        case httplib::Error::Connection: return "cannot connect";
        case httplib::Error::BindIPAddress: return "cannot bind the local address";
        case httplib::Error::Read: return "the connection failed while reading the response";
        case httplib::Error::Write: return "the connection failed while sending the request (closed or reset by the server)";
        case httplib::Error::ExceedRedirectCount: return "too many redirects";
        case httplib::Error::Canceled: return "the exchange was cancelled";
        case httplib::Error::SSLConnection:
            return "the TLS handshake failed (does the server speak TLS on this port?)";
        case httplib::Error::SSLLoadingCerts: return "cannot load the CA certificates (--ca-file, or the system store)";
        case httplib::Error::SSLServerVerification: return "the server's TLS certificate is not trusted";
        case httplib::Error::UnsupportedMultipartBoundaryChars: return "unsupported multipart boundary";
        case httplib::Error::Compression: return "the response body cannot be decompressed";
        case httplib::Error::ConnectionTimeout: return "the connection timed out";
        default: return "request failed (" + httplib::to_string(error) + ")";
    }
}

// Why verification failed, from OpenSSL's verify result: a chain problem
// ("self-signed certificate"), or, when the chain was fine, a certificate
// that does not name the host of the base URL.
std::string verification_reason(long verify_result) {
    if (verify_result == X509_V_OK) return ": the certificate does not name this host";
    return std::string(": ") + X509_verify_cert_error_string(verify_result) + " (give its CA with --ca-file)";
}

// The Content-Length of a response, when it has a well-formed one.
std::optional<std::uint64_t> declared_length(const httplib::Response& response) {
    if (!response.has_header("Content-Length")) return std::nullopt;
    const std::string text = response.get_header_value("Content-Length");
    if (text.empty() || text.size() > 19 || !std::all_of(text.begin(), text.end(), [](char c) {
            return std::isdigit(static_cast<unsigned char>(c)) != 0;
        })) {
        return std::nullopt;
    }
    return std::stoull(text);
}

void set_timeout(httplib::Client& client, double seconds, bool read) {
    auto whole = static_cast<time_t>(seconds);
    auto micros = static_cast<time_t>((seconds - static_cast<double>(whole)) * 1e6);
    if (read) client.set_read_timeout(whole, micros);
    else client.set_connection_timeout(whole, micros);
}

}  // namespace

std::string HttpResult::header(const std::string& name) const {
    for (const auto& [key, value] : headers) {
        if (same_name(key, name)) return value;
    }
    return "";
}

struct Transport::Impl {
    std::unique_ptr<httplib::Client> client;
};

Transport::~Transport() = default;

std::unique_ptr<Transport> Transport::open(const std::string& base_url, const TransportSettings& settings,
                                           std::string& error) {
    std::size_t scheme_end = base_url.find("://");
    if (scheme_end == std::string::npos) {
        error = "the base URL must start with http:// or https://: " + base_url;
        return nullptr;
    }
    std::string scheme = base_url.substr(0, scheme_end);
    if (scheme != "http" && scheme != "https") {
        error = "unsupported scheme \"" + scheme + "\" in " + base_url;
        return nullptr;
    }
    std::size_t path_start = base_url.find('/', scheme_end + 3);
    std::string authority = base_url.substr(0, path_start);
    std::string prefix = path_start == std::string::npos ? "" : base_url.substr(path_start);
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
    if (authority.size() <= scheme_end + 3) {
        error = "no host in " + base_url;
        return nullptr;
    }

    std::unique_ptr<Transport> transport(new Transport());
    transport->impl_ = std::make_unique<Impl>();
    transport->impl_->client = std::make_unique<httplib::Client>(authority);
    httplib::Client& client = *transport->impl_->client;
    if (!client.is_valid()) {
        error = "cannot use the base URL " + base_url;
        return nullptr;
    }
    set_timeout(client, settings.connect_timeout, false);
    set_timeout(client, settings.read_timeout, true);
    client.set_follow_location(false);  // a redirect is a finding, not a detour
    client.set_keep_alive(true);
    client.set_tcp_nodelay(true);
    if (scheme == "https") {
        if (!settings.ca_file.empty()) client.set_ca_cert_path(settings.ca_file.c_str());
        client.enable_server_certificate_verification(settings.verify_tls);
    }
    transport->prefix_ = prefix;
    transport->settings_ = settings;
    return transport;
}

HttpResult Transport::send(const HttpCall& call) {
    HttpResult result;
    httplib::Request request;
    request.method = call.method;
    request.path = prefix_ + call.target;
    for (const auto& [key, value] : call.headers) request.headers.emplace(key, value);
    if (!call.body.empty()) {
        request.body = call.body;
        request.headers.emplace("Content-Type", call.content_type.empty() ? "application/json" : call.content_type);
    }
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(settings_.total_timeout));
    // Only this thread touches these; the watchdog sees `expired` alone.
    std::string body;
    bool too_large = false;
    std::optional<std::uint64_t> declared;  // Content-Length, when the response had one
    bool head_received = false;
    std::string encoding;  // Content-Encoding: httplib decodes gzip, deflate and br itself
    auto last_data = start;
    std::atomic<bool> expired{false};

    request.response_handler = [&](const httplib::Response& response) {
        head_received = true;
        last_data = Clock::now();
        declared = declared_length(response);
        encoding = response.get_header_value("Content-Encoding");
        // A declared length over the cap fails before any body is read.
        if (declared && *declared > settings_.max_body) too_large = true;
        return !too_large;
    };
    request.content_receiver = [&](const char* data, size_t length, uint64_t, uint64_t) {
        last_data = Clock::now();
        if (expired || last_data > deadline) {
            expired = true;
            return false;
        }
        if (body.size() + length > settings_.max_body) {
            too_large = true;
            return false;
        }
        body.append(data, length);
        return true;
    };

    // The whole exchange is bounded: a server that drips its status line,
    // headers or body never trips the per-read timeout, and httplib calls
    // nothing of ours until the headers are complete. At the deadline the
    // watchdog shuts the socket down, which fails the read in progress.
    std::mutex mutex;
    std::condition_variable finished_changed;
    bool finished = false;
    std::thread watchdog([&] {
        std::unique_lock<std::mutex> lock(mutex);
        if (finished_changed.wait_until(lock, deadline, [&] { return finished; })) return;
        expired = true;
        impl_->client->stop();
    });
    httplib::Response response;
    httplib::Error error = httplib::Error::Success;
    bool sent = impl_->client->send(request, response, error);
    {
        std::lock_guard<std::mutex> lock(mutex);
        finished = true;
    }
    finished_changed.notify_one();
    watchdog.join();

    const auto end = Clock::now();
    result.seconds = std::chrono::duration<double>(end - start).count();
    if (too_large) {
        result.error = declared && *declared > settings_.max_body
                           ? "the response declares a body of " + std::to_string(*declared) + " bytes, over the " +
                                 std::to_string(settings_.max_body) + "-byte limit"
                           : "the response body is over the " + std::to_string(settings_.max_body) + "-byte limit";
        return result;
    }
    if (!sent && expired) {
        result.error = "no complete response within " + seconds_text(settings_.total_timeout) +
                       " s, the time limit for an exchange: " +
                       (head_received ? std::to_string(body.size()) + " body bytes had arrived"
                                      : std::string("the status line and headers had not arrived"));
        return result;
    }
    if (!sent) {
        result.error = describe(error);
        if (error == httplib::Error::Read) {
            // httplib reports a read timeout, a close, a reset and a reply
            // that is not HTTP alike; the quiet time before the failure
            // tells a timeout from the rest (select never wakes early).
            const bool timed_out = std::chrono::duration<double>(end - last_data).count() >= settings_.read_timeout * 0.95;
            if (timed_out) {
                result.error = "no data for " + seconds_text(settings_.read_timeout) + " s (the read timeout)";
                result.error += head_received ? " after " + std::to_string(body.size()) + " body bytes"
                                              : " while waiting for the status line and headers";
            } else if (head_received && !encoding.empty()) {
                // httplib reports a body it cannot decode as a failed read.
                result.error = "the " + encoding +
                               "-encoded body could not be decoded, or the connection was closed or reset during it";
            } else if (head_received) {
                result.error = "the connection was closed or reset after " + std::to_string(body.size()) +
                               (declared ? " of " + std::to_string(*declared) + " body bytes"
                                         : std::string(" body bytes, or the chunked body is malformed"));
            } else {
                result.error = "the connection was closed or reset before a complete status line and headers, "
                               "or the reply is not an HTTP response";
            }
        } else if (error == httplib::Error::SSLServerVerification) {
            result.error += verification_reason(impl_->client->get_openssl_verify_result());
        }
        return result;
    }
    result.ok = true;
    result.status = response.status;
    for (const auto& [key, value] : response.headers) result.headers.emplace_back(key, value);
    result.body = std::move(body);
    return result;
}

std::string percent_encode(const std::string& text) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += c;
        } else {
            out += '%';
            out += hex[u >> 4];
            out += hex[u & 15];
        }
    }
    return out;
}

}  // namespace taskmock
