"""The flip-flop task learned through a differentiable world model (Schmidhuber 1990).

A controller C sees, at every step, one of three events A, B, X (one-hot), a constant bias
input and the pain it felt on the previous step. It emits one real-valued action y in (0, 1).
The environment wants y = 1 iff a B has occurred since the most recent A (a latch: A resets,
B sets, X changes nothing) and answers with pain = (y - desired)^2. C never sees the desired
value. A second recurrent network, the model M, learns to predict the pain from the same
observations plus C's action. C is then trained without any target: the pain M predicts for
a whole episode is differentiated through M (whose weights stay fixed during C's update)
with respect to C's actions, and from there through C by backpropagation through time.

Two regimes (our reading of the paper's "sequential" and "parallel" training):
  sequential  M first learns from episodes of the randomly initialised, exploring C; then M
              is frozen and C learns through it.
  parallel    every iteration, one batch of episodes of the exploring C trains M and then C
              (through the M of that moment), from the very first iteration.

Both nets are small fully recurrent tanh networks with a read-out unit, trained by BPTT
(the paper used RTRL; on fixed-length episodes both give the same gradient). A run is solved
when the deterministic C keeps the pain below 0.01 at every step of 20 fixed test episodes.
The paper reports 6 of 10 sequential and 20 of 30 parallel runs solving the task.

Run:  python3 flip-flop/flip_flop.py --seed 0 --n-seeds 10 --record
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace

import shared  # first: it pins the BLAS and SIMD kernels before numpy loads (shared/__init__.py)

import numpy as np

from shared.experiment import (Progress, format_table, format_value, nonnegative_float, positive_float,
                               positive_int, print_verdict, save_record, stub_parser, summarize)
from shared.gradcheck import check_gradients
from shared.odyssnet import OdyssNet
from shared.odyssnet.trainer import no_decay_names
from shared.optim import Adam, AdamW, clip_global_norm

# ----------------------------------------------------------------------------------------
# The environment: events, the latch, pain.
# ----------------------------------------------------------------------------------------

EVENTS = ("A", "B", "X")
N_OBS = 5          # (A, B, X, bias, pain of the previous step)
PAPER = {"sequential": {"solved": 6, "runs": 10}, "parallel": {"solved": 20, "runs": 30}}
SOLVE_PAIN = 0.01  # a test step counts as right when its pain is below this (|y - desired| < 0.1)


def sample_events(rng: np.random.Generator, batch: int, steps: int, p_a: float, p_b: float) -> np.ndarray:
    """(batch, steps) event indices: A with p_a, B with p_b, the distractor X otherwise."""
    return rng.choice(3, size=(batch, steps), p=[p_a, p_b, 1.0 - p_a - p_b])


def latch(events: np.ndarray) -> np.ndarray:
    """Desired output (batch, steps): 1 iff a B has occurred since the last A (0 before any event)."""
    desired = np.zeros(events.shape)
    state = np.zeros(events.shape[0])
    for t in range(events.shape[1]):
        state = np.where(events[:, t] == 0, 0.0, np.where(events[:, t] == 1, 1.0, state))
        desired[:, t] = state
    return desired


def observation(events_t: np.ndarray, pain_before: np.ndarray) -> np.ndarray:
    """(batch, N_OBS): one-hot event, bias 1, previous pain."""
    obs = np.zeros((events_t.shape[0], N_OBS))
    obs[np.arange(events_t.shape[0]), events_t] = 1.0
    obs[:, 3] = 1.0
    obs[:, 4] = pain_before
    return obs


def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


# ----------------------------------------------------------------------------------------
# The networks: a fully recurrent tanh layer with a linear read-out unit, BPTT by hand.
# h_t = tanh(x_t W + h_{t-1} U + b), out_t = h_t v + c. The backward also returns dL/dx,
# which is how the gradient of M's predicted pain reaches C's action.
# ----------------------------------------------------------------------------------------


class RecurrentNet:
    def __init__(self, n_in: int, n_hidden: int, rng: np.random.Generator, init_scale: float = 1.0):
        self.params = {
            "W": rng.normal(0.0, init_scale / np.sqrt(n_in), (n_in, n_hidden)),
            "U": rng.normal(0.0, init_scale / np.sqrt(n_hidden), (n_hidden, n_hidden)),
            "b": np.zeros(n_hidden),
            "v": rng.normal(0.0, 1.0 / np.sqrt(n_hidden), n_hidden),
            "c": np.zeros(()),
        }
        self.cache = None

    def initial_state(self, batch: int) -> np.ndarray:
        return np.zeros((batch, self.params["U"].shape[0]))

    def step(self, h: np.ndarray, x_t: np.ndarray):
        """One step: (B, H), (B, D) -> new state (B, H), read-out (B,)."""
        p = self.params
        h = np.tanh(x_t @ p["W"] + h @ p["U"] + p["b"])
        return h, h @ p["v"] + p["c"]

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x (B, T, D) -> read-out (B, T); keeps what backward needs."""
        p = self.params
        batch, steps, _ = x.shape
        drive = np.swapaxes(x, 0, 1) @ p["W"] + p["b"]               # (T, B, H): input part of every step
        hs = np.empty((steps + 1, batch, p["U"].shape[0]))
        hs[0] = self.initial_state(batch)
        for t in range(steps):
            hs[t + 1] = np.tanh(drive[t] + hs[t] @ p["U"])
        self.cache = (x, hs)
        return (hs[1:] @ p["v"]).T + p["c"]

    def backward(self, d_out: np.ndarray, truncate: bool = False):
        """d_out (B, T) -> (gradients keyed like params, dL/dx (B, T, D)).

        truncate=True drops the gradient that flows back through the recurrent state, so
        dL/dx_t only sees the read-out of the same step (the paper's cheap shortcut).
        """
        x, hs = self.cache
        p = self.params
        d_h_out = d_out.T[:, :, None] * p["v"]                      # (T, B, H) from the read-out
        slope = 1.0 - hs[1:] ** 2
        da = np.empty_like(slope)
        dh_next = np.zeros_like(hs[0])
        for t in range(x.shape[1] - 1, -1, -1):
            da[t] = (d_h_out[t] + dh_next) * slope[t]
            if not truncate:
                dh_next = da[t] @ p["U"].T
        n_hidden = slope.shape[-1]
        flat_da = da.reshape(-1, n_hidden)
        flat_x = np.swapaxes(x, 0, 1).reshape(flat_da.shape[0], -1)
        grads = {"W": flat_x.T @ flat_da, "U": hs[:-1].reshape(-1, n_hidden).T @ flat_da,
                 "b": flat_da.sum(axis=0), "v": d_out.T.reshape(-1) @ hs[1:].reshape(-1, n_hidden),
                 "c": np.sum(d_out)}
        dx = np.swapaxes(da @ p["W"].T, 0, 1)
        return grads, dx


