"""Injected latency and faults, and RPC call statistics (not Odoo; for tests and benches)."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

KINDS = frozenset({"unavailable", "timeout", "cut", "session_expired", "error"})


@dataclass
class FaultRule:
    """One fault: applies to matching calls `count` times (-1: forever)."""

    kind: str
    model: str | None = None
    method: str | None = None
    count: int = 1
    seconds: float = 0.0  # for "timeout"
    name: str = "odoo.exceptions.UserError"  # for "error"
    message: str = "Injected fault"

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FaultRule:
        kind = str(data.get("kind"))
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; use one of {sorted(KINDS)}")
        return cls(
            kind=kind,
            model=data.get("model"),
            method=data.get("method"),
            count=int(data.get("count", 1)),
            seconds=float(data.get("seconds", data.get("timeout", 0.0))),
            name=str(data.get("name", cls.name)),
            message=str(data.get("message", cls.message)),
        )

    def matches(self, model: str | None, method: str | None) -> bool:
        if self.count == 0:
            return False
        if self.model and self.model != model:
            return False
        return not (self.method and self.method != method)


class Faults:
    """Thread-safe fault configuration and call counters."""

    def __init__(self, latency_ms: int = 0) -> None:
        self.lock = threading.Lock()
        self.latency_ms = latency_ms
        self.rules: list[FaultRule] = []
        self.down = False
        self.calls: Counter[str] = Counter()

    def configure(self, data: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            if "latency_ms" in data:
                self.latency_ms = int(data["latency_ms"])
            if data.get("clear"):
                self.rules = []
            for raw in data.get("rules", data.get("faults", [])):
                self.rules.append(FaultRule.from_json(raw))
            return self.describe()

    def describe(self) -> dict[str, Any]:
        return {
            "latency_ms": self.latency_ms,
            "down": self.down,
            "rules": [asdict(r) for r in self.rules],
        }

    def take(self, model: str | None, method: str | None) -> FaultRule | None:
        """Consume one use of the first rule matching the call, if any."""
        with self.lock:
            for rule in self.rules:
                if rule.matches(model, method):
                    if rule.count > 0:
                        rule.count -= 1
                    return rule
            return None

    def count(self, key: str) -> None:
        with self.lock:
            self.calls[key] += 1

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {"total": sum(self.calls.values()), "calls": dict(self.calls)}

    def reset_stats(self) -> None:
        with self.lock:
            self.calls.clear()
