"""Connectionist temporal classification (Graves, Fernández, Gomez & Schmidhuber 2006, ICML, "Connectionist
temporal classification: labelling unsegmented sequence data with recurrent neural networks").

A network emits, at every frame t, a softmax over K symbols, one of them the blank. A path pi (one symbol per
frame) maps to a labelling by B: merge repeated symbols, then drop blanks (Sec. 3). The probability of a
labelling z is the sum over the paths that map to it, computed by the forward-backward recursions over the
extended labelling z' (z with a blank before, between and after its labels: length 2|z| + 1) (Sec. 4.1).

- ``ctc_loss(logits (B, T, K), labels, lengths, blank)`` -> ``(nll (B,), cache)``: -ln p(z | x) per
  sequence, computed in log space (the paper rescales instead; the two agree, the log form never
  underflows). ``ctc_loss_backward(cache, d_nll (B,))`` -> ``d_logits (B, T, K)``: the gradient with
  respect to the unnormalised outputs u, Sec. 4.2, eq. 16: y_k^t - (1 / p(z|x)) sum over the positions s
  of z' that hold k of alpha_t(s) beta_t(s) / y_k^t (alpha and beta as the paper defines them, each
  including y at t).
- ``best_path_decode(logits, lengths, blank)``: B of the most probable path (Sec. 3.2, eq. 4).
- ``prefix_search_decode(log_probs (T, K), blank, max_expansions)``: the most probable labelling by
  best-first search over prefixes (Sec. 3.2, Fig. 2): exact when it ends within its budget.
- ``collapse(path, blank)``: the map B.
- ``edit_distance(a, b)`` and ``label_error(decoded, targets)``: the label error rate of Sec. 5.1, total
  edit distance (substitutions, insertions, deletions) over the total target length; word error rates
  take word sequences.

Frames past a sequence's length are ignored (their gradient is zero). A labelling needs at least
|z| + (number of adjacent repeats) frames; a shorter sequence is refused.
"""

from __future__ import annotations

import heapq

import numpy as np


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """ln softmax over the last axis."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def collapse(path, blank: int = 0) -> np.ndarray:
    """B: merge runs of the same symbol, then drop blanks (Sec. 3)."""
    path = np.asarray(path, dtype=int)
    if path.size == 0:
        return path
    keep = np.ones(path.size, dtype=bool)
    keep[1:] = path[1:] != path[:-1]
    kept = path[keep]
    return kept[kept != blank]


def _extended(label: np.ndarray, blank: int) -> np.ndarray:
    """z': a blank before, between and after the labels (length 2|z| + 1)."""
    ext = np.full(2 * len(label) + 1, blank, dtype=int)
    ext[1::2] = label
    return ext


def _checked(logits, labels, lengths, blank):
    logits = np.asarray(logits, dtype=float)
    if logits.ndim != 3:
        raise ValueError(f"logits must be (B, T, K), got shape {logits.shape}")
    batch, frames, symbols = logits.shape
    if not 0 <= blank < symbols:
        raise ValueError(f"blank must be a symbol index in [0, {symbols}), got {blank}")
    lengths = np.full(batch, frames) if lengths is None else np.asarray(lengths, dtype=int)
    if lengths.shape != (batch,) or lengths.min(initial=1) < 1 or lengths.max(initial=0) > frames:
        raise ValueError(f"lengths must be {batch} integers in [1, {frames}]")
    if len(labels) != batch:
        raise ValueError(f"need one labelling per sequence: {len(labels)} labellings for {batch} sequences")
    checked = []
    for b, label in enumerate(labels):
        label = np.asarray(label, dtype=int).reshape(-1)
        if label.size and (label.min() < 0 or label.max() >= symbols or (label == blank).any()):
            raise ValueError(f"labelling {b} must hold symbols in [0, {symbols}) other than the blank {blank}")
        needed = label.size + int((label[1:] == label[:-1]).sum())
        if needed > lengths[b]:
            raise ValueError(f"labelling {b} needs at least {needed} frames, the sequence has {lengths[b]}")
        checked.append(label)
    return logits, checked, lengths


