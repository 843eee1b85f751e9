"""shared.search.neuroevo: ESP's and CoSyNE's bookkeeping, and ESP, CoSyNE and the CMA-ES run (maximising) on a
known-answer problem."""

from __future__ import annotations

import numpy as np
import pytest

import shared  # noqa: F401
from shared.search.neuroevo import ESP, CMAESRun, CoSyNE


def test_esp_bookkeeping():
    rng = np.random.default_rng(0)
    esp = ESP(5, 9, 8, rng, trials=10, burst_after=3)
    genomes = esp.ask()
    assert genomes.shape == (80, 45)
    counts = np.stack([np.bincount(esp._idx[j], minlength=8) for j in range(5)])
    assert np.all(counts == 10)                        # every neuron takes part in 10 networks
    # network k is made of neuron _idx[j, k] of subpopulation j
    k = 17
    assert np.allclose(genomes[k].reshape(5, 9), esp.pop[np.arange(5), esp._idx[:, k]])
    fitness = rng.random(80)
    esp.tell(fitness, genomes)
    assert esp.best_fitness == fitness.max()
    for _ in range(3):                                 # no improvement for 3 generations: burst
        esp.tell(np.zeros(80), esp.ask())
    assert esp.bursts == 1
    assert np.allclose(esp.pop[:, 0], esp.best_genome.reshape(5, 9))


def test_cosyne_keeps_the_best_and_permutes_the_rest():
    rng = np.random.default_rng(1)
    co = CoSyNE(6, 20, rng)
    genomes = co.ask()
    fitness = np.arange(20.0)
    co.tell(fitness, genomes)
    assert np.allclose(co.pop[0], genomes[19])          # the best network: probability 0 of a permutation
    kept = co.pop[:15]
    for i in range(6):                                   # each column of the survivors is a permutation of
        assert np.allclose(np.sort(kept[:, i]), np.sort(genomes[5:, i]))   # the top 15's weights of that column
    assert co.pop.shape == (20, 6)


def _sphere(method):
    """A tiny known-answer problem: maximise -|w - target|^2 in 6 dimensions."""
    target = np.linspace(-0.5, 0.5, 6)
    rng = np.random.default_rng(7)
    run = {"esp": lambda: ESP(2, 3, 12, rng, trials=4), "cosyne": lambda: CoSyNE(6, 24, rng),
           "cmaes": lambda: CMAESRun(6, rng, sigma0=0.5)}[method]()
    best = -np.inf
    for _ in range(150):
        g = run.ask()
        f = -((g - target) ** 2).sum(1)
        best = max(best, f.max())
        run.tell(f, g)
    return best


@pytest.mark.parametrize("method", ["esp", "cosyne", "cmaes"])
def test_the_searches_solve_a_known_answer_problem(method):
    assert _sphere(method) > -1e-2
