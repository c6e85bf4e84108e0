"""What the window needs from the system (Qt's xcb libraries, a Korean font, Xvfb for the screenshots): the checks
in ./dev, run with stand-in system commands, the app's own check before Qt starts, and the lists in ./dev, the app
and the .deb agreeing."""

from __future__ import annotations

import ctypes.util
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMainWindow

from desktop_app.ui import app

ROOT = Path(__file__).resolve().parents[2]
DEV = (ROOT / "dev").read_text()
PLUGIN = "lib/python3.11/site-packages/PySide6/Qt/plugins/platforms/libqxcb.so"


def dev_functions() -> str:
    """The package map and the functions of ./dev that check the system, without the rest of the script."""
    parts = [re.search(r"^declare -A QT_XCB_PACKAGES=\(\n.*?^\)\n", DEV, re.S | re.M),
             re.search(r"^KOREAN_FONT=.*\n", DEV, re.M)]
    parts += [re.search(rf"^{name}\(\) {{\n.*?^}}\n", DEV, re.S | re.M)
              for name in ("qt_xcb_missing", "install_system_packages", "display_packages")]
    assert all(parts), "./dev lost one of its system checks"
    return "".join(part.group(0) for part in parts if part)


def dev_packages() -> dict[str, str]:
    block = re.search(r"^declare -A QT_XCB_PACKAGES=\(\n(.*?)^\)\n", DEV, re.S | re.M)
    assert block
    return dict(re.findall(r"\[([^\]]+)\]=(\S+)", block.group(1)))


class FakeSystem:
    """A PATH holding only stand-ins for the system commands ./dev asks (and the few real tools it uses)."""

    def __init__(self, tmp_path: Path) -> None:
        self.bin = tmp_path / "bin"
        self.bin.mkdir()
        self.calls = tmp_path / "calls"
        self.venv = tmp_path / "venv"
        (self.venv / PLUGIN).parent.mkdir(parents=True)
        (self.venv / PLUGIN).write_bytes(b"")
        for tool in ("awk", "sort", "grep", "ls", "head", "cat", "env"):
            found = shutil.which(tool)
            assert found, tool
            (self.bin / tool).symlink_to(found)
        self.script("dpkg-query", "exit 0")
        self.script("apt-get", f'echo "apt-get $*" >> "{self.calls}"')
        self.script("id", 'echo "${FAKE_UID:-1000}"')
        self.script("sudo", "exit 1")  # no passwordless sudo
        self.libraries()
        self.fonts("NanumGothic")

    def script(self, name: str, body: str) -> None:
        path = self.bin / name
        path.write_text(f"#!/bin/bash\n{body}\n")
        path.chmod(0o755)

    def libraries(self, *missing: str) -> None:
        lines = ["\tlibxcb.so.1 => /lib/libxcb.so.1 (0x1)"] + [f"\t{name} => not found" for name in missing]
        self.script("ldd", "cat <<'EOF'\n" + "\n".join(lines) + "\nEOF")

    def fonts(self, *families: str) -> None:
        self.script("fc-list", "cat <<'EOF'\n" + "\n".join(families) + "\nEOF" if families else "exit 0")

    def run(self, what: str, **env: str) -> tuple[str, list[str]]:
        script = f"set -euo pipefail\nVENV={self.venv}\n{dev_functions()}\ndisplay_packages {what}\n"
        result = subprocess.run([shutil.which("bash") or "/bin/bash", "-c", script], capture_output=True, text=True,
                                env={"PATH": str(self.bin), **env}, check=True, timeout=30)
        calls = self.calls.read_text().splitlines() if self.calls.exists() else []
        return result.stderr, calls


@pytest.fixture
def system(tmp_path: Path) -> FakeSystem:
    return FakeSystem(tmp_path)


def test_dev_run_says_nothing_and_installs_nothing_when_all_is_there(system: FakeSystem) -> None:
    system.script("xvfb-run", "exit 0")
    system.script("xauth", "exit 0")
    assert system.run("run") == ("", [])
    assert system.run("screenshots") == ("", [])


def test_without_root_or_sudo_dev_run_prints_the_exact_command(system: FakeSystem) -> None:
    system.libraries("libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-icccm.so.4", "libnew-thing.so.7")
    system.fonts()
    stderr, calls = system.run("run")
    assert calls == []
    assert "sudo apt-get install libnew-thing.so.7 libxcb-cursor0 libxcb-icccm4 fonts-nanum\n" in stderr
    assert "Korean text shows as boxes" in stderr and "trying to start anyway" in stderr


def test_as_root_dev_run_installs_what_is_missing(system: FakeSystem) -> None:
    system.libraries("libxcb-keysyms.so.1")
    system.fonts()
    stderr, calls = system.run("run", FAKE_UID="0")
    assert calls == ["apt-get install -y -q --no-install-recommends libxcb-keysyms1 fonts-nanum"]
    assert "trying to start anyway" not in stderr


def test_without_fontconfig_the_font_and_fc_list_are_installed_with_passwordless_sudo(system: FakeSystem) -> None:
    (system.bin / "fc-list").unlink()
    system.script("sudo", '[ "$1" = -n ] && shift; "$@"')  # passwordless
    _, calls = system.run("run")
    assert calls == ["apt-get install -y -q --no-install-recommends fonts-nanum fontconfig"]


def test_another_qt_platform_needs_no_xcb_libraries_but_the_screenshots_do(system: FakeSystem) -> None:
    system.libraries("libxcb-cursor.so.0")
    assert system.run("run", QT_QPA_PLATFORM="offscreen") == ("", [])
    stderr, _ = system.run("screenshots", QT_QPA_PLATFORM="offscreen")
    assert "sudo apt-get install libxcb-cursor0 xvfb xauth\n" in stderr


