"""Neuroevolution by cooperative coevolution: ESP (Enforced SubPopulations, one subpopulation of neurons
per hidden unit; Gomez & Miikkulainen; Gomez & Schmidhuber 2005) and CoSyNE (Cooperative Synapse
NeuroEvolution, one subpopulation per weight, permuted within each column; Gomez, Schmidhuber &
Miikkulainen 2008, JMLR 9:937-965).

Both are ask/tell searches that maximise (and ``CMAESRun`` gives shared.search.evo's CMA-ES the same
interface, for comparisons): ``genomes = run.ask()`` (N, G), evaluate them in one batch,
``run.tell(fitness (N,), genomes)``. The operators (selection of the top quarter, one-point crossover,
Cauchy mutation, ESP's burst mutation, CoSyNE's fitness-dependent permutation probability) are as the
docstrings state them; the papers' full texts were not read when these were written (only their
abstracts; see double-pole-no-velocity's README), so their settings are the catalog's, not the papers'.
Moved out of double-pole-no-velocity (its runs unchanged; CMAESRun also out of torcs-vision-evolution);
tested in tests/test_neuroevo.py.
"""

from __future__ import annotations

import numpy as np

from shared.search.evo import CMAES


def cauchy(rng: np.random.Generator, scale: float, shape) -> np.ndarray:
    return scale * rng.standard_cauchy(shape)


def one_point_crossover(rng: np.random.Generator, a: np.ndarray, b: np.ndarray):
    """Two children of parents a, b (K, G): genes before a random cut from one parent, after it from the other."""
    cut = rng.integers(1, a.shape[1], len(a))[:, None]
    left = np.arange(a.shape[1]) < cut
    return np.where(left, a, b), np.where(left, b, a)


