"""Benchmark: a 2-D loss-landscape slice, point by point against batched.

Evaluates the loss of a 2-64-64-2 MLP on 1,000 points over a 51 x 51 grid
of a filter-normalised plane, once with :func:`actzoo.landscapes.
slice_2d_loop` (one forward pass per grid point) and once with
:func:`actzoo.landscapes.slice_2d` (chunks of grid points per pass), in the
same process. It checks that both agree, then prints both times, their
ratio, and how close the batched version comes to the FLOP lower bound:
the grid's multiply-adds divided by the float64 matrix-product rate this
machine reaches (measured here with one large ``torch.mm``).

Run with ``.venv/bin/python benchmarks/bench_landscape.py`` (add
``--threads 1`` to pin the thread count, ``--chunks 8 16 32`` to compare
chunk sizes).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import torch

from actzoo.datasets import two_spirals
from actzoo.landscapes import (
    filter_normalized_direction,
    slice_2d,
    slice_2d_loop,
    weights_of,
)
from actzoo.models import MLP

SIZES = [2, 64, 64, 2]
N_POINTS = 1000
GRID = 51


def grid_flops(sizes: list[int], n: int, points: int) -> float:
    """Return the floating-point operations of the grid's matrix products.

    Each layer costs 2 n fan_in fan_out (a multiply and an add per term),
    per grid point.
    """
    per_point = sum(2 * n * a * b for a, b in zip(sizes[:-1], sizes[1:]))
    return float(per_point * points)


def best_time(fn: Callable[[], object], repeats: int) -> float:
    """Return the shortest wall time of ``repeats`` calls, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def matmul_rate(repeats: int = 5) -> float:
    """Return the float64 FLOP/s of a large square ``torch.mm`` here."""
    gen = torch.Generator().manual_seed(0)
    a = torch.randn(1024, 1024, dtype=torch.float64, generator=gen)
    b = torch.randn(1024, 1024, dtype=torch.float64, generator=gen)
    torch.mm(a, b)  # warm-up: thread pool and caches
    return 2 * 1024**3 / best_time(lambda: torch.mm(a, b), repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--chunks", type=int, nargs="+", default=[32])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)

    X, y = two_spirals(N_POINTS, 0.1, seed=0)
    net = MLP(SIZES, "relu", seed=0)
    center = weights_of(net)
    d1 = filter_normalized_direction(center, seed=1)
    d2 = filter_normalized_direction(center, seed=2)
    alphas = betas = np.linspace(-1.0, 1.0, GRID)
    flops = grid_flops(SIZES, N_POINTS, GRID * GRID)

    def loop() -> np.ndarray:
        return slice_2d_loop(net, center, d1, d2, alphas, betas, X, y)

    reference = loop()
    t_loop = best_time(loop, args.repeats)
    rate = matmul_rate()
    bound = flops / rate
    print(
        f"{GRID} x {GRID} grid, MLP {SIZES}, {N_POINTS} points, "
        f"{torch.get_num_threads()} thread(s)"
    )
    print(
        f"work: {flops / 1e9:.1f} GFLOP; float64 matmul rate "
        f"{rate / 1e9:.1f} GFLOP/s; lower bound {bound:.3f} s"
    )
    print(f"{'version':<22}{'time (s)':>10}{'loop / it':>11}{'bound / it':>12}")
    print(f"{'loop (one point)':<22}{t_loop:>10.3f}{1.0:>11.2f}{bound / t_loop:>12.2f}")
    for chunk in args.chunks:

        def batched(chunk: int = chunk) -> np.ndarray:
            return slice_2d(net, center, d1, d2, alphas, betas, X, y, chunk=chunk)

        result = batched()
        # Same sums in another order: float64 agrees to about 1e-15; 1e-12
        # leaves room and still catches any real difference.
        err = float(np.max(np.abs(result / reference - 1)))
        if err > 1e-12:
            raise SystemExit(f"batched and loop disagree: relative error {err:.2e}")
        t = best_time(batched, args.repeats)
        name = f"batched (chunk {chunk})"
        print(f"{name:<22}{t:>10.3f}{t_loop / t:>11.2f}{bound / t:>12.2f}")
    print("batched and loop agree to 1e-12 relative")


if __name__ == "__main__":
    main()
