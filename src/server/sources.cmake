# cellstrap_server: the LwM2M server engine.
add_library(cellstrap_server STATIC
  server/server.c
  server/dm.c
  server/admin.c
)
target_include_directories(cellstrap_server PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(cellstrap_server PUBLIC cellstrap cellstrap_store)
cs_target_warnings(cellstrap_server)
