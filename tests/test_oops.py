"""shared.search.oops: Try and Method 3.1 on a toy language (the Hanoi language is tested with its problem)."""

from shared.search import oops


class Echo:
    """A toy language: every token is written to the output; instance = the target string."""

    class T:
        def __init__(self, target, start):
            self.target, self.out, self.ip = target, [], start

    def __init__(self, k=3):
        self.k = k

    def new_tape(self, instance, start):
        return Echo.T(instance, start)

    def copy(self, tape):
        return self._copy(tape)

    @staticmethod
    def _copy(tape):
        t = Echo.T(tape.target, tape.ip)
        t.out = tape.out[:]
        return t

    def legal(self, tape, n_frozen):
        return list(range(self.k))

    def run(self, tape, code, spans, budget):
        steps = 0
        while True:
            if tape.out == list(tape.target[:len(tape.out)]) and len(tape.out) == len(tape.target):
                return oops.SOLVED, steps
            if tape.ip >= len(code):
                return oops.NEEDS_TOKEN, steps
            if steps >= budget:
                return oops.TIMEOUT, steps
            tape.out.append(code[tape.ip])
            tape.ip += 1
            steps += 1


def test_try_finds_a_string_within_its_levin_bound():
    lang = Echo(3)
    s = oops.Search(lang, [], [], [(2, 0, 1)], 0, 3 ** 3 * 3)
    assert s.solve() and s.code == [2, 0, 1]
    s = oops.Search(lang, [], [], [(2, 0, 1)], 0, 3 ** 3 * 3 - 1)    # P * T = 3 steps needed: one short
    assert not s.solve()


def test_oops_extends_the_frozen_prefix():
    """Task 2's target extends task 1's: step 2 finds it as a 1-token prolongation of the frozen code."""
    hist = oops.oops(Echo(3), [[(1, 2)], [(1, 2, 0)]], 10 ** 6)
    assert hist[0]["program"] == [1, 2] and hist[1]["how"] == "extend" and hist[1]["program"] == [1, 2, 0]
    assert hist[1]["new_tokens"] == 1


def test_without_reuse_every_task_starts_afresh():
    hist = oops.oops(Echo(3), [[(1, 2)], [(1, 2, 0)]], 10 ** 6, reuse=False)
    assert [h["how"] for h in hist] == ["fresh", "fresh"] and hist[1]["program"] == [1, 2, 0]
