"""An RDataFrame-style lazy graph: filters (named cuts), defines, and booked results, all computed
in one pass over the data when the first result is asked for.

Method names follow ROOT's RDataFrame (``Filter``, ``Define``, ``Histo1D``, ``Histo2D``, ``Count``,
``Sum``, ``Mean``, ``Take``, ``Report``), with Pythonic aliases (``filter``, ``define``,
``histo1d``, ...). Columns are expressions of hepframe's analysis language, written as strings:

    df = hepframe.RDataFrame("Events", "nano.root")
    two = df.Filter("nMuon == 2", "two muons").Filter("Muon[0].charge != Muon[1].charge", "opposite charge")
    h = two.Define("mass", "(Muon[0] + Muon[1]).mass").Histo1D(("mass", "m(mumu)", 100, 0, 200), "mass")
    print(two.Report().GetValue())
    h.GetValue().plot()          # a hist.Hist

Filtering a node twice starts two regions that share the cuts before it; each filter is counted in
the cut-flow under its name.
"""

import json
import numbers
import weakref

import numpy as np

from . import _core
from .errors import AnalysisError
from .results import Results


_DBL_MAX = 1.7976931348623157e308


def _split_title(title):
    """A histogram model's title ``"title;x;y;z"`` split as ROOT's ``TH1::SetTitle`` does:
    (title, x-axis title, y-axis title, z-axis title), missing parts empty, a fifth ignored."""
    parts = title.split(";")[:4]
    return tuple(parts + [""] * (4 - len(parts)))


class Statistic:
    """ROOT's ``TStatistic`` of a list of values (and weights): ``GetN()`` values, weight sum
    ``GetW()``, weighted ``GetMean()``, ``GetRMS()`` (the square root of TStatistic's variance
    Σw(x-mean)²/W · N/(N-1)), ``GetMeanErr()`` (the square root of the variance over the
    effective entries W²/Σw², truncated to an integer as ROOT's ``GetNeff``). Also as
    attributes ``n``, ``w``, ``mean``, ``rms``, ``mean_err``. As ROOT: with no values mean 0,
    RMS -1 and error 0; with one value RMS -1 (a variance of 0)."""

    def __init__(self, values, weights=None):
        x = np.asarray(values, dtype=np.float64)
        if weights is None:
            w = np.ones_like(x)
        else:
            w = np.asarray(weights, dtype=np.float64)
            if w.shape != x.shape:
                raise AnalysisError(f"Stats: {len(w)} weights for {len(x)} values: give one "
                                    "weight per value")
        self.n = int(x.size)
        self.w = float(w.sum())
        self.mean = float((w * x).sum() / self.w) if self.w > 0 else 0.0
        # TStatistic.h: GetVar, GetRMS (-1 when the variance is not > 0), GetNeff (a Long64_t:
        # W²/Σw² truncated) and GetMeanErr = sqrt(var / neff).
        if self.w > 0:
            m2 = float((w * (x - self.mean) ** 2).sum())
            var = m2 / self.w * (self.n / (self.n - 1.0)) if self.n > 1 else 0.0
            neff = int(self.w * self.w / float((w * w).sum()))
            self.mean_err = float(np.sqrt(var / neff)) if neff > 0 else float("inf")
        else:
            var, self.mean_err = -1.0, 0.0
        self.rms = float(np.sqrt(var)) if var > 0 else -1.0

    def GetN(self):  # noqa: N802
        return self.n

    def GetW(self):  # noqa: N802
        return self.w

    def GetMean(self):  # noqa: N802
        return self.mean

    def GetRMS(self):  # noqa: N802
        return self.rms

    def GetMeanErr(self):  # noqa: N802
        return self.mean_err

    def __repr__(self):
        return (f"<hepframe.Statistic n={self.n} w={self.w:g} mean={self.mean:g} "
                f"rms={self.rms:g}>")


def _flat(values):
    """Taken values as one flat numpy array (a list per event is flattened)."""
    if isinstance(values, np.ndarray):
        return values
    import awkward as ak

    return ak.to_numpy(ak.flatten(values, axis=None))


def _extreme(reduce, values, empty):
    """``reduce`` (np.min or np.max) of ``values`` as a float, ``empty`` when there are none."""
    return float(reduce(values)) if len(values) else empty


def _per_value(weights, values):
    """Weights for the flattened ``values``: per-event weights repeated over each event's list."""
    w = _flat(weights)
    if not isinstance(values, np.ndarray) and len(w) == len(values):
        import awkward as ak

        return np.repeat(w, ak.to_numpy(ak.num(values, axis=1)))
    return w


def _rdf_type(typename):
    """A branch's C++ type as RDataFrame names its column: arrays and vectors as RVec."""
    import re

    t = typename.strip()
    vector = re.fullmatch(r"(?:std::)?vector<\s*(.+?)\s*>", t)
    if vector:
        return f"ROOT::VecOps::RVec<{vector.group(1)}>"
    if "[" in t:
        return f"ROOT::VecOps::RVec<{t[: t.index('[')].strip()}>"
    return t


class _Derived:
    """A result computed in Python from another booked result (``GetValue``/``value``)."""

    def __init__(self, base, fn):
        self._base = base
        self._fn = fn

    def GetValue(self, sample=None):  # noqa: N802
        return self._fn(self._base.GetValue(sample))

    value = GetValue

    def __repr__(self):
        return f"<hepframe derived result of {self._base!r}>"


class _DerivedPerSample(_Derived):
    """A derived result whose function also needs the sample (results of several bookings)."""

    def GetValue(self, sample=None):  # noqa: N802
        return self._fn(self._base.GetValue(sample), sample)

    value = GetValue


def _cell(v):
    """A value as ROOT's Display prints it: integers as they are, floats with 6 decimals."""
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.6f}"
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    return str(v)


