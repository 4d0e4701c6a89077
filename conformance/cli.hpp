#pragma once
// taskconform's command line: `check` against a server, `validate` files.
// Exit codes: 0 all checks passed, 1 a check failed, 2 usage,
// configuration or connection error.

#include <iosfwd>
#include <string>
#include <vector>

namespace taskmock {

std::string conform_usage();

// Runs the command; environment and files are read for credentials only.
int conform_main(const std::vector<std::string>& arguments, std::ostream& out, std::ostream& err, bool terminal);

}  // namespace taskmock
