"""Reading over root://, roots://, http:// and https:// from Python and on Dask workers, against
a real XRootD server on 127.0.0.1: the same arrays and histograms as the local file, bit for
bit."""

import numpy as np
import pytest

import hepframe


@pytest.mark.parametrize("scheme", ["root", "http"])
def test_open_and_arrays_over_a_url(remote, sample, scheme):
    url = remote[scheme] + "nano_10k.root"
    here = hepframe.open(sample)["Events"].arrays(["MET_pt", "Muon_pt"])
    there = hepframe.open(url)["Events"].arrays(["MET_pt", "Muon_pt"])
    np.testing.assert_array_equal(np.asarray(there["MET_pt"]), np.asarray(here["MET_pt"]))
    assert there["Muon_pt"].tolist() == here["Muon_pt"].tolist()


@pytest.mark.parametrize("scheme", ["roots", "https"])
def test_tls_urls_with_the_grid_ca_folder_variable(remote, sample, scheme, monkeypatch):
    """roots:// and https:// check the server's certificate against X509_CERT_DIR (here the
    test CA's PEM file) besides Mozilla's roots; without it the certificate is refused."""
    url = remote[scheme] + "nano_10k.root"
    monkeypatch.delenv("X509_CERT_DIR", raising=False)
    with pytest.raises(hepframe.HepframeError, match="certificate"):
        hepframe.open(url)
    monkeypatch.setenv("X509_CERT_DIR", remote["ca"])
    here = hepframe.open(sample)["Events"].arrays(["MET_pt", "Muon_pt"])
    there = hepframe.open(url)["Events"].arrays(["MET_pt", "Muon_pt"])
    np.testing.assert_array_equal(np.asarray(there["MET_pt"]), np.asarray(here["MET_pt"]))
    assert there["Muon_pt"].tolist() == here["Muon_pt"].tolist()


@pytest.mark.parametrize("scheme", ["root", "http"])
def test_dimuon_spectrum_over_a_url(remote, sample, scheme):
    def book(f):
        df = hepframe.RDataFrame("Events", f)
        two = df.Filter("len(Muon) == 2", "two").Filter("Muon[0].charge != Muon[1].charge", "os")
        return two.Define("m", "(Muon[0] + Muon[1]).mass").Histo1D(("m", "", 3000, 0.25, 300), "m")

    here = book(sample).GetValue()
    there = book(remote[scheme] + "nano_10k.root").GetValue()
    np.testing.assert_array_equal(there.values(flow=True), here.values(flow=True))


def test_a_missing_remote_file_is_a_clear_error(remote):
    with pytest.raises(Exception, match="nope.root"):
        hepframe.open(remote["root"] + "nope.root")


def test_dask_workers_open_the_url_themselves(remote, repo):
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=None, silence_logs=40)
    client = distributed.Client(cluster)
    try:
        url = remote["http"] + "nano_10k_clusters.root"
        ex = hepframe.DaskExecutor(client, items_per_file=4)
        r = hepframe.run(repo / "examples/adl/q5.toml", [url], executor=ex)
        local = hepframe.run(repo / "examples/adl/q5.toml",
                             [repo / "crates/engine/tests/data/nano_10k_clusters.root"])
        assert len(ex.last_items) == 4
        assert r.cutflow == local.cutflow
        assert r.histograms.keys() == local.histograms.keys()
        for name, h in r.histograms.items():
            np.testing.assert_array_equal(h.values(flow=True),
                                          local.histograms[name].values(flow=True))
    finally:
        client.close()
        cluster.close()
