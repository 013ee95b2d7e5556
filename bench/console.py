"""Console page load: server time per page with 100 000 audit records in SQLite.

    .venv/bin/python bench/console.py [--records 100000] [--repeat 30]

1. A data dir is filled with RECORDS audit records through the real record builder and store
   (sealed onto the hash chain, signed checkpoints every 1000): 4 tenants, 2 models, local and
   upstream backends, 5 % blocked, 20 % with PII findings, one tenant keeping redacted content,
   created over the last 24 hours — so the default overview range (24 h) covers every record.
2. The real gateway serves that data dir; the bench signs in to the console (admin key, and a
   tenant key) like a browser does and loads each page REPEAT times one after another.
3. Server time is the console's own ``Server-Timing: app;dur=…`` (handler start to response
   start, as the page's HTML is rendered whole); client time is the HTTP round trip on loopback.
   The first load of the overview is reported apart: it folds every record into the rollup
   (once per server process); later loads read only new records.

Budget (issue 14): p50 server time ≤ 50 ms for every page. No peer runs here: LiteLLM's admin
UI is a separate Next.js app over its PostgreSQL spend logs, not a page of the proxy itself.
Writes docs/benchmarks/console.json.
"""

from __future__ import annotations

import argparse
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    latency_summary,
    print_table,
    serve_command,
    start_gateway,
    write_result,
)

from aigc_gateway.audit.energy import EnergyModel
from aigc_gateway.audit.records import build_record
from aigc_gateway.audit.redaction import Redactor
from aigc_gateway.audit.signing import KEY_FILE, AuditSigner
from aigc_gateway.audit.sqlite import SqliteAuditStore
from aigc_gateway.config import EnergySettings, Settings
from aigc_gateway.guards.engine import GuardEngine
from aigc_gateway.pipeline import UsageRecord
from aigc_gateway.reports import DirectionReport, GuardReport, LabelReport, Mark

BUDGET_MS = 50.0
TENANTS = ("acme", "globex", "initech", "umbrella")
MODELS = (("smollm2-135m-instruct", "local"), ("gpt-4o-mini", "openai/gpt-4o-mini"))
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
DAY_S = 86_400


def fill(data: Path, records: int, seed: int = 7) -> float:
    """Write ``records`` audit records into ``data``'s database; returns seconds taken."""
    started = time.perf_counter()
    rng = random.Random(seed)
    store = SqliteAuditStore(data / "gateway.db", "normal")
    signer = AuditSigner.load_or_create(data / KEY_FILE)
    store.register_key(signer)
    energy = EnergyModel(EnergySettings())
    redact = Redactor(GuardEngine(Settings()))  # tenant acme keeps content, redacted
    now = time.time()
    batch = []
    for index in range(records):
        tenant = TENANTS[index % len(TENANTS)]
        model, backend = MODELS[rng.random() < 0.3]
        blocked = rng.random() < 0.05
        findings = {}
        if rng.random() < 0.2:
            findings["EMAIL"] = rng.randint(1, 2)
            findings["PERSON"] = 1
        if blocked:
            findings["INJECTION"] = 1
        prompt_tokens = rng.randint(20, 400)
        completion = 0 if blocked else rng.randint(10, 300)
        created = now - DAY_S + DAY_S * index / records
        usage = UsageRecord(
            request_id=f"chatcmpl-{index:024x}",
            created_at=round(created, 3),
            tenant=tenant,
            key_id=f"key_{tenant}",
            kind="chat",
            model=model,
            backend=None if blocked else backend,
            stream=rng.random() < 0.5,
            status="error" if blocked else "ok",
            finish_reason=None if blocked else "stop",
            error_code="content_blocked" if blocked else None,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion,
            latency_ms=rng.lognormvariate(6.0, 0.6),
            first_token_ms=rng.lognormvariate(4.5, 0.5),
            prompt=f"Write about topic {index} for the team. " * 6,
            answer="" if blocked else f"Here is a short text about topic {index}. " * 8,
            cpu_s=rng.random() if backend == "local" else None,
            guard=GuardReport(
                "block" if blocked else ("pseudonymize" if findings else "allow"),
                DirectionReport(findings=findings),
            ),
            labels=()
            if blocked
            else (
                LabelReport(
                    {"Label": "1", "ProduceID": f"aigc-{index:024x}"},
                    marks={"watermark": Mark(backend == "local", {}, "wk_bench")},
                ),
            ),
        )
        batch.append(
            build_record(
                usage,
                finished_at=created + usage.latency_ms / 1000,
                policy_version="cfg-bench",
                energy=energy,
                redact=redact if tenant == "acme" else None,
            )
        )
        if len(batch) == 1000:
            store.append(batch, signer, checkpoint_every=1000)
            batch = []
    if batch:
        store.append(batch, signer, checkpoint_every=1000)
    store.close()
    return time.perf_counter() - started


