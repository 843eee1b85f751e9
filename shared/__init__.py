"""Numerics and the run frame shared by every problem of the catalog.

- ``shared.experiment``: command line, progress lines, seed sweeps, verdict block, results record.
- ``shared.figures``: PNGs and GIFs written atomically within the catalog's size caps.
- ``shared.activations``, ``shared.gradcheck``, ``shared.optim``: activations with derivatives, the
  numerical gradient check, SGD / Adam / AdamW / Prodigy.
- ``shared.recurrent``: the LSTM family (1997 cell, forget gate, peepholes, the nine Greff et al.
  variants) and the vanilla RNN, with BPTT.
- ``shared.odyssnet``: the OdyssNet core, trainer and checkpoints.
"""
