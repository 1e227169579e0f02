# cellstrap_client: the LwM2M client engine (no store, no HTTP).
add_library(cellstrap_client STATIC
  client/client.c
  client/handlers.c
  client/data.c
  client/persist.c
)
target_include_directories(cellstrap_client PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(cellstrap_client PUBLIC cellstrap)
cs_target_warnings(cellstrap_client)