def sign_in(client: httpx.Client, key: str) -> None:
    form = client.get("/console/sign-in")
    token = CSRF.search(form.text)
    assert token, "no sign-in form"
    answer = client.post("/console/sign-in", data={"api_key": key, "csrf": token.group(1)})
    assert answer.status_code == 303, answer.text


def measure(client: httpx.Client, path: str, repeat: int) -> tuple[dict, dict, float]:
    server, wall = [], []
    first = None
    for _ in range(repeat + 1):
        started = time.perf_counter()
        answer = client.get(path)
        elapsed = time.perf_counter() - started
        assert answer.status_code == 200, f"{path}: {answer.status_code}"
        duration = float(answer.headers["server-timing"].split("dur=")[1]) / 1000
        if first is None:
            first = duration
            continue
        server.append(duration)
        wall.append(elapsed)
    return latency_summary(server), latency_summary(wall), (first or 0) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    filled: dict[str, float] = {}

    def prefilled(config_path: Path, data: Path, port: int) -> list[str]:
        filled["seconds"] = fill(data, args.records)
        return serve_command(config_path, data, port)

    with tempfile.TemporaryDirectory() as work_dir:
        work = Path(work_dir)
        service, base, admin_key = start_gateway(
            work, {"server": {"host": "127.0.0.1"}}, command=prefilled
        )
        try:
            url = base.removesuffix("/v1")
            data = next(work.glob("gateway-*/gateway.db")).parent
            tenant_key = (
                subprocess.run(
                    [sys.executable, "-m", "aigc_gateway.cli", "keys", "create", "--tenant",
                     "acme", "--data-dir", str(data)],
                    capture_output=True, text=True, check=True,
                ).stdout.strip().splitlines()[-1]
            )  # fmt: skip
            detail = f"/console/traffic/chatcmpl-{args.records // 2:024x}"
            pages = [
                ("admin", "/console/overview"),
                ("admin", "/console/overview?range=30d"),
                ("admin", "/console/overview?range=1h"),
                ("tenant", "/console/overview"),
                ("admin", "/console/traffic"),
                ("admin", "/console/traffic?finding=INJECTION"),
                ("tenant", "/console/traffic"),
                ("admin", detail),
                ("admin", "/console/verify"),
                ("admin", "/console/playground"),
                ("admin", "/console/keys"),
                ("admin", "/console/policy"),
                ("admin", "/console/evaluations"),
                ("admin", "/console/integrity"),
            ]
            clients = {
                "admin": httpx.Client(base_url=url, timeout=120),
                "tenant": httpx.Client(base_url=url, timeout=120),
            }
            sign_in(clients["admin"], admin_key)
            sign_in(clients["tenant"], tenant_key)
            rows, results = [], []
            for who, path in pages:
                server, wall, first_ms = measure(clients[who], path, args.repeat)
                ok = server["p50_ms"] <= BUDGET_MS
                rows.append(
                    (f"{path} ({who})", server["p50_ms"], server["p99_ms"], wall["p50_ms"],
                     round(first_ms, 1), "yes" if ok else "NO")
                )  # fmt: skip
                results.append(
                    {"page": path, "viewer": who, "server": server, "client": wall,
                     "first_load_ms": round(first_ms, 1), "within_budget": ok}
                )  # fmt: skip
            csrf = CSRF.search(clients["admin"].get("/console/integrity").text)
            assert csrf
            started = time.perf_counter()
            chain = clients["admin"].post("/console/integrity", data={"csrf": csrf.group(1)})
            chain_s = time.perf_counter() - started
            assert "Intact" in chain.text, chain.text[:500]
        finally:
            service.stop()
    print_table(
        f"Console pages, {args.records} audit records in SQLite, {args.repeat} loads each "
        f"(fill took {filled['seconds']:.0f} s)",
        ["page (viewer)", "server p50 ms", "server p99 ms", "client p50 ms", "first load ms",
         f"p50 ≤ {BUDGET_MS:.0f} ms"],
        rows,
    )  # fmt: skip
    print(
        f"\nchain verification of {args.records} records (POST /console/integrity): {chain_s:.2f} s"
    )
    worst = max(result["server"]["p50_ms"] for result in results)
    write_result(
        "console",
        {
            "records": args.records,
            "worst_page_server_p50_ms": worst,
            "budget_ms": BUDGET_MS,
            "all_within_budget": all(result["within_budget"] for result in results),
            "chain_verification_s": round(chain_s, 2),
        },
        {"repeat": args.repeat, "fill_s": round(filled["seconds"], 1), "pages": results},
    )


if __name__ == "__main__":
    main()
