"""Will a model fit? Memory estimates from the GGUF header, and what this llama.cpp build can offload.

A model that does not fit makes the machine swap until it is unusable, so
the estimate is checked against the memory that is free *before* loading,
and the error says what to change. The estimate is deliberately a little
generous (see ``MARGIN_*``): for the bundled 135M model llama.cpp adds
150 MB to the process at n_ctx 512 and 330 MB at 8192; the estimates are
376 MB and 570 MB since a whole batch's logits are counted (98 MiB of compute
buffer in llama.cpp's own log at n_ctx 512 and 4096), 300 MB and 495 MB before.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from typing import Any

import psutil

from desktop_app.engine.models.backends import ggml_library, load_backends
from desktop_app.engine.models.gguf_info import ModelFileInfo
from desktop_app.engine.models.gguf_layout import format_bytes
from desktop_app.errors import ModelError

N_BATCH = 512  # the batch size llm.load_llama uses
KV_BYTES_PER_VALUE = 2  # f16 cache
MARGIN_FIXED = 128 * 1024 * 1024
MARGIN_FRACTION = 0.10
MIN_CTX = 256
DEVICE_KINDS = {0: "CPU", 1: "GPU", 2: "IGPU", 3: "ACCEL"}  # enum ggml_backend_dev_type
CPU_BACKENDS = frozenset({"CPU", "BLAS", "RPC"})  # backends that run on this computer's CPU or reach another


@dataclass(frozen=True)
class MemoryEstimate:
    weights_bytes: int
    kv_cache_bytes: int
    compute_bytes: int
    margin_bytes: int
    ram_bytes: int
    vram_bytes: int

    @property
    def total_bytes(self) -> int:
        return self.ram_bytes + self.vram_bytes


@dataclass(frozen=True)
class GpuDevice:
    name: str
    description: str
    kind: str  # CPU, GPU (own memory), IGPU (shares system memory) or ACCEL
    free_bytes: int
    total_bytes: int


@dataclass(frozen=True)
class GpuSupport:
    offload: bool
    backend: str  # one line for the settings dialog and `models check`
    devices: tuple[GpuDevice, ...] = ()

    @property
    def gpus(self) -> tuple[GpuDevice, ...]:
        """Devices with memory of their own (the ones whose free memory limits offloading)."""
        return tuple(d for d in self.devices if d.kind == "GPU")


# --- memory -------------------------------------------------------------------------


def kv_cache_bytes(info: ModelFileInfo, n_ctx: int) -> int:
    """Bytes of the f16 K and V caches for ``n_ctx`` tokens (0 when the header lacks the sizes)."""
    if not (info.n_layers and info.n_embd and info.n_head):
        return 0
    n_head_kv = info.n_head_kv or info.n_head
    key = info.key_length or info.n_embd // info.n_head
    value = info.value_length or info.n_embd // info.n_head
    return info.n_layers * n_ctx * n_head_kv * (key + value) * KV_BYTES_PER_VALUE


def estimate_memory(
    info: ModelFileInfo, n_ctx: int, n_gpu_layers: int = 0, adapter: ModelFileInfo | None = None
) -> MemoryEstimate:
    """Memory to load ``info`` with ``n_ctx`` tokens, split into system RAM and GPU memory.

    Offloaded layers take their share of the layer weights and of the KV
    cache to the GPU; ``n_gpu_layers`` above the layer count (or -1, "all")
    also moves the output layer, and with it the part of the compute buffer
    that holds the logits of a whole batch (``N_BATCH`` x vocabulary x 4
    bytes: 96 MiB of the bundled model's 98-99 MiB compute buffer, on the CPU
    and with CUDA alike). The token embeddings always stay in RAM. Measured
    with a CUDA build on an H200 (``benchmarks/gpu_check.py``): the bundled
    model with all layers and n_ctx 4096 took 298 MB of GPU memory; 223 MB was
    estimated while a quarter of the logits were counted, 298 MB since.
    """
    n_layers = info.n_layers or 1
    offloaded = n_layers + 1 if n_gpu_layers < 0 else min(max(n_gpu_layers, 0), n_layers + 1)
    fraction = min(offloaded, n_layers) / n_layers
    kv = kv_cache_bytes(info, n_ctx)
    weights = info.weights_bytes + (adapter.weights_bytes if adapter else 0)
    activations = 16 * 1024 * 1024 + 4 * N_BATCH * 4 * (info.n_embd or 0)
    logits = 4 * N_BATCH * (info.n_vocab or 0)
    compute = activations + logits
    margin = MARGIN_FIXED + int(MARGIN_FRACTION * (weights + kv))
    vram = int(fraction * (info.layer_weights_bytes + kv))
    if offloaded > n_layers:
        vram += _output_bytes(info) + logits
    vram += activations if offloaded else 0
    return MemoryEstimate(weights, kv, compute, margin, weights + kv + compute + margin - vram, vram)


def _output_bytes(info: ModelFileInfo) -> int:
    """A rough share for the output layer: what is neither a block nor the token embeddings."""
    return max(0, (info.weights_bytes - info.layer_weights_bytes) // 2)


def check_memory(
    info: ModelFileInfo, n_ctx: int, n_gpu_layers: int = 0, adapter: ModelFileInfo | None = None,
    available_bytes: int | None = None,
) -> MemoryEstimate:
    """Raise ``ModelError`` if the model will not fit in free RAM (or free GPU memory when offloading).

    ``available_bytes`` overrides the measured free RAM (a caller replacing a
    loaded model adds what that model will give back). The GPU check runs only
    when layers are offloaded and the build can offload and report free
    memory; otherwise it is skipped silently.
    """
    gpu = gpu_support() if n_gpu_layers else GpuSupport(False, "")
    layers = n_gpu_layers if gpu.offload else 0
    estimate = estimate_memory(info, n_ctx, layers, adapter)
    free = psutil.virtual_memory().available if available_bytes is None else available_bytes
    if estimate.ram_bytes > free:
        raise ModelError(_ram_message(info, n_ctx, layers, adapter, estimate, free))
    free_vram = sum(d.free_bytes for d in gpu.gpus)
    if layers and gpu.gpus and estimate.vram_bytes > free_vram:
        raise ModelError(_vram_message(info, n_ctx, layers, estimate, free_vram))
    return estimate


def _ram_message(
    info: ModelFileInfo, n_ctx: int, layers: int, adapter: ModelFileInfo | None, estimate: MemoryEstimate, free: int
) -> str:
    fits = _largest_context(info, n_ctx, layers, adapter, free)
    advice = (f"Lower the context size to {fits:,} tokens or less in settings, close other programs, or choose "
              "a smaller quantization of the model" if fits else
              "Choose a smaller model or a smaller quantization (for example Q4_K_M instead of Q8_0), or close "
              "other programs")
    return (f"The model {info.path.name} needs about {format_bytes(estimate.ram_bytes)} of memory with a context of "
            f"{n_ctx:,} tokens (weights {format_bytes(estimate.weights_bytes)}, context cache "
            f"{format_bytes(estimate.kv_cache_bytes)}), but only {format_bytes(free)} is free. {advice}.")


def _largest_context(
    info: ModelFileInfo, n_ctx: int, layers: int, adapter: ModelFileInfo | None, free: int
) -> int | None:
    size = n_ctx // 2
    while size >= MIN_CTX:
        if estimate_memory(info, size, layers, adapter).ram_bytes <= free:
            return size
        size //= 2
    return None


def _vram_message(info: ModelFileInfo, n_ctx: int, layers: int, estimate: MemoryEstimate, free: int) -> str:
    """``layers`` as set: -1 (or more than the model has) means all of them, the output layer included."""
    total = (info.n_layers or 0) + 1
    asked = total if layers < 0 else min(layers, total)
    fits = next((n for n in range(asked - 1, 0, -1) if estimate_memory(info, n_ctx, n).vram_bytes <= free), 0)
    what = f"all {total} layers" if asked == total else f"{asked} of its {total} layers"
    advice = (f"Set GPU layers to {fits} or fewer (the rest run on the CPU)" if fits else
              "Set GPU layers to 0 (the model then runs on the CPU)")
    return (f"Offloading {what} of {info.path.name} with a context of {n_ctx:,} tokens needs about "
            f"{format_bytes(estimate.vram_bytes)} of GPU memory, but only {format_bytes(free)} is free. "
            f"{advice}, or lower the context size.")


# --- GPU ----------------------------------------------------------------------------


def gpu_support() -> GpuSupport:
    """Whether this llama.cpp build can offload layers, and to which devices. Never raises."""
    try:
        import llama_cpp
    except Exception as exc:  # noqa: BLE001  (a broken native library must not break the settings dialog)
        return GpuSupport(False, f"llama.cpp is not available ({type(exc).__name__}: {exc})")
    try:
        variant = load_backends()
    except ModelError as exc:
        return GpuSupport(False, str(exc))
    offload = _call_bool(llama_cpp, "llama_supports_gpu_offload")
    devices = _devices()
    features = _cpu_features(llama_cpp)
    if variant:
        features = f"{variant} kernels: {features}" if features else f"{variant} kernels"
    return GpuSupport(offload, _describe(offload, devices, features, backend_names()), devices)


def _call_bool(module: Any, name: str) -> bool:
    try:
        return bool(getattr(module, name)())
    except Exception:  # noqa: BLE001  (missing in older builds)
        return False


def _cpu_features(module: Any) -> str:
    try:
        text = module.llama_print_system_info().decode("utf-8", errors="replace")
    except Exception:  # noqa: BLE001
        return ""
    wanted = ("AVX", "AVX2", "AVX512", "FMA", "F16C", "NEON", "ARM_FMA", "SVE")
    found = [part.split("=")[0].strip() for part in text.replace("CPU :", "").split("|")
             if part.strip().endswith("= 1")]
    return ", ".join(f for f in found if f in wanted)


def _describe(offload: bool, devices: tuple[GpuDevice, ...], features: str, backends: tuple[str, ...]) -> str:
    """One line for Settings and ``models check``; ``backends``: the build's backend names (``backend_names``)."""
    cpu = next((d.description for d in devices if d.kind == "CPU"), "CPU")
    cpu_text = f"{cpu} ({features})" if features else cpu
    gpus = [d for d in devices if d.kind in ("GPU", "IGPU")]
    if offload and gpus:
        listed = ", ".join(f"{d.name}: {d.description}, {format_bytes(d.free_bytes)} free" for d in gpus)
        return f"GPU offload available: {listed}; CPU {cpu_text}"
    gpu_backends = [name for name in backends if name not in CPU_BACKENDS]
    if gpu_backends:  # a GPU build where the backend found no device (no driver, or the GPU hidden)
        return (f"This llama.cpp build can use {' and '.join(gpu_backends)} GPUs, but found none (check that the GPU's "
                f"driver is installed and working); running on {cpu_text}")
    if offload:
        return f"This llama.cpp build can offload, but no GPU was found; running on {cpu_text}"
    return f"CPU only: {cpu_text}. This llama.cpp build cannot use a GPU (rebuild it with CUDA, see README)"


