"""What `make bench` measures on this machine and the capacity model reads (bench/measurements.json): each bench
that measures a per-call cost records it here when it runs, so that a changed measurement changes the model's
output, and the documents that quote it (a unit test holds docs/capacity.md to the model) fail until updated."""

import json
from datetime import date
from pathlib import Path

FILE = Path(__file__).with_name("measurements.json")


def load() -> dict[str, tuple[float, str]]:
    """Each measurement: its value, and the bench that measured it (with the day)."""
    recorded = json.loads(FILE.read_text(encoding="utf-8"))
    return {name: (entry["value"], f"{entry['by']}, {entry['measured_on']}") for name, entry in recorded.items()}


def record(name: str, value: float, by: str) -> None:
    recorded = json.loads(FILE.read_text(encoding="utf-8")) if FILE.exists() else {}
    recorded[name] = {"value": round(value, 2), "by": by, "measured_on": date.today().isoformat()}
    FILE.write_text(json.dumps(recorded, indent=2, sort_keys=True) + "\n", encoding="utf-8")
