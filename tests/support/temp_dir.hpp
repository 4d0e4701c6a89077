#pragma once
// A scratch directory for one test, removed afterwards.

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace taskmock::testing {

class TempDir {
public:
    TempDir() {
        std::random_device device;
        path_ = std::filesystem::temp_directory_path() / ("taskmock-test-" + std::to_string(device()));
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }

    // Writes text to a path relative to the directory, creating folders.
    std::filesystem::path write(const std::string& relative, const std::string& text) const {
        std::filesystem::path file = path_ / relative;
        std::filesystem::create_directories(file.parent_path());
        std::ofstream(file, std::ios::binary) << text;
        return file;
    }

    // Copies a file or directory tree from the source tree.
    void copy(const std::filesystem::path& from, const std::string& relative) const {
        std::filesystem::create_directories((path_ / relative).parent_path());
        std::filesystem::copy(from, path_ / relative, std::filesystem::copy_options::recursive);
    }

private:
    std::filesystem::path path_;
};

inline std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace taskmock::testing
