// taskconform: the work is in cli.cpp.
#include <unistd.h>

#include <iostream>

#include "conformance/cli.hpp"

int main(int argc, char** argv) {
    return taskmock::conform_main(std::vector<std::string>(argv + 1, argv + argc), std::cout, std::cerr,
                                  isatty(STDOUT_FILENO) != 0);
}
