# End-to-end tests: cellstrap-bs, cellstrap-server and cellstrap-client as
# real processes over real sockets on loopback, sharing a SQLite store.
# They span the client, bs and server areas and carry all three labels.
set(CS_E2E_LABELS "integration;client;bs;server")
set(CS_FAKE_PEERS ${CMAKE_CURRENT_SOURCE_DIR}/integration/client/fake_peers.py)

# Bootstrap (classic, pack, DTLS), DTLS-PSK registration, Read, Write,
# Execute, Observe, restart from the state file, De-register on SIGTERM.
add_test(NAME e2e_lwm2m
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/e2e/lwm2m.sh $<TARGET_FILE_DIR:cellstrap_client_app>)
set_tests_properties(e2e_lwm2m PROPERTIES LABELS "${CS_E2E_LABELS}" TIMEOUT 120
  PASS_REGULAR_EXPRESSION "lwm2m end to end ok")

# Unknown endpoint, ep not matching the PSK identity, revoked credentials,
# corrupt state file, a BS that dies between Write and Finish.
add_test(NAME e2e_bad_cases
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/e2e/bad_cases.sh
          $<TARGET_FILE_DIR:cellstrap_client_app> ${CS_FAKE_PEERS})
set_tests_properties(e2e_bad_cases PROPERTIES LABELS "${CS_E2E_LABELS}" TIMEOUT 180
  PASS_REGULAR_EXPRESSION "lwm2m bad cases ok")

# tshark decodes a captured run as CoAP and dissects its TLV payloads.
add_test(NAME e2e_capture
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/e2e/capture.sh $<TARGET_FILE_DIR:cellstrap_client_app>)
set_tests_properties(e2e_capture PROPERTIES LABELS "${CS_E2E_LABELS}" TIMEOUT 120
  SKIP_RETURN_CODE 77)

# Vanilla mode: an emulated modem gives the subscription and the address;
# the device bootstraps from that address, and again after a re-attach.
add_test(NAME e2e_vanilla
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/e2e/vanilla.sh $<TARGET_FILE_DIR:cellstrap_client_app>)
set_tests_properties(e2e_vanilla PROPERTIES LABELS "integration;client;bs;server" TIMEOUT 120
  PASS_REGULAR_EXPRESSION "vanilla mode ok")

# Zero-touch: netsim's gateway reports sessions over RADIUS, the BS binds
# addresses and picks servers by policy, generic devices land on the right
# server; re-attach rotates credentials; an impostor is refused.  The
# README's first command (scripts/demo) runs the same script.
add_test(NAME e2e_zero_touch
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/e2e/zero_touch.sh $<TARGET_FILE_DIR:cellstrap_client_app>)
set_tests_properties(e2e_zero_touch PROPERTIES
  LABELS "integration;demo;bs;netsim;client;server" TIMEOUT 120
  PASS_REGULAR_EXPRESSION "zero-touch ok")

# Network-attested refusals, with radclient as the packet gateway: another
# subscription's name, a stopped session, a reused address, a wrong
# secret, an untrusted APN, a burst over the rate limit, Accounting-On.
add_test(NAME e2e_attested_refusals
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/e2e/attested_refusals.sh $<TARGET_FILE_DIR:cellstrap_client_app>)
set_tests_properties(e2e_attested_refusals PROPERTIES
  LABELS "integration;bs;radius;client" TIMEOUT 120
  PASS_REGULAR_EXPRESSION "attested refusals ok")

# GBA: Ub against netsim's BSF with the emulated USIM (with a SQN
# resynchronisation), DTLS-PSK with Ks_NAF, the BS fetching the key over
# Zn and placing the subscription by policy; refusals: another SIM key,
# someone else's B-TID, an unknown NAF; an expired B-TID and a fresh Ub.
add_test(NAME e2e_gba
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/e2e/gba.sh $<TARGET_FILE_DIR:cellstrap_client_app>)
set_tests_properties(e2e_gba PROPERTIES LABELS "integration;gba;bs;client;netsim"
  TIMEOUT 120 PASS_REGULAR_EXPRESSION "gba ok")

# AKMA: a primary authentication at attach, K_AF from the AAnF, placement
# by policy; refused: an unknown A-KID, an unknown AF, a GBA-only policy.
add_test(NAME e2e_akma
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/e2e/akma.sh $<TARGET_FILE_DIR:cellstrap_client_app>)
set_tests_properties(e2e_akma PROPERTIES LABELS "integration;akma;bs;client;netsim"
  TIMEOUT 120 PASS_REGULAR_EXPRESSION "akma ok")
