"""shared.networks.paper_lstm: the papers' LSTM bank and its truncated gradient, computed forward in time."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import ROOT, load_module
from shared.frame.gradcheck import check_gradients
from shared.networks.paper_lstm import PaperLSTM

T, P, K = 6, 2, 3


def bank(forget_gate=False, output_unit="logistic", output_bias=True, cell_bias=True, blocks=2, size=2, seed=0,
         **wiring):
    rngs = [np.random.default_rng([seed, k]) for k in range(P)]
    return PaperLSTM(3, blocks, size, 2, rngs, forget_gate=forget_gate, output_unit=output_unit,
                     output_bias=output_bias, cell_bias=cell_bias, init_scale=1.0,
                     gate_bias={"input": [-1.0, -2.0][:blocks]}, **wiring)


def episode(seed=1):
    rng = np.random.default_rng(seed)
    xs = rng.normal(size=(T, P, K, 3))
    targets = rng.uniform(0.1, 0.9, size=(T, P, K, 2))
    weights = (rng.random((T, P, K)) < 0.6).astype(float)
    return xs, targets, weights


def twin_errors(net, inputs, targets, weights):
    """Relative errors of the traces' change against finite differences of the stop-gradient twin:
    the same episode with each step's previous hidden activations held at their values."""
    net.start(K)
    held, peeked = [], []
    for t in range(T):
        held.append(net.u[..., net.inputs:-1].copy())
        before = net.s.copy()
        net.step(inputs[t], targets[t], weights[t])
        peeked.append(np.stack([before, net.s.copy()], axis=2))
    analytic = {"W": -net.gW.copy(), "V": -net.gV.copy()}         # gW, gV hold -dE/dW
    if net.peepholes:
        analytic["peep"] = -net.gpeep.copy()

    def twin():
        net.start(K)
        error = 0.0
        for t in range(T):
            y = net.step(inputs[t], hidden=held[t], peeked=peeked[t])
            error += 0.5 * float(np.sum(weights[t][..., None] * (targets[t] - y) ** 2))
        return error

    return check_gradients(twin, net.params, analytic, max_entries=40)


@pytest.mark.parametrize("forget_gate", [False, True])
@pytest.mark.parametrize("output_unit", ["logistic", "linear"])
@pytest.mark.parametrize("size", [1, 2])
def test_the_truncated_gradient_is_the_gradient_of_its_stop_gradient_twin(forget_gate, output_unit, size):
    """Forward traces = the exact gradient of the net whose previous hidden activations are held fixed."""
    errors = twin_errors(bank(forget_gate, output_unit, size=size), *episode())
    assert max(errors.values()) < 1e-6, errors


@pytest.mark.parametrize("coded", [False, True])
@pytest.mark.parametrize("shortcut", [False, True])
def test_the_2000_wiring_has_the_gradient_of_its_stop_gradient_twin(coded, shortcut):
    """Gers et al. (2000): cells and gates read the cell outputs only (no gate activations), the
    output units read the inputs too, the output bias starts random."""
    net = bank(True, cell_bias=False, output_bias="random", reads="cells", shortcut=shortcut)
    inputs, targets, weights = episode()
    if coded:
        inputs = np.random.default_rng(6).integers(-1, 3, size=(T, P, K))
    errors = twin_errors(net, inputs, targets, weights)
    assert max(errors.values()) < 1e-6, errors
    net.apply(0.1)
    gates = slice(net.inputs + net.cells, net.inputs + net.units)
    assert np.all(net.W[:, gates] == 0.0) and np.all(net.W[:, -1, :net.cells] == 0.0)   # absent weights stay absent
    assert np.all(net.V[:, -1] != 0.0) and net.V.shape[1] == net.cells + 3 * shortcut + 1


