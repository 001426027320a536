/*===- DeviceHooks.h - What a GPU target's runtime gives the C API --------===*
 *
 * A model compiled for a GPU target links a device runtime next to the
 * model runtime (CudaDriver.c for NVPTX). The model runtime declares these
 * weak: in a CPU model they are NULL and every buffer stays in host memory.
 * Device buffers are visible to the host at the same address (CUDA managed
 * memory), so the runtime's host code may read them once a run is over.
 *
 *===----------------------------------------------------------------------===*/

#ifndef TERN_RUNTIME_DEVICEHOOKS_H
#define TERN_RUNTIME_DEVICEHOOKS_H

#include <stddef.h>
#include <stdint.h>

#define TERN_DEVICE_HOOK __attribute__((weak, visibility("hidden")))

/* Opens the device for a new model instance: 0, or -1 with the reason in
 * tern_device_error(). */
extern int tern_device_open(void) TERN_DEVICE_HOOK;
/* Closes what tern_device_open opened; the last instance's close releases
 * the buffers the device runtime keeps for later runs. */
extern void tern_device_close(void) TERN_DEVICE_HOOK;
/* `bytes` of memory the device and the host both address, the driver's
 * own allocation (the weights); NULL (with the reason in
 * tern_device_error()) when the driver refuses. */
extern void *tern_device_alloc(size_t bytes) TERN_DEVICE_HOOK;
/* The same, for a buffer of one run (an input): from the buffers earlier
 * runs freed where one fits. */
extern void *tern_device_alloc_buffer(size_t bytes) TERN_DEVICE_HOOK;
/* Frees either kind. */
extern void tern_device_free(void *pointer) TERN_DEVICE_HOOK;
/* Copies host bytes into a buffer of tern_device_alloc or
 * tern_device_alloc_buffer: 0, or -1. The copy may still be on its way
 * (from pageable memory) when this returns. */
extern int tern_device_upload(void *device, const void *host,
                              size_t bytes) TERN_DEVICE_HOOK;
/* Waits until the uploads are in device memory, where the host code of a
 * run may read them before any wait of its own: 0, or -1. */
extern int tern_device_wait(void) TERN_DEVICE_HOOK;
/* After a run's compiled code returns: the run-time error code its kernels
 * reported (0 for none), which is then cleared. */
extern int32_t tern_device_finish_run(void) TERN_DEVICE_HOOK;
/* The last driver failure, naming the call and the driver's error. */
extern const char *tern_device_error(void) TERN_DEVICE_HOOK;

#endif /* TERN_RUNTIME_DEVICEHOOKS_H */
