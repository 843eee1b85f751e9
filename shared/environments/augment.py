"""Elastic and affine distortions of images, batched, from an explicit ``np.random.Generator``.

The training-set deformations of Simard, Steinkraus & Platt (2003), which Cireşan, Meier, Gambardella &
Schmidhuber (2010) apply to every MNIST digit in every epoch: an elastic field (uniform random
displacements in [-1, 1] per pixel, smoothed by a Gaussian of width ``sigma``, scaled by ``alpha``) and
an affine map (rotation, scaling, shear) about the image centre; pixels are resampled bilinearly, zero
outside the image. Each problem takes its paper's parameters.

- ``gaussian_blur(fields (N, H, W), sigma)``: separable, zero-padded.
- ``warp(images (N, H, W), rows (N, H, W), cols (N, H, W))``: bilinear samples at the given positions.
- ``elastic_distort(images, rng, alpha, sigma)``; ``affine_distort(images, rng, max_rotation_deg,
  max_scale, max_shear)`` (each image draws its own angle, scale factors and shear uniformly).
"""

from __future__ import annotations

import numpy as np


def gaussian_blur(fields: np.ndarray, sigma: float) -> np.ndarray:
    """Each (H, W) field convolved with a normalised Gaussian of std ``sigma`` (kernel +-4 sigma)."""
    if sigma <= 0:
        return fields.copy()
    radius = max(1, int(np.ceil(4.0 * sigma)))
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    taps /= taps.sum()
    out = fields
    for axis in (-2, -1):
        padded = np.pad(out, [(0, 0)] * (out.ndim - 1) + [(radius, radius)] if axis == -1
                        else [(0, 0)] * (out.ndim - 2) + [(radius, radius), (0, 0)])
        windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * radius + 1, axis=axis)
        out = windows @ taps
    return out


def warp(images: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """images (N, H, W) sampled bilinearly at (rows, cols) (N, H, W); zero outside the image."""
    n, height, width = images.shape
    r0, c0 = np.floor(rows).astype(int), np.floor(cols).astype(int)
    fr, fc = rows - r0, cols - c0
    batch = np.arange(n)[:, None, None]
    out = np.zeros(rows.shape)
    for dr, wr in ((0, 1.0 - fr), (1, fr)):
        for dc, wc in ((0, 1.0 - fc), (1, fc)):
            r, c = r0 + dr, c0 + dc
            inside = (r >= 0) & (r < height) & (c >= 0) & (c < width)
            values = images[batch, np.clip(r, 0, height - 1), np.clip(c, 0, width - 1)]
            out += np.where(inside, values, 0.0) * wr * wc
    return out


def _grid(images: np.ndarray):
    n, height, width = images.shape
    rows, cols = np.meshgrid(np.arange(height, dtype=float), np.arange(width, dtype=float), indexing="ij")
    return np.broadcast_to(rows, (n, height, width)), np.broadcast_to(cols, (n, height, width))


def elastic_distort(images: np.ndarray, rng: np.random.Generator, alpha: float, sigma: float) -> np.ndarray:
    """Each image resampled along its own smoothed random displacement field (alpha pixels, sigma width)."""
    images = np.asarray(images, dtype=float)
    rows, cols = _grid(images)
    d_rows = alpha * gaussian_blur(rng.uniform(-1.0, 1.0, images.shape), sigma)
    d_cols = alpha * gaussian_blur(rng.uniform(-1.0, 1.0, images.shape), sigma)
    return warp(images, rows + d_rows, cols + d_cols)


def affine_distort(images: np.ndarray, rng: np.random.Generator, max_rotation_deg: float = 0.0,
                   max_scale: float = 0.0, max_shear: float = 0.0) -> np.ndarray:
    """Each image rotated by up to +-max_rotation_deg, scaled per axis by 1 +- max_scale and sheared by up
    to +-max_shear, about its centre (the sampling grid is mapped by the inverse transform)."""
    images = np.asarray(images, dtype=float)
    n, height, width = images.shape
    angle = np.deg2rad(rng.uniform(-max_rotation_deg, max_rotation_deg, n))
    scale = 1.0 + rng.uniform(-max_scale, max_scale, (n, 2))
    shear = rng.uniform(-max_shear, max_shear, n)
    cos, sin = np.cos(angle), np.sin(angle)
    # forward map A = R S H on (row, col) offsets from the centre; sample the source at A^-1 (offset)
    a = np.empty((n, 2, 2))
    a[:, 0, 0], a[:, 0, 1] = cos * scale[:, 0], (cos * shear - sin) * scale[:, 1]
    a[:, 1, 0], a[:, 1, 1] = sin * scale[:, 0], (sin * shear + cos) * scale[:, 1]
    inverse = np.linalg.inv(a)
    rows, cols = _grid(images)
    centre = np.array([(height - 1) / 2.0, (width - 1) / 2.0])
    offsets = np.stack([rows - centre[0], cols - centre[1]], axis=-1)            # (N, H, W, 2)
    source = np.einsum("nij,nhwj->nhwi", inverse, offsets) + centre
    return warp(images, source[..., 0], source[..., 1])
