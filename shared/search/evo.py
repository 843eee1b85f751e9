"""Evolution strategies for black-box search of a parameter vector.

- ``CMAES(x0 (n,), sigma0, popsize, rng)``: the covariance matrix adaptation evolution strategy
  (Hansen & Ostermeier 2001; the notation of Hansen's tutorial): weighted recombination of the best
  half, cumulative step-size adaptation, rank-one (evolution path) and rank-mu updates of the
  covariance. Minimises: ``ask()`` -> (popsize, n) candidates, ``tell(fitness (popsize,))``; ``mean``,
  ``sigma``, ``C`` and ``condition`` (of C) after each generation.

Moved out of world-models-carracing (its runs are the same number for number); tested in
tests/test_evo.py.
"""

from __future__ import annotations

import math

import numpy as np


class CMAES:
    def __init__(self, x0: np.ndarray, sigma0: float, popsize: int, rng: np.random.Generator):
        n = len(x0)
        self.n, self.lam, self.rng = n, popsize, rng
        self.mu = popsize // 2
        w = math.log(self.mu + 0.5) - np.log(np.arange(1, self.mu + 1))
        self.weights = w / w.sum()
        self.mueff = 1.0 / np.sum(self.weights ** 2)
        self.cc = (4 + self.mueff / n) / (n + 4 + 2 * self.mueff / n)
        self.cs = (self.mueff + 2) / (n + self.mueff + 5)
        self.c1 = 2 / ((n + 1.3) ** 2 + self.mueff)
        self.cmu = min(1 - self.c1, 2 * (self.mueff - 2 + 1 / self.mueff) / ((n + 2) ** 2 + self.mueff))
        self.damps = 1 + 2 * max(0.0, math.sqrt((self.mueff - 1) / (n + 1)) - 1) + self.cs
        self.chi_n = math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n ** 2))
        self.mean, self.sigma = np.array(x0, dtype=float), float(sigma0)
        self.pc, self.ps = np.zeros(n), np.zeros(n)
        self.C, self.B, self.D = np.eye(n), np.eye(n), np.ones(n)
        self.generation = 0

    @property
    def condition(self) -> float:
        """Condition number of the covariance C (ratio of its largest to smallest eigenvalue)."""
        return float((self.D.max() / self.D.min()) ** 2)

    def ask(self) -> np.ndarray:
        self._y = self.rng.standard_normal((self.lam, self.n)) * self.D @ self.B.T     # rows ~ N(0, C)
        return self.mean + self.sigma * self._y

    def tell(self, fitness: np.ndarray) -> None:
        n, cs, cc, c1, cmu = self.n, self.cs, self.cc, self.c1, self.cmu
        order = np.argsort(fitness, kind="stable")
        y_sel = self._y[order[: self.mu]]
        y_w = self.weights @ y_sel
        self.mean = self.mean + self.sigma * y_w
        c_inv_sqrt_y = self.B @ ((self.B.T @ y_w) / self.D)
        self.ps = (1 - cs) * self.ps + math.sqrt(cs * (2 - cs) * self.mueff) * c_inv_sqrt_y
        self.generation += 1
        norm_ps = float(np.linalg.norm(self.ps))
        h_sig = norm_ps / math.sqrt(1 - (1 - cs) ** (2 * self.generation)) / self.chi_n < 1.4 + 2 / (n + 1)
        self.pc = (1 - cc) * self.pc + h_sig * math.sqrt(cc * (2 - cc) * self.mueff) * y_w
        rank_mu = (y_sel * self.weights[:, None]).T @ y_sel
        self.C = ((1 - c1 - cmu + (1 - h_sig) * c1 * cc * (2 - cc)) * self.C
                  + c1 * np.outer(self.pc, self.pc) + cmu * rank_mu)
        self.sigma *= math.exp((cs / self.damps) * (norm_ps / self.chi_n - 1))
        self.C = (self.C + self.C.T) / 2
        eig, self.B = np.linalg.eigh(self.C)
        self.D = np.sqrt(np.maximum(eig, 1e-20))
