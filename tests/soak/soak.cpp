// soak: a bounded load driver for a running taskmock (scripts/soak starts
// one). Threads send mixed valid and hostile traffic to every variant for a
// fixed time while the server's resident memory (VmRSS) is sampled every
// second. Exit 1 when a valid request got a wrong status or no answer, or
// when memory grew after warm-up beyond the threshold; 2 on a usage error.
//
// Credentials come from the same environment variables taskmock reads, so
// the driver and the server agree; they are never printed.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "core/base64.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Settings {
    int port = 0;
    long pid = 0;
    int seconds = 120;
    int threads = 8;
    double warm_up_fraction = 0.1;
    bool rss_bound = true;
};

// RSS may grow after warm-up by the larger of these (see docs/reliability.md):
// glibc keeps freed memory in per-thread arenas and the worker pool may grow
// and shrink, which moves VmRSS by a few MiB without any leak; a leak of even
// 100 bytes per request passes 8 MiB within a minute at this load.
constexpr long kThresholdKib = 8 * 1024;
constexpr double kThresholdFraction = 0.10;

long rss_kib(long pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    }
    return -1;
}

std::string env(const char* name) {
    const char* value = std::getenv(name);
    return value ? value : "";
}

// ---------------------------------------------------------------- connection

struct Reply {
    int status = 0;
    std::string body;
    bool closes = false;
};

// One client connection that sends exactly the bytes it is given.
class Connection {
public:
    explicit Connection(int port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        timeval limit{10, 0};  // no wait on the server is unbounded
        setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
        setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(static_cast<uint16_t>(port));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }
    ~Connection() {
        if (fd_ >= 0) ::close(fd_);
    }
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    bool ok() const { return fd_ >= 0; }

    bool send(std::string_view data) {
        std::size_t sent = 0;
        while (sent < data.size()) {
            ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) return false;
            sent += static_cast<std::size_t>(n);
        }
        return true;
    }

    std::optional<Reply> read_reply() {
        std::size_t end;
        while ((end = buffered_.find("\r\n\r\n")) == std::string::npos) {
            if (!receive()) return std::nullopt;
        }
        std::string head = buffered_.substr(0, end + 4);
        if (head.rfind("HTTP/1.1 ", 0) != 0 || head.size() < 12) return std::nullopt;
        Reply reply;
        reply.status = std::atoi(head.c_str() + 9);
        reply.closes = head.find("\r\nConnection: close\r\n") != std::string::npos;
        std::size_t length = 0;
        std::size_t at = head.find("\r\nContent-Length: ");
        if (at != std::string::npos) length = std::strtoul(head.c_str() + at + 18, nullptr, 10);
        while (buffered_.size() < end + 4 + length) {
            if (!receive()) return std::nullopt;
        }
        reply.body = buffered_.substr(end + 4, length);
        buffered_.erase(0, end + 4 + length);
        return reply;
    }

    // Closes with a reset (RST) instead of an orderly FIN.
    void reset() {
        linger abort{1, 0};
        setsockopt(fd_, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
        ::close(fd_);
        fd_ = -1;
    }

private:
    bool receive() {
        char buffer[16384];
        ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
        if (n <= 0) return false;
        buffered_.append(buffer, static_cast<std::size_t>(n));
        return true;
    }

    int fd_ = -1;
    std::string buffered_;
};

// ---------------------------------------------------------------- traffic

struct Variant {
    std::string name;
    std::string tasks;        // path up to the id
    std::string found;        // id of a shipped fixture
    std::string unknown;      // well-formed id no fixture has
    std::string malformed;    // id that breaks the variant's id format
    int malformed_status;
    std::string credential;   // header line that authenticates; empty: no auth
    std::string wrong;        // header line with a rejected credential
};

// A request and the status it must get.
struct Exchange {
    std::string kind;  // for reports; never holds a credential
    std::string request;
    int expected;
};

std::string get(const std::string& path, const std::string& headers = "") {
    return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + "\r\n";
}

std::string post_json(const std::string& path, const std::string& body, const std::string& headers = "") {
    return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n" + headers + "\r\n" + body;
}

std::string token_body(const std::string& id, const std::string& secret) {
    return "{\"keyId\":\"" + id + "\",\"keySecret\":\"" + secret + "\"}";
}

