// taskmock: argument parsing and exit codes; the work is in cli.cpp
// (serving) and record.cpp (taskmock record).
#include <iostream>

#include "mock_server/cli.hpp"
#include "mock_server/record.hpp"

int main(int argc, char** argv) {
    if (argc > 1 && std::string(argv[1]) == "record") {
        return taskmock::record_main(std::vector<std::string>(argv + 2, argv + argc), std::cout, std::cerr);
    }
    std::string error;
    auto options = taskmock::parse_options(std::vector<std::string>(argv + 1, argv + argc), error);
    if (!options) {
        std::cerr << "taskmock: " << error << "\n\n" << taskmock::usage();
        return 2;
    }
    if (options->help) {
        std::cout << taskmock::usage();
        return 0;
    }
    if (options->version) {
        std::cout << "taskmock " << TASKMOCK_VERSION << "\n";
        return 0;
    }
    return taskmock::run(*options, std::cout, std::cerr);
}
