# Tests of the SIM-anchored key arithmetic in cellstrap_cellular (labels:
# kind;gba, and akma where AKMA is covered): Milenage and the emulated
# USIM, GBA/AKMA derivations, identities and HTTP Digest AKA.
cs_unit_test(test_milenage gba unit/test_milenage.c)
target_link_libraries(test_milenage PRIVATE cellstrap_cellular)

cs_unit_test(test_gba gba unit/test_gba.c)
target_link_libraries(test_gba PRIVATE cellstrap_cellular)
set_tests_properties(test_gba PROPERTIES LABELS "unit;gba;akma")
