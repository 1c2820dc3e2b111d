"""Print requirements.lock: every package requirements-dev.txt needs, pinned to the version installed in this venv.

Regenerate after changing requirements*.txt and installing them:
    .venv/bin/python .ci/lock.py > requirements.lock
Only the dependency closure of our requirements is pinned (not whatever else the venv holds);
torch is pinned without its local build tag (2.13.0, not 2.13.0+cpu) so that the same line
selects the CPU wheel where one is offered and never pulls the CUDA build.
"""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def _top_level(path: Path) -> list[Requirement]:
    reqs: list[Requirement] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-r"):
            reqs += _top_level(path.parent / line[2:].strip())
        elif not line.startswith("-"):
            reqs.append(Requirement(line))
    return reqs


def closure(roots: list[Requirement]) -> dict[str, str]:
    """name -> installed version for ``roots`` and everything they require (markers evaluated)."""
    pinned: dict[str, str] = {}
    todo = [(r, frozenset(r.extras)) for r in roots]
    seen: set[tuple[str, frozenset]] = set()
    while todo:
        req, extras = todo.pop()
        name = canonicalize_name(req.name)
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        dist = metadata.distribution(req.name)
        pinned[dist.metadata["Name"]] = dist.version
        for raw in dist.requires or []:
            sub = Requirement(raw)
            envs = [{"extra": e} for e in extras] or [{"extra": ""}]
            if sub.marker is None or any(sub.marker.evaluate(env) for env in envs):
                todo.append((sub, frozenset(sub.extras)))
    return pinned


def main() -> int:
    pinned = closure(_top_level(ROOT / "requirements-dev.txt"))
    print("# Fully pinned environment; regenerate with: .venv/bin/python .ci/lock.py > requirements.lock")
    print("# (ranges live in requirements.txt / requirements-dev.txt; .ci/run installs this file)")
    for name in sorted(pinned, key=str.lower):
        version = re.sub(r"\+.*$", "", pinned[name])  # 2.13.0+cpu -> 2.13.0
        print(f"{name}=={version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