def backend_names() -> tuple[str, ...]:
    """The backends this llama.cpp build registered ("CUDA", "CPU", ...), read through ggml's C API.

    A GPU backend stays registered when it finds no device. Empty where the library cannot be read.
    """
    try:
        ggml = _load_ggml()
        return tuple((ggml.ggml_backend_reg_name(ggml.ggml_backend_reg_get(i)) or b"?").decode("utf-8", "replace")
                     for i in range(ggml.ggml_backend_reg_count()))
    except Exception:  # noqa: BLE001  (missing library or symbols: report none)
        return ()


def _devices() -> tuple[GpuDevice, ...]:
    """The ggml backend devices, read through ggml's C API (not wrapped by llama-cpp-python)."""
    try:
        ggml = _load_ggml()
        return tuple(_device(ggml, ggml.ggml_backend_dev_get(i)) for i in range(ggml.ggml_backend_dev_count()))
    except Exception:  # noqa: BLE001  (missing library or symbols: report no devices)
        return ()


def _load_ggml() -> Any:
    ggml = ggml_library()
    ggml.ggml_backend_dev_count.restype = ctypes.c_size_t
    ggml.ggml_backend_dev_get.argtypes = [ctypes.c_size_t]
    ggml.ggml_backend_dev_get.restype = ctypes.c_void_p
    for name in ("ggml_backend_dev_name", "ggml_backend_dev_description"):
        getattr(ggml, name).argtypes = [ctypes.c_void_p]
        getattr(ggml, name).restype = ctypes.c_char_p
    ggml.ggml_backend_dev_type.argtypes = [ctypes.c_void_p]
    ggml.ggml_backend_dev_type.restype = ctypes.c_int
    size_p = ctypes.POINTER(ctypes.c_size_t)
    ggml.ggml_backend_dev_memory.argtypes = [ctypes.c_void_p, size_p, size_p]
    ggml.ggml_backend_dev_memory.restype = None
    ggml.ggml_backend_reg_count.restype = ctypes.c_size_t
    ggml.ggml_backend_reg_get.argtypes = [ctypes.c_size_t]
    ggml.ggml_backend_reg_get.restype = ctypes.c_void_p
    ggml.ggml_backend_reg_name.argtypes = [ctypes.c_void_p]
    ggml.ggml_backend_reg_name.restype = ctypes.c_char_p
    return ggml


def _device(ggml: Any, dev: int) -> GpuDevice:
    free, total = ctypes.c_size_t(0), ctypes.c_size_t(0)
    ggml.ggml_backend_dev_memory(dev, ctypes.byref(free), ctypes.byref(total))
    return GpuDevice(
        (ggml.ggml_backend_dev_name(dev) or b"?").decode("utf-8", errors="replace"),
        (ggml.ggml_backend_dev_description(dev) or b"").decode("utf-8", errors="replace"),
        DEVICE_KINDS.get(ggml.ggml_backend_dev_type(dev), "other"), free.value, total.value,
    )
