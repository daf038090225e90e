"""ntksym's NNGP and NTK Gram matrices agree with the values neural-tangents 0.6.5 computes in
float64, for 8 activations (relu, erf, gelu, sin, abs, leaky_relu, a cubic, x^3), depths 1-3,
with and without bias, in both parameterizations.

Source: Novak et al., "Neural Tangents: Fast and Easy Infinite Neural Networks in Python", ICLR
2020 (arXiv:1912.02803); the values were computed with neural-tangents 0.6.5 and jax 0.4.23
(jax_enable_x64) and ship with ntksym (``ntksym/proofs/data/neural_tangents_0.6.5.json``).

Method: numerical: for each of the 40 cases the four Gram matrices (X1 x X1 and X1 x X2, NNGP and
NTK) from ``net.gram`` against neural-tangents' values; tolerance 1e-12 relative to each
matrix's largest entry (both are float64 computations of the same recursion; neural-tangents'
values agree with high-precision quadrature to about 1e-14).
"""
import json
import pathlib

import numpy as np

import ntksym as nk
from ntksym.proving import conclude, require
from ntksym.proving.tools import relative_error

DATA = pathlib.Path(__file__).resolve().parent / "data" / "neural_tangents_0.6.5.json"
TOL = 1e-12


def prove():
    ref = json.loads(DATA.read_text(encoding="utf-8"))
    X1, X2 = np.array(ref["X1"]), np.array(ref["X2"])
    worst, where = 0.0, ""
    for case in ref["cases"]:
        act = nk.activation(case["activation"], **case.get("params", {}))
        net = nk.MLP(case["depth"], act, W_std=case["W_std"], b_std=case["b_std"],
                     parameterization=case["parameterization"], width=case.get("width"))
        g11, g12 = net.gram(X1), net.gram(X1, X2)
        for key, value in (("nngp", g11.nngp), ("ntk", g11.ntk), ("nngp_12", g12.nngp),
                           ("ntk_12", g12.ntk)):
            err = relative_error(value, case[key])
            if err > worst:
                worst, where = err, f"{case['activation']} depth {case['depth']} {key}"
    require(len(ref["cases"]) == 40, "the reference file should hold 40 cases")
    return conclude(method="float64 vs neural-tangents 0.6.5 (float64)", error=worst,
                    tolerance=TOL, details=f"40 cases x 4 matrices; largest error at {where}")
