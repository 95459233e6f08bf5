import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def repo():
    return REPO


@pytest.fixture(scope="session")
def sample():
    """The bundled 10 000-event NanoAOD-like sample (zlib, one cluster)."""
    return str(REPO / "examples" / "data" / "nano_10k.root")


@pytest.fixture(scope="session")
def clustered():
    """The same events with a cluster every 1000 entries: many work items."""
    return str(REPO / "crates" / "engine" / "tests" / "data" / "nano_10k_clusters.root")


@pytest.fixture(scope="session")
def clustered_copies(clustered, tmp_path_factory):
    """Eight copies of ``clustered`` under other names (the same file twice is refused)."""
    import shutil

    d = tmp_path_factory.mktemp("copies")
    out = []
    for k in range(8):
        p = d / f"nano_10k_clusters_{k}.root"
        shutil.copyfile(clustered, p)
        out.append(str(p))
    return out
