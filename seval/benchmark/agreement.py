"""How far a panel's judges agree: pairwise agreement, Fleiss' kappa, disagreement with the panel.

Pure functions over verdict lists. A verdict is 1.0 (correct), 0.0
(incorrect) or None (the judge gave no readable verdict, even when asked
again); a missing verdict is left out of these statistics.
"""

from __future__ import annotations

from itertools import combinations

from seval.benchmark.scoring import is_correct


def pairwise_agreement(panels: list[list[float | None]], judges: list[str]) -> dict[str, float | None]:
    """Share of items on which each pair of judges gave the same verdict, keyed ``"a vs b"``."""
    agreement = {}
    for first, second in combinations(range(len(judges)), 2):
        pairs = [
            (items[first], items[second]) for items in panels if items[first] is not None and items[second] is not None
        ]
        same = sum(1 for a, b in pairs if a == b)
        agreement[f"{judges[first]} vs {judges[second]}"] = same / len(pairs) if pairs else None
    return agreement


def fleiss_kappa(panels: list[list[float | None]]) -> float | None:
    """Fleiss' kappa over items every judge rated (two categories: correct, incorrect).

    None when it is undefined: fewer than two judges or items, or every verdict
    the same (chance agreement is then 1).
    """
    complete = [items for items in panels if all(verdict is not None for verdict in items)]
    if len(complete) < 2 or len(complete[0]) < 2:
        return None
    raters = len(complete[0])
    observed, positive = 0.0, 0.0
    for items in complete:
        yes = sum(1 for verdict in items if verdict == 1.0)
        no = raters - yes
        observed += (yes * (yes - 1) + no * (no - 1)) / (raters * (raters - 1))
        positive += yes
    observed /= len(complete)
    share_yes = positive / (len(complete) * raters)
    expected = share_yes**2 + (1 - share_yes) ** 2
    if expected >= 1.0:
        return None
    return (observed - expected) / (1 - expected)


def disagreement_with_panel(
    panels: list[list[float | None]], scores: list[float], judges: list[str]
) -> dict[str, float | None]:
    """Per judge, the share of items where its verdict differs from the panel's (binary) score."""
    rates = {}
    for index, judge in enumerate(judges):
        # The panel's binary call: above one half is correct, a tie incorrect, as in aggregate().
        pairs = [
            (items[index], 1.0 if is_correct(score) else 0.0)
            for items, score in zip(panels, scores, strict=True)
            if items[index] is not None
        ]
        rates[judge] = sum(1 for verdict, panel in pairs if verdict != panel) / len(pairs) if pairs else None
    return rates
