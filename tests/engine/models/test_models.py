"""The model manager with the real bundled model: GGUF info and validation, memory, GPU support, LoRA, trial load."""

from __future__ import annotations

import os
import random
import struct
from collections.abc import Iterator
from pathlib import Path

import llama_cpp
import numpy as np
import pytest

from desktop_app.cancel import CancelToken
from desktop_app.engine.models import resources
from desktop_app.engine.models.chat import LocalModel, ModelSettings
from desktop_app.engine.models.gguf_info import read_info
from desktop_app.engine.models.gguf_layout import validate_gguf
from desktop_app.engine.models.lora import check_adapter_matches
from desktop_app.engine.models.resources import (
    GpuDevice,
    GpuSupport,
    backend_names,
    check_memory,
    estimate_memory,
    gpu_support,
    kv_cache_bytes,
)
from desktop_app.engine.models.trial_load import trial_load
from desktop_app.errors import ModelError
from support.lora_files import (
    base_model,
    truncate,
    write_header,
    write_lora,
    write_missing_tensor_lora,
    write_other_arch_lora,
    write_tiny_model,
    write_wrong_shape_lora,
)

PROMPT = "The capital of France is"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("adapters")
    return {
        "a": write_lora(folder / "style-a.gguf", seed=1),
        "b": write_lora(folder / "style-b.gguf", seed=2, rank=4, dtype=np.float16, layers=(3, 4)),
        "wrong_shape": write_wrong_shape_lora(folder / "wrong-shape.gguf"),
        "other_arch": write_other_arch_lora(folder / "qwen.gguf"),
        "missing": write_missing_tensor_lora(folder / "layer40.gguf"),
        "rank": write_lora(folder / "rank.gguf", rank=4, rank_b=8, layers=(0,), targets=("attn_v",)),
        "f64_alpha": write_lora(folder / "f64-alpha.gguf", alpha_as_f64=True, layers=(0,)),
    }


@pytest.fixture(scope="module")
def model() -> Iterator[LocalModel]:
    loaded = LocalModel(ModelSettings(path=base_model(), n_ctx=256, n_threads=1))
    yield loaded
    loaded.close()


@pytest.fixture
def tokens(model: LocalModel) -> list[int]:
    """Five tokens: every evaluation in these tests is short, so they stay fast on a busy machine."""
    return list(model._llm.tokenize(PROMPT.encode("utf-8"), add_bos=True))


# --- info and validation ---------------------------------------------------------------


def test_info_of_the_bundled_model() -> None:
    info = read_info(base_model())
    assert (info.file_type, info.architecture, info.quantization) == ("model", "llama", "Q4_1")
    assert 130_000_000 < info.parameter_count < 140_000_000
    assert info.has_chat_template and info.context_length == 8192
    assert (info.n_layers, info.n_embd, info.n_head, info.n_head_kv) == (30, 576, 9, 3)
    assert info.tensor_count == 272 and info.size_bytes == base_model().stat().st_size
    assert info.tensors["blk.0.attn_k.weight"] == (576, 192)  # GGUF order: (inputs, outputs)
    summary = info.summary()
    assert summary["tensors"] == 272 and "tensor_shapes" not in summary


