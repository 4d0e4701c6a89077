// libFuzzer's entry for fuzz_fixture; the body is in fuzz_fixture.cpp.

#include "fuzz/entries.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return taskmock::fuzz::fuzz_fixture(data, size);
}
