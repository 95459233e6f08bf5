"""Reading ROOT files, with uproot's names: ``hepframe.open("nano.root:Events")``,
``tree["Muon_pt"].array()``, ``tree.arrays(filter_name=, cut=, library=)``,
``hepframe.iterate(files, step_size=)``.

By default (``library=None``) ``arrays`` gives a dict: flat branches as numpy arrays, jagged ones
(NanoAOD counted arrays, ``std::vector``) as awkward arrays; the numpy buffers wrap the memory the
Rust reader decoded into, so nothing is copied on the way to Python. ``library="ak"`` gives
uproot's awkward record array, ``"np"`` uproot's dict of numpy arrays (jagged ones as object
arrays) and ``"pd"`` a pandas DataFrame.
"""

import ast
import fnmatch
import os
import re

import awkward as ak
import numpy as np

from . import _core, histograms


class File:
    """An open ROOT file. ``file["Events"]`` (or ``file["dir/Events;2"]``) gives a tree,
    ``file["h"]`` a histogram as a ``hist.Hist`` and ``file["g"]`` a graph (see
    :mod:`hepframe.histograms`)."""

    def __init__(self, path):
        self._path = str(path)
        self._f = _core.open(self._path)

    @property
    def path(self):
        return self._path

    def trees(self):
        """The trees in the file, with their directories."""
        return self._f.trees()

    def keys(self):
        return self.trees()

    def __getitem__(self, name):
        if histograms.is_plottable_class(self._f.class_of(name)):
            return histograms.from_dict(self._f.plottable(name))
        return Tree(self._f.tree(name), self._path)

    def __contains__(self, name):
        try:
            cls = self._f.class_of(name)
        except KeyError:
            return False
        if histograms.is_plottable_class(cls):
            return True
        try:
            self._f.tree(name)
            return True
        except KeyError:
            return False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __repr__(self):
        return f"<hepframe.File {self._path!r}>"


class Tree:
    """A TTree: its branches, entries, and :meth:`arrays`."""

    def __init__(self, tree, path):
        self._t = tree
        self._path = path

    @property
    def name(self):
        return self._t.name

    @property
    def num_entries(self):
        return self._t.num_entries

    def __len__(self):
        return self._t.num_entries

    def keys(self, filter_name=None):
        """Branch names (with data), optionally only those matching ``filter_name`` (a glob
        such as ``"Muon_*"``, a list of globs, or a function of the name)."""
        names = self._t.branch_names()
        if filter_name is None:
            return names
        return [n for n in names if _name_filter(filter_name)(n)]

    def typenames(self, filter_name=None):
        """``{branch: C++ type}``."""
        types = dict(self._t.types())
        return {n: types.get(n, "") for n in self.keys(filter_name)}

    @property
    def branches(self):
        """The branches (with data), as :class:`Branch` objects."""
        return [Branch(self, n) for n in self.keys()]

    def __getitem__(self, name):
        if name not in self._t.branch_names():
            raise _no_match(name, self._t.branch_names())
        return Branch(self, name)

    def __contains__(self, name):
        return name in self._t.branch_names()

    def __iter__(self):
        return iter(self.keys())

    def show(self, filter_name=None, file=None):
        """Print each branch's name and C++ type (as ``uproot``'s ``show()``)."""
        import sys

        types = self.typenames(filter_name)
        width = max([len("name")] + [len(n) for n in types])
        out = file or sys.stdout
        print(f"{'name':<{width}} | typename", file=out)
        print(f"{'-' * width}-+-{'-' * 24}", file=out)
        for n, t in types.items():
            print(f"{n:<{width}} | {t}", file=out)

    def arrays(self, expressions=None, cut=None, *, filter_name=None, entry_start=None,
               entry_stop=None, library=None, threads=0):
        """Read branches over entries ``[entry_start, entry_stop)``.

        ``expressions``: a list of branch names or globs (default: every branch with data, or
        those matching ``filter_name``: a glob, a list of globs or a function of the name).
        ``cut``: a Python expression over branch names, one boolean per entry, that selects
        entries (``"nMuon >= 2"``, ``"(MET_pt > 50) & (nJet > 3)"``; numpy's ``sqrt``, ``abs``,
        ``log``, ... are known by name), as uproot's ``cut``. Negative entry numbers count from
        the end, as in Python slices. ``threads``: decompression threads (0 = all cores).

        ``library``: ``None`` (default) gives ``{name: array}`` with numpy arrays for flat
        branches (2-D for fixed-size arrays such as ``x[3]``) and awkward arrays for jagged ones,
        without copies; ``"ak"`` one awkward record array with a field per branch; ``"np"`` a
        dict of numpy arrays, jagged ones as object arrays of per-entry arrays; ``"pd"`` a
        pandas DataFrame (jagged branches exploded to one row per object, indexed by entry and
        subentry, as ``ak.to_dataframe``).
        """
        names = self._t.branch_names()
        wanted = _select(names, expressions, filter_name)
        start, stop = self._entry_range(entry_start, entry_stop)
        needed = list(wanted)
        if cut is not None:
            needed += [n for n in _names_in(cut, names) if n not in needed]
        raw = self._t.read(needed, start, stop, threads)
        types = dict(self._t.types())
        got = {name: _to_array(raw[name], _dims(types.get(name, ""))) for name in needed}
        if cut is not None:
            mask = _evaluate_cut(cut, got, stop - start)
            got = {name: got[name][mask] for name in wanted}
        return _as_library({name: got[name] for name in wanted}, library)

    def iterate(self, expressions=None, cut=None, *, filter_name=None, step_size=100_000,
                entry_start=None, entry_stop=None, library=None, threads=0):
        """:meth:`arrays` in chunks of ``step_size`` entries."""
        step = _step_size(step_size)
        start, stop = self._entry_range(entry_start, entry_stop)
        for lo in range(start, stop, step):
            yield self.arrays(expressions, cut, filter_name=filter_name, entry_start=lo,
                              entry_stop=min(lo + step, stop), library=library, threads=threads)

    def _entry_range(self, entry_start, entry_stop):
        n = self.num_entries
        start = 0 if entry_start is None else int(entry_start)
        stop = n if entry_stop is None else int(entry_stop)
        if start < 0:
            start += n
        if stop < 0:
            stop += n
        start = min(max(start, 0), n)
        stop = min(max(stop, start), n)
        return start, stop

    def __repr__(self):
        return f"<hepframe.Tree {self.name!r} in {self._path!r}: {self.num_entries} entries>"


