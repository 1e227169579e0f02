# cellstrap-server: argument parsing and wiring only.
add_executable(cellstrap_server_app cellstrap-server.c)
target_link_libraries(cellstrap_server_app PRIVATE cellstrap_server)
set_target_properties(cellstrap_server_app PROPERTIES OUTPUT_NAME cellstrap-server)
cs_target_warnings(cellstrap_server_app)
