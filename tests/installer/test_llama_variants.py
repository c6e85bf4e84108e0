"""The llama.cpp build picks its CPU kernels at run time: the repacked wheel and the variants the app loads."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import zipfile
from pathlib import Path

from desktop_app.engine.models.backends import load_backends, loaded_variant, variants

ROOT = Path(__file__).resolve().parents[2]


def repack_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("llama_variants", ROOT / "installer" / "llama_variants.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_repacked_wheel_has_the_kept_variants_beside_libggml_and_a_true_record(tmp_path: Path) -> None:
    wheel = tmp_path / "llama_cpp_python-0.3.36-py3-none-linux_x86_64.whl"
    names = ["llama_cpp/__init__.py", "llama_cpp/lib/libggml.so.0", "lib/libggml.so.0",
             *(f"bin/libggml-cpu-{v}.so" for v in ("x64", "sse42", "haswell", "icelake", "sapphirerapids", "zen4"))]
    with zipfile.ZipFile(wheel, "w") as out:
        for name in names:
            out.writestr(name, f"contents of {name}")
        out.writestr("llama_cpp_python-0.3.36.dist-info/RECORD", "stale\n")
    kept = repack_module().repack(wheel)
    assert kept == ["haswell", "icelake", "x64", "zen4"], "no AMX (Sapphire Rapids) and no pre-AVX2 generation"
    with zipfile.ZipFile(wheel) as packed:
        files = set(packed.namelist())
        record = packed.read("llama_cpp_python-0.3.36.dist-info/RECORD").decode().splitlines()
        assert {f"llama_cpp/lib/libggml-cpu-{v}.so" for v in kept} <= files
        assert not any(name.startswith("bin/") or "sapphirerapids" in name for name in files)
        for line in record:
            name, digest, size = line.rsplit(",", 2)
            if not digest:
                continue
            data = packed.read(name)
            assert int(size) == len(data)
            assert digest == "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        assert {line.split(",")[0] for line in record} == files


def test_the_installed_build_loads_the_best_variant_for_this_cpu_and_never_the_amx_one() -> None:
    shipped = [p.name for p in variants()]
    assert "libggml-cpu-x64.so" in shipped and "libggml-cpu-haswell.so" in shipped, shipped
    assert not any("sapphirerapids" in name for name in shipped)
    chosen = load_backends()
    assert chosen and chosen == loaded_variant()
    flags = set(Path("/proc/cpuinfo").read_text().split())
    if {"avx512_vnni", "avx512vbmi"} <= flags:  # Ice Lake or newer, or Zen 4
        assert chosen in ("icelake", "zen4"), chosen
    elif "avx2" in flags:
        assert chosen != "x64", chosen
