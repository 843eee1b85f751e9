"""Independent component analysis and measures of statistical dependence: the baselines and the
yardsticks of the unsupervised-code problems (predictability minimization, LOCOCODE).

- ``whiten(x (N, D), n_components=None)`` -> (z (N, K), matrix (D, K), mean (D,)): PCA whitening,
  z = (x - mean) @ matrix has identity covariance; the K directions of largest variance.
- ``fast_ica(x (N, D), n_components, rng, nonlinearity="tanh" | "gauss" | "cube", max_iter, tol)`` ->
  dict with ``unmixing`` (K, D) so that sources = (x - mean) @ unmixing.T, ``mixing`` (D, K),
  ``mean``, ``iterations``, ``converged``. The fixed-point rule of Hyvärinen & Oja (2000,
  "Independent component analysis: algorithms and applications", Neural Networks 13, Sec. 6.1-6.2):
  w+ = E{z g(w^T z)} - E{g'(w^T z)} w on whitened data, all units at once with symmetric
  decorrelation W <- (W W^T)^(-1/2) W; g = tanh(u) ("tanh", their g1 with a1 = 1),
  u exp(-u^2/2) ("gauss", g2) or u^3 ("cube", kurtosis).
- ``amari_distance(unmixing (K, D), mixing (D, K))``: for P = unmixing @ mixing,
  [sum_i (sum_j |p_ij| / max_k |p_ik| - 1) + sum_j (sum_i |p_ij| / max_k |p_kj| - 1)] / (2 K (K - 1)):
  0 exactly when P is a scaled permutation (Amari, Cichocki & Yang 1996's performance index,
  normalised to [0, 1]).
- ``discrete_mutual_information(a (N,), b (N,))``: plug-in MI in nats of two integer codes;
  ``binned_mutual_information(x, y, bins)``: the same after equal-count binning of real values;
  ``pairwise_mutual_information(codes (N, K), bins=None)``: the (K, K) matrix of pairwise MI
  (codes binned when ``bins`` is given); ``gaussian_mutual_information(rho)`` = -log(1 - rho^2) / 2,
  the reference for jointly Gaussian pairs.
- ``expected_mutual_information(table)`` and ``adjusted_mutual_information(true, pred, average="max")``:
  Vinh, Epps & Bailey's (2010) AMI = (MI - E[MI]) / (norm(H(true), H(pred)) - E[MI]), E[MI] under the
  hypergeometric model summed exactly (their eq. 24a); "max" normalisation is what scikit-learn computed
  in 2017, "arithmetic" its later default (moved out of neural-em-shapes).
"""

from __future__ import annotations

from math import lgamma

import numpy as np

NONLINEARITIES = ("tanh", "gauss", "cube")


def whiten(x: np.ndarray, n_components: int | None = None):
    """PCA whitening: z = (x - mean) @ matrix, cov(z) = I, the n_components directions of largest variance."""
    mean = x.mean(axis=0)
    centred = x - mean
    covariance = centred.T @ centred / len(x)
    eigenvalues, vectors = np.linalg.eigh(covariance)
    order = np.argsort(eigenvalues)[::-1][: n_components or x.shape[1]]
    if eigenvalues[order[-1]] <= 1e-12 * max(eigenvalues[order[0]], 1e-300):
        raise ValueError("the data have fewer directions of nonzero variance than components asked for")
    matrix = vectors[:, order] / np.sqrt(eigenvalues[order])
    return centred @ matrix, matrix, mean


def _contrast(u: np.ndarray, nonlinearity: str):
    """g(u) and g'(u) elementwise."""
    if nonlinearity == "tanh":
        g = np.tanh(u)
        return g, 1.0 - g * g
    if nonlinearity == "gauss":
        e = np.exp(-0.5 * u * u)
        return u * e, (1.0 - u * u) * e
    return u ** 3, 3.0 * u * u


def _symmetric_decorrelation(w: np.ndarray) -> np.ndarray:
    """(W W^T)^(-1/2) W from the eigendecomposition of W W^T."""
    eigenvalues, vectors = np.linalg.eigh(w @ w.T)
    return (vectors / np.sqrt(eigenvalues)) @ vectors.T @ w


def fast_ica(x: np.ndarray, n_components: int, rng: np.random.Generator, nonlinearity: str = "tanh",
             max_iter: int = 500, tol: float = 1e-8) -> dict:
    """Symmetric FastICA on the whitened data; see the module docstring."""
    if nonlinearity not in NONLINEARITIES:
        raise ValueError(f"nonlinearity must be one of {NONLINEARITIES}, got {nonlinearity!r}")
    z, whitening, mean = whiten(x, n_components)
    w = _symmetric_decorrelation(rng.standard_normal((n_components, n_components)))
    converged, iterations = False, 0
    for iterations in range(1, max_iter + 1):
        g, g_prime = _contrast(z @ w.T, nonlinearity)                       # (N, K)
        new = g.T @ z / len(z) - g_prime.mean(axis=0)[:, None] * w
        new = _symmetric_decorrelation(new)
        change = np.max(np.abs(np.abs(np.sum(new * w, axis=1)) - 1.0))      # old and new rows parallel: done
        w = new
        if change < tol:
            converged = True
            break
    unmixing = w @ whitening.T                                              # (K, D) on centred x
    return {"unmixing": unmixing, "mixing": np.linalg.pinv(unmixing), "mean": mean,
            "iterations": iterations, "converged": converged}


