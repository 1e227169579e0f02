# cellstrap_http: HTTP client (libcurl) and server (libmicrohttpd, run
# from the cs_loop), for GBA Ub, Zn and the AAnF; and the device's GBA
# client over Ub (ub.c), which asks the modem's USIM through
# cellstrap_cellular.  Only programs that speak HTTP link it; the engines
# do not.
pkg_check_modules(LIBCURL REQUIRED IMPORTED_TARGET libcurl)
pkg_check_modules(LIBMICROHTTPD REQUIRED IMPORTED_TARGET libmicrohttpd)
add_library(cellstrap_http STATIC
  http/client.c
  http/server.c
  http/zn.c
  http/ub.c
)
target_include_directories(cellstrap_http PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(cellstrap_http
  PUBLIC cellstrap cellstrap_cellular
  PRIVATE PkgConfig::LIBCURL PkgConfig::LIBMICROHTTPD PkgConfig::JANSSON)
cs_target_warnings(cellstrap_http)
