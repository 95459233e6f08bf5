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