# ----------------------------------------------------------------------------------------
# Episodes: C acts in the environment step by step (the pain it feels is its next input).
# Exploration: the action is sigmoid(read-out) + Gaussian noise, a probabilistic output unit.
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    regime: str = "sequential"
    hidden_c: int = 16
    hidden_m: int = 16
    steps: int = 30             # time steps per training episode
    batch: int = 16             # episodes per iteration
    p_a: float = 0.1
    p_b: float = 0.1
    explore: float = 0.3        # std of the Gaussian noise added to C's action
    lr_c: float = 1e-2
    lr_m: float = 1e-2
    model_iters: int = 800      # sequential: iterations that train M before C starts
    budget: int = 1_000_000     # environment time steps per run (the paper's 10^6)
    eval_every: int = 25        # iterations between checks on the test episodes
    test_episodes: int = 20
    test_steps: int = 60
    c_grad: str = "full"        # "full": BPTT through M's state; "local": same-step only
    model_c: str = "rnn"        # "rnn" or "odyssnet"
    model_m: str = "rnn"
    thinking_c: int = 2         # OdyssNet thinking steps per input step, as C
    thinking_m: int = 4         # ... and as M
    odyssnet_neurons: int = 16


def rollout(controller, events: np.ndarray, desired: np.ndarray, noise: np.ndarray):
    """Let C act for a batch of episodes. Returns observations (B, T, 5), actions (B, T), pain (B, T)."""
    batch, steps = events.shape
    obs = np.zeros((batch, steps, N_OBS))
    actions = np.zeros((batch, steps))
    pain = np.zeros((batch, steps))
    state = controller.initial_state(batch)
    felt = np.zeros(batch)
    for t in range(steps):
        obs[:, t] = observation(events[:, t], felt)
        state, out = controller.step(state, obs[:, t])
        actions[:, t] = sigmoid(out) + noise[:, t]
        felt = pain[:, t] = (actions[:, t] - desired[:, t]) ** 2
    return obs, actions, pain