class Branch:
    """One branch of a :class:`Tree`: ``tree["Muon_pt"].array()``."""

    def __init__(self, tree, name):
        self._tree = tree
        self._name = name

    @property
    def name(self):
        return self._name

    @property
    def typename(self):
        return self._tree.typenames().get(self._name, "")

    @property
    def num_entries(self):
        return self._tree.num_entries

    def array(self, entry_start=None, entry_stop=None, *, library="ak", threads=0):
        """The branch's values over ``[entry_start, entry_stop)``: an awkward array
        (``library="ak"``, the default, as uproot), a numpy array (``"np"``; jagged values as
        an object array), or, with ``library=None``, numpy when flat and awkward when jagged."""
        got = self._tree.arrays([self._name], entry_start=entry_start, entry_stop=entry_stop,
                                threads=threads)[self._name]
        if library in ("ak", "awkward"):
            return ak.Array(got)
        if library in ("np", "numpy"):
            return got if isinstance(got, np.ndarray) else _to_object_array(got)
        if library is None:
            return got
        raise ValueError(f"Branch.array() gives library 'ak', 'np' or None, not {library!r} "
                         "(for pandas: tree.arrays([name], library='pd'))")

    def __repr__(self):
        return f"<hepframe.Branch {self._name!r} ({self.typename})>"


def iterate(files, expressions=None, cut=None, *, filter_name=None, step_size=100_000,
            library=None, report=False, threads=0):
    """Read trees of several files in chunks of at most ``step_size`` entries (a chunk never
    spans two files), as ``uproot.iterate``.

    ``files``: ``"nano.root:Events"``, a list of them, or ``{"nano.root": "Events"}``; a local
    path may be a glob (``"data/*.root:Events"``). Without ``:tree``, the file's only tree is
    read. Other arguments as :meth:`Tree.arrays`. With ``report=True`` each chunk comes as
    ``(arrays, report)``, where ``report`` has ``file_path``, ``tree_entry_start`` and
    ``tree_entry_stop``.
    """
    step = _step_size(step_size)
    for path, tree_name in _file_list(files):
        f = File(path)
        if tree_name is None:
            trees = f.trees()
            if len(trees) != 1:
                from .errors import InputError

                raise InputError(f"{path} has {len(trees)} trees ({', '.join(trees)}): say "
                                 f"which, as '{path}:TREE'")
            tree_name = trees[0]
        tree = f[tree_name]
        for lo in range(0, tree.num_entries, step):
            hi = min(lo + step, tree.num_entries)
            arrays = tree.arrays(expressions, cut, filter_name=filter_name, entry_start=lo,
                                 entry_stop=hi, library=library, threads=threads)
            if report:
                yield arrays, Report(path, tree_name, lo, hi)
            else:
                yield arrays


class Report:
    """Where a chunk of :func:`iterate` came from."""

    def __init__(self, file_path, tree_name, start, stop):
        self.file_path = file_path
        self.tree_name = tree_name
        self.tree_entry_start = start
        self.tree_entry_stop = stop

    def __repr__(self):
        return (f"<hepframe.Report {self.file_path}:{self.tree_name} entries "
                f"{self.tree_entry_start}-{self.tree_entry_stop}>")


