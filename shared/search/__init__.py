"""Search in program and weight space, without gradients.

- ``guessing``: random weight guessing over small recurrent nets, many guesses at once.
- ``levin``: Levin search over programs that write a net's weights.
- ``oops``: the Optimal Ordered Problem Solver.
- ``pipe``, ``gp``: probabilistic incremental program evolution; genetic programming.
- ``evo``: evolution strategies (CMA-ES).

Imports ``shared.frame`` and ``shared.networks`` below it.
"""
