# TASKMOCK_SANITIZE: build everything (libraries, executables, tests) with
#   address  AddressSanitizer + UndefinedBehaviorSanitizer (+ LeakSanitizer)
#   thread   ThreadSanitizer
# Applied globally so header-only dependencies (httplib, nlohmann, valijson)
# are instrumented too. Any report aborts the process, so a test fails on it.
set(TASKMOCK_SANITIZE "" CACHE STRING "Sanitizers to build with: address (ASan+UBSan) or thread (TSan)")
set_property(CACHE TASKMOCK_SANITIZE PROPERTY STRINGS "" address thread)

if(TASKMOCK_SANITIZE STREQUAL "address")
  set(taskmock_sanitizer_flags -fsanitize=address,undefined -fno-sanitize-recover=all)
elseif(TASKMOCK_SANITIZE STREQUAL "thread")
  set(taskmock_sanitizer_flags -fsanitize=thread)
elseif(NOT TASKMOCK_SANITIZE STREQUAL "")
  message(FATAL_ERROR "TASKMOCK_SANITIZE must be address or thread, not '${TASKMOCK_SANITIZE}'")
endif()

if(taskmock_sanitizer_flags)
  # Frame pointers give full stacks in reports at little cost.
  add_compile_options(${taskmock_sanitizer_flags} -fno-omit-frame-pointer)
  add_link_options(${taskmock_sanitizer_flags})
endif()
