"""Evaluation end to end with the real local model: the ``eval`` CLI (including a run killed
part-way and resumed) and the admin API of a real server process.

The local model runs on one thread here: on a small machine shared with other work, llama.cpp
with every core spins against the other processes and is several times slower.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from .conftest import RunningGateway, launch_gateway

pytestmark = pytest.mark.timeout(900)

MODEL = "smollm2-135m-instruct"
EVAL_TIMEOUT_S = 600
ONE_THREAD = {"local_model": {"threads": 1}, "server": {"key_cache_s": 0.2}}
SUMMARY_KEYS = {
    f"{name}{suffix}"
    for name in (
        "raw_attack_success",
        "guarded_attack_success",
        "raw_refusal_should_refuse",
        "guarded_refusal_should_refuse",
        "guarded_over_refusal",
    )
    for suffix in ("", "_en", "_zh")
}


def eval_command(data_dir: Path, out: Path, *extra: str) -> list[str]:
    config = data_dir.parent / "eval-config.yaml"
    config.write_text(yaml.safe_dump(ONE_THREAD))
    return [
        sys.executable,
        "-m",
        "aigc_gateway.cli",
        "eval",
        "--model",
        MODEL,
        "--data-dir",
        str(data_dir),
        "--out",
        str(out),
        "--config",
        str(config),
        "--max-tokens",
        "24",
        *extra,
    ]


def test_cli_runs_a_tiny_suite_end_to_end_and_resumes_after_a_kill(tmp_path: Path) -> None:
    out = tmp_path / "out"
    command = eval_command(
        tmp_path / "data",
        out,
        *("--suite", "should_refuse", "--suite", "leakage", "--limit", "1"),
        "--concurrency",
        "1",
    )
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    log = out / "cases-raw.jsonl"
    deadline = time.monotonic() + EVAL_TIMEOUT_S
    while not (log.exists() and log.read_text().count("\n") >= 1):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.wait()
    finished_before = log.read_text().splitlines()
    assert 1 <= len(finished_before) < 4

    done = subprocess.run(command, capture_output=True, text=True, timeout=EVAL_TIMEOUT_S)
    assert done.returncode == 0, done.stderr
    assert "eval raw" in done.stderr and "eval guarded" in done.stderr  # the progress bar
    assert "attack success [overall]" in done.stdout

    raw_lines = log.read_text().splitlines()
    assert raw_lines[: len(finished_before)] == finished_before  # kept, not redone
    ids = [json.loads(line)["id"] for line in raw_lines]
    assert len(ids) == len(set(ids)) == 4
    summary = json.loads((out / "summary.json").read_text())["summary"]
    assert set(summary) >= SUMMARY_KEYS
    results = json.loads((out / "results.json").read_text())
    for mode in ("raw", "guarded"):
        assert results["modes"][mode]["cases"] == 4
        assert results["modes"][mode]["errors"] == 0
    # The local model's energy comes from the audit trail's accounting.
    assert results["modes"]["raw"]["energy"]["wh_per_1k_tokens"] > 0
    assert results["modes"]["raw"]["time"]["s_per_100_prompts"] > 0
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "<svg" in report and MODEL in report
    assert (out / "factsheet.md").read_text().startswith(f"# Model fact sheet: {MODEL}")

    again = subprocess.run(command, capture_output=True, text=True, timeout=EVAL_TIMEOUT_S)
    assert again.returncode == 0, again.stderr
    assert log.read_text().splitlines() == raw_lines
    assert json.loads((out / "summary.json").read_text())["summary"] == summary


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "aigc_gateway.cli", "eval", *args, "--data-dir", str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ},
        )

    missing = run()
    assert missing.returncode == 2
    assert missing.stderr.strip() == "aigc-gateway: error: --model is required (or --list-suites)"
    unknown = run("--model", "no-such-model", "--out", str(tmp_path / "o"))
    assert unknown.returncode == 2
    assert "no-such-model" in unknown.stderr and "Traceback" not in unknown.stderr
    listing = run("--list-suites")
    assert listing.returncode == 0 and "should_not_refuse" in listing.stdout


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    running = launch_gateway(tmp_path_factory.mktemp("eval-gateway"), ONE_THREAD)
    yield running
    running.stop()


def test_admin_api_starts_an_evaluation_and_serves_its_report(gateway: RunningGateway) -> None:
    admin = gateway.http()
    body = {
        "model": MODEL,
        "suites": ["should_refuse", "leakage"],
        "languages": ["en"],
        "limit_per_suite": 1,
        "max_tokens": 24,
    }
    started = admin.post("/admin/evaluations", json=body)
    assert started.status_code == 202, started.text
    run = started.json()
    assert run["status"] == "running" and run["modes"] == ["raw", "guarded"]
    assert started.headers["location"] == f"/admin/evaluations/{run['id']}"

    busy = admin.post("/admin/evaluations", json=body)
    assert busy.status_code == 429 and busy.json()["error"]["code"] == "evaluation_running"
    early = admin.get(f"/admin/evaluations/{run['id']}/report")
    assert early.status_code in (200, 404)

    deadline = time.monotonic() + EVAL_TIMEOUT_S
    while (status := admin.get(f"/admin/evaluations/{run['id']}").json())["status"] == "running":
        assert time.monotonic() < deadline
        time.sleep(0.5)
    assert status["status"] == "finished", status
    assert status["progress"]["guarded"] == {"done": 2, "total": 2}
    assert set(status["summary"]) >= SUMMARY_KEYS

    report = admin.get(f"/admin/evaluations/{run['id']}/report")
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")
    assert "<svg" in report.text
    factsheet = admin.get(f"/admin/evaluations/{run['id']}/factsheet", params={"format": "md"})
    assert factsheet.text.startswith(f"# Model fact sheet: {MODEL}")
    results = admin.get(f"/admin/evaluations/{run['id']}/results").json()
    assert results["modes"]["raw"]["cases"] == 2
    listing = admin.get("/admin/evaluations").json()
    assert run["id"] in [item["id"] for item in listing["data"]]


def test_admin_api_errors(gateway: RunningGateway) -> None:
    admin = gateway.http()
    bad_suite = admin.post("/admin/evaluations", json={"model": MODEL, "suites": ["nope"]})
    assert bad_suite.status_code == 400 and "unknown suite 'nope'" in bad_suite.text
    extra = admin.post("/admin/evaluations", json={"model": MODEL, "colour": "red"})
    assert extra.status_code == 400 and "colour" in extra.json()["error"]["message"]
    model = admin.post("/admin/evaluations", json={"model": "no-such-model"})
    assert model.status_code == 404 and model.json()["error"]["code"] == "model_not_found"
    assert admin.get("/admin/evaluations/eval_0000000000000000").status_code == 404
    assert admin.get("/admin/evaluations/../../etc").status_code == 404
    key = subprocess.run(
        [sys.executable, "-m", "aigc_gateway.cli", "keys", "create", "--tenant", "evaluser",
         "--data-dir", str(gateway.data_dir)],
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout.split()[-1]  # fmt: skip
    time.sleep(0.3)  # the server's key cache (key_cache_s 0.2)
    user = httpx.post(
        gateway.url + "/admin/evaluations",
        json={"model": MODEL},
        headers={"authorization": f"Bearer {key}"},
    )
    assert user.status_code == 403


@pytest.mark.parametrize("document", ["report", "factsheet", "results"])
def test_admin_documents_of_unknown_runs_are_404(gateway: RunningGateway, document: str) -> None:
    response = gateway.http().get(f"/admin/evaluations/eval_00000000000000ff/{document}")
    assert response.status_code == 404 and response.json()["error"]["type"]
