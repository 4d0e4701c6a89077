#pragma once
// Runs a binary (taskmock, taskconform, a tool found on PATH) as a child
// process with its stdout and stderr on pipes, for tests of the command line,
// start-up output, exit codes and signals.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

extern char** environ;

namespace taskmock::testing {

class Process {
public:
    explicit Process(std::vector<std::string> arguments) {
        int out[2];
        int err[2];
        if (pipe(out) != 0 || pipe(err) != 0) return;
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, out[1], 1);
        posix_spawn_file_actions_adddup2(&actions, err[1], 2);
        posix_spawn_file_actions_addclose(&actions, out[0]);
        posix_spawn_file_actions_addclose(&actions, err[0]);
        std::vector<char*> argv;
        for (auto& argument : arguments) argv.push_back(argument.data());
        argv.push_back(nullptr);
        // A bare name ("xmllint") is looked up on PATH, a path is used as is.
        const bool search_path = arguments.empty() || arguments[0].find('/') == std::string::npos;
        int spawned = search_path ? posix_spawnp(&pid_, argv[0], &actions, nullptr, argv.data(), environ)
                                  : posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
        if (spawned != 0) pid_ = -1;
        posix_spawn_file_actions_destroy(&actions);
        close(out[1]);
        close(err[1]);
        out_ = out[0];
        err_ = err[0];
    }
    ~Process() {
        if (pid_ > 0 && !exit_code_) {
            kill(pid_, SIGKILL);
            wait();
        }
        if (out_ >= 0) close(out_);
        if (err_ >= 0) close(err_);
    }
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    bool started() const { return pid_ > 0; }
    pid_t pid() const { return pid_; }

    // Reads stdout up to the next newline; nothing on EOF or after timeout.
    std::optional<std::string> read_line(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (true) {
            std::size_t newline = stdout_.find('\n');
            if (newline != std::string::npos) {
                std::string line = stdout_.substr(0, newline);
                stdout_.erase(0, newline + 1);
                return line;
            }
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0 || !read_some(out_, stdout_, static_cast<int>(left.count()))) return std::nullopt;
        }
    }

    // Reads stderr until it contains text; false after timeout or on EOF.
    bool wait_for_error(const std::string& text, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (stderr_.find(text) == std::string::npos) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0 || !read_some(err_, stderr_, static_cast<int>(left.count()))) return false;
        }
        return true;
    }

    void signal(int number) { kill(pid_, number); }

    // Waits for exit; returns the exit code (128 + signal when killed).
    int wait() {
        if (exit_code_) return *exit_code_;
        int status = 0;
        waitpid(pid_, &status, 0);
        while (read_some(out_, stdout_, 0)) {
        }
        while (read_some(err_, stderr_, 0)) {
        }
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return *exit_code_;
    }

    // Waits at most `timeout` for exit, reading stdout and stderr meanwhile
    // (a child blocked on a full pipe would never exit). The exit code as
    // wait() gives it, or nothing when the child still runs at the deadline
    // (the destructor then kills it).
    std::optional<int> wait_for(std::chrono::milliseconds timeout) {
        if (exit_code_) return exit_code_;
        if (pid_ <= 0) return std::nullopt;
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        // Readable when the child exits; without it (old kernels) the pipes'
        // end of file is the sign.
        const int exited = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
        pollfd descriptors[3] = {{out_, POLLIN, 0}, {err_, POLLIN, 0}, {exited, POLLIN, 0}};
        std::string* into[2] = {&stdout_, &stderr_};
        std::optional<int> code;
        while (true) {
            int status = 0;
            if (waitpid(pid_, &status, WNOHANG) == pid_) {
                code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
                break;
            }
            if (exited < 0 && descriptors[0].fd < 0 && descriptors[1].fd < 0) {
                // Both pipes closed: the child is exiting, so this returns.
                waitpid(pid_, &status, 0);
                code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
                break;
            }
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) break;
            if (poll(descriptors, 3, static_cast<int>(left.count())) < 0 && errno != EINTR) break;
            for (int i = 0; i < 2; ++i) {
                if (descriptors[i].fd < 0 || descriptors[i].revents == 0) continue;
                char buffer[4096];
                ssize_t got = ::read(descriptors[i].fd, buffer, sizeof buffer);
                if (got > 0) into[i]->append(buffer, static_cast<std::size_t>(got));
                else descriptors[i].fd = -1;  // end of file: poll no more
            }
        }
        if (exited >= 0) close(exited);
        if (!code) return std::nullopt;
        while (read_some(out_, stdout_, 0)) {
        }
        while (read_some(err_, stderr_, 0)) {
        }
        exit_code_ = code;
        return code;
    }

    const std::string& out() const { return stdout_; }
    const std::string& err() const { return stderr_; }

private:
    static bool read_some(int fd, std::string& into, int timeout_ms) {
        pollfd descriptor{fd, POLLIN, 0};
        if (poll(&descriptor, 1, timeout_ms) <= 0) return false;
        char buffer[4096];
        ssize_t got = ::read(fd, buffer, sizeof buffer);
        if (got <= 0) return false;
        into.append(buffer, static_cast<std::size_t>(got));
        return true;
    }

    pid_t pid_ = -1;
    int out_ = -1;
    int err_ = -1;
    std::string stdout_;
    std::string stderr_;
    std::optional<int> exit_code_;
};

}  // namespace taskmock::testing
