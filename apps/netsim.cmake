# cellstrap-netsim: argument parsing, sockets and the modem files only.
add_executable(cellstrap_netsim_app cellstrap-netsim.c)
target_link_libraries(cellstrap_netsim_app PRIVATE cellstrap_netsim cellstrap_http PkgConfig::JANSSON)
set_target_properties(cellstrap_netsim_app PROPERTIES OUTPUT_NAME cellstrap-netsim)
cs_target_warnings(cellstrap_netsim_app)
