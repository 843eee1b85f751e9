"""evolino-sines-mackey-glass: the LSTM bank against the shared LSTM, the OdyssNet bank's genome layout,
the Mackey-Glass integrator, the pseudo-inverse read-out and the free run on a known answer (a delay line
whose linear read-out generates two sines exactly), the ESN's scaling, and the verdict rule."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "evolino-sines-mackey-glass"))
import evolino_sines_mackey_glass as ev  # noqa: E402

from shared.networks.recurrent import LSTM  # noqa: E402


def test_the_lstm_bank_computes_what_the_shared_lstm_computes():
    """A genome laid into shared.networks.recurrent.LSTM('V') (columns input, forget, output, cell;
    peepholes) gives the same states, step by step, as LSTMBank."""
    rng = np.random.default_rng(0)
    D, H, T = 1, 4, 12
    genome = rng.uniform(-1, 1, H * ev.LSTMBank.genes_per_cell(D, H))
    bank = ev.LSTMBank(genome[None], D, H)
    lstm = LSTM(D, H, 1, variant="V", rng=0)
    A = bank.A[0]                                     # (4H, D + H + 1)
    lstm.params["W"][:] = A[:, :D].T
    lstm.params["U"][:] = A[:, D:D + H].T
    lstm.params["b"][:] = A[:, -1]
    for k, name in enumerate(("input", "forget", "output")):
        lstm.params[f"p_{name}"][:] = bank.peep[0, k]
    xs = rng.normal(size=(T, 1, D))
    state_bank = bank.initial_state()
    state = (np.zeros((1, H)), np.zeros((1, H)))
    for t in range(T):
        state_bank = bank.step(xs[t], state_bank)
        _, state = lstm.step(xs[t], state)
        np.testing.assert_allclose(state_bank[0], state[0], rtol=0, atol=1e-12)
        np.testing.assert_allclose(state_bank[1], state[1], rtol=0, atol=1e-12)


def test_the_lstm_genome_is_one_chromosome_per_cell():
    """Changing the genes of cell j changes only the weights into cell j's four units and its peepholes."""
    D, H = 1, 3
    G = ev.LSTMBank.genes_per_cell(D, H)
    assert G == 4 * (D + H + 1) + 3
    base = np.zeros(H * G)
    moved = base.copy()
    moved[1 * G:2 * G] = 1.0
    a, b = ev.LSTMBank(base[None], D, H), ev.LSTMBank(moved[None], D, H)
    changed_rows = np.flatnonzero(np.any(a.A[0] != b.A[0], axis=1))
    assert sorted(changed_rows) == [u * H + 1 for u in range(4)]
    assert np.flatnonzero(np.any(a.peep[0] != b.peep[0], axis=0)).tolist() == [1]


def test_the_odyssnet_bank_lays_each_neurons_genes_into_its_column():
    N = 4
    G = ev.OdyssBank.genes_per_cell(1, N)
    genome = np.arange(N * G, dtype=float)
    bank = ev.OdyssBank(genome[None], 1, N)
    p = bank.bank.params
    g = genome.reshape(N, G)
    for j in range(N):
        expected = g[j, :N].copy()
        expected[j] = 0.0                              # no self-synapse
        np.testing.assert_array_equal(p["W"][0, :, j], expected)
        assert p["B"][0, j] == g[j, N] and p["memory_feedback"][0, j] == g[j, N + 1]
        assert p["memory_gate"][0, j] == g[j, N + 2] and p["norm.weight"][0, j] == g[j, N + 3]
    h = bank.step(np.ones((1, 1)), bank.initial_state())
    assert h[0].shape == (1, 1, N) and np.all(np.isfinite(h[0]))


def test_mackey_glass_follows_the_euler_recipe_and_stays_on_the_attractor():
    """One sample by hand from a constant history, determinism, and the tau = 17 attractor's range."""
    y = ev.mackey_glass(3, discard=0, subsample=1, y0=1.2)
    d = 1.2
    first = 1.2 + 0.1 * (0.2 * d / (1 + d ** 10) - 0.1 * 1.2)
    assert y[0] == pytest.approx(first, rel=1e-14)
    a, b = ev.mackey_glass(2000), ev.mackey_glass(2000)
    np.testing.assert_array_equal(a, b)
    assert 0.2 < a.min() < 0.6 and 1.1 < a.max() < 1.5
    assert 0.03 < a.var() < 0.08                       # Jaeger (2001) uses sigma^2 ~ 0.067 for tau = 30
    c = ev.mackey_glass(2000, rng=np.random.default_rng(1))
    assert not np.allclose(a, c)


