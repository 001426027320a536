# tern_add_cross_runtime(<triple> MODEL_RUNTIME <sources> RUNNER <sources>
#                        GENERATE <sources>)
#
# Builds libtern_model_runtime.a, libtern_runner.a and libtern_generate.a
# for <triple> into
# ${TERN_LIBRARY_DIR}/<triple>/ with clang (TERN_LINKER_DRIVER), which
# cross-compiles C for any triple given that target's libc headers.
function(tern_add_cross_runtime triple)
  cmake_parse_arguments(ARG "" "" "MODEL_RUNTIME;RUNNER;GENERATE" ${ARGN})
  set(out_dir ${TERN_LIBRARY_DIR}/${triple})
  set(obj_dir ${CMAKE_CURRENT_BINARY_DIR}/${triple})
  set(flags --target=${triple} -std=gnu11 -O2 -fPIC -fvisibility=hidden
    -I${TERN_SOURCE_DIR}/include)
  set(archives)
  foreach(kind MODEL_RUNTIME RUNNER GENERATE)
    string(TOLOWER ${kind} name)
    set(archive ${out_dir}/libtern_${name}.a)
    set(objects)
    foreach(source ${ARG_${kind}})
      get_filename_component(stem ${source} NAME_WE)
      set(object ${obj_dir}/${stem}.o)
      add_custom_command(OUTPUT ${object}
        COMMAND ${CMAKE_COMMAND} -E make_directory ${obj_dir}
        COMMAND ${TERN_LINKER_DRIVER} ${flags} -c
          ${CMAKE_CURRENT_SOURCE_DIR}/${source} -o ${object}
        DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${source}
        IMPLICIT_DEPENDS C ${CMAKE_CURRENT_SOURCE_DIR}/${source}
        COMMENT "Building ${source} for ${triple}"
        VERBATIM)
      list(APPEND objects ${object})
    endforeach()
    add_custom_command(OUTPUT ${archive}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${out_dir}
      COMMAND ${CMAKE_COMMAND} -E rm -f ${archive}
      COMMAND ${TERN_ARCHIVER} rcs ${archive} ${objects}
      DEPENDS ${objects}
      VERBATIM)
    list(APPEND archives ${archive})
  endforeach()
  add_custom_target(tern_runtime_${triple} ALL DEPENDS ${archives})
endfunction()
