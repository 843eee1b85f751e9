"""shared.learning.control: the recurrent banks' hand-written BPTT (parameters and dL/dx, from a nonzero initial state),
the OdyssNet bank against the shared core, the truncated gradient, the learner, and action_gradients."""

from __future__ import annotations

import numpy as np

from shared.learning.control import Learner, OdyssNetBank, RecurrentBank, action_gradients, clip_per_seed
from shared.frame.gradcheck import check_gradients
from shared.networks.odyssnet import OdyssNet


def banks(seed: int):
    rng = np.random.default_rng(seed)
    out = {"rnn": RecurrentBank(4, 5, 2, [np.random.default_rng([seed, i]) for i in range(2)], init_scale=1.5),
           "odyssnet": OdyssNetBank(4, 2, 7, 2, [np.random.SeedSequence([seed, i]) for i in range(2)])}
    for v in out["odyssnet"].params.values():        # away from the initialisation's zeros and ones
        v += rng.normal(0.0, 0.3, v.shape)
    out["odyssnet"].enforce_structure()
    return out


def test_bank_gradients_pass_the_numerical_check():
    rng = np.random.default_rng(3)
    for name, bank in banks(3).items():
        x = rng.normal(size=(2, 3, 6, 4))
        h0 = 0.5 * rng.normal(size=bank.initial_state(3).shape)
        weight = rng.normal(size=(2, 3, 6, 2))

        def loss():
            return float(np.sum(np.sin(bank.forward(x, h0)) * weight))

        out = bank.forward(x, h0)
        grads, dx = bank.backward(np.cos(out) * weight)
        entries = {}
        if name == "odyssnet":      # W's diagonal is structurally zero
            off = ~np.eye(bank.neurons, dtype=bool)
            entries["W"] = np.flatnonzero(np.broadcast_to(off, bank.params["W"].shape))
        errors = check_gradients(loss, {**bank.params, "x": x}, {**grads, "x": dx}, entries=entries)
        assert max(errors.values()) < 1e-6, (name, errors)
        assert set(errors) == set(bank.params) | {"x"}


def test_step_by_step_is_the_forward_pass():
    for bank in banks(4).values():
        x = np.random.default_rng(5).normal(size=(2, 3, 4, 4))
        out = bank.forward(x)
        h = bank.initial_state(3)
        for t in range(4):
            h, y = bank.step(h, x[:, :, t])
            np.testing.assert_allclose(y, out[:, :, t], atol=1e-12)
        np.testing.assert_allclose(h, bank.final_state, atol=1e-12)


def test_step_backward_through_a_closed_loop_passes_the_numerical_check():
    """step_cached / step_back carry a closed loop (the read-out fed back as the next input) exactly,
    from a nonzero state: parameters, the initial state and the first input."""
    rng = np.random.default_rng(8)
    for name, bank in banks(6).items():
        h0 = 0.5 * rng.normal(size=bank.initial_state(3).shape)
        x0 = rng.normal(size=(2, 3, 4))
        mix = rng.normal(size=(2, 4))              # read-out (2) -> next input (4)
        weight = rng.normal(size=(5, 2, 3, 2))

        def run():
            h, x, loss, caches, ys = h0, x0, 0.0, [], []
            for t in range(5):
                h, y, cache = bank.step_cached(h, x)
                caches.append(cache)
                ys.append(y)
                loss += float(np.sum(np.sin(y) * weight[t]))
                x = np.tanh(y @ mix)
            return loss, caches, ys

        _, caches, ys = run()
        grads = {k: np.zeros_like(v) for k, v in bank.params.items()}
        d_h, d_x = np.zeros_like(h0), np.zeros_like(x0)
        for t in range(4, -1, -1):
            d_y = np.cos(ys[t]) * weight[t]
            if t < 4:                              # y_t also made the next input x_{t+1} = tanh(y_t mix)
                d_y = d_y + (d_x * (1.0 - np.tanh(ys[t] @ mix) ** 2)) @ mix.T
            d_h, d_x = bank.step_back(caches[t], d_h, d_y, grads)
        if name == "odyssnet":
            idx = np.arange(bank.neurons)
            grads["W"][:, idx, idx] = 0.0
        entries = {}
        if name == "odyssnet":
            off = ~np.eye(bank.neurons, dtype=bool)
            entries["W"] = np.flatnonzero(np.broadcast_to(off, bank.params["W"].shape))
        errors = check_gradients(lambda: run()[0], {**bank.params, "h0": h0, "x0": x0},
                                 {**grads, "h0": d_h, "x0": d_x}, entries=entries)
        assert max(errors.values()) < 1e-6, (name, errors)