@pytest.mark.parametrize("forget_gate", [False, True])
@pytest.mark.parametrize("coded", [False, True])
def test_peepholes_have_the_gradient_of_their_stop_gradient_twin(forget_gate, coded):
    """Gers et al. (2002): the gates read their block's states through peepholes (input and forget
    gates s(t-1), output gates s(t)); the twin holds both the previous activations and what the
    peepholes read, since no error flows from a gate back into a state through a peephole."""
    net = bank(forget_gate, size=2, peepholes=True)
    inputs, targets, weights = episode()
    if coded:
        inputs = np.random.default_rng(6).integers(-1, 3, size=(T, P, K))
    errors = twin_errors(net, inputs, targets, weights)
    assert max(errors.values()) < 1e-6, errors
    assert net.n_weights == bank(forget_gate, size=2).n_weights + (3 if forget_gate else 2) * net.cells
    before = net.peep.copy()
    net.apply(0.5, trials=np.array([True, False]))
    assert not np.allclose(net.peep[0], before[0]) and np.array_equal(net.peep[1], before[1])


@pytest.mark.parametrize("forget_gate", [False, True])
@pytest.mark.parametrize("peepholes", [False, True])
def test_linear_squashing_has_the_gradient_of_its_stop_gradient_twin(forget_gate, peepholes):
    """Gers et al. (2002): g and h the identity."""
    net = bank(forget_gate, size=2, peepholes=peepholes, squashing="linear")
    errors = twin_errors(net, *episode())
    assert max(errors.values()) < 1e-6, errors
    net.start(1)
    x = np.zeros((P, 1, 3))
    net.W[:, -1, :net.cells] = 0.3                                 # the cells' net input is their bias alone
    net.W[:, -1, net.rows["input"]] = 50.0                         # input gates open
    net.W[:, -1, net.rows["output"]] = 50.0                        # output gates open
    net.W[:, :-1] = 0.0
    net.step(x)
    np.testing.assert_allclose(net.s, 0.3, atol=1e-12)                 # s = g(0.3) = 0.3
    np.testing.assert_allclose(net.u[..., net.inputs:net.inputs + net.cells], 0.3, atol=1e-12)  # y_c = h(s) = s
    with pytest.raises(ValueError, match="step"):
        net.sequence(np.zeros((P, 1, 2, 3)))
    with pytest.raises(ValueError, match="squashing"):
        bank(squashing="tanh")


def test_trials_are_independent_and_updates_touch_only_the_chosen_ones():
    xs, targets, weights = episode()
    a, b = bank(seed=0), bank(seed=0)
    b.W[1] += 0.3                                                  # trial 1 differs; trial 0 must not notice
    for net in (a, b):
        net.start(K)
        for t in range(T):
            net.step(xs[t], targets[t], weights[t])
    np.testing.assert_array_equal(a.gW[0], b.gW[0])
    w1 = b.W[1].copy()
    g1 = b.gW[1].copy()
    b.apply(0.5, trials=np.array([True, False]))
    np.testing.assert_array_equal(b.W[1], w1)
    assert not np.array_equal(b.W[0], a.W[0])
    assert np.all(b.gW[0] == 0.0) and np.array_equal(b.gW[1], g1 * b.trainable)   # trial 1 keeps its change


def _stepped(peepholes=False):
    xs, targets, weights = episode()
    net = bank(seed=0, peepholes=peepholes)
    net.start(K)
    for t in range(T):
        net.step(xs[t], targets[t], weights[t])
    return net


def test_a_rate_per_trial_is_each_trial_at_its_own_rate():
    rates = np.linspace(0.1, 0.5, P)
    per_trial = _stepped(peepholes=True)
    per_trial.apply(rates)
    for p, rate in enumerate(rates):
        alone = _stepped(peepholes=True)
        alone.apply(rate)
        np.testing.assert_array_equal(per_trial.W[p], alone.W[p])
        np.testing.assert_array_equal(per_trial.peep[p], alone.peep[p])
    with pytest.raises(ValueError, match="one per trial"):
        per_trial.apply(np.ones(P + 1))
    with pytest.raises(ValueError, match="momentum"):
        per_trial.apply(0.1, momentum=1.0)


