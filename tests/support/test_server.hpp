#pragma once
// A taskmock server in-process on an ephemeral port, over real sockets.

#include <gtest/gtest.h>

#include <memory>
#include <thread>

#include "mock_server/cli.hpp"
#include "mock_server/http_server.hpp"
#include "mock_server/pipeline.hpp"

namespace taskmock::testing {

class TestServer {
public:
    // options: as the command line would give them; credentials per variant.
    explicit TestServer(Options options, std::map<std::string, Credentials> credentials = {},
                        ServerSettings server_settings = quiet_settings()) {
        Diagnostics diagnostics;
        std::string error;
        catalogue_ = load_catalogue(options, diagnostics, error);
        if (!catalogue_) {
            ADD_FAILURE() << diagnostics.to_string() << error;
            return;
        }
        std::vector<MountConfig> mounts;
        for (const auto& variant : catalogue_->variants) mounts.push_back({variant, credentials[variant.name]});
        PipelineSettings settings;
        settings.prefixed = options.variant.empty();
        pipeline_ = std::make_unique<Pipeline>(std::move(mounts), catalogue_->store, settings);
        server_ = std::make_unique<HttpServer>(*pipeline_, server_settings);
        port_ = server_->bind();
        // Connections queue in the listen backlog from bind() on, so the
        // tests may connect before the accept loop below has started.
        thread_ = std::thread([this] { server_->listen(); });
    }

    ~TestServer() {
        if (!server_) return;
        // stop() only acts on a running server: wait for the loop to start.
        while (thread_.joinable() && !server_->is_running()) std::this_thread::yield();
        server_->stop();
        if (thread_.joinable()) thread_.join();
    }

    static ServerSettings quiet_settings() {
        ServerSettings settings;
        settings.port = 0;
        settings.access_log = false;
        return settings;
    }

    int port() const { return port_; }
    bool ok() const { return port_ > 0; }

private:
    std::optional<Catalogue> catalogue_;
    std::unique_ptr<Pipeline> pipeline_;
    std::unique_ptr<HttpServer> server_;
    std::thread thread_;
    int port_ = -1;
};

inline Options default_options() {
    std::string error;
    return *parse_options({}, error);
}

}  // namespace taskmock::testing