def test_step_back_summed_over_a_window_is_the_backward_pass():
    rng = np.random.default_rng(9)
    for bank in banks(7).values():
        x = rng.normal(size=(2, 3, 4, 4))
        d_out = rng.normal(size=(2, 3, 4, 2))
        out = bank.forward(x)
        grads, dx = bank.backward(d_out)
        h, caches = bank.initial_state(3), []
        for t in range(4):
            h, y, cache = bank.step_cached(h, x[:, :, t])
            np.testing.assert_allclose(y, out[:, :, t], atol=1e-12)
            caches.append(cache)
        step_grads = {k: np.zeros_like(v) for k, v in bank.params.items()}
        d_h = np.zeros_like(h)
        for t in range(3, -1, -1):
            d_h, d_x_t = bank.step_back(caches[t], d_h, d_out[:, :, t], step_grads)
            np.testing.assert_allclose(d_x_t, dx[:, :, t], atol=1e-10)
        if isinstance(bank, OdyssNetBank):
            idx = np.arange(bank.neurons)
            step_grads["W"][:, idx, idx] = 0.0
        for k in grads:
            np.testing.assert_allclose(step_grads[k], grads[k], atol=1e-10, err_msg=k)


def test_action_gradients_are_the_models_input_gradients_of_the_actions():
    model = RecurrentBank(3, 4, 1, [np.random.default_rng(6)], init_scale=1.5)
    rng = np.random.default_rng(7)
    obs, actions = rng.normal(size=(1, 2, 5, 2)), rng.normal(size=(1, 2, 5, 1))
    weight = rng.normal(size=(1, 2, 5, 1))
    before = {k: v.copy() for k, v in model.params.items()}
    model.forward(np.concatenate([obs, actions], axis=-1))
    d_actions = action_gradients(model, weight, 1)
    for k, v in model.params.items():
        assert np.array_equal(v, before[k])          # M is not changed

    def loss():
        return float(np.sum(model.forward(np.concatenate([obs, actions], axis=-1)) * weight))

    assert check_gradients(loss, {"a": actions}, {"a": d_actions})["a"] < 1e-6


def test_learner_clips_each_seed_separately_and_steps():
    bank = RecurrentBank(2, 3, 1, [np.random.default_rng(i) for i in range(2)])
    grads = {k: np.zeros_like(v) for k, v in bank.params.items()}
    grads["b"][0] = 30.0                                  # seed 0: norm far above 1; seed 1: zero
    norms = clip_per_seed({k: g.copy() for k, g in grads.items()})
    assert norms[0] > 1 and norms[1] == 0
    before = {k: v.copy() for k, v in bank.params.items()}
    Learner(bank, 0.1).apply(grads)
    assert not np.array_equal(bank.params["b"][0], before["b"][0])
    assert np.array_equal(bank.params["b"][1], before["b"][1])


def test_the_gradient_check_catches_a_wrong_backward():
    bank = RecurrentBank(4, 5, 1, [np.random.default_rng(0)], init_scale=1.5)
    x = np.random.default_rng(1).normal(size=(1, 3, 6, 4))
    out = bank.forward(x)
    grads, _ = bank.backward(np.cos(out))
    grads["U"] *= 1.01

    def loss():
        return float(np.sum(np.sin(bank.forward(x))))

    assert check_gradients(loss, bank.params, grads)["U"] > 1e-3


def test_truncated_gradient_keeps_only_the_same_step_term():
    bank = RecurrentBank(3, 4, 1, [np.random.default_rng(4)], init_scale=1.5)
    x = np.random.default_rng(5).normal(size=(1, 2, 5, 3))
    bank.forward(x)
    d_out = np.zeros((1, 2, 5, 1))
    d_out[:, :, 3] = 1.0
    _, full = bank.backward(d_out)
    _, local = bank.backward(d_out, truncate=True)
    assert np.all(local[:, :, [0, 1, 2, 4]] == 0) and np.any(full[:, :, :3] != 0)
    np.testing.assert_allclose(local[:, :, 3], full[:, :, 3])