class _Display:
    """The table of :meth:`RDataFrame.Display` (computed on first use)."""

    def __init__(self, arrays, columns, n):
        self._arrays = arrays
        self.columns = columns
        self._n = n
        self._text = None

    def rows(self):
        """The shown events: a list of ``{column: value or list of values}``."""
        data = self._arrays.GetValue()
        out = []
        for c in self.columns:
            a = data[c]
            for i in range(min(self._n, len(a))):
                if len(out) <= i:
                    out.append({})
                v = a[i]
                out[i][c] = v.tolist() if hasattr(v, "tolist") else v
        return out

    def AsString(self):  # noqa: N802
        """The table, laid out as ROOT 6.40 lays it out (a rule under every event)."""
        if self._text is None:
            rows = self.rows()
            header = ["Row"] + self.columns
            events = []
            for r, row in enumerate(rows):
                cells = [[str(r)]]
                for c in self.columns:
                    v = row.get(c)
                    cells.append([_cell(x) for x in v] if isinstance(v, list) else [_cell(v)])
                height = max(max(len(c) for c in cells), 1)
                events.append([[c[k] if k < len(c) else "" for c in cells] for k in range(height)])
            lines = [line for e in events for line in e]
            widths = [max([len(h)] + [len(line[i]) for line in lines]) for i, h in enumerate(header)]
            rule = "+" + "+".join("-" * (w + 2) for w in widths) + "+"

            def fmt(cells):
                return "".join(f"| {x.ljust(w)} " for x, w in zip(cells, widths)) + "| "

            out = [rule, fmt(header), rule]
            for e in events:
                out += [fmt(line) for line in e] + [rule]
            self._text = "\n".join(out) + "\n"
        return self._text

    def Print(self):  # noqa: N802
        print(self.AsString())

    def __str__(self):
        return self.AsString()


class _Description:
    """What :meth:`RDataFrame.Describe` returns."""

    def __init__(self, tree, files, columns, n_defines, generated=None):
        self.tree = tree
        self.files = list(files)
        self.columns = columns
        self.n_defines = n_defines
        self.generated = generated

    def AsString(self):  # noqa: N802
        where = self.files[0] if len(self.files) == 1 else f"{len(self.files)} files"
        width = max([len("Column")] + [len(c[0]) for c in self.columns])
        twidth = max([len("Type")] + [len(c[1]) for c in self.columns])
        if self.generated is not None:
            head = f"Empty dataframe filling {self.generated} rows"
        else:
            head = f"Dataframe from TTree {self.tree} in {'file' if len(self.files) == 1 else ''} {where}".replace("  ", " ")
        lines = [
            head,
            "",
            "Property                Value",
            "--------                -----",
            f"Columns in total        {len(self.columns)}",
            f"Columns from defines    {self.n_defines}",
            "",
            f"{'Column'.ljust(width)}  {'Type'.ljust(twidth)}  Origin",
            f"{'------'.ljust(width)}  {'----'.ljust(twidth)}  ------",
        ]
        lines += [f"{n.ljust(width)}  {t.ljust(twidth)}  {o}" for n, t, o in self.columns]
        return "\n".join(lines)

    def Print(self):  # noqa: N802
        print(self.AsString())

    def __str__(self):
        return self.AsString()


class LocalExecutor:
    """Run on this machine: ``threads`` threads (0 = all cores), work items of about
    ``entries_per_item`` entries (whole clusters; default 100 000, one cluster of a NanoAOD
    file, as ``hepframe run``)."""

    def __init__(self, threads=0, entries_per_item=_core.DEFAULT_ENTRIES_PER_ITEM):
        self.threads = int(threads)
        self.entries_per_item = int(entries_per_item)

    def run(self, analysis_json):
        return _core.run(analysis_json, self.threads, self.entries_per_item)


def _item(name, expr):
    if not isinstance(expr, str):
        raise AnalysisError(f"'{name}': the expression must be a string, not {type(expr).__name__}")
    return {"name": str(name), "expr": expr}


def _binning(spec, what):
    """A tuple (bins, low, high) or (bins, edges), or a list/array of edges -> the engine's binning."""
    try:
        if isinstance(spec, tuple) and len(spec) == 3 and not hasattr(spec[1], "__len__"):
            bins, low, high = int(spec[0]), float(spec[1]), float(spec[2])
            if bins < 1:
                raise AnalysisError(f"{what}: a histogram needs at least 1 bin, not {bins}")
            if not low < high:
                raise AnalysisError(f"{what}: the low edge {low} must be below the high edge {high}")
            return {"Regular": {"bins": bins, "low": low, "high": high}}
        edges = spec[1] if isinstance(spec, tuple) and len(spec) == 2 else spec
        edges = [float(e) for e in edges]
    except (TypeError, ValueError) as e:
        raise AnalysisError(f"{what}: bad binning {spec!r}: {e}") from None
    if len(edges) < 2 or any(not a < b for a, b in zip(edges, edges[1:])):
        raise AnalysisError(f"{what}: edges must be at least two increasing numbers, not {edges}")
    return {"Variable": edges}


def _binning_2d(rest, what):
    """The x and y binnings of a 2-D model's tail: ``(nx, xlow, xhigh, ny, ylow, yhigh)`` or
    ``(nx, xedges, ny, yedges)``."""
    rest = list(rest)
    if len(rest) == 6:
        return tuple(rest[:3]), tuple(rest[3:])
    if len(rest) == 4:
        return tuple(rest[:2]), tuple(rest[2:])
    raise AnalysisError(f"{what}: cannot read the binning {tuple(rest)!r}")


def _compression_setting(text):
    """``"zstd-5"`` -> 505 (ROOT's algorithm * 100 + level); ``"none"`` -> 0."""
    if text == "none":
        return 0
    codes = {"zlib": (1, 9), "lzma": (2, 9), "lz4": (4, 9), "zstd": (5, 19)}
    try:
        alg, level = text.split("-")
        code, top = codes[alg]
        level = int(level)
        if not 1 <= level <= top:
            raise ValueError
    except (ValueError, KeyError):
        raise AnalysisError(
            f"unknown compression {text!r}: use none, zlib-1 … zlib-9, lz4-1 … lz4-9, zstd-1 … zstd-19 or lzma-1 … lzma-9"
        ) from None
    return code * 100 + level


