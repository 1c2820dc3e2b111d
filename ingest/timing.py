"""Where ingestion time goes: one timer for every phase, so reports add up the same way everywhere."""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator

PHASES = ("parse", "tokenize", "embed", "write")


@dataclass
class PhaseTimer:
    """Wall-clock seconds per phase: parse (read + hash + load + chunk), tokenize (jieba),
    embed (dense vectors), write (store deletes/writes and manifest commits)."""

    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(PHASES, 0.0))

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - started
