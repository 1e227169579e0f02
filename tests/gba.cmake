# Tests of the SIM-anchored key arithmetic in cellstrap_cellular (labels:
# kind;gba, and akma where AKMA is covered): Milenage and the emulated
# USIM, GBA/AKMA derivations, identities and HTTP Digest AKA.
cs_unit_test(test_milenage gba unit/test_milenage.c)
target_link_libraries(test_milenage PRIVATE cellstrap_cellular)

cs_unit_test(test_gba gba unit/test_gba.c)
target_link_libraries(test_gba PRIVATE cellstrap_cellular)
set_tests_properties(test_gba PROPERTIES LABELS "unit;gba;akma")

# The device's GBA client (src/http/ub.c) against a BSF written in the
# test, over loopback, with the emulated modem's USIM; and the
# BootstrappingInfo parser.
find_package(Threads REQUIRED)
add_executable(test_ub unit/test_ub.c)
target_link_libraries(test_ub PRIVATE cellstrap_http PkgConfig::CMOCKA Threads::Threads)
target_include_directories(test_ub PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/support)
cs_target_warnings(test_ub)
add_test(NAME test_ub COMMAND test_ub)
set_tests_properties(test_ub PROPERTIES LABELS "integration;gba" TIMEOUT 60
  ENVIRONMENT "CMOCKA_MESSAGE_OUTPUT=stdout")