def model_input(obs: np.ndarray, actions: np.ndarray) -> np.ndarray:
    return np.concatenate([obs, actions[..., None]], axis=-1)


# ----------------------------------------------------------------------------------------
# OdyssNet cores in the same loop: the catalog's OdyssNet as C or as M, behind the same
# step / forward / backward interface (stream mode, `thinking` steps per input step).
# ----------------------------------------------------------------------------------------


class OdyssNetCore:
    def __init__(self, n_in: int, neurons: int, thinking: int, seed_seq):
        self.model = OdyssNet(neurons, range(n_in), [neurons - 1], pulse_mode=False,
                              rng=np.random.default_rng(seed_seq))
        self.params = self.model.params
        self.n_in, self.thinking = n_in, thinking

    def _dense(self, x):
        dense = np.zeros((*x.shape[:-1], self.model.num_neurons))
        dense[..., : self.n_in] = x
        return dense

    def initial_state(self, batch: int) -> np.ndarray:
        return np.zeros((batch, self.model.num_neurons))

    def step(self, h, x_t):
        all_states, h = self.model.forward(self._dense(x_t)[:, None], self.thinking, current_state=h)
        return h, all_states[:, -1, self.model.output_ids[0]]

    def forward(self, x):
        all_states, _ = self.model.forward(self._dense(x), self.thinking * x.shape[1])
        self._shape = all_states.shape
        return all_states[:, :, self.model.output_ids[0]]

    def backward(self, d_out, truncate=False):
        if truncate:
            raise ValueError("the local (truncated) gradient is implemented for the RNN only")
        d_all = np.zeros(self._shape)
        d_all[:, :, self.model.output_ids[0]] = d_out
        grads = self.model.backward(d_all)
        return grads, self.model.input_grad[..., : self.n_in]


def make_net(kind: str, n_in: int, hidden: int, cfg: Config, seed_seq):
    if kind == "odyssnet":
        thinking = cfg.thinking_c if n_in == N_OBS else cfg.thinking_m
        return OdyssNetCore(n_in, cfg.odyssnet_neurons, thinking, seed_seq)
    return RecurrentNet(n_in, hidden, np.random.default_rng(seed_seq))


def make_optimizer(net, lr):
    if isinstance(net, OdyssNetCore):     # AdamW and decay exemptions as in OdyssNetTrainer
        return AdamW(net.params, lr=lr, weight_decay=0.01, no_decay=no_decay_names(net.params))
    return Adam(net.params, lr=lr)


def apply(net, optimizer, grads):
    clip_global_norm(grads, 1.0)
    optimizer.step(grads)
    if isinstance(net, OdyssNetCore):
        np.fill_diagonal(net.params["W"], 0.0)


# ----------------------------------------------------------------------------------------
# The two updates. M: regression of the actual pain. C: minimise the sum of M's predicted
# pain over the episode, differentiated through M (M's weights untouched) into C.
# ----------------------------------------------------------------------------------------


def model_update(model, optimizer, obs, actions, pain) -> float:
    pred = model.forward(model_input(obs, actions))
    err = pred - pain
    grads, _ = model.backward(2.0 * err / err.size)
    apply(model, optimizer, grads)
    return float(np.mean(err ** 2))


