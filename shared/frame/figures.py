"""Saving pictures: PNGs and GIFs written atomically, within the catalog's size caps.

Every ``visualize_<slug>.py`` writes PNGs with :func:`save_png`; every ``make_<slug>_gif.py``
collects frames with :func:`frame_of` and writes them with :func:`save_gif`.
"""

from __future__ import annotations

import argparse
import io
import json
import os
from pathlib import Path
from typing import Sequence

import matplotlib

matplotlib.use("Agg")  # no screen needed, and the same pixels on every machine
import matplotlib.pyplot as plt  # noqa: E402
from PIL import Image  # noqa: E402

from shared.frame.experiment import (ArgumentParser, atomic_write, exit_quietly_on_interrupt,  # noqa: E402
                                     nonnegative_int)

PNG_CAP_BYTES = 300 * 1024
GIF_CAP_BYTES = 1536 * 1024
GIF_MIN_FRAMES = 5


# --quick pictures are for tests: every drawing path runs, at a third of the resolution (rasterizing
# is most of a picture script's time)
_DRAFT_SCALE = 0.35
_resolution = {"scale": 1.0}


class _Draft(argparse.Action):
    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, True)
        _resolution["scale"] = _DRAFT_SCALE


def figure_parser(script: str, description: str, default_out: str) -> ArgumentParser:
    """Flags of the picture scripts: ``--seed``, ``--quick`` and ``--out`` (file or folder)."""
    parser = ArgumentParser(prog=Path(script).name, description=description)
    exit_quietly_on_interrupt(parser.prog)          # Ctrl-C: one line, exit 130, no half-written picture
    parser.add_argument("--seed", type=nonnegative_int, default=0, help="seed of the run to draw (default: 0)")
    parser.add_argument("--quick", action=_Draft, nargs=0, default=False,
                        help="draw the stub's --quick configuration at a draft resolution (for tests; output is "
                             "not for the repository)")
    parser.add_argument("--out", default=str(Path(script).resolve().with_name(default_out)),
                        help=f"where to write (default: {default_out} beside the script)")
    return parser


DRAFT_FRAMES = 6


def draft_frames(items) -> list:
    """The items a GIF draws a frame for: all of them, or under --quick (draft mode) six spread over the
    run, the first and the last kept, so that every drawing path runs at a fraction of the time."""
    items = list(items)
    if _resolution["scale"] == 1.0 or len(items) <= DRAFT_FRAMES:
        return items
    return [items[i] for i in sorted({round(k * (len(items) - 1) / (DRAFT_FRAMES - 1)) for k in range(DRAFT_FRAMES)})]


def _png_bytes(fig, dpi: int) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=max(10, int(dpi * _resolution["scale"])), metadata={"Software": None})
    return buffer.getvalue()


def save_png(fig, path: str | os.PathLike, dpi: int = 100) -> Path:
    """Write ``fig`` as a PNG (atomically), stepping the resolution down to stay under the cap."""
    path = Path(path)
    for scale in (1.0, 0.8, 0.65, 0.5):
        data = _png_bytes(fig, int(dpi * scale))
        if len(data) <= PNG_CAP_BYTES:
            break
    else:
        plt.close(fig)
        raise ValueError(f"{path.name}: {len(data)} bytes even at half resolution (cap {PNG_CAP_BYTES})")
    atomic_write(path, data)
    plt.close(fig)
    print(f"wrote {path} ({len(data) // 1024} KB)")
    return path


def frame_of(fig, dpi: int = 80) -> Image.Image:
    """Render a figure to an RGB image (one GIF frame) and close it."""
    image = Image.open(io.BytesIO(_png_bytes(fig, dpi))).convert("RGB")
    plt.close(fig)
    return image


def save_gif(frames: Sequence[Image.Image], path: str | os.PathLike, fps: float = 8.0,
             hold_last: int = 8) -> Path:
    """Write frames as a looping GIF on one shared palette (atomically), repeating the last.

    A shared palette keeps colours steady from frame to frame and the file small.
    """
    path = Path(path)
    if len(frames) < GIF_MIN_FRAMES:
        raise ValueError(f"a GIF needs at least {GIF_MIN_FRAMES} frames, got {len(frames)}")
    frames = list(frames) + [frames[-1]] * hold_last
    # One palette from a mosaic of sampled frames, so every frame is quantized alike.
    sample = frames[:: max(1, len(frames) // 8)]
    width, height = sample[0].size
    mosaic = Image.new("RGB", (width, height * len(sample)))
    for i, frame in enumerate(sample):
        mosaic.paste(frame, (0, height * i))
    palette = mosaic.quantize(colors=128, method=Image.Quantize.MEDIANCUT)
    paletted = [frame.quantize(palette=palette, dither=Image.Dither.NONE) for frame in frames]
    buffer = io.BytesIO()
    paletted[0].save(buffer, format="GIF", save_all=True, append_images=paletted[1:],
                     duration=int(round(1000 / fps)), loop=0, optimize=True, disposal=1)
    data = buffer.getvalue()
    if len(data) > GIF_CAP_BYTES:
        raise ValueError(f"{path.name}: {len(data)} bytes, over the {GIF_CAP_BYTES}-byte cap; "
                         f"use fewer frames or a lower dpi")
    atomic_write(path, data)
    print(f"wrote {path} ({len(frames)} frames, {len(data) // 1024} KB)")
    return path


def gif_frame_count(path: str | os.PathLike) -> int:
    with Image.open(path) as image:
        return getattr(image, "n_frames", 1)


def recorded(script: str | os.PathLike) -> dict | None:
    """The stub's results.json (the file beside ``script``), or None before its first recorded run:
    what the picture scripts draw their curves and counts from."""
    path = Path(script).resolve().with_name("results.json")
    return json.loads(path.read_text()) if path.exists() else None