def test_the_check_is_not_part_of_dev_test() -> None:
    """The tests run on Qt's offscreen platform and check text, not drawn glyphs: CI installs no display packages."""
    test_branch = re.search(r"^    test\)\n(.*?);;", DEV, re.S | re.M)
    assert test_branch and "display_packages" not in test_branch.group(1)
    run_branch = re.search(r"^    run\)\n(.*?);;", DEV, re.S | re.M)
    assert run_branch and "display_packages run" in run_branch.group(1)


def test_dev_the_app_and_the_deb_name_the_same_packages() -> None:
    build = (ROOT / "installer" / "build_linux.sh").read_text()
    depends = re.search(r'^xcb_depends="(.*)"$', build, re.M)
    assert depends and depends.group(1).split(", ") == list(app.XCB_PACKAGES)
    assert "Depends: libc6 (>= $glibc), $xcb_depends" in build
    assert set(app.XCB_PACKAGES) <= set(dev_packages().values())
    assert re.search(r"^Recommends: .*fonts-nanum \| fonts-noto-cjk", build, re.M)


def test_every_x11_library_the_real_plugin_loads_has_a_package() -> None:
    plugin = ROOT / ".venv" / PLUGIN
    assert plugin.exists(), "./dev setup installs PySide6 into .venv before the tests run"
    assert shutil.which("ldd"), "ldd (libc-bin) is on every Debian/Ubuntu machine"
    listed = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, check=False).stdout
    names = {line.split()[0] for line in listed.splitlines() if "=>" in line}
    system = {name for name in names if re.match(r"lib(xcb|X11|xkbcommon|GL\.|EGL|fontconfig|dbus)", name)}
    assert system and system <= set(dev_packages())


# The app's own check, before Qt would abort.

@pytest.fixture
def x11(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setattr(app.sys, "platform", "linux")
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(app, "xcb_plugin_error", lambda: None)
    no_side_effects(monkeypatch)
    return monkeypatch


def no_side_effects(monkeypatch: pytest.MonkeyPatch) -> None:
    """app.main without its process-wide set-up (umask, log file), for calling it inside the test process."""
    monkeypatch.setattr(app, "private_files", lambda: None)
    monkeypatch.setattr(app, "setup_logging", lambda home: home)


def test_without_libxcb_cursor_the_app_says_what_to_install_and_exits(x11: pytest.MonkeyPatch, capsys) -> None:
    x11.setattr(ctypes.util, "find_library", lambda name: None)
    assert app.main(["--exit-when-shown"]) == 1
    err = capsys.readouterr().err
    assert "needs libxcb-cursor.so.0, which is not installed" in err
    assert f"sudo apt-get install {' '.join(app.XCB_PACKAGES)}\n" in err


def test_the_plugins_own_missing_library_is_named(x11: pytest.MonkeyPatch) -> None:
    x11.setattr(ctypes.util, "find_library", lambda name: f"lib{name}.so.0")
    assert app.missing_window_libraries() is None
    x11.setattr(app, "xcb_plugin_error", lambda: "libxcb-icccm.so.4")
    assert "needs libxcb-icccm.so.4" in (app.missing_window_libraries() or "")


@pytest.mark.parametrize(("variables", "checked"), [
    ({"DISPLAY": ":0"}, True),
    ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb"}, True),
    ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, False),
    ({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}, False),
    ({}, False),
])
def test_only_an_x11_start_is_checked(x11: pytest.MonkeyPatch, variables: dict[str, str], checked: bool) -> None:
    x11.delenv("DISPLAY")
    for name, value in variables.items():
        x11.setenv(name, value)
    x11.setattr(ctypes.util, "find_library", lambda name: None)
    assert (app.missing_window_libraries() is not None) is checked


def test_an_installed_copy_asks_the_plugin_not_ldconfig(x11: pytest.MonkeyPatch) -> None:
    """The bundle may carry libxcb-cursor itself, where ldconfig cannot see it."""
    x11.setattr(app, "is_frozen", lambda: True)
    x11.setattr(ctypes.util, "find_library", lambda name: None)
    assert app.missing_window_libraries() is None


def test_the_real_plugin_check_names_no_library_when_it_loads() -> None:
    error = app.xcb_plugin_error()
    assert error is None or error.startswith("lib")


def test_missing_cjk_font_follows_the_font_database(qapp, monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(app.missing_cjk_font(), bool)
    monkeypatch.setattr(app.QFontDatabase, "families", lambda system=None: [])
    assert app.missing_cjk_font() is True
    monkeypatch.setattr(app.QFontDatabase, "families", lambda system=None: ["NanumGothic"])
    assert app.missing_cjk_font() is False


def test_the_window_logs_a_missing_korean_font(qapp, monkeypatch: pytest.MonkeyPatch, caplog) -> None:
    monkeypatch.setattr(app, "missing_cjk_font", lambda: True)
    monkeypatch.setattr(app, "missing_window_libraries", lambda: None)
    monkeypatch.setattr(app, "QApplication", lambda argv: qapp)
    monkeypatch.setattr(app, "MainWindow", QMainWindow)  # the real one starts loading the model
    no_side_effects(monkeypatch)
    with caplog.at_level("WARNING", logger="desktop_app.ui.app"):
        assert app.main(["--exit-when-shown"]) == 0
    assert "Korean text shows as boxes" in caplog.text
    assert os.environ.get("QT_QPA_PLATFORM") == "offscreen"
