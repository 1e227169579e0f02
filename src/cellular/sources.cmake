# cellstrap_cellular: the device's side of the cellular network: the modem
# interface (emulated back end: a JSON file from cellstrap-netsim) and what
# a vanilla device derives from its subscription; and the SIM-anchored key
# arithmetic (Milenage/AKA and an emulated USIM, GBA and AKMA derivations,
# HTTP Digest AKA) that the device, the BSF/AAnF and the NAF share.  Pure
# computation besides the modem reader.  No store, no server code.
add_library(cellstrap_cellular STATIC
  cellular/subscription.c
  cellular/modem.c
  cellular/milenage.c
  cellular/usim.c
  cellular/gba.c
  cellular/digest.c
  cellular/bootstrapping_info.c
)
target_include_directories(cellstrap_cellular PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(cellstrap_cellular PUBLIC cellstrap PRIVATE PkgConfig::JANSSON)
cs_target_warnings(cellstrap_cellular)
