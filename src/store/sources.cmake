# cellstrap_store: the store interface (store.c: URI dispatch and bounds)
# and its SQLite back end (sqlite.c).
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
add_library(cellstrap_store STATIC
  store/store.c
  store/sqlite.c
)
target_include_directories(cellstrap_store PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(cellstrap_store PUBLIC cellstrap PRIVATE PkgConfig::SQLITE3)
cs_target_warnings(cellstrap_store)
