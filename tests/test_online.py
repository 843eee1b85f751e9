"""shared.learning.online and PaperLSTM.sequence: on-line training of a bank of the papers' LSTM trials."""

from __future__ import annotations

import numpy as np
import pytest

from shared.frame.gradcheck import check_gradients
from shared.learning.online import Episode, Stream, at_the_end, evaluate, last_step, over_banks, run, train
from shared.networks.paper_lstm import PaperLSTM
from shared.learning.stopping import StoppingRule

T, P, K = 7, 2, 3


def bank(forget_gate=False, size=2, output_unit="logistic", trials=P, seed=0, inputs=4, **wiring):
    return PaperLSTM(inputs, 2, size, 2, [np.random.default_rng([seed, k]) for k in range(trials)],
                     forget_gate=forget_gate, output_unit=output_unit, init_scale=1.0,
                     gate_bias={"input": [-1.0, -2.0]}, **{"output_bias": True, **wiring})


def random_episode(coded, seed=1, trials=P, streams=K):
    rng = np.random.default_rng(seed)
    inputs = rng.integers(-1, 4, (trials, streams, T)) if coded else rng.normal(size=(trials, streams, T, 4))
    targets = rng.uniform(0.1, 0.9, (trials, streams, T, 2))
    weights = (rng.random((trials, streams, T)) < 0.6).astype(float)
    return inputs, targets, weights


