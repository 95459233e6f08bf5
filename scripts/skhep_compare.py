#!/usr/bin/env python3
"""Compare what hepframe reads from ROOT files with what uproot (and ROOT) read, branch by branch.

    ~/peers/bin/python scripts/skhep_compare.py ~/skhep --hepframe-python .venv/bin/python \\
        [--json out.json] [--only FILE ...] [--max-entries 1000] [--timeout 60] [--root-check]

Run it with a Python that has uproot and awkward (and PyROOT for ``--root-check``). hepframe
runs in a child process of ``--hepframe-python``, one per file, which appends what it read
(numpy arrays, awkward buffers, or the error) to a temporary pickle stream, record by record; the
values are compared here. A child that spends more than ``--timeout`` seconds on one step or
dies has that branch recorded as an ERROR (timeout/crash), and a new child carries on after it.
Run it under ``nice``; every child reads with one thread, one process at a time.

For every ROOT file in the folder (recursively), every TTree and RNTuple that uproot or hepframe
finds in it (through directories; highest cycle), and every branch uproot lists (sub-branches of
split objects by their full path; RNTuples: top-level fields), the first ``--max-entries``
entries are compared. A branch is read with ``tree.arrays([name])`` by its name if the name is
unique in the tree, otherwise by its ``a/b/c`` path (the k-th of several top-level branches of
one name is ``name;k``), as hepframe names them. Branch statuses:

* OK               hepframe's values equal uproot's: ints, bools, strings exactly; floats
                   exactly, NaN equal to NaN; jagged, fixed-size and record structures element
                   by element (``ak.to_list``). Representations that hold the same values count
                   as equal and are noted: std::pair/tuple as a record {_0, _1}, std::variant as a
                   record of one-or-none lists, an empty struct as {} (uproot: ()), fixed-size
                   dimensions flattened (``[9][10][2]`` as 180 values per entry), other dtypes;
                   record fields are matched by name (``@`` and dotted prefixes dropped)
* UNSUPPORTED      hepframe raises an error saying "unsupported: ..."
* ERROR            hepframe raises another error (or its process crashes or times out), or
                   does not find a branch uproot has
* WRONG            hepframe's values differ from uproot's (first differing entry shown); with
                   --root-check, also where uproot cannot read a branch and ROOT's values differ
                   from hepframe's (the reference is then ROOT)
* NOT_ADDRESSABLE  ``tree.arrays([name])`` cannot name the branch: glob characters in the name
                   (``ig[6]``), or a name shared with another branch (only its path, which
                   keys() does not give, reaches it). The values are still read, through
                   ``_core`` with the exact name or by path, and compared: WRONG if they differ

Not counted against hepframe:

* UPROOT_FAIL      uproot cannot read the branch; hepframe's outcome is recorded and, with
                   --root-check, whether ROOT's TBranch::GetEntry reads it and, where hepframe
                   reads records of numbers, whether ROOT's TTree::Draw values of up to 8
                   members over the first 20 entries equal hepframe's (else WRONG)
* UPROOT_WRONG     hepframe differs from uproot, and ROOT (--root-check: TTree::Draw of the
                   member at the first difference) agrees with hepframe and not with uproot
* GROUP            the parent branch of a split object, without baskets of its own (its data
                   are in its sub-branches, which are compared); the parent of a split
                   collection that has baskets is compared as the per-entry element counts
* EXTRA            a branch hepframe lists that uproot does not have (hepframe's outcome noted)

A tree is WRONG if any branch is WRONG (or the entry counts differ), else ERROR if any is ERROR
(or hepframe cannot open it), else NOT_ADDRESSABLE, else UNSUPPORTED, else OK; NO_REFERENCE if
no branch could be compared (uproot reads none of them).
"""

import argparse
import collections
import json
import math
import os
import pickle
import re
import signal
import subprocess
import sys
import tempfile
import time
import warnings

import awkward as ak
import numpy as np

TREE_CLASSES = {"TTree", "TNtuple", "TNtupleD", "TChain", "TTreeSQL"}

# Rank of branch statuses for the tree status (higher is worse).
RANK = {"OK": 0, "UNSUPPORTED": 1, "NOT_ADDRESSABLE": 2, "ERROR": 3, "WRONG": 4}
COUNTED = ["OK", "UNSUPPORTED", "NOT_ADDRESSABLE", "ERROR", "WRONG"]
UNCOUNTED = ["UPROOT_FAIL", "UPROOT_WRONG", "GROUP", "EXTRA"]

# --------------------------------------------------------------------------------------------
# The child: runs under --hepframe-python, reads every branch it is asked for with hepframe and
# appends one pickled record per event to the output stream, flushing each, so that whatever it
# read before a crash or a timeout survives.
# --------------------------------------------------------------------------------------------
CHILD = r'''
import json, os, pickle, sys, time
spec = json.load(open(sys.argv[1]))
out = open(sys.argv[2], "ab")

def emit(*rec):
    pickle.dump(rec, out, protocol=4)
    out.flush()

def err(e):
    return {"etype": type(e).__name__, "msg": str(e)[:4000]}

try:
    import numpy as np
    import awkward as ak
    import hepframe
    import hepframe.io as hio
    from hepframe.errors import NotFoundError
except BaseException as e:
    emit("file_error", err(e))
    sys.exit(0)

def pack(v):
    if isinstance(v, np.ndarray):
        return ("np", np.ascontiguousarray(v))
    if isinstance(v, ak.Array):
        form, length, bufs = ak.to_buffers(v)
        return ("ak", form.to_json(), length, {k: np.asarray(b) for k, b in bufs.items()})
    return ("other", repr(type(v)), repr(v)[:300])

class CachedTypes:
    """Tree.arrays() asks _core for the types of every branch on each call (O(branches) per
    call: a tenth of a second on a tree of 3500 branches); read one at a time, that is slow.
    The types do not change, so they are asked for once."""
    def __init__(self, inner):
        self._inner = inner
        self._types = None
    def types(self):
        if self._types is None:
            self._types = self._inner.types()
        return self._types
    def __getattr__(self, name):
        return getattr(self._inner, name)

def read(t, a, types, stop):
    res = {"addressable": True}
    try:
        d = t.arrays([a], entry_stop=stop, threads=1)
        if a in d:
            res.update(status="ok", via="arrays", value=pack(d[a]))
            return res
        res["addressable"] = False
        res["arrays_note"] = "arrays([%r]) returned %r" % (a, sorted(d)[:5])
    except (KeyboardInterrupt, SystemExit):
        raise
    except NotFoundError as e:
        if ("'%s'" % a) not in str(e):
            # not about the name asked for (e.g. a counter branch it refers to): a read error
            res.update(status="error", via="arrays", **err(e))
            return res
        res["addressable"] = False
        res["arrays_note"] = "arrays([%r]) raised %s: %s" % (a, type(e).__name__, str(e)[:500])
    except BaseException as e:  # PanicException is a BaseException
        res.update(status="error", via="arrays", **err(e))
        return res
    # arrays() cannot name it: read it through _core with the exact name, as arrays() would.
    try:
        raw = t._t.read([a], 0, stop, 1)
        res.update(status="ok", via="core",
                   value=pack(hio._to_array(raw[a], hio._dims(types.get(a, "")))))
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as e:
        res.update(status="error", via="core", **err(e))
    return res

N = spec["max_entries"]
skip = {tuple(x) for x in spec["skip"]}
done_trees = set(spec["done_trees"])
try:
    f = hepframe.open(spec["path"])
    names = list(f.keys())
except BaseException as e:
    emit("file_error", err(e))
    sys.exit(0)
if not spec["resumed"]:
    emit("file", names, getattr(hepframe, "__version__", "?"))
order = list(spec["trees"]) + [t for t in names if t not in spec["trees"]]
for tname in order:
    planned = spec["trees"].get(tname, {"addresses": [], "known": []})
    try:
        t = f[tname]
        t._t = CachedTypes(t._t)
        keys = list(t.keys())
        types = t.typenames()
        n = t.num_entries
        info = {"num_entries": n, "keys": keys, "types": types,
                "is_rntuple": bool(getattr(t._t, "is_rntuple", False))}
    except BaseException as e:
        if tname not in done_trees:
            emit("tree_error", tname, err(e))
        continue
    if tname not in done_trees:
        emit("tree", tname, info)
    known = set(planned["known"])
    addrs = []
    # parents of split objects only if hepframe lists them as branches with data
    groups = [g for g in planned.get("groups", []) if g in keys]
    for a in list(planned["addresses"]) + groups + [k for k in keys if k not in known]:
        if a not in addrs:
            addrs.append(a)
    stop = min(N, n)
    for a in addrs:
        if (tname, a) in skip:
            continue
        emit("begin", tname, a)
        t0 = time.time()
        res = read(t, a, types, stop)
        res["seconds"] = round(time.time() - t0, 4)
        emit("branch", tname, a, res)
emit("done")
'''


