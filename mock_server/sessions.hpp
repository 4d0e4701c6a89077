#pragma once
// Per-session state: where each timeline task is, how many requests each
// fault rule has matched, and the seeded random generator faults draw from.
// A session is named by the X-Taskmock-Session request header (no header:
// the default session), so parallel test runs against one taskmock do not
// see each other's polls.

#include <cstdint>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <tuple>
#include <unordered_map>

#include "core/lifecycle.hpp"

namespace taskmock {

inline constexpr const char* kSessionHeader = "X-Taskmock-Session";

class Sessions {
public:
    // seed: the fault generator of session S starts from seed and S, so a
    // failing run replays exactly with the same seed and requests.
    explicit Sessions(std::uint64_t seed = 0, std::size_t max_sessions = 10000)
        : seed_(seed), max_sessions_(max_sessions) {}

    // Counts one more request for the task and returns where it now is.
    Progress poll(const std::string& session, const std::string& variant, const std::string& id,
                  const Timeline& timeline, std::int64_t now);

    // Counts one more request matching fault rule `rule` and returns the count (1-based).
    std::uint64_t count(const std::string& session, const std::string& rule);
    // A uniform draw in [0, 1) and the generator, for latency distributions.
    template <typename Use>
    auto draw(const std::string& session, Use use) {
        std::lock_guard<std::mutex> lock(mutex_);
        return use(state(session).random);
    }

    // Forgets every session, or one.
    void reset();
    void reset(const std::string& session);
    // Starts one task's timeline again in every session (its fixture changed).
    void reset_task(const std::string& variant, const std::string& id);
    std::size_t size() const;

private:
    struct State {
        std::map<std::pair<std::string, std::string>, Progress> tasks;  // (variant, id)
        std::unordered_map<std::string, std::uint64_t> matches;          // per fault rule
        std::mt19937_64 random;
        std::uint64_t created = 0;
    };
    State& state(const std::string& session);  // mutex held

    std::uint64_t seed_;
    std::size_t max_sessions_;
    std::uint64_t created_ = 0;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, State> sessions_;
};

}  // namespace taskmock
