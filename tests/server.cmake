# Tests of the server module (labels: kind;server).
cs_unit_test(test_server server unit/test_server.c)
target_link_libraries(test_server PRIVATE cellstrap_server)

# The program: usage errors, a Register from libcoap's coap-client, the
# admin client mode, SIGTERM.
add_test(NAME server_cli
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/server_cli.sh $<TARGET_FILE:cellstrap_server_app>)
set_tests_properties(server_cli PROPERTIES LABELS "integration;server" TIMEOUT 60)

# The DTLS-PSK listener with credentials from the store, against
# libcoap's coap-client.
add_executable(server_issue integration/server_issue.c)
target_link_libraries(server_issue PRIVATE cellstrap_store)
cs_target_warnings(server_issue)
add_test(NAME server_dtls
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/server_dtls.sh
          $<TARGET_FILE:cellstrap_server_app> $<TARGET_FILE:server_issue>)
set_tests_properties(server_dtls PROPERTIES LABELS "integration;server" TIMEOUT 120)

# Device management end to end: a test device over DTLS and one over plain
# CoAP, driven through the admin client mode.
add_executable(server_device integration/server_device.c)
target_link_libraries(server_device PRIVATE cellstrap)
cs_target_warnings(server_device)
add_test(NAME server_dm
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/server_dm.sh
          $<TARGET_FILE:cellstrap_server_app> $<TARGET_FILE:server_issue>
          $<TARGET_FILE:server_device>)
set_tests_properties(server_dm PROPERTIES LABELS "integration;server" TIMEOUT 120)
