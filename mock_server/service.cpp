#include "mock_server/service.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <random>

#include "mock_server/auth.hpp"

namespace taskmock {

namespace {

// Latency is for testing timeouts and retries, not for hanging a client:
// no single delay is longer than this.
constexpr double kMaxDelayMs = 60'000;

// Header and query names that carry credentials in any mounted variant.
std::vector<std::string> secret_names(const std::vector<MountConfig>& mounts, AuthSchemeType type) {
    std::vector<std::string> names;
    for (const MountConfig& mount : mounts) {
        for (const AuthScheme& scheme : mount.variant.auth.schemes) {
            if (scheme.type == type) names.push_back(scheme.name);
        }
    }
    return names;
}

std::string session_of(const Request& request) {
    const std::string* session = request.header(kSessionHeader);
    return session == nullptr ? "" : *session;
}

}  // namespace

MockService::MockService(std::vector<MountConfig> mounts, std::map<std::string, Schema> task_schemas,
                         FixtureStore store, ServiceSettings settings)
    : mounts_(std::move(mounts)),
      task_schemas_(std::move(task_schemas)),
      settings_(std::move(settings)),
      secret_query_names_(secret_names(mounts_, AuthSchemeType::query)),
      journal_(settings_.journal_size, secret_names(mounts_, AuthSchemeType::header), secret_query_names_) {
    if (!settings_.pipeline.clock) settings_.pipeline.clock = std::make_shared<Clock>();
    if (!settings_.pipeline.sessions) settings_.pipeline.sessions = std::make_shared<Sessions>();
    snapshot_ = make_snapshot(std::move(store));
    for (FaultRule& rule : settings_.faults) faults_.push_back({"f" + std::to_string(next_fault_++), std::move(rule)});
}

MockService::~MockService() {
    watching_ = false;
    if (watcher_.joinable()) watcher_.join();
}

std::shared_ptr<const MockService::Snapshot> MockService::make_snapshot(FixtureStore store) const {
    return std::make_shared<const Snapshot>(std::move(store), mounts_, settings_.pipeline);
}

std::shared_ptr<const MockService::Snapshot> MockService::current() const {
    std::lock_guard<std::mutex> lock(snapshot_mutex_);
    return snapshot_;
}

std::vector<Pipeline::MountInfo> MockService::mounts() const { return current()->pipeline.mounts(); }
std::size_t MockService::fixture_count() const { return current()->store.size(); }

Response MockService::handle(const Request& request) {
    if (settings_.admin.enabled && request.path.starts_with(kAdminPrefix)) return admin(request);
    std::shared_ptr<const Snapshot> snapshot = current();
    Response response = snapshot->pipeline.handle(request);
    apply_faults(*snapshot, request, response);
    journal_.record(request, response, settings_.pipeline.clock->now());
    return response;
}

double MockService::latency_of(const FaultRule& rule, const std::string& session) {
    double ms = 0;
    switch (rule.distribution) {
        case FaultRule::Distribution::fixed: ms = rule.ms; break;
        case FaultRule::Distribution::uniform:
            ms = settings_.pipeline.sessions->draw(session, [&](std::mt19937_64& random) {
                return std::uniform_real_distribution<double>(rule.min_ms, std::max(rule.min_ms, rule.max_ms))(random);
            });
            break;
        case FaultRule::Distribution::lognormal:
            ms = settings_.pipeline.sessions->draw(session, [&](std::mt19937_64& random) {
                return std::lognormal_distribution<double>(std::log(rule.median_ms), rule.sigma)(random);
            });
            break;
    }
    return std::clamp(ms, 0.0, kMaxDelayMs);
}

void MockService::apply_faults(const Snapshot& snapshot, const Request& request, Response& response) {
    std::vector<NamedRule> rules;
    if (!response.task_id.empty()) {
        if (const Fixture* fixture = snapshot.store.find(response.variant, response.task_id)) {
            for (std::size_t i = 0; i < fixture->faults.size(); ++i) {
                rules.push_back({fixture->variant + "/" + fixture->id + "#" + std::to_string(i), fixture->faults[i]});
            }
        }
    }
    {
        std::lock_guard<std::mutex> lock(faults_mutex_);
        rules.insert(rules.end(), faults_.begin(), faults_.end());
    }
    if (rules.empty()) return;
    const std::string session = session_of(request);
    for (const NamedRule& named : rules) {
        const FaultRule& rule = named.rule;
        if (!rule.variant.empty() && rule.variant != response.variant) continue;
        if (!rule.task.empty() && rule.task != response.task_id) continue;
        if (!rule.path.empty() && !request.path.starts_with(rule.path)) continue;
        const std::uint64_t n = settings_.pipeline.sessions->count(session, named.id);
        bool fires = true;
        if (!rule.requests.empty()) {
            fires = std::find(rule.requests.begin(), rule.requests.end(), n) != rule.requests.end();
        } else if (rule.probability) {
            fires = settings_.pipeline.sessions->draw(session, [](std::mt19937_64& random) {
                        return std::uniform_real_distribution<double>(0.0, 1.0)(random);
                    }) < *rule.probability;
        }
        if (!fires) continue;
        response.fault += (response.fault.empty() ? "" : ",") + kind_name(rule.kind);
        switch (rule.kind) {
            case FaultRule::Kind::latency: response.delay_ms = std::min(kMaxDelayMs, response.delay_ms + latency_of(rule, session)); break;
            case FaultRule::Kind::status: {
                std::optional<Response> error = snapshot.pipeline.error_for(response.variant, rule.status, request);
                Response replaced = error ? std::move(*error)
                                          : mock_error(rule.status, "fault", "Injected fault",
                                                       "A fault rule answered this request with status " +
                                                           std::to_string(rule.status) + ".");
                if (rule.retry_after) replaced.headers.emplace_back("Retry-After", std::to_string(*rule.retry_after));
                replaced.variant = response.variant;
                replaced.task_id = response.task_id;
                replaced.fixture = response.fixture;
                replaced.state = response.state;
                replaced.fault = response.fault;
                replaced.delay_ms = response.delay_ms;
                response = std::move(replaced);
                break;
            }
            case FaultRule::Kind::reset: response.delivery = Response::Delivery::reset; break;
            case FaultRule::Kind::empty: response.delivery = Response::Delivery::empty; break;
            case FaultRule::Kind::malformed:
                // Cut mid-value: no parser accepts it, and the Content-Length
                // still matches, so only the body is broken.
                response.body = response.body.substr(0, response.body.size() / 2);
                break;
            case FaultRule::Kind::dribble:
                response.delivery = Response::Delivery::dribble;
                response.bytes_per_second = rule.bytes_per_second;
                break;
        }
        response.headers.emplace_back("X-Taskmock-Fault", kind_name(rule.kind));
    }
}

bool MockService::reload(Diagnostics& diagnostics) {
    std::lock_guard<std::mutex> change(change_mutex_);
    std::vector<VariantDescription> variants;
    for (const MountConfig& mount : mounts_) variants.push_back(mount.variant);
    FixtureStore store = FixtureStore::load(settings_.fixtures, variants, task_schemas_, diagnostics,
                                            settings_.allow_invalid, settings_.passed_over);
    if (diagnostics.has_errors()) return false;
    auto snapshot = make_snapshot(std::move(store));
    std::lock_guard<std::mutex> lock(snapshot_mutex_);
    snapshot_ = std::move(snapshot);
    return true;
}

namespace {

// What the watcher compares: every file under the fixtures directory with
// its size and modification time.
std::map<std::string, std::pair<std::uintmax_t, std::filesystem::file_time_type>> listing(
    const std::filesystem::path& root) {
    std::map<std::string, std::pair<std::uintmax_t, std::filesystem::file_time_type>> out;
    std::error_code error;
    for (auto it = std::filesystem::recursive_directory_iterator(root, error);
         !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
        std::error_code ignored;
        if (!it->is_regular_file(ignored)) continue;
        out[it->path().string()] = {it->file_size(ignored), it->last_write_time(ignored)};
    }
    return out;
}

}  // namespace

void MockService::watch(std::chrono::milliseconds interval, std::function<void(const std::string&)> report) {
    watching_ = true;
    watcher_ = std::thread([this, interval, report = std::move(report)] {
        auto seen = listing(settings_.fixtures);
        while (watching_) {
            // Short sleeps so that stopping does not wait a whole interval.
            for (auto waited = std::chrono::milliseconds(0); watching_ && waited < interval;
                 waited += std::chrono::milliseconds(50)) {
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
            if (!watching_) break;
            auto now = listing(settings_.fixtures);
            if (now == seen) continue;
            seen = std::move(now);
            Diagnostics diagnostics;
            if (reload(diagnostics)) {
                report("taskmock: fixtures changed; reloaded " + std::to_string(fixture_count()) + " fixtures\n" +
                       diagnostics.to_string());
            } else {
                report(diagnostics.to_string() + "taskmock: fixtures changed but " +
                       std::to_string(diagnostics.error_count()) +
                       " error(s) refuse the new set; the previous fixtures keep serving\n");
            }
        }
    });
}

std::optional<std::int64_t> parse_duration_ms(const std::string& text) {
    if (text.empty()) return std::nullopt;
    std::size_t used = 0;
    double value = 0;
    try {
        value = std::stod(text, &used);
    } catch (const std::exception&) {
        return std::nullopt;
    }
    const std::string unit = text.substr(used);
    double scale = 0;
    if (unit.empty() || unit == "ms") scale = 1;
    else if (unit == "s") scale = 1000;
    else if (unit == "m") scale = 60'000;
    else if (unit == "h") scale = 3'600'000;
    else if (unit == "d") scale = 86'400'000;
    else return std::nullopt;
    if (!std::isfinite(value) || std::abs(value * scale) > 1e15) return std::nullopt;
    return static_cast<std::int64_t>(std::llround(value * scale));
}

std::optional<std::int64_t> parse_date_time_ms(const std::string& text) {
    std::tm parts{};
    const char* rest = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &parts);
    if (rest == nullptr) return std::nullopt;
    std::int64_t ms = static_cast<std::int64_t>(timegm(&parts)) * 1000;
    if (*rest == '.') {
        ++rest;
        int digits = 0;
        std::int64_t fraction = 0;
        while (*rest >= '0' && *rest <= '9') {
            if (digits < 3) fraction = fraction * 10 + (*rest - '0'), ++digits;
            ++rest;
        }
        while (digits++ < 3) fraction *= 10;
        ms += fraction;
    }
    if (*rest == 'Z' || *rest == 'z') {
        ++rest;
    } else if (*rest == '+' || *rest == '-') {
        int hours = 0, minutes = 0;
        if (std::sscanf(rest + 1, "%2d:%2d", &hours, &minutes) != 2) return std::nullopt;
        std::int64_t offset = (hours * 60 + minutes) * 60'000;
        ms += *rest == '+' ? -offset : offset;
        rest += 6;
    } else {
        return std::nullopt;
    }
    if (*rest != '\0') return std::nullopt;
    return ms;
}

}  // namespace taskmock
