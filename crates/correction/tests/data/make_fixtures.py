"""Writes the correctionlib fixtures of the `correction` crate and their expected results.

Run with the Python environment that has correctionlib 2.9.0 installed:

    ~/peers/bin/python crates/correction/tests/data/make_fixtures.py

It writes, next to itself:

- binning.json, category.json, formula.json, compound.json: correction sets built with
  correctionlib.schemav2 (pydantic) models;
- transform_hashprng.json.gz: the same, gzipped;
- quirks.json: hand-written JSON that pydantic would refuse but the C++ evaluator reads
  (duplicate category keys, NaN edges, NaN/Infinity literals, ...);
- long_numbers.json: numbers with 17 and more digits, which rapidjson (without
  kParseFullPrecisionFlag) does not round correctly;
- expected.json: for every file, every correction, a list of inputs and what
  correctionlib's evaluator returned: the exact IEEE bits of the result (16 hex digits), or
  `error:<kind>` with the kind of error it raised. Real inputs are given as bit patterns
  too (`r<hex>`; ints are `i<n>`, strings `s<text>`), so that NaN, -0.0 and infinities
  survive.

Everything is deterministic (fixed seeds), so rerunning reproduces the files.
"""

from __future__ import annotations

import gzip
import itertools
import json
import math
import random
import struct
import sys
import warnings
from pathlib import Path

import correctionlib
import correctionlib.schemav2 as cs

HERE = Path(__file__).resolve().parent
NAN = float("nan")
INF = float("inf")

warnings.simplefilter("ignore")  # 'stdnormal' is deprecated, and that is what we test


def bits(x: float) -> str:
    return "%016x" % struct.unpack("<Q", struct.pack("<d", x))[0]


def real(name: str) -> cs.Variable:
    return cs.Variable(name=name, type="real")


def integer(name: str) -> cs.Variable:
    return cs.Variable(name=name, type="int")


def string(name: str) -> cs.Variable:
    return cs.Variable(name=name, type="string")


def correction(name, inputs, data, **kw) -> cs.Correction:
    return cs.Correction(
        name=name,
        version=1,
        inputs=inputs,
        output=cs.Variable(name="out", type="real"),
        data=data,
        **kw,
    )


def formula(expr, variables, parameters=None) -> cs.Formula:
    return cs.Formula(
        nodetype="formula",
        expression=expr,
        parser="TFormula",
        variables=variables,
        parameters=parameters,
    )


def around(edges):
    """Values at, just below and just above each edge, and between edges."""
    out = []
    for e in edges:
        e = float(e)
        if math.isinf(e):
            continue
        out += [e, math.nextafter(e, -INF), math.nextafter(e, INF)]
    finite = [float(e) for e in edges if not math.isinf(float(e))]
    out += [(a + b) / 2 for a, b in zip(finite[:-1], finite[1:])]
    out += [finite[0] - 1.0, finite[-1] + 1.0, finite[0] - 1e6, finite[-1] + 1e6]
    out += [INF, -INF, NAN, 0.0, -0.0]
    return out


def cases_for(corr, candidates, limit, rng):
    """Input tuples: the full product of the candidates when small, else a sample."""
    lists = [candidates[v.name] for v in corr.inputs]
    product = list(itertools.product(*lists))
    if len(product) > limit:
        product = rng.sample(product, limit)
    return product


# --------------------------------------------------------------------------- binning


def uniform_rounding_case(rng):
    """A uniform binning where a value just below `high` lands in bin `n` (the default)."""
    while True:
        n = rng.randint(2, 50)
        low = rng.uniform(-10, 10)
        high = low + rng.uniform(0.01, 20)
        v = math.nextafter(high, -INF)
        if v >= low and int(n * ((v - low) / (high - low))) == n:
            return n, low, high, v


