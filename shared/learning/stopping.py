"""The 1997 paper's stopping rules on the training stream, for P learners trained side by side.

Hochreiter & Schmidhuber (1997) stop on-line training on what the most recent training sequences
did (Table 11): ST3(theta), "the average training error is below theta and the 2000 most recent
sequences were processed correctly" (Experiments 4 and 6), and the variant of Experiment 5, "less
than n_seq of the 2000 most recent training sequences lead to absolute errors exceeding 0.04".
``StoppingRule`` is both: the learners feed it each training sequence's error in the order the
sequences were processed (each error measured before the update it causes).

The paper defines neither the "average training error" nor its window; we read it as the mean
squared error at the sequence ends over the same ``recent`` sequences (its E is a squared error,
App. A.1). The rule also records each learner's window mean absolute error at the stop, so that
the stricter reading (mean |e| below theta) can be checked on the same runs, and when the window's
mean squared error first fell below theta.
"""

from __future__ import annotations

import numpy as np

from shared.frame.checks import integer, number


def column_means(a: np.ndarray) -> np.ndarray:
    """Means of the columns of a (n, P) array, each summed row by row from the first: what numpy's
    mean over axis 0 computes for P > 1, but also for P = 1 (where numpy sums a single column
    pairwise), so that a learner's figures do not depend on how many learners share the rule."""
    return np.cumsum(a, axis=0)[-1] / len(a)


class StoppingRule:
    """ST3-style rule for ``learners`` learners; see the module docstring.

    A sequence is processed correctly when its |error| is below ``threshold`` (or as ``correct``
    says, for vector outputs). The rule holds once at most ``tolerated`` of the ``recent`` most
    recent sequences were wrong (ST3: 0; Experiment 5: n_seq - 1) and their mean squared error is
    below ``train_error`` (``None``: no such condition).
    """

    def __init__(self, learners: int, recent: int = 2000, threshold: float = 0.04,
                 train_error: float | None = 0.01, tolerated: int = 0):
        learners, recent = integer("learners", learners), integer("recent", recent)
        self.recent, self.threshold = recent, number("threshold", threshold)
        self.train_error = None if train_error is None else number("train_error", train_error)
        self.tolerated = integer("tolerated", tolerated, low=0)
        self.window = np.zeros((recent, learners))          # the last `recent` errors, a ring
        self.wrong = np.zeros((recent, learners), bool)     # ... and whether each was processed wrongly
        self.seen = 0
        self.stopped_at = np.full(learners, -1, dtype=np.int64)
        self.at_stop = {"train_mse": np.full(learners, np.nan), "train_mae": np.full(learners, np.nan)}
        self.mse_below_at = np.full(learners, -1, dtype=np.int64)   # first time the window's MSE < train_error

    @property
    def active(self) -> np.ndarray:
        return self.stopped_at < 0

    def window_mse(self) -> np.ndarray:
        """The MSE of the (up to) ``recent`` most recent training errors of every learner."""
        return column_means(self.window[:max(1, min(self.seen, self.recent))] ** 2)

    def update(self, errors: np.ndarray, correct: np.ndarray | None = None) -> np.ndarray:
        """errors (K, P): the next K training sequences of every learner (correct (K, P), optional:
        whether each was processed correctly; default |error| < threshold, a NaN counting as
        wrong). Returns which learners stop now. The rule is checked after each batch."""
        errors = np.asarray(errors)
        correct = np.abs(errors) < self.threshold if correct is None else np.asarray(correct, bool)
        for e, ok in zip(errors, correct):
            self.window[self.seen % self.recent] = e
            self.wrong[self.seen % self.recent] = ~ok
            self.seen += 1
        full = self.seen >= self.recent
        mse = self.window_mse() if full else np.full(self.window.shape[1], np.inf)
        if self.train_error is None:
            low_error = np.ones(self.window.shape[1], bool)
        else:
            self.mse_below_at[(self.mse_below_at < 0) & (mse < self.train_error)] = self.seen
            low_error = mse < self.train_error
        few_wrong = full & (self.wrong.sum(axis=0) <= self.tolerated)
        stop = self.active & few_wrong & low_error
        self.stopped_at[stop] = self.seen
        self.at_stop["train_mse"][stop] = mse[stop]
        self.at_stop["train_mae"][stop] = column_means(np.abs(self.window[:, stop]))
        return stop
