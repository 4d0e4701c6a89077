#pragma once
// Runs the taskmock binary as a child process with its stdout and stderr on
// pipes, for tests of the command line, start-up output and signals.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

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
        if (posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
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
