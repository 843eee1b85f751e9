"""shared.environments.augment: the blur against a direct 2-D convolution, bilinear warps on integer and
half-pixel shifts, identities at zero strength, and determinism from the generator."""

import numpy as np

import shared  # noqa: F401
from shared.environments.augment import affine_distort, elastic_distort, gaussian_blur, warp


def test_blur_is_the_2d_gaussian_convolution():
    rng = np.random.default_rng(0)
    field = rng.normal(size=(2, 15, 17))
    sigma = 1.3
    radius = int(np.ceil(4 * sigma))
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    kernel = np.outer(taps, taps) / taps.sum() ** 2
    padded = np.pad(field, ((0, 0), (radius, radius), (radius, radius)))
    direct = np.zeros_like(field)
    for r in range(15):
        for c in range(17):
            direct[:, r, c] = (padded[:, r:r + 2 * radius + 1, c:c + 2 * radius + 1] * kernel).sum(axis=(1, 2))
    np.testing.assert_allclose(gaussian_blur(field, sigma), direct, atol=1e-12)


def test_warp_shifts_and_interpolates():
    image = np.arange(20.0).reshape(1, 4, 5)
    rows, cols = np.meshgrid(np.arange(4.0), np.arange(5.0), indexing="ij")
    np.testing.assert_allclose(warp(image, rows[None], cols[None]), image)
    shifted = warp(image, rows[None], cols[None] + 1.0)               # sample one column to the right
    np.testing.assert_allclose(shifted[0, :, :4], image[0, :, 1:])
    assert np.all(shifted[0, :, 4] == 0)                              # outside the image: zero
    half = warp(image, rows[None] + 0.5, cols[None])
    np.testing.assert_allclose(half[0, :3], (image[0, :3] + image[0, 1:]) / 2)


def test_zero_strength_is_the_identity_and_the_generator_decides():
    images = np.random.default_rng(1).random((3, 12, 12))
    np.testing.assert_allclose(elastic_distort(images, np.random.default_rng(2), alpha=0.0, sigma=3.0), images)
    np.testing.assert_allclose(affine_distort(images, np.random.default_rng(2)), images, atol=1e-12)
    a = elastic_distort(images, np.random.default_rng(5), alpha=8.0, sigma=3.0)
    b = elastic_distort(images, np.random.default_rng(5), alpha=8.0, sigma=3.0)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, images)
    assert a.min() >= 0.0 and a.max() <= 1.0                            # bilinear: a convex mix of pixels


def test_rotation_keeps_the_centre_and_turns_a_bar():
    image = np.zeros((1, 21, 21))
    image[0, 10, 2:19] = 1.0                                          # a horizontal bar through the centre
    turned = affine_distort(image, np.random.default_rng(0), max_rotation_deg=1e-9)
    np.testing.assert_allclose(turned, image, atol=1e-6)
    # with rotations up to 90 degrees, the bar stays through the centre pixel
    turned = affine_distort(np.repeat(image, 5, 0), np.random.default_rng(3), max_rotation_deg=90.0)
    assert np.all(turned[:, 10, 10] > 0.99)
