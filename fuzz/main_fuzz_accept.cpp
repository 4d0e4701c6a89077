// libFuzzer's entry for fuzz_accept; the body is in fuzz_accept.cpp.

#include "fuzz/entries.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return taskmock::fuzz::fuzz_accept(data, size);
}
