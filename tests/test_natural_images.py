"""shared.environments.natural_images: the shipped images load, patches are crops of them, drawn
deterministically from the generator."""

import numpy as np
import pytest

import shared  # noqa: F401
from shared.environments.natural_images import FOLDER, IMAGES, load_image, sample_patches


def test_every_image_loads_in_the_unit_interval_and_is_documented():
    readme = (FOLDER / "README.md").read_text()
    for name in IMAGES:
        pixels = load_image(name)
        assert pixels.ndim == 2 and min(pixels.shape) >= 300
        assert 0.0 <= pixels.min() < pixels.max() <= 1.0
        assert f"| {name}.png |" in readme
    assert sorted(p.stem for p in FOLDER.glob("*.png")) == sorted(IMAGES)


def test_patches_are_crops_and_reproducible():
    a = sample_patches(np.random.default_rng(3), 8, 50)
    b = sample_patches(np.random.default_rng(3), 8, 50)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (50, 8, 8)
    camera = load_image("camera")
    patch = sample_patches(np.random.default_rng(0), 5, 1, names=("camera",))[0]
    windows = np.lib.stride_tricks.sliding_window_view(camera, (5, 5))
    assert (np.abs(windows - patch).sum(axis=(2, 3)) == 0).any()


def test_refusals():
    with pytest.raises(ValueError, match="unknown image"):
        load_image("lena")
    with pytest.raises(ValueError, match="does not fit"):
        sample_patches(np.random.default_rng(0), 1000, 1)
