# Tests of the radius module (labels: kind;radius): the codec and both
# accounting engines, and radclient (Debian freeradius-utils, an
# independent RADIUS implementation) against our accounting server over
# loopback UDP.
cs_unit_test(test_radius radius unit/test_radius.c)
target_link_libraries(test_radius PRIVATE cellstrap_radius)

add_executable(radius_peer interop/radius_peer.c)
target_link_libraries(radius_peer PRIVATE cellstrap_radius)
cs_target_warnings(radius_peer)
add_test(NAME interop_radclient
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/interop/radclient.sh $<TARGET_FILE:radius_peer>)
set_tests_properties(interop_radclient PROPERTIES LABELS "interop;radius" TIMEOUT 120)