def _logsumexp(*terms: np.ndarray) -> np.ndarray:
    stacked = np.stack(terms)
    top = stacked.max(axis=0)
    finite = np.isfinite(top)
    safe = np.where(finite, top, 0.0)
    with np.errstate(divide="ignore"):
        return np.where(finite, safe + np.log(np.exp(stacked - safe).sum(axis=0)), -np.inf)


def _shift(values: np.ndarray, by: int) -> np.ndarray:
    """values moved ``by`` places to higher indices (negative: lower), -inf where nothing arrives."""
    out = np.full_like(values, -np.inf)
    if by > 0:
        out[by:] = values[:-by]
    else:
        out[:by] = values[-by:]
    return out


def _forward_backward(log_y: np.ndarray, ext: np.ndarray, blank: int):
    """ln alpha and ln beta (T, S) for one sequence (the paper's definitions, eqs. 5-11, in log space)."""
    frames, size = log_y.shape[0], ext.size
    emit = log_y[:, ext]                                     # (T, S): ln y_{z'_s}^t
    # a skip from s-2 to s is allowed when z'_s is a label that differs from z'_{s-2} (eq. 6)
    skip = np.zeros(size, dtype=bool)
    skip[2:] = (ext[2:] != blank) & (ext[2:] != ext[:-2])
    log_alpha = np.full((frames, size), -np.inf)
    log_alpha[0, :2] = emit[0, :2]                           # eq. 5: start in the first blank or label
    for t in range(1, frames):
        prev = log_alpha[t - 1]
        from_one = _shift(prev, 1)
        from_two = np.where(skip, _shift(prev, 2), -np.inf)
        log_alpha[t] = _logsumexp(prev, from_one, from_two) + emit[t]
    skip_back = np.zeros(size, dtype=bool)                   # from s+2 to s: the same rule, mirrored
    skip_back[:-2] = skip[2:]
    log_beta = np.full((frames, size), -np.inf)
    log_beta[-1, -2:] = emit[-1, -2:]                        # eq. 9: end in the last label or blank
    for t in range(frames - 2, -1, -1):
        nxt = log_beta[t + 1]
        from_one = _shift(nxt, -1)
        from_two = np.where(skip_back, _shift(nxt, -2), -np.inf)
        log_beta[t] = _logsumexp(nxt, from_one, from_two) + emit[t]
    return log_alpha, log_beta


def ctc_loss(logits, labels, lengths=None, blank: int = 0):
    """-ln p(z | x) for every sequence of a batch; returns ``(nll (B,), cache)``.

    ``logits`` (B, T, K): the unnormalised outputs (the softmax is taken here); ``labels``: B integer
    sequences without blanks; ``lengths`` (B,): frames of each sequence (default T)."""
    logits, labels, lengths = _checked(logits, labels, lengths, blank)
    log_y = log_softmax(logits)
    nll = np.zeros(len(labels))
    lattices = []
    for b, label in enumerate(labels):
        ext = _extended(label, blank)
        log_alpha, log_beta = _forward_backward(log_y[b, :lengths[b]], ext, blank)
        # eq. 8: p(z|x) = alpha_T(|z'|) + alpha_T(|z'| - 1)
        nll[b] = -float(_logsumexp(log_alpha[-1, -1], log_alpha[-1, max(ext.size - 2, 0)])) \
            if ext.size > 1 else -float(log_alpha[-1, -1])
        lattices.append((ext, log_alpha, log_beta))
    return nll, {"log_y": log_y, "lengths": lengths, "lattices": lattices, "nll": nll}