def test_odyssnet_bank_is_the_shared_odyssnet_core():
    seqs = [np.random.SeedSequence([5, i]) for i in range(3)]
    bank = OdyssNetBank(6, 2, 9, 3, seqs)
    rng = np.random.default_rng(1)
    for value in bank.params.values():          # away from the zero gates of the initialisation
        value += rng.normal(0.0, 0.3, value.shape)
    bank.enforce_structure()
    x, h0, d = rng.normal(size=(3, 4, 5, 6)), rng.normal(size=(3, 4, 9)), rng.normal(size=(3, 4, 5, 2))
    out = bank.forward(x, h0)
    grads, dx = bank.backward(d)
    for i, seq in enumerate(seqs):
        core = OdyssNet(9, range(6), [7, 8], pulse_mode=False, rng=np.random.default_rng(seq))
        fresh = OdyssNetBank(6, 2, 9, 3, [seq])
        for k in core.params:
            assert np.array_equal(core.params[k], fresh.params[k][0])      # the same initialisation
            core.params[k][...] = bank.params[k][i]
        dense = np.zeros((4, 5, 9))
        dense[..., :6] = x[i]
        states, final = core.forward(dense, 15, current_state=h0[i])
        np.testing.assert_allclose(states[:, :, [7, 8]], out[i], rtol=0, atol=1e-13)
        np.testing.assert_allclose(final, bank.final_state[i], rtol=0, atol=1e-13)
        d_all = np.zeros(states.shape)
        d_all[:, :, [7, 8]] = d[i]
        core_grads = core.backward(d_all)
        for k in core_grads:
            np.testing.assert_allclose(grads[k][i], core_grads[k], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(dx[i], core.input_grad[..., :6], rtol=1e-12, atol=1e-12)


def test_rtrl_gradients_summed_over_a_sequence_are_bptt():
    """With the weights held fixed, RTRL's per-step gradients summed over a sequence equal BPTT's."""
    from shared.learning.control import RTRL
    rng = np.random.default_rng(10)
    bank = RecurrentBank(3, 4, 2, [np.random.default_rng([10, i]) for i in range(2)], init_scale=1.5)
    x = rng.normal(size=(2, 3, 6, 3))
    d_out = rng.normal(size=(2, 3, 6, 2))
    out = bank.forward(x)
    want, _ = bank.backward(d_out)
    rtrl = RTRL(bank)
    rtrl.reset(3)
    total = {k: np.zeros_like(v) for k, v in bank.params.items()}
    for t in range(6):
        y = rtrl.step(x[:, :, t])
        np.testing.assert_allclose(y, out[:, :, t], atol=1e-12)
        for k, g in rtrl.gradients(d_out[:, :, t]).items():
            total[k] += g
    for k in want:
        np.testing.assert_allclose(total[k], want[k], atol=1e-10, err_msg=k)
    rtrl.reset_where(np.array([[True, False, False], [False, False, True]]))
    assert np.all(rtrl.h[0, 0] == 0) and np.all(rtrl.sensitivity["U"][1, 2] == 0) and np.any(rtrl.h[0, 1] != 0)


def test_rtrl_gradients_pass_the_numerical_check():
    from shared.learning.control import RTRL
    rng = np.random.default_rng(11)
    bank = RecurrentBank(2, 3, 2, [np.random.default_rng(11)], init_scale=1.5)
    x, weight = rng.normal(size=(1, 2, 5, 2)), rng.normal(size=(1, 2, 5, 2))

    def loss():
        return float(np.sum(np.sin(bank.forward(x)) * weight))
    rtrl = RTRL(bank)
    rtrl.reset(2)
    grads = {k: np.zeros_like(v) for k, v in bank.params.items()}
    for t in range(5):
        y = rtrl.step(x[:, :, t])
        for k, g in rtrl.gradients(np.cos(y) * weight[:, :, t]).items():
            grads[k] += g
    errors = check_gradients(loss, bank.params, grads)
    assert max(errors.values()) < 1e-6, errors
