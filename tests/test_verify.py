"""Verification through the real server and the CLI: texts traced by watermark and registry,
images by C2PA, XMP and invisible watermark, images generated through an upstream."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from .conftest import RunningGateway, fix_watermark_key, launch_gateway, run_cli
from .mock_upstream import MockUpstream

LOCAL = "smollm2-135m-instruct"

PATIENT_S = 300
"""The local model is slow on a busy 2-core machine."""
VERIFY_STDIN = [sys.executable, "-m", "aigc_gateway.cli", "verify", "-", "--json"]
HUMAN_TEXT = (
    "Yesterday the council met in the old library to argue about the bus timetable, and after "
    "two hours of debate they agreed to keep the late service on Fridays only."
)


@pytest.fixture(scope="module")
def verifying(
    tmp_path_factory: pytest.TempPathFactory, mock_upstream: MockUpstream
) -> RunningGateway:
    root = tmp_path_factory.mktemp("verify")
    data_dir = root / "data"
    fix_watermark_key(data_dir)
    setup = run_cli("labels", "setup-signing", "--organisation", "Test Org", data_dir=data_dir)
    assert setup.returncode == 0, setup.stderr
    assert "CN=Test Org content credentials" in setup.stdout
    config = {
        "server": {"key_cache_s": 0.2},
        "upstreams": {"mock": {"base_url": mock_upstream.url, "max_retries": 0}},
        "models": {
            "echo": {"backends": ["mock/echo"]},
            "painter": {"backends": ["mock/painter-1"]},
        },
    }
    running = launch_gateway(root, config, data_dir=data_dir)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def local_answer(verifying: RunningGateway) -> dict:
    with verifying.http(timeout=PATIENT_S) as http:
        response = http.post(
            "/v1/chat/completions",
            json={
                "model": LOCAL,
                "max_tokens": 100,
                "temperature": 0,
                "messages": [{"role": "user", "content": "Explain how bees make honey."}],
            },
        )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert len(answer["choices"][0]["message"]["content"]) >= 150, answer
    return answer


def verify_text(gateway: RunningGateway, text: str) -> dict:
    with gateway.http(timeout=PATIENT_S) as http:
        response = http.post("/v1/verify", json={"text": text})
    assert response.status_code == 200, response.text
    return response.json()


def verify_image(gateway: RunningGateway, data: bytes, name: str = "image.png") -> dict:
    with gateway.http(timeout=PATIENT_S) as http:
        response = http.post("/v1/verify", files={"file": (name, data)})
    assert response.status_code == 200, response.text
    return response.json()


def test_local_answer_is_verified_by_watermark_and_registry(
    verifying: RunningGateway, local_answer: dict
) -> None:
    text = local_answer["choices"][0]["message"]["content"]
    result = verify_text(verifying, text)
    assert result["verdict"] == "generated_here"
    watermark = result["evidence"]["watermark"]
    assert watermark["detected"] and watermark["z_score"] >= 4
    assert watermark["key_id"] == local_answer["aigc"]["watermark"]["key_id"]
    match = result["evidence"]["registry"]["matches"][0]
    assert match["request_id"] == local_answer["id"]
    assert match["produce_id"] == local_answer["aigc"]["ProduceID"]
    assert match["overlap_of_suspect"] > 0.9


def test_edited_excerpt_pasted_into_other_text_traces_back(
    verifying: RunningGateway, local_answer: dict
) -> None:
    text = local_answer["choices"][0]["message"]["content"]
    excerpt = text[20:100].replace(" the ", " a ", 1).upper()
    result = verify_text(verifying, f"{HUMAN_TEXT} As someone wrote: {excerpt} {HUMAN_TEXT}")
    assert result["verdict"] == "generated_here"
    ids = [match["request_id"] for match in result["evidence"]["registry"]["matches"]]
    assert ids == [local_answer["id"]]


def test_upstream_text_is_traced_by_registry_only(verifying: RunningGateway) -> None:
    sentence = "The committee approved a new plan for cycling lanes along the river in spring."
    with verifying.http(timeout=PATIENT_S) as http:
        body = http.post(
            "/v1/chat/completions",
            json={"model": "echo", "messages": [{"role": "user", "content": sentence}]},
        ).json()
    result = verify_text(verifying, "Quoting: " + sentence[10:70])
    assert result["verdict"] == "generated_here"
    assert [m["request_id"] for m in result["evidence"]["registry"]["matches"]] == [body["id"]]
    assert not result["evidence"]["watermark"]["detected"]
    # Another tenant's key learns that it was generated here, not by which request.
    created = run_cli("keys", "create", "--tenant", "outsider", data_dir=verifying.data_dir)
    outsider = created.stdout.strip().splitlines()[-1]
    with verifying.http(outsider, timeout=PATIENT_S) as http:
        seen = http.post("/v1/verify", json={"text": "Quoting: " + sentence[10:70]}).json()
    assert seen["verdict"] == "generated_here"
    match = seen["evidence"]["registry"]["matches"][0]
    assert match["request_id"] is None and match["tenant"] == "(another tenant)"
    assert match["produce_id"] == body["aigc"]["ProduceID"]


def test_human_text_is_not_generated_here_and_short_text_is_unknown(
    verifying: RunningGateway,
) -> None:
    human = verify_text(verifying, HUMAN_TEXT * 2)
    assert human["verdict"] == "not_generated_here"
    assert human["evidence"]["registry"]["matches"] == []
    assert verify_text(verifying, "Thanks!")["verdict"] == "unknown"


def test_cli_verify_file_and_stdin(verifying: RunningGateway, local_answer: dict, tmp_path: Path):
    text = local_answer["choices"][0]["message"]["content"]
    suspect = tmp_path / "suspect.txt"
    suspect.write_text(text)
    result = run_cli("verify", str(suspect), data_dir=verifying.data_dir)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "verdict: generated_here"
    assert any(local_answer["id"] in line for line in lines)
    piped = subprocess.run(
        [*VERIFY_STDIN, "--data-dir", str(verifying.data_dir)],
        input=HUMAN_TEXT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert piped.returncode == 0, piped.stderr
    assert json.loads(piped.stdout)["verdict"] == "not_generated_here"
    missing = run_cli("verify", str(tmp_path / "nope.txt"), data_dir=verifying.data_dir)
    assert missing.returncode == 1
    assert (
        missing.stderr.strip().startswith("aigc-gateway: error:")
        and "cannot read" in missing.stderr
    )


def test_images_generated_upstream_carry_all_marks(verifying: RunningGateway) -> None:
    with verifying.http(timeout=PATIENT_S) as http:
        response = http.post(
            "/v1/images/generations",
            json={"model": "painter", "prompt": "a lighthouse at dusk", "n": 2},
        )
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert len(data) == 2
    ids = [item["aigc"]["ProduceID"] for item in data]
    assert response.headers["x-aigc-produce-id"] == ",".join(ids)
    first = base64.b64decode(data[0]["b64_json"])
    assert first.startswith(b"\x89PNG")
    assert data[0]["aigc"]["c2pa"]["signed"] and data[0]["aigc"]["watermark"]["applied"]

    result = verify_image(verifying, first)
    assert result["verdict"] == "generated_here"
    evidence = result["evidence"]
    assert evidence["c2pa"]["validation_state"] == "Trusted"
    assert evidence["c2pa"]["label"]["issued_here"]
    assert evidence["c2pa"]["label"]["fields"]["ProduceID"] == ids[0]
    assert evidence["xmp"]["issued_here"] and evidence["xmp"]["fields"]["ProduceID"] == ids[0]
    assert evidence["watermark"]["detected"] and evidence["watermark"]["produce_id"] == ids[0]

    # Copies re-encoded as JPEG 75, or halved: metadata is gone, the watermark names the request.
    image = Image.open(io.BytesIO(first)).convert("RGB")
    jpeg, half = io.BytesIO(), io.BytesIO()
    image.save(jpeg, "JPEG", quality=75)
    image.resize((image.width // 2, image.height // 2)).save(half, "PNG")
    for name, copy in (("copy.jpg", jpeg.getvalue()), ("half.png", half.getvalue())):
        copied = verify_image(verifying, copy, name)
        assert copied["verdict"] == "generated_here", name
        assert not copied["evidence"]["c2pa"]["found"] and not copied["evidence"]["xmp"]["found"]
        assert copied["evidence"]["watermark"]["produce_id"] == ids[0]


def test_label_any_image_and_reject_bad_input(verifying: RunningGateway, tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    buffer = io.BytesIO()
    pixels = np.clip(rng.normal(128, 40, (300, 400, 3)), 0, 255).astype(np.uint8)
    Image.fromarray(pixels).save(buffer, "JPEG", quality=90)
    plain = buffer.getvalue()
    assert verify_image(verifying, plain, "plain.jpg")["verdict"] == "not_generated_here"
    with verifying.http(timeout=PATIENT_S) as http:
        labelled = http.post("/v1/images/label", files={"file": ("photo.jpg", plain)})
        assert labelled.status_code == 200, labelled.text
        assert labelled.headers["content-type"] == "image/jpeg"
        produce_id = labelled.headers["x-aigc-produce-id"]
        not_image = http.post("/v1/images/label", files={"file": ("a.txt", b"not an image")})
        url_format = http.post(
            "/v1/images/generations",
            json={"model": "painter", "prompt": "x", "response_format": "url"},
        )
        empty = http.post("/v1/verify", json={"text": ""})
        no_field = http.post("/v1/verify", files={"other": ("a", b"b")})
    result = verify_image(verifying, labelled.content, "labelled.jpg")
    assert result["verdict"] == "generated_here"
    assert result["evidence"]["xmp"]["fields"]["ProduceID"] == produce_id
    assert result["evidence"]["c2pa"]["trusted"]
    (tmp_path / "labelled.jpg").write_bytes(labelled.content)
    cli = run_cli("verify", str(tmp_path / "labelled.jpg"), data_dir=verifying.data_dir)
    assert cli.returncode == 0 and cli.stdout.startswith("verdict: generated_here"), cli.stderr
    assert "c2pa: Trusted" in cli.stdout
    for response in (not_image, url_format, empty, no_field):
        assert response.status_code == 400, response.text
        assert response.json()["error"]["type"] == "invalid_request_error"
