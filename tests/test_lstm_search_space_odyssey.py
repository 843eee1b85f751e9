"""lstm-search-space-odyssey: the tasks, the block-diagonal population, the statistics behind the claims."""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import ROOT, load_module
from shared.optim import Adam, clip_global_norm
from shared.recurrent import LSTM

ody = load_module(ROOT / "lstm-search-space-odyssey" / "lstm_search_space_odyssey.py")


# ----------------------------------------------------------------------------------------
# Tasks
# ----------------------------------------------------------------------------------------


def test_sign_stream_targets_follow_the_sum_across_chunks():
    stream = ody.SignStream(np.random.default_rng(3), batch=5, reset_p=0.2)
    chunks = [stream.chunk(17) for _ in range(3)]
    inputs = np.concatenate([c[0] for c in chunks], axis=1)
    targets = np.concatenate([c[1] for c in chunks], axis=1)[..., 0]
    for b in range(5):
        total = 0.0
        for t in range(inputs.shape[1]):
            x, reset = inputs[b, t]
            total = (0.0 if reset else total) + x          # the state is never cut between chunks
            assert targets[b, t] == np.sign(total)
    resets = inputs[..., 1]
    assert set(np.unique(resets)) == {0.0, 1.0} and 0.1 < resets.mean() < 0.3


def test_adding_batch_marks_two_steps_and_sums_them():
    x, y = ody.adding_batch(np.random.default_rng(0), 400, 50)
    marks = x[..., 1]
    assert np.all(marks.sum(axis=1) == 2)
    first = marks.argmax(axis=1)
    second = 49 - marks[:, ::-1].argmax(axis=1)
    assert first.max() < 10 and second.max() < 25 and np.all(first < second)
    rows = np.arange(400)
    np.testing.assert_allclose(y[:, 0], 0.5 + (x[rows, first, 0] + x[rows, second, 0]) / 4)


def test_learning_rates_one_log_uniform_draw_per_slice():
    lrs = ody.learning_rates(0, 5, 1e-3, 1e-1)
    assert lrs == sorted(lrs) and lrs == ody.learning_rates(0, 5, 1e-3, 1e-1)
    slices = np.floor((np.log10(lrs) + 3) / 0.4)
    assert slices.tolist() == [0, 1, 2, 3, 4]
    assert lrs != ody.learning_rates(1, 5, 1e-3, 1e-1)


# ----------------------------------------------------------------------------------------
# The population: trials packed block-diagonally must behave exactly like separate LSTMs
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", ody.VARIANTS)
def test_each_trial_of_a_population_is_the_stand_alone_lstm(variant):
    seeds = [4, 9, 2]
    pop = ody.Population(variant, (2, 3, 1), seeds, [1e-2] * 3, "all", dtype=np.float64)
    rng = np.random.default_rng(0)
    xs = [rng.normal(size=(2, 6, 2)) for _ in seeds]
    y = pop.forward(pop.stack(xs))
    for j, seed in enumerate(seeds):
        alone = LSTM(2, 3, 1, variant=variant, readout="all", rng=ody.rng_for(seed, ody.INIT), dtype=np.float64)
        for name, value in alone.params.items():
            np.testing.assert_array_equal(pop.member(j)[name], value)
        np.testing.assert_allclose(y[..., j, :], alone.forward(xs[j]), rtol=0, atol=1e-14)


@pytest.mark.parametrize("variant", ["V", "CIFG", "FGR"])
def test_training_a_population_equals_training_its_trials_alone(variant):
    """Masked gradients, per-trial clipping and per-trial learning rates keep trials independent."""
    seeds, lrs = [1, 2], [3e-2, 3e-3]
    pop = ody.Population(variant, (2, 4, 1), seeds, lrs, "last", dtype=np.float64, clip=0.5)
    alone = [LSTM(2, 4, 1, variant=variant, readout="last", rng=ody.rng_for(s, ody.INIT), dtype=np.float64)
             for s in seeds]
    optimizers = [Adam(m.params, lr=lr) for m, lr in zip(alone, lrs)]
    rng = np.random.default_rng(5)
    for _ in range(6):
        xs = [ody.adding_batch(rng, 8, 12) for _ in seeds]
        _, grads = pop.loss_and_grads(pop.stack([x for x, _ in xs]), np.stack([y for _, y in xs], axis=-2))
        pop.step(grads)
        for m, opt, (x, y) in zip(alone, optimizers, xs):
            err = m.forward(x) - y
            g = m.backward(2 * err / err.size)
            clip_global_norm(g, 0.5)
            opt.step(g)
    for j, m in enumerate(alone):
        for name, value in m.params.items():
            np.testing.assert_allclose(pop.member(j)[name], value, rtol=1e-9, atol=1e-12)
    for name, mask in pop.mask.items():
        assert np.all(pop.net.params[name][~mask] == 0)        # the zero blocks stay zero


def test_a_diverged_trial_is_retired_without_touching_the_others():
    pop = ody.Population("NOAF", (2, 3, 1), [0, 1], [1e-2, 1e-2], "all", dtype=np.float64)
    before = pop.member(1)
    pop.net.params["W"][pop.index[0]["W"]] = np.nan
    pop.retire(np.array([True, False]))
    x = np.random.default_rng(0).normal(size=(2, 5, 4))
    y = pop.forward(x)
    assert np.all(y[..., 0, :] == 0) and np.all(np.isfinite(y))
    for name, value in before.items():
        np.testing.assert_array_equal(pop.member(1)[name], value)
    assert not pop.alive[0] and pop.alive[1]