# --------------------------------------------------------------------------------------------
# uproot's side
# --------------------------------------------------------------------------------------------
class Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise Timeout()


def with_timeout(seconds, fn, *args, **kwargs):
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return fn(*args, **kwargs)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def short_exc(e):
    s = f"{type(e).__name__}: {e}".strip()
    s = re.sub(r"\s+", " ", s)
    return s[:500]


def uproot_trees(uproot, path):
    """[(name without cycle, classname)] of the TTrees and RNTuples, highest cycle only."""
    # memory-mapped: uproot's default (fsspec) source costs a thread round trip per read
    f = uproot.open(path, handler=uproot.source.file.MemmapSource)
    best = {}
    for key, cls in f.classnames(recursive=True).items():
        if cls not in TREE_CLASSES and "RNTuple" not in cls:
            continue
        name, _, cycle = key.rpartition(";")
        try:
            cycle = int(cycle)
        except ValueError:
            name, cycle = key, 0
        if name not in best or cycle > best[name][0]:
            best[name] = (cycle, key, cls)
    return f, [(name, key, cls) for name, (cycle, key, cls) in best.items()]


def uproot_branches(tree, is_rntuple):
    """Per branch: name, path, typename, interpretation, role (leaf, counted-group, group)."""
    out = []
    if is_rntuple:
        for fld in tree.keys(recursive=False):
            out.append({"name": fld, "path": fld, "typename": "", "interpretation": "RNTuple field",
                        "role": "leaf"})
        try:
            types = {fl.name: getattr(fl, "typename", "") for fl in tree.fields}
            for b in out:
                b["typename"] = str(types.get(b["name"], ""))
        except Exception:
            pass
        return out
    for path, b in tree.iteritems(recursive=True, full_paths=True):
        try:
            typename = b.typename
        except Exception as e:  # noqa: BLE001
            typename = f"? ({short_exc(e)})"
        try:
            interp = type(b.interpretation).__name__
        except Exception as e:  # noqa: BLE001
            interp = f"? ({short_exc(e)})"
        nsub = len(b.branches)
        if nsub == 0:
            role = "leaf"
        elif b.num_baskets > 0:
            role = "counted-group"  # split vector / TClonesArray: its own baskets hold the count
        else:
            role = "group"
        out.append({"name": b.name, "path": path, "typename": typename, "interpretation": interp,
                    "role": role, "_branch": b})
    return out


def uproot_read(b, tree, is_rntuple, stop, timeout):
    if is_rntuple:
        return with_timeout(timeout, lambda: tree.arrays([b["name"]], entry_stop=stop)[b["name"]])
    return with_timeout(timeout, lambda: b["_branch"].array(entry_stop=stop, library="ak"))


def uproot_counts(b, stop, timeout):
    """Per-entry element counts of a counted group (a split vector or TClonesArray)."""
    last = None
    for sub in b["_branch"].branches:
        try:
            arr = with_timeout(timeout, lambda: sub.array(entry_stop=stop, library="ak"))
        except Exception as e:  # noqa: BLE001
            last = e
            continue
        if arr.ndim >= 2 and len(arr) == stop:
            return ak.num(arr, axis=1)
        if arr.ndim >= 2:
            last = ValueError(f"sub-branch {sub.name} has {len(arr)} entries, not {stop}, so "
                              f"uproot cannot give the counts")
    if last is not None:
        raise last
    raise ValueError("no jagged sub-branch to count")


# --------------------------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------------------------
def unpack(v):
    kind = v[0]
    if kind == "np":
        return v[1]
    if kind == "ak":
        _, form, length, bufs = v
        return ak.from_buffers(ak.forms.from_json(form), length, bufs)
    raise TypeError(f"hepframe returned {v[1]}: {v[2]}")


def type_str(a):
    if isinstance(a, np.ndarray):
        return f"numpy {a.dtype} {a.shape}"
    try:
        return str(a.type)
    except Exception:  # noqa: BLE001
        return type(a).__name__


def _numeric_form(form):
    """Lists (any kind) of plain numbers, without records, strings or options."""
    if form.parameters.get("__array__") in ("string", "bytestring", "char", "byte"):
        return False
    if isinstance(form, ak.forms.NumpyForm):
        return True
    if isinstance(form, (ak.forms.ListOffsetForm, ak.forms.ListForm, ak.forms.RegularForm)):
        return _numeric_form(form.content)
    return False


def _flat_equal(a, b):
    if a.shape != b.shape:
        return False
    ka, kb = a.dtype.kind, b.dtype.kind
    if ka in "biu" and kb in "biu":
        if ka == kb or (ka != "u" and kb != "u"):
            return bool(np.array_equal(a.astype(np.int64) if ka != "u" else a.astype(np.uint64),
                                       b.astype(np.int64) if kb != "u" else b.astype(np.uint64)))
        return bool(np.array_equal(a.astype(object), b.astype(object)))
    if ka in "biuf" and kb in "biuf":
        return bool(np.array_equal(a.astype(np.float64), b.astype(np.float64), equal_nan=True))
    return bool(np.array_equal(a, b))


def fast_equal(h, u):
    """True/False when both are lists of plain numbers; None when the slow path must decide."""
    h = ak.Array(h) if isinstance(h, np.ndarray) else h
    if not (_numeric_form(h.layout.form) and _numeric_form(u.layout.form)):
        return None
    if len(h) != len(u) or h.ndim != u.ndim:
        return False
    try:
        for d in range(1, h.ndim):
            if not ak.all(ak.num(h, axis=d) == ak.num(u, axis=d)):
                return False
        hf = ak.to_numpy(ak.flatten(h, axis=None))
        uf = ak.to_numpy(ak.flatten(u, axis=None))
    except Exception:  # noqa: BLE001
        return None
    return _flat_equal(hf, uf)