def test_info_of_an_adapter_lists_its_tensor_shapes(files: dict[str, Path]) -> None:
    info = read_info(files["a"])
    assert (info.file_type, info.adapter_type, info.lora_alpha, info.architecture) == ("adapter", "lora", 8.0, "llama")
    assert info.tensors["blk.0.attn_v.weight.lora_a"] == (576, 8)
    assert info.tensors["blk.0.attn_v.weight.lora_b"] == (8, 192)
    assert info.summary()["tensor_shapes"]["blk.0.attn_q.weight.lora_b"] == [8, 576]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"Hello, this is a text file and not a model at all.", "is not a GGUF model file (it does not start"),
        (b"PK\x03\x04" + bytes(100), "looks like a PyTorch checkpoint"),
        (struct.pack("<Q", 300) + b'{"weight": {"dtype": "F16"}}' + bytes(300), "looks like a safetensors file"),
        (b"GGUF\x03", "it is only 5 bytes long"),
        (b"", "it is only 0 bytes long"),
    ],
)
def test_validate_rejects_files_that_are_not_gguf(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "model.gguf"
    path.write_bytes(content)
    with pytest.raises(ModelError, match="Choose") as err:
        validate_gguf(path)
    assert message in str(err.value)


def test_validate_rejects_a_truncated_model(tmp_path: Path) -> None:
    path = truncate(base_model(), tmp_path / "half.gguf", keep=0.6)
    with pytest.raises(ModelError, match=r"half.gguf is truncated: tensor '.+' needs bytes up to .* missing\). "
                                         r"The download is probably incomplete"):
        validate_gguf(path)
    header_only = truncate(base_model(), tmp_path / "head.gguf", keep=0.005)
    with pytest.raises(ModelError, match=r"its header ends early \(at byte [\d,]+ of 491,812\)"):
        validate_gguf(header_only)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ({"n_tensors": 2**60, "n_kv": 3}, "claims 1,152,921,504,606,846,976 tensors and 3 metadata entries"),
        ({"n_kv": 2**40}, "more than a file of 1.0 KB can hold"),
        ({"version": 1}, "GGUF version 1, which llama.cpp no longer reads"),
        ({"version": 99}, "GGUF version 99; this app reads versions 2, 3"),
        ({"version": 3_947_049_177}, "damaged: its header has an impossible GGUF version (3,947,049,177)"),
        ({"big_endian": True}, "big-endian GGUF"),
        ({"magic": b"ggjt"}, "old GGML model"),
    ],
)
def test_validate_rejects_impossible_headers(tmp_path: Path, header: dict, message: str) -> None:
    path = write_header(tmp_path / "bad.gguf", tail=bytes(1000), **header)
    with pytest.raises(ModelError) as err:
        validate_gguf(path)
    assert message in str(err.value)


def test_validate_survives_garbage_and_random_damage(tmp_path: Path, files: dict[str, Path]) -> None:
    """Random bytes after the magic, and random byte flips in a real header: a ModelError or a valid file."""
    rng = random.Random(7)
    garbage = tmp_path / "garbage.gguf"
    garbage.write_bytes(b"GGUF" + os.urandom(50_000))
    with pytest.raises(ModelError):
        validate_gguf(garbage)
    original = files["a"].read_bytes()
    damaged = tmp_path / "damaged.gguf"
    for _ in range(300):
        data = bytearray(original)
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(4, 700)] = rng.randrange(256)
        damaged.write_bytes(bytes(data))
        try:
            read_info(damaged)
        except ModelError as exc:
            assert "damaged.gguf" in str(exc)


