"""Logistic fit of correctness against difficulty, and the 50% difficulty (D50).

The model is P(correct | d) = 1 / (1 + exp(-(a + b d))). It is fitted by
Newton's method (IRLS) on counts per difficulty level, so one fit costs a few
2x2 solves whatever the number of examples, and many bootstrap replicates
are fitted at once as a batch. D50 = -a / b is the difficulty at which the
model succeeds half the time.

The data cannot always place D50, and the fit says so instead of printing a
number: all answers right or all wrong, a single difficulty level, levels
perfectly separated (every success below every failure: the maximum
likelihood slope is infinite and D50 is only known to lie between two
levels), or a D50 outside the scale 1..10.
"""

from __future__ import annotations

import numpy as np

D_MIN, D_MAX = 1.0, 10.0


def fit_batch(
    d: np.ndarray, n: np.ndarray, k: np.ndarray, iters: int = 100
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fit many replicates at once.

    ``d``: (L,) difficulty levels; ``n``, ``k``: (R, L) trials and successes
    per level for R replicates. Returns intercepts, slopes (R,) and a
    ``converged`` mask (False where the likelihood has no finite maximum or
    Newton did not settle).
    """
    r = n.shape[0]
    beta = np.zeros((r, 2))
    # Start from the pooled rate, so the first step is already sensible.
    rate = (k.sum(axis=1) + 0.5) / (n.sum(axis=1) + 1.0)
    beta[:, 0] = np.log(rate / (1 - rate))
    done = np.zeros(r, dtype=bool)
    for _ in range(iters):
        eta = np.clip(beta[:, :1] + beta[:, 1:] * d, -35.0, 35.0)
        p = 1.0 / (1.0 + np.exp(-eta))
        w = n * p * (1 - p)
        resid = k - n * p
        g0, g1 = resid.sum(axis=1), (resid * d).sum(axis=1)
        h00, h01, h11 = w.sum(axis=1), (w * d).sum(axis=1), (w * d * d).sum(axis=1)
        det = h00 * h11 - h01 * h01
        ok = det > 1e-12 * np.maximum(h00 * h11, 1e-300)
        safe = np.where(ok, det, 1.0)
        step0 = np.where(ok, (h11 * g0 - h01 * g1) / safe, 0.0)
        step1 = np.where(ok, (h00 * g1 - h01 * g0) / safe, 0.0)
        # Damp very long steps (far from the optimum, or a diverging fit).
        scale = np.minimum(1.0, 5.0 / np.maximum(np.abs(step0), np.abs(step1) + 1e-300))
        step0, step1 = step0 * scale, step1 * scale
        active = ~done & ok
        beta[active, 0] += step0[active]
        beta[active, 1] += step1[active]
        done |= ~ok | ((np.abs(step0) < 1e-10) & (np.abs(step1) < 1e-10))
        if done.all():
            break
    converged = done & (np.abs(beta[:, 1]) < 50) & np.isfinite(beta).all(axis=1)
    return beta[:, 0], beta[:, 1], converged


def _separation(d: np.ndarray, n: np.ndarray, k: np.ndarray) -> tuple[float, float] | None:
    """The gap between the levels holding successes and those holding failures,
    when every success lies below every failure (or above): else None."""
    wins = d[k > 0]
    losses = d[(n - k) > 0]
    if wins.max() <= losses.min():
        return float(wins.max()), float(losses.min())
    if wins.min() >= losses.max():
        return float(losses.max()), float(wins.min())
    return None


def place_d50(d: np.ndarray, n: np.ndarray, k: np.ndarray) -> dict:
    """Fit one data set and say whether, and where, D50 is.

    ``d``: levels present; ``n``, ``k``: trials and successes per level.
    Returns ``status`` ("ok", "all_correct", "all_wrong", "one_level",
    "separated", "below_range", "above_range", "no_fit"), ``intercept``,
    ``slope``, ``d50`` (None unless placed) and a one-line ``note``.
    """
    out: dict[str, str | float | None] = {"status": "ok", "intercept": None, "slope": None, "d50": None, "note": ""}
    total, wins = int(n.sum()), int(k.sum())
    if total == 0:
        return {**out, "status": "no_fit", "note": "no examples with a difficulty"}
    if wins == total:
        return {
            **out,
            "status": "all_correct",
            "note": f"all {total} answers right: D50 lies above the hardest level tried ({d.max():g})",
        }
    if wins == 0:
        return {
            **out,
            "status": "all_wrong",
            "note": f"all {total} answers wrong: D50 lies below the easiest level tried ({d.min():g})",
        }
    if len(d) < 2:
        return {**out, "status": "one_level", "note": f"one difficulty level only ({d[0]:g}): no trend to fit"}
    gap = _separation(d, n, k)
    if gap is not None:
        lo, hi = gap
        return {
            **out,
            "status": "separated",
            "note": f"successes and failures are perfectly separated: D50 is somewhere in [{lo:g}, {hi:g}], "
            "the data cannot place it more precisely",
        }
    a, b, conv = fit_batch(d, n[None, :], k[None, :])
    a0, b0 = float(a[0]), float(b[0])
    out.update(intercept=a0, slope=b0)
    if not conv[0] or b0 == 0:
        return {**out, "status": "no_fit", "note": "the fit did not converge"}
    d50 = -a0 / b0
    if d50 < D_MIN:
        return {
            **out,
            "status": "below_range",
            "note": f"the fitted 50% point ({d50:.2f}) is below difficulty {D_MIN:g}: outside the scale",
        }
    if d50 > D_MAX:
        return {
            **out,
            "status": "above_range",
            "note": f"the fitted 50% point ({d50:.2f}) is above difficulty {D_MAX:g}: outside the scale",
        }
    out["d50"] = d50
    if b0 > 0:
        out["note"] = "success rises with difficulty here: read D50 with care"
    return out


def bootstrap_d50(d: np.ndarray, n: np.ndarray, k: np.ndarray, reps: int, seed: int) -> dict:
    """Percentile 95% interval of D50 over ``reps`` resamples of the examples.

    A resample draws the same number of examples with replacement, as
    multinomial counts over the (level, outcome) cells. Replicates whose D50
    cannot be placed (all right or wrong, separated, outside 1..10) are left
    out of the interval and counted in ``unplaced_share``.
    """
    rng = np.random.default_rng(seed)
    cells = np.concatenate([k, n - k]).astype(np.float64)
    total = int(cells.sum())
    draws = rng.multinomial(total, cells / total, size=reps)
    kk, ll = draws[:, : len(d)], draws[:, len(d) :]
    nn = kk + ll
    a, b, conv = fit_batch(d, nn.astype(np.float64), kk.astype(np.float64))
    with np.errstate(divide="ignore", invalid="ignore"):
        d50 = np.where(b != 0, -a / b, np.nan)
    present = nn > 0
    wins, losses = np.where(kk > 0, d, np.nan), np.where(ll > 0, d, np.nan)
    with np.errstate(invalid="ignore"):
        separated = (np.nanmax(wins, axis=1, initial=-np.inf) <= np.nanmin(losses, axis=1, initial=np.inf)) | (
            np.nanmin(wins, axis=1, initial=np.inf) >= np.nanmax(losses, axis=1, initial=-np.inf)
        )
    placed = conv & ~separated & (present.sum(axis=1) >= 2) & (d50 >= D_MIN) & (d50 <= D_MAX)
    share = 1.0 - placed.mean() if reps else 1.0
    if placed.sum() < max(10, reps // 20):
        return {
            "low": None,
            "high": None,
            "unplaced_share": float(share),
            "note": "too few resamples place D50 for an interval",
        }
    lo, hi = np.percentile(d50[placed], [2.5, 97.5])
    note = ""
    if share > 0.05:
        note = f"{share:.0%} of resamples could not place D50; the interval covers the others only"
    return {"low": float(lo), "high": float(hi), "unplaced_share": float(share), "note": note}