// The token from an Orkes token answer {"token":"..."}.
std::string token_of(const std::string& body) {
    const std::string key = "\"token\":\"";
    std::size_t at = body.find(key);
    if (at == std::string::npos) return "";
    std::size_t end = body.find('"', at + key.size());
    return end == std::string::npos ? "" : body.substr(at + key.size(), end - at - key.size());
}

struct Counts {
    std::atomic<long> requests{0};
    std::atomic<long> hostile{0};
    std::atomic<long> by_class[6]{};  // [0]: unparseable, [1..5]: 1xx..5xx
    std::atomic<long> connection_errors{0};  // valid requests without an answer
    std::atomic<long> hostile_closed{0};     // hostile requests answered by a close, as allowed
    std::atomic<long> wrong{0};

    void answered(int status) { ++by_class[status >= 100 && status < 600 ? status / 100 : 0]; }
};

class Driver {
public:
    Driver(const Settings& settings, std::vector<Variant> variants, std::string key_id, std::string key_secret)
        : settings_(settings), variants_(std::move(variants)), key_id_(std::move(key_id)), key_secret_(std::move(key_secret)) {}

    // One thread's traffic until the deadline.
    void run(unsigned seed, Clock::time_point deadline) {
        std::mt19937 random(seed);
        std::string token = exchange_token();
        std::unique_ptr<Connection> kept;
        while (Clock::now() < deadline) {
            int pick = static_cast<int>(random() % 100);
            if (pick < 6) {
                hostile(static_cast<int>(random() % 5), random);
                continue;
            }
            if (pick < 8) {
                pipelined(token);
                continue;
            }
            Exchange exchange = valid(random, token);
            // One in five on a new connection of its own, the rest kept alive.
            if (pick < 28) {
                Connection fresh(settings_.port);
                check(fresh, exchange);
                continue;
            }
            if (!kept || !kept->ok()) kept = std::make_unique<Connection>(settings_.port);
            if (!check(*kept, exchange)) kept.reset();
        }
    }

    const Counts& counts() const { return counts_; }

    std::vector<std::string> failures() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return failures_;
    }