def amari_distance(unmixing: np.ndarray, mixing: np.ndarray) -> float:
    """0 when unmixing @ mixing is a scaled permutation, up to 1; (K, D) @ (D, K)."""
    p = np.abs(unmixing @ mixing)
    k = p.shape[0]
    if k < 2:
        return 0.0
    rows = np.sum(p.sum(axis=1) / p.max(axis=1) - 1.0)
    cols = np.sum(p.sum(axis=0) / p.max(axis=0) - 1.0)
    return float((rows + cols) / (2 * k * (k - 1)))


def discrete_mutual_information(a: np.ndarray, b: np.ndarray) -> float:
    """Plug-in mutual information (nats) of two integer codes of the same N samples."""
    a, b = np.asarray(a), np.asarray(b)
    _, a_idx = np.unique(a, return_inverse=True)
    _, b_idx = np.unique(b, return_inverse=True)
    joint = np.zeros((a_idx.max() + 1, b_idx.max() + 1))
    np.add.at(joint, (a_idx, b_idx), 1.0)
    joint /= joint.sum()
    outer = joint.sum(axis=1, keepdims=True) * joint.sum(axis=0, keepdims=True)
    nonzero = joint > 0
    return float(np.sum(joint[nonzero] * np.log(joint[nonzero] / outer[nonzero])))


def equal_count_bins(x: np.ndarray, bins: int) -> np.ndarray:
    """Integer bin of each value, bins of (nearly) equal counts by rank."""
    ranks = np.argsort(np.argsort(x, kind="stable"), kind="stable")
    return (ranks * bins) // len(x)


def binned_mutual_information(x: np.ndarray, y: np.ndarray, bins: int = 16) -> float:
    """Plug-in MI (nats) of two real variables after equal-count binning (biased upward by about
    (bins - 1)^2 / (2N) nats)."""
    return discrete_mutual_information(equal_count_bins(x, bins), equal_count_bins(y, bins))


def pairwise_mutual_information(codes: np.ndarray, bins: int | None = None) -> np.ndarray:
    """(K, K) MI between every pair of code units (N, K); the diagonal is each unit's entropy."""
    columns = [codes[:, i] if bins is None else equal_count_bins(codes[:, i], bins) for i in range(codes.shape[1])]
    k = len(columns)
    table = np.zeros((k, k))
    for i in range(k):
        for j in range(i, k):
            table[i, j] = table[j, i] = discrete_mutual_information(columns[i], columns[j])
    return table


def gaussian_mutual_information(rho: float) -> float:
    """MI (nats) of two jointly Gaussian variables with correlation rho."""
    return float(-0.5 * np.log1p(-rho * rho))


def _contingency(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Counts n_ij of label i in a and j in b (labels re-indexed to 0..)."""
    _, ai = np.unique(a, return_inverse=True)
    _, bi = np.unique(b, return_inverse=True)
    table = np.zeros((ai.max() + 1, bi.max() + 1), dtype=np.int64)
    np.add.at(table, (ai, bi), 1)
    return table


def _table_mutual_information(table: np.ndarray) -> float:
    n = table.sum()
    a, b = table.sum(1), table.sum(0)
    i, j = np.nonzero(table)
    nij = table[i, j].astype(float)
    return float(np.sum(nij / n * (np.log(nij * n) - np.log(a[i].astype(float) * b[j]))))


def _entropy(counts: np.ndarray) -> float:
    p = counts[counts > 0] / counts.sum()
    return float(-np.sum(p * np.log(p)))


def expected_mutual_information(table: np.ndarray) -> float:
    """E[MI] over all labelings with the same marginals (the hypergeometric model), eq. (24a) of
    Vinh et al. (2010), summed exactly with log-factorials."""
    n = int(table.sum())
    a, b = table.sum(1), table.sum(0)
    lf = np.array([lgamma(k + 1) for k in range(n + 1)])           # log k!
    emi = 0.0
    for ai in a:
        for bj in b:
            lo, hi = max(1, ai + bj - n), min(ai, bj)
            if lo > hi:
                continue
            nij = np.arange(lo, hi + 1)
            log_p = (lf[ai] + lf[bj] + lf[n - ai] + lf[n - bj] - lf[n] - lf[nij] - lf[ai - nij] - lf[bj - nij]
                     - lf[n - ai - bj + nij])
            emi += float(np.sum(nij / n * (np.log(n * nij) - np.log(float(ai) * float(bj))) * np.exp(log_p)))
    return emi


def adjusted_mutual_information(true: np.ndarray, pred: np.ndarray, average: str = "max") -> float:
    """AMI = (MI - E[MI]) / (norm(H(true), H(pred)) - E[MI]). norm 'max' is what sklearn computed
    in 2017 (0.18-0.21, the versions the authors' requirements allow); 'arithmetic' is its later
    default. Both labelings a single cluster (or empty): 1 (sklearn's convention)."""
    true, pred = np.asarray(true).ravel(), np.asarray(pred).ravel()
    if true.size == 0:
        return 1.0
    table = _contingency(true, pred)
    if table.shape[0] == table.shape[1] == 1:
        return 1.0
    mi, emi = _table_mutual_information(table), expected_mutual_information(table)
    h_true, h_pred = _entropy(table.sum(1)), _entropy(table.sum(0))
    norm = max(h_true, h_pred) if average == "max" else 0.5 * (h_true + h_pred)
    denominator = norm - emi
    if abs(denominator) < 1e-15:
        return 1.0 if abs(mi - emi) < 1e-15 else 0.0
    return (mi - emi) / denominator
