# Third-party dependencies as imported targets, the same names in both builds:
#   hilt::sodium   libsodium         native: Debian's libsodium-dev; wasm: compiled from Debian's source package
#   hilt::json     nlohmann/json     header-only; wasm sees only the nlohmann/ folder, not /usr/include
#   hilt::gtest    GoogleTest + main native: Debian's libgtest-dev; wasm: compiled from /usr/src/googletest
if(NOT EMSCRIPTEN)
    find_package(PkgConfig REQUIRED)
    pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
    add_library(hilt::sodium ALIAS PkgConfig::SODIUM)
    find_package(nlohmann_json 3.10 REQUIRED)
    add_library(hilt::json ALIAS nlohmann_json::nlohmann_json)
    find_package(GTest REQUIRED)
    add_library(hilt_gtest INTERFACE)
    target_link_libraries(hilt_gtest INTERFACE GTest::gtest GTest::gtest_main)
    add_library(hilt::gtest ALIAS hilt_gtest)
    return()
endif()

# ---- WebAssembly ------------------------------------------------------------------------------------------
set(_sodium_root "${HILT_DEPS_DIR}/libsodium/src/libsodium")
if(NOT EXISTS "${_sodium_root}/include/sodium.h")
    message(FATAL_ERROR "libsodium sources not found under ${HILT_DEPS_DIR}: run scripts/setup first")
endif()

# libsodium 1.0.18's orig tarball has no configure output: write version.h ourselves and compile every
# source with CONFIGURED=1 (architecture.md). randombytes uses the JS crypto API under Emscripten.
set(VERSION "1.0.18")
set(SODIUM_LIBRARY_VERSION_MAJOR 10)
set(SODIUM_LIBRARY_VERSION_MINOR 3)
set(SODIUM_LIBRARY_MINIMAL_DEF "")
set(_sodium_gen "${CMAKE_BINARY_DIR}/deps/sodium-include")
# A copy of the public headers, so the generated version.h sits beside export.h as sodium.h expects.
file(COPY "${_sodium_root}/include/" DESTINATION "${_sodium_gen}" PATTERN "*.in" EXCLUDE)
configure_file("${_sodium_root}/include/sodium/version.h.in" "${_sodium_gen}/sodium/version.h" @ONLY)
file(GLOB_RECURSE _sodium_sources "${_sodium_root}/*.c")
add_library(hilt_sodium STATIC ${_sodium_sources})
target_compile_definitions(hilt_sodium PRIVATE CONFIGURED=1 SODIUM_STATIC=1)
target_compile_options(hilt_sodium PRIVATE -O2 -w)
target_include_directories(hilt_sodium
    PRIVATE "${_sodium_gen}/sodium" "${_sodium_root}/include/sodium"
    PUBLIC "${_sodium_gen}")
add_library(hilt::sodium ALIAS hilt_sodium)

set(_json_include "${CMAKE_BINARY_DIR}/deps/json-include")
if(NOT EXISTS "${_json_include}/nlohmann")
    file(MAKE_DIRECTORY "${_json_include}")
    file(CREATE_LINK /usr/include/nlohmann "${_json_include}/nlohmann" SYMBOLIC)
endif()
add_library(hilt_json INTERFACE)
target_include_directories(hilt_json SYSTEM INTERFACE "${_json_include}")
add_library(hilt::json ALIAS hilt_json)

set(gtest_disable_pthreads ON CACHE BOOL "" FORCE)
set(BUILD_GMOCK OFF CACHE BOOL "" FORCE)
set(INSTALL_GTEST OFF CACHE BOOL "" FORCE)
add_subdirectory(/usr/src/googletest "${CMAKE_BINARY_DIR}/deps/googletest" EXCLUDE_FROM_ALL SYSTEM)
target_compile_definitions(gtest PUBLIC GTEST_HAS_PTHREAD=0)
add_library(hilt_gtest INTERFACE)
target_link_libraries(hilt_gtest INTERFACE gtest gtest_main)
add_library(hilt::gtest ALIAS hilt_gtest)
