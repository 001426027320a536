//===- Passes.td - Tern code generation passes -------------*- tablegen -*-===//
//
// The code generation layer: how linalg ops become loops of vector code,
// in three libraries: target-independent passes (lib/Codegen/Common), the
// CPU strategy (lib/Codegen/CPU) and the GPU mapping (lib/Codegen/GPU).
// Every pass takes the target's strategy (vector width, register and
// thread tiles) as options; target plug-ins fill them in
// (TargetBackend::configurePipeline), and lit tests name them.
//
//===----------------------------------------------------------------------===//

#ifndef TERN_CODEGEN_PASSES_TD
#define TERN_CODEGEN_PASSES_TD

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// Target-independent (lib/Codegen/Common): the entry, shapes, loops.
//===----------------------------------------------------------------------===//

def TernExportEntry : Pass<"tern-export-entry", "ModuleOp"> {
  let summary = "Give the model's public functions the compiled-model ABI";
  let description = [{
    Marks every public `func.func` with `llvm.emit_c_interface` so the LLVM
    lowering emits an `_mlir_ciface_<name>` wrapper taking memref
    descriptors, and marks its tensor arguments as not writable so that
    bufferization never writes into the caller's input buffers.
  }];
}

// On any function-like op: host functions and GPU kernels alike.
def TernLowerDynamicExpandShape
    : Pass<"tern-lower-dynamic-expand-shape"> {
  let summary = "Turn expand_shapes that split a dynamic size into "
                "reinterpret_casts";
  let description = [{
    A `memref.expand_shape` that splits one dynamic size into several
    dynamic sizes (`[?, 64] -> [?, ?, 64]`, a sequence axis split from a
    batch-times-sequence axis) becomes a `memref.reinterpret_cast` of the
    buffer's base (`memref.extract_strided_metadata`) with the
    `output_shape` sizes, the source's offset, and strides that are
    row-major within each group, starting from the stride of the source
    dimension the group splits. Sources may be strided: a matmul's result
    padded to whole vector panels and cut back to size is. Upstream
    `expand-strided-metadata` crashes on such expand_shapes in LLVM 22; the
    cast is what it would produce.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::memref::MemRefDialect"
  ];
}

def TernOutlineParallelLoops : Pass<"tern-outline-parallel-loops", "ModuleOp"> {
  let summary = "Move each outermost parallel loop into a function of its own";
  let description = [{
    A model is one function, and a large one holds thousands of parallel
    loops. The translation of OpenMP regions to LLVM IR outlines each
    region by scanning the whole function it is in, so its time grows with
    the square of the model's size (20 s of a 2B model's compile). Run
    before `convert-scf-to-openmp`, this pass moves every `scf.parallel`
    that is not inside another one into a private `func.func` named after
    the function it came from, called in its place with the values the loop
    uses; each OpenMP region then lives in a small function. A model's
    repeated layers give the same loop many times over: functions whose
    bodies are equivalent are merged into one (calls pass the values that
    differ), so LLVM optimizes and emits each loop once.

    ```mlir
    scf.parallel (%i) = (%c0) to (%n) step (%c1) { ... %buf ... }
    ```

    becomes `func.call @main_graph_parallel_0(%c0, %n, %c1, %buf)`.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect"];
}

def TernParallelThreshold : Pass<"tern-parallel-threshold", "func::FuncOp"> {
  let summary = "Run small parallel loops on one thread";
  let description = [{
    Starting and joining OpenMP threads costs microseconds, more than a
    small loop's work: a model decoding one token runs hundreds of small
    elementwise loops. After `convert-scf-to-openmp`, each `omp.parallel`
    around a worksharing loop gets an `if` clause that is true only when
    the loop's trip count (computed when the model runs, from its bounds)
    times an estimate of its body's operations reaches `min-work`. The
    body estimate multiplies nested `scf.for` loops' static trip counts
    (16 for dynamic ones). False runs the region on the calling thread.
    Which thread computes an element does not change its value.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
  let options = [
    Option<"minWork", "min-work", "int64_t", /*default=*/"262144",
           "Estimated operations below which a loop stays on one thread">
  ];
}

def TernSerializeInnerLoops
    : Pass<"tern-serialize-inner-loops", "func::FuncOp"> {
  let summary = "Run the innermost dimension of flat parallel loops in order";
  let description = [{
    A multi-dimensional `scf.parallel` becomes one OpenMP loop over the
    collapsed iteration space, whose every iteration recomputes its indices
    with divisions: LLVM cannot vectorize that. For a parallel loop of two
    or more dimensions whose body has no loop of its own (an elementwise op,
    a copy, a broadcast), this pass keeps the outer dimensions parallel and
    makes the innermost one an `scf.for` inside, a plain loop over
    consecutive elements that LLVM's loop vectorizer takes. Loops with
    nested loops (the matmul kernels) are left alone: their innermost
    dimension may be all the parallelism there is (a GEMV's channels).
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect"];
}

def TernSimplifyMath : Pass<"tern-simplify-math", "func::FuncOp"> {
  let summary = "Strength-reduce math ops with constant exponents";
  let description = [{
    Upstream's algebraic simplification of the math dialect: `math.powf`
    with a constant exponent of 2 becomes one multiplication (an export's
    squared ReLU, `Pow(x, 2)`, was a libm call per element), small integer
    exponents a few, `-1` a division, `0.5` a square root. Runs after
    elementwise fusion has folded the constant exponent into the body.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::math::MathDialect",
    "::mlir::vector::VectorDialect"
  ];
}

//===----------------------------------------------------------------------===//
// CPU targets (lib/Codegen/CPU): vector register tiles.
//===----------------------------------------------------------------------===//

def TernLowerVectors : Pass<"tern-lower-vectors", "func::FuncOp"> {
  let summary = "Lower register tiles' vector contractions to FMAs";
  let description = [{
    Runs after bufferization on the loops `tern-vectorize-contractions`
    made (whose K loops already carry their accumulators as vectors). It
    lowers `vector.contract` to outer products and those to `vector.fma`
    (one broadcast of the left-hand side per row), and n-D transfers,
    masks, broadcasts and transposes to the 1-D vector ops the LLVM
    lowering takes.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect"
  ];
}

def TernVectorizeContractions
    : Pass<"tern-vectorize-contractions", "func::FuncOp"> {
  let summary = "Tile float contractions for threads and registers, pack "
                "constant weights, and vectorize them";
  let description = [{
    Rewrites each f32 contraction on tensors (`linalg.matmul`, batched
    matmuls, and any `linalg.generic` that is a contraction with one
    reduction dimension) into a loop nest whose innermost body is a
    `vector.contract` on a register tile:

    0. **Convolutions.** `linalg.conv_2d_nchw_fchw` is first rewritten by
       upstream's `rewriteInIm2Col` into an im2col gather and a
       contraction of the filter with its columns, which the steps below
       take like any other.
    1. **Packing.** When the right-hand side is a constant (a linear
       layer's weight, also seen through `linalg.transpose`), it is
       repacked at compile time into panels of `nr` columns,
       `[ceil(N / nr), K, nr]`, so that the kernel streams each panel in
       one contiguous run whatever the shape (a GEMV reads the weight at
       the memory's pace). The output is computed as `[M, N / nr, nr]`, a
       view of `[M, N]`.
    2. **Threads.** An `scf.forall` over tiles of `thread-tile-m` rows and
       `thread-tile-n` columns (batch dimensions one by one). Each thread
       tile's reduction runs whole and in order, so results do not depend on
       the thread count.
    3. **Registers.** Inside a thread tile, `scf.for` loops over panels,
       then over `register-tile-m` rows, then over K one step at a time,
       the accumulator carried through the K loop as a vector
       (`hoistLoopInvariantSubsets`).
       The row loop is peeled: full register tiles are static, the last
       rows are computed one at a time (a GEMV is all such rows).
    4. **Vectors.** Each register tile becomes `vector.contract` on
       `register-tile-m x nr x 1` (`nr` is `register-vectors-n` vectors of
       `vector-bits`). The column loop of an unpacked right-hand side (an
       activation times an activation) is peeled too; its last columns
       are computed in whole vectors, then one at a time. An activation
       right-hand side whose columns are not innermost (a transposed
       operand) is left to the loops.

    `tern-lower-vectors` later lowers the contractions to FMAs.
  }];
  let dependentDialects = [
    "::mlir::affine::AffineDialect", "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect", "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect", "::mlir::vector::VectorDialect"
  ];
  let options = [
    Option<"vectorBits", "vector-bits", "int64_t", /*default=*/"256",
           "Width of the target's vector registers in bits">,
    Option<"registerTileM", "register-tile-m", "int64_t", /*default=*/"4",
           "Rows of a register tile">,
    Option<"registerVectorsN", "register-vectors-n", "int64_t",
           /*default=*/"2", "Vectors per row of a register tile">,
    Option<"threadTileM", "thread-tile-m", "int64_t", /*default=*/"64",
           "Rows of the tile one thread computes">,
    Option<"threadTileN", "thread-tile-n", "int64_t", /*default=*/"256",
           "Columns of the tile one thread computes">,
    Option<"packWeights", "pack-weights", "bool", /*default=*/"true",
           "Repack constant right-hand sides into panels">
  ];
}

//===----------------------------------------------------------------------===//
// GPU targets (lib/Codegen/GPU): the loop nests above, mapped to kernels.
//===----------------------------------------------------------------------===//

def TernGPUManagedBuffers
    : Pass<"tern-gpu-managed-buffers", "func::FuncOp"> {
  let summary = "Put the buffers kernels reach in device memory, and the "
                "copies between them in parallel loops";
  let description = [{
    After bufferization, decides where each `memref.alloc` of the
    function's own code (not one inside a parallel loop, which becomes a
    kernel) lives:

    - in device memory (`gpu.alloc`, freed by `gpu.dealloc`) when a
      parallel loop uses it or one of its views, when it is returned,
      passed on or yielded, or when it is copied to or from device memory;
    - in host memory (it stays a `memref.alloc`) when only host code reads
      and writes it: the shape vectors of reshapes, scalars of the shape
      arithmetic. A copy into such a buffer from a constant global of at
      most 16 elements (a piece of a shape) becomes stores of the
      constant's values, since the globals are device memory.

    Function arguments and globals (the inputs and weights the runtime
    uploads) are device memory. A host `memref.copy` that touches device
    memory becomes an `scf.parallel` over its elements, which
    `tern-gpu-map-parallel-loops` turns into a kernel: the host never
    copies what kernels wrote.

    The ops are left synchronous; `tern-gpu-async-launches` puts them on
    the stream. `gpu-to-llvm` lowers them to `mgpuMemAlloc`/`mgpuMemFree`,
    which the device runtime (lib/Runtime/CudaDriver.c) serves from a
    cache of CUDA managed memory: the host code between kernels may still
    read a kernel's result (a computed shape) once it has waited for it.
    The results the function returns are such buffers too; the C API
    copies them out and frees them.
  }];
  let options = [
    Option<"hostMemory", "host-memory", "bool", /*default=*/"false",
           "Rewrite the copies as for the GPU, but keep every buffer a "
           "memref.alloc: the loop nests the GPU would run, for the host "
           "(--gpu-loops-on-host)">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::scf::SCFDialect"];
}

def TernGPUAsyncLaunches
    : Pass<"tern-gpu-async-launches", "func::FuncOp"> {
  let summary = "Launch kernels without waiting for them, and wait only "
                "where the host reads or writes device memory";
  let description = [{
    After kernel outlining, threads an `!gpu.async.token` through the GPU
    ops of each block (`gpu.launch_func`, `gpu.alloc`, `gpu.dealloc`,
    `gpu.memcpy`), so that the host launches one kernel after another
    without waiting, and inserts a `gpu.wait` only before:

    - a host op that may read or write device memory: one on a buffer that
      is not the host code's own `memref.alloc` or `memref.alloca`, a call
      of a function defined in the module;
    - an op whose regions hold such code or GPU work;
    - the block's terminator, so that every region, and the function,
      ends with the GPU idle.

    This is upstream's `gpu-async-region` with a narrower idea of what
    must wait: that pass also waits before the stores into a host shape
    vector and before each run-time check's call of the error report,
    which reach no device memory.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def TernGPUVectorAlignment
    : Pass<"tern-gpu-vector-alignment", "::mlir::gpu::GPUFuncOp"> {
  let summary = "Give a kernel's vector loads and stores the alignment "
                "their addresses are known to have";
  let description = [{
    LLVM's NVPTX backend splits a vector load of the element type's
    alignment into one load per element: the ternary kernels' 32-byte rows
    of packed codes became 32 byte loads. This pass lowers the kernel's 1-D
    vector transfers to `vector.load`/`vector.store` (and their masked
    forms) and sets each one's `alignment` to what its address is known to
    be a multiple of, where the buffer is a kernel argument (or a reshape
    of one) with a static offset and strides: `base-alignment` for the
    buffer's start, which the device runtime's allocations and the weights
    file's 64-byte-aligned constants give, and for each index the largest
    factor known from constants, products, sums and loop bounds and steps,
    times its stride. A 32-byte row of codes at a column that is a multiple
    of 32 becomes two 16-byte loads; an activation row of 300 bytes keeps
    what 4 bytes allow.
  }];
  let options = [
    Option<"baseAlignment", "base-alignment", "int64_t", /*default=*/"64",
           "Bytes every kernel argument's buffer is aligned to">,
  ];
  let dependentDialects = ["::mlir::vector::VectorDialect"];
}

def TernGPUMapParallelLoops
    : Pass<"tern-gpu-map-parallel-loops", "func::FuncOp"> {
  let summary = "Tile the outermost parallel loops into blocks and threads "
                "and map them to the GPU";
  let description = [{
    Each outermost `scf.parallel` is first collapsed into one dimension
    (`collapseParallelLoops`), its last dimension the fastest, so that
    every block is full whatever the loop's shape (a GEMV has one row, a
    prompt a few) and the threads of a warp take neighbouring iterations of
    the innermost dimension, whose accesses are the contiguous ones. That
    dimension is tiled by `threads-per-block`, with a constant inner bound
    and a guard (`no-min-max-bounds`), as `convert-parallel-loops-to-gpu`
    needs: the tile loop maps to `block_x` (up to 2^31 - 1 blocks) and the
    loop inside a tile to `thread_x`. Loops nested inside the mapped ones
    run sequentially in each thread.
  }];
  let options = [
    Option<"threadsPerBlock", "threads-per-block", "int64_t",
           /*default=*/"256", "Threads of a block">,
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect", "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect", "::mlir::scf::SCFDialect"
  ];
}

def TernGPUKernelModule : Pass<"tern-gpu-kernel-module", "ModuleOp"> {
  let summary = "Gather the outlined kernels into one GPU module and give "
                "them the run-time error hook";
  let description = [{
    `gpu-kernel-outlining` makes one `gpu.module` per kernel; the driver
    would load each on its own. This pass moves every kernel into the first
    module (renaming on clashes, and updating each `gpu.launch_func`), so
    that the library loads one module.

    Kernels keep the importer's run-time checks (an index outside its
    tensor, whose load is then clamped). Their calls of
    `tern_report_runtime_error` cannot reach the host, so the module
    defines the hook itself: it records the largest code in the device
    global `tern_kernel_error`, which the device runtime reads, and
    clears, when the run's kernels are done.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::func::FuncDialect",
    "::mlir::gpu::GPUDialect", "::mlir::memref::MemRefDialect"
  ];
}

def TernGPUEmbedCubins : Pass<"tern-gpu-embed-cubins", "ModuleOp"> {
  let summary = "Add ptxas's cubins to the PTX of each GPU binary, as a "
                "fatbin";
  let description = [{
    `gpu-module-to-binary` leaves PTX, which the driver compiles when the
    library is loaded (each process, every time). This pass runs `ptxas`
    on it once per entry of `archs`, at once, and packs the PTX and the
    cubins with `fatbinary` into one fatbin, which replaces the object: the
    driver then loads the cubin made for its GPU, and falls back to the PTX
    on a GPU newer than any of them. ptxas's own errors fail the pass with
    its message.
  }];
  let options = [
    Option<"ptxas", "ptxas", "std::string", /*default=*/"\"\"",
           "Path of ptxas">,
    Option<"fatbinary", "fatbinary", "std::string", /*default=*/"\"\"",
           "Path of fatbinary">,
    ListOption<"archs", "archs", "std::string",
               "The GPU architectures to make cubins for (sm_80, sm_90)">,
  ];
}

#endif // TERN_CODEGEN_PASSES_TD