def ctc_loss_backward(cache: dict, d_nll=None) -> np.ndarray:
    """d(sum_b d_nll[b] * nll[b]) / d logits, (B, T, K) (eq. 16; frames past a length get zero)."""
    log_y, lengths, nll = cache["log_y"], cache["lengths"], cache["nll"]
    batch, frames, symbols = log_y.shape
    d_nll = np.ones(batch) if d_nll is None else np.asarray(d_nll, dtype=float).reshape(batch)
    d_logits = np.zeros_like(log_y)
    for b, (ext, log_alpha, log_beta) in enumerate(cache["lattices"]):
        n = lengths[b]
        # alpha_t(s) beta_t(s) counts y_{z'_s}^t twice: divide it out once (eq. 14)
        log_ab = log_alpha + log_beta - log_y[b, :n][:, ext]
        occupancy = np.zeros((n, symbols))
        weights = np.exp(log_ab + nll[b])                     # / p(z|x)
        for s, symbol in enumerate(ext):
            occupancy[:, symbol] += weights[:, s]
        d_logits[b, :n] = d_nll[b] * (np.exp(log_y[b, :n]) - occupancy)
    return d_logits


def best_path_decode(logits, lengths=None, blank: int = 0) -> list[np.ndarray]:
    """B of the most probable path of every sequence (Sec. 3.2, eq. 4)."""
    logits = np.asarray(logits)
    if logits.ndim != 3:
        raise ValueError(f"logits must be (B, T, K), got shape {logits.shape}")
    lengths = np.full(logits.shape[0], logits.shape[1]) if lengths is None else np.asarray(lengths, dtype=int)
    return [collapse(logits[b, :lengths[b]].argmax(axis=-1), blank) for b in range(logits.shape[0])]


def prefix_search_decode(log_probs, blank: int = 0, max_expansions: int = 10_000):
    """The most probable labelling of one sequence by best-first prefix search (Sec. 3.2, Fig. 2).

    ``log_probs`` (T, K): ln y (e.g. ``log_softmax(logits)[b, :length]``). Every prefix keeps
    gamma_t(p, blank) and gamma_t(p, not blank), the probabilities of its paths up to t ending in a blank
    or in its last label; its extension probability bounds every labelling that starts with it, so the
    search stops, exact, when the best complete labelling beats every open prefix. Returns
    ``(labelling, ln p(labelling | x), exact)``; ``exact`` is False when ``max_expansions`` ran out first
    (then the best labelling found so far is returned)."""
    log_probs = np.asarray(log_probs, dtype=float)
    frames, symbols = log_probs.shape
    labels = [k for k in range(symbols) if k != blank]
    # the empty prefix: only blanks so far
    empty_blank = np.cumsum(log_probs[:, blank])
    empty_label = np.full(frames, -np.inf)
    best_labelling, best_log_p = (), float(empty_blank[-1])
    open_prefixes = []                                       # max-heap by ln P(prefix ...) (extension probability)
    counter = 0
    heapq.heappush(open_prefixes, (-0.0, counter, (), empty_blank, empty_label))
    for _ in range(max_expansions):
        if not open_prefixes:
            return np.array(best_labelling, dtype=int), best_log_p, True
        neg_extension, _, prefix, gamma_blank, gamma_label = heapq.heappop(open_prefixes)
        if -neg_extension <= best_log_p:                     # nothing open can beat the best: done
            return np.array(best_labelling, dtype=int), best_log_p, True
        total = np.logaddexp(gamma_blank, gamma_label)
        for k in labels:
            # gamma of prefix + k: a new label k needs a blank before it when k repeats the last label
            reach = gamma_blank if prefix and prefix[-1] == k else total
            new_label = np.full(frames, -np.inf)
            new_blank = np.full(frames, -np.inf)
            new_label[0] = log_probs[0, k] if not prefix else -np.inf
            for t in range(1, frames):
                new_label[t] = np.logaddexp(new_label[t - 1], reach[t - 1]) + log_probs[t, k]
                new_blank[t] = np.logaddexp(new_blank[t - 1], new_label[t - 1]) + log_probs[t, blank]
            labelling = prefix + (k,)
            log_p = float(np.logaddexp(new_label[-1], new_blank[-1]))
            if log_p > best_log_p:
                best_labelling, best_log_p = labelling, log_p
            # P(prefix + k ...): the paths that emit k at some t after reaching the prefix at t-1
            starts = np.concatenate(([log_probs[0, k]] if not prefix else [-np.inf],
                                     reach[:-1] + log_probs[1:, k]))
            extension = float(np.logaddexp.reduce(starts))
            if extension > best_log_p:
                counter += 1
                heapq.heappush(open_prefixes, (-extension, counter, labelling, new_blank, new_label))
    return np.array(best_labelling, dtype=int), best_log_p, False


