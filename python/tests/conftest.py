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


@pytest.fixture(scope="session")
def remote():
    """A real XRootD server (with its HTTP plugin) on 127.0.0.1 serving examples/data and the
    engine's test data (scripts/xrootd_server.sh): ``{"root": "root://127.0.0.1:P/", "http":
    "http://127.0.0.1:Q/"}``, with ``"roots"``, ``"https"`` and the test CA's PEM file ``"ca"``
    when the server speaks TLS. Without xrootd the tests skip, unless HEPFRAME_REQUIRE_REMOTE=1
    (CI), where they fail."""
    import os
    import shutil
    import subprocess
    import tempfile

    if shutil.which("xrootd") is None:
        if os.environ.get("HEPFRAME_REQUIRE_REMOTE") == "1":
            pytest.fail("xrootd is not installed (bash scripts/xrootd_server.sh install)")
        pytest.skip("no xrootd server installed")
    served = tempfile.mkdtemp(prefix="hepframe-remote-")
    os.chmod(served, 0o755)
    for f in [REPO / "examples/data/nano_10k.root",
              REPO / "crates/engine/tests/data/nano_10k_clusters.root"]:
        shutil.copyfile(f, os.path.join(served, f.name))
        os.chmod(os.path.join(served, f.name), 0o644)
    out = subprocess.run(["bash", str(REPO / "scripts/xrootd_server.sh"), "start", served],
                         check=True, capture_output=True, text=True).stdout
    env = dict(line.removeprefix("export ").split("=", 1) for line in out.splitlines()
               if line.startswith("export "))
    try:
        urls = {"root": env["HEPFRAME_XROOTD_URL"], "http": env["HEPFRAME_HTTP_URL"]}
        if "HEPFRAME_XROOTD_CA" in env:  # the server speaks TLS too, with a test CA
            urls["roots"] = urls["root"].replace("root://", "roots://", 1)
            urls["https"] = urls["http"].replace("http://", "https://", 1)
            urls["ca"] = env["HEPFRAME_XROOTD_CA"]
        elif os.environ.get("HEPFRAME_REQUIRE_REMOTE") == "1":
            pytest.fail("the test server has no TLS (openssl missing?)")
        yield urls
    finally:
        subprocess.run(["bash", str(REPO / "scripts/xrootd_server.sh"), "stop",
                        env["HEPFRAME_XROOTD_RUN"]], check=False)
        shutil.rmtree(served, ignore_errors=True)
