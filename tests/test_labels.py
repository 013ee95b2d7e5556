"""Labels on every generated response, through the real server: GB 45438 implicit fields in the
body and headers, explicit labels per tenant, watermark and fingerprint records."""

from __future__ import annotations

import json

import pytest

from aigc_gateway.labeling.implicit import FIELDS

from .conftest import RunningGateway, launch_gateway, run_cli
from .mock_upstream import MockUpstream

LOCAL = "smollm2-135m-instruct"

PATIENT_S = 300
"""The local model is slow on a busy 2-core machine."""


@pytest.fixture(scope="module")
def labelled(
    tmp_path_factory: pytest.TempPathFactory, mock_upstream: MockUpstream
) -> RunningGateway:
    config = {
        "server": {"key_cache_s": 0.2},
        "upstreams": {"mock": {"base_url": mock_upstream.url, "max_retries": 0}},
        "models": {"echo": {"backends": ["mock/echo"]}, "tool": {"backends": ["mock/tool"]}},
        "labels": {"producer": "Example AI Ltd", "propagator": "Example Portal"},
        "tenants": {"visible": {"labels": {"explicit": {"placement": "both"}}}},
    }
    running = launch_gateway(tmp_path_factory.mktemp("labels"), config)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def visible_key(labelled: RunningGateway) -> str:
    result = run_cli("keys", "create", "--tenant", "visible", data_dir=labelled.data_dir)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def chat(gateway: RunningGateway, key: str | None = None, **body: object) -> tuple[dict, dict]:
    payload = {"model": LOCAL, "max_tokens": 24, "temperature": 0, **body}
    payload.setdefault("messages", [{"role": "user", "content": "Say hello to the team."}])
    with gateway.http(key, timeout=PATIENT_S) as http:
        response = http.post("/v1/chat/completions", json=payload)
    assert response.status_code == 200, response.text
    return response.json(), dict(response.headers)


def test_every_local_response_carries_gb45438_fields_in_body_and_headers(
    labelled: RunningGateway,
) -> None:
    body, headers = chat(labelled)
    aigc = body["aigc"]
    assert all(aigc[name] for name in FIELDS)
    assert aigc["Label"] == "1"
    assert aigc["ContentProducer"] == "Example AI Ltd"
    assert aigc["ContentPropagator"] == "Example Portal"
    assert aigc["PropagateID"] == body["id"]
    assert aigc["ReservedCode1"].startswith("hmac-sha256:")
    assert headers["x-aigc-produce-id"] == aigc["ProduceID"]
    assert json.loads(headers["x-aigc-label"]) == {name: aigc[name] for name in FIELDS}
    assert json.loads(headers["x-aigc-explicit-label"]) == "AI-generated"
    assert aigc["watermark"]["applied"] is True and aigc["watermark"]["key_id"].startswith("wk_")
    assert aigc["fingerprint"]["registered"] is True and aigc["fingerprint"]["fingerprints"] > 0
    assert aigc["fingerprint"]["content_kept"] is False
    # Default tenant: the explicit label is in the metadata only, not in the text.
    assert aigc["explicit_label"]["placement"] == "none"
    assert "AI-generated" not in body["choices"][0]["message"]["content"]
    again, _ = chat(labelled)
    assert again["aigc"]["ProduceID"] != aigc["ProduceID"]
    # The request's audit record carries the ProduceID and the watermark key.
    with labelled.http() as http:
        records = http.get("/admin/audit", params={"produce_id": aigc["ProduceID"]}).json()
    assert [record["request_id"] for record in records["data"]] == [body["id"]]
    assert records["data"][0]["watermark_key_id"] == aigc["watermark"]["key_id"]


def test_stream_has_produce_id_header_and_labels_in_final_chunk(labelled: RunningGateway) -> None:
    payload = {
        "model": LOCAL,
        "max_tokens": 16,
        "stream": True,
        "messages": [{"role": "user", "content": "Count to five."}],
    }
    with (
        labelled.http(timeout=PATIENT_S) as http,
        http.stream("POST", "/v1/chat/completions", json=payload) as r,
    ):
        header_id = r.headers["x-aigc-produce-id"]
        events = [json.loads(line[6:]) for line in r.iter_lines() if line.startswith("data: {")]
    final = [event for event in events if "aigc" in event]
    assert len(final) == 1 and events[-1] is final[0]
    assert final[0]["aigc"]["ProduceID"] == header_id
    assert final[0]["aigc"]["watermark"]["applied"] is True


@pytest.mark.parametrize(
    ("question", "label"),
    [("Say hello to the team.", "AI-generated"), ("请向团队问好。", "本内容由人工智能生成")],
)
def test_tenant_with_visible_labels_gets_them_in_its_language(
    labelled: RunningGateway, visible_key: str, question: str, label: str
) -> None:
    body, headers = chat(labelled, visible_key, messages=[{"role": "user", "content": question}])
    text = body["choices"][0]["message"]["content"]
    assert text.startswith(label + "\n\n") and text.endswith("\n\n" + label)
    assert body["aigc"]["explicit_label"] == {
        "text": label,
        "language": "zh" if label != "AI-generated" else "en",
        "placement": "both",
    }
    assert json.loads(headers["x-aigc-explicit-label"]) == label


def test_visible_label_is_streamed_around_the_text(
    labelled: RunningGateway, visible_key: str
) -> None:
    stream = labelled.client(visible_key).chat.completions.create(
        model=LOCAL,
        max_tokens=12,
        stream=True,
        messages=[{"role": "user", "content": "Name a colour."}],
    )
    pieces = [chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices]
    text = "".join(pieces)
    assert pieces[1] == "AI-generated\n\n"  # pieces[0] is the opening role chunk
    assert text.endswith("\n\nAI-generated")


def test_json_mode_output_never_gets_a_visible_label(
    labelled: RunningGateway, visible_key: str
) -> None:
    body, headers = chat(
        labelled,
        visible_key,
        max_tokens=40,
        response_format={"type": "json_object"},
        messages=[{"role": "user", "content": "Give a JSON object with a name."}],
    )
    text = body["choices"][0]["message"]["content"]
    assert "AI-generated" not in text
    assert body["aigc"]["explicit_label"]["placement"] == "none"
    assert headers["x-aigc-produce-id"] == body["aigc"]["ProduceID"]


def test_upstream_output_is_labelled_and_fingerprinted_without_watermark(
    labelled: RunningGateway, visible_key: str
) -> None:
    body, headers = chat(labelled, visible_key, model="echo")
    aigc = body["aigc"]
    assert headers["x-aigc-produce-id"] == aigc["ProduceID"]
    assert aigc["watermark"] == {"applied": False, "reason": "generated by an upstream model"}
    assert aigc["fingerprint"]["registered"] is True
    assert body["choices"][0]["message"]["content"].startswith("AI-generated\n\necho: ")


def test_tool_call_output_gets_no_visible_label(labelled: RunningGateway, visible_key: str) -> None:
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}]
    body, _ = chat(labelled, visible_key, model="tool", tools=tools)
    message = body["choices"][0]["message"]
    assert message["tool_calls"][0]["function"]["name"] == "get_weather"
    assert not message.get("content")
    assert body["aigc"]["explicit_label"]["placement"] == "none"
    assert body["aigc"]["ProduceID"]


def test_bad_label_config_is_reported(tmp_path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("labels:\n  explicit:\n    placement: middle\n")
    result = run_cli("config", "check", "--config", str(config), data_dir=tmp_path)
    assert result.returncode == 2
    assert "labels.explicit.placement" in result.stderr
