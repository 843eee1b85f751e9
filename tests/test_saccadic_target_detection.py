"""saccadic-target-detection: the fovea's receptive fields against a rendered scene, the scenes, the
closed loop's gradient through the frozen M (numerical check, every kind of C), a hand-wired controller
that must find the target, M and C learning on a small budget, the verdict rule on both sides."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from conftest import ROOT, load_module, run_script
from shared.frame.gradcheck import check_gradients

st = load_module(ROOT / "saccadic-target-detection" / "saccadic_target_detection.py")
SCRIPT = ROOT / "saccadic-target-detection" / "saccadic_target_detection.py"


# ----------------------------------------------------------------------------------------
# The scene and the fovea
# ----------------------------------------------------------------------------------------


def render(trials, index, field, t=0):
    """The scene as pixels (brute force): the triangle and the distractors drawn into the field."""
    img = np.zeros((field, field))
    objects = [("triangle", st.target_at(trials, t)[index])]
    objects += [(shape, trials["others"][index][j]) for j, shape in
                enumerate(st.SHAPES[1:1 + trials["others"].shape[-2]])]
    for shape, centre in objects:
        canvas = st.draw(shape)
        cx, cy = np.rint(centre).astype(int)
        ys, xs = np.nonzero(canvas)
        ys, xs = ys - st.HALF + cy, xs - st.HALF + cx
        keep = (xs >= 0) & (xs < field) & (ys >= 0) & (ys < field)
        img[ys[keep], xs[keep]] = np.maximum(img[ys[keep], xs[keep]], 1.0)
    return img


def fovea_by_hand(img, pos):
    px, py = np.rint(pos).astype(int)
    return np.array([img[py + y0:py + y1, px + x0:px + x1].mean() for x0, x1, y0, y1 in st.FIELDS])


@pytest.mark.parametrize("scene", [st.PAPER_SCENE, st.DISTRACTOR_SCENE, st.MOVING_SCENE])
def test_the_fovea_reads_box_averages_of_the_rendered_scene(scene):
    rng = np.random.default_rng(1)
    trials = st.sample_trials(rng, scene, (1, 4))
    for b in range(4):
        t = 3 if scene.speed else 0
        img = render(trials, (0, b), scene.field, t)
        for pos in (trials["start"][0, b], st.target_at(trials, t)[0, b] + rng.uniform(-70, 70, 2)):
            fast = st.sense({k: v[0:1, b:b + 1] for k, v in trials.items()}, pos[None, None], t)[0, 0]
            np.testing.assert_allclose(fast, fovea_by_hand(img, pos), atol=1e-12)


def test_forty_receptive_fields_fine_at_the_centre_coarse_at_the_rim():
    assert st.N_IN == 40 == len({tuple(b) for b in st.FIELDS})
    sizes = st.FIELDS[:, 1] - st.FIELDS[:, 0]
    assert sizes[:8].max() < sizes[-8:].min()
    x = st.target_input()
    assert x.shape == (40,) and np.all(x[:24] == 1.0) and 0 < x[24:].mean() < 1     # centred on the triangle
    assert np.abs(st.read_object("triangle", np.array([300.0, 0.0]))).max() == 0     # far away: blank


def test_the_start_overlaps_the_target_and_distractors_keep_apart():
    for scene in (st.PAPER_SCENE, st.DISTRACTOR_SCENE):
        tr = st.sample_trials(np.random.default_rng(2), scene, (2, 300))
        d = np.linalg.norm(tr["start"] - tr["target"], axis=-1)
        assert d.min() >= scene.start_min - 1e-9 and d.max() <= scene.start_radius + 1e-9
        for j in range(scene.distractors):
            dj = np.linalg.norm(tr["others"][..., j, :] - tr["target"], axis=-1)
            assert dj.min() >= 110 - 1e-9 and dj.max() <= 190 + 1e-9
            for i in range(j):
                assert np.linalg.norm(tr["others"][..., j, :] - tr["others"][..., i, :], axis=-1).min() >= 110 - 1e-9
    tr = st.sample_trials(np.random.default_rng(2), st.PAPER_SCENE, (1, 100))
    assert np.all(st.sense(tr, tr["start"]).sum(-1) > 0)       # every start sees part of the object


def test_moves_are_the_sum_of_four_vectors_of_0_to_20_px():
    a = np.array([[1.0, 0.0, 0.0, 1.0], [0.5, 0.5, 0.5, 0.5], [0.0, 1.0, 1.0, 0.0]])   # up, down, left, right
    np.testing.assert_allclose(st.move_of(a), [[20.0, -20.0], [0.0, 0.0], [-20.0, 20.0]])


def test_a_hand_wired_controller_finds_every_target_and_random_saccades_rarely_do():
    scene = st.PAPER_SCENE
    trials = st.sample_trials(np.random.default_rng(3), scene, (1, 200))
    state = {"t": 0}

    def toward(x, t):                       # knows the offset: moves at most 20 px per axis toward the target
        d = st.target_at(trials, t) - state["pos"][t]
        step = np.clip(d, -20, 20) / 20
        return np.stack([np.maximum(-step[..., 1], 0), np.maximum(step[..., 1], 0),
                         np.maximum(-step[..., 0], 0), np.maximum(step[..., 0], 0)], -1)

    pos = [trials["start"]]
    for t in range(scene.steps):            # precompute the positions the hand-wired policy visits
        state["pos"] = pos + [pos[-1]] * (scene.steps + 1 - len(pos))
        pos.append(st.clip_field(pos[-1] + st.move_of(toward(None, t)), scene))
    state["pos"] = pos
    run = st.rollout(None, None, trials, scene, policy=toward)
    res = st.outcome(run, trials)
    assert res["final"].all() and (res["first"] <= 4).all()
    rng = np.random.default_rng(4)
    _, rnd = st.evaluate(None, None, trials, scene, policy=lambda x, t: st.random_actions(rng, x.shape[:2]))
    assert rnd["final"].mean() < 0.1


# ----------------------------------------------------------------------------------------
# The nets and the gradient through the frozen M
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["mlp", "recurrent", "odyssnet"])
def test_the_closed_loop_gradient_passes_the_numerical_check(model):
    errors = st.gradient_errors(1, model)
    assert max(errors.values()) < 1e-6, errors


def test_a_wrong_chain_is_caught():
    """Dropping the chain through M's predicted input (the myopic shortcut) fails the check."""
    cfg = st.Config(c_hidden=5, m_hidden=6)
    C, M, _ = st.make_nets(cfg, [0, 1])
    for bank in (C.bank, M.bank):
        for k in bank.params:
            bank.params[k] *= 9.0
    rng = np.random.default_rng(0)
    x0, w = rng.uniform(0, 1, (2, 3, 40)), rng.normal(0, 1, (3, 2, 3, 40))
    _, g = st.model_world_loss(C, M, x0, 3, w)
    g["W1"] *= 1.01
    errors = check_gradients(lambda: st.model_world_loss(C, M, x0, 3, w, need_grad=False)[0], C.bank.params, g,
                             max_entries=20, rng=np.random.default_rng(0))
    assert errors["W1"] > 1e-4


