"""Validate a hepframe histograms.json with the uhi schema and load it into `hist`.

Usage: python check_uhi.py HISTOGRAMS_JSON EXPECTED_JSON

EXPECTED_JSON maps each histogram name to what hepframe filled: the title, the flow-inclusive
values (and variances for weighted storage), the x edges, and the fill inputs, which are filled
again into an empty copy of the loaded `hist.Hist` to compare bin assignment with boost-histogram.
Exits non-zero with a message on the first mismatch.
"""

import json
import sys

import numpy as np

import hist
import hist.serialization
import uhi
import uhi.io.json
import uhi.schema


def main(path: str, expected_path: str) -> None:
    with open(path, encoding="utf-8") as f:
        raw = json.load(f)
    uhi.schema.validate(raw)
    for name, one in raw.items():
        uhi.schema.validate_histogram(one)

    with open(path, encoding="utf-8") as f:
        data = json.load(f, object_hook=uhi.io.json.object_hook)
    with open(expected_path, encoding="utf-8") as f:
        expected = json.load(f)

    for name, exp in expected.items():
        h = hist.serialization.from_uhi(data[name])
        assert isinstance(h, hist.Hist), type(h)
        assert h.name == name, (h.name, name)
        assert h.label == exp["title"], (h.label, exp["title"])
        assert h.ndim == exp["ndim"], (h.ndim, exp["ndim"])
        # boost-histogram computes regular edges as (1 - z) * lower + z * upper and we as ROOT's
        # lower + i * width: they agree to an ulp or so, not bit for bit.
        np.testing.assert_allclose(h.axes[0].edges, np.asarray(exp["x_edges"]), rtol=1e-14)
        np.testing.assert_array_equal(h.values(flow=True), np.asarray(exp["values_flow"]))
        if "variances_flow" in exp:
            np.testing.assert_array_equal(
                h.variances(flow=True), np.asarray(exp["variances_flow"])
            )

        # Same inputs through boost-histogram's own fill.
        refill = h.copy()
        refill.reset()
        args = [np.asarray(exp["fill_x"])]
        if h.ndim == 2:
            args.append(np.asarray(exp["fill_y"]))
        refill.fill(*args, weight=np.asarray(exp["weights"]))
        np.testing.assert_allclose(
            refill.values(flow=True), h.values(flow=True), rtol=1e-12, atol=0
        )
        print(f"OK {name}: {h.ndim}D, {h.storage_type.__name__} storage, sum {h.sum()}")

    print(f"validated with uhi {uhi.__version__} and hist {hist.__version__}")


if __name__ == "__main__":
    main(*sys.argv[1:])
