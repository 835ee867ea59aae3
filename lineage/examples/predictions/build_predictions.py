"""Regenerate the bundled synthetic evaluation sets (deterministic).

Run: python lineage/examples/predictions/build_predictions.py

Each row is one applicant of a held-out evaluation set: the sensitive attributes `sex` and `age_band`, the
observed outcome `label` (1 = favorable: the loan was repaid / the transaction was legitimate), the model's
`prediction` (1 = favorable decision: approve / do not flag) and its `score` (probability of the favorable
label). Synthetic, no real person: the demo computes fairness evidence on them.

* credit_risk_eval.csv: 3,000 rows; selection rates by sex differ by about 3 points, so the demographic
  parity policy (at most 10 points over the whole 95% interval) passes.
* fraud_detector_eval.csv: 1,500 rows; selection rates by sex differ by about 7 points: within the bound as a
  point estimate, but the 95% interval of a smaller sample reaches past it.
"""

from __future__ import annotations

import csv
import math
import random
from pathlib import Path

HERE = Path(__file__).parent
AGE_BANDS = (("18-25", 0.18), ("26-40", 0.36), ("41-60", 0.32), ("61+", 0.14))
AGE_EFFECT = {"18-25": -0.35, "26-40": 0.0, "41-60": 0.15, "61+": 0.05}


def _pick(rng: random.Random, options: tuple[tuple[str, float], ...]) -> str:
    x, acc = rng.random(), 0.0
    for value, weight in options:
        acc += weight
        if x < acc:
            return value
    return options[-1][0]


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def rows(seed: int, n: int, base: float, male_shift: float, noise: float) -> list[dict[str, object]]:
    """Applicants with a latent ability to repay; the model sees it with noise and a shift for one group."""
    rng = random.Random(seed)
    out: list[dict[str, object]] = []
    for _ in range(n):
        sex = "male" if rng.random() < 0.52 else "female"
        band = _pick(rng, AGE_BANDS)
        latent = base + AGE_EFFECT[band] + rng.gauss(0.0, 1.0)
        label = 1 if rng.random() < _sigmoid(2.2 * latent) else 0
        score = _sigmoid(2.0 * (latent + rng.gauss(0.0, noise) + (male_shift if sex == "male" else 0.0)))
        out.append({"applicant_id": len(out) + 1, "sex": sex, "age_band": band, "label": label,
                    "prediction": 1 if score >= 0.5 else 0, "score": f"{score:.4f}"})
    return out


def write(path: Path, data: list[dict[str, object]]) -> None:
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(data[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(data)


def main() -> None:
    write(HERE / "credit_risk_eval.csv", rows(seed=20261001, n=3000, base=0.35, male_shift=0.06, noise=0.6))
    write(HERE / "fraud_detector_eval.csv", rows(seed=20261007, n=1500, base=0.9, male_shift=0.3, noise=0.7))
    print("wrote credit_risk_eval.csv and fraud_detector_eval.csv")


if __name__ == "__main__":
    main()
