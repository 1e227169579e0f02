# The warning set every target of the project's own code is built with.
set(CS_WARNINGS
  -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla -Wpointer-arith
  -Wstrict-prototypes -Wmissing-prototypes -Wcast-qual -Wundef
  -Wwrite-strings -Wnull-dereference -Wimplicit-fallthrough)

function(cs_target_warnings target)
  target_compile_options(${target} PRIVATE ${CS_WARNINGS})
endfunction()
