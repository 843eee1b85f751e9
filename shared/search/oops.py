"""OOPS, the Optimal Ordered Problem Solver (Schmidhuber 2004, Machine Learning 54:211-254), language-agnostic.

IDSIA's transcription oopsweb: Try, the depth-first search over self-delimiting programs with backtracking
of the tapes (Sec. 4.1, node19), and Method 3.1 (node12): for each task of a sequence, T/2 on extending the
most recently frozen code (tested on the new task only) and T/2 on fresh programs after all frozen code
(tested on every task so far), T doubling until one solves; the solver is frozen. Moved out of
oops-towers-of-hanoi, which imports it with its records unchanged.

A language is an object with
- ``new_tape(instance, start)``: a fresh tape for one task instance, the instruction pointer at ``start``;
- ``run(tape, code, spans, budget) -> (status, steps)``: run ``code`` from the tape's pointer (``spans``:
  the frozen programs' (start, end) addresses) for at most ``budget`` steps; status SOLVED, NEEDS_TOKEN (the
  pointer ran past the code's end: the program asks for one more token), HALTED or TIMEOUT;
- ``legal(tape, n_frozen)``: the tokens legal at the request, in the order Try tries them (each gets
  probability 1 / their number);
- ``copy(tape)``; optionally ``inert(tape, token)`` (the token is only stored, one step, e.g. inside a
  definition) and ``advance(tape, k)`` (a copy of the tape k stored tokens further), which let Try skip
  copying and running the tape for stored tokens (the same prefixes are explored).

- ``Search(lang, code, spans, instances, start, limit, cap)``: Try, ``solve()``; a prefix of probability P
  gets at most P * limit steps over the ring of instances; ``Exhausted`` when the caller's ``cap`` is spent.
- ``oops(lang, tasks, max_steps, reuse=True)``: Method 3.1 over a task sequence (a task is a list of
  instances); ``reuse=False`` is the baseline with a fresh search per task.
"""

from __future__ import annotations

HALTED, NEEDS_TOKEN, SOLVED, TIMEOUT = 0, 1, 2, 3


class Exhausted(Exception):
    """The run's step budget is spent."""


class Search:
    """Try: depth-first over self-delimiting prefixes with backtracking of the tapes. A prefix of probability
    P may use at most P * T steps in total over the ring of instances; when it asks for a token, each legal
    token t is tried with probability P / (number of legal tokens)."""

    def __init__(self, lang, code, spans, instances, start, limit, cap=None):
        self.lang, self.code, self.spans = lang, code, spans
        self.instances, self.start, self.limit = instances, start, limit
        self.cap = float("inf") if cap is None else cap   # the caller's remaining budget: Exhausted beyond it
        self.steps = 0                # all steps executed in this search (the cost charged to OOPS)
        self.prefixes = 0             # prefixes tried

    def solve(self):
        tape = self.lang.new_tape(self.instances[0], self.start)
        return self._try(1.0, 0, 0, tape)

    def _try(self, p, used, r, tape):
        self.prefixes += 1
        if self.steps > self.cap:
            raise Exhausted
        lang, code = self.lang, self.code
        while True:
            status, s = lang.run(tape, code, self.spans, int(p * self.limit) - used)
            used += s
            self.steps += s
            if status == SOLVED:
                r += 1
                if r == len(self.instances):
                    return True
                tape = lang.new_tape(self.instances[r], self.start)
                continue
            if status != NEEDS_TOKEN:
                return False
            break
        legal = lang.legal(tape, len(self.spans))
        q = p / len(legal)
        if q * self.limit < used + 1:        # not one more step for any child
            return False
        inert = getattr(lang, "inert", None)
        flags = [inert(tape, tok) for tok in legal] if inert is not None else [False] * len(legal)
        for tok, stored in zip(legal, flags):
            code.append(tok)
            if stored:
                ok = self._stored(q, used, r, tape, 1, legal, flags)
            else:
                ok = self._try(q, used, r, lang.copy(tape))
            if ok:
                return True
            code.pop()
        return False

    def _stored(self, p, used, r, tape, k, legal, flags):
        """The same as _try for a prefix whose last k tokens are only stored (one step each, nothing else
        changes: the language's `inert(tape, token)` says so, e.g. tokens inside a definition): the parent's
        tape is shared, not copied, and the legal tokens stay the same, until a token that acts;
        `lang.advance(tape, k)` then copies the tape past the stored tokens."""
        limit = self.limit
        if used >= int(p * limit):
            return False
        used += 1
        self.steps += 1
        self.prefixes += 1
        if self.steps > self.cap:
            raise Exhausted
        q = p / len(legal)
        if q * limit < used + 1:
            return False
        code = self.code
        for tok, stored in zip(legal, flags):
            code.append(tok)
            if stored:
                ok = self._stored(q, used, r, tape, k + 1, legal, flags)
            else:
                ok = self._try(q, used, r, self.lang.advance(tape, k))
            if ok:
                return True
            code.pop()
        return False


def oops(lang, tasks, max_steps: int, reuse: bool = True, log=None):
    """Method 3.1: for each task n (a list of instances), T := 2; spend T/2 on extending the most recent
    frozen code (tested on task n only), T/2 on fresh programs after the frozen code (tested on tasks 1..n),
    double T until one solves, then freeze it. Without `reuse`, no frozen code: a fresh search per task.
    Returns the per-task history; stops when the total cost exceeds max_steps."""
    frozen, spans, a_last = [], [], None
    history, total = [], 0
    for n, instances in enumerate(tasks, start=1):
        limit, found = 2, None
        before = total
        while found is None:
            half = limit // 2
            try:
                if reuse and a_last is not None:
                    code = frozen[:]
                    s = Search(lang, code, spans, instances, a_last, half, max_steps - total)
                    try:
                        ok = s.solve()
                    finally:
                        total += s.steps
                    if ok:
                        found = ("extend", code)
                if found is None:
                    code = frozen[:] if reuse else []
                    s = Search(lang, code, spans if reuse else [], all_instances(tasks, n), len(code), half,
                               max_steps - total)
                    try:
                        ok = s.solve()
                    finally:
                        total += s.steps
                    if ok:
                        found = ("fresh", code)
            except Exhausted:
                history.append({"task": n, "solved": False, "steps": total - before, "limit": limit})
                return history
            if found is None:
                limit *= 2
        how, code = found
        start = a_last if how == "extend" else len(frozen)
        new = code[len(frozen):] if reuse else code
        if reuse:
            if how == "extend" and not new:
                pass                          # the frozen code solves task n as it is
            else:
                if how == "extend" and spans and spans[-1][0] == a_last:
                    spans[-1] = (a_last, len(code))
                else:
                    spans.append((start, len(code)))
                frozen[:] = code
                a_last = start
            program = frozen[a_last:]
        else:
            program = code
        history.append({"task": n, "solved": True, "how": how, "steps": total - before, "limit": limit,
                        "program": list(program), "new_tokens": len(new), "total_steps": total,
                        "n_frozen": len(spans),
                        # what runs the program where it calls frozen programs: the whole code from its start
                        "code": list(frozen if reuse else code), "start": a_last if reuse else 0,
                        "spans": list(spans) if reuse else []})
        if log:
            log(history[-1])
    return history


def all_instances(tasks, n):
    seen = []
    for t in tasks[:n]:
        for i in t:
            if i not in seen:
                seen.append(i)
    return seen