def test_momentum_steps_by_the_velocity_and_holds_it_for_a_resting_trial():
    """v = m v + lr change; w += v. A trial left out of an update keeps its velocity."""
    net, plain = _stepped(), _stepped()
    start, change = net.W.copy(), net.gW * net.trainable
    net.apply(0.1, momentum=0.9)
    plain.apply(0.1)
    np.testing.assert_array_equal(net.W, plain.W)                    # the first step: no velocity yet
    first = net.velocity["W"].copy()
    np.testing.assert_allclose(first, 0.1 * change)
    net.gW[...] = change                                               # the same change again
    resting = np.arange(P) == 0
    net.apply(0.1, trials=~resting, momentum=0.9)
    np.testing.assert_allclose(net.W[~resting], start[~resting] + 0.1 * change[~resting] * (1 + 1.9))
    np.testing.assert_array_equal(net.W[resting], start[resting] + first[resting])
    np.testing.assert_array_equal(net.velocity["W"][resting], first[resting])


def test_biases_and_counts_as_configured():
    net = bank(cell_bias=False, output_bias=False, blocks=2, size=2)
    assert np.all(net.W[:, -1, :4] == 0.0) and net.trainable[-1, :4].sum() == 0
    assert np.all(net.W[:, -1, net.rows["input"]] == [-1.0, -2.0])
    # 8 units read 3 inputs, 8 hidden activations and a bias; the cells have no bias; 4 cells x 2 outputs
    assert net.n_weights == 12 * 8 - 4 + 8
    with pytest.raises(ValueError, match="forget"):
        PaperLSTM(3, 2, 2, 2, [np.random.default_rng(0)], gate_bias={"forget": 1.0})
    # Exp. 2c: "No bias weights are used"
    bare = PaperLSTM(3, 2, 1, 2, [np.random.default_rng(0)], cell_bias=False, gate_biases=False)
    assert np.all(bare.W[:, -1] == 0.0) and bare.n_weights == 10 * 6 - 6 + 2 * 2
    for p, weights in ((50, 364), (1000, 6064)):                       # Table 3's counts: p + 4 symbols in
        assert PaperLSTM(p + 4, 2, 1, 2, [np.random.default_rng(0)], cell_bias=False,
                         gate_biases=False).n_weights == weights
    bare.start(1)
    bare.step(np.ones((1, 1, 3)), np.zeros((1, 1, 2)))
    bare.apply(1.0)
    assert np.all(bare.W[:, -1] == 0.0)
    with pytest.raises(ValueError, match="gate_biases=False"):
        PaperLSTM(3, 2, 1, 2, [np.random.default_rng(0)], gate_biases=False, gate_bias={"input": -1.0})


def test_the_1997_cell_without_input_keeps_its_state():
    """A closed input gate and no forget gate: the constant error carousel holds s exactly."""
    net = bank(blocks=2, size=2)
    net.W[:, -1, net.rows["input"]] = -1e4
    net.start(K)
    net.s[:] = 0.7
    for t in range(T):
        net.step(np.random.default_rng(t).normal(size=(P, K, 3)))
    np.testing.assert_allclose(net.s, 0.7, atol=1e-12)


