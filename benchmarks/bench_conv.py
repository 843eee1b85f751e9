"""What a small convolutional net costs per image in shared.networks.conv, forward and backward.

    python3 benchmarks/bench_conv.py [--repeats 5]

The net is a column of the size the MNIST committees of issue 20 need: a 1 x 29 x 29 image, 20 maps of
4 x 4 kernels, 2 x 2 max-pooling, 40 maps of 5 x 5 kernels, 3 x 3 max-pooling, a 150-unit tanh layer
and 10 outputs (our choice of sizes for the benchmark; each problem takes its paper's). Batches of 1, 32
and 128 images, float64 and float32, one BLAS thread. Per image: the forward alone, and forward plus
backward (every layer's gradient, as one training step needs, without the optimizer's update).
"""

from __future__ import annotations

import shared  # noqa: F401  (first: one BLAS thread)

import argparse  # noqa: E402

import numpy as np  # noqa: E402

from shared.frame.experiment import format_table, median_ms  # noqa: E402
from shared.networks.conv import conv2d, conv2d_backward, max_pool, max_pool_backward  # noqa: E402


def make_net(dtype, rng):
    def init(*shape, fan_in):
        return (rng.normal(size=shape) / np.sqrt(fan_in)).astype(dtype)
    return {"k1": init(20, 1, 4, 4, fan_in=16), "b1": np.zeros(20, dtype),
            "k2": init(40, 20, 5, 5, fan_in=500), "b2": np.zeros(40, dtype),
            "w3": init(40 * 3 * 3, 150, fan_in=360), "b3": np.zeros(150, dtype),
            "w4": init(150, 10, fan_in=150), "b4": np.zeros(10, dtype)}


def forward(net, images):
    h1, c1 = conv2d(images, net["k1"], net["b1"])            # (B, 20, 26, 26)
    a1 = np.tanh(h1)
    p1, q1 = max_pool(a1, 2)                                  # (B, 20, 13, 13)
    h2, c2 = conv2d(p1, net["k2"], net["b2"])                 # (B, 40, 9, 9)
    a2 = np.tanh(h2)
    p2, q2 = max_pool(a2, 3)                                  # (B, 40, 3, 3)
    flat = p2.reshape(len(images), -1)
    a3 = np.tanh(flat @ net["w3"] + net["b3"])
    out = a3 @ net["w4"] + net["b4"]
    return out, (c1, a1, q1, c2, a2, q2, p2.shape, flat, a3)


def backward(net, cache, d_out):
    c1, a1, q1, c2, a2, q2, p2_shape, flat, a3 = cache
    grads = {"w4": a3.T @ d_out, "b4": d_out.sum(0)}
    d_a3 = d_out @ net["w4"].T * (1 - a3 ** 2)
    grads.update(w3=flat.T @ d_a3, b3=d_a3.sum(0))
    d_p2 = (d_a3 @ net["w3"].T).reshape(p2_shape)
    d_h2 = max_pool_backward(q2, d_p2) * (1 - a2 ** 2)
    g2 = conv2d_backward(c2, d_h2)
    d_h1 = max_pool_backward(q1, g2["x"]) * (1 - a1 ** 2)
    g1 = conv2d_backward(c1, d_h1)
    grads.update(k2=g2["weight"], b2=g2["bias"], k1=g1["weight"], b1=g1["bias"])
    return grads


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed repetitions per cell (median kept)")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be >= 1")
    rows = []
    for dtype in (np.float64, np.float32):
        rng = np.random.default_rng(0)
        net = make_net(dtype, rng)
        for batch in (1, 32, 128):
            images = rng.normal(size=(batch, 1, 29, 29)).astype(dtype)
            d_out = rng.normal(size=(batch, 10)).astype(dtype)
            fwd = median_ms(lambda: forward(net, images), args.repeats)
            both = median_ms(lambda: backward(net, forward(net, images)[1], d_out), args.repeats)
            rows.append([np.dtype(dtype).name, batch, 1000 * fwd / batch, 1000 * both / batch,
                         batch * 1000 / both])
    print(format_table(["dtype", "batch", "forward µs/image", "forward+backward µs/image", "images/s trained"],
                       rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
