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

from . import _core
from .errors import AnalysisError
from .results import Results


class LocalExecutor:
    """Run on this machine: ``threads`` threads (0 = all cores), work items of about
    ``entries_per_item`` entries (whole clusters)."""

    def __init__(self, threads=0, entries_per_item=200_000):
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
    def __init__(self, tree, files, name):
        self.tree = tree
        self.files = files
        self.name = name
        self.defines = []
        self.cuts = []
        self.parents = []
        self.histograms = []
        self.stats = []
        self.snapshots = []
        self.report_handles = []
        self.version = 0
        self.results = None
        self.results_version = -1
        self.names = set()

    def book_name(self, name):
        if name in self.names:
            raise AnalysisError(f"a result named '{name}' is already booked")
        self.names.add(name)
        self.version += 1

    def analysis(self):
        return {
            "name": self.name,
            "tree": self.tree,
            "files": list(self.files),
            "defines": self.defines,
            "cuts": self.cuts,
            "cut_parents": self.parents,
            "histograms": self.histograms,
            "stats": self.stats,
            "snapshots": self.snapshots,
        }

    def to_json(self):
        return json.dumps(self.analysis())

    def compute(self, executor=None):
        executor = executor or LocalExecutor()
        self.results = Results(executor.run(self.to_json()))
        self.results_version = self.version
        return self.results

    def get(self, kind, name, executor=None):
        if self.results is None or self.results_version != self.version:
            self.compute(executor)
        r = self.results
        if kind == "hist":
            return r.histograms[name]
        if kind == "report":
            return r.cutflow
        if kind == "snapshot":
            return name
        return r.stats[name]


class ResultPtr:
    """A booked result, computed (with every other result of the graph) on first use.
    ``GetValue()`` / ``value()`` give it; attribute access is forwarded to the value."""

    def __init__(self, graph, kind, name):
        self._graph = graph
        self._kind = kind
        self._name = name

    @property
    def name(self):
        return self._name

    def GetValue(self):  # noqa: N802 (RDataFrame)
        return self._graph.get(self._kind, self._name)

    value = GetValue

    def __getattr__(self, attr):
        if attr.startswith("_"):
            raise AttributeError(attr)
        return getattr(self.GetValue(), attr)

    def __repr__(self):
        done = self._graph.results is not None and self._graph.results_version == self._graph.version
        return f"<hepframe.ResultPtr {self._kind} '{self._name}'{'' if done else ' (not computed yet)'}>"


