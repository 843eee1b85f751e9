"""curiosity-three-regions: the ring world, M and the confidence module on line, the curiosity
rewards (known answers on a single context), reproducibility, the command line, the verdict rule."""

from __future__ import annotations

import contextlib
import io
from dataclasses import replace

import numpy as np
import pytest

from conftest import ROOT, load_module
from shared.frame.gradcheck import check_gradients
from shared.networks.mlp import MLP

cur = load_module(ROOT / "curiosity-three-regions" / "curiosity_three_regions.py")
CFG = cur.Config()


# ----------------------------------------------------------------------------------------
# The world
# ----------------------------------------------------------------------------------------


def test_the_ring_moves_left_stays_and_wraps():
    w = cur.World(CFG, 0)
    n = w.n_cells
    assert [w.move(0, 0), w.move(0, 1), w.move(0, 2), w.move(n - 1, 2)] == [n - 1, 0, 1, 0]
    assert [w.region(c) for c in range(n)] == [0] * CFG.cells + [1] * CFG.cells + [2] * CFG.cells


def test_a_is_fixed_b_is_noise_c_depends_on_the_cue():
    w = cur.World(CFG, 3)
    rng = np.random.default_rng(0)
    a = [w.sense(1, rng) for _ in range(50)]
    assert len({c for c, _ in a}) == 1 and len({y for _, y in a}) == 1 and a[0][1] == w.a_values[1]
    b = np.array([w.sense(CFG.cells + 2, rng)[1] for _ in range(4000)])
    assert abs(b.mean()) < 0.05 and abs(b.var() - CFG.sigma_b ** 2) < 0.03
    c = [w.sense(2 * CFG.cells + 1, rng) for _ in range(400)]
    contexts = {ctx for ctx, _ in c}
    assert len(contexts) == CFG.cues                                # one context per cue
    for ctx, y in c:                                                # each a fixed value
        k, cue = divmod(ctx - 2 * CFG.cells, CFG.cues)
        assert k == 1 and y == w.c_values[1, cue]
    assert w.n_contexts == 2 * CFG.cells + CFG.cells * CFG.cues


def test_sensor_noise_on_a_is_the_variant_only():
    w = cur.World(replace(CFG, noise_a=0.5), 0)
    ys = np.array([w.sense(0, np.random.default_rng(i))[1] for i in range(2000)])
    assert abs(ys.mean() - w.a_values[0]) < 0.05 and abs(ys.std() - 0.5) < 0.05


def test_the_deterministic_contexts_are_a_and_c():
    w = cur.World(CFG, 1)
    idx, target, region = w.deterministic()
    assert len(idx) == CFG.cells + CFG.cells * CFG.cues and set(region) == {0, 2}
    assert not set(idx) & set(range(CFG.cells, 2 * CFG.cells))     # no B context


# ----------------------------------------------------------------------------------------
# M, the confidence module and the rewards
# ----------------------------------------------------------------------------------------


def test_the_squared_error_gradient_of_the_mlp_passes_the_numerical_check():
    net = MLP([10, 6, 1], np.random.default_rng(0))
    x, y = np.eye(10)[3], 0.7

    def loss():
        return float(((net(x) - y) ** 2).sum())

    out, cache = net.forward(x)
    grads, _ = net.backward(cache, 2.0 * (out - y))
    errors = check_gradients(loss, net.params, grads)
    assert max(errors.values()) < 1e-6


def test_an_sgd_step_moves_the_prediction_toward_the_target():
    net = MLP([10, 6, 1], np.random.default_rng(1))
    x = np.eye(10)[2]
    before = cur.sgd_step(net, x, 1.0, 0.05)
    assert abs(net(x)[0] - 1.0) < abs(before - 1.0)


def _single_context(targets, lr=0.05, conf_init=0.5):
    """M and the confidence module on one context: the three rewards per step."""
    model = MLP([4, 8, 1], np.random.default_rng(0))
    conf = MLP([4, 8, 1], np.random.default_rng(1))
    conf.params["b1"][:] = conf_init
    x = np.eye(4)[0]
    out = {"confidence": [], "naive": [], "improvement": [], "assumed": []}
    for y in targets:
        p = cur.sgd_step(model, x, y, lr)
        e = (p - y) ** 2
        a = cur.sgd_step(conf, x, e, lr)
        out["confidence"].append(a - conf(x)[0])
        out["naive"].append(e)
        out["improvement"].append(e - (model(x)[0] - y) ** 2)
        out["assumed"].append(a)
    return {k: np.array(v) for k, v in out.items()}


def test_on_noise_the_confidence_reward_vanishes_but_naive_and_one_sample_improvement_do_not():
    sigma = CFG.sigma_b
    r = _single_context(sigma * np.random.default_rng(5).standard_normal(6000))
    late = slice(3000, None)
    # the confidence module has learned M's expected error, about sigma^2
    assert abs(r["assumed"][late].mean() - sigma ** 2) < 0.1
    assert abs(r["confidence"][late].mean()) < 0.002                    # no curiosity left in noise
    assert r["naive"][late].mean() > 0.25                                # the noise trap
    assert r["improvement"][late].mean() > 10 * abs(r["confidence"][late].mean())  # always "improves"


def test_on_a_learnable_context_the_confidence_reward_is_positive_then_fades():
    r = _single_context(np.full(3000, 0.8))
    assert r["confidence"][:200].sum() > 0.05                            # reliability rises while M learns
    assert abs(r["confidence"][-500:]).mean() < 1e-3 * abs(r["confidence"][:200]).mean() + 1e-6   # boredom


