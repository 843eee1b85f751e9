"""Networks with hand-written backward passes, and their optimizers.

- ``activations``, ``optim``: activations with derivatives; SGD / Adam / AdamW / Prodigy, clipping.
- ``recurrent``: the LSTM family and the vanilla RNN with BPTT.
- ``paper_lstm``: the LSTM as the 1997/2000 papers build and train it (truncated gradient, on line).
- ``odyssnet``: the OdyssNet core, its trainer, checkpoints, growth and pruning.
- ``mlp``: a small multilayer perceptron.
- ``fastweights``, ``attention``: fast-weight writes (sum, delta) and the Transformer's layers.
- ``worldmodel``: V (a variational autoencoder) and M's mixture-density head.
- ``nbb``: the Neural Bucket Brigade (winner-take-all units, a local learning rule).

Imports only ``shared.frame`` below it.
"""
