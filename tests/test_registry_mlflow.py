"""MLflow import against a real `mlflow server` on 127.0.0.1 with a SQLite backend."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine

from tests.helpers import gov

pytest.importorskip("mlflow", reason="MLflow is the optional [mlflow] extra")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("mlflow")
    port = _free_port()
    mlflow_bin = shutil.which("mlflow", path=str(Path(sys.executable).parent)) or "mlflow"
    log = root / "server.log"
    with log.open("wb") as out:  # a file, not a pipe nobody reads: a full pipe would block the server
        proc = subprocess.Popen(
            [
                mlflow_bin,
                "server",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                "1",
                "--backend-store-uri",
                f"sqlite:///{root / 'mlflow.db'}",
                "--artifacts-destination",
                str(root / "art"),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=root,
            env={**os.environ, "MLFLOW_TRACKING_URI": ""},
            start_new_session=True,  # its own process group: the server and the workers it starts
        )
    url = f"http://127.0.0.1:{port}"
    # Hang guards only, not speed claims: MLflow starts in ~20 s idle and over 40 s on a loaded machine.
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=5).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise AssertionError(f"mlflow server died: {log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.3)
    else:
        _signal_group(proc, signal.SIGKILL)
        proc.wait()
        raise AssertionError(f"mlflow server did not start in 300 s: {log.read_text(errors='replace')[-3000:]}")
    yield url
    # Stopping takes ~10 s idle and over 20 s loaded (its workers shut down in turn): wait, then kill the group.
    _signal_group(proc, signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        _signal_group(proc, signal.SIGKILL)
        proc.wait()
    _signal_group(proc, signal.SIGKILL)  # any worker left behind


def _signal_group(proc: subprocess.Popen[bytes], sig: int) -> bool:
    """Signal the server's process group; False when nothing of it is left."""
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        return False
    return True


def test_import_models_and_versions(mlflow_server: str, sqlite_engine: Engine, tmp_path: Path) -> None:
    import mlflow
    from mlflow.tracking import MlflowClient

    mlflow.set_tracking_uri(mlflow_server)
    client = MlflowClient(tracking_uri=mlflow_server)
    name = f"credit-risk-{uuid.uuid4().hex[:6]}"
    client.create_registered_model(
        name, tags={"owner": "team:credit-models", "risk_tier": "high"}, description="PD model"
    )
    weights = tmp_path / "model.bin"
    weights.write_bytes(os.urandom(2048))
    ol_run = str(uuid.uuid4())
    with mlflow.start_run() as run:
        mlflow.log_artifact(str(weights), artifact_path="model")
        mlflow.set_tag("openlineage.run_id", ol_run)
    version = client.create_model_version(name, f"runs:/{run.info.run_id}/model", run_id=run.info.run_id)
    result = gov("registry", "import-mlflow", "--tracking-uri", mlflow_server, "--model", name)
    assert result.exit_code == 0, result.output
    assert "imported 1 model(s), 1 version(s)" in result.stdout
    shown = gov("registry", "show", name, str(version.version), "--format", "json")
    import json

    data = json.loads(shown.stdout)
    expected = hashlib.sha256(f"model.bin\0{hashlib.sha256(weights.read_bytes()).hexdigest()}\n".encode()).hexdigest()
    assert data["version"]["artifact_digest"] == f"sha256:{expected}"
    assert data["version"]["training_run_id"] == ol_run
    assert data["model"]["owner"] == "team:credit-models" and data["model"]["risk_tier"] == "high"
    # Importing again is idempotent.
    assert gov("registry", "import-mlflow", "--tracking-uri", mlflow_server, "--model", name).exit_code == 0


def test_unreachable_server_is_config_error(sqlite_engine: Engine) -> None:
    result = gov("registry", "import-mlflow", "--tracking-uri", "http://127.0.0.1:9")
    assert result.exit_code == 3 and "cannot reach MLflow" in result.stderr
