#!/usr/bin/env python3
"""Catalog tooling: the ordered list of all problems, and the documents generated from it.

    python3 bin/catalog.py build            regenerate README table, RESULTS.md, VISUAL_TOUR.md, MOVEMENT.md,
                                            the results blocks of stub READMEs, and the book (src/)
    python3 bin/catalog.py check            non-zero exit, naming the file, if a generated document
                                            is stale or a stub breaks the contract
    python3 bin/catalog.py run SLUG...      rerun the recorded commands of these stubs (or --all),
                                            rewriting their results.json, then build; with
                                            --scheduler tcp://HOST:8786 the sweeps that can run on
                                            a Dask cluster send their jobs there
    python3 bin/catalog.py figures SLUG...  regenerate the pictures of these stubs (or --all): each
                                            visualize script (viz/) and GIF script, with progress
    python3 bin/catalog.py verify SLUG...   rerun the recorded commands (or --all) into a temporary
                                            place, never over the records, and report per stub and
                                            section which figures reproduce exactly, which move and
                                            by how much, and whether the verdict holds; exit 1 when
                                            a verdict changes or a run fails

A stub counts as implemented when its folder exists; every other entry is "planned". Nothing
in the generated documents is typed by hand: the list below and each stub's results.json are
the only sources.
"""

from __future__ import annotations

import argparse
import html
import importlib.util
import json
import math
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from statistics import median
from pathlib import Path

from shared.frame.experiment import (PENDING, RECORD_KEYS, RUN_DEPENDENT_KEYS, SECTION_KEYS, ArgumentParser, atomic_write,
                                     format_value, is_section,
                                     load_json, merge_record, positive_float, record_errors, verdict_errors)
from shared.frame.cluster import scheduler_address
from shared.frame.machine import describe, kernels
from shared.frame.figures import GIF_CAP_BYTES, GIF_MIN_FRAMES, PNG_CAP_BYTES, gif_frame_count

ROOT = Path(__file__).resolve().parent.parent

# ----------------------------------------------------------------------------------------
# The catalog: eras, then papers (authors, year, title, venue), then problems (slug, what).
# ----------------------------------------------------------------------------------------

