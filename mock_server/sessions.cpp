#include "mock_server/sessions.hpp"

#include <functional>

namespace taskmock {

Sessions::State& Sessions::state(const std::string& session) {
    auto found = sessions_.find(session);
    if (found != sessions_.end()) return found->second;
    // Bounded: a client inventing a session per request cannot exhaust
    // memory; the oldest session is forgotten first.
    if (sessions_.size() >= max_sessions_) {
        auto oldest = sessions_.begin();
        for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
            if (it->second.created < oldest->second.created) oldest = it;
        }
        sessions_.erase(oldest);
    }
    State& created = sessions_[session];
    created.random.seed(seed_ ^ std::hash<std::string>{}(session));
    created.created = ++created_;
    return created;
}

Progress Sessions::poll(const std::string& session, const std::string& variant, const std::string& id,
                        const Timeline& timeline, std::int64_t now) {
    std::lock_guard<std::mutex> lock(mutex_);
    Progress& progress = state(session).tasks[{variant, id}];
    advance(timeline, progress, now);
    return progress;
}

std::uint64_t Sessions::count(const std::string& session, const std::string& rule) {
    std::lock_guard<std::mutex> lock(mutex_);
    return ++state(session).matches[rule];
}

void Sessions::reset() {
    std::lock_guard<std::mutex> lock(mutex_);
    sessions_.clear();
}

void Sessions::reset(const std::string& session) {
    std::lock_guard<std::mutex> lock(mutex_);
    sessions_.erase(session);
}

void Sessions::reset_task(const std::string& variant, const std::string& id) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [name, state] : sessions_) state.tasks.erase({variant, id});
}

std::size_t Sessions::size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return sessions_.size();
}

}  // namespace taskmock
