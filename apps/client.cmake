# cellstrap-client: argument parsing and wiring only.
add_executable(cellstrap_client_app cellstrap-client.c)
target_link_libraries(cellstrap_client_app PRIVATE cellstrap_client cellstrap_cellular cellstrap_http)
set_target_properties(cellstrap_client_app PROPERTIES OUTPUT_NAME cellstrap-client)
cs_target_warnings(cellstrap_client_app)