def binning_file(rng):
    nu = [-2.5, -1.0, 0.0, 0.5, 1.5, 3.0]
    nu_content = [1.5, 2.25, -3.0, 4.125, 5.0]
    corrs = []
    for flow in ["clamp", "error", "wrap", 7.5]:
        tag = flow if isinstance(flow, str) else "default"
        corrs.append(
            correction(
                f"bin_nu_{tag}",
                [real("x")],
                cs.Binning(nodetype="binning", input="x", edges=nu, content=nu_content, flow=flow),
            )
        )
    corrs.append(
        correction(
            "bin_nu_flowformula",
            [real("x")],
            cs.Binning(
                nodetype="binning",
                input="x",
                edges=nu,
                content=nu_content,
                flow=formula("x*x+1", ["x"]),
            ),
        )
    )
    for flow in ["clamp", "error"]:
        corrs.append(
            correction(
                f"bin_inf_edges_{flow}",
                [real("x")],
                cs.Binning(
                    nodetype="binning",
                    input="x",
                    edges=["-inf", -1.0, 0.0, 1.0, "+inf"],
                    content=[10.0, 20.0, 30.0, 40.0],
                    flow=flow,
                ),
            )
        )
    uni = cs.UniformBinning(n=7, low=-1.3, high=2.9)
    uni_edges = [-1.3 + (2.9 - -1.3) * i / 7 for i in range(8)]
    for flow in ["clamp", "error", "wrap", -4.0]:
        tag = flow if isinstance(flow, str) else "default"
        corrs.append(
            correction(
                f"bin_u_{tag}",
                [real("x")],
                cs.Binning(
                    nodetype="binning",
                    input="x",
                    edges=uni,
                    content=[float(i) + 0.5 for i in range(7)],
                    flow=flow,
                ),
            )
        )
    n, low, high, v_round = uniform_rounding_case(rng)
    for flow in ["clamp", 99.0]:
        tag = flow if isinstance(flow, str) else "default"
        corrs.append(
            correction(
                f"bin_u_rounding_{tag}",
                [real("x")],
                cs.Binning(
                    nodetype="binning",
                    input="x",
                    edges=cs.UniformBinning(n=n, low=low, high=high),
                    content=[float(i) for i in range(n)],
                    flow=flow,
                ),
            )
        )
    corrs.append(
        correction(
            "bin_int_input",
            [integer("i")],
            cs.Binning(
                nodetype="binning",
                input="i",
                edges=[-3.0, 0.0, 2.0, 10.0],
                content=[1.0, 2.0, 3.0],
                flow="clamp",
            ),
        )
    )
    corrs.append(
        correction(
            "bin_int_uniform_error",
            [integer("i")],
            cs.Binning(
                nodetype="binning",
                input="i",
                edges=cs.UniformBinning(n=4, low=-2.0, high=6.0),
                content=[1.0, 2.0, 3.0, 4.0],
                flow="error",
            ),
        )
    )
    corrs.append(
        correction(
            "bin_nested",
            [real("x"), real("y"), integer("i")],
            cs.Binning(
                nodetype="binning",
                input="x",
                edges=[0.0, 1.0, 2.0, 3.0, 4.0],
                content=[
                    0.25,
                    formula("x*y", ["x", "y"]),
                    cs.Binning(
                        nodetype="binning",
                        input="y",
                        edges=cs.UniformBinning(n=3, low=0.0, high=3.0),
                        content=[1.0, 2.0, 3.0],
                        flow="clamp",
                    ),
                    cs.Category(
                        nodetype="category",
                        input="i",
                        content=[cs.CategoryItem(key=1, value=11.0), cs.CategoryItem(key=2, value=22.0)],
                    ),
                ],
                flow="error",
            ),
        )
    )
    mb_edges = [
        [-1.0, 0.0, 0.5, 2.0, 4.0],
        cs.UniformBinning(n=3, low=10.0, high=40.0),
        [0.0, 1.0, 2.0, 5.0],
    ]
    for flow in ["clamp", "error", "wrap", -1.5]:
        tag = flow if isinstance(flow, str) else "default"
        corrs.append(
            correction(
                f"mb_{tag}",
                [real("x"), real("y"), integer("i")],
                cs.MultiBinning(
                    nodetype="multibinning",
                    inputs=["x", "y", "i"],
                    edges=mb_edges,
                    content=[round(rng.uniform(0.5, 1.5), 6) for _ in range(4 * 3 * 3)],
                    flow=flow,
                ),
            )
        )
    corrs.append(
        correction(
            "mb_nested",
            [real("x"), real("y"), integer("i")],
            cs.MultiBinning(
                nodetype="multibinning",
                inputs=["y", "x"],
                edges=[[10.0, 20.0, 40.0], [-1.0, 0.5, 4.0]],
                content=[
                    1.0,
                    formula("x+y", ["x", "y"]),
                    cs.Category(
                        nodetype="category",
                        input="i",
                        content=[cs.CategoryItem(key=0, value=5.0)],
                        default=6.0,
                    ),
                    formula("[0]*x", ["x"], [3.5]),
                ],
                flow=formula("-x", ["y"]),
            ),
        )
    )
    # Uniform axes that meet NaN: the reference turns NaN into the index 2^63.
    corrs.append(
        correction(
            "mb_uniform_nan",
            [real("x"), real("y")],
            cs.MultiBinning(
                nodetype="multibinning",
                inputs=["x", "y"],
                edges=[cs.UniformBinning(n=2, low=0.0, high=2.0), cs.UniformBinning(n=3, low=0.0, high=3.0)],
                content=[1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
                flow="clamp",
            ),
        )
    )
    cset = cs.CorrectionSet(schema_version=2, corrections=corrs, description="binning fixtures")

    cand = {
        "x": around(nu) + around(uni_edges[::2]) + [v_round, 10.0, 25.0, 0.7],
        "y": around([10.0, 20.0, 40.0]) + [0.5, 1.5, 2.5, 10.5, 39.0],
        "i": [-5, -3, -1, 0, 1, 2, 3, 5, 9, 10, 11, 2**40, -(2**62)],
    }
    cand_small = {
        "x": [-1.5, -1.0, 0.0, 0.25, 0.5, 1.9, 3.9, 4.0, 5.0, NAN, INF, -INF, -0.0, 2.5, 3.5, 1.0, 1.5],
        "y": [5.0, 10.0, 15.0, 20.0, 39.99, 40.0, 45.0, NAN, INF, 0.0, 1.0, 2.5, 3.0],
        "i": [-1, 0, 1, 2, 4, 5, 6, 3],
    }
    plan = {}
    for c in corrs:
        if c.name.startswith("bin_u_rounding"):
            xs = [v_round, low, high, math.nextafter(low, INF), (low + high) / 2, NAN, low - 1, high + 1]
            plan[c.name] = [(x,) for x in xs]
        elif c.name.startswith("mb_") or c.name == "bin_nested":
            plan[c.name] = cases_for(c, cand_small, 150, rng)
        else:
            plan[c.name] = cases_for(c, cand, 80, rng)
    return cset, plan


# --------------------------------------------------------------------------- category


def category_file(rng):
    int_items = [cs.CategoryItem(key=k, value=float(k) * 1.5 + 0.25) for k in [-7, -1, 0, 1, 2, 5, 2147483647, -2147483648]]
    str_items = [cs.CategoryItem(key=k, value=v) for k, v in [("nominal", 1.0), ("up", 1.1), ("down", 0.9), ("", 0.5), ("ünï", 2.0)]]
    corrs = [
        correction("cat_int_default", [integer("i")], cs.Category(nodetype="category", input="i", content=int_items, default=-99.0)),
        correction("cat_int_nodefault", [integer("i")], cs.Category(nodetype="category", input="i", content=int_items)),
        correction("cat_str_default", [string("s")], cs.Category(nodetype="category", input="s", content=str_items, default=3.0)),
        correction("cat_str_nodefault", [string("s")], cs.Category(nodetype="category", input="s", content=str_items)),
        correction(
            "cat_nested",
            [string("s"), integer("i"), real("x")],
            cs.Category(
                nodetype="category",
                input="s",
                content=[
                    cs.CategoryItem(
                        key="a",
                        value=cs.Category(
                            nodetype="category",
                            input="i",
                            content=[
                                cs.CategoryItem(
                                    key=0,
                                    value=cs.Binning(nodetype="binning", input="x", edges=[0.0, 1.0, 2.0], content=[1.0, 2.0], flow="error"),
                                ),
                                cs.CategoryItem(key=1, value=formula("2*x", ["x"])),
                            ],
                            default=formula("x-100", ["x"]),
                        ),
                    ),
                    cs.CategoryItem(key="b", value=7.0),
                ],
                default=cs.Category(nodetype="category", input="i", content=[cs.CategoryItem(key=3, value=33.0)]),
            ),
        ),
    ]
    cset = cs.CorrectionSet(schema_version=2, corrections=corrs, description="category fixtures")
    cand = {
        "i": [-8, -7, -1, 0, 1, 2, 3, 4, 5, 2147483647, -2147483648, 2147483648, 2**62, -(2**63)],
        "s": ["nominal", "up", "down", "", "ünï", "Nominal", "other", "a", "b"],
        "x": [-0.5, 0.0, 0.5, 1.0, 1.5, 2.0, NAN, 3.0],
    }
    plan = {c.name: cases_for(c, cand, 150, rng) for c in corrs}
    return cset, plan


# --------------------------------------------------------------------------- formula

FORMULAS = [
    "x",
    "1.5",
    "-x",
    "- x",
    "-x^2",
    "-2^2",
    "2^3^2",
    "x^y",
    "x^-y",
    "x + y * z - t / 3",
    "(x + y) * (z - t) / (x - 0.5)",
    "1 - 2 - 3 + x",
    "x / y / z",
    "x - -3",
    "x*-1.5e-3",
    "1.e2 + 2. + 3.25e-1 * x",
    "1e400 + x*0",
    "1e-310 * 1e10 + x*0",
    "x == y",
    "x != y",
    "x > y",
    "x < y",
    "x >= y",
    "x <= y",
    "x > 0 && y > 0",
    "x > 0 || y > 0",
    "x && y",
    "x || y",
    "x == y || z < t && x != 0",
    "1 + 2 * 3 ^ 2 > 18 == 1",
    "log(x)",
    "log10(x)",
    "exp(x)",
    "erf(x)",
    "sqrt(x)",
    "abs(x)",
    "cos(x)",
    "sin(x)",
    "tan(x)",
    "acos(y)",
    "asin(y)",
    "atan(x)",
    "cosh(x)",
    "sinh(x)",
    "tanh(x)",
    "acosh(x)",
    "asinh(x)",
    "atanh(y)",
    "atan2(x, y)",
    "pow(x, y)",
    "pow(x, 2)",
    "pow(x, 0.5)",
    "max(x, y)",
    "min(x, y)",
    "max(x, 0)",
    "min(0, x)",
    "[0] + [1]*x + [2]*x^2 + [3]*x^3",
    "[0]*erf((x-[1])/[2]) + [3]",
    "[0]+[1]*log10(y)+[2]*pow(log10(y),2)",
    "x[0] + x[1]*x[2] - x[3]",
    "exp(-0.5*((x-[0])/[1])^2)/(sqrt(2*3.141592653589793)*[1])",
    "max(0.0001, min(0.9999, [0]*x+[1]))",
    "sin(x)^2 + cos(x)^2",
    "log(exp(x)) - x",
    "sqrt(x*x + y*y) * (x>y) + t",
    "x*x*x*x*x*x*x*x + y",
    "((((((x))))))",
    "log(log(log(log(x))))",
    "[ 0 ] + x",
    "\t x +  y\t",
]


FOUR_VARIABLES = {
    "x + y * z - t / 3",
    "(x + y) * (z - t) / (x - 0.5)",
    "x / y / z",
    "x == y || z < t && x != 0",
    "x[0] + x[1]*x[2] - x[3]",
    "sqrt(x*x + y*y) * (x>y) + t",
}


def formula_file(rng):
    params = [0.75, -1.25, 2.5, 0.125]
    corrs = []
    for k, expr in enumerate(FORMULAS):
        # Four inputs only where z, t, x[2] or x[3] appear (keeps expected.json small).
        names = ["x", "y", "z", "t"] if expr in FOUR_VARIABLES else ["x", "y"]
        corrs.append(
            correction(
                f"formula_{k:02d}",
                [real(n) for n in names],
                formula(expr, names, params if "[" in expr else None),
                description=expr,
            )
        )
    # FormulaRef: generic formulas bound per bin.
    corrs.append(
        correction(
            "formularef",
            [real("x"), real("y")],
            cs.Binning(
                nodetype="binning",
                input="y",
                edges=[0.0, 1.0, 2.0, 3.0],
                content=[
                    cs.FormulaRef(nodetype="formularef", index=0, parameters=[1.0, 2.0]),
                    cs.FormulaRef(nodetype="formularef", index=0, parameters=[-0.5, 0.25]),
                    cs.FormulaRef(nodetype="formularef", index=1, parameters=[3.0, 0.1, 7.0]),
                ],
                flow=cs.FormulaRef(nodetype="formularef", index=1, parameters=[0.0, 1.0, 2.0]),
            ),
            generic_formulas=[
                formula("[0] + [1]*x", ["x"]),
                formula("[0]*exp(-[1]*y) + [2]*x", ["x", "y"]),
            ],
        )
    )
    cset = cs.CorrectionSet(schema_version=2, corrections=corrs, description="formula fixtures")
    vals = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, 3.0, 1e-300, 1e300, 7.25, -13.5, 0.999, 1.001, NAN, INF, -INF, 100.0, 1.5, 0.3]
    plan = {}
    for c in corrs:
        tuples = []
        for _ in range(16):
            tuples.append(tuple(rng.choice(vals) for _ in c.inputs))
        for _ in range(9):
            tuples.append(tuple(rng.uniform(-5, 5) for _ in c.inputs))
        plan[c.name] = tuples
    return cset, plan