CATALOG = [
    ("1989 — Local rules: the Neural Bucket Brigade", [
        ("Schmidhuber", 1989, "A local learning algorithm for dynamic feedforward and recurrent networks",
         "Connection Science 1(4):403–412", [
             ("nbb-xor", "XOR learned by a winner-take-all network with a local, dissipative weight-substance rule"),
             ("nbb-moving-light", "Direction of a light moving across a 5-cell retina, learned by the same rule with recurrent outputs"),
         ]),
    ]),
    ("1990 — Controllers that learn through world models", [
        ("Schmidhuber", 1990, "Making the world differentiable: on using self-supervised fully recurrent neural networks for dynamic reinforcement learning and planning in non-stationary environments",
         "Technical Report FKI-126-90, TU München", [
             ("flip-flop", "A controller trained only through a learned, frozen model of the pain it will feel"),
             ("pole-balance-non-markov", "Cart-pole from positions only: controller and recurrent model must infer velocities"),
         ]),
        ("Schmidhuber", 1990, "Recurrent networks adjusted by adaptive critics",
         "Proc. IJCNN 1990, Washington DC, vol. 1, 719–722", [
             ("pole-balance-markov-vac", "Cart-pole with a vector-valued adaptive critic"),
         ]),
        ("Schmidhuber & Huber", 1990, "Learning to generate focus trajectories for attentive vision",
         "Technical Report FKI-128-90, TU München", [
             ("saccadic-target-detection", "A fovea that learns where to look next to find a target"),
         ]),
    ]),
    ("1991–1992 — Curiosity, sub-goals, history compression", [
        ("Schmidhuber", 1991, "Adaptive confidence and adaptive curiosity",
         "Technical Report FKI-149-91, TU München", [
             ("curiosity-three-regions", "An agent rewarded for model improvement prefers the learnable region over noise and the known"),
         ]),
        ("Schmidhuber", 1991, "Learning to generate sub-goals for action sequences",
         "Artificial Neural Networks (Proc. ICANN 1991), 967–972", [
             ("subgoal-obstacle-avoidance", "A sub-goal generator that routes a learned navigator around an obstacle"),
         ]),
        ("Schmidhuber", 1991, "Reinforcement learning in Markovian and non-Markovian environments",
         "Advances in Neural Information Processing Systems 3, 500–506", [
             ("pomdp-flag-maze", "A recurrent model-based controller in a maze whose goal depends on a flag seen earlier"),
         ]),
        ("Schmidhuber", 1992, "Learning complex, extended sequences using the principle of history compression",
         "Neural Computation 4(2):234–242", [
             ("chunker-22-symbol", "A two-level chunker that bridges a long lag by predicting only the unexpected"),
         ]),
    ]),
    ("1992 — Fast weights and factorial codes", [
        ("Schmidhuber", 1992, "Learning to control fast-weight memories: an alternative to dynamic recurrent networks",
         "Neural Computation 4(1):131–139", [
             ("fast-weights-unknown-delay", "A slow net programs fast weights to recall a bit after an unknown delay"),
             ("fast-weights-key-value", "Key-value binding by outer-product writes into a fast weight matrix"),
         ]),
        ("Schmidhuber", 1992, "Learning factorial codes by predictability minimization",
         "Neural Computation 4(6):863–879", [
             ("predictability-min-binary-factors", "Code units that defeat their predictors recover independent binary factors"),
         ]),
    ]),
    ("1993 — Predictable classifications, self-reference, deep chunking", [
        ("Schmidhuber & Prelinger", 1993, "Discovering predictable classifications",
         "Neural Computation 5(4):625–635", [
             ("predictable-stereo", "Two views classified so that each predicts the other: depth from random-dot stereo"),
         ]),
        ("Schmidhuber", 1993, "A self-referential weight matrix",
         "Proc. ICANN 1993, 446–451", [
             ("self-referential-weight-matrix", "A network that reads and rewrites its own weights"),
         ]),
        ("Schmidhuber", 1993, "Netzwerkarchitekturen, Zielfunktionen und Kettenregel",
         "Habilitation thesis, TU München", [
             ("chunker-very-deep-1200", "History compression over a 1200-step credit-assignment path"),
         ]),
    ]),
    ("1995–1997 — Program search and the LSTM benchmarks", [
        ("Schmidhuber", 1997, "Discovering neural nets with low Kolmogorov complexity and high generalization capability",
         "Neural Networks 10(5):857–873 (ICML 1995 version)", [
             ("levin-count-inputs", "Levin search finds a program that counts the ones in a 100-bit input from 3 examples"),
             ("levin-add-positions", "Levin search finds a program that adds input positions"),
         ]),
        ("Hochreiter & Schmidhuber", 1996, "LSTM can solve hard long time lag problems",
         "Advances in Neural Information Processing Systems 9, 473–479", [
             ("rs-two-sequence", "Random weight guessing solves a long-lag two-sequence task"),
             ("rs-parity", "Random weight guessing solves parity over long sequences"),
             ("rs-tomita", "Random weight guessing on Tomita grammars"),
         ]),
        ("Hochreiter & Schmidhuber", 1997, "Long short-term memory",
         "Neural Computation 9(8):1735–1780", [
             ("adding-problem", "Sum the two marked reals of a long sequence (Experiment 4)"),
             ("embedded-reber", "Next-symbol prediction on the embedded Reber grammar (Experiment 1)"),
             ("noise-free-long-lag", "Recall the first symbol after a long noise-free lag (Experiment 2)"),
             ("two-sequence-noise", "Classify sequences by their first values under noise (Experiment 3)"),
             ("multiplication-problem", "Multiply the two marked reals of a long sequence (Experiment 5)"),
             ("temporal-order-3bit", "Classify the order of two widely separated symbols (Experiment 6a)"),
             ("temporal-order-4bit", "Classify the order of three widely separated symbols (Experiment 6b)"),
         ]),
    ]),
    ("1996–1999 — Program evolution, bias shifts, hierarchical RL, feature detectors", [
        ("Salustowicz & Schmidhuber", 1997, "Probabilistic incremental program evolution",
         "Evolutionary Computation 5(2):123–141", [
             ("pipe-symbolic-regression", "PIPE evolves a program for a polynomial target"),
             ("pipe-6-bit-parity", "PIPE on even parity of 6 bits"),
         ]),
        ("Schmidhuber, Zhao & Wiering", 1997, "Shifting inductive bias with success-story algorithm, adaptive Levin search, and incremental self-improvement",
         "Machine Learning 28:105–130", [
             ("ssa-bias-transfer-mazes", "The success-story algorithm keeps only policy changes that sped up reward"),
         ]),
        ("Wiering & Schmidhuber", 1997, "HQ-learning",
         "Adaptive Behavior 6(2):219–246", [
             ("hq-learning-pomdp", "A sequence of Q-learners with learned sub-goals in a partially observable maze"),
         ]),
        ("Schmidhuber, Eldracher & Foltin", 1996, "Semilinear predictability minimization produces well-known feature detectors",
         "Neural Computation 8(4):773–786", [
             ("semilinear-pm-image-patches", "Predictability minimization on image patches yields oriented filters"),
         ]),
        ("Hochreiter & Schmidhuber", 1999, "Feature extraction through LOCOCODE",
         "Neural Computation 11(3):679–714", [
             ("lococode-ica", "Low-complexity coding separates independent sources"),
         ]),
    ]),
    ("2000–2002 — LSTM follow-ups", [
        ("Gers, Schmidhuber & Cummins", 2000, "Learning to forget: continual prediction with LSTM",
         "Neural Computation 12(10):2451–2471", [
             ("continual-embedded-reber", "Unsegmented embedded Reber strings: the forget gate resets the cell"),
         ]),
        ("Gers & Schmidhuber", 2001, "LSTM recurrent networks learn simple context-free and context-sensitive languages",
         "IEEE Transactions on Neural Networks 12(6):1333–1340", [
             ("anbn-anbncn", "Counting languages a^n b^n and a^n b^n c^n, tested far beyond the training lengths"),
         ]),
        ("Gers, Schraudolph & Schmidhuber", 2002, "Learning precise timing with LSTM recurrent networks",
         "Journal of Machine Learning Research 3:115–143", [
             ("timing-counting-spikes", "Peephole connections for counting and timing spikes"),
         ]),
        ("Eck & Schmidhuber", 2002, "Finding temporal structure in music: blues improvisation with LSTM recurrent networks",
         "Proc. IEEE Workshop on Neural Networks for Signal Processing 2002, 747–756", [
             ("blues-improvisation", "Chords and melody over a 12-bar blues form"),
         ]),
    ]),
    ("2002–2010 — Evolino, co-evolution, CTC, OOPS", [
        ("Schmidhuber, Wierstra, Gagliolo & Gomez", 2007, "Training recurrent networks by Evolino",
         "Neural Computation 19(3):757–779", [
             ("evolino-sines-mackey-glass", "Evolved LSTM hidden weights with a linear read-out solved by regression"),
         ]),
        ("Gomez & Schmidhuber", 2005, "Co-evolving recurrent neurons learn deep memory POMDPs",
         "Proc. GECCO 2005, 491–498", [
             ("double-pole-no-velocity", "Double pole balancing without velocities by neuron-level co-evolution"),
         ]),
        ("Graves, Fernández, Gomez & Schmidhuber", 2006, "Connectionist temporal classification: labelling unsegmented sequence data with recurrent neural networks",
         "Proc. ICML 2006, 369–376; with Graves & Schmidhuber 2005, Neural Networks 18(5–6):602–610", [
             ("timit-blstm-ctc", "Bidirectional LSTM with CTC on a synthetic phoneme corpus"),
         ]),
        ("Graves, Liwicki, Fernández, Bertolami, Bunke & Schmidhuber", 2009, "A novel connectionist system for unconstrained handwriting recognition",
         "IEEE TPAMI 31(5):855–868", [
             ("iam-handwriting", "BLSTM-CTC with token passing, dictionary and bigram LM on synthetic cursive lines"),
         ]),
        ("Schmidhuber", 2004, "Optimal ordered problem solver",
         "Machine Learning 54:211–254", [
             ("oops-towers-of-hanoi", "OOPS reuses earlier solutions to solve Towers of Hanoi of growing size"),
         ]),
    ]),
    ("2010–2017 — Deep learning at scale", [
        ("Cireşan, Meier, Gambardella & Schmidhuber", 2010, "Deep, big, simple neural nets for handwritten digit recognition",
         "Neural Computation 22(12):3207–3220", [
             ("mnist-deep-mlp", "A plain deep MLP with deformations on handwritten digits"),
         ]),
        ("Cireşan, Meier & Schmidhuber", 2012, "Multi-column deep neural networks for image classification",
         "Proc. CVPR 2012, 3642–3649", [
             ("mcdnn-image-bench", "Committees of convolutional columns"),
         ]),
        ("Cireşan, Giusti, Gambardella & Schmidhuber", 2012, "Deep neural networks segment neuronal membranes in electron microscopy images",
         "Advances in Neural Information Processing Systems 25, 2843–2851", [
             ("em-segmentation-isbi", "Pixel classification of membranes with a sliding-window convolutional net"),
         ]),
        ("Srivastava, Masci, Kazerounian, Gomez & Schmidhuber", 2013, "Compete to compute",
         "Advances in Neural Information Processing Systems 26, 2310–2318", [
             ("compete-to-compute", "Local winner-take-all units forget less when tasks change"),
         ]),
        ("Srivastava, Greff & Schmidhuber", 2015, "Training very deep networks",
         "Advances in Neural Information Processing Systems 28, 2377–2385", [
             ("highway-networks", "Gated highway layers train where plain deep nets stall"),
         ]),
        ("Greff, Srivastava, Koutník, Steunebrink & Schmidhuber", 2017, "LSTM: a search space odyssey",
         "IEEE Transactions on Neural Networks and Learning Systems 28(10):2222–2232", [
             ("lstm-search-space-odyssey", "Nine LSTM variants compared under the same random hyperparameter search"),
         ]),
        ("Koutník, Greff, Gomez & Schmidhuber", 2014, "A clockwork RNN",
         "Proc. ICML 2014, PMLR 32(2):1863–1871", [
             ("clockwork-rnn", "Hidden modules updated at different clock rates"),
         ]),
        ("Koutník, Cuccu, Schmidhuber & Gomez", 2013, "Evolving large-scale neural networks for vision-based reinforcement learning",
         "Proc. GECCO 2013, 1061–1068", [
             ("torcs-vision-evolution", "Driving from pixels with weights evolved in a compressed (DCT) space"),
         ]),
        ("Greff, van Steenkiste & Schmidhuber", 2017, "Neural expectation maximization",
         "Advances in Neural Information Processing Systems 30, 6691–6701", [
             ("neural-em-shapes", "Unsupervised grouping of pixels into objects by differentiable EM"),
         ]),
        ("van Steenkiste, Chang, Greff & Schmidhuber", 2018, "Relational neural expectation maximization: unsupervised discovery of objects and their interactions",
         "Proc. ICLR 2018", [
             ("relational-nem-bouncing-balls", "Objects and their interactions from videos of bouncing balls"),
         ]),
    ]),
    ("2018–2022 — World models, upside-down RL, fast-weight Transformers", [
        ("Ha & Schmidhuber", 2018, "Recurrent world models facilitate policy evolution",
         "Advances in Neural Information Processing Systems 31, 2450–2462", [
             ("world-models-carracing", "Vision (VAE), memory (MDN-RNN) and an evolved linear controller on a 2-D track"),
             ("world-models-vizdoom-dream", "A controller trained inside the model's dream, tested in the real environment"),
         ]),
        ("Schmidhuber", 2019, "Reinforcement learning upside down: don't predict rewards — just map them to actions",
         "arXiv:1912.02875; with Srivastava et al. 2019, arXiv:1912.02877", [
             ("upside-down-rl", "A behaviour function that maps commanded returns to actions"),
         ]),
        ("Schlag, Irie & Schmidhuber", 2021, "Linear transformers are secretly fast weight programmers",
         "Proc. ICML 2021, PMLR 139:9355–9366", [
             ("linear-transformers-fwp", "Linear attention equals a fast weight programmer; the delta rule improves capacity"),
         ]),
        ("Csordás, Irie & Schmidhuber", 2022, "The neural data router: adaptive control flow in transformers improves systematic generalization",
         "Proc. ICLR 2022", [
             ("neural-data-router", "Copy gates and geometric attention for length generalization"),
         ]),
    ]),
]

README_SECTIONS = ["Problem", "Files", "Running", "Results", "Visualizations", "Deviations", "Open questions"]
NOT_STUBS = {"shared", "bin", "tests", "benchmarks", "src", "book", "book-css", "build", "dist"}
MARK = {
    "catalog": ("<!-- catalog: generated by bin/catalog.py build -->", "<!-- /catalog -->"),
    "results": ("<!-- results.json: generated by bin/catalog.py build -->", "<!-- /results.json -->"),
}
GENERATED_NOTE = "Generated by `python3 bin/catalog.py build` from each stub's `results.json`; do not edit by hand."