class DelayLine:
    """A 'net' whose features are the last four inputs: two sines obey y(t) = sum_i a_i y(t - i) with
    four terms, so the pseudo-inverse read-out must find it and the free run must continue the series."""
    P, D = 1, 1

    def initial_state(self):
        return (np.zeros((self.P, 4)),)

    def step(self, x, state):
        return (np.concatenate([x, state[0][:, :3]], axis=1),)

    @staticmethod
    def features(state):
        return state[0]


def test_a_delay_line_generates_two_sines_exactly_through_readout_and_free_run():
    cfg = ev.Config(sines=2, washout=10, fit=100, validate=50, test=300)
    data = ev.task_series(cfg, 0)
    net = DelayLine()
    train = data["train"][None]
    err, weights, _ = ev.fitness_of(net, train, cfg, np.array([data["var"]]))
    assert err[0] < 1e-6
    score, pred = ev.test_sines(net, weights, data, cfg)
    assert score[0] < 1e-5
    np.testing.assert_allclose(pred[0], data["test"], atol=1e-5)


def test_the_readout_recovers_a_linear_map():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(3, 50, 5))
    w = rng.normal(size=(3, 6))
    y = np.einsum("ptf,pf->pt", X, w[:, :5]) + w[:, 5:]
    np.testing.assert_allclose(ev.readout(X, y), w, atol=1e-10)


def test_the_esn_has_the_spectral_radius_and_input_weights_it_asks_for():
    bank = ev.ESNBank([np.random.default_rng(3)], units=60, radius=0.79)
    assert np.max(np.abs(np.linalg.eigvals(bank.W[0]))) == pytest.approx(0.79, rel=1e-9)
    assert set(np.round(bank.bias[0] / 0.2, 10)) <= {0.0, 0.14, -0.14}
    assert np.all(np.abs(bank.back) <= 0.56)


def test_superimposed_sines():
    y = ev.superimposed_sines(3, 5, start=2)
    t = np.arange(2, 7)
    np.testing.assert_allclose(y, (np.sin(0.2 * t) + np.sin(0.311 * t) + np.sin(0.42 * t)) / 3)


def _record(sines5, esn3, head, esn_head, mackey):
    def block(values):
        return {"seeds": {"per_seed": [{"seed": i, "test_nrmse": v} for i, v in enumerate(values)]}}
    rec = block(head)
    rec["seeds"]["per_seed"] = [{"seed": i, "test_nrmse": v} for i, v in enumerate(head)]
    rec.update({"sines5": block(sines5), "esn-sines3": block(esn3), "mackey": block(mackey)})
    return rec


def test_the_verdict_on_both_sides():
    good = _record([0.01] * 10, [0.9] * 10, [0.02 + 0.001 * i for i in range(10)], None,
                   [1.9e-3 * (1 + 0.05 * i) for i in range(10)])
    assert ev.verdict(good)["value"] == "yes"
    off_mg = _record([0.01] * 10, [0.9] * 10, [0.02 + 0.001 * i for i in range(10)], None,
                     [0.3 + 0.01 * i for i in range(10)])
    assert ev.verdict(off_mg)["value"] == "partial"
    esn_works = _record([0.01] * 10, [0.05] * 10, [0.02 + 0.001 * i for i in range(10)], None,
                        [1.9e-3] * 10)
    assert ev.verdict(esn_works)["value"] == "no"
    evolino_fails = _record([0.5] * 10, [0.9] * 10, [0.5 + 0.01 * i for i in range(10)], None, [1.9e-3] * 10)
    assert ev.verdict(evolino_fails)["value"] == "no"
    short = _record([0.01] * 5, [0.9] * 10, [0.02] * 10, None, [1.9e-3] * 10)
    assert ev.verdict(short)["value"] == "pending"


def test_bad_command_lines_fail_before_any_work():
    for argv in (["--sines", "7"], ["--task", "mackey", "--sines", "3"], ["--model", "esn", "--generations", "5"],
                 ["--generations", "0"]):
        with pytest.raises(SystemExit) as exit_info:
            ev.parse_args(argv)
        assert exit_info.value.code != 0


def test_the_quick_run_is_reproducible(tmp_path):
    cfg = replace(ev.config_of(ev.parse_args(["--quick"])), generations=2)
    a, _ = ev.run_evolino(cfg, [0, 1], progress=False)
    b, _ = ev.run_evolino(cfg, [0, 1], progress=False)
    assert a == b
    cfg = replace(cfg, model="odyssnet")
    c, _ = ev.run_evolino(cfg, [0], progress=False)
    assert np.isfinite(c[0]["test_nrmse"])