# --------------------------------------------------------------------------- transform & hashprng


def transform_hashprng_file(rng):
    corrs = [
        correction(
            "tr_real",
            [real("x")],
            cs.Transform(
                nodetype="transform",
                input="x",
                rule=formula("abs(x)", ["x"]),
                content=cs.Binning(nodetype="binning", input="x", edges=[0.0, 1.0, 2.0, 3.0], content=[1.0, 2.0, 3.0], flow="clamp"),
            ),
        ),
        correction(
            "tr_int",
            [integer("i"), real("y")],
            cs.Transform(
                nodetype="transform",
                input="i",
                rule=formula("x*2.5", ["y"]),
                content=cs.Category(
                    nodetype="category",
                    input="i",
                    content=[cs.CategoryItem(key=k, value=float(k) + 0.5) for k in range(-5, 6)],
                    default=-1.0,
                ),
            ),
        ),
        correction(
            "tr_int_binning",
            [integer("i"), real("y")],
            cs.Transform(
                nodetype="transform",
                input="i",
                rule=formula("x", ["y"]),
                content=cs.Binning(nodetype="binning", input="i", edges=[-10.0, -1.0, 0.0, 1.0, 10.0], content=[1.0, 2.0, 3.0, 4.0], flow=0.0),
            ),
        ),
        correction(
            "tr_nested",
            [real("x"), real("y")],
            cs.Transform(
                nodetype="transform",
                input="x",
                rule=formula("x*y", ["x", "y"]),
                content=cs.Transform(
                    nodetype="transform",
                    input="y",
                    rule=formula("x+1", ["x"]),
                    content=formula("x-y", ["x", "y"]),
                ),
            ),
        ),
    ]
    for dist in ["stdflat", "stdnormal", "normal"]:
        corrs.append(
            correction(
                f"prng_{dist}",
                [integer("i"), real("x")],
                cs.HashPRNG(nodetype="hashprng", inputs=["i", "x"], distribution=dist),
            )
        )
        corrs.append(
            correction(
                f"prng_{dist}_three",
                [real("x"), integer("i"), real("y")],
                cs.HashPRNG(nodetype="hashprng", inputs=["y", "i", "x"], distribution=dist),
            )
        )
    corrs.append(
        correction(
            "prng_in_binning",
            [real("x"), integer("i")],
            cs.Binning(
                nodetype="binning",
                input="x",
                edges=[0.0, 1.0, 2.0],
                content=[cs.HashPRNG(nodetype="hashprng", inputs=["i"], distribution="normal"), 1.0],
                flow=cs.HashPRNG(nodetype="hashprng", inputs=["x", "i"], distribution="stdflat"),
            ),
        )
    )
    cset = cs.CorrectionSet(schema_version=2, corrections=corrs, description="transform and hashprng fixtures (gzipped)")
    plan = {}
    ys = [-2.6, -2.5, -2.4, -1.5, -0.5, -0.2, 0.0, -0.0, 0.2, 0.5, 0.6, 1.5, 2.5, 3.5, 1e30, -1e30, NAN, INF]
    for c in corrs:
        if c.name.startswith("prng"):
            tuples = []
            for k in range(80):
                row = []
                for v in c.inputs:
                    if v.type == "int":
                        row.append(rng.choice([0, 1, -1, 2**63 - 1, -(2**63), rng.randint(-(10**12), 10**12), k]))
                    else:
                        row.append(rng.choice([0.0, -0.0, NAN, INF, 1.0, rng.uniform(-100, 100), rng.gauss(0, 1e6)]))
                tuples.append(tuple(row))
            plan[c.name] = tuples
        else:
            cand = {"x": [-3.5, -1.0, -0.5, 0.0, 0.5, 1.5, 2.5, 4.0, NAN], "y": ys, "i": [0, 3, -7]}
            plan[c.name] = cases_for(c, cand, 100, rng)
    return cset, plan