# Where each built problem's paper can be read: its DOI, or, where it has none (technical reports)
# or none was found, the author's own page for it. Each one looked up, not recalled; a test
# requires one for every built problem and its README's header to link it.
PAPER_URLS = {
    "A novel connectionist system for unconstrained handwriting recognition": "https://doi.org/10.1109/TPAMI.2008.137",
    "Feature extraction through LOCOCODE": "https://people.idsia.ch/~juergen/lococode/nc.html",
    "Shifting inductive bias with success-story algorithm, adaptive Levin search, and incremental self-improvement":
        "https://doi.org/10.1023/A:1007383707642",
    "Learning factorial codes by predictability minimization": "https://people.idsia.ch/~juergen/factorial/",
    "Evolving large-scale neural networks for vision-based reinforcement learning":
        "https://repository.supsi.ch/4550/",
    "A clockwork RNN": "https://arxiv.org/abs/1402.3511",
    "Multi-column deep neural networks for image classification": "https://arxiv.org/abs/1202.2745",
    "The neural data router: adaptive control flow in transformers improves systematic generalization":
        "https://arxiv.org/abs/2110.07732",
    "Reinforcement learning upside down: don't predict rewards — just map them to actions":
        "https://arxiv.org/abs/1912.02875",
    "Linear transformers are secretly fast weight programmers": "https://proceedings.mlr.press/v139/schlag21a.html",
    "A local learning algorithm for dynamic feedforward and recurrent networks":
        "https://doi.org/10.1080/09540098908915650",
    "Making the world differentiable: on using self-supervised fully recurrent neural networks for dynamic "
    "reinforcement learning and planning in non-stationary environments":
        "https://people.idsia.ch/~juergen/world-models-planning-curiosity-fki-1990.html",
    "Learning to generate sub-goals for action sequences": "https://people.idsia.ch/~juergen/subgoals.html",
    "Learning to generate focus trajectories for attentive vision":
        "https://people.idsia.ch/~juergen/attention/attention.html",
    "Learning complex, extended sequences using the principle of history compression":
        "https://people.idsia.ch/~juergen/chunker/",
    "Netzwerkarchitekturen, Zielfunktionen und Kettenregel": "https://people.idsia.ch/~juergen/habilitation/",
    "Reinforcement learning in Markovian and non-Markovian environments":
        "https://people.idsia.ch/~juergen/world-models-planning-curiosity-fki-1990.html",
    "Learning to control fast-weight memories: an alternative to dynamic recurrent networks":
        "https://doi.org/10.1162/neco.1992.4.1.131",
    "Discovering neural nets with low Kolmogorov complexity and high generalization capability":
        "https://people.idsia.ch/~juergen/loconet/nngen.html",
    "LSTM can solve hard long time lag problems":
        "https://papers.nips.cc/paper/1215-lstm-can-solve-hard-long-time-lag-problems",
    "Long short-term memory": "https://doi.org/10.1162/neco.1997.9.8.1735",
    "Probabilistic incremental program evolution": "https://doi.org/10.1162/evco.1997.5.2.123",
    "HQ-learning": "https://doi.org/10.1177/105971239700600202",
    "Learning to forget: continual prediction with LSTM": "https://doi.org/10.1162/089976600300015015",
    "LSTM recurrent networks learn simple context-free and context-sensitive languages":
        "https://doi.org/10.1109/72.963769",
    "LSTM: a search space odyssey": "https://doi.org/10.1109/TNNLS.2016.2582924",
    "Learning precise timing with LSTM recurrent networks": "https://jmlr.org/papers/v3/gers02a.html",
    "Finding temporal structure in music: blues improvisation with LSTM recurrent networks":
        "https://people.idsia.ch/~juergen/blues/IDSIA-07-02.pdf",
    "Optimal ordered problem solver": "https://doi.org/10.1023/B:MACH.0000015880.99707.b2",
    "Recurrent networks adjusted by adaptive critics":
        "https://people.idsia.ch/~juergen/world-models-planning-curiosity-fki-1990.html",
    "Adaptive confidence and adaptive curiosity":
        "https://people.idsia.ch/~juergen/curioussingapore/curioussingapore.html",
    "A self-referential weight matrix": "https://doi.org/10.1007/978-1-4471-2063-6_107",
    "Discovering predictable classifications": "https://people.idsia.ch/~juergen/predmax/node1.html",
    "Training recurrent networks by Evolino": "https://doi.org/10.1162/neco.2007.19.3.757",
    "Co-evolving recurrent neurons learn deep memory POMDPs":
        "https://academia.kaust.edu.sa/en/publications/co-evolving-recurrent-neurons-learn-deep-memory-pomdps",
    "Semilinear predictability minimization produces well-known feature detectors":
        "https://people.idsia.ch/~juergen/edgedetect/node1.html",
    "Neural expectation maximization": "https://arxiv.org/abs/1708.03498",
    "Relational neural expectation maximization: unsupervised discovery of objects and their interactions":
        "https://arxiv.org/abs/1802.10353",
    "Deep neural networks segment neuronal membranes in electron microscopy images":
        "https://papers.nips.cc/paper/2012/hash/459a4ddcb586f24efd9395aa7662bc7c-Abstract.html",
    "Compete to compute": "https://proceedings.neurips.cc/paper/2013/hash/8f1d43620bc6bb580df6e80b0dc05c48-Abstract.html",
    "Deep, big, simple neural nets for handwritten digit recognition": "https://doi.org/10.1162/NECO_a_00052",
    "Training very deep networks":
        "https://papers.nips.cc/paper_files/paper/2015/hash/215a71a12769b056c3c32e7299f1c5ed-Abstract.html",
    "Recurrent world models facilitate policy evolution":
        "https://papers.nips.cc/paper_files/paper/2018/hash/2de5d16682c3c35007e4e92982f1a2ba-Abstract.html",
    "Connectionist temporal classification: labelling unsegmented sequence data with recurrent neural networks":
        "https://doi.org/10.1145/1143844.1143891",
}


def entries():
    """Every problem in catalog order: dicts with era, paper and slug facts (``url``: where the
    paper can be read, or None)."""
    for era, papers in CATALOG:
        for authors, year, title, venue, problems in papers:
            for slug, what in problems:
                yield {"era": era, "authors": authors, "year": year, "title": title, "venue": venue,
                       "slug": slug, "what": what, "short": f"{authors} ({year})",
                       "citation": f"{authors} ({year}). {title}. {venue}.", "url": PAPER_URLS.get(title)}


def module(slug: str) -> str:
    return slug.replace("-", "_")


def implemented(slug: str, root: Path = ROOT) -> bool:
    return (root / slug).is_dir()


def load_record(slug: str, root: Path = ROOT) -> dict | None:
    """A stub's results.json (None when it has none); a file that is not a JSON object raises
    ValueError naming it, in one line."""
    path = root / slug / "results.json"
    if not path.exists():
        return None
    try:
        record = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{slug}/results.json: not readable as JSON ({error})") from None
    if not isinstance(record, dict):
        raise ValueError(f"{slug}/results.json: a JSON {type(record).__name__}, not an object")
    return record


# ----------------------------------------------------------------------------------------
# Rendering
# ----------------------------------------------------------------------------------------


def text(value) -> str:
    """A figure or phrase from a record, safe in Markdown: mdBook renders raw HTML, so <, > and & from
    a record are escaped (a summary holding <script> must not run in the published book)."""
    return html.escape(format_value(value), quote=False).replace("\n", " ")


def code(value: str) -> str:
    """A record's command as inline code (no backtick may close the span early)."""
    return "`" + value.replace("`", "'") + "`"


def cell(value) -> str:
    """A table cell: ``text`` with the column separator escaped. Links built by this tool are
    passed through ``stub_link`` and never come from a record."""
    if isinstance(value, Markdown):
        return str(value)
    return text(value).replace("|", "\\|")


class Markdown(str):
    """Markdown written by this tool (a link), passed into a table cell as is."""


