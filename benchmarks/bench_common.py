"""Helpers shared by the benchmark scripts: tables, results files, child processes, percentiles, PNG charts.

Each measurement that reports a peak RSS runs in its own child process
(``run_child``), so one measurement's peak never hides in another's. Charts
are drawn with Qt offscreen (matplotlib is not a dependency).
"""

from __future__ import annotations

import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
SHARED = ROOT.parent / "shared" / "eval"
CORPUS = SHARED / "corpus"
QUESTIONS = SHARED / "dev_questions.jsonl"
VENV_BIN = Path(sys.executable).parent


def md_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def fmt(value: object) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    return str(value)


def machine() -> dict[str, Any]:
    """Where and under what load a result was measured (the machine is shared: compare within one run)."""
    return {"cpus": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()],
            "python": sys.version.split()[0], "time": time.strftime("%Y-%m-%d %H:%M:%S")}


def write_results(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"machine": machine(), **data}, indent=2, ensure_ascii=False) + "\n")
    return path


def peak_rss_mb() -> float:
    """This process's peak resident memory (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def children_peak_rss_mb() -> float:
    """The largest peak among this process's finished children (the PDF reader, say)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def current_rss_mb() -> float:
    import psutil

    return float(psutil.Process().memory_info().rss) / 2**20


def run_child(script: Path, args: list[str], env: dict[str, str] | None = None, timeout: float = 3600) -> Any:
    """Run ``script --child ARGS`` in a fresh interpreter; its last stdout line is its JSON result."""
    done = subprocess.run([sys.executable, str(script), "--child", *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"{script.name} {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def child_result(data: Any) -> None:
    print(json.dumps(data), flush=True)


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    position = (len(ordered) - 1) * p / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


@dataclass
class Panel:
    """One line chart: ``series`` maps a legend name to y values at ``xs``."""

    title: str
    x_label: str
    y_label: str
    xs: list[float]
    series: dict[str, list[float]]
    log_x: bool = True


COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"]


def save_chart(path: Path, panels: list[Panel], width: int = 760, panel_height: int = 340) -> Path:
    """Panels stacked vertically in one PNG, drawn with QPainter on an offscreen QImage."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter

    _app = QGuiApplication.instance() or QGuiApplication([])
    image = QImage(width, panel_height * len(panels), QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    for number, panel in enumerate(panels):
        draw_panel(painter, panel, 0, number * panel_height, width, panel_height)
    painter.end()
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(str(path))
    return path


def draw_panel(painter: Any, panel: Panel, left: int, top: int, width: int, height: int) -> None:
    from PySide6.QtCore import QPointF, QRectF, Qt
    from PySide6.QtGui import QColor, QPen

    plot = QRectF(left + 80, top + 40, width - 240, height - 90)
    xmap = axis_map(panel.xs, plot.left(), plot.right(), panel.log_x)
    top_value = max((v for values in panel.series.values() for v in values), default=1.0) * 1.1 or 1.0
    painter.setPen(QPen(QColor("black"), 1))
    painter.drawText(QRectF(left, top + 8, width, 24), Qt.AlignmentFlag.AlignHCenter, panel.title)
    painter.drawRect(plot)
    for tick in range(5):
        value = top_value * tick / 4
        y = plot.bottom() - plot.height() * tick / 4
        painter.drawText(QRectF(plot.left() - 75, y - 9, 70, 18), Qt.AlignmentFlag.AlignRight, fmt(value))
    for x in panel.xs:
        painter.drawText(QRectF(xmap(x) - 40, plot.bottom() + 4, 80, 18), Qt.AlignmentFlag.AlignHCenter, f"{x:,.0f}")
    painter.drawText(QRectF(plot.left(), plot.bottom() + 24, plot.width(), 18), Qt.AlignmentFlag.AlignHCenter,
                     panel.x_label + (" (log scale)" if panel.log_x else ""))
    painter.save()
    painter.translate(left + 14, plot.center().y())
    painter.rotate(-90)
    painter.drawText(QRectF(-plot.height() / 2, -10, plot.height(), 20), Qt.AlignmentFlag.AlignHCenter, panel.y_label)
    painter.restore()
    for index, (name, values) in enumerate(panel.series.items()):
        colour = QColor(COLOURS[index % len(COLOURS)])
        painter.setPen(QPen(colour, 2))
        points = [QPointF(xmap(x), plot.bottom() - plot.height() * v / top_value)
                  for x, v in zip(panel.xs, values, strict=True)]
        for a, b in zip(points, points[1:], strict=False):
            painter.drawLine(a, b)
        for p in points:
            painter.drawEllipse(p, 3, 3)
        painter.drawLine(QPointF(plot.right() + 12, plot.top() + 12 + 20 * index),
                         QPointF(plot.right() + 32, plot.top() + 12 + 20 * index))
        painter.setPen(QPen(QColor("black"), 1))
        painter.drawText(QPointF(plot.right() + 38, plot.top() + 17 + 20 * index), name)


def axis_map(xs: list[float], start: float, end: float, log: bool) -> Any:
    scale = (lambda v: math.log10(v)) if log else (lambda v: v)
    low, high = scale(min(xs)), scale(max(xs))
    span = (high - low) or 1.0
    return lambda v: start + (end - start) * (scale(v) - low) / span
