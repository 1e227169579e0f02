# cellstrap_netsim: the core-network emulator's engine (subscribers, the
# packet gateway's pool and accounting, the GBA BSF and its Zn).  Sans-I/O; cellstrap-netsim wires it.
add_library(cellstrap_netsim STATIC
  netsim/netsim.c
  netsim/bsf.c
)
target_include_directories(cellstrap_netsim PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(cellstrap_netsim PUBLIC cellstrap cellstrap_radius cellstrap_cellular PRIVATE PkgConfig::JANSSON)
cs_target_warnings(cellstrap_netsim)
