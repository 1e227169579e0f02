# Tests of the core-network emulator (labels: kind;netsim).
cs_unit_test(test_netsim netsim unit/test_netsim.c)
target_link_libraries(test_netsim PRIVATE cellstrap_netsim)

# The program over real sockets against an accounting server on our RADIUS
# engine (tests/interop/radius_peer.c).
add_test(NAME netsim_gateway
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/netsim.sh
          $<TARGET_FILE:cellstrap_netsim_app> $<TARGET_FILE:radius_peer>)
set_tests_properties(netsim_gateway PROPERTIES LABELS "integration;netsim" TIMEOUT 60
  PASS_REGULAR_EXPRESSION "netsim ok")
