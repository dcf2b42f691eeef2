"""Collect benchmark rows and write them to docs/benchmarks.md with the machine and date."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "benchmarks.md"


def scale() -> float:
    """BENCH_SCALE < 1 runs a reduced size, which is reported and meets no target."""
    return float(os.environ.get("BENCH_SCALE", "1"))


def scaled(n: int) -> int:
    return max(1, int(n * scale()))


def machine() -> str:
    mem_kb = 0
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    return (
        f"{platform.node()} · {platform.machine()} · {os.cpu_count()} cores · "
        f"{mem_kb / 1024 / 1024:.0f} GiB RAM · Python {platform.python_version()}"
    )


@dataclass
class Row:
    name: str
    size: str
    figure: str
    baseline: str = ""
    ratio: str = ""
    target: str = ""
    note: str = ""


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)

    def add_row(
        self,
        name: str,
        size: str,
        figure: str,
        baseline: str = "",
        ratio: str = "",
        target: str = "",
        note: str = "",
    ) -> None:
        if scale() < 1:
            note = f"reduced size (BENCH_SCALE={scale()}), meets no target. {note}".strip()
        self.rows.append(Row(name, size, figure, baseline, ratio, target, note))
        print(f"  {name}: {figure}  [{size}] {note}", flush=True)  # noqa: T201 (progress)

    def markdown(self) -> str:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        lines = [
            f"## Run of {stamp}",
            "",
            f"Machine: {machine()}",
            "",
            "| What | Size | Result | Baseline (same run) | Ratio | Target | Note |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in self.rows:
            lines.append(
                f"| {r.name} | {r.size} | {r.figure} | {r.baseline} | {r.ratio} | "
                f"{r.target} | {r.note} |"
            )
        return "\n".join(lines) + "\n"

    def write(self) -> None:
        header = "# Benchmarks\n\nWritten by `make bench`; newest run first.\n\n"
        old = OUTPUT.read_text() if OUTPUT.exists() else header
        body = old[len(header) :] if old.startswith(header) else old
        OUTPUT.parent.mkdir(parents=True, exist_ok=True)
        OUTPUT.write_text(header + self.markdown() + "\n" + body)
