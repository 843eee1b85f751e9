"""The run frame: command line, progress, seed sweeps, verdicts, records, pictures, checks.

- ``experiment``: command line, progress lines, seed sweeps, verdict block, results record.
- ``verdict``: the statistics a verdict rule is written with and the claim it records.
- ``figures``: PNGs and GIFs written atomically within the catalog's size caps.
- ``machine``: what a record says about the machine (CPU, SIMD, BLAS and its kernel).
- ``cluster``: where a sweep's independent jobs run (local processes or a Dask cluster).
- ``checks``: one message shape for every misuse of the library's public API.
- ``gradcheck``: the numerical gradient check every hand-written backward is tested with.

The lowest layer: it imports nothing of ``shared`` but its own modules.
"""
