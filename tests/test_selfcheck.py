"""The local model beyond one-token prompts: the start-up self-check, a 500-token prompt served.

A llama.cpp built for another CPU answers one-token prompts and dies on the first batch of
prompt tokens, so these tests send batches: the self-check's, and 500 tokens through the
server. The crash itself is made real in a child process by a ``sitecustomize`` that sends the
self-check's child SIGILL, the signal such a build dies of.
"""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest

from aigc_gateway.config import LocalModelSettings
from aigc_gateway.providers.selfcheck import (
    PROMPT_TOKENS,
    LocalModelUnusable,
    SelfCheck,
)

from .conftest import RunningGateway, free_port, run_cli

MODEL = "smollm2-135m-instruct"
NOTES = [
    "The library opens at nine on weekdays and at ten on Saturdays.",
    "Volunteers sort the returned books every Tuesday afternoon.",
    "The reading room on the second floor is kept quiet for study.",
    "Children's story hour takes place on Wednesday mornings.",
    "Printed maps of the town can be borrowed for two weeks.",
]


def _child_hook(tmp_path: Path, body: str) -> dict[str, str]:
    """Environment whose ``sitecustomize`` runs ``body`` in the self-check's child only."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(
        "import os, signal, sys, time\n"
        "if 'aigc_gateway.providers.selfcheck' in sys.orig_argv:\n"
        + textwrap.indent(body, "    ")
        + "\n"
    )
    inherited = os.environ.get("PYTHONPATH")
    return {"PYTHONPATH": os.pathsep.join([str(hook), inherited] if inherited else [str(hook)])}


def test_self_check_runs_the_real_model_on_a_batch_of_prompt_tokens() -> None:
    result = SelfCheck.start(LocalModelSettings(threads=2)).wait()
    assert result.prompt_tokens >= PROMPT_TOKENS * 0.8
    assert result.completion_tokens >= 1
    assert f"{result.prompt_tokens}-token prompt" in str(result)


def test_self_check_that_hangs_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in _child_hook(tmp_path, "time.sleep(60)").items():
        monkeypatch.setenv(name, value)
    check = SelfCheck.start(LocalModelSettings(threads=2))
    expected = f"did not answer a {PROMPT_TOKENS}-token test prompt within 2 s"
    with pytest.raises(LocalModelUnusable, match=expected):
        check.wait(timeout_s=2)


def test_serve_exits_with_one_line_when_the_model_crashes(tmp_path: Path) -> None:
    env = _child_hook(tmp_path, "os.kill(os.getpid(), signal.SIGILL)")
    done = run_cli("serve", "--port", str(free_port()), data_dir=tmp_path / "data", env=env)
    assert done.returncode == 2, done.stderr
    errors = [line for line in done.stderr.splitlines() if "error" in line.lower()]
    assert len(errors) == 1, done.stderr
    assert errors[0].startswith("aigc-gateway: error: the local model crashed with SIGILL")
    assert "cmake.define.GGML_NATIVE=OFF" in errors[0]
    assert "AIGC Gateway on" not in done.stdout


def test_a_500_token_prompt_is_answered_and_streamed(gateway: RunningGateway) -> None:
    assert "local model self-check: " in gateway.log()
    notes = " ".join(NOTES[i % len(NOTES)] for i in range(42))
    body = {
        "model": MODEL,
        "messages": [{"role": "user", "content": f"{notes}\nWhen are the books sorted?"}],
        "max_tokens": 24,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    with (
        gateway.http(timeout=300) as http,
        http.stream("POST", "/v1/chat/completions", json=body) as response,
    ):
        assert response.status_code == 200
        events = [line[6:] for line in response.iter_lines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(event) for event in events[:-1]]
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text.strip()
    usage = chunks[-1]["usage"]
    assert usage["prompt_tokens"] >= 500
    assert usage["completion_tokens"] >= 1
    assert gateway.process.poll() is None, "the gateway is still running"
