"""llama.cpp's CUDA library, loaded before anything else in the process uses the C++ runtime (Linux).

With llama-cpp-python 0.3.36 built for CUDA (CUDA 13.0, GCC 13, on an NVIDIA H200: ``benchmarks/gpu_check.py``),
every model load crashed (SIGSEGV in the tokenizer's ``std::regex``, in code of ``libggml-cuda.so``, which
carries its own copies of parts of libstdc++) whenever numpy, or any other extension that loads libstdc++,
had been imported before ``llama_cpp``; in the app, numpy always comes first. There, loading
``libggml-cuda.so`` with ``RTLD_GLOBAL`` before numpy made the same load work, and importing ``llama_cpp``
first made every check pass: the app's trial process, the app's model and llama-cpp-python's server as the
tests start it. So importing the package ``desktop_app``, which every entry point does first (the test
server's too), loads that library when the installed llama.cpp has one; a CPU build has none, and nothing
happens. The check above was run again on that GPU with this module in place of importing llama_cpp
first: loading the model with numpy imported first still crashed without it, and every check passed with it.

Loading the library costs a process about 160 MB of private memory (libcublas and libcublasLt come with it:
15 MB resident for a bare Python, 173 MB after the load, 104 MB of it anonymous) and 60-80 ms. So a
multiprocessing child, which in this app is the PDF reader and never loads a model, leaves it out
(``loads_models``).
"""

from __future__ import annotations

import ctypes
import importlib.util
import sys
from pathlib import Path

from desktop_app.frozen import bundle_dir

CUDA_LIBRARY = "libggml-cuda.so"


def llama_library_folder() -> Path | None:
    """llama_cpp's ``lib/`` folder, found without importing llama_cpp (which imports numpy); None if absent."""
    bundle = bundle_dir()
    if bundle is not None:
        return bundle / "llama_cpp" / "lib"
    try:
        spec = importlib.util.find_spec("llama_cpp")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "lib"


def loads_models() -> bool:
    """Whether this process may load a model: not a child that ``multiprocessing`` started (in this app the PDF
    reader alone). Such a child imports this package while it unpickles its task, when
    ``multiprocessing.spawn.prepare`` has already given it its own name; the main process is "MainProcess"."""
    process = sys.modules.get("multiprocessing.process")
    return process is None or process.current_process().name == "MainProcess"


def preload_gpu_library(folder: Path | None = None) -> Path | None:
    """Load llama.cpp's CUDA library from ``folder`` (default: llama_cpp's) with ``RTLD_GLOBAL``.

    Returns the library's path, or None where there is nothing to do: not Linux, a process that loads no
    model (``loads_models``), no llama_cpp, a build without CUDA, or a library that cannot be loaded here (no
    NVIDIA driver, say: llama_cpp then reports that when a model is loaded, as without this).
    """
    if not sys.platform.startswith("linux") or not loads_models():
        return None
    folder = folder if folder is not None else llama_library_folder()
    library = folder / CUDA_LIBRARY if folder is not None else None
    if library is None or not library.exists():
        return None
    try:
        ctypes.CDLL(str(library), mode=ctypes.RTLD_GLOBAL)
    except OSError:
        return None
    return library
