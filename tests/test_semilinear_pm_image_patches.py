"""semilinear-pm-image-patches: the paper's input geometry on the photographs, the semilinear code and
its gradients, the filter measures on known filters, a short PM run, the verdict rule."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import ROOT, load_module

sl = load_module(ROOT / "semilinear-pm-image-patches" / "semilinear_pm_image_patches.py")


# ----------------------------------------------------------------------------------------
# Input geometry and the photographs
# ----------------------------------------------------------------------------------------


def test_receptive_fields_have_the_papers_sizes_and_overlap_partly():
    assert sl.OFFSETS.shape == (81, 2) and sl.CENTRES.shape == (32, 2)
    assert np.isclose(np.hypot(*sl.OFFSETS.T).max(), sl.RF_RADIUS)                 # diameter 20
    assert len(np.unique(np.round(sl.OFFSETS, 9), axis=0)) == 81
    reach = np.hypot(*sl.CENTRES.T).max() + sl.RF_RADIUS
    assert reach <= sl.AREA_RADIUS + 0.5                                            # inside the 64-px area
    d = np.hypot(*(sl.CENTRES[:, None] - sl.CENTRES[None]).transpose(2, 0, 1))
    nearest = np.sort(d, axis=1)[:, 1]
    assert np.all(nearest < 2 * sl.RF_RADIUS) and np.all(nearest > 0.5 * sl.RF_RADIUS)


def test_grey_levels_are_sixteen_integers_scaled_around_zero():
    q = sl.quantised("camera")
    levels = np.unique(q)
    assert len(levels) <= 16 and levels.min() >= -1 and levels.max() <= 1
    np.testing.assert_allclose(np.diff(levels) * 7.5, np.round(np.diff(levels) * 7.5), atol=1e-12)


def test_an_input_unit_is_the_cross_average_of_its_nearest_pixel():
    source = sl.AreaSource("train", names=("camera", "brick"))
    x, meta = source.sample(np.random.default_rng(4), 5, return_meta=True)
    for area in range(5):
        k, row, col, angle = meta[area]
        img = sl.quantised(source.names[int(k)])
        c, s = np.cos(angle), np.sin(angle)
        for unit in (0, 17, 31):
            for j in (0, 5, 80):
                p = sl.CENTRES[unit] + sl.OFFSETS[j]
                r = int(row + np.rint(c * p[0] - s * p[1]))
                q = int(col + np.rint(s * p[0] + c * p[1]))
                direct = (img[r, q] + img[r - 1, q] + img[r + 1, q] + img[r, q - 1] + img[r, q + 1]) / 5
                assert np.isclose(x[area, unit, j], direct)


def test_training_and_test_areas_come_from_disjoint_rows():
    for split in ("train", "test"):
        source = sl.AreaSource(split)
        _, meta = source.sample(np.random.default_rng(1), 400, return_meta=True)
        for k, row, _, _ in meta:
            height = source.images[int(k)].shape[0]
            cut = int(sl.TRAIN_SHARE * height)
            if split == "train":
                assert row + sl.AREA_RADIUS + 1 < cut
            else:
                assert row - sl.AREA_RADIUS - 1 >= cut


def test_the_same_generator_gives_the_same_areas():
    source = sl.AreaSource("test")
    a = source.sample(np.random.default_rng(7), 20)
    b = source.sample(np.random.default_rng(7), 20)
    np.testing.assert_array_equal(a, b)


# ----------------------------------------------------------------------------------------
# Gradients and a short run
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("hidden", [0, 3])
def test_hand_written_gradients_pass_the_numerical_check(hidden):
    errors = sl.gradient_errors(1, hidden)
    assert len(errors) >= 6 and max(errors.values()) < 1e-6, errors


def test_a_short_pm_run_raises_predictability_error_and_variance_and_binarises():
    cfg = sl.Config(presentations=8000, n_test=300)
    source = sl.AreaSource("train")
    out = sl.train(cfg, 0, source)
    curve = np.array(out["curve"])
    assert curve[-5:, 1].mean() > 1.5 * curve[:5, 1].mean()          # V_C: the code units escape
    assert curve[-5:, 2].mean() > 1.5 * curve[:5, 2].mean()          # their variance grows
    xt = sl.test_areas(cfg)
    y = out["code"].forward(xt)
    y0 = sl.logistic(np.einsum("bij,ij->bi", xt, out["init"]["W"]))
    assert np.mean(np.minimum(y, 1 - y) < 0.1) > np.mean(np.minimum(y0, 1 - y0) < 0.1) + 0.05


# ----------------------------------------------------------------------------------------
# Filter measures on filters whose answer is known
# ----------------------------------------------------------------------------------------


def test_an_edge_is_oriented_along_its_axis_and_a_blob_is_not():
    off = sl.OFFSETS
    threshold = sl.random_filter_osi_threshold(np.random.default_rng(0), count=2000)
    edge = np.sign(off[:, 1]) + 0.0                          # light right, dark left: varies along columns
    assert sl.orientation_selectivity(edge[None])[0] > threshold
    assert np.isclose(sl.preferred_orientation(edge[None])[0], np.pi / 2)
    rotated = np.sign(off[:, 0]) + 0.0
    assert np.isclose(sl.preferred_orientation(rotated[None])[0], 0.0)
    dog = np.exp(-np.sum(off ** 2, 1) / 8) - 0.3 * np.exp(-np.sum(off ** 2, 1) / 50)
    assert sl.orientation_selectivity(dog[None])[0] < 0.05
    assert sl.centre_surround(dog[None])[0] == 1 and sl.centre_surround(-dog[None])[0] == -1
    assert sl.centre_surround(edge[None])[0] == 0
    assert sl.centre_surround(np.ones((1, 81)))[0] == 0      # symmetric but without a surround
    shares = sl.orientation_selectivity(np.random.default_rng(5).standard_normal((4000, 81))) > threshold
    assert 0.03 < shares.mean() < 0.07


def test_extent_and_kurtosis_known_answers():
    one = np.zeros((1, 81))
    one[0, 40] = 1.0
    assert sl.spatial_extent(one)[0] == pytest.approx(0.0, abs=1e-12)
    assert sl.spatial_extent(np.ones((1, 81)))[0] > 6.0
    rng = np.random.default_rng(0)
    k = sl.excess_kurtosis(np.stack([rng.standard_normal(200_000), rng.laplace(size=200_000)], axis=1))
    assert abs(k[0]) < 0.05 and abs(k[1] - 3.0) < 0.2


# ----------------------------------------------------------------------------------------
# The verdict rule on synthetic records, on both sides of each threshold
# ----------------------------------------------------------------------------------------


def rows(n=10, oriented=6, init=1, off=1, binary=0.7, start=0):
    return [{"seed": start + i, "pm_oriented": oriented + (i % 3), "init_oriented": init + (i % 2),
             "pm_off_centre": off, "near_binary": binary + 0.01 * (i % 4)} for i in range(n)]


def record(main_rows, block_rows=None, config=None, other=None):
    rec = {"seeds": {"per_seed": main_rows}, "config": config or {"a": 1}}
    if block_rows is not None:
        rec["seeds-5-9"] = {"seeds": {"per_seed": block_rows}, "config": other or config or {"a": 1},
                            "command": "x"}
    return rec


def test_verdict_yes_partial_no_pending():
    assert sl.verdict(record(rows(5), rows(5, start=5)))["value"] == "yes"
    assert sl.verdict(record(rows(10, binary=0.3)))["value"] == "partial"
    assert sl.verdict(record(rows(10, oriented=1)))["value"] == "no"
    assert sl.verdict(record(rows(10, off=0)))["value"] == "no"
    assert sl.verdict(record(rows(5)))["value"] == "pending"
    assert sl.verdict(record(rows(5), rows(5, start=5), config={"a": 1}, other={"a": 2}))["value"] == "pending"


def test_verdict_off_centre_needs_nearly_every_seed():
    some = rows(10)
    for r in some[:2]:
        r["pm_off_centre"] = 0
    assert sl.verdict(record(some))["value"] == "no"           # 8/10 does not clear H0: share <= 0.6
    assert sl.verdict(record(rows(10)))["value"] == "yes"
