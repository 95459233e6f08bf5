"""Histograms and graphs read from ROOT files: ``hepframe.open(path)["h"]``.

A histogram (TH1, TH2, TH3 of any storage type) becomes a ``hist.Hist``:

* axes are ``Regular`` for equal bins and ``Variable`` when the file stores edges, named after
  ROOT's axis (``xaxis``) and labelled with its title, as uproot's ``to_hist`` makes them. Bin
  labels (``TAxis::SetBinLabel``) do not turn an axis into a ``StrCategory``: the axis stays
  numeric (ROOT's bins, flow included, keep their place) and the labels are attached as
  ``h.axes[i].bin_labels``, a dict ``{bin number (1-based): label}``;
* storage is ``Weight`` (value = content, variance = fSumw2) when the histogram keeps Σw²,
  else ``Double``; under- and overflow bins go to hist's flow bins;
* ``h.name`` and ``h.label`` are ROOT's name and title, and ``h.metadata`` holds the class,
  ``entries`` (``GetEntries``), ``sum_of_weights`` (``GetSumOfWeights``) and ``stats``
  (``GetStats``).

A profile (TProfile, TProfile2D, TProfile3D) becomes a ``hist.Hist`` with ``Mean`` storage
(``WeightedMean`` when it keeps Σw² per bin), filled as uproot's ``to_boost`` does: count (or
sum of weights) = ``fBinEntries``, value = the bin means, and the sum of squared deviations
``max(fSumw2 - Σw·mean², 0)``. ROOT's own bin errors, which depend on the profile's error mode
('', 's', 'i', 'g'), are in ``h.metadata["errors"]`` (flow included, as a numpy array of the
histogram's shape with flow).

A graph (TGraph, TGraphErrors, TGraphAsymmErrors) becomes a :class:`Graph`.
"""

import numpy as np

HISTOGRAM_PREFIXES = ("TH1", "TH2", "TH3", "THn", "TProfile")
GRAPH_PREFIXES = ("TGraph",)


def is_plottable_class(cls):
    """Whether ``File.__getitem__`` reads an object of this class as a histogram or graph."""
    return cls.startswith(HISTOGRAM_PREFIXES + GRAPH_PREFIXES)


class Graph:
    """Points of a ROOT graph, as numpy arrays.

    ``x``, ``y``: the points. For a TGraphErrors or TGraphAsymmErrors also ``exlow``,
    ``exhigh``, ``eylow``, ``eyhigh`` (equal pairs for TGraphErrors) and ``ex``, ``ey`` (ROOT's
    ``GetErrorX``/``GetErrorY``: ``fEX`` for TGraphErrors, ``sqrt((low² + high²)/2)`` for
    asymmetric errors); ``None`` for a plain TGraph.
    """

    def __init__(self, d):
        self.classname = d["class"]
        self.name = d["name"]
        self.title = d["title"]
        self.x = d["x"]
        self.y = d["y"]
        for k in ("ex", "ey", "exlow", "exhigh", "eylow", "eyhigh"):
            setattr(self, k, d.get(k))

    def __len__(self):
        return len(self.x)

    def __repr__(self):
        return f"<hepframe.Graph {self.classname} {self.name!r}: {len(self)} points>"


def _shape(d):
    return tuple(a["nbins"] + 2 for a in d["axes"])


def _root_order(values, d):
    """ROOT's global-bin order (x fastest) as an array indexed [x, y, z] with flow bins."""
    shape = _shape(d)
    return np.asarray(values, dtype=np.float64).reshape(shape[::-1]).T


def _axis(a):
    import hist

    if a["variable"]:
        ax = hist.axis.Variable(a["edges"], name=a["name"], label=a["title"])
    else:
        ax = hist.axis.Regular(a["nbins"], a["xmin"], a["xmax"], name=a["name"], label=a["title"])
    return ax


def to_hist(d):
    """A ``hist.Hist`` from the dict ``_core.File.plottable`` returns for a histogram."""
    import hist

    axes = [_axis(a) for a in d["axes"]]
    names = [a["name"] for a in d["axes"]]
    if len(set(names)) != len(names):
        raise ValueError(f"histogram {d['name']!r} has axes of the same name {names}")
    profile = d["profile"]
    if profile is None:
        storage = hist.storage.Weight() if d["has_sumw2"] else hist.storage.Double()
    else:
        storage = hist.storage.WeightedMean() if d["has_sumw2"] else hist.storage.Mean()
    h = hist.Hist(*axes, storage=storage, name=d["name"], label=d["title"])
    view = h.view(flow=True)
    if profile is None:
        values = _root_order(d["values"], d)
        if d["has_sumw2"]:
            view["value"] = values
            view["variance"] = _root_order(d["sumw2"], d)
        else:
            view[...] = values
    else:
        entries = np.asarray(profile["bin_entries"], dtype=np.float64)
        means = np.asarray(d["values"], dtype=np.float64)
        sumw2 = np.asarray(d["sumw2"], dtype=np.float64)
        sq_dev = np.maximum(sumw2 - entries * means**2, 0.0)
        if d["has_sumw2"]:
            neff = np.asarray(profile["effective_entries"], dtype=np.float64)
            with np.errstate(divide="ignore", invalid="ignore"):
                sumw2_w = entries**2 / neff
            view["sum_of_weights"] = _root_order(entries, d)
            view["sum_of_weights_squared"] = _root_order(sumw2_w, d)
            view["value"] = _root_order(means, d)
            view["_sum_of_weighted_deltas_squared"] = _root_order(sq_dev, d)
        else:
            view["count"] = _root_order(entries, d)
            view["value"] = _root_order(means, d)
            view["_sum_of_deltas_squared"] = _root_order(sq_dev, d)
    for ax, a in zip(h.axes, d["axes"]):
        ax.bin_labels = {int(b): s for b, s in a["labels"]}
    h.metadata = {
        "class": d["class"],
        "entries": d["entries"],
        "sum_of_weights": d["sum_of_weights"],
        "stats": list(d["stats"]),
        "errors": _root_order(d["errors"], d),
    }
    if profile is not None:
        h.metadata["error_mode"] = profile["error_mode"]
    return h


def from_dict(d):
    """A ``hist.Hist`` or a :class:`Graph`."""
    if d["kind"] == "graph":
        return Graph(d)
    return to_hist(d)
