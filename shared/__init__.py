"""Numerics and the run frame shared by every problem of the catalog.

- ``shared.experiment``: command line, progress lines, seed sweeps, verdict block, results record.
- ``shared.figures``: PNGs and GIFs written atomically within the catalog's size caps.
- ``shared.activations``, ``shared.gradcheck``, ``shared.optim``: activations with derivatives, the
  numerical gradient check, SGD / Adam / AdamW / Prodigy.
- ``shared.recurrent``: the LSTM family (1997 cell, forget gate, peepholes, the nine Greff et al.
  variants) and the vanilla RNN, with BPTT.
- ``shared.odyssnet``: the OdyssNet core, trainer and checkpoints.
"""

import os as _os

# The catalog runs on one BLAS thread: its matrices are small, so extra threads only contend for the
# cores (several times slower on the 2-core reference machine), and one thread keeps every sum in
# the same order, run after run. This must happen before numpy loads its BLAS, so scripts that
# want it import ``shared`` before numpy. An explicit setting in the environment is left alone.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    _os.environ.setdefault(_variable, "1")
