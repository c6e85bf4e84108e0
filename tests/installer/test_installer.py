"""The pieces of the installers that run without building one: the frozen layout, the smoke test's own PDF,
the desktop entry and the per-user menu-entry script. (`./dev dist` builds and smoke-tests the real packages.)"""

from __future__ import annotations

import configparser
import importlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pymupdf
import pytest

from desktop_app import frozen
from desktop_app.engine import Engine
from desktop_app.engine.models import files as model_files
from support.library import index_all

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "installer"))
import smoke_test  # noqa: E402  (a script beside the spec, not a package)


@pytest.fixture
def frozen_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A fake installed layout: sys.frozen set, sys._MEIPASS holding models/ like the spec writes it."""
    bundle = tmp_path / "_internal"
    entries = json.loads((ROOT / "models" / "manifest.json").read_text())
    (bundle / "models").mkdir(parents=True)
    shutil.copy(ROOT / "models" / "manifest.json", bundle / "models" / "manifest.json")
    for entry in entries.values():
        target = bundle / "models" / entry["name"] / entry["file"]
        target.parent.mkdir(parents=True)
        target.write_bytes(b"stand-in")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    source_manifest = model_files.manifest  # other modules may hold this function: its cache must not go stale
    source_manifest.cache_clear()
    yield importlib.reload(model_files), bundle
    monkeypatch.undo()
    importlib.reload(model_files)
    source_manifest.cache_clear()


def test_an_installed_copy_finds_its_models_in_the_bundle(frozen_bundle, tmp_path: Path) -> None:
    module, bundle = frozen_bundle
    assert module.MANIFEST == bundle / "models" / "manifest.json"
    chat = module.locate("chat", tmp_path / "user-models")
    assert chat == bundle / "models" / "SmolLM2-135M-Instruct" / "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert module.locate("embedding", tmp_path / "user-models") == bundle / "models" / "all-MiniLM-L6-v2"
    assert frozen.icon_file() == bundle / "assets" / "desktop-app.png"
    assert frozen.child_command("trial-load", "desktop_app.engine.models.trial_load") == \
        [sys.executable, "--child", "trial-load"]


def test_from_source_children_run_as_modules_and_the_icon_is_in_the_repository() -> None:
    assert not frozen.is_frozen() and frozen.bundle_dir() is None
    assert frozen.child_command("trial-load", "desktop_app.engine.models.trial_load") == \
        [sys.executable, "-P", "-m", "desktop_app.engine.models.trial_load"]
    assert frozen.icon_file().read_bytes().startswith(b"\x89PNG")


def test_the_smoke_tests_own_pdf_puts_the_answer_on_page_two(data_home: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "handbook.pdf"
    smoke_test.write_pdf(pdf, smoke_test.OWN_PAGES)
    with pymupdf.open(pdf) as doc:
        assert doc.page_count == 2 and "commissioned in 1987" in doc[1].get_text()
    engine = Engine(data_home)
    try:
        index_all(engine, [pdf])
        found = engine.search("When was the pilot boat Kestrel commissioned?", 1)
        assert found.sources and found.sources[0].main_page == smoke_test.OWN_PAGE
    finally:
        engine.close()


def test_the_desktop_entry_opens_pdfs_and_the_user_script_installs_and_removes_it(tmp_path: Path) -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.read(ROOT / "installer" / "linux" / "desktop-app.desktop")
    section = entry["Desktop Entry"]
    assert section["MimeType"] == "application/pdf;" and section["Exec"] == "desktop-app-gui %F"
    assert section["Icon"] == "desktop-app" and section["Type"] == "Application"
    # An unpacked .tar.gz, as build_linux.sh lays it out.
    folder = tmp_path / "desktop-app-0.1.0-linux-x86_64"
    (folder / "share" / "applications").mkdir(parents=True)
    (folder / "share" / "icons" / "hicolor" / "256x256" / "apps").mkdir(parents=True)
    shutil.copy(ROOT / "installer" / "linux" / "desktop-app.desktop", folder / "share" / "applications")
    shutil.copy(ROOT / "installer" / "assets" / "desktop-app.png",
                folder / "share" / "icons" / "hicolor" / "256x256" / "apps")
    shutil.copy(ROOT / "installer" / "linux" / "install-desktop-entry.sh", folder)
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data")}
    subprocess.run(["sh", str(folder / "install-desktop-entry.sh")], env=env, check=True, capture_output=True)
    installed = tmp_path / "data" / "applications" / "desktop-app.desktop"
    assert f'Exec="{folder}/desktop-app-gui" %F' in installed.read_text()
    assert (tmp_path / "data" / "icons" / "hicolor" / "256x256" / "apps" / "desktop-app.png").exists()
    subprocess.run(["sh", str(folder / "install-desktop-entry.sh"), "--remove"], env=env, check=True,
                   capture_output=True)
    assert not installed.exists()
