#include "mock_server/journal.hpp"

#include <algorithm>

#include "core/lifecycle.hpp"

namespace taskmock {

namespace {

bool named(const std::vector<std::string>& names, const std::string& name) {
    return std::any_of(names.begin(), names.end(), [&](const std::string& n) { return equal_ignoring_case(n, name); });
}

Fields redacted(const Fields& fields, const std::vector<std::string>& secret) {
    Fields out;
    out.reserve(fields.size());
    for (const auto& [name, value] : fields) out.emplace_back(name, named(secret, name) ? "REDACTED" : value);
    return out;
}

json fields_json(const Fields& fields) {
    json out = json::array();
    for (const auto& [name, value] : fields) out.push_back({name, value});
    return out;
}

}  // namespace

json JournalEntry::to_json() const {
    json out;
    out["sequence"] = sequence;
    out["time"] = format_date_time(time);
    out["time_ms"] = time;
    out["method"] = method;
    out["path"] = path;
    out["query"] = fields_json(query);
    out["headers"] = fields_json(headers);
    out["session"] = session;
    out["variant"] = variant;
    out["task_id"] = task_id;
    out["fixture"] = fixture;
    out["state"] = state;
    out["fault"] = fault;
    out["status"] = status;
    return out;
}

bool JournalFilter::matches(const JournalEntry& entry) const {
    return entry.sequence > after && (variant.empty() || entry.variant == variant) &&
           (path.empty() || entry.path.starts_with(path)) && (task_id.empty() || entry.task_id == task_id) &&
           (session.empty() || entry.session == session) && (method.empty() || entry.method == method) &&
           (!status || entry.status == *status);
}

Journal::Journal(std::size_t capacity, std::vector<std::string> secret_headers, std::vector<std::string> secret_query)
    : capacity_(std::max<std::size_t>(1, capacity)),
      secret_headers_(std::move(secret_headers)),
      secret_query_(std::move(secret_query)) {
    // Whatever the variants say, these always carry credentials.
    for (const char* name : {"Authorization", "Proxy-Authorization", "Cookie", "X-Authorization", "X-API-Key",
                             "X-Taskmock-Admin-Token"}) {
        secret_headers_.emplace_back(name);
    }
}

void Journal::record(const Request& request, const Response& response, std::int64_t time) {
    JournalEntry entry;
    entry.time = time;
    entry.method = request.method;
    entry.path = request.path;
    entry.query = redacted(request.query, secret_query_);
    entry.headers = redacted(request.headers, secret_headers_);
    if (const std::string* session = request.header("X-Taskmock-Session")) entry.session = *session;
    entry.variant = response.variant;
    entry.task_id = response.task_id;
    entry.fixture = response.fixture;
    entry.state = response.state;
    entry.fault = response.fault;
    entry.status = response.status;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        entry.sequence = next_++;
        entries_.push_back(std::move(entry));
        if (entries_.size() > capacity_) {
            entries_.pop_front();
            ++dropped_;
        }
    }
    arrived_.notify_all();
}

std::vector<JournalEntry> Journal::find(const JournalFilter& filter, std::size_t limit) const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<JournalEntry> out;
    for (const JournalEntry& entry : entries_) {
        if (out.size() >= limit) break;
        if (filter.matches(entry)) out.push_back(entry);
    }
    return out;
}

std::size_t Journal::count(const JournalFilter& filter) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return static_cast<std::size_t>(
        std::count_if(entries_.begin(), entries_.end(), [&](const JournalEntry& e) { return filter.matches(e); }));
}

std::vector<JournalEntry> Journal::wait(const JournalFilter& filter, std::size_t count,
                                        std::chrono::milliseconds timeout) const {
    std::unique_lock<std::mutex> lock(mutex_);
    auto matching = [&] {
        std::vector<JournalEntry> out;
        for (const JournalEntry& entry : entries_) {
            if (filter.matches(entry)) out.push_back(entry);
        }
        return out;
    };
    std::vector<JournalEntry> found;
    arrived_.wait_for(lock, timeout, [&] {
        found = matching();
        return found.size() >= count;
    });
    return found;
}

void Journal::clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    entries_.clear();
}

std::uint64_t Journal::dropped() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return dropped_;
}

}  // namespace taskmock
