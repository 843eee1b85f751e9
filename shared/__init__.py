"""Numerics and the run frame shared by every problem of the catalog.

- ``shared.experiment``: command line, progress lines, seed sweeps, verdict block, results record.
- ``shared.figures``: PNGs and GIFs written atomically within the catalog's size caps.
"""
