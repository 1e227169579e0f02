# Tests of the bs module (labels: kind;bs).
cs_unit_test(test_bs bs unit/test_bs.c)
target_link_libraries(test_bs PRIVATE cellstrap_bs)

# The program: usage errors, a bad configuration, --help, SIGTERM.
add_test(NAME bs_cli
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/bs_cli.sh $<TARGET_FILE:cellstrap_bs_app>)
set_tests_properties(bs_cli PROPERTIES LABELS "integration;bs" TIMEOUT 60)

# Network-attested bootstrap: policies, inventory, endpoint names.
cs_unit_test(test_bs_policy bs unit/test_bs_policy.c)
target_link_libraries(test_bs_policy PRIVATE cellstrap_bs)