# --------------------------------------------------------------------------- compound


def compound_file(rng):
    base = [
        correction(
            "c_scale",
            [real("pt"), real("eta")],
            cs.MultiBinning(
                nodetype="multibinning",
                inputs=["eta", "pt"],
                edges=[[-2.5, 0.0, 2.5], [10.0, 30.0, 60.0, 1000.0]],
                content=[1.01, 1.02, 0.99, 0.98, 1.03, 1.05],
                flow="clamp",
            ),
        ),
        correction("c_offset", [real("pt")], formula("0.5 + 0.001*x", ["pt"])),
        correction(
            "c_int",
            [real("pt"), integer("n")],
            cs.Category(
                nodetype="category",
                input="n",
                content=[cs.CategoryItem(key=0, value=1.0), cs.CategoryItem(key=1, value=formula("1 + x/1000", ["pt"]))],
            ),
        ),
        correction(
            "c_err",
            [real("pt")],
            cs.Binning(nodetype="binning", input="pt", edges=[0.0, 500.0], content=[1.0], flow="error"),
        ),
    ]
    inputs = [real("pt"), real("eta"), integer("n")]
    compounds = []
    for k, (iop, oop) in enumerate(itertools.product(["+", "*", "/"], ["+", "*", "/", "last"])):
        stack = [["c_scale", "c_offset"], ["c_offset", "c_int", "c_scale"], ["c_int", "c_err", "c_scale"]][k % 3]
        compounds.append(
            cs.CompoundCorrection(
                name=f"compound_{k:02d}",
                inputs=inputs,
                output=cs.Variable(name="out", type="real"),
                inputs_update=["pt"],
                input_op=iop,
                output_op=oop,
                stack=stack,
            )
        )
    compounds.append(
        cs.CompoundCorrection(
            name="compound_twice",
            inputs=inputs,
            output=cs.Variable(name="out", type="real"),
            inputs_update=["pt", "eta", "pt"],
            input_op="*",
            output_op="*",
            stack=["c_scale", "c_scale", "c_scale"],
        )
    )
    compounds.append(
        cs.CompoundCorrection(
            name="compound_empty",
            inputs=inputs,
            output=cs.Variable(name="out", type="real"),
            inputs_update=[],
            input_op="+",
            output_op="+",
            stack=[],
        )
    )
    cset = cs.CorrectionSet(schema_version=2, corrections=base, compound_corrections=compounds, description="compound fixtures")
    cand = {
        "pt": [5.0, 10.0, 25.0, 30.0, 59.0, 200.0, 499.0, 999.0, 1500.0, NAN],
        "eta": [-3.0, -2.5, -1.0, 0.0, 1.0, 2.4, 2.5, NAN],
        "n": [0, 1, 2],
    }
    plan = {}
    for c in base + compounds:
        plan[c.name] = cases_for(c, cand, 60, rng)
    return cset, plan