class _Graph:
    """The analysis graph shared by every node object of one data frame.

    Each booking is checked at once (``_core.check``: inputs, binnings, every expression
    type-checked against the first file of each sample) and undone if it fails, so a mistake is
    raised by the call that made it and leaves the graph as it was. Booking the same thing again
    (a notebook cell run twice) gives back the node or result already booked; a result booked
    again under its name with a different definition replaces the old one; a node booked again
    at the same place with a different expression is a new node, and the old one is dropped
    when the graph runs if nothing refers to it any more."""

    def __init__(self, tree, files, name, samples=None, lumi=None, weight=None,
                 histogram_names=None, generated=None):
        self.tree = tree
        self.files = files
        self.generated = generated  # RDataFrame(n): the number of events, else None
        self.name = name
        self.samples = samples or []
        self.lumi = lumi
        self.histogram_names = histogram_names
        self.nodes = []
        self.histograms = []
        self.stats = []
        self.snapshots = []
        self.sample_sums = []
        self.version = 0
        self.results = None
        self.results_version = -1
        # Result name -> how many times it was booked (a ResultPtr knows which booking it is).
        self.bookings = {}
        # The node objects (RDataFrame) and result handles (ResultPtr) alive in Python.
        self.frames = weakref.WeakSet()
        self.ptrs = weakref.WeakSet()
        self.auto_names = set()  # results named by hepframe (count_0, ...), not by the user

    # -- booking, each checked and undone on error -------------------------------------------
    def _state(self):
        return (len(self.nodes), list(self.histograms), list(self.stats), list(self.snapshots),
                dict(self.bookings), self.version)

    def _restore(self, state):
        n, self.histograms, self.stats, self.snapshots, self.bookings, self.version = state
        del self.nodes[n:]

    def _checked(self, state):
        """Check the graph after a change; undo the change (back to ``state``) if it fails."""
        try:
            _core.check(self.to_json())
        except BaseException:
            self._restore(state)
            raise

    def push(self, parent, op):
        for i in range(len(self.nodes) - 1, -1, -1):
            if self.nodes[i]["parent"] == parent and self.nodes[i]["op"] == op:
                return i  # booked before: the same node
        state = self._state()
        self.nodes.append({"parent": parent, "op": op})
        self.version += 1
        self._checked(state)
        return len(self.nodes) - 1

    def book(self, kind, spec, name):
        """Book a result (``kind``: "hist" or "stat") named ``name``; returns its booking number."""
        table = self.histograms if kind == "hist" else self.stats
        if name in self.bookings and spec in table:
            return self.bookings[name]  # the same result booked again
        state = self._state()
        self.histograms = [h for h in self.histograms if h["value"]["name"] != name]
        self.stats = [t for t in self.stats if t["name"] != name]
        (self.histograms if kind == "hist" else self.stats).append(spec)
        self.bookings[name] = self.bookings.get(name, 0) + 1
        self.version += 1
        self._checked(state)
        return self.bookings[name]

    def book_snapshot(self, spec):
        if spec in self.snapshots:
            return
        state = self._state()
        self.snapshots = [s for s in self.snapshots if s["path"] != spec["path"]] + [spec]
        self.version += 1
        self._checked(state)

    def first_tree(self):
        """The tree of the first input file (of the first sample), for column names."""
        import glob

        from .io import File, _is_url

        files = [(f, self.tree) for f in self.files] + [
            (f, s.get("tree") or self.tree) for s in self.samples for f in s.get("files", [])]
        for f, tree in files:
            paths = [f] if _is_url(f) or not any(c in f for c in "*?[") else sorted(glob.glob(f))
            if paths:
                return File(paths[0])[tree]
        raise AnalysisError("no input file to read the columns from")

    # -- the graph as the engine sees it -----------------------------------------------------
    def _paths(self):
        """Each node's place: the kinds and names of the nodes from the top down to it."""
        paths = []
        for n in self.nodes:
            up = () if n["parent"] is None else paths[n["parent"]]
            paths.append(up + (_node_key(n["op"]),))
        return paths

    def _dropped(self):
        """The nodes not to run, and the results kept.

        A node booked again at the same place with another expression (an edited notebook cell
        run again, or an edit above it) is superseded: it is dropped, with what hangs below it,
        unless a node object or a result handle alive in Python, or a result booked with a name
        of its own, still refers to it or to something below it."""
        results = self.histograms + self.stats + self.snapshots
        held = {(p._kind, p._name) for p in list(self.ptrs)}
        anchored = [f._node for f in list(self.frames)] + [
            r["at"] for r in results
            if (_result_kind(r), _result_name(r)) in held or _result_name(r) not in self.auto_names]
        used = set()
        for at in anchored:
            while at is not None and at not in used:
                used.add(at)
                at = self.nodes[at]["parent"]
        paths = self._paths()
        last = {p: i for i, p in enumerate(paths)}
        dropped = set()
        for i, n in enumerate(self.nodes):
            if i not in used and (last[paths[i]] != i or n["parent"] in dropped):
                dropped.add(i)
        return dropped, [r for r in results if r["at"] not in dropped]

    def check_cut_name(self, parent, name):
        """Cut names label the cut-flow: a second cut of one name must be the same cut booked
        again (at the same place), or a superseded one."""
        dropped, _ = self._dropped()
        paths = self._paths()
        here = (() if parent is None else paths[parent]) + (("Filter", name),)
        for i, n in enumerate(self.nodes):
            op = n["op"].get("Filter")
            if op and op["name"] == name and paths[i] != here and i not in dropped:
                raise AnalysisError(
                    f"a cut named '{name}' already exists elsewhere in the graph: cut names label "
                    "the cut-flow, give this one another name"
                )

    def analysis(self):
        dropped, kept = self._dropped()
        kept = [id(r) for r in kept]
        m = {}
        for i in range(len(self.nodes)):
            if i not in dropped:
                m[i] = len(m)
        at = (lambda r: {**r, "at": None if r["at"] is None else m[r["at"]]})
        nodes = [{"parent": None if n["parent"] is None else m[n["parent"]], "op": n["op"]}
                 for i, n in enumerate(self.nodes) if i in m]
        return {
            "name": self.name,
            "tree": self.tree,
            "files": list(self.files),
            "samples": self.samples,
            "lumi": self.lumi,
            "nodes": nodes,
            "histograms": [at(h) for h in self.histograms if id(h) in kept],
            "stats": [at(t) for t in self.stats if id(t) in kept],
            "snapshots": [at(s) for s in self.snapshots if id(s) in kept],
            "sample_sums": self.sample_sums,
            "histogram_names": self.histogram_names,
            **({} if self.generated is None else {"generated_entries": self.generated}),
        }

    def to_json(self):
        return json.dumps(self.analysis())

    def compute(self, executor=None):
        executor = executor or LocalExecutor()
        self.results = Results(executor.run(self.to_json()))
        self.results_version = self.version
        return self.results

    def get(self, kind, name, executor=None, sample=None):
        if self.results is None or self.results_version != self.version:
            self.compute(executor)
        r = self.results
        if kind == "hist":
            return r.histogram(name, sample=sample)
        if kind == "report":
            return r.cutflow if sample is None else r.cutflows[sample]
        if kind == "snapshot":
            return name
        if sample is not None or name not in r.stats:
            key = name if sample is None else f"{name}_{sample.replace(':', '_')}"
            if key not in r.stats:
                several = sorted(k for k in r.stats if k.startswith(name + "_"))
                raise AnalysisError(
                    f"'{name}' is computed per sample: give sample= (one of "
                    f"{', '.join(s.split('_', 1)[-1] for s in several) or 'none'})"
                )
            return r.stats[key]
        return r.stats[name]


