"""Speed of the numpy OdyssNet: one training step and one forward, against the reference's times.

    python3 benchmarks/bench_odyssnet.py            # a few seconds
    python3 benchmarks/bench_odyssnet.py --quick    # smaller repeat counts

Float32, batch 32, pulse mode, one BLAS thread. A training step is forward, MSE on the last
step's outputs, backward, global-norm clipping and AdamW (OdyssNetTrainer.train_batch). The
reference figures are the PyTorch OdyssNet's, measured on a 2-core machine of ours with one
thread. The second table compares N = 512 with the matrix products alone, the floor that the
machine's BLAS sets for this arithmetic. The last one times inference of a pruned network: the
dense forward against SparseOdyssNet (W in compressed form) at 50%, 80%, 95% and 99% sparsity, for
batch 1 (one sequence, where the product is memory-bound) and batch 32, and for N = 2048 at batch 1.
"""

from __future__ import annotations

import shared  # noqa: F401  (first: one BLAS thread, as the reference was measured)

import argparse  # noqa: E402

import numpy as np  # noqa: E402

from shared.frame.experiment import format_table, median_ms  # noqa: E402
from shared.networks.odyssnet import OdyssNet, OdyssNetTrainer, SparseOdyssNet  # noqa: E402

REFERENCE_MS = {10: {8: 4.9, 32: 5.3, 128: 9.4, 512: 20.2}, 50: {8: 24.2, 32: 22.3, 128: 33.1, 512: 95.0}}
TARGET_FRACTION = {8: 0.5, 32: 0.5, 128: 0.5, 512: 0.75}
BATCH = 32


def setup(n: int, seed: int = 0):
    io = max(1, n // 4)
    model = OdyssNet(n, range(io), range(n - io, n), dtype=np.float32, rng=seed)
    trainer = OdyssNetTrainer(model, lr=1e-3)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(BATCH, io)).astype(np.float32)
    y = rng.normal(size=(BATCH, io)).astype(np.float32)
    return model, trainer, x, y


def matmul_floor_ms(n: int, steps: int, repeats: int) -> float:
    """The products of one training step alone: h W per step, dz W^T per step, one dW."""
    rng = np.random.default_rng(0)
    w = rng.normal(size=(n, n)).astype(np.float32)
    h = rng.normal(size=(steps, BATCH, n)).astype(np.float32)

    def products():
        for t in range(steps):
            h[t] @ w
            h[t] @ w.T
        h.reshape(-1, n).T @ h.reshape(-1, n)

    return median_ms(products, repeats)


def sparse_rows(quick: bool) -> list[list]:
    """Dense against sparse inference of networks pruned to a given share of W's synapses."""
    rows = []
    for n in (128, 512, 2048):
        for sparsity in (0.5, 0.8, 0.95, 0.99):
            for batch in (1, BATCH) if n < 2048 else (1,):
                model = OdyssNet(n, range(n // 4), range(n - n // 4, n), dtype=np.float32, rng=0)
                off = ~np.eye(n, dtype=bool)
                OdyssNetTrainer(model, lr=1e-3).prune_synapses(np.quantile(np.abs(model.params["W"][off]), sparsity))
                model.eval()
                sparse = SparseOdyssNet.from_dense(model)
                x = np.random.default_rng(1).normal(size=(batch, n)).astype(np.float32)
                repeats = 10 if quick else 40
                dense_ms = median_ms(lambda: model.forward(x, 10, return_sequence=False), repeats)
                sparse_ms = median_ms(lambda: sparse.forward(x, 10, return_sequence=False), repeats)
                gap = np.abs(model.forward(x, 10)[0] - sparse.forward(x, 10)[0]).max()
                rows.append([n, f"{model.sparsity():.2f}", batch, f"{dense_ms:.3f}", f"{sparse_ms:.3f}",
                             f"{dense_ms / sparse_ms:.2f}", f"{gap:.1e}"])
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args(argv)
    rows = []
    floors = []
    for steps in (10, 50):
        for n in (8, 32, 128, 512):
            repeats = (10 if args.quick else 50) if n < 512 or steps == 10 else (5 if args.quick else 20)
            model, trainer, x, y = setup(n)
            full = trainer.prepare(x)
            train_ms = median_ms(lambda: trainer.train_batch(x, y, thinking_steps=steps), repeats)
            model.eval()
            forward_ms = median_ms(lambda: model.forward(full, steps, return_sequence=False), repeats)
            reference = REFERENCE_MS[steps][n]
            ratio = train_ms / reference
            rows.append([n, steps, f"{forward_ms:.2f}", f"{train_ms:.2f}", reference, f"{ratio:.2f}",
                         f"<= {TARGET_FRACTION[n]:.2f}", "yes" if ratio <= TARGET_FRACTION[n] else "NO"])
            if n == 512:
                floor = matmul_floor_ms(n, steps, repeats)
                floors.append([n, steps, f"{train_ms:.2f}", f"{floor:.2f}", f"{train_ms / floor:.2f}"])
    print("OdyssNet, float32, batch 32, pulse mode, one thread; times in ms (median)\n")
    print(format_table(["N", "steps", "forward", "train step", "reference", "ratio", "target", "met"], rows))
    print("\nN = 512 against the matrix products alone (h W and dz W^T per step, one dW):\n")
    print(format_table(["N", "steps", "train step", "products only", "overhead factor"], floors))
    print("\nInference of a pruned network, 10 thinking steps, dense forward against SparseOdyssNet:\n")
    print(format_table(["N", "sparsity", "batch", "dense ms", "sparse ms", "speed-up", "max |diff|"],
                       sparse_rows(args.quick)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
