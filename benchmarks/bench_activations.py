"""Time forward + first derivative of each activation: NumPy (actzoo) vs PyTorch.

For every activation, on 1e6 elements in float64 and float32, it measures
``f(x)`` plus ``f'(x)`` with actzoo, and PyTorch's built-in forward plus
its autograd backward (with 1 thread and with the default number of
threads), and prints the ratios side by side. Each time is the best of
several repeats, which is the least noisy estimate of the cost itself.

Aim: actzoo within 1.5x of PyTorch (single thread), GELU within 2x.

Usage::

    python benchmarks/bench_activations.py [--n 1000000] [--repeat 15]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import torch

from actzoo import ACTIVATIONS

VARIANTS = [(name, {}) for name in ACTIVATIONS] + [("gelu", {"approximate": "tanh"})]


def best_time(fn: Callable[[], object], repeat: int) -> float:
    """Return the fastest of ``repeat`` runs of ``fn``, in seconds."""
    fn()  # warm up: first-touch allocations, lazy imports
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def numpy_job(name: str, params: dict, x: np.ndarray) -> Callable[[], object]:
    act = ACTIVATIONS[name]
    return lambda: (act.fn(x, **params), act.grad(x, **params))


def torch_job(name: str, params: dict, x: np.ndarray) -> Callable[[], object]:
    act = ACTIVATIONS[name]
    t = torch.from_numpy(x).requires_grad_(True)
    ones = torch.ones_like(t)

    def run():
        y = act.torch(t, **params)
        return torch.autograd.grad(y, t, ones)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    default_threads = torch.get_num_threads()
    print(
        f"forward + first derivative on {args.n:,} elements; best of "
        f"{args.repeat}; PyTorch {torch.__version__}, NumPy {np.__version__}"
    )
    header = (
        f"{'activation':<16}{'dtype':<9}{'actzoo ms':>10}{'torch 1t ms':>13}"
        f"{'ratio 1t':>10}{f'torch {default_threads}t ms':>13}"
        f"{f'ratio {default_threads}t':>10}"
    )
    print(header)
    print("-" * len(header))
    for dtype in (np.float64, np.float32):
        x = (rng.standard_normal(args.n) * 4).astype(dtype)
        for name, params in VARIANTS:
            label = name + ("(tanh)" if params else "")
            t_np = best_time(numpy_job(name, params, x), args.repeat)
            torch.set_num_threads(1)
            t_1 = best_time(torch_job(name, params, x), args.repeat)
            torch.set_num_threads(default_threads)
            t_n = best_time(torch_job(name, params, x), args.repeat)
            print(
                f"{label:<16}{np.dtype(dtype).name:<9}{t_np * 1e3:>10.2f}"
                f"{t_1 * 1e3:>13.2f}{t_np / t_1:>10.2f}{t_n * 1e3:>13.2f}"
                f"{t_np / t_n:>10.2f}"
            )


if __name__ == "__main__":
    main()
