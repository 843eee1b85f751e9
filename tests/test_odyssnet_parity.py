"""The numpy OdyssNet reproduces the reference PyTorch runs (tests/data/odyssnet_goldens)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from shared.networks.odyssnet import OdyssNet

GOLDENS = sorted((Path(__file__).parent / "data" / "odyssnet_goldens").glob("*.npz"))
HEBBIAN = {"hebb_both_synapse", "hebb_spatial_global", "hebb_temporal_neuron", "extra_hebb_both_neuron_warm"}


def load(path):
    data = np.load(path)
    config = json.loads(str(data["config_json"]))
    model = OdyssNet(**config["ctor"], rng=0)
    stored = {k[len("param/"):] for k in data.files if k.startswith("param/")}
    assert set(model.params) == stored - set(config["tied_params"]), "parameter names differ from the reference"
    for name in model.params:
        model.params[name][...] = data[f"param/{name}"]
    if config["warm_start"]:
        for name in model.buffers:
            model.buffers[name][...] = data[f"init/buffer/{name}"]
    state = data["init/state"] if config["warm_start"] else None
    outputs = model.forward(data["x"], config["steps"], current_state=state, **config["forward_kwargs"])
    return data, config, model, outputs


def test_all_fourteen_reference_runs_are_here():
    assert len(GOLDENS) == 14


@pytest.mark.parametrize("path", GOLDENS, ids=lambda p: p.stem)
def test_forward_matches_the_reference(path):
    data, config, model, (all_states, final_state) = load(path)
    assert all_states.shape == tuple(config["all_states_shape"])
    np.testing.assert_allclose(all_states, data["all_states"], rtol=0, atol=1e-10)
    np.testing.assert_allclose(final_state, data["final_state"], rtol=0, atol=1e-10)
    np.testing.assert_allclose(model._cache["hs"][1:], data["trace/h_steps"], rtol=0, atol=1e-10)
    for name, buffer in model.buffers.items():
        np.testing.assert_allclose(buffer, data[f"buffer/{name}"], rtol=0, atol=1e-10)
    if "trace/hebb_normed" in data.files:
        hebbian = np.stack([step["normed"] * model.params["hebb_norm.weight"] for step in model._cache["hebb"]])
        np.testing.assert_allclose(hebbian, data["trace/hebb_normed"], rtol=0, atol=1e-10)


@pytest.mark.parametrize("path", [p for p in GOLDENS if p.stem not in HEBBIAN], ids=lambda p: p.stem)
def test_gradients_match_the_reference(path):
    data, config, model, _ = load(path)
    grads = model.backward(data["G1"], data["G2"])
    for name, grad in grads.items():
        np.testing.assert_allclose(grad, data[f"grad/{name}"], rtol=1e-10, atol=1e-10, err_msg=name)


def test_the_loss_is_the_documented_scalar():
    data, config, model, (all_states, final_state) = load(GOLDENS[0])
    loss = np.sum(all_states * data["G1"]) + np.sum(final_state * data["G2"])
    assert loss == pytest.approx(float(data["loss"]), abs=1e-10)