def _result_kind(r):
    return "hist" if "binning" in r else "stat" if "kind" in r else "snapshot"


def _result_name(r):
    return r["value"]["name"] if "binning" in r else r["name"] if "kind" in r else r["path"]


def _node_key(op):
    """What makes two nodes "the same node" when booked at the same place: the kind and name."""
    (kind, body), = op.items()
    if kind == "Vary":
        return (kind, body["column"], tuple(t for t, _ in body["tags"]))
    if kind == "Weight":
        return (kind,)
    return (kind, body["name"])


class ResultPtr:
    """A booked result, computed (with every other result of the graph) on first use.
    ``GetValue()`` / ``value()`` give it; attribute access is forwarded to the value."""

    def __init__(self, graph, kind, name, booking=None):
        self._graph = graph
        self._kind = kind
        self._name = name
        self._booking = booking
        graph.ptrs.add(self)

    @property
    def name(self):
        return self._name

    def GetValue(self, sample=None):  # noqa: N802 (RDataFrame)
        """The value (computing every booked result if needed). With several samples, give
        ``sample`` (``"ttbar"``, or ``"ttbar:ME_var"`` for a variation sample); histograms are
        the nominal universe's — :func:`VariationsFor` gives the others."""
        self._check_current()
        return self._graph.get(self._kind, self._name, sample=sample)

    value = GetValue

    def _check_current(self):
        if self._booking is not None and self._graph.bookings.get(self._name) != self._booking:
            raise AnalysisError(
                f"'{self._name}' was booked again after this result, which it replaced; give "
                "results different names to keep both"
            )

    def __getattr__(self, attr):
        if attr.startswith("_"):
            raise AttributeError(attr)
        return getattr(self.GetValue(), attr)

    def __repr__(self):
        done = self._graph.results is not None and self._graph.results_version == self._graph.version
        return f"<hepframe.ResultPtr {self._kind} '{self._name}'{'' if done else ' (not computed yet)'}>"


