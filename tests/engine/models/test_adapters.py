"""Adapters through the engine, the CLI and the window: applied without a reload, recorded, persisted."""

from __future__ import annotations

import subprocess
from pathlib import Path

from desktop_app.engine import Engine
from desktop_app.engine.settings import load_settings, save_settings
from support.answers import final
from support.cli import run_cli
from support.library import FAST, index_all
from support.lora_files import base_model, write_lora, write_wrong_shape_lora
from support.pdfs import harbour_report
from support.window import open_window


def test_adapter_applies_without_reload_is_recorded_and_survives_a_restart(engine: Engine, tmp_path: Path) -> None:
    index_all(engine, [harbour_report(tmp_path / "harbour.pdf")])
    model = engine._rt.model
    adapter = write_lora(tmp_path / "style.gguf", seed=3, std=0.2)
    active = engine.models.set_adapter(adapter, 0.5)
    assert engine._rt.model is model, "the base model was not reloaded"
    assert engine.models.load().adapter == active.label == "style ×0.5"
    recorded = final(engine.ask("Which dredger worked at night?"))
    _, messages = engine.conversations.get(recorded.conversation_id)
    assert messages[-1].meta["adapter"] == {"path": str(adapter.resolve()), "name": "style", "scale": 0.5}
    assert load_settings(engine.home).adapter_path == str(adapter.resolve())

    again = Engine(engine.home)
    try:
        assert again.models.load().adapter == "style ×0.5"
    finally:
        again.close()
    engine.models.clear_adapter()
    assert engine._rt.model.adapter is None and engine.models.load().adapter == ""
    assert load_settings(engine.home).adapter_path == ""


def test_a_mismatched_adapter_is_refused_and_the_model_keeps_working(engine: Engine, tmp_path: Path) -> None:
    index_all(engine, [harbour_report(tmp_path / "harbour.pdf")])
    bad = write_wrong_shape_lora(tmp_path / "wrong.gguf")
    try:
        engine.models.set_adapter(bad, 1.0)
    except Exception as exc:  # noqa: BLE001 - the type and message are what is checked
        assert type(exc).__name__ == "ModelError" and "columns" in str(exc)
    else:
        raise AssertionError("a wrong-shape adapter was applied")
    assert engine._rt.model.adapter is None
    assert final(engine.ask("Which dredger worked at night?")).completion_tokens > 0


def test_cli_lora_option_and_models_commands(data_home: Path, tmp_path: Path) -> None:
    save_settings(data_home, FAST)

    def run(*args: str) -> subprocess.CompletedProcess:
        return run_cli(data_home, *args)

    assert run("index", str(harbour_report(tmp_path / "harbour.pdf"))).returncode == 0
    adapter = write_lora(tmp_path / "style.gguf", seed=5)
    asked = run("ask", "Which dredger worked at night?", "--lora", str(adapter), "--lora-scale", "0.7")
    assert asked.returncode == 0, asked.stderr
    assert "adapter style ×0.7 applied for this run" in asked.stderr
    assert load_settings(data_home).adapter_path == "", "--lora does not change the saved settings"
    listed = run("models", "list")
    assert "SmolLM2-135M-Instruct.Q4_1.gguf: llama, 135M parameters, Q4_1, context 8192" in listed.stdout
    checked = run("models", "check", str(base_model()), "--adapter", str(adapter))
    assert checked.returncode == 0 and "trial load in a separate process" in checked.stdout
    refused = run("models", "check", str(base_model()), "--adapter", str(write_wrong_shape_lora(tmp_path / "w.gguf")))
    assert refused.returncode == 4 and "does not fit the model" in refused.stderr


def test_window_applies_an_adapter_from_settings_and_shows_it(qtbot, data_home: Path, tmp_path: Path) -> None:
    save_settings(data_home, FAST)
    window = open_window(qtbot, data_home)
    window.set_adapter(write_lora(tmp_path / "style.gguf", seed=7), 1.0)
    qtbot.waitUntil(lambda: "+ adapter style ×1" in window.model_status.text(), timeout=30_000)
    window.set_adapter(None, 1.0)
    qtbot.waitUntil(lambda: "adapter" not in window.model_status.text(), timeout=30_000)
    window.close()


def test_a_chat_template_from_settings_replaces_the_models_own(data_home: Path) -> None:
    template = ("{% for m in messages %}### {{ m['role'] }}\n{{ m['content'] }}\n{% endfor %}"
                "{% if add_generation_prompt %}### assistant\n{% endif %}")
    engine = Engine(data_home, FAST.changed(chat_template=template))
    try:
        assert engine.models.load().chat_template == "from settings"
        tokens, _ = engine._rt.model.render([{"role": "user", "content": "hello"}])
        assert "### user\nhello\n### assistant" in engine._rt.model._llm.detokenize(tokens).decode()
    finally:
        engine.close()
    default = Engine(data_home, FAST)
    try:
        assert default.models.load().chat_template == "from the model file"
    finally:
        default.close()
