# cellstrap_bs: the bootstrap server engine.
add_library(cellstrap_bs STATIC
  bs/config.c
  bs/bs.c
  bs/policy.c
  bs/rate_limit.c
  bs/accounting.c
  bs/naf_keys.c
)
target_include_directories(cellstrap_bs PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(cellstrap_bs PUBLIC cellstrap cellstrap_store cellstrap_cellular cellstrap_radius PRIVATE PkgConfig::JANSSON)
cs_target_warnings(cellstrap_bs)
