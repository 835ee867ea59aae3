"""Per-variant sufficient statistics (units, sum, sum of squares), in total and at each look."""

from __future__ import annotations

import numpy as np


class _Arm:
    __slots__ = ("n", "total", "sumsq")

    def __init__(self, n: int, total: float, sumsq: float) -> None:
        self.n, self.total, self.sumsq = n, total, sumsq

    @property
    def mean(self) -> float:
        return self.total / self.n

    @property
    def var(self) -> float:  # sample variance (ddof=1)
        if self.n < 2:
            return 0.0
        return max(0.0, (self.sumsq - self.total * self.total / self.n) / (self.n - 1))


def _looks_of(codes: np.ndarray, y: np.ndarray, ic: int, it: int, looks: int) -> list[tuple[_Arm, _Arm]]:
    """Cumulative (control, treatment) statistics at `looks` equally spaced prefixes of the rows: one
    bincount per segment, so O(rows) whatever the number of looks."""
    n = len(y)
    cuts = sorted({max(1, round(n * (i + 1) / looks)) for i in range(max(1, looks))})
    k = int(codes.max()) + 1 if n else 1
    acc = np.zeros((3, k))
    out: list[tuple[_Arm, _Arm]] = []
    start = 0
    for cut in cuts:
        seg_c, seg_y = codes[start:cut], y[start:cut]
        acc[0] += np.bincount(seg_c, minlength=k)
        acc[1] += np.bincount(seg_c, weights=seg_y, minlength=k)
        acc[2] += np.bincount(seg_c, weights=seg_y * seg_y, minlength=k)
        start = cut
        out.append(
            (
                _Arm(int(acc[0, ic]), float(acc[1, ic]), float(acc[2, ic])),
                _Arm(int(acc[0, it]), float(acc[1, it]), float(acc[2, it])),
            )
        )
    return out