class RDataFrame:
    """A lazy data frame over a tree in one or more files (globs allowed).

    ``RDataFrame("Events", ["a.root", "b/*.root"])``. Also available as ``hepframe.DataFrame``.
    """

    def __init__(self, tree, files=None, *, name="analysis", _graph=None, _node=None):
        if _graph is None:
            if files is None:
                raise AnalysisError("give the input files: RDataFrame(tree, files)")
            if isinstance(files, (str, bytes)) or hasattr(files, "__fspath__"):
                files = [files]
            files = [str(f) for f in files]
            if not files:
                raise AnalysisError("no input files")
            _graph = _Graph(str(tree), files, name)
        self._graph = _graph
        self._node = _node  # index of the last cut on this path, None = all events

    def _after(self):
        return 0 if self._node is None else self._node + 1

    # -- transformations -------------------------------------------------------------------
    def Filter(self, expr, name=None):  # noqa: N802
        """Keep events where ``expr`` (one bool per event) is true; ``name`` labels the cut-flow."""
        g = self._graph
        name = expr if name is None else name
        if any(c["name"] == name for c in g.cuts):
            raise AnalysisError(f"a cut named '{name}' already exists")
        g.cuts.append(_item(name, expr))
        g.parents.append(self._node)
        g.version += 1
        return RDataFrame(None, _graph=g, _node=len(g.cuts) - 1)

    def Define(self, name, expr):  # noqa: N802
        """Name a value for later expressions (defines are shared by all paths of the graph)."""
        g = self._graph
        for d in g.defines:
            if d["name"] == name:
                if d["expr"] == expr:
                    return self
                raise AnalysisError(f"'{name}' is already defined as '{d['expr']}'")
        g.defines.append(_item(name, expr))
        g.version += 1
        return self

    # -- results ---------------------------------------------------------------------------
    def Histo1D(self, model, expr=None, weight=None):  # noqa: N802
        """``Histo1D((name, title, bins, low, high), expr[, weight])`` or
        ``Histo1D((name, title, bins, edges), expr[, weight])``; ``expr`` defaults to ``name``."""
        if isinstance(model, str):
            raise AnalysisError(
                f"Histo1D('{model}'): give the binning, e.g. Histo1D(('{model}', '', 100, 0, 200), '{model}')"
            )
        name, title = str(model[0]), str(model[1]) if len(model) > 1 else ""
        return self.histo1d(name, expr if expr is not None else name, binning=tuple(model[2:]),
                            weight=weight, title=title)

    def Histo2D(self, model, x, y, weight=None):  # noqa: N802
        """``Histo2D((name, title, nx, xlow, xhigh, ny, ylow, yhigh), x, y[, weight])``; variable
        axes as ``(name, title, nx, xedges, ny, yedges)``."""
        name, title = str(model[0]), str(model[1])
        rest = list(model[2:])
        if len(rest) == 6:
            xb, yb = tuple(rest[:3]), tuple(rest[3:])
        elif len(rest) == 4:
            xb, yb = tuple(rest[:2]), tuple(rest[2:])
        else:
            raise AnalysisError(f"Histo2D '{name}': cannot read the binning {tuple(rest)!r}")
        return self.histo2d(name, x, y, xbinning=xb, ybinning=yb, weight=weight, title=title)

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
        g.snapshots.append({
            "tree": str(treename),
            "path": str(filename),
            "columns": [str(c) for c in columns],
            "after": self._after(),
            "compression": setting,
            "basket_size": None if basket_size is None else int(basket_size),
        })
        g.version += 1
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
            "after": self._after(),
            "title": name if title is None else title,
            "xlabel": xlabel,
            "ylabel": ylabel,
            "logx": bool(logx),
            "logy": bool(logy),
        }
        g.book_name(name)
        g.histograms.append(spec)
        return ResultPtr(g, "hist", name)

    def histo2d(self, name, x, y, *, xbinning, ybinning, weight=None, title=None, xlabel="",
                ylabel=""):
        """``histo2d("h", "Jet.pt", "Jet.eta", xbinning=(50, 0, 200), ybinning=(20, -2.5, 2.5))``."""
        g = self._graph
        spec = {
            "value": _item(name, x),
            "weight": None if weight is None else _item(name, weight),
            "binning": _binning(xbinning, f"histogram '{name}' x"),
            "y": [_item(name, y), _binning(ybinning, f"histogram '{name}' y")],
            "after": self._after(),
            "title": name if title is None else title,
            "xlabel": xlabel,
            "ylabel": ylabel,
            "logx": False,
            "logy": False,
        }
        g.book_name(name)
        g.histograms.append(spec)
        return ResultPtr(g, "hist", name)

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
            name = f"{kind.lower()}_{len(g.stats)}"
        g.book_name(name)
        g.stats.append({
            "name": name,
            "kind": kind,
            "value": None if expr is None else _item(name, expr),
            "after": self._after(),
        })
        return ResultPtr(g, "stat", name)

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
        where = "all events" if self._node is None else f"after cut '{g.cuts[self._node]['name']}'"
        return f"<hepframe.RDataFrame '{g.tree}' of {len(g.files)} file(s), {where}>"


DataFrame = RDataFrame


def run(analysis, files=None, *, executor=None, threads=0):
    """Run an analysis file (TOML, as for ``hepframe run``); ``files`` replace its inputs.
    Returns :class:`hepframe.Results`."""
    if files is not None and (isinstance(files, (str, bytes)) or hasattr(files, "__fspath__")):
        files = [files]
    text = _core.analysis_from_file(str(analysis), None if files is None else [str(f) for f in files])
    executor = executor or LocalExecutor(threads=threads)
    return Results(executor.run(text))
