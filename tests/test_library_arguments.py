"""The public API under arbitrary arguments (hypothesis): a model, trainer or optimizer is either
built and usable, or refused with a ValueError or TypeError -- never another error, and never a
NaN or infinite setting accepted. Smallest shapes only: nothing here trains."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.networks.odyssnet import OdyssNet, OdyssNetTrainer
from shared.networks.optim import SGD, Adam, AdamW, Prodigy
from shared.networks.recurrent import LSTM, RNN

ANY = st.one_of(st.none(), st.booleans(), st.integers(-3, 6), st.sampled_from([0.5, 2.0, -1.5]),
                st.sampled_from([math.nan, math.inf, -math.inf]), st.text(max_size=3),
                st.lists(st.integers(-2, 6), max_size=3))
NON_FINITE = lambda v: isinstance(v, float) and not math.isfinite(v)  # noqa: E731


def outcome(build):
    """'ok' with the object, or 'refused' -- any other exception fails the test."""
    try:
        return "ok", build()
    except (ValueError, TypeError) as error:
        assert str(error), "an error must say what is wrong"
        return "refused", None


@settings(max_examples=150, deadline=None)
@given(input_size=ANY, hidden=ANY, output=ANY, block=ANY, scale=ANY)
def test_lstm_and_rnn_are_built_right_or_refused(input_size, hidden, output, block, scale):
    kind, lstm = outcome(lambda: LSTM(input_size, hidden, output, block_size=block, init_scale=scale, rng=0))
    if kind == "ok":
        assert not any(NON_FINITE(v) for v in (input_size, hidden, output, block, scale))
        assert all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in (input_size, hidden, output))
        y = lstm.forward(np.zeros((2, 3, input_size)))
        assert y.shape == (2, 3, output) and np.all(np.isfinite(y))
    kind, rnn = outcome(lambda: RNN(input_size, hidden, output, init_scale=scale, rng=0))
    if kind == "ok":
        assert all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in (input_size, hidden, output))
        assert np.all(np.isfinite(rnn.forward(np.zeros((1, 2, input_size)))))


@settings(max_examples=150, deadline=None)
@given(n=ANY, inputs=ANY, outputs=ANY, dropout=ANY, vocab=ANY)
def test_odyssnet_is_built_right_or_refused(n, inputs, outputs, dropout, vocab):
    kind, model = outcome(lambda: OdyssNet(n, inputs if isinstance(inputs, list) else [inputs],
                                           outputs if isinstance(outputs, list) else [outputs],
                                           dropout_rate=0.0 if dropout is None else dropout,
                                           vocab_size=vocab, rng=0))
    if kind == "ok":
        assert isinstance(n, int) and not isinstance(n, bool) and n >= 1
        assert not NON_FINITE(dropout)
        ids = model.input_ids.tolist() + model.output_ids.tolist()
        assert all(0 <= i < n for i in ids)


@settings(max_examples=100, deadline=None)
@given(lr=ANY, decay=ANY, which=st.sampled_from([SGD, Adam, AdamW]))
def test_optimizers_refuse_what_is_not_a_step_size(lr, decay, which):
    params = {"w": np.zeros(3)}
    kind, _ = outcome(lambda: which(params, lr=lr, weight_decay=0.0 if decay is None else decay))
    if kind == "ok":
        assert isinstance(lr, (int, float)) and not isinstance(lr, bool) and math.isfinite(lr) and lr >= 0


@settings(max_examples=100, deadline=None)
@given(lr=ANY, noise=ANY, persistence=ANY, epochs=ANY, batch=ANY, steps=ANY)
def test_the_trainer_refuses_bad_settings(lr, noise, persistence, epochs, batch, steps):
    model = OdyssNet(4, [0, 1], [3], rng=0)
    kind, trainer = outcome(lambda: OdyssNetTrainer(model, lr=lr, synaptic_noise=0.0 if noise is None else noise,
                                                    gradient_persistence=0.0 if persistence is None else persistence))
    if kind != "ok":
        return
    assert not any(NON_FINITE(v) for v in (lr, noise, persistence))
    kind, history = outcome(lambda: trainer.fit(np.zeros((4, 2)), np.zeros((4, 1)), epochs=epochs,
                                                batch_size=batch, thinking_steps=steps, verbose=False))
    if kind == "ok":
        assert isinstance(epochs, int) and epochs >= 0 and isinstance(batch, int) and batch >= 1
        assert isinstance(steps, int) and steps >= 1 and len(history) == epochs


def test_prodigy_state_is_its_own():
    prodigy, adamw = Prodigy({"w": np.zeros(2)}), AdamW({"w": np.zeros(2)}, lr=0.1)
    with pytest.raises(ValueError, match="AdamW cannot be loaded into Prodigy"):
        prodigy.load_state_dict(adamw.state_dict())
