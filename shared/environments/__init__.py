"""Environments and tasks in numpy, generated from an explicit ``np.random.Generator``.

- ``tasks``: the sequence tasks of the long-time-lag papers (Reber grammars, Experiments 2-6).
- ``cartpole``: the cart-pole of Barto, Sutton & Anderson (1983), batched.
- ``maze``: a partially observable grid maze drawn as text, batched.

Imports only ``shared.frame`` below it.
"""
