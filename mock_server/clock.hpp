#pragma once
// The time taskmock's timelines run on: the real clock, or a manual one
// that only moves when a test says so (admin API), so a test of a
// ten-minute task runs in milliseconds and gives the same bodies each run.

#include <atomic>
#include <chrono>
#include <cstdint>

namespace taskmock {

class Clock {
public:
    // A real clock.
    Clock() = default;
    // A manual clock standing at epoch_ms.
    static Clock manual(std::int64_t epoch_ms) {
        Clock clock;
        clock.manual_ = true;
        clock.now_ = epoch_ms;
        return clock;
    }
    Clock(const Clock& other) : manual_(other.manual_), now_(other.now_.load()) {}

    bool is_manual() const { return manual_; }

    std::int64_t now() const { return manual_ ? now_.load() : real_now(); }

    // Manual clocks only; false on a real one.
    bool advance(std::int64_t milliseconds) {
        if (!manual_) return false;
        now_ += milliseconds;
        return true;
    }
    bool set(std::int64_t epoch_ms) {
        if (!manual_) return false;
        now_ = epoch_ms;
        return true;
    }

    static std::int64_t real_now() {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    }

private:
    bool manual_ = false;
    std::atomic<std::int64_t> now_{0};
};

}  // namespace taskmock