def test_validate_names_missing_files_and_folders(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        validate_gguf(tmp_path / "nope.gguf")
    with pytest.raises(ModelError, match="is a folder, not a model file"):
        validate_gguf(tmp_path)


# --- memory and GPU ---------------------------------------------------------------------


def test_memory_estimate_counts_weights_and_the_kv_cache() -> None:
    info = read_info(base_model())
    n_embd_k_gqa = info.n_embd // info.n_head * info.n_head_kv
    assert kv_cache_bytes(info, 4096) == 2 * info.n_layers * 4096 * n_embd_k_gqa * 2
    small, large = estimate_memory(info, 512), estimate_memory(info, 8192)
    assert small.vram_bytes == 0 and small.weights_bytes == info.weights_bytes
    assert large.ram_bytes - small.ram_bytes >= kv_cache_bytes(info, 8192) - kv_cache_bytes(info, 512)
    half = estimate_memory(info, 512, n_gpu_layers=15)
    assert half.vram_bytes > 0 and half.ram_bytes < small.ram_bytes
    assert small.compute_bytes >= 4 * 512 * info.n_vocab, "a whole batch's logits (98 MiB in llama.cpp's log)"
    # with the output layer on the GPU, a batch's logits are computed there (298 MB measured on a CUDA build)
    blocks, everything = estimate_memory(info, 4096, info.n_layers), estimate_memory(info, 4096, -1)
    assert everything.vram_bytes - blocks.vram_bytes > 512 * info.n_vocab * 4 * 3 // 4
    assert 280e6 < everything.vram_bytes < 320e6


def test_check_memory_says_what_to_change() -> None:
    info = read_info(base_model())
    assert check_memory(info, 512).ram_bytes < 400_000_000  # plenty free here
    need_small = estimate_memory(info, 1024).ram_bytes
    with pytest.raises(ModelError, match=r"needs about .* with a context of 8,192 tokens .* Lower the context size "
                                         r"to 1,024 tokens or less"):
        check_memory(info, 8192, available_bytes=need_small)
    with pytest.raises(ModelError, match="Choose a smaller model or a smaller quantization"):
        check_memory(info, 8192, available_bytes=50_000_000)


def test_gpu_support_on_this_build_and_without_the_function(monkeypatch: pytest.MonkeyPatch) -> None:
    support = gpu_support()
    assert not support.offload and support.backend.startswith("CPU only")
    assert any(d.kind == "CPU" for d in support.devices)
    check_memory(read_info(base_model()), 512, n_gpu_layers=99)  # no GPU: no VRAM check, no error
    monkeypatch.delattr(llama_cpp, "llama_supports_gpu_offload")
    assert gpu_support().offload is False
    assert backend_names() == ("CPU",)


def test_a_gpu_build_that_finds_no_gpu_says_so_instead_of_asking_for_a_rebuild() -> None:
    """As measured with a CUDA build and the GPU hidden (benchmarks/gpu_check.py): the CUDA backend is
    registered with no device, and llama_supports_gpu_offload is false."""
    cpu = (GpuDevice("CPU", "Some CPU", "CPU", 1 << 33, 1 << 33),)
    text = resources._describe(False, cpu, "AVX2", ("CUDA", "CPU"))
    assert "can use CUDA GPUs, but found none" in text and "driver" in text and "rebuild" not in text
    assert "rebuild it with CUDA" in resources._describe(False, cpu, "AVX2", ("CPU",))


def test_a_model_too_big_for_the_gpu_gets_the_layer_count_that_fits(monkeypatch: pytest.MonkeyPatch) -> None:
    info = read_info(base_model())
    need = estimate_memory(info, 4096, -1).vram_bytes
    half = estimate_memory(info, 4096, 15).vram_bytes

    def with_free(free: int) -> None:
        gpu = GpuDevice("CUDA0", "A GPU", "GPU", free, free)
        monkeypatch.setattr(resources, "gpu_support", lambda: GpuSupport(True, "test", (gpu,)))

    with_free(need)
    assert check_memory(info, 4096, -1).vram_bytes == need
    with_free(half)
    with pytest.raises(ModelError) as raised:
        check_memory(info, 4096, -1)
    message = str(raised.value)
    assert f"Offloading all {info.n_layers + 1} layers" in message and "context of 4,096 tokens" in message
    assert "Set GPU layers to 15 or fewer" in message
    with pytest.raises(ModelError, match=f"Offloading 20 of its {info.n_layers + 1} layers .* to 15 or fewer"):
        check_memory(info, 4096, 20)
    with_free(1000)
    with pytest.raises(ModelError, match=r"Set GPU layers to 0 \(the model then runs on the CPU\), or lower"):
        check_memory(info, 4096, -1)


# --- LoRA ---------------------------------------------------------------------------


def test_adapter_changes_logits_and_removing_it_restores_them_exactly(
    model: LocalModel, files: dict[str, Path], tokens: list[int]
) -> None:
    llm = model._llm
    base = model.next_token_logits(tokens)
    active = model.set_adapter(files["a"], 1.0)
    assert (active.name, active.scale, active.label) == ("style-a", 1.0, "style-a ×1")
    assert model.adapter == active and active.record()["path"] == str(files["a"].resolve())
    adapted = model.next_token_logits(tokens)
    assert np.abs(adapted - base).max() > 0.1
    model.clear_adapter()
    assert model.adapter is None and model._llm is llm  # never reloaded
    assert np.array_equal(model.next_token_logits(tokens), base)


def test_scale_zero_equals_no_adapter_and_other_scales_differ(
    model: LocalModel, files: dict[str, Path], tokens: list[int]
) -> None:
    base = model.next_token_logits(tokens)
    try:
        model.set_adapter(files["a"], 0.0)
        assert np.array_equal(model.next_token_logits(tokens), base)
        model.set_adapter(files["a"], 1.0)
        full = model.next_token_logits(tokens)
        model.set_adapter(files["a"], 0.5)
        half = model.next_token_logits(tokens)
        assert np.abs(half - full).max() > 0.05 and np.abs(half - base).max() > 0.05
    finally:
        model.clear_adapter()


def test_switching_adapters_leaves_nothing_of_the_previous_one(
    model: LocalModel, files: dict[str, Path], tokens: list[int]
) -> None:
    try:
        model.set_adapter(files["b"])
        only_b = model.next_token_logits(tokens)
        model.set_adapter(files["a"])
        model.set_adapter(files["b"])
        assert model.adapter is not None and model.adapter.name == "style-b"
        assert np.array_equal(model.next_token_logits(tokens), only_b)
    finally:
        model.clear_adapter()


def test_a_changed_adapter_does_not_reuse_the_cached_prompt(
    model: LocalModel, files: dict[str, Path], tokens: list[int]
) -> None:
    """Generation right after a switch equals generation from an empty cache with that adapter."""

    def greedy() -> str:
        pieces = model.stream(tokens, [], 6, 0.0, CancelToken())
        return "".join(p for p in pieces if isinstance(p, str))

    try:
        greedy()  # the base model's keys and values for the prompt are now cached
        model.set_adapter(files["a"], 8.0)  # strong enough to change these few greedy tokens
        after_switch = greedy()
        model._llm.reset()
        assert after_switch == greedy()
    finally:
        model.clear_adapter()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("wrong_shape", "tensor blk.0.attn_q.weight: adapter expects 512 columns, model has 576"),
        ("other_arch", "architecture qwen2 (adapter) vs llama (model)"),
        ("missing", "tensor blk.40.attn_q.weight does not exist in the model"),
        ("rank", "tensor blk.0.attn_v.weight: lora_a has rank 4 but lora_b has rank 8"),
        ("f64_alpha", "stores adapter.lora.alpha as FLOAT64, but llama.cpp needs FLOAT32"),
    ],
)
def test_mismatched_adapters_are_rejected_before_loading(
    model: LocalModel, files: dict[str, Path], tokens: list[int], name: str, message: str
) -> None:
    model.set_adapter(files["b"])
    before = model.next_token_logits(tokens)
    try:
        with pytest.raises(ModelError) as err:
            model.set_adapter(files[name])
        assert message in str(err.value)
        assert model.adapter is not None and model.adapter.name == "style-b"  # the current one stays on
        assert np.array_equal(model.next_token_logits(tokens), before)
    finally:
        model.clear_adapter()


