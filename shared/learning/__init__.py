"""How networks learn over streams and episodes: the papers' protocols and learning rules.

- ``online``, ``stopping``, ``long_lag``: on-line training of LSTM banks with the 1997 paper's
  stopping rules, and the long-time-lag protocol built on them.
- ``control``: controllers and models as banks of small recurrent nets (RNN, OdyssNet) trained by
  BPTT, RTRL or truncated BPTT, stepped one step at a time for closed loops.
- ``rl``: returns, TD(lambda), Q(lambda), action selection, policy-gradient terms.
- ``chunker``: the neural sequence chunker (automatizer and chunker, trained on line).
- ``ica``: whitening, FastICA, the Amari distance, dependence measures.

Imports ``shared.frame``, ``shared.networks`` and ``shared.environments`` below it.
"""
