"""Strict comparisons for the claims a page makes about a group.

A sentence such as "SELU has the sharpest minimum" or "the two flattest
minima are SiLU's and GELU's" names the extreme members of a group. With
``max(names, key=...)`` or ``sorted(...)[0]`` a tie passes silently: the
first of two equal members is named the winner. The functions here name
the extreme members only when the comparison is strict, and raise
otherwise, so a page that makes such a claim fails its build when the data
stop supporting it.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping

__all__ = ["largest", "ranked", "smallest"]


def _check(values: Mapping[Hashable, float], n: int, func: str) -> list:
    if not isinstance(values, Mapping):
        raise TypeError(
            f"{func}: values must be a mapping from names to numbers, "
            f"not {type(values).__name__}"
        )
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"{func}: n must be an int, not {type(n).__name__}")
    if not 1 <= n < len(values):
        raise ValueError(
            f"{func}: n must be at least 1 and less than the number of "
            f"values ({len(values)}), so that there is a comparison; got {n}"
        )
    items = []
    for key, value in values.items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise TypeError(
                f"{func}: values[{key!r}] must be a real number, not "
                f"{type(value).__name__}"
            ) from None
        if math.isnan(number):
            raise ValueError(f"{func}: values[{key!r}] is NaN")
        items.append((number, key))
    return items


def _extreme(values, n, margin, func, descending):
    if (
        isinstance(margin, bool)
        or not isinstance(margin, (int, float))
        or not margin >= 0
    ):
        raise ValueError(f"{func}: margin must be a number >= 0, got {margin!r}")
    items = sorted(
        _check(values, n, func), key=lambda item: item[0], reverse=descending
    )
    inside, outside = items[n - 1], items[n]
    gap = abs(inside[0] - outside[0])
    if not gap > margin * max(abs(inside[0]), abs(outside[0])):
        word = "largest" if descending else "smallest"
        raise ValueError(
            f"{func}: the {n} {word} values are not strictly apart from the "
            f"rest: {inside[1]!r} has {inside[0]!r} and {outside[1]!r} has "
            f"{outside[0]!r}"
            + (f" (required relative margin {margin})" if margin else "")
        )
    keys = [key for _, key in items[:n]]
    return keys[0] if n == 1 else keys


def largest(values: Mapping[Hashable, float], n: int = 1, *, margin: float = 0.0):
    """Return the name with the largest value, or the ``n`` largest names.

    Parameters
    ----------
    values : mapping
        Names to real numbers.
    n : int
        How many members the claim names (1 returns the name itself; more
        returns a list from the largest down).
    margin : float
        The relative gap required between the ``n``-th and the next value:
        0 asks for a strict inequality, 0.1 for a gap of 10% of the larger
        of the two.

    Raises
    ------
    ValueError
        If the ``n``-th largest value is not strictly above the next one
        (by ``margin``): a tie, so the claim would be unsupported.
    """
    return _extreme(values, n, margin, "largest", descending=True)


def smallest(values: Mapping[Hashable, float], n: int = 1, *, margin: float = 0.0):
    """Return the name with the smallest value, or the ``n`` smallest names.

    The mirror image of :func:`largest`; it raises ``ValueError`` when the
    ``n``-th smallest value is not strictly below the next one.
    """
    return _extreme(values, n, margin, "smallest", descending=False)


def ranked(values: Mapping[Hashable, float]) -> list:
    """Return every name from the smallest value to the largest, with no ties.

    Raises
    ------
    ValueError
        If two values are equal, so that the order is not determined.
    """
    if not isinstance(values, Mapping):
        raise TypeError(
            f"ranked: values must be a mapping from names to numbers, "
            f"not {type(values).__name__}"
        )
    if len(values) < 2:
        raise ValueError("ranked: values must hold at least two names to rank")
    items = sorted(_check(values, 1, "ranked"), key=lambda item: item[0])
    for (a, ka), (b, kb) in zip(items, items[1:]):
        if not b > a:
            raise ValueError(
                f"ranked: values must all differ, but {ka!r} and {kb!r} both have {a!r}"
            )
    return [key for _, key in items]
