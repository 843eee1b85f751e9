"""fast-weights-key-value: the episodes, the fast-weight writes and their hand-written backward pass."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from conftest import ROOT, load_module
from shared.gradcheck import check_gradients

fw = load_module(ROOT / "fast-weights-key-value" / "fast_weights_key_value.py")


def random_setup(model, seed=0, task=None):
    task = task or fw.Task(n_pairs=4, d_key=4, d_val=3)
    rng = np.random.default_rng(seed)
    params = fw.init_params(rng, task, replace(model, init="random"))
    if "w_beta" in params:
        params["w_beta"] += 0.5 * rng.standard_normal(params["w_beta"].shape)
    return params, fw.episodes(rng, task, 3)


def test_episodes_share_the_bias_direction_and_query_a_stored_key():
    task = fw.Task()
    data = fw.episodes(np.random.default_rng(0), task, 500)
    b = fw.bias_direction(task.d_key)
    assert np.isclose(np.linalg.norm(b), 1.0)
    along = data["keys"] @ b
    assert abs(along.mean() - task.alpha) < 0.02                        # every key carries alpha * b
    residual = data["keys"] - along[..., None] * b
    assert abs(np.linalg.norm(residual, axis=-1).mean() - task.spread * np.sqrt(7 / 8)) < 0.03
    rows = np.arange(500)
    np.testing.assert_array_equal(data["target"], data["values"][rows, data["query"]])
    np.testing.assert_array_equal(data["x_query"][:, :task.d_key], data["keys"][rows, data["query"]])
    assert np.all(data["x_query"][:, task.d_key:] == 0)
    assert set(data["query"].tolist()) == set(range(task.n_pairs))


@pytest.mark.parametrize("model", fw.GRADCHECK_MODELS, ids=["sum", "delta-learned-beta", "delta-fixed-beta"])
def test_backward_matches_numerical_gradients(model):
    params, data = random_setup(model, seed=3)
    _, grads, _ = fw.loss_and_grad(params, data, model)
    errors = check_gradients(lambda: fw.loss_and_grad(params, data, model)[0], params, grads)
    assert max(errors.values()) < 1e-6, errors


def test_gradient_check_catches_a_wrong_backward():
    model = fw.Model("delta")
    params, data = random_setup(model, seed=4)
    _, grads, _ = fw.loss_and_grad(params, data, model)
    grads["W_K"].reshape(-1)[5] *= 1.02
    errors = check_gradients(lambda: fw.loss_and_grad(params, data, model)[0], params, grads)
    assert errors["W_K"] > 1e-3


def test_sum_rule_is_outer_product_memory_and_delta_rule_stores_orthonormal_keys_exactly():
    task = fw.Task(n_pairs=3, d_key=4, d_val=4)
    params = {"W_K": np.hstack([np.eye(4), np.zeros((4, 4))]), "W_V": np.hstack([np.zeros((4, 4)), np.eye(4)]),
              "W_Q": np.hstack([np.eye(4), np.zeros((4, 4))])}
    keys = np.eye(4)[None, :3] * 1.0                                     # orthonormal keys
    values = np.random.default_rng(0).standard_normal((1, 3, 4))
    for q in range(3):
        data = {"x": np.concatenate([keys, values], axis=2),
                "x_query": np.concatenate([keys[:, q], np.zeros((1, 4))], axis=1), "target": values[:, q]}
        y_sum, cache = fw.forward(params, data, fw.Model("sum"))
        np.testing.assert_allclose(cache["fast"][0], values[0].T @ keys[0], atol=1e-12)
        np.testing.assert_allclose(y_sum, values[:, q], atol=1e-12)
        y_delta, _ = fw.forward(params, data, fw.Model("delta", beta=1.0))
        np.testing.assert_allclose(y_delta, values[:, q], atol=1e-12)
    # writing the same key twice: the sum rule doubles, the delta rule (beta = 1) overwrites
    twice = np.concatenate([keys[:, :1], keys[:, :1]], axis=1)
    data = {"x": np.concatenate([twice, values[:, :2]], axis=2),
            "x_query": np.concatenate([keys[:, 0], np.zeros((1, 4))], axis=1), "target": values[:, 1]}
    np.testing.assert_allclose(fw.forward(params, data, fw.Model("sum"))[0], values[:, 0] + values[:, 1], atol=1e-12)
    np.testing.assert_allclose(fw.forward(params, data, fw.Model("delta", beta=1.0))[0], values[:, 1], atol=1e-12)
    assert task.d_in == 8


def test_untrained_pass_through_matches_the_published_start_and_training_improves_it():
    task = fw.Task()
    test = fw.test_set(task)
    result = fw.run_once(0, task, fw.Model("sum"), fw.Recipe(steps=150), test)
    assert abs(result["before"]["cosine"] - fw.PAPER["cosine_untrained"]) < 0.06
    assert result["after"]["cosine"] > result["before"]["cosine"] + 0.2


def test_key_only_setup_keeps_query_map_tied_and_values_fixed():
    task = fw.Task()
    model = fw.Model("sum", slow="key-only")
    params, _, _ = fw.train(1, task, model, fw.Recipe(steps=20))
    np.testing.assert_array_equal(params["W_Q"], params["W_K"])
    np.testing.assert_array_equal(params["W_V"], np.hstack([np.zeros((8, 8)), np.eye(8)]))


def test_training_is_a_pure_function_of_the_seed():
    task = fw.Task(n_pairs=3)
    a = fw.train(5, task, fw.Model("delta"), fw.Recipe(steps=15))
    b = fw.train(5, task, fw.Model("delta"), fw.Recipe(steps=15))
    for name in a[0]:
        np.testing.assert_array_equal(a[0][name], b[0][name])
    np.testing.assert_array_equal(a[1], b[1])


def test_gradcheck_flag_and_bad_arguments(capsys):
    assert fw.main(["--gradcheck"]) == 0
    assert "max relative error" in capsys.readouterr().out
    for bad in (["--d-key", "1"], ["--model", "lstm"], ["--steps", "0"], ["--lr", "-1"]):
        with pytest.raises(SystemExit) as exit_info:
            fw.parse_args(bad)
        assert exit_info.value.code == 2


def test_odyssnet_tokens_put_the_query_last_with_a_flag():
    data = fw.episodes(np.random.default_rng(0), fw.Task(n_pairs=3), 2)
    tokens = fw.odyssnet_tokens(data)
    assert tokens.shape == (2, 4, 17)
    np.testing.assert_array_equal(tokens[:, :3, :16], data["x"])
    np.testing.assert_array_equal(tokens[:, 3, :16], data["x_query"])
    assert np.all(tokens[:, :3, 16] == 0) and np.all(tokens[:, 3, 16] == 1)
