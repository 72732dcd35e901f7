"""PNG charts embedded in the markdown reports (matplotlib, Agg backend, no pyplot).

Each function draws one picture from figures already computed elsewhere and
returns the file it wrote; none of them computes a score of its own beyond
the Wilson interval it shows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from seval.metrics.core import wilson

DPI = 110


def _save(figure: Figure, path: Path) -> Path:
    figure.savefig(path, dpi=DPI, bbox_inches="tight")  # keeps long type names and outside legends in the picture
    return path


def accuracy_by_difficulty(path: Path, cells: dict[str, dict[int, tuple[int, int]]], title: str) -> Path:
    """Accuracy against difficulty, one small panel per reasoning type, with Wilson 95% intervals.

    ``cells[type][difficulty] = (correct, items)``. Panels rather than one
    crowded plot: eight overlapping lines with error bars cannot be read.
    """
    kinds = list(cells)
    columns = min(4, max(1, len(kinds)))
    rows = -(-len(kinds) // columns)
    figure = Figure(figsize=(3.2 * columns, 2.6 * rows + 0.6))
    axes_grid = figure.subplots(rows, columns, sharex=True, sharey=True, squeeze=False)
    for index, axes in enumerate(axes_grid.flat):
        if index >= len(kinds):
            axes.set_visible(False)
            continue
        kind = kinds[index]
        levels = sorted(cells[kind])
        counts = [cells[kind][level] for level in levels]
        rates = np.array([correct / items for correct, items in counts])
        bounds = np.array([wilson(correct, items) for correct, items in counts]).reshape(-1, 2)
        errors = np.clip(np.vstack([rates - bounds[:, 0], bounds[:, 1] - rates]), 0, None)  # rounding noise
        axes.errorbar(levels, rates, yerr=errors, marker="o", capsize=3)
        axes.set_title(kind, fontsize="medium")
        axes.set_ylim(-0.05, 1.05)
        axes.set_xticks(range(1, 11))
        axes.grid(alpha=0.3)
    for axes in axes_grid[-1]:
        axes.set_xlabel("Difficulty")
    for axes in axes_grid[:, 0]:
        axes.set_ylabel("Accuracy")
    figure.suptitle(title)
    return _save(figure, path)


def type_difficulty_heatmap(path: Path, means: dict[tuple[int, str], float], kinds: list[str], title: str) -> Path:
    """Mean score of each (reasoning type, difficulty) cell as a heatmap; blank where no cell ran."""
    levels = sorted({level for level, _ in means})
    grid = np.full((len(kinds), len(levels)), np.nan)
    for row, kind in enumerate(kinds):
        for column, level in enumerate(levels):
            if (level, kind) in means:
                grid[row, column] = means[(level, kind)]
    figure = Figure(figsize=(1.6 + 0.65 * len(levels), 1.4 + 0.45 * len(kinds)))
    axes = figure.add_subplot()
    image = axes.imshow(grid, vmin=0, vmax=1, cmap="RdYlGn", aspect="auto")
    axes.set_xticks(range(len(levels)), [str(level) for level in levels])
    axes.set_yticks(range(len(kinds)), kinds)
    axes.set_xlabel("Difficulty")
    axes.set_ylabel("Reasoning type")
    axes.set_title(title)
    for row in range(len(kinds)):
        for column in range(len(levels)):
            if not np.isnan(grid[row, column]):
                axes.text(column, row, f"{grid[row, column]:.2f}", ha="center", va="center", fontsize="small")
    figure.colorbar(image, ax=axes, label="Mean score")
    return _save(figure, path)


def ema_trajectory(
    path: Path, run_ids: list[int], overall: list[float], by_type: dict[str, list[float | None]], title: str
) -> Path:
    """Overall EMA (bold) and per-type EMAs after each run."""
    figure = Figure(figsize=(8, 4.5))
    axes = figure.add_subplot()
    for kind, values in by_type.items():
        points = [(run, value) for run, value in zip(run_ids, values, strict=True) if value is not None]
        if points:
            axes.plot(*zip(*points, strict=True), marker=".", alpha=0.6, label=kind)
    axes.plot(run_ids, overall, marker="o", linewidth=3, color="black", label="overall")
    axes.set_xlabel("Run")
    axes.set_ylabel("EMA of score")
    axes.set_ylim(-0.05, 1.05)
    axes.set_xticks(run_ids)
    axes.set_title(title)
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small", loc="center left", bbox_to_anchor=(1.01, 0.5))
    return _save(figure, path)


def position_curves(path: Path, curves: dict[str, np.ndarray], slopes: dict[str, float | None], title: str) -> Path:
    """Position-wise accuracy per task type with its least-squares line and slope."""
    figure = Figure(figsize=(8, 4.5))
    axes = figure.add_subplot()
    for kind, curve in curves.items():
        positions = np.arange(1, len(curve) + 1)
        k = slopes.get(kind)
        if k is None or not np.isfinite(k):  # one position: no line to fit
            axes.plot(positions, curve, marker="o", label=f"{kind} (slope undefined)")
            continue
        line = axes.plot(positions, curve, marker="o", label=f"{kind} (slope {k:+.3f})")[0]
        intercept = curve.mean() - k * positions.mean()
        axes.plot(positions, intercept + k * positions, linestyle="--", color=line.get_color(), alpha=0.7)
    axes.set_xlabel("Position in sequence")
    axes.set_ylabel("Accuracy at this position")
    axes.set_ylim(-0.05, 1.05)
    axes.set_title(title)
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small", loc="center left", bbox_to_anchor=(1.01, 0.5))
    return _save(figure, path)


def model_accuracy_by_difficulty(path: Path, cells: dict[str, dict[int, tuple[int, int]]], title: str) -> Path:
    """Accuracy against difficulty, one line per model, with Wilson 95% bands.

    ``cells[model][difficulty] = (correct, items)``. One panel: the point is to
    see where the models' bands part, which side-by-side panels would hide.
    """
    figure = Figure(figsize=(8, 4.5))
    axes = figure.add_subplot()
    for model, by_level in cells.items():
        levels = sorted(by_level)
        rates = np.array([by_level[level][0] / by_level[level][1] for level in levels])
        bounds = np.array([wilson(*by_level[level]) for level in levels]).reshape(-1, 2)
        line = axes.plot(levels, rates, marker="o", label=model)[0]
        axes.fill_between(levels, bounds[:, 0], bounds[:, 1], color=line.get_color(), alpha=0.15)
    axes.set_xlabel("Difficulty")
    axes.set_ylabel("Accuracy (bands: Wilson 95%)")
    axes.set_ylim(-0.05, 1.05)
    axes.set_xticks(range(1, 11))
    axes.set_title(title)
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small", loc="center left", bbox_to_anchor=(1.01, 0.5))
    return _save(figure, path)


def pair_differences(path: Path, pairs: list[tuple[str, float, float | None, float | None]], title: str) -> Path:
    """Each pair's accuracy difference (a - b, in points) with its 95% paired interval; a line at 0."""
    figure = Figure(figsize=(7, 1.2 + 0.5 * len(pairs)))
    axes = figure.add_subplot()
    rows = list(range(len(pairs)))[::-1]
    for row, (_, value, low, high) in zip(rows, pairs, strict=True):
        lower = 100 * (value - low) if low is not None else 0
        upper = 100 * (high - value) if high is not None else 0
        axes.errorbar([100 * value], [row], xerr=[[lower], [upper]], marker="o", capsize=4, color="black")
    axes.axvline(0, color="grey", linestyle="--")
    axes.set_yticks(rows, [label for label, *_ in pairs])
    axes.set_xlabel("Accuracy difference, points (95% paired bootstrap)")
    axes.set_title(title)
    axes.grid(alpha=0.3, axis="x")
    return _save(figure, path)
