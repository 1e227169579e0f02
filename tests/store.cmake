# Tests of the store module (labels: kind;store).
# The test also opens database files directly (schema version, WAL mode,
# prepared old or future files), so it links SQLite itself.
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
cs_unit_test(test_store store unit/test_store.c)
target_link_libraries(test_store PRIVATE cellstrap_store PkgConfig::SQLITE3)
