"""One share of the build's precomputed days in its own process: `python -m pipelines.precompute_worker TASK RESULT`
reads (store folder, manifest, days) from TASK and writes the raw values it computes into RESULT (pickle files
the build wrote and reads back, in a private temporary folder). See pipelines/build.py `_precompute`."""
from __future__ import annotations

import pickle
import sys
from pathlib import Path

from pipelines.build import _precompute_days


def main(task: str, result: str) -> int:
    folder, manifest, days = pickle.loads(Path(task).read_bytes())
    Path(result).write_bytes(pickle.dumps(_precompute_days(Path(folder), manifest, days)))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
