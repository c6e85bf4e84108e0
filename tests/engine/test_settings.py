"""Settings: each described once, checked from its description, loaded value by value."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from desktop_app.engine import SETTING_SPECS, Settings
from desktop_app.engine.settings import load_settings, save_settings


def test_every_setting_is_described_and_validated_from_its_description() -> None:
    defaults = Settings()
    for name, spec in SETTING_SPECS.items():
        assert spec.label and spec.kind, name
        if spec.choices:
            assert getattr(defaults, name) in spec.choices
            with pytest.raises(ValueError, match=re.escape(spec.label)):
                defaults.changed(**{name: "no such choice"})
        if spec.kind in ("int", "float") and spec.high is not None and name != "max_answer_tokens":
            with pytest.raises(ValueError, match=re.escape(spec.label)):
                defaults.changed(**{name: spec.high + 1})
        if spec.kind == "float":
            with pytest.raises(ValueError, match=re.escape(spec.label)):
                defaults.changed(**{name: float("nan")})
        if spec.kind == "bool":
            with pytest.raises(ValueError, match=re.escape(spec.label)):
                defaults.changed(**{name: "yes"})
    with pytest.raises(ValueError, match="unknown settings"):
        defaults.changed(colour="blue")
    with pytest.raises(ValueError, match="half the context"):
        defaults.changed(n_ctx=512, max_answer_tokens=300)


def test_a_bad_value_in_the_saved_file_falls_back_alone(tmp_path: Path) -> None:
    save_settings(tmp_path, Settings(top_k=7, blocked_topics=("merger plans",)))
    saved = json.loads((tmp_path / "settings.json").read_text())
    saved.update({"temperature": "hot", "n_threads": 99999, "faq_enabled": "yes", "no_such_setting": 1})
    (tmp_path / "settings.json").write_text(json.dumps(saved))
    loaded = load_settings(tmp_path)
    assert loaded.top_k == 7 and loaded.blocked_topics == ("merger plans",), "the good values are kept"
    assert (loaded.temperature, loaded.n_threads, loaded.faq_enabled) == (0.2, 0, True), "the bad ones default"
    (tmp_path / "settings.json").write_text("[not, json")
    assert load_settings(tmp_path) == Settings()


def test_settings_round_trip_through_the_file(tmp_path: Path) -> None:
    settings = Settings(n_ctx=8192, blocked_terms=("salary",), blocked_topics=("merger plans",), temperature=0.7)
    save_settings(tmp_path, settings)
    assert load_settings(tmp_path) == settings


def test_the_server_api_key_never_enters_a_report() -> None:
    shared = Settings(model_backend="server", server_url="http://gpu:8080", server_api_key="k-123").shareable()
    assert "server_api_key" not in shared and "k-123" not in str(shared) and shared["server_url"] == "http://gpu:8080"
