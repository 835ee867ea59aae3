"""Regenerates drift_reference.csv, drift_current.csv and evidently_drift_snapshot.json (see SOURCES.md).

Run from the repository root with evidently 0.7.23 installed:
`.venv/bin/python tests/data/stages/make_evidently_drift.py`.
The data are synthetic (seeded numpy); the snapshot is Evidently's own report JSON (`Snapshot.save_json`)
of `Report([DataDriftPreset()]).run(current, reference)` on the two files as pyarrow reads them.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.csv as pcsv

HERE = Path(__file__).parent


def frame(rng: np.random.Generator, n: int, shift: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "income": rng.lognormal(10 + shift, 0.5, n).round(2),
            "age": rng.integers(18, 80 + int(10 * shift), n),
            "score": rng.normal(shift, 1, n),
            "tenure": rng.integers(0, 4, n).astype(float),
            "region": rng.choice(
                ["north", "south", "east", "west"], n, p=[0.4, 0.3, 0.2 + shift / 10, 0.1 - shift / 10]
            ),
            "segment": rng.choice(["retail", "business", "private"], n),
            "channel": rng.choice(["web", "branch"], n, p=[0.6 + shift / 2, 0.4 - shift / 2]),
            "children": rng.integers(0, 3, n),
        }
    )


def main() -> None:
    from evidently import Report
    from evidently.presets import DataDriftPreset

    rng = np.random.default_rng(14)
    frame(rng, 1500, 0.0).to_csv(HERE / "drift_reference.csv", index=False)
    frame(rng, 1200, 0.2).to_csv(HERE / "drift_current.csv", index=False)
    ref = pcsv.read_csv(HERE / "drift_reference.csv").to_pandas()
    cur = pcsv.read_csv(HERE / "drift_current.csv").to_pandas()
    Report([DataDriftPreset()]).run(cur, ref).save_json(str(HERE / "evidently_drift_snapshot.json"))


if __name__ == "__main__":
    main()
