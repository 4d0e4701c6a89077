// libFuzzer's entry for fuzz_variant; the body is in fuzz_variant.cpp.

#include "fuzz/entries.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return taskmock::fuzz::fuzz_variant(data, size);
}