private:
    std::string exchange_token() {
        Connection connection(settings_.port);
        Exchange exchange{"orkes token", post_json("/orkes/api/token", token_body(key_id_, key_secret_)), 200};
        std::optional<Reply> reply;
        if (connection.ok() && connection.send(exchange.request)) reply = connection.read_reply();
        ++counts_.requests;
        if (reply) counts_.answered(reply->status);
        if (!reply || reply->status != 200 || token_of(reply->body).empty()) {
            fail(exchange, reply ? reply->status : 0);
            return "";
        }
        return token_of(reply->body);
    }

    Exchange valid(std::mt19937& random, const std::string& token) {
        const Variant& v = variants_[random() % variants_.size()];
        std::string credential = v.name == "orkes" ? "X-Authorization: " + token + "\r\n" : v.credential;
        switch (random() % 10) {
            case 0: return {v.name + " unknown id", get(v.tasks + v.unknown, credential), 404};
            case 1: return {v.name + " malformed id", get(v.tasks + v.malformed, credential), v.malformed_status};
            case 2: return {v.name + " no credentials", get(v.tasks + v.found), credential.empty() ? 200 : 401};
            case 3:
                if (v.wrong.empty()) break;
                return {v.name + " wrong credentials", get(v.tasks + v.found, v.wrong), 401};
            case 4: return {v.name + " bad Accept", get(v.tasks + v.found, credential + "Accept: text/html\r\n"), 406};
            case 5:
                if (v.name == "oracle-bpm") {
                    return random() % 2 == 0
                               ? Exchange{"oracle-bpm expand", get(v.tasks + v.found + "?expand=comments,history", credential), 200}
                               : Exchange{"oracle-bpm bad expand", get(v.tasks + v.found + "?expand=everything", credential), 400};
                }
                if (v.name == "orkes") {
                    switch (random() % 3) {
                        case 0: return {"orkes token", post_json("/orkes/api/token", token_body(key_id_, key_secret_)), 200};
                        case 1: return {"orkes token wrong secret", post_json("/orkes/api/token", token_body(key_id_, "guess")), 401};
                        default: return {"orkes token not JSON", post_json("/orkes/api/token", "keyId=x"), 400};
                    }
                }
                break;
            default: break;
        }
        return {v.name + " found", get(v.tasks + v.found, credential), 200};
    }

    // Sends one valid exchange; false when the connection is no use after it.
    bool check(Connection& connection, const Exchange& exchange) {
        ++counts_.requests;
        std::optional<Reply> reply;
        if (connection.ok() && connection.send(exchange.request)) reply = connection.read_reply();
        if (!reply) {
            ++counts_.connection_errors;
            fail(exchange, 0);
            return false;
        }
        counts_.answered(reply->status);
        if (reply->status != exchange.expected) fail(exchange, reply->status);
        return !reply->closes;
    }

    // Five requests in one send(), answered in order.
    void pipelined(const std::string& token) {
        const Variant& orkes = *std::find_if(variants_.begin(), variants_.end(), [](const Variant& v) { return v.name == "orkes"; });
        const Variant& conductor = *std::find_if(variants_.begin(), variants_.end(), [](const Variant& v) { return v.name == "conductor"; });
        std::vector<Exchange> batch{
            {"pipelined conductor found", get(conductor.tasks + conductor.found), 200},
            {"pipelined orkes found", get(orkes.tasks + orkes.found, "X-Authorization: " + token + "\r\n"), 200},
            {"pipelined conductor unknown", get(conductor.tasks + conductor.unknown), 404},
            {"pipelined orkes token", post_json("/orkes/api/token", token_body(key_id_, key_secret_)), 200},
            {"pipelined conductor malformed", get(conductor.tasks + conductor.malformed), 400},
        };
        std::string all;
        for (const Exchange& exchange : batch) all += exchange.request;
        Connection connection(settings_.port);
        bool sent = connection.ok() && connection.send(all);
        for (const Exchange& exchange : batch) {
            ++counts_.requests;
            std::optional<Reply> reply;
            if (sent) reply = connection.read_reply();
            if (!reply) {
                ++counts_.connection_errors;
                fail(exchange, 0);
                sent = false;
                continue;
            }
            counts_.answered(reply->status);
            if (reply->status != exchange.expected) fail(exchange, reply->status);
        }
    }

    // Requests no client should send; each has the answer it must get, or
    // none (a reset, or a close where the server may close).
    void hostile(int which, std::mt19937& random) {
        ++counts_.requests;
        ++counts_.hostile;
        Connection connection(settings_.port);
        if (!connection.ok()) {
            ++counts_.connection_errors;
            return;
        }
        const Variant& conductor = variants_[0];
        Exchange exchange;
        switch (which) {
            case 0: {
                std::string garbage(200 + random() % 800, '\0');
                for (char& c : garbage) c = static_cast<char>(random() % 256);
                exchange = {"garbage", garbage + "\r\n\r\n", 400};
                break;
            }
            case 1:
                exchange = {"oversized header", get(conductor.tasks + conductor.found, "X-Big: " + std::string(100 * 1024, 'b') + "\r\n"), 431};
                break;
            case 2: exchange = {"oversized request line", get("/" + std::string(100 * 1024, 'x')), 414}; break;
            case 3:  // reset in the middle of the head
                connection.send("GET " + conductor.tasks + conductor.found + " HTTP/1.1\r\nHost: 127.");
                connection.reset();
                return;
            default:  // reset in the middle of the body
                connection.send("POST /orkes/api/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{\"keyId\":");
                connection.reset();
                return;
        }
        std::optional<Reply> reply;
        if (connection.send(exchange.request)) reply = connection.read_reply();
        if (!reply) {
            ++counts_.hostile_closed;
            return;
        }
        counts_.answered(reply->status);
        if (reply->status != exchange.expected) fail(exchange, reply->status);
    }

    void fail(const Exchange& exchange, int status) {
        ++counts_.wrong;
        std::lock_guard<std::mutex> lock(mutex_);
        if (failures_.size() < 20) {
            failures_.push_back(exchange.kind + ": expected " + std::to_string(exchange.expected) + ", got " +
                                (status == 0 ? std::string("no answer") : std::to_string(status)));
        }
    }

    const Settings& settings_;
    std::vector<Variant> variants_;
    std::string key_id_;
    std::string key_secret_;
    Counts counts_;
    mutable std::mutex mutex_;
    std::vector<std::string> failures_;
};