class ESP:
    """Enforced SubPopulations for one run: H subpopulations of n neurons (genes per neuron G).

    ask() -> genomes (T, H*G) of T = trials x n networks, each neuron taking part in `trials` of them
    (every subpopulation shuffled `trials` times); tell(fitness (T,), higher better). A neuron's fitness
    is the mean over its networks. Each subpopulation is then sorted; every neuron of its top quarter
    is crossed (one point) with a random neuron ranked at least as high, the children replace the
    bottom half, and each child gene is mutated with probability p_mutate by Cauchy noise (scale alpha).
    If the best network's fitness has not improved for `burst_after` generations, burst mutation:
    every subpopulation is refilled with its neuron of the best network plus Cauchy noise (the best
    neuron itself kept)."""

    def __init__(self, hidden: int, genes: int, size: int, rng: np.random.Generator, trials: int = 10,
                 alpha: float = 0.3, p_mutate: float = 0.4, burst_after: int = 10, init: float = 1.0):
        self.hidden, self.genes, self.size, self.rng, self.trials = hidden, genes, size, rng, trials
        self.alpha, self.p_mutate, self.burst_after = alpha, p_mutate, burst_after
        self.pop = rng.uniform(-init, init, (hidden, size, genes))
        self.best_fitness, self.best_genome, self.stale, self.bursts = -np.inf, None, 0, 0

    def ask(self) -> np.ndarray:
        self._idx = np.stack([np.concatenate([self.rng.permutation(self.size) for _ in range(self.trials)])
                              for _ in range(self.hidden)])                       # (H, T)
        return np.stack([self.pop[j, self._idx[j]] for j in range(self.hidden)], axis=1).reshape(
            self.trials * self.size, -1)

    def tell(self, fitness: np.ndarray, genomes: np.ndarray) -> None:
        fitness = np.asarray(fitness, dtype=float)
        best = int(np.argmax(fitness))
        if fitness[best] > self.best_fitness:
            self.best_fitness, self.best_genome, self.stale = float(fitness[best]), genomes[best].copy(), 0
        else:
            self.stale += 1
        if self.stale >= self.burst_after:
            self.burst()
            return
        q, half = max(self.size // 4, 1), self.size // 2
        for j in range(self.hidden):
            total = np.zeros(self.size)
            np.add.at(total, self._idx[j], fitness)
            order = np.argsort(-total / self.trials, kind="stable")
            sub = self.pop[j, order]
            mates = np.array([self.rng.integers(0, i + 1) for i in range(q)])
            a, b = one_point_crossover(self.rng, sub[:q], sub[mates])
            children = np.concatenate([a, b])[: self.size - half]
            mask = self.rng.random(children.shape) < self.p_mutate
            children = children + mask * cauchy(self.rng, self.alpha, children.shape)
            sub[half:half + len(children)] = children
            self.pop[j] = sub

    def burst(self) -> None:
        best = self.best_genome.reshape(self.hidden, self.genes)
        noise = cauchy(self.rng, self.alpha, self.pop.shape)
        self.pop = best[:, None, :] + noise
        self.pop[:, 0] = best
        self.stale, self.bursts = 0, self.bursts + 1


class CoSyNE:
    """Cooperative Synapse NeuroEvolution for one run: a population matrix (m networks x n weights),
    each column a subpopulation of one weight.

    ask() -> the m genomes; tell(fitness (m,), higher better): sort; the top quarter are parents of
    as many offspring (one-point crossover of two random parents, each gene mutated with probability
    p_mutate by Cauchy noise of scale alpha), which replace the worst quarter; then in every column each
    weight of the other networks is marked with probability 1 - ((f - f_min) / (f_max - f_min))^(1/n)
    and the marked weights of the column are permuted among their networks (the best network keeps its
    weights)."""

    def __init__(self, genes: int, size: int, rng: np.random.Generator, alpha: float = 0.3,
                 p_mutate: float = 0.3, init: float = 1.0):
        self.genes, self.size, self.rng, self.alpha, self.p_mutate = genes, size, rng, alpha, p_mutate
        self.pop = rng.uniform(-init, init, (size, genes))

    def ask(self) -> np.ndarray:
        return self.pop.copy()

    def tell(self, fitness: np.ndarray, genomes: np.ndarray | None = None) -> None:
        fitness = np.asarray(fitness, dtype=float)
        order = np.argsort(-fitness, kind="stable")
        pop, fit = self.pop[order], fitness[order]
        q = max(self.size // 4, 1)
        pa, pb = self.rng.integers(0, q, q), self.rng.integers(0, q, q)
        children, _ = one_point_crossover(self.rng, pop[pa], pop[pb])
        mask = self.rng.random(children.shape) < self.p_mutate
        children = children + mask * cauchy(self.rng, self.alpha, children.shape)
        keep = self.size - q
        span = fit[0] - fit[keep - 1]
        norm = (fit[:keep] - fit[keep - 1]) / span if span > 0 else np.ones(keep)
        p_mark = 1.0 - norm ** (1.0 / self.genes)
        kept = pop[:keep]
        for i in range(self.genes):
            marked = np.flatnonzero(self.rng.random(keep) < p_mark)
            if len(marked) > 1:
                kept[marked, i] = kept[self.rng.permutation(marked), i]
        self.pop = np.concatenate([kept, children])


class CMAESRun:
    """shared.search.evo.CMAES as a neuroevolution run: maximises, ``tell(fitness, genomes)``; x0 = 0,
    ``sigma0``, population ``popsize`` (default 4 + floor(3 ln genes), Hansen's)."""

    def __init__(self, genes: int, rng: np.random.Generator, sigma0: float = 1.0, popsize: int | None = None):
        self.es = CMAES(np.zeros(genes), sigma0, popsize or 4 + int(3 * np.log(genes)), rng)

    def ask(self) -> np.ndarray:
        return self.es.ask()

    def tell(self, fitness: np.ndarray, genomes: np.ndarray | None = None) -> None:
        self.es.tell(-np.asarray(fitness, dtype=float))