def _match_fields(hd, ud):
    """{hepframe field: uproot field} by name, then by the last dotted component."""
    hk, uk = list(hd), [k for k in ud if not k.startswith("@")]
    pairs = {k: k for k in hk if k in ud}
    rest_u = [k for k in uk if k not in pairs.values()]
    by_last = collections.defaultdict(list)
    for k in rest_u:
        by_last[k.split(".")[-1]].append(k)
    for k in hk:
        if k in pairs:
            continue
        c = by_last.get(k.split(".")[-1], [])
        if len(c) == 1:
            pairs[k] = c[0]
        elif ("@" + k) in ud:
            pairs[k] = "@" + k
    return pairs


class Notes:
    def __init__(self):
        self.items = collections.OrderedDict()

    def add(self, s):
        self.items[s] = self.items.get(s, 0) + 1


_POS = re.compile(r"_?\d+$")


def _reshape(a, b, notes):
    """hepframe's records for std::pair/tuple ({_0, _1}) and std::variant ({_0: [], _1: [x]})
    against uproot's tuples and unions: the same values, another layout. Returns a (hepframe
    value, uproot value) pair to compare instead, or None."""
    if a == {} and b == ():
        notes.add("empty struct: hepframe gives an empty record, uproot an empty tuple")
        return [], []
    if not isinstance(a, dict) or not a or not all(_POS.match(k) for k in a):
        return None
    if isinstance(b, dict) and set(b) == set(a):
        return None
    vals = [a[k] for k in sorted(a, key=lambda k: int(k.lstrip("_")))]
    if isinstance(b, tuple) and len(b) == len(vals):
        notes.add("tuple/pair: hepframe gives a record {_0, _1, ...}, uproot a tuple")
        return list(vals), list(b)
    if all(isinstance(v, list) for v in vals) and sum(len(v) for v in vals) <= 1:
        notes.add("variant: hepframe gives a record of one-or-none lists, uproot a union")
        return next((v[0] for v in vals if v), None), b
    return None


def deq(a, b, notes, where=""):
    """Deep equality of hepframe's ``a`` and uproot's ``b`` (to_list forms)."""
    r = _reshape(a, b, notes)
    if r is not None:
        return deq(r[0], r[1], notes, where)
    if isinstance(a, dict) and isinstance(b, dict):
        pairs = _match_fields(a, b)
        if not pairs:
            return False
        only_h = sorted(set(a) - set(pairs))
        only_u = sorted(set(k for k in b if not k.startswith("@")) - set(pairs.values()))
        if only_h or only_u:
            notes.add(f"record fields at {where or 'top'}: only hepframe {only_h}, only uproot {only_u}")
        return all(deq(a[k], b[pairs[k]], notes, f"{where}.{k}") for k in pairs)
    if isinstance(a, dict) or isinstance(b, dict):
        return False
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(deq(x, y, notes, where + "[]") for x, y in zip(a, b))
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return False
    if isinstance(a, (str, bytes)) or isinstance(b, (str, bytes)):
        if not isinstance(a, (str, bytes)) or not isinstance(b, (str, bytes)):
            return False
        if isinstance(a, str):
            a = a.encode("utf-8", "surrogateescape")
        if isinstance(b, str):
            b = b.encode("utf-8", "surrogateescape")
        return a == b
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        try:
            if math.isnan(a) and math.isnan(b):
                return True
        except TypeError:
            return False
    return a == b


def _short(v, n=240):
    s = repr(v)
    return s if len(s) <= n else s[: n - 3] + "..."


def _first_diff(a, b, notes, path=()):
    """Where deep values ``a`` (hepframe) and ``b`` (uproot) first differ: (description, path,
    hepframe's leaf value, uproot's leaf value); path items are ("field", name) or
    ("index", i)."""
    r = _reshape(a, b, notes)
    if r is not None:
        a, b = r
    where = "".join(f".{v}" if k == "field" else f"[{v}]" for k, v in path) or "value"
    if isinstance(a, dict) and isinstance(b, dict):
        pairs = _match_fields(a, b)
        if not pairs:
            return (f"{where}: no common record fields (hepframe {sorted(a)[:8]}, uproot "
                    f"{sorted(b)[:8]})", None, None, None)
        for k, uk in pairs.items():
            if not deq(a[k], b[uk], notes):
                return _first_diff(a[k], b[uk], notes, path + (("field", k),))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            return f"{where}: length {len(a)} vs {len(b)}", None, None, None
        for i, (x, y) in enumerate(zip(a, b)):
            if not deq(x, y, notes):
                return _first_diff(x, y, notes, path + (("index", i),))
    leaf = not isinstance(a, (dict, list, tuple)) and not isinstance(b, (dict, list, tuple))
    return (f"{where}: {_short(a, 120)} vs {_short(b, 120)}", list(path) if leaf else None,
            a if leaf else None, b if leaf else None)


def _regular_numeric(x):
    """A numpy array, or an awkward array of regular dimensions of numbers: as numpy, or None."""
    if isinstance(x, np.ndarray):
        return x if x.dtype.kind in "biuf" else None
    form = x.layout.form
    while isinstance(form, ak.forms.RegularForm):
        form = form.content
    if not isinstance(form, ak.forms.NumpyForm) or form.parameters.get("__array__"):
        return None
    try:
        return ak.to_numpy(x)
    except Exception:  # noqa: BLE001
        return None


def compare(h, u):
    """None if equal, else a dict describing the first difference. ``h`` numpy or ak, ``u`` ak."""
    notes = Notes()
    info = {}
    ht, ut = type_str(h), type_str(u)
    if len(h) != len(u):
        return {"entry": None, "detail": f"length {len(h)} vs {len(u)}", "hepframe_type": ht,
                "uproot_type": ut}, notes
    fe = fast_equal(h, u)
    if fe is True:
        return None, notes
    hn, un = _regular_numeric(h), _regular_numeric(u)
    if (fe is False and hn is not None and un is not None and hn.shape != un.shape
            and hn.size == un.size and _flat_equal(hn.reshape(-1), un.reshape(-1))):
        notes.add(f"fixed-size dimensions differ, values equal: hepframe {hn.shape[1:]} vs "
                  f"uproot {un.shape[1:]} per entry")
        return None, notes
    hl = h.tolist() if isinstance(h, np.ndarray) else ak.to_list(h)
    ul = ak.to_list(u)
    for i, (x, y) in enumerate(zip(hl, ul)):
        if not deq(x, y, notes):
            detail, path, hleaf, uleaf = _first_diff(x, y, Notes())
            info = {"entry": i, "hepframe": _short(x), "uproot": _short(y),
                    "detail": detail, "hepframe_type": ht, "uproot_type": ut}
            if path is not None:
                info["leaf_path"], info["hepframe_leaf"], info["uproot_leaf"] = path, hleaf, uleaf
            nbad = sum(1 for x2, y2 in zip(hl[i:], ul[i:]) if not deq(x2, y2, Notes()))
            info["entries_differing"] = f"{nbad} of {len(hl)}"
            return info, notes
    return None, notes


