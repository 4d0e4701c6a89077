# The fuzz build (TASKMOCK_BUILD_FUZZ): every library and executable is
# compiled with clang's coverage instrumentation for libFuzzer plus ASan and
# UBSan, so crashes and undefined behaviour anywhere below an entry are
# found, not only in fuzz/. The libFuzzer runtime itself (and its main) is
# linked into the fuzz executables alone, in fuzz/CMakeLists.txt.
# Included from the top-level CMakeLists.txt before any target exists.

if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "TASKMOCK_BUILD_FUZZ needs clang (libFuzzer is part of clang), not "
                      "${CMAKE_CXX_COMPILER_ID}; configure with -DCMAKE_CXX_COMPILER=clang++-14, or use scripts/fuzz")
endif()
if(NOT TASKMOCK_SANITIZE STREQUAL "")
  message(FATAL_ERROR "TASKMOCK_BUILD_FUZZ brings its own sanitizers; leave TASKMOCK_SANITIZE empty")
endif()

# Any sanitizer report aborts, so libFuzzer saves the input. Assertions stay
# on (no NDEBUG) and libstdc++ checks its containers' bounds.
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
                    -fno-omit-frame-pointer -UNDEBUG -D_GLIBCXX_ASSERTIONS)
add_link_options(-fsanitize=address,undefined)