def controller_gradients(controller, model, obs, noise, truncate=False):
    """Gradients of C's parameters from M's predicted pain; also returns that predicted pain."""
    mean = sigmoid(controller.forward(obs))
    pred = model.forward(model_input(obs, mean + noise))
    batch = obs.shape[0]
    _, d_input = model.backward(np.full(pred.shape, 1.0 / batch), truncate=truncate)
    d_actions = d_input[..., -1]
    grads, _ = controller.backward(d_actions * mean * (1.0 - mean))
    return grads, float(pred.sum() / batch)


def evaluate(controller, events, desired) -> dict:
    """Deterministic C on the test episodes: the worst per-step pain and the share of right steps."""
    _, actions, pain = rollout(controller, events, desired, np.zeros(events.shape))
    return {"max_pain": float(pain.max()), "mean_pain": float(pain.mean()),
            "right": float(np.mean(pain < SOLVE_PAIN)), "actions": actions}


def test_set(cfg: Config):
    rng = np.random.default_rng(20261990)   # the same test episodes for every seed
    events = sample_events(rng, cfg.test_episodes, cfg.test_steps, cfg.p_a, cfg.p_b)
    return events, latch(events)


def train(seed: int, cfg: Config, keep_curve: bool = False, snapshot_every: int = 0, progress=None) -> dict:
    """One run. Returns steps to solve (environment time steps, None if never), curves, nets."""
    seeds = np.random.SeedSequence(seed).spawn(4)
    controller = make_net(cfg.model_c, N_OBS, cfg.hidden_c, cfg, seeds[0])
    model = make_net(cfg.model_m, N_OBS + 1, cfg.hidden_m, cfg, seeds[1])
    env_rng, noise_rng = np.random.default_rng(seeds[2]), np.random.default_rng(seeds[3])
    opt_c, opt_m = make_optimizer(controller, cfg.lr_c), make_optimizer(model, cfg.lr_m)
    test_events, test_desired = test_set(cfg)
    per_iter = cfg.batch * cfg.steps
    iterations = cfg.budget // per_iter
    truncate = cfg.c_grad == "local"
    curve, snapshots = [], []
    solved_at, used = None, 0
    m_loss = c_loss = float("nan")
    for it in range(1, iterations + 1):
        events = sample_events(env_rng, cfg.batch, cfg.steps, cfg.p_a, cfg.p_b)
        desired = latch(events)
        noise = noise_rng.normal(0.0, cfg.explore, events.shape)
        obs, actions, pain = rollout(controller, events, desired, noise)
        used += per_iter
        learn_model = cfg.regime == "parallel" or it <= cfg.model_iters
        learn_controller = cfg.regime == "parallel" or it > cfg.model_iters
        if learn_model:
            m_loss = model_update(model, opt_m, obs, actions, pain)
        if learn_controller:
            grads, c_loss = controller_gradients(controller, model, obs, noise, truncate)
            apply(controller, opt_c, grads)
        if it % cfg.eval_every == 0 or it == iterations:
            test = evaluate(controller, test_events, test_desired)
            if keep_curve:
                curve.append({"steps": used, "model_loss": m_loss, "predicted_pain": c_loss,
                              "train_pain": float(pain.mean()), "test_max_pain": test["max_pain"],
                              "test_mean_pain": test["mean_pain"], "test_right": test["right"]})
            if snapshot_every and (it // cfg.eval_every) % snapshot_every == 0:
                obs1, actions1, pain1 = rollout(controller, test_events[:1], test_desired[:1],
                                                np.zeros((1, cfg.test_steps)))
                predicted1 = model.forward(model_input(obs1, actions1))
                snapshots.append({"steps": used, "actions": actions1[0], "pain": pain1[0],
                                  "predicted": predicted1[0], "max_pain": test["max_pain"]})
            if progress is not None:
                progress.update(it, model_loss=m_loss, test_max_pain=test["max_pain"])
            if learn_controller and test["max_pain"] < SOLVE_PAIN:
                solved_at = used
                break
    final = evaluate(controller, test_events, test_desired)
    return {"solved": solved_at is not None, "steps_to_solve": solved_at, "steps_used": used,
            "test_right": final["right"], "test_max_pain": final["max_pain"], "model_loss": m_loss,
            "curve": curve, "snapshots": snapshots, "controller": controller, "model": model}


# ----------------------------------------------------------------------------------------
# Gradient checks: the hand-written BPTT (parameters and dL/dx) and the whole chain from M's
# predicted pain back into C's parameters, for the RNN and for the OdyssNet cores.
# ----------------------------------------------------------------------------------------


def gradient_errors(seed: int = 0) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    net = RecurrentNet(4, 5, rng, init_scale=1.5)
    x = rng.normal(size=(3, 6, 4))
    weight = rng.normal(size=(3, 6))

    def net_loss():
        return float(np.sum(np.sin(net.forward(x)) * weight))

    out = net.forward(x)
    grads, dx = net.backward(np.cos(out) * weight)
    errors = {f"rnn {k}": v for k, v in check_gradients(net_loss, {**net.params, "x": x}, {**grads, "x": dx}).items()}

    cfg = Config(hidden_c=5, hidden_m=4, odyssnet_neurons=9)
    events = sample_events(rng, 3, 7, 0.3, 0.3)
    obs, _, _ = rollout(RecurrentNet(N_OBS, 5, rng), events, latch(events), np.zeros(events.shape))
    noise = rng.normal(0.0, 0.3, events.shape)
    for c_kind, m_kind in (("rnn", "rnn"), ("odyssnet", "rnn"), ("rnn", "odyssnet")):
        controller = make_net(c_kind, N_OBS, cfg.hidden_c, cfg, np.random.SeedSequence([seed, 1]))
        model = make_net(m_kind, N_OBS + 1, cfg.hidden_m, cfg, np.random.SeedSequence([seed, 2]))
        if m_kind == "rnn":     # a less smooth model than at initialisation, so the check bites
            model.params["W"] *= 2.0

        def chain_loss():
            actions = sigmoid(controller.forward(obs)) + noise
            return float(model.forward(model_input(obs, actions)).sum() / obs.shape[0])

        grads, _ = controller_gradients(controller, model, obs, noise)
        entries = {}
        if c_kind == "odyssnet":
            n = controller.params["W"].shape[0]
            entries["W"] = np.flatnonzero(~np.eye(n, dtype=bool))
        checked = check_gradients(chain_loss, controller.params, grads, entries=entries, max_entries=40, rng=rng)
        errors.update({f"chain C={c_kind} M={m_kind} {k}": v for k, v in checked.items()})
    return errors


# ----------------------------------------------------------------------------------------
# Sweeps, tables, verdict, command line
# ----------------------------------------------------------------------------------------

REGIMES = ("sequential", "parallel")
ROW_KEYS = ("solved", "steps_to_solve", "test_right", "test_max_pain", "model_loss")


class _Offset:
    """Progress of one seed inside a sweep: shifts the iteration count by the seeds before it."""

    def __init__(self, progress: Progress, offset: int):
        self.progress, self.offset = progress, offset

    def update(self, step: int, **metrics) -> None:
        self.progress.update(self.offset + step, **metrics)


def run_regime(cfg: Config, seeds: list[int], label: str) -> dict:
    """Train one run per seed; rows and the summary of steps to solve (over solved runs)."""
    rows = []
    iterations = cfg.budget // (cfg.batch * cfg.steps)
    progress = Progress(iterations * len(seeds), label=f"{label}, iteration (all seeds)")
    for i, seed in enumerate(seeds):
        result = train(seed, cfg, progress=_Offset(progress, i * iterations))
        rows.append({"seed": seed, "regime": cfg.regime, **{k: result[k] for k in ROW_KEYS}})
    print(f"\n{label}:")
    print(format_table(["seed", *ROW_KEYS], [[r["seed"], *[r[k] for k in ROW_KEYS]] for r in rows]))
    summary = summarize([r["steps_to_solve"] for r in rows], [r["solved"] for r in rows])
    print(f"solved {summary['n_solved']}/{summary['n_runs']}; steps to solve: mean "
          f"{format_value(summary['mean'])}, median {format_value(summary['median'])}")
    return {"rows": rows, "summary": summary}


def regime_row(name: str, result: dict, paper: dict | None) -> list:
    s = result["summary"]
    paper_text = f"{paper['solved']}/{paper['runs']}" if paper else "-"
    return [name, f"{s['n_solved']}/{s['n_runs']}", paper_text, s["mean"], s["median"],
            float(np.mean([r["test_right"] for r in result["rows"]]))]


REGIME_COLUMNS = ["run", "solved", "paper", "mean steps to solve", "median steps to solve",
                  "mean share of test steps right"]


def verdict_for(results: dict) -> tuple[str, str]:
    """Each regime 'reproduces' when its solve rate is at least the paper's minus 0.2 (10-seed noise)."""
    ok, notes = [], []
    for regime, result in results.items():
        s, paper = result["summary"], PAPER[regime]
        rate = paper["solved"] / paper["runs"]
        ok.append(s["solve_rate"] >= rate - 0.2)
        notes.append(f"{regime} {s['n_solved']}/{s['n_runs']} (paper {paper['solved']}/{paper['runs']})")
    any_solved = any(r["summary"]["n_solved"] > 0 for r in results.values())
    if all(ok) and len(results) == 2:
        return "yes", "; ".join(notes) + ": each regime solves at least the paper's rate minus 0.2"
    if any_solved:
        return "partial", "; ".join(notes) + ": not every regime reaches the paper's solve rate minus 0.2"
    return "no", "; ".join(notes) + ": no run learned the latch through M"


def regime_configs(args) -> dict[str, Config]:
    base = Config(hidden_c=args.hidden, hidden_m=args.hidden, steps=args.steps, batch=args.batch,
                  explore=args.explore, lr_c=args.lr_c, lr_m=args.lr_m, model_iters=args.model_iters,
                  budget=args.budget, c_grad=args.c_grad)
    if args.quick:
        iterations = 12 if args.model == "odyssnet" else 40
        base = replace(base, budget=min(base.budget, iterations * base.batch * base.steps),
                       model_iters=min(base.model_iters, 15), eval_every=10, test_episodes=5)
    names = REGIMES if args.regime == "both" else (args.regime,)
    return {name: replace(base, regime=name) for name in names}


def parse_args(argv=None):
    parser = stub_parser(__file__, __doc__, quick="reduced run for tests: at most 2 seeds, a budget of "
                         "40 iterations per run (M's phase 15), 5 test episodes")
    parser.add_argument("--model", choices=["rnn", "odyssnet"], default="rnn",
                        help="rnn: the paper's setting, fully recurrent tanh nets as C and M (default); odyssnet: "
                             "the catalog's OdyssNet core as C (M an RNN) and, separately, as M (C an RNN)")
    parser.add_argument("--regime", choices=["sequential", "parallel", "both"], default="both",
                        help="sequential: M learns first, then C through the frozen M; parallel: both learn "
                             "together from the start; both (default)")
    parser.add_argument("--c-grad", choices=["full", "local"], default="full",
                        help="full: C's gradient is BPTT through M's recurrent state (default); local: only the "
                             "same-step derivative d pred_t / d y_t (the truncated shortcut)")
    parser.add_argument("--hidden", type=positive_int, default=Config.hidden_c, help="hidden units of C and of M")
    parser.add_argument("--steps", type=positive_int, default=Config.steps, help="time steps per training episode")
    parser.add_argument("--batch", type=positive_int, default=Config.batch, help="episodes per iteration")
    parser.add_argument("--explore", type=nonnegative_float, default=Config.explore,
                        help="std of the Gaussian exploration noise on C's action")
    parser.add_argument("--lr-c", type=positive_float, default=Config.lr_c, help="Adam step size of C")
    parser.add_argument("--lr-m", type=positive_float, default=Config.lr_m, help="Adam step size of M")
    parser.add_argument("--model-iters", type=positive_int, default=Config.model_iters,
                        help="sequential regime: iterations that train M before C starts")
    parser.add_argument("--budget", type=positive_int, default=Config.budget,
                        help="environment time steps per run (default 10^6, the paper's)")
    parser.add_argument("--gradcheck", action="store_true",
                        help="check the hand-written gradients numerically, print the largest relative error "
                             "and exit (non-zero above 1e-6)")
    args = parser.parse_args(argv)
    if args.budget < args.batch * args.steps:
        parser.error("--budget must cover at least one iteration (batch * steps time steps)")
    if args.regime != "parallel" and args.model_iters * args.batch * args.steps >= args.budget and not args.quick:
        parser.error("--model-iters leaves no budget for C in the sequential regime")
    if args.model == "odyssnet" and args.c_grad == "local":
        parser.error("--c-grad local is implemented for the RNN model only")
    return args


def gradcheck_main() -> int:
    errors = gradient_errors()
    for name, err in errors.items():
        print(f"  {name:45s} {err:.2e}")
    worst = max(errors.values())
    print(f"max relative error {worst:.2e}")
    return 0 if worst <= 1e-6 else 1


def per_seed_table(results: dict, title: str) -> dict:
    names = list(results)
    seeds = [r["seed"] for r in results[names[0]]["rows"]]
    rows = []
    for i, seed in enumerate(seeds):
        row = [seed]
        for name in names:
            r = results[name]["rows"][i]
            row += [r["steps_to_solve"] if r["solved"] else "unsolved", r["test_right"]]
        rows.append(row)
    columns = ["seed"] + [c for name in names for c in (f"{name}: steps to solve", f"{name}: test steps right")]
    return {"title": title, "columns": columns, "rows": rows}


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.gradcheck:
        return gradcheck_main()
    if args.quick:
        args.n_seeds = min(args.n_seeds, 2)
    clock = Progress(1)
    seeds = list(range(args.seed, args.seed + args.n_seeds))
    configs = regime_configs(args)
    budget = next(iter(configs.values())).budget
    if args.model == "odyssnet":
        return odyssnet_main(args, configs, seeds, clock)

    print(f"flip-flop through a world model: C and M with {args.hidden} hidden units, episodes of {args.steps} "
          f"steps x {args.batch}, budget {budget} steps, C's gradient {args.c_grad}, seeds {seeds[0]}..{seeds[-1]}")
    results = {name: run_regime(cfg, seeds, f"{name} regime") for name, cfg in configs.items()}
    verdict, reason = verdict_for(results)
    measured, headline = {}, {}
    for name, result in results.items():
        s = result["summary"]
        measured[f"{name}: seeds solved"] = f"{s['n_solved']}/{s['n_runs']}"
        measured[f"{name}: median steps to solve"] = s["median"]
        headline[f"{name}_solved"] = f"{s['n_solved']}/{s['n_runs']}"
        headline[f"{name}_mean_steps_to_solve"] = s["mean"]
        headline[f"{name}_median_steps_to_solve"] = s["median"]
        headline[f"{name}_seed{seeds[0]}_steps_to_solve"] = result["rows"][0]["steps_to_solve"]
    print_verdict(measured, {"sequential: runs solved": "6/10", "parallel: runs solved": "20/30",
                             "training budget (steps)": 1_000_000}, verdict, reason)
    if not args.record:
        return 0
    label = "full BPTT through M" if args.c_grad == "full" else "same-step gradient only (truncated)"
    tables = [{"title": f"Runs solved within {budget} environment steps ({label}; solved: pain < {SOLVE_PAIN} at "
                        f"every step of {next(iter(configs.values())).test_episodes} test episodes)",
               "columns": REGIME_COLUMNS,
               "rows": [regime_row(f"{name}, RNN C and M", r, PAPER[name]) for name, r in results.items()]},
              per_seed_table(results, f"Per seed ({label}): environment steps to solve and the share of test "
                                      f"steps right at the end")]
    rows = [r for result in results.values() for r in result["rows"]]
    all_summary = summarize([r["steps_to_solve"] for r in rows], [r["solved"] for r in rows])
    seeds_record = {"per_seed": rows, "summary": {**all_summary, "metric": "steps_to_solve"}}
    summary = ", ".join(f"{name} {r['summary']['n_solved']}/{r['summary']['n_runs']}" for name, r in results.items())
    medians = ", ".join(f"{format_value(r['summary']['median'])}" for r in results.values())
    record_summary = (f"runs solved through the learned world model: {summary} (paper 6/10, 20/30); median "
                      f"steps to solve {medians}")
    if args.c_grad == "local":
        save_record(args.record, {"summary": record_summary, "headline": headline, "seeds": seeds_record,
                                  "tables": tables, "wallclock_s": clock.elapsed}, __file__, section="truncated")
        return 0
    record = {
        "slug": "flip-flop",
        "paper": {"citation": "Schmidhuber (1990). Making the world differentiable: on using self-supervised fully "
                              "recurrent neural networks for dynamic reinforcement learning and planning in "
                              "non-stationary environments. TU München FKI-126-90; also IJCNN 1990.",
                  "claim": "a controller trained only through a learned recurrent model of its pain learns the "
                           "flip-flop in 6/10 runs (sequential) and 20/30 runs (parallel)",
                  "numbers": PAPER},
        "verdict": {"value": verdict, "reason": reason},
        "summary": record_summary,
        "headline": headline,
        "seeds": seeds_record,
        "tables": tables,
        "tour": "Seed 0, parallel regime: C's output on one test episode against the latch it never sees, "
                "with M's predicted pain, as training proceeds.",
        "wallclock_s": clock.elapsed,
    }
    save_record(args.record, record, __file__)
    return 0


def odyssnet_main(args, configs: dict, seeds: list[int], clock) -> int:
    """OdyssNet as C (M an RNN), then OdyssNet as M (C an RNN), in the same loop and budget."""
    variants = {"OdyssNet as C, RNN as M": {"model_c": "odyssnet"},
                "RNN as C, OdyssNet as M": {"model_m": "odyssnet"}}
    table_rows, headline, rows = [], {}, []
    for variant, change in variants.items():
        for name, cfg in configs.items():
            result = run_regime(replace(cfg, **change), seeds, f"{variant}, {name} regime")
            table_rows.append(regime_row(f"{name}, {variant}", result, PAPER[name]))
            s = result["summary"]
            key = ("odyssnet_c" if "model_c" in change else "odyssnet_m") + f"_{name}"
            headline[f"{key}_solved"] = f"{s['n_solved']}/{s['n_runs']}"
            headline[f"{key}_median_steps_to_solve"] = s["median"]
            rows += [{**r, "variant": variant} for r in result["rows"]]
    print_verdict({k: v for k, v in headline.items()}, {"sequential: runs solved": "6/10",
                                                       "parallel: runs solved": "20/30"},
                  None, "a comparison run: the paper's claim is about its own recurrent nets (--model rnn)")
    if args.record:
        cfg = next(iter(configs.values()))
        summary = summarize([r["steps_to_solve"] for r in rows], [r["solved"] for r in rows])
        text = "; ".join(f"{row[0]} {row[1]}" for row in table_rows)
        save_record(args.record, {
            "summary": f"OdyssNet in the world-model loop: {text}",
            "headline": headline,
            "seeds": {"per_seed": rows, "summary": {**summary, "metric": "steps_to_solve"}},
            "tables": [{"title": f"OdyssNet ({cfg.odyssnet_neurons} neurons; {cfg.thinking_c} thinking steps per "
                                 f"input step as C, {cfg.thinking_m} as M) in place of C or of M, same loop, "
                                 f"episodes and budget ({cfg.budget} steps)",
                        "columns": REGIME_COLUMNS, "rows": table_rows}],
            "wallclock_s": clock.elapsed}, __file__, section="odyssnet")
    return 0


if __name__ == "__main__":
    sys.exit(main())
