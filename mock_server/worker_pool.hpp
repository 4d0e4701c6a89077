#pragma once
// cpp-httplib serves each connection on one worker for as long as it is
// kept alive. With its fixed pool, idle keep-alive connections (more of
// them than workers) leave a new client waiting until one times out. This
// pool grows while every worker is busy, up to a cap, and lets extra idle
// workers retire, so a new connection finds a worker at once.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include <httplib.h>

namespace taskmock {

class WorkerPool : public httplib::TaskQueue {
public:
    // Keeps at least `resident` workers; never more than `limit`.
    WorkerPool(std::size_t resident, std::size_t limit);
    ~WorkerPool() override;
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    void enqueue(std::function<void()> job) override;
    void shutdown() override;

    std::size_t workers() const;

private:
    void work();
    void start_worker();   // with mutex_ held
    void join_retired();   // with mutex_ held

    mutable std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::function<void()>> jobs_;
    std::vector<std::thread> threads_;
    std::vector<std::thread::id> retired_;  // exited work(), not joined yet
    std::size_t resident_;
    std::size_t limit_;
    std::size_t idle_ = 0;
    bool stopping_ = false;
};

}  // namespace taskmock
