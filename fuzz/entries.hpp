#pragma once
// The fuzz targets' bodies, one function per target. They are plain
// functions so that the libFuzzer executables (main_*.cpp, clang only) and
// the regression test (tests/unit/fuzz_regression_test.cpp, any compiler)
// run exactly the same code on an input. Each returns 0; an input that
// breaks an invariant aborts with a message naming the invariant, like a
// crash, so libFuzzer saves it.

#include <cstddef>
#include <cstdint>

namespace taskmock::fuzz {

// A raw request (see fuzz_pipeline.cpp for the format) through the pipeline.
int fuzz_pipeline(const std::uint8_t* data, std::size_t size);
// Bytes as a fixture body, examined for every shipped variant.
int fuzz_fixture(const std::uint8_t* data, std::size_t size);
// Bytes as a variant description (variant.json).
int fuzz_variant(const std::uint8_t* data, std::size_t size);
// Bytes as an Accept header, negotiated against Cognigy's media types.
int fuzz_accept(const std::uint8_t* data, std::size_t size);
// Bytes as the responses a server gives taskconform (see fuzz_conformance.cpp).
int fuzz_conformance(const std::uint8_t* data, std::size_t size);

}  // namespace taskmock::fuzz
