# cellstrap-bs: argument parsing and wiring only.
add_executable(cellstrap_bs_app cellstrap-bs.c)
target_link_libraries(cellstrap_bs_app PRIVATE cellstrap_bs cellstrap_http)
set_target_properties(cellstrap_bs_app PROPERTIES OUTPUT_NAME cellstrap-bs)
cs_target_warnings(cellstrap_bs_app)
