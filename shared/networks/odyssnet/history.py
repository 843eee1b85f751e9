"""TrainingHistory (metrics per step, plotted one panel per metric) and set_seed."""

from __future__ import annotations

import os

import numpy as np


def set_seed(seed: int) -> np.random.Generator:
    """The generator a run should thread through everything random (no global state is touched).

    ``OdyssNet(..., rng=set_seed(42))`` makes initialisation, dropout, noise and shuffling
    reproducible.
    """
    return np.random.default_rng(seed)


class TrainingHistory:
    """Named metrics recorded step by step."""

    def __init__(self):
        self._data: dict[str, list[float]] = {}

    def record(self, **metrics) -> None:
        for name, value in metrics.items():
            self._data.setdefault(name, []).append(float(value))

    def get(self, key: str) -> list[float]:
        return list(self._data.get(key, []))

    @property
    def metrics(self) -> list[str]:
        return list(self._data)

    def plot(self, save_path=None, title: str = "Training History"):
        """One panel per metric. Saves to ``save_path`` (PNG); skipped if ODYSSNET_DISABLE_PLOT=1."""
        if os.environ.get("ODYSSNET_DISABLE_PLOT") == "1" or not self._data:
            return None
        import matplotlib.pyplot as plt

        from shared.frame.figures import save_png

        names = self.metrics
        fig, axes = plt.subplots(len(names), 1, figsize=(7, 2.2 * len(names)), sharex=True, squeeze=False)
        for ax, name in zip(axes[:, 0], names):
            values = self._data[name]
            ax.plot(np.arange(1, len(values) + 1), values)
            ax.set_ylabel(name)
            if name.lower().startswith("loss") and min(values) > 0:
                ax.set_yscale("log")
        axes[-1, 0].set_xlabel("step")
        fig.suptitle(title)
        fig.tight_layout()
        if save_path is None:
            return fig
        return save_png(fig, save_path)
