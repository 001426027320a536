// REQUIRES: ptxas, fatbinary
// RUN: tern-opt %s -split-input-file -verify-diagnostics -tern-gpu-embed-cubins="ptxas=%ptxas fatbinary=%fatbinary archs=sm_80,sm_90" | FileCheck %s
// RUN: tern-opt %s -split-input-file -tern-gpu-embed-cubins | FileCheck %s --check-prefix=NONE

// The PTX object becomes one fatbin (the default format, printed without a
// keyword) holding it and a cubin for each arch, which fatbinary writes
// with its magic number 0xBA55ED50 first (nvptx-fatbin.test lists the
// images of ternc's). Without archs the PTX stays as it is.
// CHECK-LABEL: gpu.binary @kernels
// CHECK-NOT: assembly =
// CHECK-SAME: #gpu.object<#nvvm.target<chip = "sm_80">, "P\EDU\BA
// NONE: gpu.binary @kernels [#gpu.object<#nvvm.target<chip = "sm_80">, assembly = "
module attributes {gpu.container_module} {
  gpu.binary @kernels [#gpu.object<#nvvm.target<chip = "sm_80">, assembly = "//\0A.version 7.0\0A.target sm_80\0A.address_size 64\0A.visible .entry k()\0A{\0A  ret;\0A}\0A">]
}

// -----

// PTX that ptxas refuses fails the pass with ptxas's own message (once
// archs are given: without them the pass leaves objects alone).
module attributes {gpu.container_module} {
  // expected-error @+2 {{ptxas for sm_80 failed: ptxas}}
  // expected-error @+1 {{ptxas for sm_90 failed: ptxas}}
  gpu.binary @bad [#gpu.object<#nvvm.target<chip = "sm_80">, assembly = "//\0A.version 7.0\0A.target sm_80\0A.address_size 64\0A.visible .entry k()\0A{\0A  bogus;\0A}\0A">]
}