def test_the_logistic_bank_backward_and_its_input_gradient():
    bank = st.LogisticMLPBank(5, 4, 3, [np.random.default_rng(i) for i in range(2)], init=1.5)
    x = {"x": np.random.default_rng(5).uniform(-1, 1, (2, 6, 5))}
    w = np.random.default_rng(6).normal(0, 1, (2, 6, 3))
    y, cache = bank.forward(x["x"])
    grads = st.zero_grads(bank)
    d_x = bank.backward(cache, w, grads)
    loss = lambda: float(np.sum(w * bank.forward(x["x"])[0]))
    assert max(check_gradients(loss, bank.params, grads).values()) < 1e-6
    assert max(check_gradients(loss, x, {"x": d_x}).values()) < 1e-6


def test_m_learns_to_predict_the_next_fovea_input():
    cfg = replace(st.Config(), m_cycles=20_000)
    C, M, _ = st.make_nets(cfg, [0, 1])
    st.train_m_feedforward(M.bank, [np.random.default_rng(0)], cfg)
    test = st.sample_trials(np.random.default_rng(1), st.PAPER_SCENE, (2, 200))
    fig = st.m_test_error(M, test, st.PAPER_SCENE, np.random.default_rng(2))
    assert np.all(fig["m_error"] < 0.6 * fig["still_error"])


def test_c_learns_to_find_the_target_through_a_trained_m():
    cfg = replace(st.Config(), m_cycles=50_000, c_trajectories=1000, n_test=200)
    rows = st.run_seeds([0], cfg, log=lambda *a: None)          # one seed: the slowest unit test of the suite
    for r in rows:
        assert r["found"] > 0.8 and r["random_found"] < 0.1


# ----------------------------------------------------------------------------------------
# The verdict rule, on synthetic records on both sides
# ----------------------------------------------------------------------------------------


def record(found_misses, random_misses, myopic_misses, n=1000, seeds=10):
    rows = [{"seed": i, "found": 1 - found_misses[i] / n, "misses": found_misses[i],
             "random_misses": random_misses[i], "myopic_misses": myopic_misses[i], "n_test": n, "solved": True}
            for i in range(seeds)]
    return {"seeds": {"per_seed": rows, "summary": {"n_runs": seeds}}}


def test_verdict_yes_partial_no_and_pending():
    v = st.verdict(record([3] * 10, [980] * 10, [40, 60, 30, 50, 45, 70, 20, 30, 55, 65]))
    assert v["value"] == "yes"
    v = st.verdict(record([3] * 10, [980] * 10, [3] * 10))          # myopic as good: partial
    assert v["value"] == "partial"
    v = st.verdict(record([900] * 10, [980] * 10, [30] * 10))       # C misses most: no
    assert v["value"] == "no"
    v = st.verdict(record([600, 100, 900, 50, 800, 20, 700, 30, 900, 60], [980] * 10, [3] * 10))
    assert v["value"] == "no"                                        # mean miss rate not below 0.5
    assert st.verdict(record([3] * 5, [980] * 5, [3] * 5, seeds=5))["value"] == "pending"
    assert st.verdict({"seeds": None})["value"] == "pending"


# ----------------------------------------------------------------------------------------
# The command line
# ----------------------------------------------------------------------------------------


def test_quick_run_prints_the_table_and_a_verdict():
    out = run_script(SCRIPT, "--quick")
    assert "random saccades" in out.stdout and "verdict" in out.stdout


@pytest.mark.parametrize("argv", [["--n-test", "0"], ["--scene", "mars"], ["--clip", "0.5"],
                                  ["--record", "--n-seeds", "3"], ["--m-cycles", "x"]])
def test_bad_input_is_refused_in_one_line(argv):
    out = run_script(SCRIPT, *argv)
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) <= 2