@pytest.mark.parametrize("forget_gate", [False, True])
@pytest.mark.parametrize("size", [1, 2])
@pytest.mark.parametrize("coded", [False, True])
@pytest.mark.parametrize("output_unit", ["logistic", "linear"])
def test_a_sequence_computed_backward_adds_what_the_forward_traces_add(forget_gate, size, coded, output_unit):
    inputs, targets, weights = random_episode(coded)
    stepped, whole = bank(forget_gate, size, output_unit), bank(forget_gate, size, output_unit)
    stepped.start(K)
    y_steps = np.stack([stepped.step(inputs[:, :, t], targets[:, :, t], weights[:, :, t]) for t in range(T)], axis=2)
    whole.start(K)
    y_whole = whole.sequence(inputs, targets, weights)
    np.testing.assert_allclose(y_whole, y_steps, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(whole.gW, stepped.gW, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(whole.gV, stepped.gV, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(whole.cache["s"][-1], stepped.s, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("coded", [False, True])
@pytest.mark.parametrize("wiring", [dict(reads="cells", shortcut=True, output_bias="random", forget_gate=True),
                                    dict(peepholes=True, forget_gate=True), dict(peepholes=True, size=1)])
def test_other_wirings_computed_backward_add_what_the_forward_traces_add(coded, wiring):
    """The 2000 paper's wiring, and the 2002 paper's peepholes (with and without forget gates)."""
    inputs, targets, weights = random_episode(coded)
    stepped, whole = bank(**wiring), bank(**wiring)
    stepped.start(K)
    y_steps = np.stack([stepped.step(inputs[:, :, t], targets[:, :, t], weights[:, :, t]) for t in range(T)], axis=2)
    whole.start(K)
    np.testing.assert_allclose(whole.sequence(inputs, targets, weights), y_steps, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(whole.gW, stepped.gW, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(whole.gV, stepped.gV, rtol=1e-12, atol=1e-14)
    if stepped.peepholes:
        np.testing.assert_allclose(whole.gpeep, stepped.gpeep, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(whole.cache["gates"][-1], stepped.u[..., stepped.inputs + stepped.cells:-1],
                                   rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("inputs, streams, peepholes", [(1, 1, False), (1, 1, True), (2, 4, False)])
def test_a_lone_trial_computes_what_it_computes_in_a_bank(inputs, streams, peepholes):
    """Dense inputs: numpy rounds a lone trial's products differently unless it runs as two rows
    (PaperLSTM._as_two_rows); bit for bit the bank's first trial."""
    rng = np.random.default_rng(5)
    x, targets = rng.normal(size=(2, streams, 110, inputs)), rng.random((2, streams, 110, 1))
    weights = np.zeros((2, streams, 110))
    weights[..., -1] = 1.0

    def net(seeds):
        return PaperLSTM(inputs, 3, 1, 1, [np.random.default_rng([s, 0]) for s in seeds], output_bias=True,
                         init_scale=0.1, peepholes=peepholes)
    alone, bank = net([3]), net([3, 4])
    alone.start(streams)
    bank.start(streams)
    np.testing.assert_array_equal(alone.sequence(x[:1], targets[:1], weights[:1])[0], bank.sequence(x, targets, weights)[0])
    np.testing.assert_array_equal(alone.gW[0], bank.gW[0])
    np.testing.assert_array_equal(alone.gV[0], bank.gV[0])
    assert alone.cache["s"].shape == (110, 1, streams, 3)


@pytest.mark.parametrize("forget_gate", [False, True])
def test_a_sequences_change_is_the_gradient_of_its_stop_gradient_twin(forget_gate):
    """The backward form against finite differences directly: the loss of the net whose previous
    hidden activations are held at the values of an unperturbed pass."""
    inputs, targets, weights = random_episode(coded=False)
    net = bank(forget_gate)
    net.start(K)
    net.sequence(inputs, targets, weights)
    analytic = {"W": -net.gW.copy(), "V": -net.gV.copy()}
    net.start(K)
    held = []
    for t in range(T):
        held.append(net.u[..., net.inputs:-1].copy())
        net.step(inputs[:, :, t])

    def twin():
        net.start(K)
        error = 0.0
        for t in range(T):
            y = net.step(inputs[:, :, t], hidden=held[t])
            error += 0.5 * float(np.sum(weights[:, :, t, None] * (targets[:, :, t] - y) ** 2))
        return error

    errors = check_gradients(twin, net.params, analytic, max_entries=40)
    assert max(errors.values()) < 1e-6, errors


def test_sequence_refuses_bad_codes_and_learning_without_traces():
    net = bank()
    net.start(1, learn=False)
    with pytest.raises(ValueError, match="codes"):
        net.sequence(np.full((P, 1, 3), 4))
    with pytest.raises(ValueError, match="learn=False"):
        net.sequence(np.zeros((P, 1, 3), int), np.zeros((P, 1, 3, 2)), np.ones((P, 1, 3)))
    with pytest.raises(ValueError, match="P = 2"):
        net.sequence(np.zeros((3, 1, 3), int))


def test_run_per_step_changes_the_weights_after_every_step_with_a_target():
    inputs, targets, weights = random_episode(coded=True, streams=1)
    lengths = np.full((P, 1), T)
    episode = Episode(inputs, targets, weights, lengths)
    net, by_hand = bank(), bank()
    net.start(1)
    run(net, episode, lr=0.3, trials=np.array([True, False]))
    by_hand.start(1)
    for t in range(T):
        by_hand.step(inputs[:, :, t], targets[:, :, t], weights[:, :, t])
        if weights[:, :, t].any():
            by_hand.apply(0.3, np.array([True, False]))
    np.testing.assert_array_equal(net.W, by_hand.W)
    np.testing.assert_array_equal(net.W[1], bank().W[1])              # trial 1 was not chosen


def first_symbol_task(trials, seeds):
    """A tiny long-lag task: remember which of two symbols came first over 5 steps of noise symbols;
    answer at the end (2 output units, one per class)."""
    rngs = [np.random.default_rng([s, 1]) for s in seeds]
    eye = np.eye(2)

    def draw(n):
        first = np.array([r.integers(2) for r in rngs])
        middle = np.stack([r.integers(2, 4, 5) for r in rngs])
        codes = np.concatenate([first[:, None], middle], axis=1)[:, None, :]       # (P, 1, 6)
        return at_the_end(codes, np.full((trials, 1), 6), eye[first][:, None, :])

    def score(out, episode):
        error = out[:, 0, -1] - episode.targets[:, 0, -1]
        return np.sqrt((error ** 2).mean(axis=1)), (np.abs(error) < 0.3).all(axis=1)
    return draw, score


def train_bank(seeds, budget=3000):
    net = PaperLSTM(4, 2, 1, 2, [np.random.default_rng([s, 0]) for s in seeds], output_bias=True,
                    init_scale=0.1, gate_bias={"input": [-1.0, -2.0]})
    draw, score = first_symbol_task(len(seeds), seeds)
    rule = StoppingRule(len(seeds), recent=50, threshold=0.3, train_error=0.05)
    history = train(net, draw, score, rule, lr=1.0, budget=budget, every=100)
    return net, history


def test_train_learns_a_small_lag_task_and_stops_each_trial_on_its_own(capsys):
    net, history = train_bank([0, 1, 2])
    rule = history.rule
    assert (rule.stopped_at > 0).all(), rule.stopped_at                # every trial learns it
    seen, mse, wrong = history.curve()
    assert seen[-1] == rule.seen and mse.shape == wrong.shape == (len(seen), 3)
    assert (rule.at_stop["train_mse"] < 0.05).all()
    draw, score = first_symbol_task(3, [7, 8, 9])                      # fresh sequences, frozen nets
    episodes = [draw(n) for n in range(200)]
    stacked = Episode(*(np.concatenate([getattr(e, f) for e in episodes], axis=1)
                        for f in ("inputs", "targets", "weights", "lengths")))
    out = evaluate(net, [0, 1, 2], stacked, chunk=64)
    assert out.shape == (3, 200, 6, 2)
    correct = (np.abs(out[:, :, -1] - stacked.targets[:, :, -1]) < 0.3).all(axis=-1)
    assert correct.mean() > 0.95
    np.testing.assert_array_equal(evaluate(net, [0, 2], Episode(*(getattr(stacked, f)[[0, 2]] for f in (
        "inputs", "targets", "weights", "lengths"))), chunk=50, last=True), out[[0, 2], :, -1])


def test_a_trial_trains_the_same_alone_or_in_a_bank_and_stops_learning_at_its_stop():
    together, history = train_bank([0, 1, 2], budget=600)
    alone, single = train_bank([1], budget=600)
    np.testing.assert_array_equal(together.W[1], alone.W[0])
    assert history.rule.stopped_at[1] == single.rule.stopped_at[0]
    assert history.rule.stopped_at[0] > 0                              # trial 0 stops within 600 sequences ...
    longer, _ = train_bank([0, 1, 2], budget=900)
    np.testing.assert_array_equal(longer.W[0], together.W[0])          # ... and learns nothing after its stop
    assert not np.array_equal(longer.W[2], together.W[2])              # trial 2 (not stopped) went on


def test_an_episode_with_targets_at_the_end():
    episode = at_the_end(np.zeros((2, 3, 5), int), np.array([[5, 3, 1], [2, 4, 5]]), np.ones((2, 3, 4)))
    assert episode.targets.shape == (2, 3, 5, 4) and episode.steps == 5
    np.testing.assert_array_equal(episode.weights.sum(axis=2), 1.0)
    assert episode.weights[0, 1, 2] == 1.0 and episode.weights[1, 0, 1] == 1.0 and episode.weights[0, 2, 0] == 1.0


def test_a_stream_draws_each_trials_sequences_from_its_own_generator_in_blocks():
    def make(rng, n):
        lengths = rng.integers(3, 6, n)
        codes = np.where(np.arange(5) < lengths[:, None], rng.integers(0, 4, (n, 5)), -1)
        return codes, lengths, np.eye(2)[codes[:, 0] % 2]

    stream = Stream(make, [np.random.default_rng(s) for s in (4, 5)], block=3)
    alone = Stream(make, [np.random.default_rng(5)], block=3)
    episodes = [stream(n) for n in range(7)]
    for n, episode in enumerate(episodes):
        mine = alone(n)
        np.testing.assert_array_equal(episode.inputs[1], mine.inputs[0])      # trial 1's data: its own
        assert episode.inputs.shape == (2, 1, 5) and episode.weights[0, 0, episode.lengths[0, 0] - 1] == 1.0
    np.testing.assert_array_equal(episodes[0].inputs[0, 0], make(np.random.default_rng(4), 3)[0][0])
    with pytest.raises(ValueError, match="in order"):
        stream(20)
    test = Stream(make, [np.random.default_rng(9)]).batch(4)
    assert test.inputs.shape == (1, 4, 5) and test.targets.shape == (1, 4, 5, 2)


def test_a_stream_draws_batches_of_consecutive_sequences():
    def make(rng, n):
        return rng.integers(0, 4, (n, 5)), np.full(n, 5), np.eye(2)[rng.integers(0, 2, n)]

    single = Stream(make, [np.random.default_rng(3)], block=12)
    batched = Stream(make, [np.random.default_rng(3)], block=12, per_draw=4)     # 12 = 3 draws of 4
    for n in range(5):
        four = batched(n)
        assert four.inputs.shape == (1, 4, 5)
        for k in range(4):
            np.testing.assert_array_equal(four.inputs[0, k], single(4 * n + k).inputs[0, 0])
    assert Stream(make, [np.random.default_rng(3)], block=1000, per_draw=16).block == 1008


def test_train_in_batches_sums_the_changes_of_each_batch_and_feeds_the_rule_in_order():
    """K sequences per update: the weights change once per K sequences by the sum of their
    changes (the weights held through the batch), the rule sees every sequence in order."""
    seeds, K = [0, 1], 4
    rngs = [np.random.default_rng([s, 1]) for s in seeds]
    eye = np.eye(2)

    def draw(n):
        first = np.stack([r.integers(2, size=K) for r in rngs])                     # (P, K)
        middle = np.stack([r.integers(2, 4, (K, 5)) for r in rngs])
        codes = np.concatenate([first[..., None], middle], axis=2)                   # (P, K, 6)
        return at_the_end(codes, np.full((2, K), 6), eye[first])

    def score(out, episode):
        error = out[:, :, -1] - episode.targets[:, :, -1]                              # (P, K, 2)
        return np.sqrt((error ** 2).mean(axis=-1)), (np.abs(error) < 0.3).all(axis=-1)

    def net():
        return PaperLSTM(4, 2, 1, 2, [np.random.default_rng([s, 0]) for s in seeds], output_bias=True,
                         init_scale=0.1, gate_bias={"input": [-1.0, -2.0]})

    trained = net()
    rule = StoppingRule(2, recent=8, threshold=0.3, train_error=None)
    history = train(trained, draw, score, rule, lr=0.5, budget=10, every=4)       # 3 updates of 4
    assert rule.seen == 12 and list(history.seen) == [4, 8, 12]
    rngs[:] = [np.random.default_rng([s, 1]) for s in seeds]                         # the same draws, by hand
    by_hand, errors = net(), []
    for n in range(3):
        episode = draw(n)
        by_hand.start(K)
        out = by_hand.sequence(episode.inputs, episode.targets, episode.weights)
        errors.append(score(out, episode)[0])
        by_hand.apply(0.5)
    np.testing.assert_array_equal(trained.W, by_hand.W)
    np.testing.assert_array_equal(rule.window, np.concatenate([errors[2], errors[1]], axis=1).T)   # a ring: 9-12, 5-8


def stop_counts(seeds, budget):
    return [int(s) for s in train_bank(seeds, budget)[1].rule.stopped_at]


def test_banks_over_processes_give_each_seed_its_own_result_in_order():
    alone = over_banks(stop_counts, [2, 0, 1], 1, 700)
    assert over_banks(stop_counts, [2, 0, 1], 2, 700) == alone
    assert alone[1] == 572                                             # seed 0, as in the test above


def test_run_checks_the_bank_against_the_episode():
    net = bank()
    net.start(2)
    inputs, targets, weights = random_episode(coded=True)
    with pytest.raises(ValueError, match="streams"):
        run(net, Episode(inputs, targets, weights, np.full((P, K), T)))


def test_a_trials_change_does_not_depend_on_the_lengths_beside_it():
    """Every bank runs an episode's full padded width, so a trial's sums over time have the same
    shape whatever the other trials' lengths (a product over 101 or 127 rows rounds differently)."""
    rng = np.random.default_rng(5)
    T_full, lengths = 130, np.array([[101], [127]])
    codes = np.where(np.arange(T_full) < lengths[..., None], rng.integers(0, 4, (2, 1, T_full)), -1)
    targets = rng.uniform(0.1, 0.9, (2, 1, T_full, 2))
    weights = np.where(np.arange(T_full) < lengths[..., None], 1.0, 0.0)
    pair, alone = bank(trials=2), bank(trials=1)
    pair.start(1)
    alone.start(1)
    run(pair, Episode(codes, targets, weights, lengths))
    run(alone, Episode(codes[:1], targets[:1], weights[:1], lengths[:1]))
    np.testing.assert_array_equal(pair.gW[0], alone.gW[0])
    np.testing.assert_array_equal(pair.gV[0], alone.gV[0])
