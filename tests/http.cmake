# The HTTP client and server (src/http), over loopback: labels
# integration;gba (GBA's Ub and Zn are their first users).
find_package(Threads REQUIRED)
add_executable(test_http unit/test_http.c)
target_link_libraries(test_http PRIVATE cellstrap_http PkgConfig::CMOCKA Threads::Threads)
target_include_directories(test_http PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/support)
cs_target_warnings(test_http)
add_test(NAME test_http COMMAND test_http)
set_tests_properties(test_http PROPERTIES LABELS "integration;gba" TIMEOUT 60)
