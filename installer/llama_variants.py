"""Repack a llama-cpp-python wheel built with GGML_BACKEND_DL and GGML_CPU_ALL_VARIANTS for the app.

    python installer/llama_variants.py WHEEL

The build puts its CPU backend variants in the wheel's top-level bin/ folder, which installs them outside
the llama_cpp package, where neither the app (``engine/models/backends.py``) nor the installer's bundle
looks. This moves the kept variants into llama_cpp/lib/ beside libggml, drops the others, and rewrites
the wheel's RECORD, in place.

Kept: the plain x86-64 fallback and the generations laptops have (AVX2, AVX-512, AVX-512 VNNI, AVX-VNNI,
Zen 4). Dropped: Sapphire Rapids, the one variant with the AMX kernels that crashed on some virtual
machines, and the server or pre-AVX2 generations, to keep the installers within their size budget (a
pre-AVX2 CPU runs the x64 fallback).
"""

from __future__ import annotations

import base64
import hashlib
import sys
import zipfile
from pathlib import Path

KEEP = ("x64", "haswell", "skylakex", "icelake", "alderlake", "zen4")
VARIANT_PREFIXES = ("libggml-cpu-", "ggml-cpu-")


def variant_of(name: str) -> str | None:
    """"icelake" for bin/libggml-cpu-icelake.so (or ggml-cpu-icelake.dll), None for any other file."""
    base = name.rsplit("/", 1)[-1]
    for prefix in VARIANT_PREFIXES:
        if base.startswith(prefix):
            return base[len(prefix):].split(".", 1)[0]
    return None


def record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def repack(wheel: Path) -> list[str]:
    """Rewrite ``wheel`` in place; returns the variants kept. Raises ValueError for a wheel without variants."""
    with zipfile.ZipFile(wheel) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    record_name = next(info.filename for info, _ in entries if info.filename.endswith(".dist-info/RECORD"))
    files: list[tuple[str, bytes]] = []
    modes: dict[str, int] = {}
    kept: list[str] = []
    for info, data in entries:
        name = info.filename
        variant = variant_of(name)
        if name == record_name:
            continue
        if variant is not None and not name.startswith("llama_cpp/"):
            if variant not in KEEP:
                continue
            kept.append(variant)
            name = f"llama_cpp/lib/{name.rsplit('/', 1)[-1]}"
        files.append((name, data))
        modes[name] = info.external_attr
    if not kept:
        raise ValueError(f"{wheel.name} has no CPU backend variants: build it with -DGGML_BACKEND_DL=ON "
                         "-DGGML_CPU_ALL_VARIANTS=ON")
    record = "\n".join([*(record_line(n, d) for n, d in files), f"{record_name},,"]) + "\n"
    temporary = wheel.with_suffix(".tmp")
    with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in [*files, (record_name, record.encode())]:
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = modes.get(name, 0o644 << 16)
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, data)
    temporary.replace(wheel)
    return sorted(kept)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    print("CPU variants kept:", ", ".join(repack(Path(sys.argv[1]))))
