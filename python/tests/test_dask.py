"""The Dask executor on a real distributed.LocalCluster (127.0.0.1, 2 worker processes): the
result equals a local run bit for bit; transient errors are retried; a worker killed mid-run
changes nothing; a task that always kills its worker ends in a clear error, not a hang."""

import json
import os
import sys

import pytest

import hepframe

distributed = pytest.importorskip("distributed")
import cloudpickle  # noqa: E402 (comes with distributed)
import dask  # noqa: E402

# The fault-injecting wrappers below run on the workers: ship them by value.
cloudpickle.register_pickle_by_value(sys.modules[__name__])

ENTRIES_PER_ITEM = 1000  # 10 clusters per file -> 20 items -> a two-level merge tree


@pytest.fixture(scope="module")
def client():
    # allowed-failures: how many worker deaths one task may cause before Dask gives up on it.
    with dask.config.set({"distributed.scheduler.allowed-failures": 2}):
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address=None, silence_logs=40,
        )
        c = distributed.Client(cluster)
        yield c
        c.close()
        cluster.close()


def book(files):
    df = hepframe.RDataFrame("Events", files)
    # Define returns a new node: chain it (the defines are seen below it).
    d = df.Define("trijets", "combinations(Jet, 3)").Define(
        "best", "trijets[argmin(abs((trijets.0 + trijets.1 + trijets.2).mass - 172.5))]")
    three = d.Filter("len(Jet) >= 3", "three jets")
    three.histo1d("q6a", "(best.0 + best.1 + best.2).pt", bins=100, range=(15, 40))
    two = df.Filter("len(Muon) == 2", "two muons").Filter("Muon[0].charge != Muon[1].charge", "opposite")
    two.histo1d("mass", "(Muon[0] + Muon[1]).mass", bins=300, range=(0, 150), weight="Muon[0].pt * 0.37")
    two.Sum("(Muon[0] + Muon[1]).pt", name="sum_pt")
    two.Take("(Muon[0] + Muon[1]).mass", name="masses")
    df.Mean("MET_pt", name="mean_met")
    return df


@pytest.fixture(scope="module")
def files(clustered_copies):
    return clustered_copies[:2]


@pytest.fixture(scope="module")
def local(files):
    return book(files).compute(hepframe.LocalExecutor(threads=2, entries_per_item=ENTRIES_PER_ITEM))


def same(a, b):
    assert a.raw_histograms == b.raw_histograms  # every bin and variance, bit for bit
    assert a.cutflow == b.cutflow
    assert a.entries == b.entries == 20_000
    assert a.stats["sum_pt"] == b.stats["sum_pt"]
    assert a.stats["mean_met"] == b.stats["mean_met"]
    assert a.stats["masses"].tobytes() == b.stats["masses"].tobytes()


def test_distributed_equals_local_bit_for_bit(client, files, local):
    ex = hepframe.DaskExecutor(client, entries_per_item=ENTRIES_PER_ITEM)
    r = book(files).compute(ex)
    assert len(ex.last_items) == 20
    same(r, local)


def test_analysis_file_on_dask(client, repo, clustered):
    ex = hepframe.DaskExecutor(client, items_per_file=4)
    r = hepframe.run(repo / "examples/adl/q8.toml", [clustered], executor=ex)
    l = hepframe.run(repo / "examples/adl/q8.toml", [clustered])
    assert len(ex.last_items) == 4
    assert r.cutflow == l.cutflow
    # Other work items than the local run's: the same bins, and ROOT's running sums (summed
    # in another order) equal to rounding.
    for name, h in r.raw_histograms.items():
        mine, theirs = h["writer_info"]["hepframe"], l.raw_histograms[name]["writer_info"]["hepframe"]
        for key in [k for k in mine if k.startswith("tsum")]:
            assert mine.pop(key) == pytest.approx(theirs.pop(key), rel=1e-12), key
    assert r.raw_histograms == l.raw_histograms


def test_generated_events_on_dask(client):
    """RDataFrame(n) on Dask: each task generates its own entries, the same answer as locally."""
    def book():
        df = hepframe.RDataFrame(300_000).Define("x", "rdfentry_ * 0.25")
        h = df.Filter("rdfentry_ % 3 == 0", "every third").Histo1D(("x", "", 30, 0, 75_000), "x")
        return df, h, df.Sum("x")

    ex = hepframe.DaskExecutor(client, entries_per_item=70_000)
    df, h, s = book()
    df.compute(ex)
    assert len(ex.last_items) == 5
    _, hl, sl = book()
    assert h.GetValue().values(flow=True).tolist() == hl.GetValue().values(flow=True).tolist()
    assert h.GetValue().sum() == 100_000
    assert s.GetValue() == sl.GetValue() == sum(e * 0.25 for e in range(300_000))