def test_gradient_check_of_every_variant():
    errors = ody.gradient_check(max_entries=6)
    assert set(errors) == set(ody.VARIANTS)
    assert max(errors.values()) < 1e-6, errors


def test_gradient_check_catches_a_gradient_that_ignores_the_mask(monkeypatch):
    """If a trial's gradient leaked into another's block, the packed loss would not match it."""
    original = ody.Population.loss_and_grads

    def leaky(self, x, targets, initial_state=None):
        losses, grads = original(self, x, targets, initial_state)
        grads["U"] *= 1.0 + 0.01 * (self.owner["U"] == 1)   # 1% too large in trial 1's recurrent weights
        return losses, grads

    monkeypatch.setattr(ody.Population, "loss_and_grads", leaky)
    assert ody.gradient_check(["V"], max_entries=6)["V"] > 1e-3


# ----------------------------------------------------------------------------------------
# Statistics behind the claims
# ----------------------------------------------------------------------------------------


def test_rank_sum_test_exact_values():
    low, high = np.array([0.0, 1.0, 2.0]), np.array([3.0, 4.0, 5.0])
    assert ody.rank_sum_p(high, low) == pytest.approx(1 / 20)           # complete separation, 3 vs 3
    assert ody.rank_sum_p(low, high) == 1.0
    assert ody.rank_sum_p(np.array([3.0, 4, 5, 6]), np.array([0.0, 1, 2, 3.5])) == pytest.approx(2 / 70)
    for m, n in [(3, 3), (4, 5), (6, 2)]:
        assert ody.u_distribution(m, n).sum() == math.comb(m + n, m)
    assert ody.rank_sum_p(np.array([np.nan, 9.0, 8.0]), low) == pytest.approx(1 / 20)   # diverged = worst


def test_sign_test():
    assert ody.sign_test_p(15, 15) == pytest.approx(2 ** -15)
    assert ody.sign_test_p(13, 15) == pytest.approx((1 + 15 + 105) / 2 ** 15)
    assert ody.sign_test_p(0, 15) == 1.0


def synthetic_entries(scale: dict, lr_effect=(0.0, 1.0, 2.0), seeds=4, noise=0.05, seed=0):
    """Test MSE grids [lr, seed] = scale[variant] * 10^lr_effect * noise, as collect() returns them."""
    rng = np.random.default_rng(seed)
    out = {}
    for name in ody.VARIANTS:
        grid = scale.get(name, 1.0) * 10 ** np.array(lr_effect)[:, None] * np.exp(rng.normal(0, noise, (3, seeds)))
        out[name] = {"val": grid.copy(), "test": {"mse": grid, "sign_errors": grid / 10}, "params": 1}
    return out


def test_claims_on_a_synthetic_search_where_the_paper_is_right():
    entries = synthetic_entries({"NFG": 5.0, "NOAF": 3.0}, noise=0.0)   # the other variants tie with V
    lrs = [1e-3, 1e-2, 1e-1]
    analysis = ody.analyse({"stream": entries}, lrs)["stream"]
    assert analysis["summary"]["V"]["lr_index"] == 0
    assert all(r["holds"] for r in analysis["claims"] if "NIG" not in r["claim"])
    assert analysis["variance"]["learning rate"] > 0.8
    assert ody.verdict_for({"stream": analysis})[0] == "partial"        # NIG, NOG, NIAF are not worse here


def test_claims_notice_a_variant_better_than_v():
    entries = synthetic_entries({"NIAF": 0.2, "NFG": 5.0, "NOAF": 3.0, "NIG": 2.0})
    analysis = ody.analyse({"stream": entries}, [1e-3, 1e-2, 1e-1])["stream"]
    holds = {r["claim"]: r["holds"] for r in analysis["claims"]}
    assert not holds["no variant is better than V"]
    assert holds["NIG, NOG or NIAF is worse than V (paper: on two of three data sets)"]


def test_variance_shares_add_up_and_find_the_factor():
    entries = synthetic_entries({"NFG": 100.0}, lr_effect=(0.0, 0.0, 0.0), noise=0.01)
    shares = ody.variance_shares(entries)
    assert sum(shares.values()) == pytest.approx(1.0)
    assert shares["variant"] > 0.95 and shares["learning rate"] < 0.01


def test_invalid_arguments_are_refused():
    for argv in (["--tasks", "music"], ["--variants", "V,XYZ"], ["--lr-low", "0.1", "--lr-high", "0.01"],
                 ["--variants", "V,NFG", "--record"], ["--model", "gru"], ["--n-lrs", "0"]):
        with pytest.raises(SystemExit) as info:
            ody.parse_args(argv)
        assert info.value.code == 2


def test_a_trial_that_blows_up_is_found_and_only_it_is_retired():
    pop = ody.Population("NOAF", (2, 3, 1), [0, 1, 2], [1e-2] * 3, "all", dtype=np.float64)
    pop.net.params["W"][pop.index[1]["W"]] = np.nan                  # trial 1 blows up
    x = np.random.default_rng(0).normal(size=(2, 8, 6))
    targets = np.zeros((2, 8, 3, 1))
    with np.errstate(all="ignore"):
        loss, _ = pop.loss_and_grads(x, targets)
    assert not np.isfinite(loss).any()                                # the NaN spread to every trial
    broken = pop.broken_trials(x, targets)
    assert broken.tolist() == [False, True, False]
    pop.retire(broken)
    loss, grads = pop.loss_and_grads(x, targets)
    assert np.isfinite(loss).all() and loss[1] == 0.0
