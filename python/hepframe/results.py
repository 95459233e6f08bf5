"""What a run gives back: histograms as ``hist.Hist``, the cut-flow, counts, sums, means, takes."""

import html
import json
import math

import numpy as np

from .errors import AnalysisError


def _hist_from_uhi(obj):
    import hist.serialization
    import uhi.io.json

    # Through uhi's JSON hook, as `hist` reads the files `hepframe run` writes.
    data = json.loads(json.dumps(obj), object_hook=uhi.io.json.object_hook)
    return hist.serialization.from_uhi(data)


def _number(x):
    if isinstance(x, str):
        return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}[x]
    return x


_DTYPES = {"bool": np.bool_, "int32": np.int32, "uint32": np.uint32, "int64": np.int64,
           "uint64": np.uint64, "float32": np.float32, "float64": np.float64}


def _taken(t):
    """A Take's values with their type: a numpy array, or an awkward array of lists."""
    values = t.get("values")
    if values is None:
        return np.array([], dtype=np.float64)
    dtype = _DTYPES[values["type"]]
    data = np.array([_number(x) for x in values["values"]], dtype=dtype)
    if t.get("offsets") is None:
        return data
    import awkward as ak

    offsets = ak.index.Index64(np.asarray(t["offsets"], dtype=np.int64))
    return ak.Array(ak.contents.ListOffsetArray(offsets, ak.contents.NumpyArray(data)))


class CutFlow:
    """Events passing each named cut (of one sample). Prints as a table; ``cutflow["two muons"]``
    gives the events passing that cut; iterate for ``(name, passed, efficiency)``;
    ``yields["two muons"]`` gives ``(weighted yield, its statistical uncertainty)``."""

    def __init__(self, total, cuts, sample="", weighted=None, table=""):
        self.total = total
        self._table = table
        #: ``[(name, passed, index of the cut it follows or None)]``
        self.cuts = cuts
        #: The sample (``""`` for an analysis without samples).
        self.sample = sample
        #: ``{name: (Σw, sqrt(Σw²))}`` with ``"(all events)"``; None when unweighted.
        self.yields = weighted

    def __getitem__(self, name):
        for n, k, _ in self.cuts:
            if n == name:
                return k
        raise KeyError(name)

    def __len__(self):
        return len(self.cuts)

    def _before(self, i):
        p = self.cuts[i][2]
        return self.total if p is None else self.cuts[p][1]

    def efficiency(self, name):
        """Events passing ``name`` over events reaching it."""
        for i, (n, k, _) in enumerate(self.cuts):
            if n == name:
                b = self._before(i)
                return k / b if b else 0.0
        raise KeyError(name)

    def __iter__(self):
        for i, (n, k, _) in enumerate(self.cuts):
            b = self._before(i)
            yield n, k, (k / b if b else 0.0)

    def __str__(self):
        # The table as the CLI prints it (chains flat, branches indented), made in Rust.
        return self._table

    def Print(self):  # noqa: N802 (RDataFrame's RCutFlowReport::Print)
        print(self)

    def _repr_html_(self):
        """The cut-flow as an HTML table (Jupyter), as ``report.html`` shows it."""
        head = "<th>weighted yield</th>" if self.yields else ""
        rows = []

        def yield_cell(name):
            if not self.yields:
                return ""
            w, e = self.yields[name]
            return f"<td>{w:.4f} ± {e:.4f}</td>"

        rows.append(f"<tr><td>(all events)</td><td>{self.total}</td><td>100.00%</td><td></td>"
                    f"{yield_cell('(all events)')}</tr>")
        for i, (name, passed, after) in enumerate(self.cuts):
            depth, at = 0, after
            while at is not None and depth <= len(self.cuts):
                depth, at = depth + 1, self.cuts[at][2]
            before = self._before(i)
            of_all = f"{100 * passed / self.total:.2f}%" if self.total else "–"
            of_prev = f"{100 * passed / before:.2f}%" if before else "–"
            rows.append(f"<tr><td style='text-align:left;padding-left:{0.5 + depth}em'>"
                        f"{html.escape(name)}</td><td>{passed}</td><td>{of_all}</td>"
                        f"<td>{of_prev}</td>{yield_cell(name)}</tr>")
        caption = f"<caption>{html.escape(self.sample)}</caption>" if self.sample else ""
        return (f"<table>{caption}<thead><tr><th style='text-align:left'>cut</th><th>events</th>"
                f"<th>of all</th><th>of previous</th>{head}</tr></thead><tbody>"
                + "".join(rows) + "</tbody></table>")

    def __repr__(self):
        return str(self)

    def __eq__(self, other):
        return isinstance(other, CutFlow) and (self.total, self.cuts) == (other.total, other.cuts)


