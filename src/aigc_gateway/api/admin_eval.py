"""``/admin/evaluations``: start a model evaluation in the server, follow it, fetch its report.

``POST /admin/evaluations`` starts one run (one at a time; the local model serves clients too)
through :class:`~aigc_gateway.evaluation.jobs.EvaluationJobs`; its body holds the same settings
as ``aigc-gateway eval``'s options. ``GET /admin/evaluations/ID`` gives status, progress and,
once finished, the summary; ``…/report`` the HTML report, ``…/factsheet`` the fact sheet
(``?format=md`` for Markdown), ``…/results`` the full results JSON. Finished runs are found on
disk after a restart.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..errors import InvalidRequest, NotFound
from ..evaluation.jobs import EvaluationJobs, stored_status
from ..evaluation.options import EvaluationOptions, run_config
from ..evaluation.runner import RunError
from .auth import require_admin
from .http import json_response, read_body
from .schemas import parse_body

router = APIRouter()

DOCUMENTS = {
    "report": ("report.html", "text/html; charset=utf-8"),
    "results": ("results.json", "application/json"),
}


def _jobs(request: Request) -> EvaluationJobs:
    jobs: EvaluationJobs = request.app.state.evaluations
    return jobs


@router.post("/admin/evaluations")
async def start_evaluation(request: Request) -> Response:
    await require_admin(request)
    limit = request.app.state.gateway.settings.server.max_body_bytes
    options = parse_body(EvaluationOptions, await read_body(request, limit))
    try:
        config = run_config(options)
    except RunError as exc:
        raise InvalidRequest(str(exc), param="suites") from None
    run = await _jobs(request).start(config)
    return json_response(
        run.as_dict(), status=202, headers={"location": f"/admin/evaluations/{run.id}"}
    )


@router.get("/admin/evaluations")
async def list_evaluations(request: Request) -> Response:
    await require_admin(request)
    runs = _jobs(request).runs()
    return json_response({"object": "list", "data": [run.as_dict() for run in runs]})


@router.get("/admin/evaluations/{run_id}")
async def get_evaluation(request: Request, run_id: str) -> Response:
    await require_admin(request)
    found = _jobs(request).find(run_id)
    if isinstance(found, Path):
        return json_response(await asyncio.to_thread(stored_status, found))
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
    folder = _jobs(request).finished_folder(run_id)
    content = await asyncio.to_thread((folder / name).read_bytes)
    return Response(content, media_type=media)
