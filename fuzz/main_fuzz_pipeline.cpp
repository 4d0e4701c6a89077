// libFuzzer's entry for fuzz_pipeline; the body is in fuzz_pipeline.cpp.

#include "fuzz/entries.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return taskmock::fuzz::fuzz_pipeline(data, size);
}