def test_it_computes_what_embedded_rebers_own_network_computed():
    """Before it moved here, embedded-reber had its own implementation of this network (reviewed with
    that stub). tests/data/paper_lstm_reber_1997.npz holds what that code computed: initial weights
    from two seeded trials (3 blocks of 2 cells, init_scale 0.5) and, over 11 symbols, the
    accumulated change and the cell states. The stub's network, now this module, agrees (bit for
    bit on the machine that wrote the file)."""
    er = load_module(ROOT / "embedded-reber" / "embedded_reber.py")
    golden = np.load(ROOT / "tests" / "data" / "paper_lstm_reber_1997.npz")
    net = er.LSTM1997(3, 2, [np.random.default_rng([7, k]) for k in range(2)], init_scale=0.5)
    np.testing.assert_array_equal(net.W, golden["W0"])
    np.testing.assert_array_equal(net.V, golden["V0"])
    codes = golden["codes"]
    for t in range(11):
        net.step(codes[t], codes[t + 1], np.ones(2, bool))
    np.testing.assert_allclose(net.gW, golden["gW"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(net.gV, golden["gV"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(net.s[:, 0], golden["s"], rtol=1e-12, atol=1e-15)


def test_a_frozen_copy_runs_on_its_own_state_and_steps_need_a_start():
    net = bank()
    with pytest.raises(RuntimeError, match="start"):
        net.step(np.zeros((P, K, 3)))
    net.start(K)
    before = net.u.copy()
    frozen = net.frozen([1])
    with pytest.raises(RuntimeError, match="start"):
        frozen.step(np.zeros((1, 4, 3)))
    frozen.start(4, learn=False)
    y = frozen.step(np.ones((1, 2, 3)), streams=2)
    assert y.shape == (1, 2, 2) and np.all(frozen.u[:, 2:, 3:-1] == 0.0)      # the waiting streams did not move
    np.testing.assert_array_equal(net.u, before)
    with pytest.raises(ValueError, match="learn=False"):
        frozen.step(np.ones((1, 4, 3)), target=np.zeros((1, 4, 2)))


@pytest.mark.parametrize("experiment, shape, biases, weights", [
    ("1, 4 x 1", (7, 4, 1, 7), dict(cell_bias=False), 264),
    ("1, 3 x 2", (7, 3, 2, 7), dict(cell_bias=False), 276),
    ("3a", (1, 3, 1, 1), dict(), 102),
    ("4 and 5", (2, 2, 2, 1), dict(output_bias=True), 93),
    ("6a", (8, 2, 2, 4), dict(output_bias=True), 156),
    ("6b", (8, 3, 2, 8), dict(output_bias=True), 308),
])
def test_the_weight_counts_of_table_10(experiment, shape, biases, weights):
    """Hochreiter & Schmidhuber (1997), Table 10: the network sizes of the experiments, counted the
    paper's way (every connection and bias that learns)."""
    net = PaperLSTM(*shape, [np.random.default_rng(0)], **biases)
    assert net.n_weights == weights, experiment


def test_the_weight_count_of_the_continual_reber_net():
    """Gers, Schmidhuber & Cummins (2000), the CERG net: 7 inputs, 4 blocks of 2 cells with forget
    gates reading the inputs and the cell outputs, gates biased, 7 biased outputs with shortcuts
    from the inputs: 424 weights."""
    net = PaperLSTM(7, 4, 2, 7, [np.random.default_rng(0)], forget_gate=True, cell_bias=False,
                    output_bias="random", reads="cells", shortcut=True)
    assert net.n_weights == 424
    with pytest.raises(ValueError, match="reads"):
        PaperLSTM(7, 4, 2, 7, [np.random.default_rng(0)], reads="gates")
    with pytest.raises(ValueError, match="output_bias"):
        PaperLSTM(7, 4, 2, 7, [np.random.default_rng(0)], output_bias="zero")


@pytest.mark.parametrize("forget_gate", [False, True])
def test_symbol_codes_are_one_hot_inputs(forget_gate):
    """step(codes): the same net as on one-hot vectors (to rounding: the sums run in another order),
    and its truncated gradient is again the exact gradient of the stop-gradient twin."""
    rng = np.random.default_rng(6)
    codes = rng.integers(-1, 3, size=(T, P, K))                    # -1: no input at that step
    one_hot = np.vstack([np.eye(3), np.zeros((1, 3))])[codes]
    targets, weights = episode()[1:]
    nets = []
    for x in (one_hot, codes):
        net = bank(forget_gate)
        net.start(K)
        outputs = [net.step(x[t], targets[t], weights[t]) for t in range(T)]
        nets.append((net, np.array(outputs)))
    (dense, y_dense), (coded, y_coded) = nets
    np.testing.assert_allclose(y_coded, y_dense, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(coded.gW, dense.gW, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(coded.gV, dense.gV, rtol=1e-10, atol=1e-13)

    net = bank(forget_gate)
    errors = twin_errors(net, codes, targets, weights)
    assert max(errors.values()) < 1e-6, errors
    with pytest.raises(ValueError, match="codes"):
        net.step(np.full((P, K), 3))