# --------------------------------------------------------------------------------------------
# Running the child
# --------------------------------------------------------------------------------------------
def run_child(args, path, plan, log):
    """Run hepframe over one file; returns (file_info, {tree: info}, {(tree, addr): result}).

    The child's records are read as they come; when it spends more than ``--timeout`` seconds
    on one step (opening the file or a tree, reading one branch), or dies, the branch it was on
    is recorded as a timeout or crash and a new child carries on after it."""
    file_info = {"hepframe_trees": None, "error": None, "runs": 0, "version": None}
    trees, results = {}, {}
    skip, done_trees = [], []
    env = dict(os.environ, RAYON_NUM_THREADS="1", OMP_NUM_THREADS="1", PYTHONHASHSEED="0")
    with tempfile.TemporaryDirectory(prefix="skhep_cmp_") as tmp:
        spec_path = os.path.join(tmp, "spec.json")
        code_path = os.path.join(tmp, "child.py")
        with open(code_path, "w") as fh:
            fh.write(CHILD)
        for attempt in range(args.max_restarts + 1):
            out_path = os.path.join(tmp, f"out{attempt}.pkl")
            err_path = os.path.join(tmp, f"err{attempt}.txt")
            spec = {"path": path, "max_entries": args.max_entries, "trees": plan, "skip": skip,
                    "done_trees": done_trees, "resumed": attempt > 0}
            with open(spec_path, "w") as fh:
                json.dump(spec, fh)
            open(out_path, "wb").close()
            file_info["runs"] += 1
            status, pending, finished = None, None, False
            with open(err_path, "wb") as errfh, open(out_path, "rb") as fh:
                proc = subprocess.Popen([args.hepframe_python, code_path, spec_path, out_path],
                                        env=env, stdout=subprocess.DEVNULL, stderr=errfh)
                last = time.time()
                while True:
                    exited = proc.poll() is not None
                    while True:  # every complete record written so far
                        pos = fh.tell()
                        try:
                            rec = pickle.load(fh)
                        except Exception:  # noqa: BLE001  (EOF, or a record still being written)
                            fh.seek(pos)
                            break
                        last = time.time()
                        kind = rec[0]
                        if kind == "file":
                            file_info["hepframe_trees"] = rec[1]
                            file_info["version"] = rec[2]
                        elif kind == "file_error":
                            file_info["error"] = rec[1]
                        elif kind == "tree":
                            trees[rec[1]] = rec[2]
                            done_trees.append(rec[1])
                        elif kind == "tree_error":
                            trees[rec[1]] = {"error": rec[2]}
                            done_trees.append(rec[1])
                        elif kind == "begin":
                            pending = (rec[1], rec[2])
                        elif kind == "branch":
                            results[(rec[1], rec[2])] = rec[3]
                            skip.append([rec[1], rec[2]])
                            pending = None
                        elif kind == "done":
                            finished = True
                    if exited:
                        break
                    if time.time() - last > args.timeout:
                        proc.kill()
                        proc.wait()
                        status = f"timeout: hepframe spent over {args.timeout:g} s on it"
                        break
                    time.sleep(0.05)
            if status is None and proc.returncode != 0:
                with open(err_path, "rb") as errfh:
                    tail = errfh.read().decode("utf-8", "replace").strip().splitlines()[-3:]
                status = (f"hepframe process died (exit {proc.returncode}): "
                          f"{' | '.join(tail)[:400]}")
            if finished or file_info["error"] is not None:
                break
            if status is None:
                status = "hepframe process stopped early"
            if pending is None:
                file_info["error"] = {"etype": "ChildFailure", "msg": status}
                break
            log(f"    {status}: {pending[0]}:{pending[1]}; restarting after it")
            results[pending] = {"status": "error", "via": "arrays", "addressable": True,
                                "etype": "Timeout" if status.startswith("timeout") else "Crash",
                                "msg": status}
            skip.append(list(pending))
        else:
            file_info["error"] = {"etype": "ChildFailure",
                                  "msg": f"gave up after {args.max_restarts} restarts"}
    return file_info, trees, results


# --------------------------------------------------------------------------------------------
# ROOT check of branches that uproot cannot read (optional)
# --------------------------------------------------------------------------------------------
ROOT_CHILD = r'''
import json, sys
spec = json.load(open(sys.argv[1]))
out = open(sys.argv[2], "a")
skip = set(spec["skip"])
def emit(*rec):
    out.write(json.dumps(rec) + "\n")
    out.flush()
import ROOT
ROOT.gErrorIgnoreLevel = ROOT.kFatal
f = ROOT.TFile.Open(spec["path"])
for q in spec["queries"]:
    if q["id"] in skip:
        continue
    emit("begin", q["id"])
    t = f.Get(q["tree"])
    if not t or not hasattr(t, "GetBranch"):
        emit("result", q["id"], {"error": "ROOT cannot get the tree"})
        continue
    try:
        if q["kind"] == "readable":
            b = t.GetBranch(q["name"])
            if not b:
                emit("result", q["id"], {"error": "ROOT: no such branch"})
                continue
            total, bad = 0, None
            for i in range(q["n"]):
                r = b.GetEntry(i)
                if r < 0:
                    bad = i
                    break
                total += r
            emit("result", q["id"], {"bytes": total} if bad is None else {"fails_at": bad})
        else:
            t.SetEstimate(10000000)
            n = t.Draw(q["expr"], "", "goff", q["n"], q["first"])
            if n < 0:
                emit("result", q["id"], {"error": "TTree::Draw(%r) failed" % q["expr"]})
                continue
            v1 = t.GetV1()
            emit("result", q["id"], {"values": [float(v1[i]) for i in range(t.GetSelectedRows())]})
    except Exception as e:
        emit("result", q["id"], {"error": "%s: %s" % (type(e).__name__, e)})
emit("done")
'''


def root_run(args, path, queries):
    """Run ROOT over ``queries`` (dicts with id, tree, kind "readable" (name, n) or "draw"
    (expr, first, n)); {id: result}. A query that crashes ROOT (or is running when the ROOT
    process runs out of time: 2 x --timeout plus a second a query) gets {"error": ...}, and a
    new ROOT process carries on after it."""
    results, skip = {}, []
    with tempfile.TemporaryDirectory(prefix="skhep_root_") as tmp:
        code = os.path.join(tmp, "c.py")
        with open(code, "w") as fh:
            fh.write(ROOT_CHILD)
        crashes = 0
        for attempt in range(args.root_restarts + 1):
            spec, out = os.path.join(tmp, "s.json"), os.path.join(tmp, f"o{attempt}.jsonl")
            with open(spec, "w") as fh:
                json.dump({"path": path, "queries": queries, "skip": skip}, fh)
            why = None
            try:
                p = subprocess.run([sys.executable, code, spec, out], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL,
                                   timeout=args.timeout * 2 + len(queries) - len(skip))
                if p.returncode != 0:
                    why = f"ROOT crashed (exit {p.returncode})"
            except subprocess.TimeoutExpired:
                why = "ROOT timed out"
            pending, done = None, False
            if os.path.exists(out):
                with open(out) as fh:
                    for line in fh:
                        try:
                            rec = json.loads(line)
                        except ValueError:
                            break
                        if rec[0] == "begin":
                            pending = rec[1]
                        elif rec[0] == "result":
                            results[rec[1]] = rec[2]
                            skip.append(rec[1])
                            pending = None
                        elif rec[0] == "done":
                            done = True
            if done:
                break
            if pending is None:  # died before the first query (e.g. opening the file)
                for q in queries:
                    results.setdefault(q["id"], {"error": why or "ROOT stopped early"})
                break
            results[pending] = {"error": f"{why or 'ROOT stopped'} on this query"}
            skip.append(pending)
            crashes += 1
        for q in queries:
            results.setdefault(q["id"], {"error": f"not checked: ROOT crashed {crashes} times "
                                                  f"on earlier queries of this file"})
    return results