// ---------------------------------------------------------------- sampling

struct Sample {
    double seconds;
    long rss_kib;
    long requests;
};

double mib(long kib) { return static_cast<double>(kib) / 1024.0; }

void usage() {
    std::cerr << "usage: soak --port N --pid PID [--seconds S] [--threads T] [--no-rss-bound]\n"
                 "  Drives a running taskmock (started with credentials in TASKMOCK_MAXSIGHT_CREDENTIAL,\n"
                 "  TASKMOCK_ORACLE_BPM_CREDENTIAL, TASKMOCK_COGNIGY_CREDENTIAL, TASKMOCK_ORKES_KEY_ID and\n"
                 "  TASKMOCK_ORKES_KEY_SECRET, which the driver reads too) for S seconds (default 120).\n"
                 "  --no-rss-bound: report memory without failing on it (sanitizer builds).\n";
}

std::optional<Settings> parse(int argc, char** argv) {
    Settings settings;
    for (int i = 1; i < argc; ++i) {
        std::string argument = argv[i];
        if (argument == "--no-rss-bound") {
            settings.rss_bound = false;
            continue;
        }
        if (i + 1 >= argc) return std::nullopt;
        char* end = nullptr;
        long value = std::strtol(argv[++i], &end, 10);
        if (*end != '\0' || value <= 0) return std::nullopt;
        if (argument == "--port" && value < 65536) settings.port = static_cast<int>(value);
        else if (argument == "--pid") settings.pid = value;
        else if (argument == "--seconds" && value <= 86400) settings.seconds = static_cast<int>(value);
        else if (argument == "--threads" && value <= 256) settings.threads = static_cast<int>(value);
        else return std::nullopt;
    }
    if (settings.port == 0 || settings.pid == 0) return std::nullopt;
    return settings;
}

}  // namespace

