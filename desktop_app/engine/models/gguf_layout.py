"""Parse and check a GGUF file's header, bounded by the file's size, without loading its weights.

The header is parsed here in pure Python with bounded reads, instead of with
``gguf.GGUFReader``: the reader takes about 2 s on the bundled 135M model
(it builds a numpy view for every tokenizer string) and trusts the counts in
the file, so a damaged header can make it loop for a long time or fail with
any exception. Every count here is checked against the file size before it
is used, every loop has a hard limit, and every problem becomes a
``ModelError`` that names it and says what to do.

Shapes are kept in GGUF (ggml) order: the first number is the row length,
so a weight matrix that maps ``n_in`` inputs to ``n_out`` outputs has shape
``(n_in, n_out)`` here (numpy would say ``(n_out, n_in)``).
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from gguf import GGML_QUANT_SIZES, GGMLQuantizationType, GGUFValueType

from desktop_app.errors import ModelError

SUPPORTED_VERSIONS = (2, 3)
MAX_PLAUSIBLE_VERSION = 1000  # above this the header is noise, not a newer format
DEFAULT_ALIGNMENT = 32
MAX_DIMS = 4
MAX_TENSOR_NAME = 63  # ggml keeps names in 64 bytes with the terminating NUL
MAX_KV = 65_536  # real files have fewer than 100 entries
MAX_TENSORS = 1_000_000  # the largest real models have a few thousand
MAX_ARRAY_STRINGS = 8_000_000  # all string arrays together; large vocabularies have ~260k tokens
MIN_KV_BYTES = 8 + 4 + 1  # key length, value type, smallest value
MIN_TENSOR_INFO_BYTES = 8 + 4 + 4 + 8  # name length, n_dims, type, offset
HEADER_BYTES = 4 + 4 + 8 + 8
CHUNK = 1 << 20

_SCALARS: dict[GGUFValueType, str] = {
    GGUFValueType.UINT8: "<B", GGUFValueType.INT8: "<b", GGUFValueType.UINT16: "<H", GGUFValueType.INT16: "<h",
    GGUFValueType.UINT32: "<I", GGUFValueType.INT32: "<i", GGUFValueType.FLOAT32: "<f", GGUFValueType.BOOL: "<?",
    GGUFValueType.UINT64: "<Q", GGUFValueType.INT64: "<q", GGUFValueType.FLOAT64: "<d",
}

Shape = tuple[int, ...]
Scalar = int | float | bool | str


@dataclass(frozen=True)
class ArrayValue:
    """A metadata array, kept as its element type and length (the values are not needed)."""

    element_type: str
    length: int


@dataclass(frozen=True)
class TensorEntry:
    name: str
    shape: Shape
    type_name: str
    offset: int  # from the start of the data section
    n_bytes: int

    @property
    def n_elements(self) -> int:
        count = 1
        for dim in self.shape:
            count *= dim
        return count


@dataclass(frozen=True)
class GGUFLayout:
    """What the header says: metadata (with its value types) and where each tensor lies."""

    path: Path
    version: int
    size_bytes: int
    alignment: int
    data_offset: int
    metadata: Mapping[str, Scalar | ArrayValue]
    value_types: Mapping[str, str]
    tensors: tuple[TensorEntry, ...]


class _Short(Exception):
    """A read would go past the end of the file."""

    def __init__(self, pos: int) -> None:
        super().__init__(pos)
        self.pos = pos


class _Bad(Exception):
    """The header breaks a GGUF rule; the message says which (the caller adds the file name and advice)."""


class _Reader:
    """Sequential little-endian reads that never go past the end of the file."""

    def __init__(self, handle: BinaryIO, size: int) -> None:
        self._handle = handle
        self.size = size
        self._buf = b""
        self._start = 0
        self._at = 0

    @property
    def pos(self) -> int:
        return self._start + self._at

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > self.size:
            raise _Short(self.pos)
        if self._at + n > len(self._buf):
            rest = self._buf[self._at:]
            self._start, self._at = self.pos, 0
            self._buf = rest + self._handle.read(max(n - len(rest), CHUNK))
            if len(self._buf) < n:  # the file shrank while we read it
                raise _Short(self.pos)
        out = self._buf[self._at:self._at + n]
        self._at += n
        return out

    def skip(self, n: int) -> None:
        if n < 0 or self.pos + n > self.size:
            raise _Short(self.pos)
        if self._at + n <= len(self._buf):
            self._at += n
            return
        self._handle.seek(self.pos + n)
        self._start, self._at, self._buf = self.pos + n, 0, b""

    def scalar(self, kind: GGUFValueType) -> int | float | bool:
        fmt = _SCALARS[kind]
        value: int | float | bool = struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]
        return value

    def u32(self) -> int:
        return int(self.scalar(GGUFValueType.UINT32))

    def u64(self) -> int:
        return int(self.scalar(GGUFValueType.UINT64))

    def string(self) -> str:
        return self.take(self.u64()).decode("utf-8", errors="replace")

    def value_type(self) -> GGUFValueType:
        raw = self.u32()
        try:
            return GGUFValueType(raw)
        except ValueError:
            raise _Bad(f"it has a metadata value of unknown type {raw}") from None


# --- public API ---------------------------------------------------------------------


def validate_gguf(path: Path) -> GGUFLayout:
    """Check that ``path`` is a whole, well-formed GGUF file and return its layout.

    Checks, reading at most the header: the magic bytes, a supported version,
    tensor and metadata counts a file of this size can hold, every metadata
    entry and tensor description, and that every tensor's data lies inside
    the file (a truncated download fails here). Raises ``ModelError``.
    """
    path = Path(path)
    size = _file_size(path)
    try:
        with path.open("rb") as handle:
            return _parse(path, handle, size)
    except ModelError:
        raise
    except _Bad as exc:
        raise ModelError(f"{path.name} is not a usable GGUF file: {exc}. Choose another GGUF file.") from None
    except _Short as exc:
        raise ModelError(
            f"{path.name} is damaged: its header ends early (at byte {exc.pos:,} of {size:,}). The file is "
            "probably incomplete; download it again or choose another GGUF file."
        ) from None
    except MemoryError:
        raise ModelError(f"{path.name} has a header too large to read. Choose another GGUF file.") from None
    except Exception as exc:  # noqa: BLE001  (hostile input: anything may happen, the user gets a message)
        raise ModelError(
            f"{path.name} could not be read as a GGUF file ({type(exc).__name__}: {exc}). Choose another GGUF file."
        ) from None


# --- parsing ------------------------------------------------------------------------


def _file_size(path: Path) -> int:
    try:
        if not path.exists():
            raise ModelError(f"The file {path} does not exist. Choose another GGUF file.")
        if not path.is_file():
            raise ModelError(f"{path} is a folder, not a model file. Choose a .gguf file.")
        return path.stat().st_size
    except OSError as exc:
        raise ModelError(f"{path} cannot be read ({exc.strerror or exc}). Choose another GGUF file.") from None


def _parse(path: Path, handle: BinaryIO, size: int) -> GGUFLayout:
    reader = _Reader(handle, size)
    if size < HEADER_BYTES:
        raise ModelError(f"{path.name} is not a GGUF model file (it is only {size} bytes long). Choose a .gguf file.")
    head = reader.take(HEADER_BYTES)
    _check_magic(path, head)
    version = int.from_bytes(head[4:8], "little")
    _check_version(path, version)
    n_tensors, n_kv = int.from_bytes(head[8:16], "little"), int.from_bytes(head[16:24], "little")
    _check_counts(path, n_tensors, n_kv, size)
    metadata, value_types = _read_metadata(reader, n_kv)
    entries = [_read_tensor_info(reader) for _ in range(n_tensors)]
    alignment = _alignment(metadata, value_types)
    data_offset = -(-reader.pos // alignment) * alignment
    tensors = _check_tensors(path, entries, alignment, data_offset, size)
    return GGUFLayout(path, version, size, alignment, data_offset, metadata, value_types, tensors)


def _check_magic(path: Path, head: bytes) -> None:
    if head[:4] == b"GGUF":
        return
    hint = ""
    if head[:2] == b"PK":
        hint = " It looks like a PyTorch checkpoint; convert it to GGUF with llama.cpp's convert_hf_to_gguf.py."
    elif head[8:9] == b"{":
        hint = " It looks like a safetensors file; convert it to GGUF with llama.cpp's convert_hf_to_gguf.py."
    elif head[:4] in (b"lmgg", b"tjgg", b"ggml", b"ggmf", b"ggjt"):
        hint = " It is an old GGML model, which llama.cpp no longer reads; use a GGUF version of the model."
    raise ModelError(f"{path.name} is not a GGUF model file (it does not start with 'GGUF').{hint} "
                     "Choose a .gguf file.")


def _check_version(path: Path, version: int) -> None:
    if version in SUPPORTED_VERSIONS:
        return
    if version & 0xFFFF == 0 and (version >> 24) in SUPPORTED_VERSIONS:
        raise ModelError(f"{path.name} is a big-endian GGUF file, which this computer cannot use. "
                         "Choose the ordinary (little-endian) version of the model.")
    if version > MAX_PLAUSIBLE_VERSION:
        raise ModelError(f"{path.name} is damaged: its header has an impossible GGUF version ({version:,}). "
                         "Download it again or choose another GGUF file.")
    if version < min(SUPPORTED_VERSIONS):
        raise ModelError(f"{path.name} uses GGUF version {version}, which llama.cpp no longer reads. "
                         "Choose a newer conversion of the model.")
    raise ModelError(f"{path.name} uses GGUF version {version}; this app reads versions "
                     f"{', '.join(map(str, SUPPORTED_VERSIONS))}. Choose another GGUF file.")


def _check_counts(path: Path, n_tensors: int, n_kv: int, size: int) -> None:
    need = n_tensors * MIN_TENSOR_INFO_BYTES + n_kv * MIN_KV_BYTES
    if n_tensors > MAX_TENSORS or n_kv > MAX_KV or HEADER_BYTES + need > size:
        raise ModelError(
            f"{path.name} is damaged: its header claims {n_tensors:,} tensors and {n_kv:,} metadata entries, "
            f"more than a file of {format_bytes(size)} can hold. Download it again or choose another GGUF file."
        )


def _read_metadata(reader: _Reader, n_kv: int) -> tuple[dict[str, Scalar | ArrayValue], dict[str, str]]:
    metadata: dict[str, Scalar | ArrayValue] = {}
    value_types: dict[str, str] = {}
    budget = [MAX_ARRAY_STRINGS]
    for _ in range(n_kv):
        key = reader.string()
        if key in metadata:
            raise _Bad(f"the metadata key {key!r} appears twice")
        kind = reader.value_type()
        metadata[key] = _read_value(reader, kind, budget)
        value_types[key] = kind.name
    return metadata, value_types


def _read_value(reader: _Reader, kind: GGUFValueType, budget: list[int]) -> Scalar | ArrayValue:
    if kind == GGUFValueType.STRING:
        return reader.string()
    if kind != GGUFValueType.ARRAY:
        return reader.scalar(kind)
    element = reader.value_type()
    count = reader.u64()
    if element == GGUFValueType.ARRAY:
        raise _Bad("it has nested metadata arrays, which llama.cpp does not read")
    if element == GGUFValueType.STRING:
        _skip_strings(reader, count, budget)
    else:
        width = struct.calcsize(_SCALARS[element])
        if count > (reader.size - reader.pos) // width:
            raise _Short(reader.pos)
        reader.skip(count * width)
    return ArrayValue(element.name, count)


def _skip_strings(reader: _Reader, count: int, budget: list[int]) -> None:
    if count > (reader.size - reader.pos) // 8:
        raise _Short(reader.pos)
    budget[0] -= count
    if budget[0] < 0:
        raise _Bad(f"its metadata holds more than {MAX_ARRAY_STRINGS:,} strings")
    for _ in range(count):
        reader.skip(reader.u64())


def _read_tensor_info(reader: _Reader) -> tuple[str, Shape, int, int]:
    name = reader.string()
    if not name or len(name.encode("utf-8", errors="replace")) > MAX_TENSOR_NAME:
        raise _Bad(f"a tensor name is empty or longer than {MAX_TENSOR_NAME} bytes ({name[:80]!r})")
    n_dims = reader.u32()
    if not 1 <= n_dims <= MAX_DIMS:
        raise _Bad(f"tensor {name!r} has {n_dims} dimensions (at most {MAX_DIMS} are possible)")
    shape = tuple(reader.u64() for _ in range(n_dims))
    if any(dim >= 1 << 62 for dim in shape):
        raise _Bad(f"tensor {name!r} has an impossible shape {list(shape)}")
    return name, shape, reader.u32(), reader.u64()


def _alignment(metadata: Mapping[str, Scalar | ArrayValue], value_types: Mapping[str, str]) -> int:
    if "general.alignment" not in metadata:
        return DEFAULT_ALIGNMENT
    value = metadata["general.alignment"]
    # llama.cpp aborts the whole process on a non-UINT32 alignment, so this must be caught here.
    if value_types["general.alignment"] != "UINT32" or not isinstance(value, int) or value <= 0 \
            or value & (value - 1):
        raise _Bad(f"general.alignment is {value!r} ({value_types['general.alignment']}); "
                   "it must be a power of two stored as UINT32")
    return value


def _check_tensors(
    path: Path, entries: list[tuple[str, Shape, int, int]], alignment: int, data_offset: int, size: int
) -> tuple[TensorEntry, ...]:
    tensors: list[TensorEntry] = []
    seen: set[str] = set()
    for name, shape, type_id, offset in entries:
        if name in seen:
            raise _Bad(f"the tensor name {name!r} appears twice")
        seen.add(name)
        tensors.append(_tensor(name, shape, type_id, offset, alignment))
    _check_bounds(path, tensors, data_offset, size)
    return tuple(tensors)


def _tensor(name: str, shape: Shape, type_id: int, offset: int, alignment: int) -> TensorEntry:
    try:
        kind = GGMLQuantizationType(type_id)
        block, type_size = GGML_QUANT_SIZES[kind]
    except (ValueError, KeyError):
        raise _Bad(f"tensor {name!r} uses tensor type {type_id}, which this app does not know "
                   "(the file may need a newer version); choose a file with a common quantization "
                   "such as Q4_K_M") from None
    if shape[0] % block:
        raise _Bad(f"tensor {name!r} has rows of {shape[0]} values, not a multiple of the {kind.name} "
                   f"block size {block}")
    if offset % alignment:
        raise _Bad(f"tensor {name!r} starts at offset {offset}, not a multiple of the alignment {alignment}")
    entry = TensorEntry(name, shape, kind.name, offset, 0)
    return TensorEntry(name, shape, kind.name, offset, entry.n_elements // block * type_size)


def _check_bounds(path: Path, tensors: list[TensorEntry], data_offset: int, size: int) -> None:
    if not tensors:
        return
    huge = next((t for t in tensors if t.n_bytes > size), None)
    if huge is not None:
        raise ModelError(f"{path.name} is damaged: tensor '{huge.name}' claims {format_bytes(huge.n_bytes)}, more "
                         "than the whole file. Download it again or choose another GGUF file.")
    last = max(tensors, key=lambda t: t.offset + t.n_bytes)
    end = data_offset + last.offset + last.n_bytes
    if end > size:
        raise ModelError(
            f"{path.name} is truncated: tensor '{last.name}' needs bytes up to {end:,} but the file has only "
            f"{size:,} ({format_bytes(end - size)} missing). The download is probably incomplete; download it "
            "again or choose another GGUF file."
        )


# --- description --------------------------------------------------------------------


def format_bytes(n: int | float) -> str:
    """1234567 -> '1.2 MB' (decimal units, as file managers show them)."""
    value = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if abs(value) < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"  # pragma: no cover  (loop always returns)