def _cutflow(cf):
    weighted = None
    if cf.get("weighted"):
        weighted = {"(all events)": (_number(cf["total_sumw"]), math.sqrt(_number(cf["total_sumw2"])))}
        for c in cf["cuts"]:
            weighted[c["name"]] = (_number(c["sumw"]), math.sqrt(_number(c["sumw2"])))
    return CutFlow(cf["total"], [(c["name"], c["passed"], c["after"]) for c in cf["cuts"]],
                   sample=cf.get("sample", ""), weighted=weighted, table=cf.get("table", ""))


class Results:
    """The results of one run.

    ``histograms``: ``{name: hist.Hist}``, named ``{histogram}_{sample}_{variation}`` when there
    are samples or variations (``4j1b_ttbar_pt_scale_up``; nominal ones without the variation);
    ``keys``: ``{name: (histogram, sample, variation)}``; ``cutflow``: the (first) sample's
    :class:`CutFlow`, ``cutflows``: ``{sample: CutFlow}``; ``stats``: ``{name: value}`` for counts
    (int), sums and means (float) and takes (numpy arrays), named ``name_sample`` with several
    samples; ``nonfinite``: ``{histogram: count}`` of NaN or infinite values filled (into the
    flow bins, as ROOT does; a warning is issued when there are any); ``entries``, ``seconds``,
    ``files``, ``branches`` (read), ``bytes_read``, ``read_requests`` and ``io_wait_seconds`` (the
    IO counters: remote files merge a work item's baskets into a few requests).
    ``results["name"]`` looks a name up in histograms, then stats.
    """

    def __init__(self, text):
        d = json.loads(text)
        self.raw_histograms = d["histograms"]
        self.histograms = {k: _hist_from_uhi(v) for k, v in d["histograms"].items()}
        self.keys = {name: (k["histogram"], k["sample"], k["variation"])
                     for name, k in d.get("keys", {}).items()}
        self.cutflow = _cutflow(d["cutflow"])
        self.cutflows = {cf.get("sample", ""): _cutflow(cf) for cf in d.get("cutflows", [d["cutflow"]])}
        self.samples = d.get("samples", [])
        self.stats = {}
        for s in d["stats"]:
            v = s["value"]
            if s["kind"] == "take":
                v = _taken(v)
            elif s["kind"] != "count":
                v = float(_number(v))
            self.stats[s["name"]] = v
        self.nonfinite = {}
        for name, h in d["histograms"].items():
            n = h.get("writer_info", {}).get("hepframe", {}).get("nonfinite", 0)
            if n:
                self.nonfinite[name] = n
        if self.nonfinite:
            import warnings

            listed = ", ".join(f"'{k}' ({n})" for k, n in self.nonfinite.items())
            warnings.warn(f"NaN or infinite values were filled into the flow bins of {listed}: a "
                          "division by zero, sqrt of a negative, min/max/mean of an empty list? "
                          "See Results.nonfinite", RuntimeWarning, stacklevel=3)
        self.entries = d["entries"]
        self.seconds = d["seconds"]
        self.files = d["files"]
        self.branches = d["branches"]
        self.bytes_read = d["bytes_read"]
        self.read_requests = d.get("read_requests", 0)
        self.io_wait_seconds = d.get("io_wait_seconds", 0.0)

    def _find(self, histogram, sample, variation):
        found = [n for n, (h, s, v) in self.keys.items()
                 if h == histogram and v == variation and (sample is None or s == sample)]
        if not found and not self.keys and variation == "nominal" and histogram in self.histograms:
            return [histogram]
        return found

    def histogram(self, histogram, sample=None, variation="nominal"):
        """The histogram booked as ``histogram`` for ``sample`` (needed when there are several)
        in universe ``variation``."""
        found = self._find(histogram, sample, variation)
        if len(found) == 1:
            return self.histograms[found[0]]
        samples = sorted({s for (h, s, _) in self.keys.values() if h == histogram})
        if not found:
            raise KeyError(f"no histogram '{histogram}' for sample {sample!r} in '{variation}' "
                           f"(samples: {', '.join(samples)})")
        raise AnalysisError(f"histogram '{histogram}' exists for several samples: give sample= "
                            f"(one of {', '.join(samples)})")

    def variations(self, histogram, sample=None):
        """``{variation: hist.Hist}``: the histogram in every universe it was filled in."""
        out = {}
        for n, (h, s, v) in self.keys.items():
            if h == histogram and (sample is None or s == sample):
                if v in out:
                    samples = sorted({s for (hh, s, _) in self.keys.values() if hh == histogram})
                    raise AnalysisError(f"histogram '{histogram}' exists for several samples: give "
                                        f"sample= (one of {', '.join(samples)})")
                out[v] = self.histograms[n]
        if not out:
            raise KeyError(f"no histogram '{histogram}'" + (f" for sample {sample!r}" if sample else ""))
        return out

    def save(self, path, compression="zstd-5"):
        """Write the histograms to a ROOT file (TH1D/TH2D), for ROOT, RooFit, uproot — with
        ROOT's running sums of the filled values, so ``GetMean()`` is the mean of the values."""
        from . import _core
        from .frame import _compression_setting

        _core.write_histograms(str(path), json.dumps(self.raw_histograms), _compression_setting(compression))

    def __getitem__(self, name):
        if name in self.histograms:
            return self.histograms[name]
        return self.stats[name]

    def _repr_html_(self):
        """In Jupyter: the run, its warnings, every cut-flow, the counts, sums and means, and
        the histograms' names and shapes (each ``hist.Hist`` shows itself when displayed)."""
        rate = self.entries / self.seconds if self.seconds > 0 else 0.0
        parts = [f"<p><b>hepframe results</b>: {self.entries} events from {len(self.files)} "
                 f"file(s) in {self.seconds:.3f} s ({rate:.0f} events/s)</p>"]
        if self.nonfinite:
            items = "".join(f"<li><code>{html.escape(n)}</code>: {k} non-finite value(s)</li>"
                            for n, k in self.nonfinite.items())
            parts.append(f"<p><b>Warnings</b></p><ul>{items}</ul>")
        for cf in self.cutflows.values():
            parts.append(cf._repr_html_())
        scalars = [(n, v) for n, v in self.stats.items() if isinstance(v, (int, float))]
        if scalars:
            rows = "".join(f"<tr><td style='text-align:left'>{html.escape(n)}</td><td>{v}</td></tr>"
                           for n, v in scalars)
            parts.append(f"<table><thead><tr><th>result</th><th>value</th></tr></thead>"
                         f"<tbody>{rows}</tbody></table>")
        if self.histograms:
            rows = "".join(
                f"<tr><td style='text-align:left'>{html.escape(n)}</td>"
                f"<td>{' × '.join(str(len(a)) for a in h.axes)} bins</td>"
                f"<td>{h.sum(flow=True).value if hasattr(h.sum(flow=True), 'value') else h.sum(flow=True):g}</td></tr>"
                for n, h in self.histograms.items())
            parts.append(f"<table><thead><tr><th>histogram</th><th>bins</th><th>sum (with flow)"
                         f"</th></tr></thead><tbody>{rows}</tbody></table>")
        return "".join(parts)

    def __repr__(self):
        rate = self.entries / self.seconds if self.seconds > 0 else 0.0
        return (f"<hepframe.Results: {len(self.histograms)} histograms, {len(self.stats)} other results, "
                f"{self.entries} events in {self.seconds:.3f} s ({rate:.0f} events/s)>")


def write_root(path, histograms, compression="zstd-5"):
    """Write ``{name: hist.Hist}`` (regular or variable axes, 1-D or 2-D, Double or Weight
    storage) to the ROOT file ``path`` as TH1D/TH2D, flow bins and errors included. The file is
    written under a temporary name and renamed when complete."""
    import hist.serialization

    from . import _core
    from .frame import _compression_setting

    out = {}
    for name, h in histograms.items():
        d = hist.serialization.to_uhi(h)
        out[str(name)] = d
    import uhi.io.json

    text = json.dumps(out, default=uhi.io.json.default)
    _core.write_histograms(str(path), text, _compression_setting(compression))