def test_a_run_repeats_exactly_and_seeds_differ():
    cfg = replace(CFG, steps=600, eval_every=200, windows=3)
    a, b = cur.run_agent(0, "confidence", cfg), cur.run_agent(0, "confidence", cfg)
    np.testing.assert_array_equal(a["window_shares"], b["window_shares"])
    assert a["mean_E"] == b["mean_E"]
    assert not np.array_equal(cur.run_agent(1, "confidence", cfg)["window_shares"], a["window_shares"])


def test_random_exploration_visits_the_regions_about_equally():
    r = cur.run_agent(0, "random", replace(CFG, steps=6000, eval_every=3000, windows=2))
    assert np.all(np.abs(r["shares"] - 1 / 3) < 0.1)


def test_the_trace_holds_what_the_pictures_draw():
    cfg = replace(CFG, steps=400, eval_every=200, windows=2)
    r = cur.run_agent(2, "naive", cfg, trace=True)
    assert len(r["cells"]) == 400 and len(r["snapshots"]) == 3
    assert r["snapshots"][0]["pred_c"].shape == (CFG.cells * CFG.cues,)


# ----------------------------------------------------------------------------------------
# Command line and verdict
# ----------------------------------------------------------------------------------------


def _refused(argv):
    err = io.StringIO()
    with contextlib.redirect_stderr(err), pytest.raises(SystemExit) as done:
        cur.parse_args(argv)
    return done.value.code, err.getvalue()


@pytest.mark.parametrize("argv", [["--agents", "curious"], ["--agents", ","], ["--epsilon", "1.5"],
                                  ["--noise-a", "-1"], ["--n-seeds", "3", "--record"],
                                  ["--n-seeds", "10", "--steps", "500", "--record"]])
def test_bad_input_is_refused_in_one_line(argv):
    code, err = _refused(argv)
    assert code == 2 and len(err.strip().splitlines()) == 1


def _rows(conf_c=0.7, conf_b=0.05, conf_a=0.25, naive_b=0.9, naive_c=0.05, early=0.01, late=0.001,
          e_conf=5.0, e_rand=8.0, n=10):
    g = np.random.default_rng(0)
    rows = []
    for s in range(n):
        j = lambda v: v * float(np.exp(0.05 * g.standard_normal()))   # noqa: E731
        rows.append({"seed": s, "kind": "confidence", "share_A": j(conf_a), "share_B": j(conf_b), "share_C": j(conf_c),
                     "abs_reward_C_early": j(early), "abs_reward_C_late": j(late), "mean_E": j(e_conf), "solved": True})
        rows.append({"seed": s, "kind": "naive", "share_A": 0.05, "share_B": j(naive_b), "share_C": j(naive_c),
                     "abs_reward_C_early": 0.1, "abs_reward_C_late": 0.1, "mean_E": 9.0, "solved": False})
        rows.append({"seed": s, "kind": "random", "share_A": 0.33, "share_B": 0.33, "share_C": 0.33,
                     "abs_reward_C_early": 0.0, "abs_reward_C_late": 0.0, "mean_E": j(e_rand), "solved": False})
    return {"seeds": {"per_seed": rows}}


def test_verdict_is_yes_when_every_claim_holds():
    v = cur.verdict(_rows())
    assert v["value"] == "yes", v["reason"]


@pytest.mark.parametrize("change, failing, value", [
    ({"conf_b": 0.9}, 0, "no"),                     # the curious agent prefers noise
    ({"conf_a": 0.9}, 1, "no"),                     # ... or the known region
    ({"naive_b": 0.04}, 2, "partial"),              # no noise trap for the naive agent
    ({"late": 0.02}, 3, "partial"),                 # no boredom
    ({"e_rand": 4.0}, 4, "partial"),                # random search learns faster
])
def test_verdict_on_the_other_side_of_each_claim(change, failing, value):
    v = cur.verdict(_rows(**change))
    assert v["value"] == value
    assert not v["claims"][failing]["holds"]
    assert all(c["holds"] for i, c in enumerate(v["claims"]) if i != failing)


def test_verdict_is_pending_below_ten_seeds():
    assert cur.verdict(_rows(n=9))["value"] == "pending"


def test_the_grid_section_has_100_states_walls_and_the_noise_in_the_middle():
    cfg = replace(CFG, world="grid")
    w = cur.make_world(cfg, 0)
    assert w.n_cells == 100 and w.sizes == (20, 40, 40) and w.n_actions == 5
    assert w.n_contexts == 20 + 40 + 40 * cfg.grid_cues
    assert [w.move(0, a) for a in range(5)] == [0, 0, 1, 0, 10]          # walls at the top-left corner
    assert [w.move(55, a) for a in range(5)] == [54, 55, 56, 45, 65]
    assert [w.region(c) for c in range(10)] == [0, 0, 1, 1, 1, 1, 2, 2, 2, 2]
    rng = np.random.default_rng(0)
    contexts = {w.sense(99, rng)[0] for _ in range(200)}                  # a C cell: one context per cue
    assert len(contexts) == cfg.grid_cues


def test_the_ring_is_the_default_world():
    assert isinstance(cur.make_world(CFG, 0), cur.World) and not isinstance(cur.make_world(CFG, 0), cur.GridWorld)
