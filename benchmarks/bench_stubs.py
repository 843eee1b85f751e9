"""What a unit of work costs in the stubs whose inner loops are their own (issue 13's table).

    python3 benchmarks/bench_stubs.py            # about a minute; run it alone on the machine

- levin-count-inputs: programs per second of the systematic search (the growth table's one
  enumeration of every program up to phase 21) and runs per second of the probabilistic search
  (30,000 runs of seed 0);
- nbb-xor: microseconds per presentation (one learning cycle and the frozen test after it, as the
  training loop does them), one network alone and 40 side by side;
- adding-problem: microseconds per training sequence of the paper's LSTM at T = 100: on-line one
  seed alone and 10 side by side (the section *online*), and in batches of 8 with 10 seeds (the
  headline); the run's final 2560-sequence test per seed is counted in.

Whole functions are timed with perf_counter, best of ``--repeats``; nothing is changed by running
it (the stubs' own code, imported by path).
"""

from __future__ import annotations

import shared  # noqa: F401  (first: the catalog's kernel pins and one BLAS thread)

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import replace  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from shared.frame.experiment import format_table  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def stub(slug: str):
    name = slug.replace("-", "_")
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / slug / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def best_seconds(work, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def levin(repeats: int) -> list[list]:
    lv = stub("levin-count-inputs")
    targets = [[sum(w[i] for i in t) for t in lv.PAPER_TRAIN] for _, w in lv.GROWTH_TARGETS]
    programs = lv.levin_search([lv.PAPER_TRAIN] * len(targets), 21, targets=targets, progress=False).programs
    seconds = best_seconds(lambda: lv.levin_search([lv.PAPER_TRAIN] * len(targets), 21, targets=targets,
                                                    progress=False), repeats)
    runs = 30_000
    run_seconds = best_seconds(lambda: lv.probabilistic_search(0, runs), repeats)
    return [["levin-count-inputs", "systematic search, programs per second", f"{programs / seconds:,.0f}",
             f"{programs:,} programs in {seconds:.2f} s"],
            ["levin-count-inputs", "probabilistic search, runs per second", f"{runs / run_seconds:,.0f}",
             f"{runs:,} runs in {run_seconds:.2f} s"]]


def nbb(repeats: int, presentations: int = 2000) -> list[list]:
    nb = stub("nbb-xor")
    arch, rule = nb.ARCHITECTURES["three-hidden"], nb.Rule()
    rows = []
    for batch in (1, 40):
        rngs = [np.random.default_rng(seed) for seed in range(batch)]
        start_weights = np.stack([nb.initial_weights(rng, arch, rule) for rng in rngs])
        patterns = np.stack([nb.pattern_order(rng, presentations, "random") for rng in rngs], axis=1)

        def work():
            weights = start_weights
            for pattern in patterns:
                weights, _ = nb.present(weights, pattern, arch, rule)
                nb.frozen_correct(nb.frozen_activity(weights, arch, rule), arch, rule)

        seconds = best_seconds(work, repeats)
        alone = "1 network alone" if batch == 1 else f"{batch} networks side by side"
        rows.append(["nbb-xor", f"µs per presentation, {alone}",
                     f"{1e6 * seconds / (presentations * batch):.0f}",
                     f"{presentations:,} cycles x {batch} in {seconds:.2f} s"])
    return rows


def adding(repeats: int) -> list[list]:
    ap = stub("adding-problem")
    rows = []
    for batch, seeds, sequences in ((1, 1, 16_000), (1, 10, 4_000), (8, 10, 8_000)):
        config = replace(ap.PaperConfig(), batch=batch, max_sequences=sequences)
        seconds = best_seconds(lambda: ap.train_bank(config, list(range(seeds))), repeats)   # ends with the test
        rows.append(["adding-problem", f"µs per training sequence, T = 100, "
                     f"{'on-line' if batch == 1 else 'batches of 8'}, {seeds} seed{'s side by side' if seeds > 1 else ''}"
                     " (the final test counted in)",
                     f"{1e6 * seconds / (sequences * seeds):.0f}",
                     f"{sequences:,} sequences x {seeds} in {seconds:.2f} s"])
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats, the best kept (default 3)")
    args = parser.parse_args(argv)
    rows = levin(args.repeats) + nbb(args.repeats) + adding(args.repeats)
    print(format_table(["stub", "unit of work", "rate or cost", "measured"], rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