def _step_size(step_size):
    if isinstance(step_size, bool) or not isinstance(step_size, (int, np.integer)):
        raise TypeError(f"step_size is a number of entries (an int > 0), not {step_size!r}")
    if step_size <= 0:
        raise ValueError(f"step_size must be > 0, not {step_size}")
    return int(step_size)


def _file_list(files):
    """``[(path, tree or None)]`` from what :func:`iterate` accepts."""
    import glob

    if isinstance(files, dict):
        items = [(str(p), t) for p, t in files.items()]
    else:
        if isinstance(files, (str, os.PathLike)):
            files = [files]
        items = [_split_object(os.fspath(f)) for f in files]
    out = []
    for path, tree in items:
        if _is_url(path) or not any(c in path for c in "*?["):
            out.append((path, tree))
            continue
        matched = sorted(glob.glob(path))
        if not matched:
            from .errors import FileNotFoundError as NoFile

            raise NoFile(f"no file matches '{path}'")
        out += [(m, tree) for m in matched]
    return out


_URL_SCHEMES = ("root://", "roots://", "http://", "https://")


def _is_url(path):
    return path[:8].lower().startswith(_URL_SCHEMES)


def _split_object(target):
    """``"f.root:Events"`` -> ``("f.root", "Events")``; a URL keeps the colons of its scheme
    and port, and a local path that exists is never split."""
    if _is_url(target):
        after = target.index("://") + 3
        slash = target.find("/", after)
        skip = len(target) if slash < 0 else slash
    else:
        if os.path.exists(target):
            return target, None
        skip = 0
    at = target.rfind(":", skip)
    if at <= 0 or (skip == 0 and at == 1 and target[0].isalpha() and target[2:3] in "/\\"):
        return target, None  # no object, or a Windows drive letter
    return target[:at], target[at + 1:] or None


def _name_filter(filter_name):
    """A predicate on branch names from a glob, a list of globs, or a function."""
    if callable(filter_name):
        return filter_name
    patterns = [filter_name] if isinstance(filter_name, str) else list(filter_name)
    return lambda n: any(fnmatch.fnmatchcase(n, p) for p in patterns)


def _select(names, expressions, filter_name):
    """The branches to read, in order, from names/globs and a name filter."""
    if expressions is None:
        wanted = list(names)
    else:
        if isinstance(expressions, str):
            expressions = [expressions]
        wanted = []
        for b in expressions:
            if any(c in b for c in "*?["):
                matched = [n for n in names if fnmatch.fnmatchcase(n, b)]
                if not matched:
                    raise _no_match(b, names)
                wanted += [n for n in matched if n not in wanted]
            elif b not in names:
                raise _no_match(b, names)
            elif b not in wanted:
                wanted.append(b)
    if filter_name is not None:
        keep = _name_filter(filter_name)
        wanted = [n for n in wanted if keep(n)]
    return wanted


#: What a ``cut`` may call besides branch names: numpy's elementwise functions.
_CUT_FUNCTIONS = {
    name: getattr(np, name)
    for name in ("abs", "sqrt", "exp", "log", "log10", "sin", "cos", "tan", "arcsin", "arccos",
                 "arctan", "arctan2", "sinh", "cosh", "tanh", "minimum", "maximum", "where",
                 "isfinite", "isnan", "pi")
}


def _names_in(cut, names):
    """The branch names a cut uses (its free variables)."""
    try:
        tree = ast.parse(cut, mode="eval")
    except SyntaxError as e:
        raise ValueError(f"cut {cut!r} is not a Python expression: {e.msg} at column "
                         f"{(e.offset or 0)}") from None
    used = [node.id for node in ast.walk(tree) if isinstance(node, ast.Name)]
    unknown = [u for u in used if u not in names and u not in _CUT_FUNCTIONS]
    if unknown:
        raise _no_match(unknown[0], names)
    return [u for u in dict.fromkeys(used) if u in names]


def _evaluate_cut(cut, arrays, n):
    """The boolean mask of a cut, one value per entry."""
    space = dict(_CUT_FUNCTIONS)
    space.update(arrays)
    mask = eval(compile(cut, "<cut>", "eval"), {"__builtins__": {}}, space)  # noqa: S307
    if isinstance(mask, ak.Array):
        if mask.ndim != 1:
            raise ValueError(f"cut {cut!r} gives a value per object, not per entry: reduce it, "
                             "e.g. with ak.any")
        mask = ak.to_numpy(mask)
    mask = np.asarray(mask)
    if mask.dtype != np.bool_ or mask.shape != (n,):
        raise ValueError(f"cut {cut!r} must give one boolean per entry (got {mask.dtype} of "
                         f"shape {mask.shape})")
    return mask