class RDataFrame:
    """A lazy data frame over a tree in one or more files (globs allowed), or over samples.

    ``RDataFrame("Events", ["a.root", "b/*.root"])``; ``RDataFrame(n)`` for ``n`` generated
    events with no input, whose columns are defines (of the entry number ``rdfentry_``, 0 to
    ``n - 1``); or for several samples scaled to a
    luminosity ``RDataFrame("Events", samples=[hepframe.Sample("ttbar", files, xsec=729.84),
    ...], lumi=3378, weight="genWeight")``. ``histogram_names``: the template of output names
    (default ``"{histogram}_{sample}_{variation}"``); ``sample_sums``: histograms added over
    samples, ``{"pseudodata": [("wjets", 1), ("ttbar:PS_var", 0.5), ...]}`` (as ``TH1::Add``).
    Also available as ``hepframe.DataFrame``.

    Every method returns a new node and leaves this one unchanged: a ``Define`` is seen by
    what is booked on the returned node and below it, not by siblings (RDataFrame's rule).
    """

    def __init__(self, tree, files=None, *, samples=None, lumi=None, weight=None,
                 histogram_names=None, sample_sums=None, name="analysis", _graph=None, _node=None):
        generated = None
        if _graph is None and isinstance(tree, numbers.Integral) and not isinstance(tree, bool):
            # RDataFrame(n): n generated events, no input; columns come from defines.
            if files is not None or samples is not None:
                raise AnalysisError(
                    f"RDataFrame({tree}) generates {tree} events and reads no input: give no "
                    "files or samples (or give a tree name first: RDataFrame(tree, files))")
            if tree < 0:
                raise AnalysisError(f"RDataFrame({tree}): the number of events must be >= 0")
            generated, tree, files = int(tree), "", []
        if _graph is None and generated is None:
            if samples is not None:
                if files is not None:
                    raise AnalysisError("give either files or samples, not both")
                samples = [s.to_dict() if isinstance(s, Sample) else dict(s) for s in samples]
                if not samples:
                    raise AnalysisError("no samples")
                files = []
            else:
                if files is None:
                    raise AnalysisError("give the input files: RDataFrame(tree, files), or samples=")
                if isinstance(files, (str, bytes)) or hasattr(files, "__fspath__"):
                    files = [files]
                files = [str(f) for f in files]
                if not files:
                    raise AnalysisError("no input files")
        if _graph is None:
            _graph = _Graph(str(tree), files, name, samples=samples,
                            lumi=None if lumi is None else float(lumi),
                            histogram_names=histogram_names, generated=generated)
            for sum_name, terms in (sample_sums or {}).items():
                _graph.sample_sums.append(
                    {"name": str(sum_name), "terms": [[str(k), float(f)] for k, f in terms]})
            if samples or weight is not None:
                # The event weight `weight` at the top: the expression for simulation, 1 for data.
                w = None if weight is None else _item("weight", weight)
                _node = _graph.push(None, {"Weight": w})
            else:
                _graph._checked(_graph._state())  # the inputs exist and hold the tree
        self._graph = _graph
        self._node = _node  # index of this node in the graph, None = all events
        _graph.frames.add(self)

    def _push(self, op):
        return RDataFrame(None, _graph=self._graph, _node=self._graph.push(self._node, op))

    # -- transformations -------------------------------------------------------------------
    def Filter(self, expr, name=None):  # noqa: N802
        """Keep events where ``expr`` (one bool per event) is true; ``name`` labels the cut-flow."""
        name = expr if name is None else name
        item = _item(name, expr)
        self._graph.check_cut_name(self._node, name)
        return self._push({"Filter": item})

    def Range(self, begin, end=None, stride=1):  # noqa: N802
        """``Range(end)`` or ``Range(begin, end[, stride])``: the entries ``begin``,
        ``begin + stride``, … before ``end`` (``0``: to the last), as RDataFrame's ``Range`` on
        the input — entry numbers count through the input files in order (``rdfentry_``), per
        sample. It shows in the cut-flow as ``Range(begin, end, stride)``. Below a ``Filter``
        RDataFrame counts the entries that passed it, which needs the events one by one in
        order; that is refused here (put the Range first)."""
        if end is None:
            begin, end = 0, begin
        try:
            begin, end, stride = int(begin), int(end), int(stride)
        except (TypeError, ValueError):
            raise AnalysisError(f"Range({begin!r}, {end!r}, {stride!r}): give whole numbers") from None
        if begin < 0 or end < 0 or stride < 1:
            raise AnalysisError(f"Range({begin}, {end}, {stride}): begin and end must be >= 0 "
                                "and stride >= 1")
        if end and end < begin:
            raise AnalysisError(f"Range({begin}, {end}): end is before begin")
        at = self._node
        while at is not None:
            node = self._graph.nodes[at]
            if "Filter" in node["op"]:
                raise AnalysisError(
                    "Range below a Filter counts the entries that passed it, one by one in order, "
                    "which a parallel event loop cannot do: call Range before the Filter")
            at = node["parent"]
        cond = [f"rdfentry_ >= {begin}"]
        if end:
            cond.append(f"rdfentry_ < {end}")
        if stride > 1:
            cond.append(f"rdfentry_ % {stride} == {begin % stride}")
        name = f"Range({begin}, {end}" + (f", {stride})" if stride != 1 else ")")
        return self.Filter(" && ".join(cond), name)

    def Define(self, name, expr):  # noqa: N802
        """A new column ``name`` for the returned node and what is booked below it."""
        return self._push({"Define": _item(name, expr)})

    def Redefine(self, name, expr):  # noqa: N802
        """A new value for an existing column, below the returned node: a define, a branch, a
        collection field (``"Jet_pt"``: ``Jet.pt`` and four-vectors follow) or a collection
        (``Redefine("Jet", "Jet[Jet.pt > 30]")``: ``Jet_pt``, ``nJet``, ``len(Jet)`` follow)."""
        return self._push({"Redefine": _item(name, expr)})

    def Vary(self, column, expression, variationTags=None, variationName=None, *,  # noqa: N802, N803
             samples=None):
        """A systematic variation of ``column`` (RDataFrame's ``Vary``): everything computed from
        it below the returned node — defines, cuts, histograms — is also computed in each
        variation, in the same pass (:func:`VariationsFor` gives the results).

        ``Vary("Jet_pt", {"pt_scale_up": "Jet_pt * 1.03f", "pt_res_up": "..."})``, or RDataFrame's
        form ``Vary("Jet_pt", ["Jet_pt * 1.03f", "Jet_pt * 0.97f"], ["up", "down"], "jes")``
        (tags ``jes_up``, ``jes_down``). The expressions may use ``column`` itself (its nominal
        value). ``samples``: the samples it applies to (names or globs); by default every
        simulated sample that is not itself a variation.
        """
        if isinstance(expression, dict):
            if variationTags is not None:
                raise AnalysisError("Vary: give tags as the dict's keys or as variationTags, not both")
            tags = [(str(t), e) for t, e in expression.items()]
        else:
            exprs = [expression] if isinstance(expression, str) else list(expression)
            if variationTags is None:
                variationTags = ["up", "down"][:len(exprs)] if len(exprs) <= 2 else None
            if variationTags is None or len(variationTags) != len(exprs):
                raise AnalysisError(
                    f"Vary('{column}'): give one tag per expression ({len(exprs)} expressions)"
                )
            prefix = f"{variationName}_" if variationName else ""
            tags = [(prefix + str(t), e) for t, e in zip(variationTags, exprs)]
        if not tags:
            raise AnalysisError(f"Vary('{column}'): no variations given")
        return self._push({"Vary": {
            "column": str(column),
            "tags": [[t, _item(column, e)] for t, e in tags],
            "samples": [str(x) for x in (samples or [])],
        }})

    # -- results ---------------------------------------------------------------------------
    def Histo1D(self, model, expr=None, weight=None):  # noqa: N802
        """``Histo1D((name, title, bins, low, high), expr[, weight])`` or
        ``Histo1D((name, title, bins, edges), expr[, weight])``; ``expr`` defaults to ``name``."""
        if isinstance(model, str):
            raise AnalysisError(
                f"Histo1D('{model}'): give the binning, e.g. Histo1D(('{model}', '', 100, 0, 200), '{model}')"
            )
        name = str(model[0])
        title, xlabel, ylabel, _ = _split_title(str(model[1]) if len(model) > 1 else "")
        return self.histo1d(name, expr if expr is not None else name, binning=tuple(model[2:]),
                            weight=weight, title=title, xlabel=xlabel, ylabel=ylabel or "Events")

    def Histo2D(self, model, x, y, weight=None):  # noqa: N802
        """``Histo2D((name, title, nx, xlow, xhigh, ny, ylow, yhigh), x, y[, weight])``; variable
        axes as ``(name, title, nx, xedges, ny, yedges)``."""
        name = str(model[0])
        title, xlabel, ylabel, _ = _split_title(str(model[1]))
        xb, yb = _binning_2d(model[2:], f"Histo2D '{name}'")
        return self.histo2d(name, x, y, xbinning=xb, ybinning=yb, weight=weight, title=title,
                            xlabel=xlabel, ylabel=ylabel)

    def Count(self, name=None):  # noqa: N802
        """Events reaching this node."""
        return self._stat("Count", None, name)

    def Sum(self, expr, name=None):  # noqa: N802
        """Sum of ``expr`` (every element of a list) over the events reaching this node."""
        return self._stat("Sum", expr, name)

    def Mean(self, expr, name=None):  # noqa: N802
        """Mean of ``expr`` (every element of a list)."""
        return self._stat("Mean", expr, name)

    def Take(self, expr, name=None):  # noqa: N802
        """The values of ``expr`` (lists flattened), in entry order, as a numpy array."""
        return self._stat("Take", expr, name)

    def Min(self, expr, name=None):  # noqa: N802
        """The smallest value of ``expr`` (every element of a list) over the events reaching
        this node, as a float; as RDataFrame, ``1.7976931348623157e308`` (DBL_MAX) when there
        is none. Computed from the values (a :meth:`Take`)."""
        return _Derived(self.Take(expr, None if name is None else f"{name}.values"),
                        lambda v: _extreme(np.min, _flat(v), _DBL_MAX))

    def Max(self, expr, name=None):  # noqa: N802
        """The largest value of ``expr``; ``-1.7976931348623157e308`` when there is none."""
        return _Derived(self.Take(expr, None if name is None else f"{name}.values"),
                        lambda v: _extreme(np.max, _flat(v), -_DBL_MAX))

    def Stats(self, expr, weight=None, name=None):  # noqa: N802
        """Count, weight sum, mean and RMS of ``expr`` (every element of a list), optionally
        weighted by ``weight`` (one number per value, or per event for a list, which then
        weighs each of its elements), as ROOT's ``TStatistic``
        (:class:`Statistic`: ``GetN()``, ``GetW()``, ``GetMean()``, ``GetRMS()``,
        ``GetMeanErr()``)."""
        values = self.Take(expr, None if name is None else f"{name}.values")
        weights = None if weight is None else self.Take(
            weight, None if name is None else f"{name}.weights")
        return _Derived(values, lambda v: Statistic(
            _flat(v), None if weights is None else _per_value(weights.GetValue(), v)))

    def Profile1D(self, model, x, y, weight=None):  # noqa: N802
        """``Profile1D((name, title, bins, low, high), x, y[, weight])`` (or ``(name, title,
        bins, edges)``): per bin of ``x`` the mean of ``y``, as ROOT's ``TProfile``. The value is
        a ``hist.Hist`` with ``WeightedMean`` storage: ``.values()`` are the bin means
        (``TProfile::GetBinContent``), ``.counts()`` the summed weights
        (``GetBinEntries``). Booked as three weighted histograms (Σw, Σw·y, Σw·y² per bin, in
        double precision) filled in the same pass."""
        name = str(model[0])
        title, xlabel, ylabel, _ = _split_title(str(model[1]) if len(model) > 1 else "")
        binning = tuple(model[2:])
        return self._profile(
            name, y, weight,
            lambda n, w: self.histo1d(n, x, binning=binning, weight=w, title=title or name,
                                      xlabel=xlabel, ylabel=ylabel))

    def Profile2D(self, model, x, y, z, weight=None):  # noqa: N802
        """``Profile2D((name, title, nx, xlow, xhigh, ny, ylow, yhigh), x, y, z[, weight])``: per
        (x, y) bin the mean of ``z``, as ROOT's ``TProfile2D`` (see :meth:`Profile1D`)."""
        name = str(model[0])
        title, xlabel, ylabel, _ = _split_title(str(model[1]) if len(model) > 1 else "")
        xb, yb = _binning_2d(model[2:], f"Profile2D '{name}'")
        return self._profile(
            name, z, weight,
            lambda n, w: self.histo2d(n, x, y, xbinning=xb, ybinning=yb, weight=w,
                                      title=title or name, xlabel=xlabel, ylabel=ylabel))

    def _profile(self, name, y, weight, book):
        yd = f"(1.0 * ({y}))"
        w = None if weight is None else f"(1.0 * ({weight}))"
        times = (lambda e: e) if w is None else (lambda e: f"{w} * {e}")
        sumw = book(f"{name}.sumw", w)
        sumwy = book(f"{name}.sumwy", times(yd))
        sumwy2 = book(f"{name}.sumwy2", times(f"{yd} * {yd}"))

        def combine(hw, sample=None):
            import hist

            hwy, hwy2 = sumwy.GetValue(sample), sumwy2.GetValue(sample)
            sw = hw.values(flow=True)
            sw2 = hw.variances(flow=True)
            sw2 = sw if sw2 is None else sw2
            swy, swy2 = hwy.values(flow=True), hwy2.values(flow=True)
            mean = np.divide(swy, sw, out=np.zeros_like(swy), where=sw != 0)
            out = hist.Hist(*hw.axes, storage=hist.storage.WeightedMean(), name=name,
                            label=hw.label)
            v = out.view(flow=True)
            v["sum_of_weights"] = sw
            v["sum_of_weights_squared"] = sw2
            v["value"] = mean
            v["_sum_of_weighted_deltas_squared"] = np.maximum(swy2 - sw * mean * mean, 0.0)
            return out

        return _DerivedPerSample(sumw, combine)

    def Display(self, columns=None, nRows=5):  # noqa: N802, N803
        """The first ``nRows`` events reaching this node, as RDataFrame's ``Display``: a table
        with one row per event (lists one element per line); ``.Print()`` prints it,
        ``.AsString()`` returns it. ``columns``: names or expressions (default: the first
        branches of the tree, as ROOT's ``Display()``). Lazy; computing it runs the graph."""
        if columns is None:
            columns = self.GetColumnNames()[:4]
        if isinstance(columns, str):
            columns = [columns]
        columns = [str(c) for c in columns]
        arrays = self.AsNumpy(columns)
        return _Display(arrays, columns, int(nRows))

    def Describe(self):  # noqa: N802
        """What this node is, as RDataFrame's ``Describe``: the input, the number of columns and
        defines, and every column with its type and origin (``Dataset`` or ``Define``);
        ``.Print()`` prints it, ``.AsString()`` returns it, ``.columns`` holds
        ``[(name, type, origin), ...]``. A define's type is shown as ``(define)``: its values'
        type shows in ``AsNumpy``."""
        defined = self._defines_above()
        g = self._graph
        if g.generated is not None:
            # As ROOT: "Empty dataframe filling n rows", the defines in name order.
            rows = [(d, "(define)", "Define") for d in sorted(defined)]
            return _Description(None, [], rows, len(defined), generated=g.generated)
        tree = g.first_tree()
        types = tree.typenames()
        rows = [(d, "(define)", "Define") for d in defined]
        rows += [(b, _rdf_type(types[b]), "Dataset") for b in tree.keys() if b not in defined]
        files = g.files or [f for s in g.samples for f in s.get("files", [])]
        return _Description(g.tree, files, rows, len(defined))

    def AsNumpy(self, columns):  # noqa: N802
        """The values of ``columns`` (names or expressions) for the events reaching this node,
        in entry order, as RDataFrame's ``AsNumpy``: ``{column: array}`` with numpy arrays of the
        column's type for numbers, awkward arrays for lists (one list per event). Lazy like every
        other result: the returned ``ResultPtr``-like object computes on ``GetValue()``."""
        if isinstance(columns, str):
            columns = [columns]
        takes = {str(c): self.Take(str(c)) for c in columns}
        return _Derived(next(iter(takes.values())) if takes else self.Count(),
                        lambda _: {c: t.GetValue() for c, t in takes.items()})

    def GetColumnNames(self):  # noqa: N802
        """The columns this node sees: the defines above it (nearest first) and the branches
        of the tree (read from the first input file)."""
        defined = self._defines_above()
        if self._graph.generated is not None:
            return defined  # generated events have no branches
        branches = [b for b in self._graph.first_tree().keys() if b not in defined]
        return defined + branches

    def _defines_above(self):
        """The names defined at this node and above it, nearest first."""
        defined = []
        at = self._node
        while at is not None:
            node = self._graph.nodes[at]
            op = node["op"]
            if "Define" in op and op["Define"]["name"] not in defined:
                defined.append(op["Define"]["name"])
            at = node["parent"]
        return defined

    def GetColumnType(self, column):  # noqa: N802
        """The C++ type RDataFrame gives a column: for a branch the leaf type (``Float_t``,
        ``UInt_t``) or ``ROOT::VecOps::RVec<T>`` for a counted, fixed-size or ``std::vector``
        array; for a define the type of its value under C++'s rules (``float``, ``double``,
        ``unsigned int``, ``ROOT::VecOps::RVec<float>``), as the engine's type checker gives it
        (nothing is run)."""
        if column in self._defines_above():
            return self._define_type(column)
        if column == "rdfentry_":
            return "ULong64_t"
        types = {} if self._graph.generated is not None else self._graph.first_tree().typenames()
        if column not in types:
            from .io import _no_match

            raise _no_match(column, list(types))
        return _rdf_type(types[column])

    def _define_type(self, column):
        g = self._graph
        state = g._state()
        name = "__hepframe_column_type__"
        spec = {"name": name, "kind": "Take", "value": _item(name, column), "at": self._node}
        try:
            g.stats.append(spec)
            g.bookings[name] = 1
            analysis = g.analysis()
        finally:
            g._restore(state)
        where = next(i for i, t in enumerate(analysis["stats"]) if t["name"] == name)
        return _core.stat_types(json.dumps(analysis))[where]

    def Snapshot(self, treename, filename, columns, *, compression=None, basket_size=None):  # noqa: N802
        """Write the events reaching this node to ``filename`` as tree ``treename`` with
        ``columns`` (branch names, globs such as ``"Muon_*"``, or defines), in the same pass as
        the other results. ``compression``: e.g. ``"zstd-5"`` (default), ``"lz4-4"``,
        ``"zlib-1"``. Unlike RDataFrame's ``Snapshot`` this is lazy like every other result:
        the file is written when the graph runs."""
        if isinstance(columns, str):
            columns = [columns]
        g = self._graph
        setting = None
        if compression is not None:
            setting = _compression_setting(compression)
        g.book_snapshot({
            "tree": str(treename),
            "path": str(filename),
            "columns": [str(c) for c in columns],
            "at": self._node,
            "compression": setting,
            "basket_size": None if basket_size is None else int(basket_size),
        })
        return ResultPtr(g, "snapshot", str(filename))

    def Report(self):  # noqa: N802
        """The cut-flow (every named cut of the graph) as a :class:`hepframe.CutFlow`."""
        return ResultPtr(self._graph, "report", "cutflow")

    # -- Pythonic spellings ----------------------------------------------------------------
    def filter(self, expr, name=None):
        return self.Filter(expr, name)

    def define(self, name, expr):
        return self.Define(name, expr)

    def histo1d(self, name, expr=None, *, bins=None, range=None, edges=None, binning=None,  # noqa: A002
                weight=None, title=None, xlabel="", ylabel="Events", logx=False, logy=False):
        """``histo1d("met", "MET_pt", bins=100, range=(0, 200))`` or ``edges=[...]``."""
        if binning is None:
            if edges is not None:
                binning = list(edges)
            elif bins is not None and range is not None:
                binning = (bins, range[0], range[1])
            else:
                raise AnalysisError(f"histogram '{name}': give bins= and range=(low, high), or edges=")
        g = self._graph
        spec = {
            "value": _item(name, expr if expr is not None else name),
            "weight": None if weight is None else _item(name, weight),
            "binning": _binning(binning, f"histogram '{name}'"),
            "y": None,
            "at": self._node,
            "title": name if title is None else title,
            "xlabel": xlabel,
            "ylabel": ylabel,
            "logx": bool(logx),
            "logy": bool(logy),
        }
        return ResultPtr(g, "hist", name, g.book("hist", spec, name))

    def histo2d(self, name, x, y, *, bins=None, range=None, edges=None, xbinning=None,  # noqa: A002
                ybinning=None, weight=None, title=None, xlabel="", ylabel=""):
        """``histo2d("h", "Jet.pt", "Jet.eta", bins=(50, 20), range=((0, 200), (-2.5, 2.5)))``
        (numpy's ``histogram2d`` spelling; ``bins=50`` for both axes), ``edges=(xedges,
        yedges)``, or per axis ``xbinning=(50, 0, 200), ybinning=[edges...]``."""
        if xbinning is None and ybinning is None:
            if edges is not None:
                xbinning, ybinning = list(edges[0]), list(edges[1])
            elif bins is not None and range is not None:
                nx, ny = (bins, bins) if isinstance(bins, int) else bins
                (x0, x1), (y0, y1) = range
                xbinning, ybinning = (nx, x0, x1), (ny, y0, y1)
            else:
                raise AnalysisError(f"histogram '{name}': give bins=(nx, ny) and range=((xlow, "
                                    "xhigh), (ylow, yhigh)), or edges=(xedges, yedges)")
        elif xbinning is None or ybinning is None:
            raise AnalysisError(f"histogram '{name}': give both xbinning= and ybinning=")
        g = self._graph
        spec = {
            "value": _item(name, x),
            "weight": None if weight is None else _item(name, weight),
            "binning": _binning(xbinning, f"histogram '{name}' x"),
            "y": [_item(name, y), _binning(ybinning, f"histogram '{name}' y")],
            "at": self._node,
            "title": name if title is None else title,
            "xlabel": xlabel,
            "ylabel": ylabel,
            "logx": False,
            "logy": False,
        }
        return ResultPtr(g, "hist", name, g.book("hist", spec, name))

    def count(self, name=None):
        return self.Count(name)

    def sum(self, expr, name=None):
        return self.Sum(expr, name)

    def mean(self, expr, name=None):
        return self.Mean(expr, name)

    def take(self, expr, name=None):
        return self.Take(expr, name)

    def report(self):
        return self.Report()

    def snapshot(self, treename, filename, columns, **kwargs):
        return self.Snapshot(treename, filename, columns, **kwargs)

    def _stat(self, kind, expr, name):
        g = self._graph
        if name is None:
            # An unnamed result booked again (a notebook cell run twice) is the same result.
            auto = f"{kind.lower()}_"
            for t in g.stats:
                if (t["name"].startswith(auto) and t["kind"] == kind and t["at"] == self._node
                        and (t["value"] or {}).get("expr") == expr):
                    return ResultPtr(g, "stat", t["name"], g.bookings[t["name"]])
            taken = {t["name"] for t in g.stats}
            name = next(f"{auto}{i}" for i in range(len(taken) + 1) if f"{auto}{i}" not in taken)
            g.auto_names.add(name)
        spec = {
            "name": name,
            "kind": kind,
            "value": None if expr is None else _item(name, expr),
            "at": self._node,
        }
        return ResultPtr(g, "stat", name, g.book("stat", spec, name))

    # -- running ---------------------------------------------------------------------------
    def compute(self, executor=None):
        """Run every booked result of the graph in one pass; returns :class:`hepframe.Results`.
        ``executor``: :class:`hepframe.LocalExecutor` (default, all cores) or
        :class:`hepframe.DaskExecutor`."""
        return self._graph.compute(executor)

    def to_json(self):
        """The analysis as the engine sees it (JSON)."""
        return self._graph.to_json()

    def __repr__(self):
        g = self._graph
        where = "all events"
        node = self._node
        while node is not None:
            op = g.nodes[node]["op"]
            if "Filter" in op:
                where = f"after cut '{op['Filter']['name']}'"
                break
            node = g.nodes[node]["parent"]
        if g.generated is not None:
            return f"<hepframe.RDataFrame of {g.generated} generated events, {where}>"
        what = f"{len(g.samples)} sample(s)" if g.samples else f"{len(g.files)} file(s)"
        return f"<hepframe.RDataFrame '{g.tree}' of {what}, {where}>"


