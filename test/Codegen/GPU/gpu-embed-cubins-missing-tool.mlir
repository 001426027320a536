// RUN: tern-opt %s -verify-diagnostics -tern-gpu-embed-cubins="ptxas=/nonexistent/ptxas fatbinary=/nonexistent/fatbinary archs=sm_80"

// A ptxas that cannot be started is an error naming it.
module attributes {gpu.container_module} {
  // expected-error @+1 {{cannot run /nonexistent/ptxas}}
  gpu.binary @kernels [#gpu.object<#nvvm.target<chip = "sm_80">, assembly = "//\0A.version 7.0\0A.target sm_80\0A.address_size 64\0A.visible .entry k()\0A{\0A  ret;\0A}\0A">]
}