int main(int argc, char** argv) {
    auto parsed = parse(argc, argv);
    if (!parsed) {
        usage();
        return 2;
    }
    const Settings settings = *parsed;
    const std::string maxsight = env("TASKMOCK_MAXSIGHT_CREDENTIAL");
    const std::string oracle = env("TASKMOCK_ORACLE_BPM_CREDENTIAL");
    const std::string cognigy = env("TASKMOCK_COGNIGY_CREDENTIAL");
    const std::string key_id = env("TASKMOCK_ORKES_KEY_ID");
    const std::string key_secret = env("TASKMOCK_ORKES_KEY_SECRET");
    if (maxsight.empty() || oracle.empty() || cognigy.empty() || key_id.empty() || key_secret.empty()) {
        std::cerr << "soak: the credential variables must be set, for taskmock and the driver alike\n";
        usage();
        return 2;
    }
    const long rss_start = rss_kib(settings.pid);
    if (rss_start < 0) {
        std::cerr << "soak: cannot read /proc/" << settings.pid << "/status\n";
        return 2;
    }

    // Conductor first: the hostile requests use its paths.
    std::vector<Variant> variants{
        {"conductor", "/conductor/api/tasks/", "0c658ed7-becd-11ef-a89d-86a819bd92bf",
         "00000000-0000-1000-8000-000000000000", "a%01b", 400, "", ""},
        {"maxsight", "/maxsight/v5/tasks/", "497f6eca-6276-4993-bfeb-53cbbbba6f08", "00000000-0000-4000-8000-000000000000",
         "not-a-uuid", 404, "apikey: " + maxsight + "\r\n", "apikey: wrong\r\n"},
        {"orkes", "/orkes/api/tasks/", "65fc73fe-0586-11f1-8b8d-6219b54da7fe", "00000000-0000-1000-8000-000000000000",
         "not-a-uuid", 400, "", "X-Authorization: forged\r\n"},
        {"oracle-bpm", "/oracle-bpm/bpm/api/4.0/tasks/", "215419", "999999", "TASK-1", 400,
         "Authorization: Basic " + taskmock::base64_encode(oracle) + "\r\n",
         "Authorization: Basic " + taskmock::base64_encode("soak:guess") + "\r\n"},
        {"cognigy", "/cognigy/new/v2.0/tasks/", "69956a7818f58a6f40119c35", "000000000000000000000000", "12345", 400,
         "X-API-Key: " + cognigy + "\r\n", "X-API-Key: wrong\r\n"},
    };
    Driver driver(settings, std::move(variants), key_id, key_secret);

    const Clock::time_point start = Clock::now();
    const Clock::time_point deadline = start + std::chrono::seconds(settings.seconds);
    std::vector<std::thread> threads;
    for (int i = 0; i < settings.threads; ++i) {
        threads.emplace_back([&driver, i, deadline] { driver.run(static_cast<unsigned>(1000 + i), deadline); });
    }

    // One sample a second; a table row every `every` samples.
    const int every = std::max(1, settings.seconds / 30);
    std::printf("soak: %d s, %d threads, taskmock pid %ld on port %d\n", settings.seconds, settings.threads, settings.pid,
                settings.port);
    std::printf("%8s %10s %9s %9s %9s %8s %8s %9s\n", "time s", "requests", "2xx", "4xx", "5xx", "hostile", "errors",
                "RSS MiB");
    std::vector<Sample> samples{{0.0, rss_start, 0}};
    for (int second = 1; second <= settings.seconds; ++second) {
        std::this_thread::sleep_until(start + std::chrono::seconds(second));  // the sampling pace, not a wait for an event
        long rss = rss_kib(settings.pid);
        if (rss < 0) {
            std::fprintf(stderr, "soak: taskmock (pid %ld) is gone\n", settings.pid);
            break;
        }
        const Counts& c = driver.counts();
        samples.push_back({static_cast<double>(second), rss, c.requests.load()});
        if (second % every == 0 || second == settings.seconds) {
            std::printf("%8d %10ld %9ld %9ld %9ld %8ld %8ld %9.1f\n", second, c.requests.load(), c.by_class[2].load(),
                        c.by_class[4].load(), c.by_class[5].load(), c.hostile.load(), c.connection_errors.load(), mib(rss));
            std::fflush(stdout);
        }
    }
    for (std::thread& thread : threads) thread.join();

    const long rss_end = rss_kib(settings.pid);
    const double warm_up_at = settings.warm_up_fraction * settings.seconds;
    long rss_warm = rss_start;
    for (const Sample& sample : samples) {
        if (sample.seconds >= warm_up_at) {
            rss_warm = sample.rss_kib;
            break;
        }
    }
    long peak = rss_end;
    for (const Sample& sample : samples) peak = std::max(peak, sample.rss_kib);
    const long allowed = std::max(kThresholdKib, static_cast<long>(kThresholdFraction * static_cast<double>(rss_warm)));
    const Counts& c = driver.counts();
    const bool grew = rss_end < 0 || rss_end - rss_warm > allowed;
    const bool wrong = c.wrong.load() > 0;

    for (const std::string& failure : driver.failures()) std::printf("soak: wrong: %s\n", failure.c_str());
    std::printf(
        "soak: %d s, requests %ld (2xx %ld, 3xx %ld, 4xx %ld, 5xx %ld, unparseable %ld), hostile %ld (closed %ld), "
        "connection errors %ld, wrong %ld; RSS start %.1f MiB, after warm-up %.1f MiB, end %.1f MiB, peak %.1f MiB "
        "(end - warm-up %+.1f MiB, allowed %.1f MiB%s): %s\n",
        settings.seconds, c.requests.load(), c.by_class[2].load(), c.by_class[3].load(), c.by_class[4].load(),
        c.by_class[5].load(), c.by_class[0].load(), c.hostile.load(), c.hostile_closed.load(),
        c.connection_errors.load(), c.wrong.load(), mib(rss_start), mib(rss_warm), mib(rss_end), mib(peak),
        mib(rss_end - rss_warm), mib(allowed), settings.rss_bound ? "" : ", not enforced",
        wrong || (settings.rss_bound && grew) ? "FAIL" : "PASS");
    return wrong || (settings.rss_bound && grew) ? 1 : 0;
}