def _as_library(arrays, library):
    """``{name: numpy or awkward}`` in the form ``library`` asks for."""
    if library is None:
        return arrays
    if library in ("ak", "awkward"):
        if not arrays:
            return ak.Array({})
        return ak.zip({n: ak.Array(a) for n, a in arrays.items()}, depth_limit=1)
    if library in ("np", "numpy"):
        return {n: a if isinstance(a, np.ndarray) else _to_object_array(a)
                for n, a in arrays.items()}
    if library in ("pd", "pandas"):
        import pandas as pd

        if all(isinstance(a, np.ndarray) and a.ndim == 1 for a in arrays.values()):
            return pd.DataFrame(arrays)
        return ak.to_dataframe(_as_library(arrays, "ak"))
    raise ValueError(f"unknown library {library!r}: use 'ak', 'np', 'pd' or None")


def _to_object_array(a):
    """A jagged awkward array as numpy's object array of per-entry numpy arrays (uproot's
    ``library="np"``): views of one flat array, as uproot's are."""
    try:
        flat = ak.to_numpy(ak.flatten(a, axis=1))
        counts = ak.to_numpy(ak.num(a, axis=1))
    except (ValueError, TypeError):  # lists of lists, records: Python lists per entry
        out = np.empty(len(a), dtype=object)
        for i, x in enumerate(ak.to_list(a)):
            out[i] = x
        return out
    stops = np.cumsum(counts)
    starts = (stops - counts).tolist()
    stops = stops.tolist()
    views = map(flat.__getitem__, map(slice, starts, stops))
    try:
        # The views made and stored by numpy in C: 1.4 s for 5 M entries, where a Python loop
        # over np.split's parts took 4.7 s (np.split itself loops in Python) and uproot 1.8 s.
        return np.fromiter(views, dtype=object, count=len(starts))
    except ValueError:  # numpy < 1.23 makes no object arrays from an iterator
        out = np.empty(len(starts), dtype=object)
        for i, (lo, hi) in enumerate(zip(starts, stops)):
            out[i] = flat[lo:hi]
        return out


def _no_match(pattern, names):
    """The error for a glob (or an expression taken for one) that matches no branch."""
    import difflib

    from .errors import NotFoundError

    stem = re.split(r"[*?\[]", pattern, maxsplit=1)[0]
    near = difflib.get_close_matches(pattern, names, n=3, cutoff=0.6)
    near += [n for n in names if stem and n.startswith(stem) and n not in near][: 3 - len(near)]
    hint = f"; nearest branches: {', '.join(near)}" if near else ""
    if re.search(r"[-+/() ]|\*\s*\d|\d\s*\*", pattern):
        hint += (" (arrays() reads branches by name or glob; for an expression, use "
                 "RDataFrame(...).Define(...) and Take)")
    return NotFoundError(f"no branch matches '{pattern}'{hint}")


def open(path):  # noqa: A001 (mirrors uproot.open)
    """Open a ROOT file, local or a ``root://``/``http(s)://`` URL. With an object path, as
    uproot: ``open("nano.root:Events")`` gives the tree, ``open("sf.root:dir/h")`` the
    histogram."""
    file_path, obj = _split_object(os.fspath(path))
    f = File(file_path)
    return f[obj] if obj else f


def _dims(typename):
    """``Double_t[2][3]`` -> (2, 3); counters (``[nMuon]``) and Float16 ranges give ()."""
    dims = re.findall(r"\[([^\]]*)\]", typename)
    if dims and all(d.isdigit() for d in dims):
        return tuple(int(d) for d in dims)
    return ()


def _to_array(layout, dims=()):
    if isinstance(layout, np.ndarray):
        return layout
    if layout[0] == "fixed" and isinstance(layout[2], np.ndarray):
        shape = dims if dims and int(np.prod(dims)) == layout[1] else (layout[1],)
        return layout[2].reshape(-1, *shape)
    return ak.Array(_content(layout))


def _content(layout):
    if isinstance(layout, np.ndarray):
        return ak.contents.NumpyArray(layout)
    kind = layout[0]
    if kind == "list":
        return ak.contents.ListOffsetArray(ak.index.Index64(layout[1]), _content(layout[2]))
    if kind == "fixed":
        return ak.contents.RegularArray(_content(layout[2]), layout[1])
    if kind == "strings":
        chars = ak.contents.NumpyArray(layout[2], parameters={"__array__": "char"})
        return ak.contents.ListOffsetArray(
            ak.index.Index64(layout[1]), chars, parameters={"__array__": "string"}
        )
    if kind == "record":
        fields = layout[1]
        return ak.contents.RecordArray(
            [_content(c) for _, c in fields], [name for name, _ in fields], length=layout[2]
        )
    raise TypeError(f"unknown layout {kind!r}")
