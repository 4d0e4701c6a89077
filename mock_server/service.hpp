#pragma once
// The mock service: what answers each request once it is off the wire.
// It holds the current fixture set (swapped whole when fixtures change
// through the admin API or --watch), applies fault rules to what the
// pipeline answers, records every exchange in the journal, and serves the
// admin API under /__taskmock/ when enabled.

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/fault.hpp"
#include "core/fixture_store.hpp"
#include "core/variant.hpp"
#include "mock_server/clock.hpp"
#include "mock_server/journal.hpp"
#include "mock_server/pipeline.hpp"
#include "mock_server/sessions.hpp"

namespace taskmock {

inline constexpr std::string_view kAdminPrefix = "/__taskmock/";

struct AdminSettings {
    bool enabled = false;
    bool remote = false;  // answer clients other than loopback
    std::string token;    // required as a Bearer token when not empty
};

struct ServiceSettings {
    std::filesystem::path fixtures;  // where reloads read from
    bool allow_invalid = false;
    std::set<std::string> passed_over;  // variant folders not served
    PipelineSettings pipeline;          // clock and sessions are made when absent
    std::size_t journal_size = 1000;
    std::vector<FaultRule> faults;  // global and per variant (--faults)
    AdminSettings admin;
};

class MockService {
public:
    MockService(std::vector<MountConfig> mounts, std::map<std::string, Schema> task_schemas, FixtureStore store,
                ServiceSettings settings);
    ~MockService();

    Response handle(const Request& request);

    // Reloads the fixtures directory. On success the new set serves from the
    // next request; otherwise diagnostics say why and the old set stays.
    bool reload(Diagnostics& diagnostics);
    // Polls the fixtures directory every interval and reloads on change;
    // report receives one line per reload or refusal.
    void watch(std::chrono::milliseconds interval, std::function<void(const std::string&)> report);

    std::vector<Pipeline::MountInfo> mounts() const;
    const std::vector<std::string>& secret_query_names() const { return secret_query_names_; }
    std::size_t fixture_count() const;

private:
    // One fixture set and the pipeline built over it; replaced whole.
    struct Snapshot {
        Snapshot(FixtureStore s, std::vector<MountConfig> mounts, const PipelineSettings& settings)
            : store(std::move(s)), pipeline(std::move(mounts), store, settings) {}
        FixtureStore store;
        Pipeline pipeline;  // refers to store above
    };
    struct NamedRule {
        std::string id;
        FaultRule rule;
    };

    std::shared_ptr<const Snapshot> current() const;
    std::shared_ptr<const Snapshot> make_snapshot(FixtureStore store) const;
    void apply_faults(const Snapshot& snapshot, const Request& request, Response& response);
    double latency_of(const FaultRule& rule, const std::string& session);

    Response admin(const Request& request);
    Response admin_fixtures(const Request& request, const std::vector<std::string>& parts);
    Response admin_clock(const Request& request);
    Response admin_journal(const Request& request, const std::vector<std::string>& parts);
    Response admin_faults(const Request& request, const std::vector<std::string>& parts);

    std::vector<MountConfig> mounts_;
    std::map<std::string, Schema> task_schemas_;
    ServiceSettings settings_;
    std::vector<std::string> secret_query_names_;
    Journal journal_;

    mutable std::mutex snapshot_mutex_;
    std::shared_ptr<const Snapshot> snapshot_;
    std::mutex change_mutex_;  // one fixture change (admin, reload) at a time

    std::mutex faults_mutex_;
    std::vector<NamedRule> faults_;
    std::uint64_t next_fault_ = 1;

    std::atomic<bool> watching_{false};
    std::thread watcher_;
};

// "250ms", "5s", "10m", "1h" or a bare number of milliseconds.
std::optional<std::int64_t> parse_duration_ms(const std::string& text);
// RFC 3339 UTC ("2026-01-01T00:00:00Z", fraction and offset allowed) to epoch ms.
std::optional<std::int64_t> parse_date_time_ms(const std::string& text);

}  // namespace taskmock