DataFrame = RDataFrame


def run(analysis, files=None, *, manifest=None, max_files=None, executor=None, threads=0):
    """Run an analysis file (TOML, as for ``hepframe run``); ``files`` replace its inputs, or
    ``manifest`` (an AGC ``nanoaod_inputs.json``) its samples; ``max_files`` keeps the first files
    of each sample. Returns :class:`hepframe.Results`."""
    if files is not None and (isinstance(files, (str, bytes)) or hasattr(files, "__fspath__")):
        files = [files]
    text = _core.analysis_from_file(
        str(analysis), None if files is None else [str(f) for f in files],
        None if manifest is None else str(manifest), max_files,
    )
    executor = executor or LocalExecutor(threads=threads)
    return Results(executor.run(text))


class Sample:
    """A dataset of an analysis: ``Sample("ttbar", ["ttbar/*.root"], xsec=729.84)``.

    ``kind``: ``"mc"`` (default) or ``"data"``. ``xsec`` (pb): simulation is scaled by
    ``xsec * lumi / N``, with ``normalisation`` saying what N is: ``"entries"`` (default, the
    entries of the files), a number (generated events), ``"Runs/genEventSumw"`` (a branch of
    another tree, summed) or an expression summed over every event (``"genWeight"``).
    ``variation``: the systematic variation this sample stands for (``"ME_var"``). ``weight``:
    this sample's event weight; ``defines``: ``{name: expr}`` for this sample only;
    ``lumi_mask``: a golden JSON for data; ``max_files``: use only the first files; ``tree``."""

    def __init__(self, name, files, *, kind="mc", xsec=None, normalisation=None, variation="nominal",
                 weight=None, defines=None, lumi_mask=None, max_files=None, tree=None):
        if isinstance(files, (str, bytes)) or hasattr(files, "__fspath__"):
            files = [files]
        if kind not in ("mc", "data"):
            raise AnalysisError(f"sample '{name}': kind must be 'mc' or 'data', not {kind!r}")
        self.name = str(name)
        self.files = [str(f) for f in files]
        if not self.files:
            raise AnalysisError(f"sample '{name}' has no files")
        self.kind = kind
        self.xsec = None if xsec is None else float(xsec)
        self.normalisation = normalisation
        self.variation = str(variation)
        self.weight = weight
        self.defines = dict(defines or {})
        self.lumi_mask = None if lumi_mask is None else str(lumi_mask)
        self.max_files = max_files
        self.tree = tree

    def to_dict(self):
        n = self.normalisation
        if n is None:
            norm = None
        elif isinstance(n, (int, float)) and not isinstance(n, bool):
            norm = {"Events": float(n)}
        elif n == "entries":
            norm = "Entries"
        elif isinstance(n, str) and "/" in n and " " not in n.strip():
            tree, branch = n.split("/", 1)
            norm = {"TreeSum": {"tree": tree, "branch": branch}}
        else:
            norm = {"Sum": _item("normalisation", n)}
        return {
            "name": self.name, "variation": self.variation, "files": self.files, "tree": self.tree,
            "kind": self.kind, "xsec": self.xsec, "normalisation": norm,
            "weight": None if self.weight is None else _item("weight", self.weight),
            "defines": [_item(k, v) for k, v in self.defines.items()],
            "lumi_mask": self.lumi_mask, "max_files": self.max_files,
        }

    @property
    def key(self):
        return self.name if self.variation == "nominal" else f"{self.name}:{self.variation}"

    def __repr__(self):
        return f"<hepframe.Sample {self.key} ({self.kind}, {len(self.files)} file(s))>"