# --------------------------------------------------------------------------- quirks (raw JSON)


def raw_corr(name, inputs, data, **kw):
    d = {"name": name, "version": 1, "inputs": inputs, "output": {"name": "out", "type": "real"}, "data": data}
    d.update(kw)
    return d


def quirks_file(rng):
    R = {"name": "x", "type": "real"}
    I = {"name": "i", "type": "int"}
    corrs = [
        raw_corr(
            "dup_keys",
            [I],
            {"nodetype": "category", "input": "i", "content": [{"key": 1, "value": 1.0}, {"key": 1, "value": 2.0}, {"key": 2, "value": 3.0}]},
        ),
        raw_corr(
            "nan_edge",
            [R],
            {"nodetype": "binning", "input": "x", "edges": [0.0, 1.0, NAN, 3.0, 4.0, 5.0], "content": [1.0, 2.0, 3.0, 4.0, 5.0], "flow": "clamp"},
        ),
        raw_corr(
            "nan_content",
            [R],
            {"nodetype": "binning", "input": "x", "edges": [0.0, 1.0, 2.0, 3.0], "content": [NAN, INF, -INF], "flow": NAN},
        ),
        raw_corr("category_real_input", [R], {"nodetype": "category", "input": "x", "content": []}),
        raw_corr(
            "uniform_neg_inf_low",
            [R],
            {"nodetype": "binning", "input": "x", "edges": {"n": 2, "low": -INF, "high": 1.0}, "content": [1.0, 2.0], "flow": "clamp"},
        ),
        raw_corr(
            "uniform_wrap_inf",
            [R],
            {"nodetype": "multibinning", "inputs": ["x"], "edges": [{"n": 3, "low": 0.0, "high": 3.0}], "content": [1.0, 2.0, 3.0], "flow": "wrap"},
        ),
        raw_corr(
            "overflow_literals",
            [R],
            {"nodetype": "formula", "expression": "1e400 - 1e999 + [99999999999999999999999] + x*0", "parser": "TFormula", "variables": ["x"], "parameters": [0.5]},
        ),
        raw_corr("int_content", [R], {"nodetype": "binning", "input": "x", "edges": [0.0, 1.0, 2.0], "content": [1, -2], "flow": 3}),
    ]
    doc = {"schema_version": 2, "description": "hand-written quirks", "corrections": corrs}
    cand = [-1.0, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.5, 5.0, 6.0, NAN, INF, -INF, -0.0, 0.999, 1e300]
    plan = {}
    for c in corrs:
        if c["inputs"][0]["type"] == "int":
            plan[c["name"]] = [(k,) for k in [0, 1, 2, 3]]
        else:
            plan[c["name"]] = [(v,) for v in cand]
    return json.dumps(doc, allow_nan=True, indent=1), plan


