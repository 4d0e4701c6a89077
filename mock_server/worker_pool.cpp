#include "mock_server/worker_pool.hpp"

#include <algorithm>
#include <chrono>

namespace taskmock {

namespace {
// A worker above the resident count that has had nothing to do this long retires.
constexpr auto kRetireAfter = std::chrono::seconds(30);
}  // namespace

WorkerPool::WorkerPool(std::size_t resident, std::size_t limit) : resident_(resident), limit_(limit) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (std::size_t i = 0; i < resident_; ++i) start_worker();
}

WorkerPool::~WorkerPool() { shutdown(); }

void WorkerPool::start_worker() { threads_.emplace_back([this] { work(); }); }

void WorkerPool::join_retired() {
    for (std::thread::id id : retired_) {
        auto found = std::find_if(threads_.begin(), threads_.end(), [id](const std::thread& t) { return t.get_id() == id; });
        if (found == threads_.end()) continue;
        found->join();  // it has left work() and released the mutex
        threads_.erase(found);
    }
    retired_.clear();
}

void WorkerPool::enqueue(std::function<void()> job) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    join_retired();
    jobs_.push_back(std::move(job));
    // Every worker is busy (serving or holding an idle keep-alive
    // connection): add one rather than let the connection wait.
    if (idle_ < jobs_.size() && threads_.size() < limit_) start_worker();
    ready_.notify_one();
}

void WorkerPool::shutdown() {
    std::vector<std::thread> threads;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
        threads.swap(threads_);
        retired_.clear();
    }
    ready_.notify_all();
    for (std::thread& thread : threads) {
        if (thread.joinable()) thread.join();
    }
}

std::size_t WorkerPool::workers() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return threads_.size() - retired_.size();
}

void WorkerPool::work() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (true) {
        ++idle_;
        bool woken = ready_.wait_for(lock, kRetireAfter, [this] { return stopping_ || !jobs_.empty(); });
        --idle_;
        if (stopping_ && jobs_.empty()) return;
        if (jobs_.empty()) {
            if (!woken && threads_.size() - retired_.size() > resident_) {
                retired_.push_back(std::this_thread::get_id());
                return;
            }
            continue;
        }
        std::function<void()> job = std::move(jobs_.front());
        jobs_.pop_front();
        lock.unlock();
        job();
        lock.lock();
    }
}

}  // namespace taskmock
