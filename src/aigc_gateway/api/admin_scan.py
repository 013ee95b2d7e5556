"""``/admin/scans``: scan a dataset on the server's disk, follow its progress, fetch its results.

``POST /admin/scans`` starts one scan at a time (it uses the CPU the gateway serves with) of
server-side paths with the same runner as ``aigc-gateway scan``, writing to
``DATA_DIR/scans/ID``. ``GET /admin/scans/ID`` gives status and progress (records, bytes,
records/s, ETA) and, once finished, the summary; ``…/report`` the HTML report, ``…/summary``
the summary JSON, ``…/findings`` the per-record findings (JSON Lines). The redacted copy stays
on the server's disk. Finished scans are found on disk after a restart.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from ..errors import InvalidRequest, NotFound, RateLimited
from ..gateway import Gateway
from ..scan.model import ScanOptions
from ..scan.outputs import FINDINGS_FILE, OutputError
from ..scan.readers import InputError, discover
from ..scan.report import REPORT_FILE, SUMMARY_FILE
from ..scan.runner import Progress, run_scan
from .auth import require_admin
from .http import json_response, read_body
from .schemas import parse_body

log = logging.getLogger(__name__)
router = APIRouter()

SCAN_ID = re.compile(r"^scan_[0-9a-f]{16}$")
RETRY_AFTER_S = 30
DOCUMENTS = {
    "report": (REPORT_FILE, "text/html; charset=utf-8"),
    "summary": (SUMMARY_FILE, "application/json"),
    "findings": (FINDINGS_FILE, "application/x-ndjson"),
}


class ScanBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    inputs: list[str] = Field(min_length=1)
    """Files or folders on the server."""
    text_field: str = "text"
    id_field: str | None = None
    workers: int = Field(1, ge=1, le=256)
    redact: Literal["mask", "pseudonymize"] | None = None
    drop_over: float | None = Field(None, ge=0, le=1)
    aigc_sample: float = Field(0.0, ge=0, le=1)
    """The model score is slow on a busy server: off unless asked for."""


class ScanCancelled(Exception):
    pass


@dataclass(slots=True)
class ScanRun:
    id: str
    options: ScanOptions
    created: float = field(default_factory=time.time)
    status: str = "running"
    progress: Progress | None = None
    error: str | None = None
    stop: threading.Event = field(default_factory=threading.Event)

    def update(self, progress: Progress) -> None:
        self.progress = progress
        if self.stop.is_set():
            raise ScanCancelled

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "object": "scan.run",
            "status": self.status,
            "created": int(self.created),
            "inputs": [str(p) for p in self.options.inputs],
        }
        if self.progress is not None:
            p = self.progress
            body["progress"] = {
                "records": p.records,
                "bad_input": p.bad_input,
                "bytes_done": p.bytes_done,
                "bytes_total": p.bytes_total,
                "records_per_s": round(p.records_per_s, 1),
                "eta_s": None if p.eta_s is None else round(p.eta_s, 1),
            }
        if self.error:
            body["error"] = self.error
        summary = self.options.out / SUMMARY_FILE
        if self.status == "finished" and summary.exists():
            body["summary"] = json.loads(summary.read_text(encoding="utf-8"))
        return body


def _runs(request: Request) -> dict[str, ScanRun]:
    state = request.app.state
    if not hasattr(state, "scans"):
        state.scans = {}
    runs: dict[str, ScanRun] = state.scans
    return runs


def _scans_dir(gateway: Gateway) -> Path:
    return gateway.data_dir / "scans"


def _execute(run: ScanRun, gateway: Gateway) -> None:
    try:
        run_scan(gateway.settings, gateway.data_dir, run.options, progress=run.update)
        run.status = "finished"
    except ScanCancelled:
        run.status, run.error = "cancelled", "the server stopped during the scan"
    except (InputError, OutputError) as exc:
        run.status, run.error = "failed", str(exc)
    except Exception as exc:
        log.exception("scan %s failed", run.id)
        run.status, run.error = "failed", f"{type(exc).__name__}: {exc}"


@router.post("/admin/scans")
async def start_scan(request: Request) -> Response:
    await require_admin(request)
    gateway: Gateway = request.app.state.gateway
    body = parse_body(ScanBody, await read_body(request, gateway.settings.server.max_body_bytes))
    runs = _runs(request)
    if any(run.status == "running" for run in runs.values()):
        raise RateLimited(
            "A scan is already running; wait for it to finish.",
            retry_after_s=RETRY_AFTER_S,
            code="scan_running",
        )
    inputs = tuple(Path(p) for p in body.inputs)
    try:
        await asyncio.to_thread(discover, inputs)
    except InputError as exc:
        raise InvalidRequest(str(exc), param="inputs") from None
    if body.drop_over is not None and body.redact is None:
        raise InvalidRequest("'drop_over' needs 'redact'.", param="drop_over")
    scan_id = "scan_" + secrets.token_hex(8)
    options = ScanOptions(
        inputs=inputs,
        out=_scans_dir(gateway) / scan_id,
        text_field=body.text_field,
        id_field=body.id_field,
        workers=body.workers,
        redact=body.redact,
        drop_over=body.drop_over,
        aigc_sample=body.aigc_sample,
    )
    run = ScanRun(scan_id, options)
    runs[scan_id] = run
    thread = threading.Thread(target=_execute, args=(run, gateway), name=scan_id, daemon=True)
    thread.start()
    return json_response(run.as_dict(), status=202, headers={"location": f"/admin/scans/{scan_id}"})


def _find(request: Request, scan_id: str) -> ScanRun | Path:
    """A scan of this server process, or the folder of a finished scan from an earlier one."""
    if not SCAN_ID.match(scan_id):
        raise NotFound(f"No scan '{scan_id}'.", param="id")
    run = _runs(request).get(scan_id)
    if run is not None:
        return run
    folder = _scans_dir(request.app.state.gateway) / scan_id
    if (folder / SUMMARY_FILE).exists():
        return folder
    raise NotFound(f"No scan '{scan_id}'.", param="id")


@router.get("/admin/scans")
async def list_scans(request: Request) -> Response:
    await require_admin(request)
    runs = sorted(_runs(request).values(), key=lambda run: run.created)
    return json_response({"object": "list", "data": [run.as_dict() for run in runs]})


@router.get("/admin/scans/{scan_id}")
async def get_scan(request: Request, scan_id: str) -> Response:
    await require_admin(request)
    found = _find(request, scan_id)
    if isinstance(found, Path):
        summary = json.loads((found / SUMMARY_FILE).read_text(encoding="utf-8"))
        body = {"id": scan_id, "object": "scan.run", "status": "finished", "summary": summary}
        return json_response(body)
    return json_response(found.as_dict())


@router.get("/admin/scans/{scan_id}/{document}")
async def get_scan_document(request: Request, scan_id: str, document: str) -> Response:
    await require_admin(request)
    if document not in DOCUMENTS:
        raise NotFound(f"No document '{document}'; try report, summary or findings.")
    found = _find(request, scan_id)
    if isinstance(found, ScanRun):
        if found.status != "finished":
            raise NotFound(
                f"Scan '{scan_id}' is {found.status}; its results exist once it has finished.",
                code="scan_not_finished",
            )
        found = found.options.out
    name, media = DOCUMENTS[document]
    return FileResponse(found / name, media_type=media)
