"""Mutations of PDF and GGUF files for fuzz tests and benchmarks/fuzz_files.py."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator

PDF_KINDS = ("truncate", "flip", "drop_xref", "huge_count", "nested")


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randint(16, max(17, len(data) - 1))]


def flip(data: bytes, rng: random.Random, flips: int = 0) -> bytes:
    out = bytearray(data)
    for _ in range(flips or rng.randint(1, 64)):
        position = rng.randrange(len(out))
        out[position] = rng.randrange(256)
    return bytes(out)


def drop_xref(data: bytes, rng: random.Random) -> bytes:
    """Remove the cross-reference table or stream pointer, so the reader must rebuild it."""
    out = re.sub(rb"startxref\s+\d+", b"startxref\n0", data)
    return re.sub(rb"xref\s+\d+ \d+", b"", out, count=1) if rng.random() < 0.5 else out


def huge_count(data: bytes, rng: random.Random) -> bytes:
    return re.sub(rb"/Count \d+", b"/Count " + str(rng.choice([10**6, 2**31 - 1, 10**12])).encode(), data, count=1)


def nested(data: bytes, rng: random.Random) -> bytes:
    """Point the catalog at a deeply nested array (or dictionary) object appended to the file."""
    depth = rng.choice([1_000, 10_000, 100_000])
    body = b"[" * depth + b"]" * depth if rng.random() < 0.5 else b"<</A " * depth + b">>" * depth
    extra = b"\n999 0 obj\n" + body + b"\nendobj\n"
    data = re.sub(rb"/Type\s*/Catalog", b"/Type /Catalog /Evil 999 0 R", data, count=1)
    return data + extra


def mutate_pdf(data: bytes, kind: str, rng: random.Random) -> bytes:
    return {"truncate": truncate, "flip": flip, "drop_xref": drop_xref, "huge_count": huge_count,
            "nested": nested}[kind](data, rng)


def pdf_mutations(sources: dict[str, bytes], count: int, seed: int) -> Iterator[tuple[str, bytes]]:
    """``count`` mutated files, cycling through the sources and the kinds of damage."""
    rng = random.Random(seed)
    names = sorted(sources)
    for index in range(count):
        name = names[index % len(names)]
        kind = PDF_KINDS[(index // len(names)) % len(PDF_KINDS)]
        yield f"{index:04d}-{kind}-{name}", mutate_pdf(sources[name], kind, rng)


def gguf_mutations(data: bytes, count: int, seed: int) -> Iterator[tuple[str, bytes]]:
    """Damage aimed at the header and tensor table (the first kilobytes), plus truncations."""
    rng = random.Random(seed)
    header = min(len(data), 8192)
    for index in range(count):
        kind = ("header_flip", "count_flip", "truncate", "flip_anywhere")[index % 4]
        if kind == "header_flip":
            out = bytearray(data)
            for _ in range(rng.randint(1, 16)):
                out[rng.randrange(4, header)] = rng.randrange(256)
            mutated = bytes(out)
        elif kind == "count_flip":
            out = bytearray(data)
            offset = rng.choice([8, 16])  # tensor count, metadata count
            out[offset:offset + 8] = rng.randrange(2**64).to_bytes(8, "little")
            mutated = bytes(out)
        elif kind == "truncate":
            mutated = truncate(data, rng)
        else:
            mutated = flip(data, rng, flips=rng.randint(1, 8))
        yield f"{index:04d}-{kind}.gguf", mutated
