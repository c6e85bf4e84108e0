"""llama.cpp's CPU kernels chosen at run time for the CPU at hand.

The shipped llama.cpp is built with dynamically loaded backends (``GGML_BACKEND_DL``) and one CPU backend
per x86-64 generation (``GGML_CPU_ALL_VARIANTS``): ``libggml-cpu-haswell.so`` (AVX2), ``-skylakex``
(AVX-512), ``-icelake`` (AVX-512 VNNI), ``-alderlake`` (AVX-VNNI), ``-zen4`` and a plain ``-x64``
fallback. ggml scores each against the CPU's features and loads the best (``ggml_backend_load_all_from_path``;
see llama.cpp's ggml/src/ggml-backend-reg.cpp). The Sapphire Rapids variant, the only one with the AMX
kernels that crashed on some virtual machines, is not shipped (``installer/llama_variants.py``).

llama-cpp-python does not load them itself (abetlen/llama-cpp-python#2069), so ``load_backends`` does,
once per process, before the first model. A build with the CPU backend linked in (no variant files) needs
nothing and is left as it is.
"""

from __future__ import annotations

import ctypes
import logging
import sys
from pathlib import Path

from desktop_app.errors import ModelError

log = logging.getLogger(__name__)
VARIANT_PREFIX = "libggml-cpu-" if sys.platform != "win32" else "ggml-cpu-"
LIBRARY_SUFFIX = ".dll" if sys.platform == "win32" else ".dylib" if sys.platform == "darwin" else ".so"
_loaded: str | None = None


def library_folder() -> Path:
    """llama_cpp's lib/ folder, where its shared libraries (and the CPU variants) are."""
    import llama_cpp

    return Path(llama_cpp.__file__).parent / "lib"


def variants(folder: Path | None = None) -> list[Path]:
    """The CPU backend variants shipped beside llama.cpp (empty for a build with the CPU backend linked in)."""
    folder = folder or library_folder()
    return sorted(p for p in folder.glob(f"{VARIANT_PREFIX}*{LIBRARY_SUFFIX}"))


def load_backends() -> str:
    """Load the best CPU variant for this CPU (and any other backend in the folder), once per process.

    Returns the name of the CPU variant in use ("icelake", "haswell", ...), "" for a build with the CPU
    backend linked in. Raises ``ModelError`` when variants are shipped but none can run on this CPU.
    """
    global _loaded
    if _loaded is not None:
        return _loaded
    found = variants()
    if not found:
        _loaded = ""
        return _loaded
    logging.getLogger("llama-cpp-python").setLevel(logging.ERROR)  # its ggml log would print each load
    ggml = ggml_library()
    ggml.ggml_backend_reg_count.restype = ctypes.c_size_t
    ggml.ggml_backend_load_all_from_path.argtypes = [ctypes.c_char_p]
    if ggml.ggml_backend_reg_count() == 0:
        ggml.ggml_backend_load_all_from_path(str(library_folder()).encode())
    if ggml.ggml_backend_reg_count() == 0:
        raise ModelError("llama.cpp found no CPU kernels for this processor (it needs an x86-64 CPU). "
                         f"Shipped variants: {', '.join(p.name for p in found)}.")
    _loaded = loaded_variant()
    log.info("llama.cpp CPU kernels: %s", _loaded or "chosen by ggml")
    return _loaded


def ggml_library() -> ctypes.CDLL:
    """The ggml library llama.cpp itself uses (its SONAME file: the wheel's libggml.so is a separate copy, and
    a backend registered in that copy would not be seen by llama.cpp)."""
    folder = library_folder()
    for name in ("libggml.so.0", "libggml.so", "ggml.dll", "libggml.dylib"):
        if (folder / name).exists():
            return ctypes.CDLL(str(folder / name))
    raise ModelError(f"llama.cpp's ggml library is missing from {folder}. Reinstall the app.")


def loaded_variant() -> str:
    """The CPU variant this process mapped ("icelake"), read from /proc/self/maps; "" where it cannot tell."""
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return ""
    for line in maps.splitlines():
        name = line.rsplit("/", 1)[-1]
        if name.startswith(VARIANT_PREFIX) and name.endswith(LIBRARY_SUFFIX):
            return name[len(VARIANT_PREFIX):-len(LIBRARY_SUFFIX)]
    return ""
