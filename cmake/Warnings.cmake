# taskmock_warnings(target): our own code builds with these; third-party
# headers are included as SYSTEM so their warnings stay out of the way.
function(taskmock_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
    -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual)
  if(TASKMOCK_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
