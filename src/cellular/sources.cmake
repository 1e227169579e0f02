# cellstrap_cellular: the device's side of the cellular network: the modem
# interface (emulated back end: a JSON file from cellstrap-netsim) and what
# a vanilla device derives from its subscription.  No store, no server code.
add_library(cellstrap_cellular STATIC
  cellular/subscription.c
  cellular/modem.c
)
target_include_directories(cellstrap_cellular PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(cellstrap_cellular PUBLIC cellstrap PRIVATE PkgConfig::JANSSON)
cs_target_warnings(cellstrap_cellular)