def _leaf_paths(v, path=(), out=None):
    """Paths of fields (no list indices) to the scalar numbers of a record (at most 8)."""
    out = [] if out is None else out
    if isinstance(v, dict):
        for k, x in v.items():
            _leaf_paths(x, path + (k,), out)
    elif isinstance(v, (bool, int, float)) and len(out) < 8:
        out.append(path)
    return out


def root_queries(args, trec, tree_entries):
    """ROOT queries for a tree's branches: for UPROOT_FAIL ones, whether TBranch::GetEntry
    reads them and, where hepframe read them as records of numbers, the values of up to 8
    members over the first 20 entries; for WRONG ones, the member at the first difference."""
    qs = []
    n = min(args.max_entries, tree_entries or 0)
    for i, b in enumerate(trec["branches"]):
        plain = not b.get("dup") and "[" not in b["name"]
        # TTree::Draw takes a bare name for the first branch of that name: a name shared by
        # several sub-branches is drawn as parent.name (`demcmid._mom.fCoordinates.fX`).
        base = b["name"]
        if b.get("duplicate_name"):
            plain = plain and ";" not in b.get("path", ";")
            base = b.get("path", "").replace("/", ".")
        if b["status"] == "UPROOT_FAIL":
            qs.append({"id": f"{trec['tree']}#{i}#r", "tree": trec["tree"], "kind": "readable",
                       "name": b["name"], "n": n})
            sample = b.get("_hepframe_sample")
            if plain and sample:
                first = sample[0]
                # records only: a bare number is often a count hepframe gives for a
                # collection (TTree::Draw of the branch name means something else)
                paths = _leaf_paths(first) if isinstance(first, dict) else []
                for path in paths:
                    if all(re.match(r"^[A-Za-z_]\w*$", f) for f in path):
                        qs.append({"id": f"{trec['tree']}#{i}#v#{'.'.join(path)}",
                                   "tree": trec["tree"], "kind": "draw", "first": 0,
                                   "n": len(sample), "path": list(path),
                                   "expr": base + "".join("." + f for f in path)})
        elif b["status"] == "WRONG":
            d = b.get("diff") or {}
            lp = d.get("leaf_path")
            ok = (plain and lp is not None and d.get("entry") is not None
                  and all(isinstance(x, (bool, int, float)) for x in
                          (d.get("hepframe_leaf"), d.get("uproot_leaf"))))
            fields = [v for k, v in lp or [] if k == "field"]
            idx = [v for k, v in lp or [] if k == "index"]
            if not ok or len(idx) > 1 or not all(re.match(r"^[A-Za-z_]\w*$", f) for f in fields):
                b["root"] = "not checked (the first difference is not at one numeric member)"
                continue
            qs.append({"id": f"{trec['tree']}#{i}#w", "tree": trec["tree"], "kind": "draw",
                       "first": d["entry"], "n": 1, "index": idx[0] if idx else None,
                       "expr": base + "".join("." + f for f in fields)})
    return qs


def _same(r, x):
    if isinstance(x, bool):
        x = int(x)
    if not isinstance(x, (int, float)):
        return False
    if isinstance(x, float) and math.isnan(x):
        return math.isnan(r)
    return r == float(x)


def apply_root(trec, queries, results):
    by_branch = collections.defaultdict(list)
    for q in queries:
        by_branch[int(q["id"].split("#")[1])].append(q)
    for i, qs in by_branch.items():
        b = trec["branches"][i]
        parts = []
        for q in qs:
            r = results.get(q["id"], {"error": "no result"})
            if q["kind"] == "readable":
                parts.append(f"ROOT: {r['error']}" if "error" in r else
                             f"ROOT fails at entry {r['fails_at']}" if "fails_at" in r else
                             f"ROOT reads it (TBranch::GetEntry, {r['bytes']} bytes)")
            elif q["id"].endswith("#w"):
                d = b["diff"]
                if "error" in r:
                    parts.append(f"ROOT value not checked: {r['error']}")
                    continue
                vals = r["values"]
                k = q["index"] if q["index"] is not None else 0
                if (q["index"] is None and len(vals) != 1) or k >= len(vals):
                    parts.append(f"ROOT value not checked: Draw({q['expr']!r}) gave "
                                 f"{len(vals)} values")
                    continue
                agree = [who for who, x in (("hepframe", d["hepframe_leaf"]),
                                            ("uproot", d["uproot_leaf"])) if _same(vals[k], x)]
                b["root_agrees_with"] = agree
                if agree == ["hepframe"]:
                    b["status"] = "UPROOT_WRONG"  # ROOT sides with hepframe: uproot's bug
                parts.append(f"ROOT {q['expr']} at entry {q['first']} = {vals[k]!r}: agrees with "
                             + (" and ".join(agree) if agree else "neither"))
            else:
                if "error" in r:
                    parts.append(f"ROOT {q['expr']}: {r['error']}")
                    continue
                sample = b["_hepframe_sample"]
                hv = []
                for e in sample:
                    for f in q["path"]:
                        e = e.get(f) if isinstance(e, dict) else None
                    hv.append(e)
                vals = r["values"]
                if len(vals) != len(hv):
                    parts.append(f"ROOT {q['expr']}: not comparable ({len(vals)} values for "
                                 f"{len(hv)} entries)")
                    continue
                bad = [j for j, (x, y) in enumerate(zip(vals, hv)) if not _same(x, y)]
                b.setdefault("root_value_checks", []).append(not bad)
                if bad and "diff" not in b:
                    # uproot cannot read it, so ROOT is the reference: hepframe is WRONG
                    b["status"] = "WRONG"
                    b["reference"] = "ROOT (uproot cannot read this branch)"
                    j = bad[0]
                    b["diff"] = {"entry": j, "hepframe": _short(sample[j]),
                                 "uproot": None, "root": vals[j],
                                 "detail": f"{q['expr']}: ROOT {vals[j]!r} vs hepframe {hv[j]!r}",
                                 "entries_differing": f"{len(bad)} of {len(hv)}",
                                 "hepframe_type": None, "uproot_type": None}
                parts.append(f"ROOT {q['expr']} " + (
                    f"equals hepframe's over {len(hv)} entries" if not bad else
                    f"differs from hepframe's in {len(bad)} of {len(hv)} entries (entry "
                    f"{bad[0]}: ROOT {vals[bad[0]]!r}, hepframe {hv[bad[0]]!r})"))
        b["root"] = "; ".join(parts)


# --------------------------------------------------------------------------------------------
# Classification
# --------------------------------------------------------------------------------------------
def hepframe_error_status(res):
    msg = res.get("msg", "")
    if "unsupported:" in msg or "Unsupported" in res.get("etype", ""):
        return "UNSUPPORTED"
    return "ERROR"


