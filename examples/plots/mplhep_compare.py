"""Draw the gallery's histograms with mplhep (CMS style), to compare side by side with
hepframe's plots of the same histograms.

    cargo run --release -p hist --example gallery -- examples/plots
    python examples/plots/mplhep_compare.py examples/plots      # needs matplotlib, mplhep

Writes examples/plots/mplhep/<plot>.png next to hepframe's examples/plots/<plot>.png.
"""

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import mplhep as hep  # noqa: E402
import numpy as np  # noqa: E402


def load(path):
    """{name: (edges per axis, values, variances)} without flow bins, from UHI JSON."""
    out = {}
    for name, h in json.loads(Path(path).read_text()).items():
        edges = []
        for ax in h["axes"]:
            if ax["type"] == "regular":
                edges.append(np.linspace(ax["lower"], ax["upper"], ax["bins"] + 1))
            else:
                edges.append(np.asarray(ax["edges"]))
        shape = [len(e) + 1 for e in edges]  # with both flow bins
        st = h["storage"]
        values = np.asarray(st["values"]).reshape(shape)
        variances = np.asarray(st.get("variances", st["values"])).reshape(shape)
        inner = tuple(slice(1, -1) for _ in edges)
        out[name] = (edges, values[inner], variances[inner], values, variances)
    return out


def main(folder):
    folder = Path(folder)
    h = load(folder / "gallery.json")
    dest = folder / "mplhep"
    dest.mkdir(exist_ok=True)
    hep.style.use("CMS")
    mll = r"$m_{\mu\mu}$ [GeV]"

    # The stack with data, band and ratio.
    fig, (ax, rax) = plt.subplots(2, 1, figsize=(9, 8), gridspec_kw={"height_ratios": (3, 1)}, sharex=True)
    edges = h["z"][0][0]
    stack = [h["qcd"][1], h["tt"][1], h["z"][1]]
    hep.histplot(stack, edges, stack=True, histtype="fill", label=["QCD multijet", r"$t\bar{t}$", r"Z/$\gamma^*\to\mu\mu$"], ax=ax)
    total = sum(stack)
    var = h["qcd"][2] + h["tt"][2] + h["z"][2]
    band = np.sqrt(var + (0.05 * total) ** 2)
    ax.stairs(total + band, edges, baseline=total - band, fill=True, color="grey", alpha=0.5, label="Uncertainty")
    data, dvar = h["data"][1], h["data"][2]
    hep.histplot(data, edges, yerr=np.sqrt(dvar), histtype="errorbar", color="k", label="Data", ax=ax)
    ax.set_ylabel("Events / 1.5 GeV")
    ax.legend()
    hep.cms.label("Preliminary", data=True, lumi=59.7, com=13, ax=ax)
    ratio = np.divide(data, total, out=np.full_like(data, np.nan), where=total > 0)
    rerr = np.divide(np.sqrt(dvar), total, out=np.zeros_like(data), where=total > 0)
    rax.stairs(1 + band / total, edges, baseline=1 - band / total, fill=True, color="grey", alpha=0.5)
    hep.histplot(ratio, edges, yerr=rerr, histtype="errorbar", color="k", ax=rax)
    rax.axhline(1, ls="--", color="grey")
    rax.set_ylim(0.5, 1.5)
    rax.set_ylabel("Data / Pred.")
    rax.set_xlabel(mll)
    fig.savefig(dest / "stack_ratio.png", dpi=100)
    plt.close(fig)

    # Data points.
    fig, ax = plt.subplots(figsize=(8, 6))
    hep.histplot(data, edges, yerr=np.sqrt(dvar), histtype="errorbar", color="k", ax=ax)
    hep.cms.label("Preliminary", data=True, lumi=59.7, com=13, ax=ax)
    ax.set_xlabel(mll)
    ax.set_ylabel("Events / 1.5 GeV")
    fig.savefig(dest / "points.png", dpi=100)
    plt.close(fig)

    # Overlaid shapes, normalised.
    fig, ax = plt.subplots(figsize=(8, 6))
    e = h["pt_lead"][0][0]
    hep.histplot([h[k][1] for k in ("pt_lead", "pt_sub", "pt_third")], e, density=True, label=["leading jet", "second jet", "third jet"], ax=ax)
    ax.set_xlabel(r"$p_{T}$ [GeV]")
    ax.set_ylabel("Density")
    ax.legend()
    fig.savefig(dest / "overlay_density.png", dpi=100)
    plt.close(fig)

    # Log y with flow bins.
    fig, ax = plt.subplots(figsize=(8, 6))
    edges_met, _, _, full, _ = h["met"][0][0], *h["met"][1:]
    hep.histplot(full, np.concatenate([[edges_met[0] - 5], edges_met, [edges_met[-1] + 5]]), ax=ax)
    ax.set_yscale("log")
    ax.set_xlabel(r"$E_{T}^{miss}$ [GeV]")
    fig.savefig(dest / "log_flow.png", dpi=100)
    plt.close(fig)

    # 2-D, log colour scale.
    fig, ax = plt.subplots(figsize=(8, 6))
    (xe, ye), v = h["pt_eta"][0], h["pt_eta"][1]
    hep.hist2dplot(np.where(v > 0, v, np.nan), xe, ye, norm=matplotlib.colors.LogNorm(), cbarextend=False, ax=ax)
    ax.set_xlabel(r"$p_{T}$ [GeV]")
    ax.set_ylabel(r"$\eta$")
    fig.savefig(dest / "map_logz.png", dpi=100)
    plt.close(fig)

    # The dense 30 000-bin spectrum.
    fig, ax = plt.subplots(figsize=(10, 6.4))
    hep.histplot(h["dimuon"][1], h["dimuon"][0][0], ax=ax)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(mll)
    ax.set_ylabel("Events / bin")
    fig.savefig(dest / "dense_loglog.png", dpi=100)
    plt.close(fig)
    print(f"wrote mplhep's renderings to {dest}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "examples/plots")