# --------------------------------------------------------------------------- long numbers (raw JSON)


def long_numbers_file(rng):
    """Numbers with many digits, as rapidjson reads them: without kParseFullPrecisionFlag
    it is not correctly rounded (one ulp off for about one in seven 17-digit numbers)."""
    texts = []
    for _ in range(120):
        texts.append(repr(rng.uniform(0.5, 1.5)))
    for _ in range(40):
        texts.append("%.19e" % rng.uniform(-1e6, 1e6))
    for _ in range(40):
        texts.append("%.17e" % (10 ** rng.uniform(-320, 300)))
    texts += [
        "12345678901234567890", "123456789012345678901234", "-9223372036854775809",
        "4.9406564584124654e-324", "2.2250738585072011e-308", "1.7976931348623157e308",
        "0.10000000000000000555", "3.14159265358979323846264338327950288", "1E5", "1e+5", "-0.0",
        "0.000000000000000000000000000012345678901234567", "99999999999999999999.5",
    ]
    marks = {}

    def num(text):
        key = "@@%d@@" % len(marks)
        marks[key] = text
        return key

    I = {"name": "i", "type": "int"}
    R = {"name": "x", "type": "real"}
    edges = sorted(rng.uniform(-10, 10) for _ in range(40))
    edge_texts = [repr(e) for e in edges]
    low, high = rng.uniform(-5, -1), rng.uniform(1, 5)
    corrs = [
        raw_corr(
            "long_content",
            [I],
            {"nodetype": "category", "input": "i", "content": [{"key": k, "value": num(t)} for k, t in enumerate(texts)]},
        ),
        raw_corr(
            "long_edges",
            [R],
            {
                "nodetype": "binning",
                "input": "x",
                "edges": [num(t) for t in edge_texts],
                "content": [float(k) for k in range(len(edge_texts) - 1)],
                "flow": "error",
            },
        ),
        raw_corr(
            "long_uniform",
            [R],
            {"nodetype": "binning", "input": "x", "edges": {"n": 37, "low": num(repr(low)), "high": num(repr(high))}, "content": [float(k) for k in range(37)], "flow": "clamp"},
        ),
        raw_corr(
            "long_parameters",
            [R],
            {"nodetype": "formula", "expression": "[0]*x+[1] + 0.12345678901234567*x", "parser": "TFormula", "variables": ["x"], "parameters": [num(texts[0]), num(texts[1])]},
        ),
    ]
    doc = json.dumps({"schema_version": 2, "description": "numbers with many digits", "corrections": corrs})
    for key, text in marks.items():
        doc = doc.replace('"%s"' % key, text, 1)
    xs = [float(t) for t in edge_texts] + [math.nextafter(float(t), INF) for t in edge_texts] + [math.nextafter(float(t), -INF) for t in edge_texts]
    uni = [low + (high - low) * k / 37 for k in range(38)]
    plan = {
        "long_content": [(k,) for k in range(len(texts))],
        "long_edges": [(x,) for x in xs],
        "long_uniform": [(x,) for x in uni + [math.nextafter(u, INF) for u in uni] + [math.nextafter(u, -INF) for u in uni]],
        "long_parameters": [(x,) for x in [0.0, 1.0, -1.0, 0.3, 1e10, 123.456]],
    }
    return doc, plan


