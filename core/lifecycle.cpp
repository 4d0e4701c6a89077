#include "core/lifecycle.hpp"

#include <algorithm>
#include <ctime>
#include <set>

namespace taskmock {

namespace {

std::vector<std::string> strings(const json& entry, const char* name) {
    return entry.contains(name) ? entry[name].get<std::vector<std::string>>() : std::vector<std::string>{};
}

bool listed(const std::vector<std::string>& states, const std::string& state) {
    return std::find(states.begin(), states.end(), state) != states.end();
}

json stamp_value(TimeFormat format, std::int64_t epoch_ms) {
    switch (format) {
        case TimeFormat::epoch_ms: return epoch_ms;
        case TimeFormat::epoch_s: return epoch_ms / 1000;
        case TimeFormat::date_time: return format_date_time(epoch_ms);
    }
    return nullptr;
}

}  // namespace

Lifecycle read_lifecycle(const json& entry) {
    static const std::map<std::string, TimeFormat> kFormats{
        {"epoch-ms", TimeFormat::epoch_ms}, {"epoch-s", TimeFormat::epoch_s}, {"date-time", TimeFormat::date_time}};
    Lifecycle lifecycle;
    lifecycle.state = json::json_pointer(entry["state"].get<std::string>());
    if (entry.contains("defaults")) {
        for (const auto& [state, patch] : entry["defaults"].items()) lifecycle.defaults[state] = patch;
    }
    if (entry.contains("stamps")) {
        for (const json& stamp : entry["stamps"]) {
            lifecycle.stamps.push_back({json::json_pointer(stamp["field"].get<std::string>()),
                                        kFormats.at(stamp["format"]), strings(stamp, "on"), stamp.value("keep", false)});
        }
    }
    if (entry.contains("copies")) {
        for (const json& copy : entry["copies"]) {
            lifecycle.copies.push_back({json::json_pointer(copy["from"].get<std::string>()),
                                        json::json_pointer(copy["to"].get<std::string>()), strings(copy, "on")});
        }
    }
    if (entry.contains("history")) {
        lifecycle.history.emplace(json::json_pointer(entry["history"]["message"].get<std::string>()),
                                  json::json_pointer(entry["history"]["list"].get<std::string>()));
    }
    return lifecycle;
}

Timeline read_timeline(const json& document) {
    Timeline timeline;
    timeline.task = document["task"];
    for (const json& entry : document["timeline"]) {
        Step step;
        step.state = entry["state"];
        if (entry.contains("after")) {
            const json& after = entry["after"];
            if (after.contains("polls")) {
                step.after = Step::After::polls;
                step.polls = after["polls"];
            } else {
                step.after = Step::After::seconds;
                step.milliseconds = static_cast<std::int64_t>(after["seconds"].get<double>() * 1000.0);
            }
        }
        if (entry.contains("set")) step.set = entry["set"];
        timeline.steps.push_back(std::move(step));
    }
    return timeline;
}

json state_body(const Lifecycle& lifecycle, const Timeline& timeline, std::size_t index,
                const std::vector<std::int64_t>& entered) {
    json body = timeline.task;
    std::set<std::string> stamped;
    for (std::size_t i = 0; i <= index && i < timeline.steps.size(); ++i) {
        const Step& step = timeline.steps[i];
        json message_before = lifecycle.history && body.contains(lifecycle.history->first)
                                  ? body.at(lifecycle.history->first)
                                  : json();
        body[lifecycle.state] = step.state;
        if (auto defaults = lifecycle.defaults.find(step.state); defaults != lifecycle.defaults.end()) {
            body.merge_patch(defaults->second);
        }
        if (!step.set.is_null()) body.merge_patch(step.set);
        const std::int64_t when = i < entered.size() ? entered[i] : (entered.empty() ? 0 : entered.back());
        for (const Stamp& stamp : lifecycle.stamps) {
            if (!stamp.on.empty() && !listed(stamp.on, step.state)) continue;
            const std::string key = stamp.field.to_string();
            if (stamp.keep && stamped.contains(key)) continue;
            body[stamp.field] = stamp_value(stamp.format, when);
            stamped.insert(key);
        }
        // Values are copied out of body before body[...] may add a member:
        // an ordered_map is a vector, and growing it copies every member to
        // new storage, so a reference into body would then point at freed
        // memory (found by fuzz_fixture).
        for (const Copy& copy : lifecycle.copies) {
            if (!listed(copy.on, step.state) || !body.contains(copy.from)) continue;
            json value = body.at(copy.from);
            body[copy.to] = std::move(value);
        }
        if (lifecycle.history && body.contains(lifecycle.history->first)) {
            const json message = body.at(lifecycle.history->first);
            if (!message.is_null() && message != message_before) {
                json& list = body[lifecycle.history->second];
                if (!list.is_array()) list = json::array();
                if (list.empty() || list.back() != message) list.push_back(message);
            }
        }
    }
    return body;
}

void advance(const Timeline& timeline, Progress& progress, std::int64_t now) {
    if (progress.entered.empty()) progress.entered.push_back(now);
    while (progress.index + 1 < timeline.steps.size()) {
        const Step& next = timeline.steps[progress.index + 1];
        std::int64_t due = 0;
        if (next.after == Step::After::polls) {
            if (progress.polls < next.polls) break;
            due = now;
        } else {
            due = progress.entered.back() + next.milliseconds;
            if (now < due) break;
        }
        ++progress.index;
        progress.polls = 0;
        progress.entered.push_back(due);
    }
    ++progress.polls;
}

std::string format_date_time(std::int64_t epoch_ms) {
    std::time_t seconds = static_cast<std::time_t>(epoch_ms / 1000);
    std::tm parts{};
    gmtime_r(&seconds, &parts);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
    return text;
}

}  // namespace taskmock