def classify_branch(b, res, uval, uerr, dup):
    """Fill b["status"], b["message"], b["diff"] from hepframe's result and uproot's values.

    ``dup``: None (a unique name), "first" (the first of several branches of that name, read
    by name), "by_path" (a later one, read by its path: at best NOT_ADDRESSABLE)."""
    if res is None:
        b["status"] = "ERROR"
        b["message"] = "hepframe produced no result for this branch"
        return
    b["hepframe_via"] = res.get("via")
    if not res.get("addressable", True):
        b["arrays_note"] = res.get("arrays_note")
    if uerr is not None:
        b["status"] = "UPROOT_FAIL"
        b["uproot_error"] = uerr
        b["hepframe_outcome"] = ("reads it (" + type_str(unpack(res["value"])) + ")"
                                 if res["status"] == "ok" else
                                 hepframe_error_status(res) + ": " + res["msg"][:300])
        return
    if res["status"] == "error":
        b["message"] = f"{res['etype']}: {res['msg']}"
        if not res.get("addressable", True):
            b["status"] = ("NOT_ADDRESSABLE"
                           if (dup == "by_path" or any(c in b["address"] for c in "*?["))
                           else "ERROR")
            if b["status"] == "ERROR":
                b["message"] = f"not found: {res.get('arrays_note', '')}"
            elif dup != "by_path":
                b["message"] = (f"glob characters in the name, arrays() takes it for a pattern; "
                                f"read through _core: {res['etype']}: {res['msg']}")
            return
        b["status"] = hepframe_error_status(res)
        return
    try:
        hval = unpack(res["value"])
    except Exception as e:  # noqa: BLE001
        b["status"] = "ERROR"
        b["message"] = f"cannot rebuild hepframe's array: {short_exc(e)}"
        return
    b["hepframe_type"] = type_str(hval)
    b["uproot_type"] = type_str(uval)
    try:
        diff, notes = compare(hval, uval)
    except Exception as e:  # noqa: BLE001
        diff, notes = {"entry": None, "detail": f"comparison failed: {short_exc(e)}",
                       "hepframe_type": type_str(hval), "uproot_type": type_str(uval)}, Notes()
    if notes.items:
        b["notes"] = list(notes.items)[:5]
    if diff is None:
        if dup == "by_path":
            b["status"] = "NOT_ADDRESSABLE"
            b["message"] = (f"duplicate name: arrays(['{b['name']}']) gives another branch; this "
                            f"one only by its path '{b['path']}' (values equal uproot's)")
        elif res.get("via") == "core":
            b["status"] = "NOT_ADDRESSABLE"
            b["message"] = ("glob characters in the name, arrays() takes it for a pattern; "
                            "read through _core, the values equal uproot's")
        else:
            b["status"] = "OK"
        return
    b["status"] = "WRONG"
    b["diff"] = diff
    if res.get("via") == "core":
        b["message"] = ("(glob characters in the name, arrays() takes it for a pattern; "
                        "read through _core)")


def normalize_message(msg, path):
    """An error message without the file, object path and numbers, for grouping."""
    m = msg.replace(path, "<file>")
    # drop the location (file: object basket N at byte M) that precedes the kind of error
    m = re.sub(r"<file>:\s*(\S+( basket \d+)?( at byte \d+)? (?=(unsupported|corrupt data|"
               r"truncated data|decompression failed|branch '|cannot|not a ROOT)))?", "", m)
    m = re.sub(r"(?<![A-Za-z])'[^']*'", "'…'", m)
    m = re.sub(r"\b\d+\b", "N", m)
    return m[:300]


def tree_status(trec):
    inp = trec.pop("_status_inputs")
    counts = collections.Counter(b["status"] for b in trec["branches"])
    trec["counts"] = dict(counts)
    ranked = [s for s in counts if s in RANK]
    if inp["entry_mismatch"]:
        trec["status"] = "WRONG"
    elif ranked:
        trec["status"] = max(ranked, key=RANK.get)
    elif inp["no_uproot"]:
        trec["status"] = "NO_REFERENCE"
    elif not inp["hopened"]:
        trec["status"] = "ERROR"
    elif inp["no_branches"]:
        trec["status"] = "OK"  # a tree without branches
    else:
        trec["status"] = "NO_REFERENCE"
    if inp["missing"]:
        trec["status"] = "ERROR"