def test_files_that_are_not_adapters_are_rejected(model: LocalModel, tmp_path: Path, files: dict[str, Path]) -> None:
    with pytest.raises(ModelError, match="is not a LoRA adapter"):
        model.set_adapter(base_model())
    with pytest.raises(ModelError, match=r"adapter is truncated|style-a-cut.gguf is truncated"):
        model.set_adapter(truncate(files["a"], tmp_path / "style-a-cut.gguf", keep=0.7))
    with pytest.raises(ModelError, match="scale must be a number between"):
        model.set_adapter(files["a"], float("nan"))
    with pytest.raises(ModelError, match="is a LoRA adapter, not a model"):
        LocalModel(ModelSettings(path=files["a"], n_ctx=256))
    assert model.adapter is None


def test_check_adapter_matches_accepts_a_matching_adapter(files: dict[str, Path]) -> None:
    check_adapter_matches(read_info(base_model()), read_info(files["a"]))


# --- trial load in a child process --------------------------------------------------


def test_trial_load_of_the_model_with_an_adapter(files: dict[str, Path]) -> None:
    result = trial_load(base_model(), n_ctx=256, lora_path=files["a"], timeout_s=60)
    assert result.load_s > 0 and result.rss_bytes > 50_000_000 and result.wall_s >= result.load_s


def test_trial_load_turns_failures_and_crashes_into_model_errors(tmp_path: Path, files: dict[str, Path]) -> None:
    with pytest.raises(ModelError, match="is truncated"):
        trial_load(truncate(base_model(), tmp_path / "cut.gguf", keep=0.9), n_ctx=256)
    with pytest.raises(ModelError, match="llama.cpp could not load tiny.gguf"):
        trial_load(write_tiny_model(tmp_path / "tiny.gguf"), n_ctx=256)
    # llama.cpp aborts the process on a FLOAT64 alpha; here that is a message and the tests go on.
    with pytest.raises(ModelError, match=r"crashed llama.cpp \(SIGABRT\)"):
        trial_load(base_model(), n_ctx=256, lora_path=files["f64_alpha"])
    with pytest.raises(ModelError, match="did not finish within 0.05 s"):
        trial_load(base_model(), n_ctx=256, timeout_s=0.05)


def test_a_crash_loading_the_bundled_model_blames_llama_cpp_not_the_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As a broken llama.cpp build did on a GPU machine: the bundled file is known whole, so the crash is not its."""
    crash = tmp_path / "crash"
    crash.mkdir()
    (crash / "sitecustomize.py").write_text("import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(crash), os.environ.get("PYTHONPATH")])))
    with pytest.raises(ModelError, match=r"the bundled model, whose contents are checked, crashed llama.cpp "
                                         r"\(SIGSEGV\): llama.cpp itself does not work on this computer"):
        trial_load(base_model(), n_ctx=256)
    with pytest.raises(ModelError, match=r"crashed llama.cpp \(SIGSEGV\). The file is damaged"):
        trial_load(write_tiny_model(tmp_path / "tiny.gguf"), n_ctx=256)
