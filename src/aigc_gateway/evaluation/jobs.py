"""Evaluations run inside the server: one at a time, as an asyncio task, written to
``DATA_DIR/evaluations/ID``; finished runs of earlier server processes are found on disk.

``api/admin_eval.py`` serves this over HTTP; the runner is the same as ``aigc-gateway eval``'s.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import GatewayError, InvalidRequest, NotFound, RateLimited
from ..gateway import Gateway
from .runner import Evaluator, RunConfig, RunError
from .suites import SuiteError

log = logging.getLogger(__name__)

RUN_ID = re.compile(r"^eval_[0-9a-f]{16}$")
RETRY_AFTER_S = 60


@dataclass(slots=True)
class EvaluationRun:
    id: str
    config: RunConfig
    out_dir: Path
    created: float = field(default_factory=time.time)
    status: str = "running"
    progress: dict[str, dict[str, int]] = field(default_factory=dict)
    error: str | None = None
    task: asyncio.Task[None] | None = None

    def update(self, mode: str, done: int, total: int) -> None:
        self.progress[mode] = {"done": done, "total": total}

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "object": "evaluation.run",
            "status": self.status,
            "created": int(self.created),
            "model": self.config.model,
            "modes": list(self.config.modes),
            "suites": list(self.config.suites),
            "progress": self.progress,
        }
        if self.error:
            body["error"] = self.error
        summary = self.out_dir / "summary.json"
        if self.status == "finished" and summary.exists():
            body["summary"] = json.loads(summary.read_text(encoding="utf-8"))["summary"]
        return body


def stored_status(folder: Path) -> dict[str, Any]:
    """The status of a finished run from an earlier server process, read from its folder."""
    results = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    return {
        "id": folder.name,
        "object": "evaluation.run",
        "status": "finished",
        "model": results["model"],
        "modes": list(results["modes"]),
        "suites": list(results["suites"]),
        "summary": results["summary"],
    }


class EvaluationJobs:
    """The evaluations of one server process."""

    def __init__(self, gateway: Gateway) -> None:
        self._gateway = gateway
        self._runs: dict[str, EvaluationRun] = {}
        self.root = gateway.data_dir / "evaluations"

    def runs(self) -> list[EvaluationRun]:
        return sorted(self._runs.values(), key=lambda run: run.created)

    async def start(self, config: RunConfig) -> EvaluationRun:
        if any(run.status == "running" for run in self._runs.values()):
            raise RateLimited(
                "An evaluation is already running; wait for it to finish.",
                retry_after_s=RETRY_AFTER_S,
                code="evaluation_running",
            )
        if config.llm_judge:
            self._gateway.router.resolve(config.llm_judge)
        run_id = "eval_" + secrets.token_hex(8)
        run = EvaluationRun(run_id, config, self.root / run_id)
        try:
            evaluator = await asyncio.to_thread(
                lambda: Evaluator(self._gateway, config, run.out_dir, progress=run.update)
            )
        except (RunError, SuiteError) as exc:
            raise InvalidRequest(str(exc)) from None
        run.task = asyncio.create_task(self._execute(run, evaluator))
        self._runs[run_id] = run
        return run

    @staticmethod
    async def _execute(run: EvaluationRun, evaluator: Evaluator) -> None:
        try:
            await evaluator.finish(await evaluator.run())
            run.status = "finished"
        except asyncio.CancelledError:
            run.status, run.error = "cancelled", "the server stopped during the run"
            raise
        except GatewayError as exc:
            run.status, run.error = "failed", exc.message
        except Exception as exc:
            log.exception("evaluation %s failed", run.id)
            run.status, run.error = "failed", f"{type(exc).__name__}: {exc}"

    def find(self, run_id: str) -> EvaluationRun | Path:
        """A run of this server process, or the folder of a finished run from an earlier one."""
        if not RUN_ID.match(run_id):
            raise NotFound(f"No evaluation '{run_id}'.", param="id")
        run = self._runs.get(run_id)
        if run is not None:
            return run
        folder = self.root / run_id
        if (folder / "results.json").exists():
            return folder
        raise NotFound(f"No evaluation '{run_id}'.", param="id")

    def finished_folder(self, run_id: str) -> Path:
        found = self.find(run_id)
        if isinstance(found, Path):
            return found
        if found.status != "finished":
            raise NotFound(
                f"Evaluation '{run_id}' is {found.status}; its report exists once it has finished.",
                code="evaluation_not_finished",
            )
        return found.out_dir