# --------------------------------------------------------------------------- evaluation


def encode_input(v):
    """`r` + the 16 hex digits of a real's bits, `i` + an int, `s` + a string."""
    if isinstance(v, float):
        return "r" + bits(v)
    if isinstance(v, int):
        return "i%d" % v
    return "s" + v


ERROR_KINDS = [
    ("Index above bounds", "out_of_bounds"),
    ("Index below bounds", "out_of_bounds"),
    ("Index not available in Category", "missing_category"),
    ("I should not have ever seen", "wrap"),
    ("_M_range_check", "content_index"),
    ("Invalid variable type", "category_input_type"),
    ("has wrong type", "input_type"),
    ("Incorrect number of inputs", "input_count"),
]


def error_kind(message: str) -> str:
    for needle, kind in ERROR_KINDS:
        if needle in message:
            return "error:" + kind
    return "error:other: " + message


def evaluate(text, plan):
    """Each case is [inputs, outcome]: outcome is the result's bits or `error:<kind>`."""
    cset = correctionlib.CorrectionSet.from_string(text)
    out = []
    for name, tuples in plan.items():
        corr = cset.compound[name] if name in cset.compound else cset[name]
        cases = []
        for args in tuples:
            try:
                outcome = bits(corr.evaluate(*args))
            except Exception as e:  # noqa: BLE001 - we record what the reference raises
                outcome = error_kind(f"{type(e).__name__}: {e}")
            cases.append([[encode_input(a) for a in args], outcome])
        out.append({"correction": name, "cases": cases})
    return out


