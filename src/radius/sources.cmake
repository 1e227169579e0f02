# cellstrap_radius: the RADIUS accounting codec (packet.c) and its two
# sans-I/O engines: the bootstrap server's accounting listener
# (accounting.c) and the packet gateway's client (acct_client.c).
add_library(cellstrap_radius STATIC
  radius/packet.c
  radius/accounting.c
  radius/acct_client.c
)
target_include_directories(cellstrap_radius PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(cellstrap_radius PUBLIC cellstrap)
cs_target_warnings(cellstrap_radius)
