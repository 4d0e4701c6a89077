#include "conformance/transport.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>

#include <httplib.h>

namespace taskmock {

namespace {

bool same_name(const std::string& a, const std::string& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::string describe(httplib::Error error) {
    switch (error) {
        case httplib::Error::Connection: return "cannot connect";
        case httplib::Error::BindIPAddress: return "cannot bind the local address";
        case httplib::Error::Read: return "the connection failed while reading the response (reset, or a read timeout)";
        case httplib::Error::Write: return "the connection failed while sending the request";
        case httplib::Error::ExceedRedirectCount: return "too many redirects";
        case httplib::Error::Canceled: return "the exchange was cancelled";
        case httplib::Error::SSLConnection: return "the TLS handshake failed";
        case httplib::Error::SSLLoadingCerts: return "cannot load CA certificates";
        case httplib::Error::SSLServerVerification: return "the server's TLS certificate is not trusted";
        case httplib::Error::UnsupportedMultipartBoundaryChars: return "unsupported multipart boundary";
        case httplib::Error::Compression: return "the response body cannot be decompressed";
        case httplib::Error::ConnectionTimeout: return "the connection timed out";
        default: return "request failed (" + httplib::to_string(error) + ")";
    }
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
    auto start = std::chrono::steady_clock::now();
    auto deadline = start + std::chrono::duration<double>(settings_.total_timeout);
    std::string body;
    bool too_large = false;
    bool too_slow = false;
    // The whole exchange is bounded: a server that drips its body slowly
    // never trips a per-read timeout, so the receiver checks the clock.
    request.content_receiver = [&](const char* data, size_t length, uint64_t, uint64_t) {
        if (std::chrono::steady_clock::now() > deadline) {
            too_slow = true;
            return false;
        }
        if (body.size() + length > settings_.max_body) {
            too_large = true;
            return false;
        }
        body.append(data, length);
        return true;
    };
    request.progress = [&](uint64_t, uint64_t) {
        if (std::chrono::steady_clock::now() > deadline) too_slow = true;
        return !too_slow;
    };
    httplib::Response response;
    httplib::Error error = httplib::Error::Success;
    bool sent = impl_->client->send(request, response, error);
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (too_large) {
        result.error = "the response body is larger than " + std::to_string(settings_.max_body) + " bytes";
        return result;
    }
    if (too_slow) {
        result.error = "no complete response within " + std::to_string(static_cast<int>(settings_.total_timeout)) + " s";
        return result;
    }
    if (!sent) {
        result.error = describe(error);
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