def analyse_file(args, path, log):
    import uproot

    rel = os.path.relpath(path, args.folder)
    rec = {"file": rel, "trees": [], "uproot_error": None, "hepframe_error": None,
           "hepframe_trees": None}
    t0 = time.time()
    # ---- uproot: trees and branches
    utrees = {}
    try:
        uf, found = uproot_trees(uproot, path)
        for name, key, cls in found:
            is_rn = "RNTuple" in cls
            try:
                tr = uf[key]
                branches = uproot_branches(tr, is_rn)
                utrees[name] = {"cls": cls, "tree": tr, "is_rntuple": is_rn, "branches": branches,
                                "num_entries": int(tr.num_entries), "error": None}
            except Exception as e:  # noqa: BLE001
                utrees[name] = {"cls": cls, "tree": None, "is_rntuple": is_rn, "branches": [],
                                "num_entries": None, "error": short_exc(e)}
    except Exception as e:  # noqa: BLE001
        rec["uproot_error"] = short_exc(e)
    # ---- addresses: the name if unique in the tree, else the full path
    plan = {}
    for name, ut in utrees.items():
        first = {}
        paths = collections.Counter(b["path"] for b in ut["branches"])
        names = collections.Counter(b["name"] for b in ut["branches"])
        addrs, groups, known = [], [], []
        for b in ut["branches"]:
            known += [b["name"], b["path"]]
            b["duplicate_name"] = names[b["name"]] > 1
            if not b["duplicate_name"]:
                b["dup"], b["address"] = None, b["name"]
            elif paths[b["path"]] == 1:
                # hepframe names branches that share a name by their path (keys() lists it).
                b["dup"], b["address"] = None, b["path"]
            else:
                # Two top-level branches of one name: hepframe's k-th is "name;k".
                seen = first.setdefault(b["path"], 0) + 1
                first[b["path"]] = seen
                top, _, rest = b["path"].partition("/")
                top = top if seen == 1 else f"{top};{seen}"
                b["dup"], b["address"] = None, top + ("/" + rest if rest else "")
            if b["address"] is not None:
                (groups if b["role"] == "group" else addrs).append(b["address"])
        plan[name] = {"addresses": addrs, "groups": groups, "known": known}
    # ---- hepframe
    t1 = time.time()
    rec["uproot_listing_seconds"] = round(t1 - t0, 2)
    finfo, htrees, results = run_child(args, path, plan, log)
    rec["hepframe_seconds"] = round(time.time() - t1, 2)
    rec["hepframe_read_seconds"] = round(sum(r.get("seconds", 0) for r in results.values()), 2)
    rec["hepframe_trees"] = finfo["hepframe_trees"]
    rec["hepframe_runs"] = finfo["runs"]
    rec["hepframe_version"] = finfo["version"]
    if finfo["error"]:
        rec["hepframe_error"] = f"{finfo['error']['etype']}: {finfo['error']['msg']}"
    # ---- compare, tree by tree
    names = list(utrees) + [t for t in (finfo["hepframe_trees"] or []) if t not in utrees]
    for tname in names:
        ut = utrees.get(tname)
        ht = htrees.get(tname)
        trec = {"tree": tname, "kind": None, "status": None, "notes": [], "branches": [],
                "entries_uproot": ut["num_entries"] if ut else None,
                "entries_hepframe": ht.get("num_entries") if ht else None}
        trec["kind"] = ("RNTuple" if (ut and ut["is_rntuple"]) or (ht and ht.get("is_rntuple"))
                        else "TTree")
        if ut is None:
            trec["notes"].append("uproot does not find this tree")
        elif ut["error"]:
            trec["notes"].append(f"uproot cannot open the tree: {ut['error']}")
        hkeys = []
        if ht is None:
            msg = rec["hepframe_error"] or "hepframe did not report this tree"
            trec["notes"].append(f"hepframe: {msg}")
        elif "error" in ht:
            trec["notes"].append(f"hepframe cannot open the tree: {ht['error']['etype']}: "
                                 f"{ht['error']['msg']}")
        else:
            hkeys = ht["keys"]
            if finfo["hepframe_trees"] is not None and tname not in finfo["hepframe_trees"]:
                trec["notes"].append("hepframe's keys() does not list this tree (opened by name)")
            dup = [k for k, c in collections.Counter(hkeys).items() if c > 1]
            if dup:
                trec["notes"].append(f"hepframe's keys() lists names more than once: {dup[:10]}")
        entry_mismatch = (ut and ht and "num_entries" in ht and ut["num_entries"] is not None
                          and ut["num_entries"] != ht["num_entries"])
        if entry_mismatch:
            trec["notes"].append(f"entries: hepframe {ht['num_entries']} vs uproot "
                                 f"{ut['num_entries']}")
        stop = min(args.max_entries, ut["num_entries"] if ut and ut["num_entries"] is not None
                   else args.max_entries)
        hopened = ht is not None and "error" not in ht
        known = set()
        names_count = collections.Counter(b["name"] for b in (ut["branches"] if ut else []))
        for b in (ut["branches"] if ut else []):
            known.update((b["name"], b["path"]))
            brec = {k: v for k, v in b.items() if not k.startswith("_")}
            brec["in_keys"] = b["name"] in hkeys or b["path"] in hkeys
            if b["role"] == "group" and not brec["in_keys"]:
                brec["status"] = "GROUP"
                trec["branches"].append(brec)
                continue
            if not hopened:
                # hepframe could not open the file or the tree: every branch inherits that
                err = (ht or {}).get("error") or finfo["error"] or {
                    "etype": "Missing", "msg": "hepframe did not report this tree"}
                res = {"status": "error", "via": "open", "addressable": True, **err}
            else:
                res = results.get((tname, b["address"]))
            uval, uerr = None, None
            if res is not None:
                try:
                    hv = None
                    if b["role"] == "counted-group" and res["status"] == "ok":
                        hv = unpack(res["value"])
                    if isinstance(hv, np.ndarray) and hv.ndim == 1 and hv.dtype.kind in "iu":
                        # hepframe reads the parent of a split collection as its counts
                        uval = uproot_counts(b, stop, args.timeout)
                        brec["compared_as"] = "element counts of the split collection"
                    else:
                        uval = uproot_read(b, ut["tree"], ut["is_rntuple"], stop, args.timeout)
                    if not isinstance(uval, ak.Array):
                        uval = ak.Array(uval)
                except Timeout:
                    uerr = f"uproot timed out after {args.timeout} s"
                except Exception as e:  # noqa: BLE001
                    uerr = short_exc(e)
            if b["dup"] == "none":
                brec["status"] = "NOT_ADDRESSABLE"
                brec["message"] = (f"duplicate name and path: another branch is also called "
                                   f"'{b['path']}', and hepframe reads that one")
                trec["branches"].append(brec)
                continue
            classify_branch(brec, res, uval, uerr, b["dup"])
            if b["dup"]:
                brec.setdefault("notes", []).append(
                    f"{names_count[b['name']]} branches are called '{b['name']}'; read by "
                    + ("name (the first of them)" if b["dup"] == "first" else "path"))
            brec["dup"] = b["dup"]
            if (brec["status"] == "UPROOT_FAIL" and args.root_check and res is not None
                    and res["status"] == "ok"):
                try:  # a few entries of what hepframe read, for ROOT to confirm
                    hv = unpack(res["value"])
                    brec["_hepframe_sample"] = (hv[:20].tolist() if isinstance(hv, np.ndarray)
                                                else ak.to_list(hv[:20]))
                except Exception:  # noqa: BLE001
                    pass
            trec["branches"].append(brec)
        # ---- branches hepframe lists that uproot does not know
        for k in hkeys:
            if k in known:
                continue
            res = results.get((tname, k))
            brec = {"name": k, "path": None, "address": k, "status": "EXTRA",
                    "typename": ht["types"].get(k, "")}
            if res is None:
                brec["hepframe_outcome"] = "not read"
            elif res["status"] == "ok":
                try:
                    brec["hepframe_outcome"] = "reads it (" + type_str(unpack(res["value"])) + ")"
                except Exception as e:  # noqa: BLE001
                    brec["hepframe_outcome"] = f"cannot rebuild: {short_exc(e)}"
            else:
                brec["hepframe_outcome"] = hepframe_error_status(res) + ": " + res["msg"][:300]
            trec["branches"].append(brec)
        # ---- tree status (set again below if ROOT changes a branch's status)
        trec["_status_inputs"] = {
            "entry_mismatch": bool(entry_mismatch),
            "no_uproot": ut is None or bool(ut["error"]),
            "hopened": hopened,
            "no_branches": ut is not None and not ut["branches"],
            "missing": (ut is not None and not ut["error"] and ht is None
                        and not rec["hepframe_error"])}
        rec["trees"].append(trec)
    if args.root_check:
        queries = {}
        for trec in rec["trees"]:
            if trec["kind"] == "TTree":
                queries[trec["tree"]] = root_queries(args, trec, trec["entries_uproot"])
        flat = [q for qs in queries.values() for q in qs]
        if flat:
            results = root_run(args, path, flat)
            for trec in rec["trees"]:
                if queries.get(trec["tree"]):
                    apply_root(trec, queries[trec["tree"]], results)
    for trec in rec["trees"]:
        for b in trec["branches"]:
            b.pop("_hepframe_sample", None)
        tree_status(trec)
    rec["seconds"] = round(time.time() - t0, 2)
    return rec


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------
def summarize(files):
    trees = collections.Counter()
    branches = collections.Counter()
    for f in files:
        for t in f["trees"]:
            trees[t["status"]] += 1
            for b in t["branches"]:
                branches[b["status"]] += 1
    return {"trees": dict(trees), "branches": dict(branches)}


def group_errors(files, status):
    groups = collections.OrderedDict()
    for f in files:
        path = os.path.join(ARGS.folder, f["file"])
        for t in f["trees"]:
            for b in t["branches"]:
                if b["status"] != status:
                    continue
                key = normalize_message(b.get("message", ""), path)
                g = groups.setdefault(key, {"count": 0, "types": collections.Counter(),
                                            "examples": []})
                g["count"] += 1
                g["types"][b.get("typename") or "?"] += 1
                if len(g["examples"]) < 3:
                    g["examples"].append(f"{f['file']}:{t['tree']} {b.get('path') or b['name']}")
    out = sorted(groups.items(), key=lambda kv: -kv[1]["count"])
    return [{"message": k, "count": v["count"], "types": dict(v["types"].most_common(8)),
             "examples": v["examples"]} for k, v in out]


