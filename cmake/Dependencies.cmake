# Debian packages the library and the tests link against
# (scripts/install-deps installs them).
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBCBOR REQUIRED IMPORTED_TARGET libcbor)
pkg_check_modules(JANSSON REQUIRED IMPORTED_TARGET jansson)

# Debian's mbedTLS 2.28 ships no pkg-config or CMake files.
find_path(MBEDTLS_INCLUDE_DIR mbedtls/ssl.h REQUIRED)
find_library(MBEDTLS_LIB mbedtls REQUIRED)
find_library(MBEDX509_LIB mbedx509 REQUIRED)
find_library(MBEDCRYPTO_LIB mbedcrypto REQUIRED)
add_library(cs_mbedtls INTERFACE)
target_include_directories(cs_mbedtls INTERFACE ${MBEDTLS_INCLUDE_DIR})
target_link_libraries(cs_mbedtls INTERFACE ${MBEDTLS_LIB} ${MBEDX509_LIB} ${MBEDCRYPTO_LIB})

if(CELLSTRAP_TESTS)
  pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)
endif()
