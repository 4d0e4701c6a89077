# Every dependency comes from a Debian package (scripts/setup installs them).

find_package(nlohmann_json 3.11 REQUIRED)
find_package(pugixml REQUIRED)
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)

# Debian ships cpp-httplib 0.11 as a compiled library with a pkg-config file
# only. Its Cflags switch on OpenSSL, zlib and brotli support; every file that
# includes httplib.h must see the same flags, so they travel with the target.
pkg_check_modules(CPP_HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
add_library(taskmock::httplib ALIAS PkgConfig::CPP_HTTPLIB)

# valijson is header-only and ships no CMake or pkg-config file.
find_path(VALIJSON_INCLUDE_DIR valijson/validator.hpp REQUIRED)
add_library(taskmock_valijson INTERFACE)
target_include_directories(taskmock_valijson SYSTEM INTERFACE "${VALIJSON_INCLUDE_DIR}")
target_link_libraries(taskmock_valijson INTERFACE nlohmann_json::nlohmann_json)
# Without this valijson prints and calls abort() on a bad schema.
target_compile_definitions(taskmock_valijson INTERFACE VALIJSON_USE_EXCEPTIONS=1)
add_library(taskmock::valijson ALIAS taskmock_valijson)