def print_report(files, elapsed, out=sys.stdout):
    w = out.write
    w("\n%-62s %-36s %-15s %6s %4s %4s %4s %4s %4s %4s %4s\n" % (
        "file", "tree", "status", "entr", "OK", "UNS", "NA", "ERR", "WRNG", "UPF", "XTRA"))
    for f in files:
        if not f["trees"]:
            note = f["uproot_error"] or f["hepframe_error"] or "no trees"
            w("%-62s %-36s %-15s %s\n" % (f["file"][:62], "-", "-", note[:80]))
        for t in f["trees"]:
            c = t["counts"]
            w("%-62s %-36s %-15s %6s %4d %4d %4d %4d %4d %4d %4d\n" % (
                f["file"][:62], t["tree"][:36], t["status"],
                t["entries_uproot"] if t["entries_uproot"] is not None else "?",
                c.get("OK", 0), c.get("UNSUPPORTED", 0), c.get("NOT_ADDRESSABLE", 0),
                c.get("ERROR", 0), c.get("WRONG", 0), c.get("UPROOT_FAIL", 0), c.get("EXTRA", 0)))
            for n in t["notes"]:
                w("%-62s   note: %s\n" % ("", n[:200]))
    def listing(status, title):
        rows = [(f, t, b) for f in files for t in f["trees"] for b in t["branches"]
                if b["status"] == status]
        w(f"\n{title} ({len(rows)}):\n")
        for f, t, b in rows:
            d = b.get("diff", {})
            w(f"  {f['file']}:{t['tree']} {b.get('path') or b['name']}  [{b.get('typename')}]\n")
            w(f"      entry {d.get('entry')}: {d.get('detail')}\n")
            if b.get("reference"):
                w(f"      reference: {b['reference']}; uproot: {b.get('uproot_error', '')[:150]}\n")
            elif d.get("entry") is not None:
                w(f"      hepframe: {d.get('hepframe')}\n      uproot:   {d.get('uproot')}\n")
            w(f"      types: hepframe {d.get('hepframe_type')} | uproot {d.get('uproot_type')}"
              + (f"  ({d['entries_differing']} entries differ)" if "entries_differing" in d
                 else "") + "\n")
            if b.get("root"):
                w(f"      {b['root'][:200]}\n")
            if b.get("message"):
                w(f"      {b['message'][:200]}\n")
        return rows

    listing("WRONG", "WRONG branches")
    for f in files:
        for t in f["trees"]:
            if t["status"] == "WRONG" and not any(b["status"] == "WRONG" for b in t["branches"]):
                w(f"  {f['file']}:{t['tree']}  (tree level) {'; '.join(t['notes'])}\n")
    listing("UPROOT_WRONG", "UPROOT_WRONG branches (hepframe differs from uproot, ROOT agrees "
            "with hepframe)")
    for status in ("ERROR", "UNSUPPORTED", "NOT_ADDRESSABLE"):
        groups = group_errors(files, status)
        w(f"\n{status} by message ({sum(g['count'] for g in groups)} branches):\n")
        for g in groups:
            w(f"  {g['count']:5d}  {g['message'][:200]}\n")
            w(f"         types: {', '.join(f'{k} ({v})' for k, v in g['types'].items())[:200]}\n")
            w(f"         e.g. {'; '.join(g['examples'])[:250]}\n")
    notes = collections.Counter()
    for f in files:
        for t in f["trees"]:
            for b in t["branches"]:
                for n in b.get("notes", []):
                    if "branches are called" not in n:
                        notes[re.sub(r"\[.*?\]|\(.*?\)", "…", n)[:160]] += 1
    w(f"\nNotes on branches counted OK (representation differences, equal values):\n")
    for n, c in notes.most_common(30):
        w(f"  {c:5d}  {n}\n")
    upf = [b for f in files for t in f["trees"] for b in t["branches"]
           if b["status"] == "UPROOT_FAIL"]
    if upf:
        hreads = sum(1 for b in upf if b.get("hepframe_outcome", "").startswith("reads"))
        rreads = sum(1 for b in upf if "ROOT reads it" in (b.get("root") or ""))
        rconf = sum(1 for b in upf if b.get("root_value_checks") and all(b["root_value_checks"]))
        w(f"\nUPROOT_FAIL: {len(upf)} branches uproot cannot read; hepframe reads {hreads} of "
          f"them" + (f"; ROOT's TBranch::GetEntry reads {rreads}; ROOT's values confirm "
                     f"hepframe's for {rconf}" if ARGS.root_check else "") + "\n")
    s = summarize(files)
    w("\nSummary (%d files, %.0f s, first %d entries per tree):\n" % (
        len(files), elapsed, ARGS.max_entries))
    w("  trees:    " + "  ".join(f"{k} {s['trees'].get(k, 0)}" for k in
                                 COUNTED + ["NO_REFERENCE"]) + "\n")
    w("  branches: " + "  ".join(f"{k} {s['branches'].get(k, 0)}" for k in COUNTED + UNCOUNTED)
      + "\n")


ARGS = None


def main():
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", help="folder with ROOT files (searched recursively)")
    ap.add_argument("--hepframe-python", required=True,
                    help="the Python interpreter that has hepframe installed")
    ap.add_argument("--json", help="write the full results here")
    ap.add_argument("--only", action="append", default=[],
                    help="only this file (its name or path; may be given more than once)")
    ap.add_argument("--max-entries", type=int, default=1000, help="entries per tree (1000)")
    ap.add_argument("--timeout", type=float, default=60,
                    help="seconds hepframe may spend on one branch (or on opening the file or a "
                         "tree), and uproot on one branch (60)")
    ap.add_argument("--max-restarts", type=int, default=10,
                    help="restarts of the hepframe process, per file, after a crash or timeout "
                         "(10)")
    ap.add_argument("--root-restarts", type=int, default=30,
                    help="restarts of the ROOT process, per file, after a crash (30)")
    ap.add_argument("--root-check", action="store_true",
                    help="ask ROOT (PyROOT, in a child process) about branches uproot cannot "
                         "read (readable? values equal hepframe's?) and about the first "
                         "difference of WRONG branches")
    args = ap.parse_args()
    args.folder = os.path.abspath(os.path.expanduser(args.folder))
    ARGS = args
    warnings.simplefilter("ignore")

    paths = []
    for root, _, files in os.walk(args.folder):
        for fn in files:
            if fn.endswith(".root"):
                paths.append(os.path.join(root, fn))
    paths.sort()
    if args.only:
        wanted = [os.path.basename(o) for o in args.only]
        paths = [p for p in paths if os.path.basename(p) in wanted
                 or os.path.relpath(p, args.folder) in args.only or p in args.only]
        if not paths:
            sys.exit(f"no file matches {args.only}")

    def log(s):
        print(s, file=sys.stderr, flush=True)

    t0 = time.time()
    files = []
    for i, p in enumerate(paths):
        log(f"[{i + 1}/{len(paths)}] {os.path.relpath(p, args.folder)}")
        try:
            rec = analyse_file(args, p, log)
        except Exception as e:  # noqa: BLE001  (a bug here must not lose the whole run)
            import traceback
            rec = {"file": os.path.relpath(p, args.folder), "trees": [],
                   "uproot_error": None, "hepframe_error": None,
                   "harness_error": traceback.format_exc()[-2000:]}
            log(f"    harness error: {short_exc(e)}")
        statuses = collections.Counter(t["status"] for t in rec["trees"])
        log(f"    {rec.get('seconds', '?')} s: " + ", ".join(f"{k} {v}" for k, v in statuses.items()))
        files.append(rec)
    elapsed = time.time() - t0
    print_report(files, elapsed)
    if args.json:
        import uproot

        doc = {"meta": {"folder": args.folder, "max_entries": args.max_entries,
                        "timeout": args.timeout, "seconds": round(elapsed, 1),
                        "uproot": uproot.__version__, "awkward": ak.__version__,
                        "hepframe": next((f.get("hepframe_version") for f in files
                                          if f.get("hepframe_version")), None),
                        "date": time.strftime("%Y-%m-%d %H:%M:%S")},
               "summary": summarize(files),
               "errors": {s: group_errors(files, s) for s in
                          ("ERROR", "UNSUPPORTED", "NOT_ADDRESSABLE")},
               "files": files}
        with open(args.json, "w") as fh:
            json.dump(doc, fh, indent=1, default=str)


if __name__ == "__main__":
    main()