def main() -> None:
    rng = random.Random(20240617)
    expected = {"correctionlib": correctionlib.__version__, "files": []}
    builders = [
        ("binning.json", binning_file),
        ("category.json", category_file),
        ("formula.json", formula_file),
        ("transform_hashprng.json.gz", transform_hashprng_file),
        ("compound.json", compound_file),
    ]
    for fname, build in builders:
        cset, plan = build(rng)
        text = cset.model_dump_json(exclude_unset=True)
        if fname.endswith(".gz"):
            # mtime=0: reproducible bytes
            (HERE / fname).write_bytes(gzip.compress(text.encode(), mtime=0))
        else:
            (HERE / fname).write_text(text)
        expected["files"].append({"file": fname, "corrections": evaluate(text, plan)})
    text, plan = quirks_file(rng)
    (HERE / "quirks.json").write_text(text)
    expected["files"].append({"file": "quirks.json", "corrections": evaluate(text, plan)})
    text, plan = long_numbers_file(rng)
    (HERE / "long_numbers.json").write_text(text)
    expected["files"].append({"file": "long_numbers.json", "corrections": evaluate(text, plan)})
    with open(HERE / "expected.json", "w") as f:
        f.write('{"correctionlib":%s,"files":[\n' % json.dumps(expected["correctionlib"]))
        for k, fentry in enumerate(expected["files"]):
            f.write('{"file":%s,"corrections":[\n' % json.dumps(fentry["file"]))
            for j, c in enumerate(fentry["corrections"]):
                sep = "," if j + 1 < len(fentry["corrections"]) else ""
                f.write(json.dumps(c, separators=(",", ":"), ensure_ascii=False) + sep + "\n")
            f.write("]}" + ("," if k + 1 < len(expected["files"]) else "") + "\n")
        f.write("]}\n")
    n = sum(len(c["cases"]) for f in expected["files"] for c in f["corrections"])
    print(f"wrote {len(expected['files'])} files, {n} cases", file=sys.stderr)


if __name__ == "__main__":
    main()
