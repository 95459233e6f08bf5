"""hepframe: fast one-pass analyses of ROOT files, in Rust.

Reading::

    import hepframe
    events = hepframe.open("nano.root")["Events"]
    arrays = events.arrays(["MET_pt", "Muon_pt"])     # numpy for flat, awkward for jagged
    events = hepframe.open("nano.root:Events")        # uproot's names work too:
    muons = events.arrays(filter_name="Muon_*", cut="nMuon >= 2", library="ak")
    pt = events["Muon_pt"].array()
    for chunk in hepframe.iterate("data/*.root:Events", ["MET_pt"], step_size=100_000): ...
    h = hepframe.open("sf.root")["dir/h2"]            # a hist.Hist (TH1/2/3, TProfile)

Analysing (RDataFrame's method names; expressions in hepframe's analysis language)::

    df = hepframe.RDataFrame("Events", "nano.root")
    h = df.Filter("nMuon == 2", "two muons").Histo1D(("m", "", 100, 0, 200), "(Muon[0] + Muon[1]).mass")
    h.GetValue()                                      # a hist.Hist

    results = hepframe.run("examples/dimuon.toml")    # an analysis file

Samples and systematic variations, in one pass::

    df = hepframe.RDataFrame("Events", samples=hepframe.samples_from_manifest(
        "nanoaod_inputs.json", xsec={"ttbar": 729.84, ...}), lumi=3378)
    jets = df.Vary("Jet_pt", {"pt_scale_up": "Jet_pt * 1.03f"}).Define("jets", "Jet[Jet.pt > 30]")
    h = jets.Filter("len(jets) >= 4").Histo1D(("ht", "", 25, 50, 550), "sum(jets.pt)")
    hepframe.VariationsFor(h, sample="ttbar")         # {"nominal": Hist, "pt_scale_up": Hist}

Scaling out: ``df.compute(executor=hepframe.DaskExecutor(client))``.
"""

from . import errors
from ._core import __version__
from .errors import (
    AnalysisError,
    ExecutionError,
    ExpressionError,
    FileNotFoundError,
    FormatError,
    HepframeError,
    InputError,
    NotFoundError,
    OutputError,
)
from .frame import (
    DataFrame,
    LocalExecutor,
    RDataFrame,
    ResultPtr,
    Sample,
    Statistic,
    VariationsFor,
    run,
    samples_from_manifest,
)
from .histograms import Graph
from .io import Branch, File, Report, Tree, iterate, open
from .results import CutFlow, Results, write_root


def __getattr__(name):
    # dask and distributed are optional: import the executor only when asked for.
    if name == "DaskExecutor":
        from .dask import DaskExecutor

        return DaskExecutor
    raise AttributeError(f"module 'hepframe' has no attribute {name!r}")


__all__ = [
    "AnalysisError", "Branch", "CutFlow", "DaskExecutor", "DataFrame", "ExecutionError", "ExpressionError",
    "File", "FileNotFoundError", "FormatError", "Graph", "HepframeError", "InputError",
    "LocalExecutor", "NotFoundError", "OutputError", "RDataFrame", "ResultPtr", "Results", "Sample",
    "Report", "Statistic", "Tree", "VariationsFor", "errors", "iterate", "open", "run", "samples_from_manifest", "write_root", "__version__",
]