class Fault:
    """Around work item `item`: 'raise' once, 'die' once (kill the worker process), or
    'always-die'. A marker file remembers across processes that it happened."""

    def __init__(self, mode, item, marker):
        self.mode, self.item, self.marker = mode, item, marker

    def __call__(self, run_item, analysis, item_json, plan_id):
        if json.loads(item_json)["index"] == self.item:
            first = not os.path.exists(self.marker)
            if first or self.mode == "always-die":
                open(self.marker, "a").close()
                if self.mode == "raise":
                    raise OSError("transient: the storage element did not answer")
                os._exit(13)  # the worker process dies mid-task
        return run_item(analysis, item_json, plan_id)


def test_a_transient_error_succeeds_with_retries(client, files, local, tmp_path):
    marker = tmp_path / "raised"
    ex = hepframe.DaskExecutor(client, entries_per_item=ENTRIES_PER_ITEM, retries=2,
                               task_wrapper=Fault("raise", 7, str(marker)))
    same(book(files).compute(ex), local)
    assert marker.exists()


def test_without_retries_the_transient_error_is_raised(client, files, tmp_path):
    ex = hepframe.DaskExecutor(client, entries_per_item=ENTRIES_PER_ITEM, retries=0,
                               task_wrapper=Fault("raise", 3, str(tmp_path / "m")))
    with pytest.raises(OSError, match="transient"):
        book(files).compute(ex)


def test_a_killed_worker_gives_the_identical_result(client, files, local, tmp_path):
    marker = tmp_path / "killed"
    ex = hepframe.DaskExecutor(client, entries_per_item=ENTRIES_PER_ITEM,
                               task_wrapper=Fault("die", 11, str(marker)))
    same(book(files).compute(ex), local)
    assert marker.exists()
    client.wait_for_workers(2, timeout=60)


def test_a_task_that_always_kills_its_worker_is_a_clear_error(client, files, tmp_path):
    # Dask also counts the deaths against tasks queued on the dying worker, so the item it names
    # first may be a neighbour of item 5.
    ex = hepframe.DaskExecutor(client, entries_per_item=ENTRIES_PER_ITEM, timeout=120,
                               task_wrapper=Fault("always-die", 5, str(tmp_path / "k")))
    with pytest.raises(hepframe.ExecutionError, match=r"work item \d+ \(.*nano_10k_clusters_?\d*.root entries \d+–\d+\) killed every worker"):
        book(files).compute(ex)
    client.wait_for_workers(2, timeout=60)


def test_bad_expressions_fail_before_any_task_is_submitted(client, sample, tmp_path):
    # Built in code: the booking itself fails, and the graph stays usable.
    df = hepframe.RDataFrame("Events", sample)
    with pytest.raises(hepframe.ExpressionError, match=r"\^"):
        df.Filter("nMuon == 2 && Muon.pt", "bad")
    n = df.Filter("nMuon == 2", "two").Count()
    df.compute(hepframe.DaskExecutor(client))
    assert 0 < n.GetValue() < 10_000
    # An analysis file: the plan fails before any task.
    bad = tmp_path / "bad.toml"
    bad.write_text(f'[analysis]\nfiles = ["{sample}"]\n[[cut]]\nname = "bad"\n'
                   'when = "nMuon == 2 && Muon.pt"\n')
    with pytest.raises(hepframe.ExpressionError, match=r"bad.toml:5:.*\n.*\n *\^"):
        hepframe.run(str(bad), executor=hepframe.DaskExecutor(client))


def test_a_missing_work_item_is_named(clustered, repo):
    """The final check: a merged partial without every work item is an error naming the gap."""
    from hepframe import _core

    analysis = _core.analysis_from_file(str(repo / "examples/adl/q1.toml"), [clustered])
    plan = _core.plan(analysis, items_per_file=4)
    plan_id, head, items = _core.plan_items(plan)
    assert len(items) == 4
    parts = [_core.run_item(head, items[i], plan_id) for i in (0, 1, 3)]
    merged = _core.merge_partials(parts)
    with pytest.raises(hepframe.ExecutionError, match=r"1 of the 4 work items is missing.*work item 2 \(.*entries 5000–7000\)"):
        _core.finish(plan, merged)
    # Complete, it finishes.
    full = _core.merge_partials([merged, _core.run_item(head, items[2], plan_id)])
    assert json.loads(_core.finish(plan, full))["entries"] == 10_000