def samples_from_manifest(path, xsec, max_files=None):
    """The samples of an AGC file manifest (``nanoaod_inputs.json``: ``{process: {variation:
    {"files": [{"path", "nevts"}]}}}``), each normalised by its files' ``nevts``; ``xsec`` maps
    every simulated process to its cross section (pb); ``max_files``: the AGC's
    ``N_FILES_MAX_PER_SAMPLE``. Returns a list of :class:`Sample`."""
    out = []
    for d in json.loads(_core.read_manifest(str(path), {k: float(v) for k, v in xsec.items()}, max_files)):
        norm = d["normalisation"]
        s = Sample(d["name"], d["files"], kind=d["kind"], xsec=d["xsec"], variation=d["variation"],
                   normalisation=norm["Events"] if isinstance(norm, dict) and "Events" in norm else None)
        out.append(s)
    return out


def VariationsFor(result, sample=None):  # noqa: N802 (RDataFrame's VariationsFor)
    """``{"nominal": hist, "pt_scale_up": hist, ...}``: a booked histogram in every universe it
    depends on (of ``sample`` when there are several)."""
    if not isinstance(result, ResultPtr) or result._kind != "hist":
        raise AnalysisError("VariationsFor takes a booked histogram (the result of Histo1D/Histo2D)")
    result._check_current()
    g = result._graph
    if g.results is None or g.results_version != g.version:
        g.compute()
    return g.results.variations(result._name, sample=sample)