def md_table(columns, rows) -> list[str]:
    lines = ["| " + " | ".join(cell(c) for c in columns) + " |",
             "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return lines


def stub_link(slug: str, root: Path) -> str:
    return Markdown(f"[{slug}]({slug}/README.md)") if implemented(slug, root) else slug


def verdict_text(record: dict | None, slug: str, root: Path) -> str:
    if not implemented(slug, root):
        return "planned"
    return record["verdict"]["value"] if record else "no record"


def render_catalog_block(root: Path = ROOT) -> str:
    lines = []
    for era, papers in CATALOG:
        lines += ["", f"### {era}", ""]
        rows = []
        for e in (e for e in entries() if e["era"] == era):
            record = load_record(e["slug"], root)
            result = record["summary"] if record else e["what"]
            paper = Markdown(f"[{e['short']}]({e['url']})") if e["url"] else e["short"]
            rows.append([stub_link(e["slug"], root), paper, verdict_text(record, e["slug"], root), result])
        lines += md_table(["Problem", "Paper", "Reproduces?", "Result (or, if planned, the problem)"], rows)
    return "\n".join(lines).strip("\n")


def render_results(root: Path = ROOT) -> str:
    all_entries = list(entries())
    done = [e for e in all_entries if implemented(e["slug"], root)]
    counts = {}
    for e in done:
        record = load_record(e["slug"], root)
        key = record["verdict"]["value"] if record else "no record"
        counts[key] = counts.get(key, 0) + 1
    shown_counts = ", ".join(f"{n} {v}" for v, n in sorted(counts.items())) or "none yet"
    lines = [
        "# Results", "", GENERATED_NOTE, "",
        f"{len(done)} of {len(all_entries)} problems implemented ({shown_counts}); "
        f"{len(all_entries) - len(done)} planned.", "",
        "*Reproduces?* — **yes**: the paper's claim holds at the paper's figures (or better); "
        "**partial**: the method works but a figure or configuration falls short (the gap is analysed "
        "in the stub's README); **qualitative**: the claimed behaviour appears, the figures differ; "
        "**no**: the claim does not hold here. *OdyssNet core*: the catalog's shared recurrent baseline "
        "on the same problem. *Data movement to solve*: the headline method's cost (ByteDMD) to solve, "
        "one step priced by the meter times the recorded steps to solve ([ranking](MOVEMENT.md)). "
        "*Wallclock*: the recorded command (seed sweep included) on the recording machine.",
    ]
    for era, papers in CATALOG:
        lines += ["", f"## {era}"]
        for authors, year, title, venue, problems in papers:
            lines += ["", f"### {authors} ({year}) — *{title}*. {venue}", ""]
            if title in PAPER_URLS:        # below the heading: a link inside one breaks the book's page outline
                lines += [f"Paper: <{PAPER_URLS[title]}>", ""]
            rows = []
            for slug, what in problems:
                record = load_record(slug, root)
                if record is None:
                    rows.append([stub_link(slug, root), verdict_text(None, slug, root), what, "", "", "", ""])
                    continue
                odyssnet = record.get("odyssnet", {}).get("summary", "—")
                rows.append([stub_link(slug, root),
                             f"{record['verdict']['value']}: {record['verdict']['reason']}",
                             record["summary"], record["paper"]["claim"], odyssnet, movement_cell(record),
                             f"{record['wallclock_s']:.1f} s"])
            lines += md_table(["Problem", "Reproduces?", "Our result", "Paper", "OdyssNet core",
                               "Data movement to solve", "Wallclock"], rows)
    return "\n".join(lines) + "\n"


def movement_cell(record: dict) -> str:
    if "movement" not in record:
        return "—"
    row = record["movement"]["rows"][0]
    if row["cost_to_solve"] is None:
        return f"not solved ({big(row['cost'])} per {row['step']})"
    return f"{big(row['cost_to_solve'])} ({row['row']})"


def rank_order(values: list[float]) -> list[float]:
    """Ranks from 1 (smallest), ties sharing their mean rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def render_movement(root: Path = ROOT) -> str:
    """MOVEMENT.md: every priced row ranked by its data movement to solve, beside its FLOP rank."""
    priced = [(e["slug"], row) for e in entries() if implemented(e["slug"], root)
              for record in [load_record(e["slug"], root)] if record and "movement" in record
              for row in record["movement"]["rows"]]
    solved = sorted([p for p in priced if p[1]["cost_to_solve"] is not None], key=lambda p: p[1]["cost_to_solve"])
    lines = ["# Data movement", "", GENERATED_NOTE.replace("each stub's `results.json`",
                                                           "each stub's `results.json` (`movement`)"), "",
             "What each algorithm pays to move its data until it solves its problem (issue 21). The meter "
             "(`shared.frame.movement`, see [the shared package](shared/README.md#data-movement-sharedframemovement)) "
             "prices one step of a row, its training step, search step or program evaluation at the headline "
             "size, under ByteDMD's rules: memory is one LRU stack of bytes, reading a byte at depth d costs "
             "ceil(sqrt(d)), writes are free, dead values leave the stack. Each numpy operation is charged as its "
             "loop nest would read, one operation at a time. *Cost to solve* is one step's cost times the steps "
             "the recorded run needed (the median over solved seeds unless the row says otherwise). The costs are "
             "exact integers, the same on every machine. `python3 bin/movement.py SLUG` prices a stub's rows; "
             "`--plot` redraws the figure.", ""]
    covered = sorted({slug for slug, _ in priced})
    done = [e["slug"] for e in entries() if implemented(e["slug"], root)]
    lines += [f"{len(covered)} of {len(done)} implemented problems priced so far, {len(priced)} rows "
              f"({len(solved)} with a cost to solve).", ""]
    if (root / "movement.png").exists() and solved:
        lines += ["![Cost to solve per row, log scale](movement.png)", ""]
    if solved:
        flops_rank = rank_order([row["flops_to_solve"] for _, row in solved])
        rows = [[str(i + 1), f"[{slug}]({slug}/README.md)", row["row"], row["family"], big(row["cost_to_solve"]),
                 big(row["flops_to_solve"]), format_value(flops_rank[i]),
                 format_value(row["cost"] / row["flops"]), row["step"], row["size"]]
                for i, (slug, row) in enumerate(solved)]
        lines += md_table(["Rank", "Problem", "Row", "Family", "Cost to solve", "FLOPs to solve", "FLOP rank",
                           "Cost per FLOP", "One step", "Size"], rows)
        if len(solved) >= 3:
            cost_rank = [float(i + 1) for i in range(len(solved))]
            mean = (len(solved) + 1) / 2
            num = sum((a - mean) * (b - mean) for a, b in zip(cost_rank, flops_rank))
            den = math.sqrt(sum((a - mean) ** 2 for a in cost_rank) * sum((b - mean) ** 2 for b in flops_rank))
            movers = sorted((i for i in range(len(solved)) if cost_rank[i] != flops_rank[i]),
                            key=lambda i: (-abs(cost_rank[i] - flops_rank[i]), i))[:5]
            change = ("the rows that move most: " + "; ".join(
                f"{solved[i][0]}'s {solved[i][1]['row']} (rank {int(cost_rank[i])} by data movement, "
                f"{format_value(flops_rank[i])} by FLOPs)" for i in movers)) if movers else "no row changes its rank yet"
            lines += ["", f"How the ranking differs from a FLOP ranking: Spearman's rank correlation "
                          f"{format_value(num / den if den else 1.0)} over {len(solved)} rows; {change}. *Cost per "
                          f"FLOP* is the mean price of an operation: it grows with the depth at which the operands wait."]
        lines += ["", "By family (every priced row, solved or not; cost per FLOP of one step):", ""]
        family_rows = []
        for family in FAMILIES:
            members = [row for _, row in priced if row["family"] == family]
            if not members:
                continue
            per_flop = sorted(row["cost"] / row["flops"] for row in members)
            to_solve = sorted(row["cost_to_solve"] for row in members if row["cost_to_solve"] is not None)
            family_rows.append([family, str(len(members)), str(len(to_solve)), format_value(median(per_flop)),
                                f"{format_value(per_flop[0])} - {format_value(per_flop[-1])}",
                                big(median(to_solve)) if to_solve else "-"])
        lines += md_table(["Family", "Rows", "Solved", "Median cost per FLOP", "Range", "Median cost to solve"],
                          family_rows)
    unsolved = [(slug, row) for slug, row in priced if row["cost_to_solve"] is None]
    if unsolved:
        lines += ["", "Rows that did not solve in the recorded run (one step priced, no cost to solve):", ""]
        lines += md_table(["Problem", "Row", "Family", "Cost of one step", "FLOPs of one step", "One step"],
                          [[f"[{slug}]({slug}/README.md)", row["row"], row["family"], big(row["cost"]),
                            big(row["flops"]), row["step"]] for slug, row in unsolved])
    return "\n".join(lines) + "\n"


def render_tour(root: Path = ROOT) -> str:
    lines = ["# Visual tour", "", "Every implemented problem's animation, in catalog order, with a line on what "
             "it shows. The static figures are in each problem's `viz/` folder and README. "
             + GENERATED_NOTE.replace("each stub's `results.json`", "each stub's `results.json` (`tour`)")]
    for era, papers in CATALOG:
        lines += ["", f"## {era}"]
        planned = []
        for e in (e for e in entries() if e["era"] == era):
            record = load_record(e["slug"], root)
            if not implemented(e["slug"], root) or record is None:
                planned.append(e["slug"])
                continue
            gif = f"{e['slug']}/{module(e['slug'])}.gif"
            lines += ["", f"### [{e['slug']}]({e['slug']}/README.md) — {e['short']}", "",
                      f"![{e['slug']}]({gif})", "", text(record["tour"])]
        if planned:
            lines += ["", "Planned: " + ", ".join(planned) + "."]
    return "\n".join(lines) + "\n"


def render_record_block(record: dict) -> str:
    """The Results block of a stub README: every figure there comes from results.json."""
    lines = []

    def section(rec, heading):
        out = [f"**{heading}** — {code(rec['command'])} ({rec['wallclock_s']:.1f} s)", ""]
        out += md_table(["Headline seed's figure (this machine's)", "Value"], list(rec["headline"].items()))
        seeds = rec.get("seeds")
        if seeds:
            s = seeds["summary"]
            measured_only = s.get("measured_only") is True
            per_seed = ", ".join(format_value(r[s["metric"]]) if measured_only or r["solved"] else "unsolved"
                                 for r in seeds["per_seed"])
            first, last = seeds["per_seed"][0]["seed"], seeds["per_seed"][-1]["seed"]
            spread = (f"mean {format_value(s['mean'])}, median {format_value(s['median'])}, range "
                      f"{format_value(s['min'])}–{format_value(s['max'])}")
            if measured_only:
                runs = f"{s['n_runs']} runs, a measurement without a solve criterion; {code(s['metric'])}: {spread}"
            else:
                runs = (f"solved {s['n_solved']}/{s['n_runs']}; " +
                        (f"{code(s['metric'])} over solved runs: {spread}" if s["n_solved"] else "no run solved"))
            out += ["", f"Seeds {first}–{last}: {runs}. Per seed (this "
                        f"machine's figures, see [Reproducibility](../README.md#reproducibility)): {per_seed}."]
        for table in rec["tables"]:
            out += ["", f"*{text(table['title'])}*", ""] + md_table(table["columns"], table["rows"])
        return out

    verdict = record["verdict"]
    lines += [f"**Verdict: {text(verdict['value'])}** — {text(verdict['reason'])}. The rule is `verdict()` in the "
              f"script, fixed before the recorded runs; each claim is tested at level {verdict.get('alpha', '-')} "
              f"({verdict.get('correction', 'no correction')}); *p* is the probability of the figures if the "
              f"claim did not hold.", ""]
    lines += md_table(["Claim", "Where in the paper", "Metric", "Test", "Measured", "Interval", "p", "Holds"],
                      [[c["claim"], c["where"], c["metric"], c["test"], c["estimate"],
                        "—" if c["interval"] is None else
                        f"{format_value(c['interval'][0])} – {format_value(c['interval'][1])}",
                        c["p"], c["holds"]] for c in verdict["claims"]])
    lines += ["", "*The paper's figures*", ""]
    lines += md_table(["Figure", "Value", "Where"],
                      [[f["name"], f["value"], f["where"]] for f in record["paper"]["figures"]])
    lines += [""] + section(record, "Recorded run")
    for key, value in record.items():
        if is_section(key, value):
            lines += [""] + section(value, f"Comparison: {key}")
    if "movement" in record:
        m = record["movement"]
        lines += ["", f"**Data movement** — {code(m['tool'])}: one step of each row priced by the meter "
                      f"({text(m['meter'])}); to solve = one step's figure times the steps to solve "
                      f"([ranking](../MOVEMENT.md)).", ""]
        lines += md_table(["Row", "Family", "One step", "Size", "Cost", "Bytes read", "FLOPs", "Steps to solve",
                           "From", "Cost to solve", "FLOPs to solve"],
                          [[r["row"], r["family"], r["step"], r["size"], big(r["cost"]), big(r["bytes_read"]),
                            big(r["flops"]), big(r["steps_to_solve"]), r["steps_from"], big(r["cost_to_solve"]),
                            big(r["flops_to_solve"])] for r in m["rows"]])
    return "\n".join(lines)


def big(value) -> str:
    """A count for the movement tables: exact below a million, three significant digits above; — for none."""
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return format_value(value)
    return str(int(value)) if abs(value) < 1e6 else f"{value:.3g}".replace("e+0", "e").replace("e+", "e")


def replace_block(text: str, kind: str, body: str) -> str | None:
    begin, end = MARK[kind]
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        return None
    return pattern.sub(lambda _: f"{begin}\n{body}\n{end}", text, count=1)


def generated_files(root: Path = ROOT, only: list[str] | None = None) -> dict[Path, str]:
    """Every generated document (path -> expected content), except the book; with ``only``, just
    those stubs' README blocks."""
    out = {}
    if only is None:
        out = {root / "RESULTS.md": render_results(root), root / "VISUAL_TOUR.md": render_tour(root),
               root / "MOVEMENT.md": render_movement(root)}
        readme = (root / "README.md").read_text()
        new = replace_block(readme, "catalog", render_catalog_block(root))
        out[root / "README.md"] = new if new is not None else readme
    for e in entries():
        if only is not None and e["slug"] not in only:
            continue
        record = load_record(e["slug"], root)
        stub_readme = root / e["slug"] / "README.md"
        if record and stub_readme.exists():
            text = stub_readme.read_text()
            new = replace_block(text, "results", render_record_block(record))
            out[stub_readme] = new if new is not None else text
    return out


# ----------------------------------------------------------------------------------------
# The book (mdBook source tree)
# ----------------------------------------------------------------------------------------


README_LINK = re.compile(r"(\]\((?![a-z]+:)[^)\s#]*?)README\.md([#)\s])")


def write_book(dest: Path, root: Path = ROOT) -> None:
    """Write the mdBook source tree: front page, results, tour, one chapter per stub, and one page
    listing the planned problems (not one empty sidebar entry each).

    The repository's pages are README.md files (what GitHub shows in a folder); in the book they
    become index.md, and every link to a README.md is rewritten to match: mdBook renders README.md
    as index.html but keeps links to README.html, which do not exist. The tree is written beside
    ``dest`` and swapped in whole, so a failed build never leaves half a book."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    new = Path(tempfile.mkdtemp(prefix=f".{dest.name}-", dir=dest.parent))
    try:
        _write_book_into(new, root)
        old = dest.with_name(f".{dest.name}-old-{os.getpid()}")
        if dest.exists():
            dest.rename(old)
        new.rename(dest)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)
        raise


def _write_book_into(dest: Path, root: Path) -> None:
    for name in ("RESULTS.md", "VISUAL_TOUR.md", "MOVEMENT.md", "movement.png", "LICENSE"):
        if (root / name).exists():
            shutil.copy2(root / name, dest / name)
    shutil.copy2(root / "README.md", dest / "index.md")
    summary = ["# Summary", "", "[Schmidhuber Problems](index.md)", "", "- [Results](RESULTS.md)",
               "- [Visual tour](VISUAL_TOUR.md)", "- [Data movement](MOVEMENT.md)"]
    if (root / "shared" / "README.md").exists():
        (dest / "shared").mkdir()
        shutil.copy2(root / "shared" / "README.md", dest / "shared" / "index.md")
        summary.append("- [The shared package](shared/index.md)")
    planned = ["# Planned problems", "",
               "The problems of the published catalog that this one has not rebuilt yet, by era. The front "
               "page's [catalog](index.md#the-catalog) describes each.", ""]
    n_planned = 0
    for era, papers in CATALOG:
        built = [e for e in entries() if e["era"] == era and implemented(e["slug"], root)]
        waiting = [e for e in entries() if e["era"] == era and not implemented(e["slug"], root)]
        if built:
            summary += ["", f"# {era}", ""]
        for e in built:
            shutil.copytree(root / e["slug"], dest / e["slug"], ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            (dest / e["slug"] / "README.md").rename(dest / e["slug"] / "index.md")
            summary.append(f"- [{e['slug']}]({e['slug']}/index.md)")
        if waiting:
            planned += [f"**{era}:** " + ", ".join(f"{e['slug']}" for e in waiting) + ".", ""]
            n_planned += len(waiting)
    if n_planned:
        (dest / "PLANNED.md").write_text("\n".join(planned))
        summary[summary.index("- [Visual tour](VISUAL_TOUR.md)") + 1:
                summary.index("- [Visual tour](VISUAL_TOUR.md)") + 1] = [f"- [Planned problems ({n_planned})](PLANNED.md)"]
    (dest / "SUMMARY.md").write_text("\n".join(summary) + "\n")
    for page in dest.rglob("*.md"):
        text = page.read_text()
        linked = README_LINK.sub(r"\1index.md\2", text)
        if linked != text:
            page.write_text(linked)


LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def broken_links(page: Path, base: Path) -> list[str]:
    """Relative links and images of a markdown page that do not resolve to a file."""
    bad = []
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
    for target in LINK.findall(text):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue
        path = (page.parent / target.split("#")[0]).resolve()
        if not path.exists() or base.resolve() not in path.parents and path != base.resolve():
            bad.append(f"{page.relative_to(base)}: link {target!r} does not resolve")
    return bad


def book_errors(dest: Path) -> list[str]:
    errors = []
    for line in (dest / "SUMMARY.md").read_text().splitlines():
        m = re.match(r"^\s*- \[[^\]]*\]\(([^)]*)\)", line) or re.match(r"^\[[^\]]*\]\(([^)]*)\)", line)
        if m and m.group(1) and not (dest / m.group(1)).is_file():
            errors.append(f"SUMMARY.md lists {m.group(1)}, which does not exist")
    for page in sorted(dest.rglob("*.md")):
        errors += broken_links(page, dest)
    return errors


# ----------------------------------------------------------------------------------------
# The stub contract
# ----------------------------------------------------------------------------------------


def readme_errors(slug: str, root: Path) -> list[str]:
    path = root / slug / "README.md"
    try:
        raw = path.read_text()
    except (OSError, UnicodeDecodeError) as error:
        return [f"{slug}/README.md: not readable ({error})"]
    text = re.sub(r"```.*?```", "", raw, flags=re.S)
    errors = []
    start, end = MARK["results"]
    if raw.count(start) != 1 or raw.count(end) != 1 or raw.index(start) > raw.index(end):
        errors.append(f"the generated block needs exactly one {start} followed by one {end}")
    titles = re.findall(r"^# (.+)$", text, re.M)
    sections = re.findall(r"^## (.+?)\s*$", text, re.M)
    if len(titles) != 1 or not text.lstrip().startswith("# "):
        errors.append("must start with exactly one '# ' title")
    if sections != README_SECTIONS:
        errors.append(f"sections are {sections}, expected exactly {README_SECTIONS}")
    header = text.split("\n## ", 1)[0]
    if f"]({module(slug)}.gif)" not in header:
        errors.append(f"the header (before '## Problem') must show {module(slug)}.gif")
    for png in sorted((root / slug / "viz").glob("*.png")):
        if f"viz/{png.name}" not in text:
            errors.append(f"viz/{png.name} is not shown in the README")
    return [f"{slug}/README.md: {e}" for e in errors] + broken_links(path, root)


def stub_module(slug: str, root: Path = ROOT):
    """The stub's script imported as a module (for its ``verdict`` function)."""
    name = f"_catalog_stub_{module(slug)}_{abs(hash(str(root.resolve())))}"
    if name in sys.modules:
        return sys.modules[name]
    path = root / slug / f"{module(slug)}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[name] = loaded
    sys.path.insert(0, str(path.parent))  # a stub may import a sibling of its folder
    try:
        spec.loader.exec_module(loaded)
    finally:
        sys.path.remove(str(path.parent))
    return loaded


def same_values(a, b, rel: float = 1e-9) -> bool:
    """Equal, floats to a relative ``rel`` (a verdict recomputed on another libm may differ in its
    last bits; what it decides may not)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_values(a[k], b[k], rel) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_values(x, y, rel) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, (int, float)) and not isinstance(b, bool) or \
            isinstance(b, float) and isinstance(a, (int, float)) and not isinstance(a, bool):
        return math.isclose(a, b, rel_tol=rel, abs_tol=1e-300)
    return a == b


# Data movement (issue 21): the ``movement`` part of a record, written by bin/movement.py, not by the stub.
FAMILIES = ("gradient", "search", "evolution", "local rules")
MOVEMENT_ROW_KEYS = ("row", "family", "step", "size", "cost", "bytes_read", "flops", "steps_to_solve",
                     "steps_from", "cost_to_solve", "flops_to_solve")


def movement_errors(movement) -> list[str]:
    """What is wrong with a record's movement part (empty list if nothing)."""
    if not isinstance(movement, dict) or not isinstance(movement.get("rows"), list) or not movement["rows"] \
            or not isinstance(movement.get("meter"), str) or not isinstance(movement.get("tool"), str):
        return ["movement must be {'meter', 'tool', 'rows': [...]} with at least one row"]
    errors = []
    for row in movement["rows"]:
        name = row.get("row", "?") if isinstance(row, dict) else "?"
        if not isinstance(row, dict) or sorted(row) != sorted(MOVEMENT_ROW_KEYS):
            errors.append(f"movement row {name!r}: keys must be {', '.join(MOVEMENT_ROW_KEYS)}")
            continue
        if row["family"] not in FAMILIES:
            errors.append(f"movement row {name!r}: family {row['family']!r} is not one of {', '.join(FAMILIES)}")
        if not all(isinstance(row[k], int) and not isinstance(row[k], bool) and row[k] > 0
                   for k in ("cost", "bytes_read", "flops")):
            errors.append(f"movement row {name!r}: cost, bytes_read and flops must be positive integers")
            continue
        steps = row["steps_to_solve"]
        if steps is None:
            if row["cost_to_solve"] is not None or row["flops_to_solve"] is not None:
                errors.append(f"movement row {name!r}: no steps to solve, so no cost or FLOPs to solve")
        elif isinstance(steps, bool) or not isinstance(steps, (int, float)) or not steps > 0:
            errors.append(f"movement row {name!r}: steps_to_solve must be a positive number or null")
        elif (row["cost_to_solve"] != round(row["cost"] * steps)
              or row["flops_to_solve"] != round(row["flops"] * steps)):
            errors.append(f"movement row {name!r}: cost_to_solve and flops_to_solve must be the per-step "
                          f"figures times steps_to_solve")
    return errors


def recomputed_verdict(slug: str, record: dict, root: Path = ROOT) -> dict:
    """What the stub's verdict rule gives on a record's figures (JSON round trip, as stored)."""
    rule = stub_module(slug, root).verdict
    figures = {k: v for k, v in record.items() if k not in ("verdict", "machine", "movement")}
    return json.loads(json.dumps(rule(figures)))


def movement_staleness(slug: str, record: dict, root: Path = ROOT) -> list[str]:
    """The record's movement part checked, and checked against the stub's ``movement(record)``: a stub that
    names rows has them priced, under the same names, families, steps and steps to solve (a re-recorded run
    drops the part; a changed row needs ``python3 bin/movement.py SLUG`` again). The programs are not run."""
    errors = movement_errors(record["movement"]) if "movement" in record else []
    if errors or "def movement(" not in (root / slug / f"{module(slug)}.py").read_text():
        return errors
    tool = f"python3 bin/movement.py {slug}"
    if "movement" not in record:
        return [f"the stub defines movement(record) but the record holds no movement part; run {tool}"]
    try:
        named = stub_module(slug, root).movement({k: v for k, v in record.items() if k != "movement"})
    except Exception as error:  # a movement() that cannot read its own record is a broken stub
        return [f"the stub's movement() fails on the record: {type(error).__name__}: {error}"]
    keys = ("row", "family", "step", "size", "steps_to_solve", "steps_from")
    expected = [{k: row.get(k) for k in keys} for row in named]
    priced = [{k: row.get(k) for k in keys} for row in record["movement"]["rows"]]
    if not same_values(json.loads(json.dumps(expected)), priced):
        return [f"the movement part is stale: movement(record) now names other rows or steps; run {tool}"]
    return []


def record_file_errors(slug: str, root: Path) -> list[str]:
    try:
        record = load_record(slug, root)
    except ValueError as error:
        return [str(error)]
    where = f"{slug}/results.json"
    errors = [f"{where}: {e}" for e in record_errors(record, RECORD_KEYS)]
    errors += [f"{where}: {e}" for e in verdict_errors(record.get("verdict"))]
    if errors:
        return errors
    if record["slug"] != slug:
        errors.append(f"{where}: slug is {record['slug']!r}")
    if record["verdict"]["value"] == PENDING:
        errors.append(f"{where}: verdict pending ({record['verdict']['reason']})")
    else:
        try:
            again = recomputed_verdict(slug, record, root)
        except Exception as error:  # a rule that cannot read its own record is a broken stub
            errors.append(f"{where}: the stub's verdict() fails on the record: {type(error).__name__}: {error}")
        else:
            if not same_values(again, record["verdict"]):
                errors.append(f"{where}: verdict is not what {module(slug)}.verdict() gives on the recorded "
                              f"figures ({again['value']}: {again['reason']})")
    errors += [f"{where}: {e}" for e in movement_staleness(slug, record, root)]
    sections = {k: v for k, v in record.items() if is_section(k, v)}
    for name, rec in [(None, record), *sections.items()]:
        label = where if name is None else f"{where} [{name}]"
        if name is not None:
            errors += [f"{label}: {e}" for e in record_errors(rec, SECTION_KEYS)]
        try:
            flags, targets = command_parts(rec.get("command", ""), slug, label)
        except ValueError as error:
            errors.append(str(error))
            continue
        if "--quick" in flags:
            errors.append(f"{label}: recorded from a --quick run")
        errors += [f"{label}: --record {target!r} leaves the stub's folder" for target in targets
                   if (root / target).resolve().parent != (root / slug).resolve()]
    return errors


def picture_errors(slug: str, root: Path) -> list[str]:
    errors = []
    gif = root / slug / f"{module(slug)}.gif"
    if gif.exists():
        if gif.stat().st_size > GIF_CAP_BYTES:
            errors.append(f"{slug}/{gif.name}: {gif.stat().st_size} bytes, over the {GIF_CAP_BYTES} cap")
        try:
            frames = gif_frame_count(gif)
        except Exception as error:  # PIL raises several kinds for a truncated or foreign file
            errors.append(f"{slug}/{gif.name}: not a readable GIF ({type(error).__name__}: {error})")
        else:
            if frames < GIF_MIN_FRAMES:
                errors.append(f"{slug}/{gif.name}: fewer than {GIF_MIN_FRAMES} frames")
    pngs = list((root / slug / "viz").glob("*.png"))
    if not pngs:
        errors.append(f"{slug}/viz/: no PNGs")
    for png in pngs:
        if png.stat().st_size > PNG_CAP_BYTES:
            errors.append(f"{slug}/viz/{png.name}: {png.stat().st_size} bytes, over the {PNG_CAP_BYTES} cap")
    return errors


def stub_errors(slug: str, root: Path = ROOT) -> list[str]:
    m = module(slug)
    required = [f"{m}.py", f"visualize_{m}.py", f"make_{m}_gif.py", "README.md", "results.json", f"{m}.gif"]
    missing = [f"{slug}/{name}: missing" for name in [*required, "viz"] if not (root / slug / name).exists()]
    missing += [f"{slug}/{name}: a folder where a file belongs" for name in required if (root / slug / name).is_dir()]
    if (root / slug / "viz").exists() and not (root / slug / "viz").is_dir():
        missing.append(f"{slug}/viz: a file where the pictures' folder belongs")
    if missing:
        return missing
    stray = [p for p in (root / slug).rglob(".*.tmp") if p.is_file()]  # left by an interrupted atomic write
    errors = [f"{p.relative_to(root)}: a temporary file left behind; delete it" for p in stray]
    return errors + readme_errors(slug, root) + record_file_errors(slug, root) + picture_errors(slug, root)


def check_records(only: list[str] | None = None, root: Path = ROOT) -> list[str]:
    """The records that cannot be read (build needs every one), one line each."""
    errors = []
    for slug in only or [e["slug"] for e in entries() if implemented(e["slug"], root)]:
        try:
            record = load_record(slug, root)
        except ValueError as error:
            errors.append(str(error))
            continue
        if record is not None:
            errors += [f"{slug}/results.json: {e}" for e in record_errors(record, RECORD_KEYS)]
    return errors


def check(root: Path = ROOT, only: list[str] | None = None) -> list[str]:
    """Everything wrong with the catalog; with ``only``, just those stubs and their README blocks."""
    if only is not None:
        errors = [e for slug in only for e in stub_errors(slug, root)]
        if errors:
            return errors
        return [f"{path.relative_to(root)}: stale; run python3 bin/catalog.py build {' '.join(only)}"
                for path, expected in generated_files(root, only).items()
                if not path.exists() or path.read_text() != expected]
    errors = []
    slugs = [e["slug"] for e in entries()]
    if len(slugs) != len(set(slugs)):
        errors.append("bin/catalog.py: a slug is listed twice")
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if folder.name.startswith(".") or folder.name in NOT_STUBS or folder.name.endswith(".egg-info"):
            continue
        if folder.name not in slugs:
            errors.append(f"{folder.name}/: not a problem of the catalog list in bin/catalog.py")
    for slug in slugs:
        if implemented(slug, root):
            errors += stub_errors(slug, root)
    errors += [f"{p.relative_to(root)}: a temporary file left behind; delete it"
               for p in root.glob(".*.tmp") if p.is_file()]
    if errors:  # stale-document checks need valid records
        return errors
    for path, expected in generated_files(root).items():
        if not path.exists() or path.read_text() != expected:
            errors.append(f"{path.relative_to(root)}: stale; run python3 bin/catalog.py build")
    readme = (root / "README.md").read_text()
    if replace_block(readme, "catalog", "") is None:
        errors.append("README.md: catalog markers missing")
    for name in ("README.md", "RESULTS.md", "VISUAL_TOUR.md"):
        if (root / name).exists():
            errors += broken_links(root / name, root)
    return errors


# ----------------------------------------------------------------------------------------
# Running recorded commands
# ----------------------------------------------------------------------------------------


def recorded_runs(slug: str, root: Path = ROOT) -> list[tuple[str | None, list[str]]]:
    """(section, arguments) of every recorded command of a stub; None is the stub's own run.

    A command is data from a file: it must be ``python3 <slug>/<script>.py`` followed by flags, and
    only the flags are kept (the script is always the stub's own; ``--record`` and its path are
    dropped, the caller adds its own). Anything else raises ValueError naming the record.
    """
    record = load_record(slug, root)
    if record is None:
        return []
    return [(section, command_flags(part["command"], slug, f"{slug}/results.json" + (f" [{section}]" if section else "")))
            for section, part in [(None, record), *((k, v) for k, v in record.items() if is_section(k, v))]]


def command_parts(command, slug: str, label: str) -> tuple[list[str], list[str]]:
    """(flags, --record targets) of a recorded ``python3 <slug>/<script>.py ... --record`` command:
    the flags without ``--record`` and its path, and every path given to ``--record`` (none for the
    default, the stub's results.json). Anything else raises ValueError naming ``label``."""
    try:
        argv = shlex.split(command if isinstance(command, str) else "")
    except ValueError as error:
        raise ValueError(f"{label}: command cannot be parsed ({error})") from None
    if argv[:2] != ["python3", f"{slug}/{module(slug)}.py"] or not any(
            a == "--record" or a.startswith("--record=") for a in argv):
        raise ValueError(f"{label}: command must be 'python3 {slug}/{module(slug)}.py ... --record', got {command!r}")
    flags, targets, i = [], [], 2
    while i < len(argv):
        if argv[i] == "--record":
            if i + 1 < len(argv) and not argv[i + 1].startswith("--"):
                targets.append(argv[i + 1])
                i += 1
        elif argv[i].startswith("--record="):
            targets.append(argv[i][len("--record="):])
        else:
            flags.append(argv[i])
        i += 1
    return flags, targets


def command_flags(command: str, slug: str, label: str) -> list[str]:
    """The flags of a recorded command (see :func:`command_parts`)."""
    return command_parts(command, slug, label)[0]


def run_command(argv: list[str], root: Path, label: str, timeout: float | None, every: float) -> tuple:
    """Run ``argv`` in ``root``, printing a status line every ``every`` seconds, killing it after
    ``timeout`` seconds. Returns (exit code, or None when it timed out; stderr's tail; seconds)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    next_line = every
    while True:
        elapsed = time.perf_counter() - start
        if timeout is not None and elapsed >= timeout:
            proc.kill()
            proc.communicate()
            return None, f"timed out after {timeout:g} s", elapsed
        if elapsed >= next_line:
            print(f"  {label}: running, {elapsed:.0f} s", flush=True)
            next_line += every
        wait = next_line - elapsed if timeout is None else min(next_line, timeout) - elapsed
        try:
            _, err = proc.communicate(timeout=max(wait, 0.01))
            return proc.returncode, err[-2000:], time.perf_counter() - start
        except subprocess.TimeoutExpired:
            pass


def on_scheduler(flags: list[str], scheduler: str) -> list[str]:
    """A recorded command's flags sent to a Dask cluster: its local --workers dropped, --scheduler added."""
    kept = [f for i, f in enumerate(flags) if f != "--workers" and not f.startswith("--workers=")
            and (i == 0 or flags[i - 1] != "--workers")]
    return [*kept, "--scheduler", scheduler]


def run_stub(slug: str, root: Path = ROOT, timeout: float | None = None, every: float = 5.0,
             scheduler: str | None = None) -> tuple[str, bool, float]:
    """Rerun a stub's recorded commands, rewriting its results.json. With ``scheduler``, a stub whose
    sweep can run on a Dask cluster (it has ``--scheduler``) sends its jobs there, in place of its
    local ``--workers``; the others run here."""
    start = time.perf_counter()
    on_cluster = scheduler is not None and "--scheduler" in (root / slug / f"{module(slug)}.py").read_text()
    for section, flags in recorded_runs(slug, root):
        if on_cluster:
            flags = on_scheduler(flags, scheduler)
        argv = [sys.executable, f"{slug}/{module(slug)}.py", *flags, "--record"]
        print(f"[{slug}] {' '.join(map(shlex.quote, argv[1:]))}", flush=True)
        code, err, _ = run_command(argv, root, f"[{slug}]" + (f" [{section}]" if section else ""), timeout, every)
        if code != 0:
            print(f"[{slug}] failed ({'timed out' if code is None else f'exit {code}'}):\n{err}", flush=True)
            return slug, False, time.perf_counter() - start
    return slug, True, time.perf_counter() - start


def draw_stub(slug: str, root: Path = ROOT, timeout: float | None = None, every: float = 5.0) -> tuple[str, bool, float]:
    """Regenerate a stub's pictures: its visualize script (viz/) and its GIF script, as committed."""
    start = time.perf_counter()
    for script in (f"visualize_{module(slug)}.py", f"make_{module(slug)}_gif.py"):
        argv = [sys.executable, f"{slug}/{script}"]
        print(f"[{slug}] {script}", flush=True)
        code, err, _ = run_command(argv, root, f"[{slug}] {script}", timeout, every)
        if code != 0:
            print(f"[{slug}] {script} failed ({'timed out' if code is None else f'exit {code}'}):\n{err}", flush=True)
            return slug, False, time.perf_counter() - start
    return slug, True, time.perf_counter() - start


# ----------------------------------------------------------------------------------------
# Verifying recorded runs
# ----------------------------------------------------------------------------------------


def figures_of(value, path: str = "") -> dict[str, object]:
    """Every leaf figure of a record part, keyed by its path (run-dependent keys and the data-movement part,
    which bin/movement.py writes, left out)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if (key in RUN_DEPENDENT_KEYS or key in ("command", "verdict") or is_section(key, item)
                    or (key == "movement" and not path)):        # bin/movement.py's part, not the run's
                continue
            out.update(figures_of(item, f"{path}.{key}" if path else str(key)))
        return out
    if isinstance(value, list):
        out = {}
        for i, item in enumerate(value):
            out.update(figures_of(item, f"{path}[{i}]"))
        return out
    return {path: value}


def compare_figures(recorded: dict, again: dict) -> dict:
    """Which figures of ``again`` equal ``recorded`` exactly, and how far the others moved."""
    old, new = figures_of(recorded), figures_of(again)
    moved = []
    for key in sorted(old.keys() | new.keys()):
        a, b = old.get(key, "<absent>"), new.get(key, "<absent>")
        if a == b and type(a) is type(b):
            continue
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (a, b))
        relative = abs(b - a) / max(abs(a), abs(b)) if numeric and (a or b) else None
        moved.append({"figure": key, "recorded": a, "now": b, "relative": relative})
    moved.sort(key=lambda m: (m["relative"] is None, -(m["relative"] or 0.0)))  # numbers first, largest first
    return {"figures": len(old.keys() | new.keys()), "exact": len(old.keys() | new.keys()) - len(moved),
            "moved": moved}


def _run_into(task, timeout: float | None = None, every: float = 60.0):
    slug, section, flags, out, root = task
    argv = [sys.executable, f"{slug}/{module(slug)}.py", *flags, "--record", str(out)]
    label = slug + (f" [{section}]" if section else "")
    code, err, seconds = run_command(argv, root, label, timeout, every)
    outcome = "ok" if code == 0 else "timed out" if code is None else f"exit {code}"
    print(f"  ran {label}: {outcome} ({seconds:.0f} s)", flush=True)
    return task, (-1 if code is None else code), err, seconds


def _kept_rerun(task, here: dict) -> float | None:
    """The wallclock of a rerun already in the keep folder that can stand for this task (the same
    recorded command, run under this process's kernels), or None."""
    slug, section, flags, out, _ = task
    try:
        part_file = load_json(out)
        part = part_file.get(section) if section else part_file
        if command_flags(part["command"], slug, str(out)) != flags:
            return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if kernels(part_file.get("machine") or {}) != here:
        return None
    return float(part.get("wallclock_s") or 0.0)


def verify(slugs: list[str], jobs: int, keep: Path | None = None, show: int = 5, root: Path = ROOT,
           resume: bool = False, timeout: float | None = None) -> int:
    """Rerun the recorded commands of ``slugs`` into a temporary folder and report (see the module doc).
    With ``resume`` (and ``keep``), a rerun already in the keep folder, of the same command under the
    same kernels, is reused: a long verify can be done in parts."""
    plans = {slug: recorded_runs(slug, root) for slug in slugs}  # refuses a malformed command first
    work = Path(tempfile.mkdtemp(prefix="catalog-verify-")) if keep is None else keep
    work.mkdir(parents=True, exist_ok=True)
    tasks = [(slug, section, flags, work / slug / f"{section or 'main'}.json", root)
             for slug, runs in plans.items() for section, flags in runs]
    for task in tasks:
        task[3].parent.mkdir(parents=True, exist_ok=True)
    outcomes = {}
    if resume:
        here = kernels(describe())
        for task in tasks:
            seconds = _kept_rerun(task, here)
            if seconds is not None:
                outcomes[(task[0], task[1])] = (0, "", seconds)
        tasks = [t for t in tasks if (t[0], t[1]) not in outcomes]
    print(f"verify: {len(slugs)} stub(s), {len(tasks)} recorded command(s) to run"
          + (f" ({len(outcomes)} reused from {work})" if outcomes else "") + f", {jobs} at a time, into {work}",
          flush=True)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        outcomes.update({(t[0], t[1]): (code, err, sec)
                         for t, code, err, sec in pool.map(lambda task: _run_into(task, timeout), tasks)})
    failures, verdict_changes, rows = 0, 0, []
    for slug, runs in plans.items():
        recorded = load_record(slug, root)
        merged, machine = {}, None
        for section, _ in runs:
            code, err, seconds = outcomes[(slug, section)]
            label = slug + (f" [{section}]" if section else "")
            if code != 0:
                failures += 1
                print(f"\n{label}: the command failed (exit {code}):\n{err}")
                rows.append([label, "-", "-", "-", "command failed", "-", "-"])
                continue
            part_file = load_json(work / slug / f"{section or 'main'}.json")
            machine = part_file.get("machine", machine)
            part = part_file[section] if section else {k: v for k, v in part_file.items()
                                                      if k not in ("verdict", "machine")}
            merged = merge_record(merged, part, section)
            old = recorded[section] if section else {k: v for k, v in recorded.items() if not is_section(k, v)}
            result = compare_figures(old, part)
            largest = result["moved"][0] if result["moved"] else None
            rows.append([label, result["figures"], result["exact"], len(result["moved"]),
                         "-" if largest is None else _describe_move(largest), f"{seconds:.0f} s", ""])
            if result["moved"]:
                print(f"\n{label}: {len(result['moved'])} of {result['figures']} figures moved; the largest:")
                for move in result["moved"][:show]:
                    print(f"    {_describe_move(move)}")
        if any(outcomes[(slug, s)][0] != 0 for s, _ in runs):
            continue
        again = json.loads(json.dumps(stub_module(slug, root).verdict(merged)))
        before = recorded["verdict"]
        claims_changed = [c["claim"] for c, d in zip(before.get("claims", []), again.get("claims", []))
                          if c.get("holds") != d.get("holds")]
        kept = again["value"] == before["value"]
        verdict_changes += not kept
        rows.append([f"{slug}: verdict", "", "", "", "; ".join(f"claim changed: {c}" for c in claims_changed)
                     or "every claim as recorded", "",
                     f"{before['value']} → {again['value']}" + ("" if kept else "  CHANGED")])
        if machine is not None:
            here, there = kernels(machine), kernels(recorded.get("machine", {}))
            differ = {k: (there.get(k), here.get(k)) for k in here if here.get(k) != there.get(k)}
            if differ:
                print(f"\n{slug}: kernels differ from the record's: "
                      + "; ".join(f"{k} {a} (recorded) vs {b} (now)" for k, (a, b) in differ.items()))
    print()
    print("\n".join(md_table(["stub [section]", "figures", "exact", "moved", "largest move", "time", "verdict"],
                             rows)))
    if keep is None:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nverify: {failures} failed command(s); {verdict_changes} verdict(s) changed")
    return 1 if failures or verdict_changes else 0


def _describe_move(move: dict) -> str:
    change = "" if move["relative"] is None else f" ({100 * move['relative']:.3g}%)"
    return f"{move['figure']}: {format_value(move['recorded'])} → {format_value(move['now'])}{change}"


def build(root: Path = ROOT, book: Path | None = None, only: list[str] | None = None) -> None:
    for path, content in generated_files(root, only).items():
        if not path.exists() or path.read_text() != content:
            atomic_write(path, content)            # never a half-written document
            print(f"wrote {path.relative_to(root)}")
    if only is not None:
        return
    write_book(book or root / "src", root)
    print(f"wrote the book source tree in {(book or root / 'src')}")


def main(argv=None) -> int:
    parser = ArgumentParser(prog="catalog.py", description=__doc__,       # errors: one line, exit 2
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    build_parser = sub.add_parser("build", help="regenerate the documents and the book source tree (src/)")
    build_parser.add_argument("slugs", nargs="*", help="only these stubs' README blocks (default: everything)")
    check_parser = sub.add_parser("check", help="fail, naming the file, if a document is stale or a stub breaks "
                                                "the contract")
    check_parser.add_argument("slugs", nargs="*", help="only these stubs (default: everything)")
    def over_stubs(name: str, help_text: str, what: str):
        """A command that runs scripts of several stubs: SLUG... or --all, --jobs, --timeout."""
        command = sub.add_parser(name, help=help_text)
        command.add_argument("slugs", nargs="*", help="stubs to take")
        command.add_argument("--all", action="store_true", help="every implemented stub")
        command.add_argument("--jobs", type=int, default=2, help=f"{what} run in parallel (default: 2)")
        command.add_argument("--timeout", type=positive_float, default=3600.0, metavar="SECONDS",
                             help="stop a script after this long, as a failure (default: 3600)")
        return command

    run = over_stubs("run", "rerun recorded commands and rewrite results.json", "stubs")
    run.add_argument("--scheduler", type=scheduler_address, default=None, metavar="ADDRESS",
                     help="a Dask scheduler (tcp://HOST:8786): stubs whose sweeps can run there send one task per "
                          "job to its workers (pip install -e '.[cluster]')")
    over_stubs("figures", "regenerate the pictures: every stub's viz/ and GIF", "stubs")
    check_runs = over_stubs("verify", "rerun recorded commands into a temporary place and compare", "commands")
    check_runs.add_argument("--keep", type=Path, default=None, metavar="DIR",
                            help="write the reruns' records here and keep them (default: a temporary folder)")
    check_runs.add_argument("--show", type=int, default=5, help="moved figures listed per section (default: 5)")
    check_runs.add_argument("--resume", action="store_true",
                            help="with --keep: reuse reruns already there (same command, same kernels)")
    args = parser.parse_args(argv)

    if args.command in ("build", "check"):
        listed = {e["slug"] for e in entries()}
        unknown = [s for s in args.slugs if s not in listed or not implemented(s)]
        if unknown:
            parser.error(f"not implemented stubs: {', '.join(unknown)}")
    if args.command == "build":
        errors = check_records(args.slugs or None)
        if errors:
            print("\n".join(errors), file=sys.stderr)
            print("catalog build: nothing written; fix the records above (python3 bin/catalog.py check)",
                  file=sys.stderr)
            return 1
        build(only=args.slugs or None)
        return 0
    if args.command == "check":
        errors = check(only=args.slugs or None)
        for error in errors:
            print(error)
        print(f"catalog check: {'FAILED, ' + str(len(errors)) + ' problem(s)' if errors else 'ok'}")
        return 1 if errors else 0
    known = {e["slug"] for e in entries() if implemented(e["slug"]) and load_record(e["slug"]) is not None}
    slugs = sorted(known) if args.all else list(dict.fromkeys(args.slugs))   # a slug named twice runs once
    unknown = [s for s in slugs if s not in known]
    if not slugs or unknown or args.jobs < 1:
        parser.error("name implemented stubs or pass --all; --jobs must be >= 1"
                     + (f" (not implemented: {', '.join(unknown)})" if unknown else ""))
    if args.command == "verify":
        try:
            if args.resume and args.keep is None:
                parser.error("--resume needs --keep DIR (the folder of an earlier verify)")
            return verify(slugs, args.jobs, args.keep, args.show, resume=args.resume, timeout=args.timeout)
        except ValueError as error:
            parser.error(str(error))
    task = run_stub if args.command == "run" else draw_stub
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        extra = {"scheduler": args.scheduler} if args.command == "run" else {}
        outcomes = list(pool.map(lambda slug: task(slug, timeout=args.timeout, **extra), slugs))
    for slug, ok, seconds in outcomes:
        print(f"{slug}: {'ok' if ok else 'FAILED'} ({seconds:.1f} s)")
    if args.command == "run":
        build()          # the documents follow the records, whatever failed
    else:
        errors = [e for slug in slugs for e in picture_errors(slug, ROOT)]
        print("\n".join(errors) or "pictures within the catalog's caps")
        return 0 if all(ok for _, ok, _ in outcomes) and not errors else 1
    return 0 if all(ok for _, ok, _ in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
