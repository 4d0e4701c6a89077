// libFuzzer's entry for fuzz_conformance; the body is in fuzz_conformance.cpp.

#include "fuzz/entries.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return taskmock::fuzz::fuzz_conformance(data, size);
}
