"""The engine never imports Qt, and nothing in the tests can reach the network."""

import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app_testing_netblock import NetworkBlocked


def test_engine_indexer_store_and_evaluation_do_not_import_qt() -> None:
    code = (
        "import sys, desktop_app.engine, desktop_app.indexer, desktop_app.store, desktop_app.cli\n"
        "import desktop_app.indexer.pipeline, desktop_app.engine.facade, desktop_app.indexer.pdf_worker\n"
        "import desktop_app.evaluation.run, desktop_app.store.library, desktop_app.engine.managers\n"
        "qt = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'PyQt')))\n"
        "assert not qt, qt\n"
        "print('no qt')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "no qt" in result.stdout


def test_importing_the_package_sets_the_offline_switches() -> None:
    code = "import os, desktop_app; print(os.environ['HF_HUB_OFFLINE'], os.environ['TRANSFORMERS_OFFLINE'])"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "0"})
    assert result.stdout.split() == ["1", "1"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the CUDA library is preloaded on Linux only")
def test_importing_the_package_imports_no_numpy_and_loads_the_cuda_library_only_where_installed() -> None:
    """The CUDA library must be loaded before numpy (desktop_app/native.py), so the package must not import it."""
    from desktop_app.native import CUDA_LIBRARY, llama_library_folder

    folder = llama_library_folder()
    installed = folder is not None and (folder / CUDA_LIBRARY).exists()
    code = ("import sys, desktop_app\n"
            "maps = open('/proc/self/maps').read()\n"
            "print('numpy' in sys.modules, 'llama_cpp' in sys.modules, 'libggml-cuda' in maps)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.split() == ["False", "False", str(installed)], result.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the CUDA library is preloaded on Linux only")
def test_a_cuda_library_beside_llama_cpp_is_loaded_globally_and_a_broken_one_is_left_to_llama_cpp(
    tmp_path: Path,
) -> None:
    from desktop_app.native import CUDA_LIBRARY, llama_library_folder, preload_gpu_library

    folder = llama_library_folder()
    assert folder is not None and (folder / "libllama.so").exists()
    assert preload_gpu_library(tmp_path) is None  # a build without CUDA: nothing to load
    (tmp_path / CUDA_LIBRARY).write_bytes(b"not a library")
    assert preload_gpu_library(tmp_path) is None
    # A real shared library under the CUDA library's name, in a child process (a second copy of ggml with
    # RTLD_GLOBAL must not reach this process's llama.cpp): its symbols are then visible process-wide.
    shutil.copy(folder / "libggml-base.so", tmp_path / CUDA_LIBRARY)
    code = ("import sys, ctypes\nfrom pathlib import Path\nfrom desktop_app.native import preload_gpu_library\n"
            "before = hasattr(ctypes.CDLL(None), 'ggml_init')\n"
            f"loaded = preload_gpu_library(Path({str(tmp_path)!r}))\n"
            "print(before, loaded is not None, hasattr(ctypes.CDLL(None), 'ggml_init'), 'numpy' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.split() == ["False", "True", "True", "False"], result.stderr


PROBE = """
from pathlib import Path
from desktop_app.native import preload_gpu_library
AT_IMPORT = preload_gpu_library(Path({folder!r})) is not None  # as importing desktop_app does it


def report(queue):
    queue.put(AT_IMPORT)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the CUDA library is preloaded on Linux only")
def test_a_multiprocessing_child_such_as_the_pdf_reader_does_not_load_the_cuda_library(tmp_path: Path) -> None:
    """The CUDA library costs each process about 160 MB (desktop_app/native.py); the PDF reader loads no model.
    A spawned child imports the package while it unpickles its task, so the decision is taken then."""
    from desktop_app.native import CUDA_LIBRARY, llama_library_folder

    folder = llama_library_folder()
    assert folder is not None
    shutil.copy(folder / "libggml-base.so", tmp_path / CUDA_LIBRARY)
    (tmp_path / "probe.py").write_text(PROBE.format(folder=str(tmp_path)))
    code = ("import multiprocessing, sys\n"
            f"sys.path.insert(0, {str(tmp_path)!r})\nimport probe\n"
            "ctx = multiprocessing.get_context('spawn')\nqueue = ctx.Queue()\n"
            "child = ctx.Process(target=probe.report, args=(queue,), name='pdf-worker')\n"
            "child.start()\nin_child = queue.get(timeout=60)\nchild.join()\n"
            "print(in_child, probe.AT_IMPORT)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ["False", "True"], result.stderr


def test_the_installed_launcher_imports_the_package_only_after_freeze_support() -> None:
    """In the installed app a spawned PDF worker starts as the launcher; only ``freeze_support`` gives it the name
    by which importing desktop_app leaves the CUDA library out, so nothing may import the package before it."""
    import ast

    tree = ast.parse((Path(__file__).resolve().parents[1] / "installer" / "launcher.py").read_text())
    top = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    names = [alias.name for node in top for alias in node.names] + [
        node.module or "" for node in top if isinstance(node, ast.ImportFrom)]
    assert names and not any(name.startswith("desktop_app") for name in names), names


def test_outbound_connections_are_blocked_in_tests() -> None:
    with socket.socket() as sock, pytest.raises(NetworkBlocked):
        sock.connect(("192.0.2.1", 80))
