"""Reading ROOT files: ``hepframe.open(path)["Events"].arrays([...])``.

Flat branches come back as numpy arrays, jagged ones (NanoAOD counted arrays, ``std::vector``)
as awkward arrays. The numpy buffers wrap the memory the Rust reader decoded into, so nothing is
copied on the way to Python.
"""

import fnmatch
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
        """Branch names (with data), optionally matching a glob such as ``"Muon_*"``."""
        names = self._t.branch_names()
        if filter_name is None:
            return names
        return [n for n in names if fnmatch.fnmatchcase(n, filter_name)]

    def typenames(self):
        """``{branch: C++ type}``."""
        return dict(self._t.types())

    def arrays(self, branches=None, entry_start=None, entry_stop=None, *, threads=0):
        """Read branches over entries ``[entry_start, entry_stop)``.

        ``branches``: a list of names or globs (default: every branch with data). Negative entry
        numbers count from the end, as in Python slices. Returns ``{name: array}``: numpy arrays
        for flat branches (2-D for fixed-size arrays such as ``x[3]``), awkward arrays for jagged
        ones. ``threads``: decompression threads (0 = all cores).
        """
        names = self._t.branch_names()
        if branches is None:
            wanted = names
        else:
            if isinstance(branches, str):
                branches = [branches]
            wanted = []
            for b in branches:
                if any(c in b for c in "*?["):
                    matched = [n for n in names if fnmatch.fnmatchcase(n, b)]
                    if not matched:
                        raise _no_match(b, names)
                    wanted += [n for n in matched if n not in wanted]
                elif b not in wanted:
                    wanted.append(b)
        n = self.num_entries
        start = 0 if entry_start is None else int(entry_start)
        stop = n if entry_stop is None else int(entry_stop)
        if start < 0:
            start += n
        if stop < 0:
            stop += n
        start = min(max(start, 0), n)
        stop = min(max(stop, start), n)
        raw = self._t.read(wanted, start, stop, threads)
        types = dict(self._t.types())
        return {name: _to_array(raw[name], _dims(types.get(name, ""))) for name in wanted}

    def __repr__(self):
        return f"<hepframe.Tree {self.name!r} in {self._path!r}: {self.num_entries} entries>"


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
    """Open a ROOT file."""
    return File(path)


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
