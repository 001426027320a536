# Helpers shared by Tern's CMake files.

# tern_add_tool(name SRCS... LINK_LIBS...)
# A command-line tool that links the shared libMLIR.so and libLLVM.so.
function(tern_add_tool name)
  cmake_parse_arguments(ARG "" "" "LINK_LIBS" ${ARGN})
  add_executable(${name} ${ARG_UNPARSED_ARGUMENTS})
  llvm_update_compile_flags(${name})
  target_link_libraries(${name} PRIVATE ${ARG_LINK_LIBS} MLIR LLVM)
  set_target_properties(${name} PROPERTIES
    RUNTIME_OUTPUT_DIRECTORY ${TERN_TOOLS_DIR})
endfunction()

# tern_add_library(name SRCS... DEPENDS... LINK_LIBS...)
# A compiler library of Tern's own; it links against libMLIR.so / libLLVM.so
# rather than MLIR's static component libraries.
function(tern_add_library name)
  cmake_parse_arguments(ARG "" "" "DEPENDS;LINK_LIBS" ${ARGN})
  add_library(${name} STATIC ${ARG_UNPARSED_ARGUMENTS})
  llvm_update_compile_flags(${name})
  if(ARG_DEPENDS)
    add_dependencies(${name} ${ARG_DEPENDS})
  endif()
  target_link_libraries(${name} PUBLIC ${ARG_LINK_LIBS} MLIR LLVM)
endfunction()