def token_passing_decode(log_probs, words, blank: int = 0, log_unigram=None, log_bigram=None,
                         lm_weight: float = 1.0, insertion_penalty: float = 0.0):
    """The best sequence of dictionary words for one sequence, by token passing over CTC's outputs
    (Graves, Liwicki, Fernández, Bertolami, Bunke & Schmidhuber 2009, TPAMI 31(5), "A novel connectionist
    system for unconstrained handwriting recognition": CTC token passing with a dictionary and a bigram
    language model; Young, Russell & Thornton 1989 for token passing itself).

    ``log_probs`` (T, K): ln y, as for prefix search. ``words``: the dictionary, V label sequences (no
    blank, each non-empty). ``log_unigram`` (V,): ln p(w) of a first word; ``log_bigram`` (V, V):
    ln p(w | previous word) indexed [previous, w]; None for either contributes 0 (no language model).
    A word sequence W read along a path pi scores sum_t ln y_{pi_t}^t + lm_weight ln p(W)
    + insertion_penalty |W|, and the decoder returns the W and pi of highest score (the best path, not
    the sum over paths, as token passing does): ``(word indices, score)``.

    Every word w has tokens at the states of its extended labelling w' (a blank before, between and after
    its labels, as in the CTC recursions); a token moves as a CTC path does (stay, next state, or skip a
    blank between different labels), and a word's first two states are also entered from the best word
    end of the previous frame (its last label or its final blank) plus the language model's term. One
    refinement keeps B exact: a word whose last label equals the next word's first label hands over only
    through a blank, since the two labels would otherwise merge into one."""
    log_probs = np.asarray(log_probs, dtype=float)
    if log_probs.ndim != 2:
        raise ValueError(f"log_probs must be (T, K), got shape {log_probs.shape}")
    frames, symbols = log_probs.shape
    words = [np.asarray(w, dtype=int) for w in words]
    if not words or any(w.ndim != 1 or w.size == 0 for w in words):
        raise ValueError("words must be a non-empty list of non-empty label sequences")
    if any(((w == blank) | (w < 0) | (w >= symbols)).any() for w in words):
        raise ValueError(f"word labels must lie in 0..{symbols - 1} and differ from the blank {blank}")
    n_words = len(words)
    unigram = np.zeros(n_words) if log_unigram is None else np.asarray(log_unigram, dtype=float)
    bigram = np.zeros((n_words, n_words)) if log_bigram is None else np.asarray(log_bigram, dtype=float)
    if unigram.shape != (n_words,) or bigram.shape != (n_words, n_words):
        raise ValueError(f"log_unigram must be ({n_words},) and log_bigram ({n_words}, {n_words})")

    # the extended labellings, padded to the longest; states past a word's end never hold a token
    sizes = np.array([2 * len(w) + 1 for w in words])
    width = int(sizes.max())
    ext = np.full((n_words, width), blank)
    for i, w in enumerate(words):
        ext[i, 1:2 * len(w):2] = w
    valid = np.arange(width)[None, :] < sizes[:, None]
    skip = np.zeros((n_words, width), bool)              # s - 2 -> s allowed: a label unlike two states back
    skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    rows = np.arange(n_words)
    first = np.array([w[0] for w in words])
    last = np.array([w[-1] for w in words])
    same_letter = last[:, None] == first[None, :]        # [previous, next]: no direct label-to-label handover
    lm_entry = lm_weight * bigram + insertion_penalty
    lm_start = lm_weight * unigram + insertion_penalty

    # history of a word entry: id = (t * 2 + kind) * V + w; parent[t, kind, w] is the previous entry's id
    parent = np.full((frames, 2, n_words), -1, dtype=np.int64)
    score = np.full((n_words, width), -np.inf)
    history = np.full((n_words, width), -1, dtype=np.int64)
    emit = log_probs[:, ext]                             # (T, V, width): ln y of each state's symbol

    def enter(t, entry_blank, entry_label):
        """Word entries at frame t: state 0 (the leading blank) and state 1 (the first label)."""
        for kind, entry in ((0, entry_blank), (1, entry_label)):
            better = entry > score[:, kind]
            score[better, kind] = entry[better]
            history[better, kind] = (t * 2 + kind) * n_words + rows[better]

    entry0 = lm_start.copy()
    parent[0, :, :] = -1
    score[:, 0], score[:, 1] = entry0, entry0
    history[:, 0] = rows
    history[:, 1] = n_words + rows
    score = np.where(valid, score + emit[0], -np.inf)
    for t in range(1, frames):
        # the best word ends of frame t - 1, by the state they end in
        end_blank = score[rows, sizes - 1]
        end_label = score[rows, sizes - 2]
        via_blank = end_blank[:, None] + lm_entry                      # [previous, next]
        via_label = np.where(same_letter, -np.inf, end_label[:, None] + lm_entry)
        best_into_blank = np.maximum(via_blank, end_label[:, None] + lm_entry)
        into_label = np.maximum(via_blank, via_label)
        prev_blank = best_into_blank.argmax(axis=0)
        prev_label = into_label.argmax(axis=0)
        entry_blank = best_into_blank[prev_blank, rows]
        entry_label = into_label[prev_label, rows]
        # which end state (blank or label) of the previous word gave each entry, for its history
        from_blank_state = lambda prev, entry: np.where(  # noqa: E731
            end_blank[prev] + lm_entry[prev, rows] >= entry, history[prev, sizes[prev] - 1],
            history[prev, sizes[prev] - 2])
        parent[t, 0] = from_blank_state(prev_blank, entry_blank)
        parent[t, 1] = from_blank_state(prev_label, entry_label)

        stay, hist_stay = score, history
        step = np.full_like(score, -np.inf)
        step[:, 1:] = score[:, :-1]
        hist_step = np.full_like(history, -1)
        hist_step[:, 1:] = history[:, :-1]
        jump = np.full_like(score, -np.inf)
        jump[:, 2:] = np.where(skip[:, 2:], score[:, :-2], -np.inf)
        hist_jump = np.full_like(history, -1)
        hist_jump[:, 2:] = history[:, :-2]
        new_score = stay.copy()
        new_history = hist_stay.copy()
        for candidate, hist in ((step, hist_step), (jump, hist_jump)):
            better = candidate > new_score
            new_score[better] = candidate[better]
            new_history[better] = hist[better]
        score, history = new_score, new_history
        enter(t, entry_blank, entry_label)
        score = np.where(valid, score + emit[t], -np.inf)

    end_blank = score[rows, sizes - 1]
    end_label = score[rows, sizes - 2]
    ends = np.maximum(end_blank, end_label)
    best = int(ends.argmax())
    if not np.isfinite(ends[best]):
        raise ValueError("no dictionary word fits in this many frames")
    token = history[best, sizes[best] - 1] if end_blank[best] >= end_label[best] else history[best, sizes[best] - 2]
    sequence = []
    while token >= 0:
        t, rest = divmod(int(token), 2 * n_words)
        kind, word = divmod(rest, n_words)
        sequence.append(word)
        token = parent[t, kind, word]
    return sequence[::-1], float(ends[best])


def edit_distance(a, b) -> int:
    """Levenshtein distance between two sequences (substitutions, insertions and deletions cost 1)."""
    a, b = list(a), list(b)
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        diagonal, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (ca != cb))
    return row[-1]


def label_error(decoded, targets) -> float:
    """Total edit distance over total target length (the label error rate, 2006 Sec. 5.1)."""
    total = sum(len(t) for t in targets)
    if total == 0:
        raise ValueError("label_error needs at least one target label")
    return sum(edit_distance(d, t) for d, t in zip(decoded, targets)) / total
