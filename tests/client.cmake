# Tests of the client module (labels: kind;client).
cs_unit_test(test_client client unit/test_client.c)
target_link_libraries(test_client PRIVATE cellstrap_client)

# The program over real sockets on loopback, against scripted peers
# (python3) and libcoap's DTLS server.
add_test(NAME client_e2e
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/client/client_e2e.sh
          $<TARGET_FILE:cellstrap_client_app>)
set_tests_properties(client_e2e PROPERTIES LABELS "integration;client"
  TIMEOUT 120 PASS_REGULAR_EXPRESSION "client e2e ok")

# The device's side of the cellular network (src/cellular).
cs_unit_test(test_cellular client unit/test_cellular.c)
target_link_libraries(test_cellular PRIVATE cellstrap_cellular)
