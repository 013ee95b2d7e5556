"""``/admin/evaluations``: start a model evaluation in the server, follow it, fetch its report.

``POST /admin/evaluations`` starts one run (one at a time; the local model serves clients too)
with the same runner as ``aigc-gateway eval``, writing to ``DATA_DIR/evaluations/ID``.
``GET /admin/evaluations/ID`` gives status, progress and, once finished, the summary;
``…/report`` the HTML report, ``…/factsheet`` the fact sheet (``?format=md`` for Markdown),
``…/results`` the full results JSON. Finished runs are found on disk after a restart.
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
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from ..errors import GatewayError, InvalidRequest, NotFound, RateLimited
from ..evaluation.runner import MODES, Evaluator, RunConfig, RunError
from ..evaluation.suites import SUITES, SuiteError
from ..gateway import Gateway
from .auth import require_admin
from .http import json_response, read_body
from .schemas import parse_body

log = logging.getLogger(__name__)
router = APIRouter()

RUN_ID = re.compile(r"^eval_[0-9a-f]{16}$")
RETRY_AFTER_S = 60
DOCUMENTS = {
    "report": ("report.html", "text/html; charset=utf-8"),
    "results": ("results.json", "application/json"),
}


class EvaluationBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str
    modes: list[Literal["raw", "guarded"]] = Field(default_factory=lambda: list(MODES))
    suites: list[str] = Field(default_factory=lambda: list(SUITES))
    languages: list[Literal["en", "zh"]] = Field(default_factory=lambda: ["en", "zh"])
    limit_per_suite: int | None = Field(None, ge=1)
    max_tokens: int = Field(96, ge=1, le=4096)
    temperature: float = Field(0.0, ge=0, le=2)
    seed: int = 20250101
    concurrency: int = Field(4, ge=1, le=64)
    tenant: str | None = None
    """Whose guard policy the guarded run uses; default: the caller's tenant."""
    llm_judge: str | None = None


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


def _runs(request: Request) -> dict[str, EvaluationRun]:
    state = request.app.state
    if not hasattr(state, "evaluations"):
        state.evaluations = {}
    runs: dict[str, EvaluationRun] = state.evaluations
    return runs


def _evaluations_dir(gateway: Gateway) -> Path:
    return gateway.data_dir / "evaluations"


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


@router.post("/admin/evaluations")
async def start_evaluation(request: Request) -> Response:
    key = await require_admin(request)
    gateway: Gateway = request.app.state.gateway
    body = parse_body(
        EvaluationBody, await read_body(request, gateway.settings.server.max_body_bytes)
    )
    runs = _runs(request)
    if any(run.status == "running" for run in runs.values()):
        raise RateLimited(
            "An evaluation is already running; wait for it to finish.",
            retry_after_s=RETRY_AFTER_S,
            code="evaluation_running",
        )
    try:
        config = RunConfig(
            model=body.model,
            modes=tuple(body.modes),
            suites=tuple(body.suites),
            languages=tuple(body.languages),
            limit_per_suite=body.limit_per_suite,
            max_tokens=body.max_tokens,
            temperature=body.temperature,
            seed=body.seed,
            concurrency=body.concurrency,
            tenant=body.tenant or key.tenant,
            llm_judge=body.llm_judge,
        )
    except RunError as exc:
        raise InvalidRequest(str(exc), param="suites") from None
    if config.llm_judge:
        gateway.router.resolve(config.llm_judge)
    run_id = "eval_" + secrets.token_hex(8)
    out_dir = _evaluations_dir(gateway) / run_id
    run = EvaluationRun(run_id, config, out_dir)
    try:
        evaluator = await asyncio.to_thread(
            lambda: Evaluator(gateway, config, out_dir, progress=run.update)
        )
    except (RunError, SuiteError) as exc:
        raise InvalidRequest(str(exc)) from None
    run.task = asyncio.create_task(_execute(run, evaluator))
    runs[run_id] = run
    return json_response(run.as_dict(), status=202, headers={"location": _path(run_id)})


def _path(run_id: str) -> str:
    return f"/admin/evaluations/{run_id}"


def _find(request: Request, run_id: str) -> EvaluationRun | Path:
    """A run of this server process, or the folder of a finished run from an earlier one."""
    if not RUN_ID.match(run_id):
        raise NotFound(f"No evaluation '{run_id}'.", param="id")
    run = _runs(request).get(run_id)
    if run is not None:
        return run
    folder = _evaluations_dir(request.app.state.gateway) / run_id
    if (folder / "results.json").exists():
        return folder
    raise NotFound(f"No evaluation '{run_id}'.", param="id")


def _finished_folder(request: Request, run_id: str) -> Path:
    found = _find(request, run_id)
    if isinstance(found, Path):
        return found
    if found.status != "finished":
        raise NotFound(
            f"Evaluation '{run_id}' is {found.status}; its report exists once it has finished.",
            code="evaluation_not_finished",
        )
    return found.out_dir


def _stored_status(folder: Path) -> dict[str, Any]:
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


@router.get("/admin/evaluations")
async def list_evaluations(request: Request) -> Response:
    await require_admin(request)
    runs = sorted(_runs(request).values(), key=lambda run: run.created)
    return json_response({"object": "list", "data": [run.as_dict() for run in runs]})


@router.get("/admin/evaluations/{run_id}")
async def get_evaluation(request: Request, run_id: str) -> Response:
    await require_admin(request)
    found = _find(request, run_id)
    if isinstance(found, Path):
        return json_response(await asyncio.to_thread(_stored_status, found))
    return json_response(await asyncio.to_thread(found.as_dict))


@router.get("/admin/evaluations/{run_id}/{document}")
async def get_document(request: Request, run_id: str, document: str) -> Response:
    await require_admin(request)
    if document == "factsheet":
        wanted = request.query_params.get("format", "html")
        if wanted not in ("html", "md"):
            raise InvalidRequest("'format' must be 'html' or 'md'.", param="format")
        name, media = (
            ("factsheet.md", "text/markdown; charset=utf-8")
            if wanted == "md"
            else ("factsheet.html", "text/html; charset=utf-8")
        )
    elif document in DOCUMENTS:
        name, media = DOCUMENTS[document]
    else:
        raise NotFound(f"No document '{document}'; try report, factsheet or results.")
    folder = _finished_folder(request, run_id)
    content = await asyncio.to_thread((folder / name).read_bytes)
    return Response(content, media_type=media)
