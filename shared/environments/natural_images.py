"""Natural-image patches from eight public-domain / CC0 photographs shipped with the package.

The images (``shared/environments/images/``, provenance and licences in its README.md) are 8-bit
grayscale; they are loaded as float64 in [0, 1].

- ``load_image(name)`` -> (H, W) array; ``IMAGES`` lists the names.
- ``sample_patches(rng, size, count, names=IMAGES)`` -> (count, size, size): square patches at uniformly
  drawn positions, each from an image drawn with probability proportional to its number of positions.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image

FOLDER = Path(__file__).resolve().with_name("images")
IMAGES = ("astronaut", "camera", "coffee", "chelsea", "rocket", "grass", "gravel", "brick")


@lru_cache(maxsize=None)
def _pixels(name: str) -> np.ndarray:
    if name not in IMAGES:
        raise ValueError(f"unknown image {name!r}; known: {', '.join(IMAGES)}")
    with Image.open(FOLDER / f"{name}.png") as image:
        pixels = np.asarray(image.convert("L"), dtype=np.float64) / 255.0
    pixels.setflags(write=False)
    return pixels


def load_image(name: str) -> np.ndarray:
    """The image ``name`` as a (H, W) float64 array in [0, 1] (a copy: yours to change)."""
    return _pixels(name).copy()


def sample_patches(rng: np.random.Generator, size: int, count: int, names=IMAGES) -> np.ndarray:
    """``count`` square ``size`` x ``size`` patches (count, size, size), positions uniform over all images."""
    if size < 1 or count < 0:
        raise ValueError(f"need size >= 1 and count >= 0, got {size} and {count}")
    images = [_pixels(name) for name in names]
    if not images or any(size > min(img.shape) for img in images):
        raise ValueError(f"patch size {size} does not fit every image of {list(names)}")
    positions = np.array([(img.shape[0] - size + 1) * (img.shape[1] - size + 1) for img in images], dtype=float)
    which = rng.choice(len(images), size=count, p=positions / positions.sum())
    patches = np.empty((count, size, size))
    for k, image_index in enumerate(which):
        img = images[image_index]
        row = rng.integers(0, img.shape[0] - size + 1)
        col = rng.integers(0, img.shape[1] - size + 1)
        patches[k] = img[row:row + size, col:col + size]
    return patches
