"""The web console in a real browser (Debian's Chromium driven by Playwright) against the real
gateway: sign-in, tenant isolation in every view, the playground's stream with guards and
labels, verify, keys, CSRF, evaluations and chain verification.

``CONSOLE_SCREENSHOTS=docs/console`` makes the tests save a screenshot of every page at
1280×800 and 390×844 there (docs/console.md shows them).
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from .conftest import RunningGateway, fix_watermark_key, launch_gateway, run_cli

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORTS = {"laptop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
SHOTS = os.environ.get("CONSOLE_SCREENSHOTS")
CONFIG = {
    "server": {"key_cache_s": 0.2},
    # greedy, with the fixed watermark key: the playground's answer is the same on every run (a
    # sampled one sometimes ended after one sentence)
    "local_model": {"default_temperature": 0},
    "tenants": {
        "alpha": {"audit": {"keep_content": True}},
        "beta": {"labels": {"explicit": {"placement": "both"}}},
    },
}
PROMPT = (
    "My name is Alice Zhang and my email is alice.zhang@example.com. "
    "Write three sentences about how green tea is made."
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    root = tmp_path_factory.mktemp("console")
    fix_watermark_key(root / "data")
    running = launch_gateway(root, CONFIG, data_dir=root / "data")
    yield running
    running.stop()


def _new_key(server: RunningGateway, tenant: str) -> str:
    created = run_cli("keys", "create", "--tenant", tenant, data_dir=server.data_dir)
    assert created.returncode == 0, created.stderr
    return created.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def keys(server: RunningGateway) -> dict[str, str]:
    """Tenant keys, and one request of each tenant in the trail."""
    found = {"admin": server.admin_key or "", "alpha": _new_key(server, "alpha")}
    found["beta"] = _new_key(server, "beta")
    for tenant in ("alpha", "beta"):
        answer = server.client(found[tenant]).chat.completions.create(
            model="smollm2-135m-instruct",
            messages=[{"role": "user", "content": f"Say hello to the {tenant} team."}],
            max_tokens=8,
        )
        found[f"{tenant}_request"] = answer.id
    return found


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One browser for all these tests; closed after them, because Playwright's sync API keeps
    an event loop running while it is open (later tests run their own)."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    made = browser.new_context(viewport=VIEWPORTS["laptop"])
    made.set_default_timeout(30_000)
    yield made
    made.close()


def sign_in(page: Page, server: RunningGateway, key: str) -> None:
    page.goto(server.url + "/console/sign-in")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()


def shoot(page: Page, name: str) -> None:
    """Screenshots of the current page at both widths, when CONSOLE_SCREENSHOTS is set."""
    if not SHOTS:
        return
    folder = Path(SHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    for width_name, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        page.screenshot(path=str(folder / f"{name}-{width_name}.png"), full_page=True)
    page.set_viewport_size(VIEWPORTS["laptop"])


def cookies(context: BrowserContext) -> dict[str, str]:
    return {c["name"]: c["value"] for c in context.cookies()}


def test_sign_in_with_bad_and_good_key(server: RunningGateway, context: BrowserContext) -> None:
    page = context.new_page()
    page.goto(server.url + "/console/traffic")
    expect(page).to_have_url(re.compile(r"/console/sign-in$"))
    shoot(page, "sign-in")
    page.get_by_label("API key").fill("sk-aigc-not-a-real-key")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not valid")
    sign_in(page, server, server.admin_key or "")
    session = cookies(context)["aigc_console"]
    cookie = next(c for c in context.cookies() if c["name"] == "aigc_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    # Neither the session id nor the key shows up in a URL or the log (beyond the bootstrap
    # key's one-time print at the first start).
    assert session not in page.url and session not in server.log()
    assert server.log().count(server.admin_key or "") == 1
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/console/sign-in$"))
    # The old session id no longer opens anything.
    answer = httpx.get(
        server.url + "/console/overview", cookies={"aigc_console": session}, follow_redirects=False
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/console/sign-in"


def test_tenant_sees_only_its_own_tenant(
    server: RunningGateway, context: BrowserContext, keys: dict[str, str]
) -> None:
    page = context.new_page()
    sign_in(page, server, keys["alpha"])
    overview = page.locator("main").inner_text()
    assert "alpha" in overview and "beta" not in overview
    page.goto(server.url + "/console/traffic")
    table = page.locator("table.records").inner_text()
    assert keys["alpha_request"][:22] in table and keys["beta_request"][:22] not in table
    nav = page.get_by_role("navigation", name="Console").inner_text()
    assert "Keys" not in nav and "Audit integrity" not in nav
    page.get_by_role("link", name=keys["alpha_request"][:22]).click()
    expect(page.get_by_role("heading", name="Place in the hash chain")).to_be_visible()
    for path, status in (
        (f"/console/traffic/{keys['beta_request']}", 404),
        ("/console/traffic?tenant=beta", 403),
        ("/console/overview?tenant=beta", 403),
        ("/console/policy?tenant=beta", 403),
        ("/console/keys", 403),
        ("/console/evaluations", 403),
        ("/console/evaluations/eval_0", 403),
        ("/console/integrity", 403),
        (f"/console/api/requests/{keys['beta_request']}", 404),
    ):
        response = page.goto(server.url + path)
        assert response is not None and response.status == status, path
        assert "beta" not in page.locator("body").inner_text().replace("tenant=beta", ""), path
    page.goto(server.url + "/console/policy")
    expect(page.get_by_role("heading", name="Policy of tenant alpha")).to_be_visible()


def test_playground_streams_guards_labels_and_verify_finds_it(
    server: RunningGateway, context: BrowserContext, keys: dict[str, str]
) -> None:
    page = context.new_page()
    sign_in(page, server, keys["alpha"])
    page.goto(server.url + "/console/playground")
    page.get_by_label("Max tokens").fill("80")
    page.get_by_label("Message").fill(PROMPT)
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#p-answer[data-done=true]")).to_be_attached(timeout=240_000)
    answer = page.locator("#p-answer").inner_text().strip()
    assert len(answer) >= 100, answer
    # The answer arrived as a stream: several content deltas, shown as they came.
    assert int(page.locator("#p-answer").get_attribute("data-deltas") or 0) > 1
    marked = page.locator("#p-input mark.pii")
    expect(marked.filter(has_text="alice.zhang@example.com")).to_have_count(1)
    expect(page.locator("#p-seen")).to_contain_text("[EMAIL_1]")
    assert "alice.zhang@example.com" not in page.locator("#p-seen").inner_text()
    labels = page.locator("#p-labels")
    expect(labels).to_contain_text("ProduceID")
    expect(labels).to_contain_text("Watermark")
    # From the audit record: alpha's placement is none, so the label was not written.
    expect(labels).to_contain_text("in the metadata only, not written into the answer")
    produce_id = labels.get_attribute("data-produce-id")
    assert produce_id and produce_id.startswith("aigc-")
    expect(page.locator("#p-route")).to_contain_text("local")
    shoot(page, "playground")

    page.goto(server.url + "/console/verify")
    page.get_by_label("Text").fill(answer)
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Verdict: generated here")).to_be_visible()
    assert produce_id in page.locator("main").inner_text()
    shoot(page, "verify")

    # An edited excerpt: the middle two thirds, one word replaced, whitespace changed.
    words = answer.split()
    excerpt_words = words[len(words) // 6 : len(words) * 5 // 6]
    excerpt_words[len(excerpt_words) // 2] = "EDITED"
    excerpt = "  ".join(excerpt_words)
    page.get_by_label("Text").fill(excerpt)
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Verdict: generated here")).to_be_visible()
    expect(page.locator("pre.suspect mark").first).to_be_visible()
    page.get_by_role("link", name=re.compile(r"^chatcmpl-")).first.click()
    expect(page.get_by_role("heading", name="Labels")).to_be_visible()
    detail = page.locator("main").inner_text()
    assert produce_id in detail and "EMAIL" in detail
    # alpha keeps content: redacted, so the address itself is not in the trail.
    assert "[EMAIL]" in detail and "alice.zhang@example.com" not in detail
    # Where the guards found it: the field and offsets of the address in the prompt.
    start = PROMPT.index("alice.zhang@example.com")
    row = page.locator("table.spans tr", has_text="EMAIL")
    expect(row).to_contain_text("messages[0].content")
    expect(row).to_contain_text(f"{start}–{start + len('alice.zhang@example.com')}")
    expect(row).to_contain_text("pseudonymize")
    # alpha's answers carry no visible label (placement none), and the record says so.
    expect(page.locator("#explicit-label")).to_contain_text("not applied")
    shoot(page, "request-detail")

    # Guard-only mode: the same scan as POST /v1/guard, nothing generated.
    page.goto(server.url + "/console/playground")
    page.get_by_label("Mode", exact=True).select_option("guard")
    page.get_by_label("Message").fill("Call me on +1 415 555 0100 tomorrow.")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#p-route")).to_contain_text("Guard only")
    expect(page.locator("#p-input mark.pii")).to_contain_text("415")


def test_verify_hides_other_tenants_requests(
    server: RunningGateway, context: BrowserContext, keys: dict[str, str]
) -> None:
    """beta may learn that alpha's text was generated here, but not alpha's request."""
    text = server.client(keys["alpha"]).chat.completions.create(
        model="smollm2-135m-instruct",
        messages=[{"role": "user", "content": "Describe a sunny day at the beach in detail."}],
        max_tokens=48,
    )
    answer = text.choices[0].message.content or ""
    assert len(answer) >= 60, answer
    page = context.new_page()
    sign_in(page, server, keys["beta"])
    page.goto(server.url + "/console/verify")
    page.get_by_label("Text").fill(answer)
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Verdict: generated here")).to_be_visible()
    main = page.locator("main").inner_text()
    assert "not visible to this key" in main and text.id not in main
    # beta's own answer had the visible label written at both ends, and its record says so.
    page.goto(server.url + f"/console/traffic/{keys['beta_request']}")
    expect(page.locator("#explicit-label")).to_contain_text("applied")
    expect(page.locator("#explicit-label")).to_contain_text("at the start and end")


def test_keys_created_and_revoked_in_the_console_work_on_the_api(
    server: RunningGateway, context: BrowserContext
) -> None:
    page = context.new_page()
    sign_in(page, server, server.admin_key or "")
    page.goto(server.url + "/console/keys")
    shoot(page, "keys")
    page.get_by_role("button", name="Create key").click()
    expect(page.get_by_role("alert")).to_contain_text("Tenant")  # empty tenant: a clear error
    page.get_by_label("Tenant", exact=True).fill("gamma")
    page.get_by_role("button", name="Create key").click()
    secret = page.locator("#new-key").inner_text().strip()
    assert secret.startswith("sk-aigc-")
    assert secret not in server.log()
    with server.http(secret) as client:
        assert client.get("/v1/models").status_code == 200
    key_id = page.locator(".created .muted").inner_text().removeprefix("Key id ").strip()
    page.goto(server.url + "/console/keys")
    assert secret not in page.content()  # shown once
    row = page.locator("tr", has_text=key_id)
    expect(row).to_contain_text("req/min")
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("status")).to_contain_text(f"Revoked {key_id}")
    with server.http(secret) as client:
        assert client.get("/v1/models").status_code == 401


def test_state_changing_posts_without_csrf_are_refused(
    server: RunningGateway, context: BrowserContext
) -> None:
    page = context.new_page()
    sign_in(page, server, server.admin_key or "")
    jar = cookies(context)
    before = run_cli("keys", "list", data_dir=server.data_dir).stdout
    with httpx.Client(base_url=server.url, cookies=jar, follow_redirects=False) as client:
        for path, data in (
            ("/console/keys", {"tenant": "mallory"}),
            ("/console/keys", {"tenant": "mallory", "csrf": "forged"}),
            ("/console/integrity", {}),
            ("/console/sign-out", {}),
            ("/console/evaluations", {"model": "smollm2-135m-instruct", "suites": "injection"}),
        ):
            answer = client.post(path, data=data)
            assert answer.status_code == 403, path
            assert "CSRF" in answer.text
        chat = client.post("/console/api/chat", json={"model": "x", "messages": []})
        assert chat.status_code == 403
        verify = client.post("/console/verify", files={"text": (None, "hello")})
        assert verify.status_code == 403
        # Sign-in without the form's double-submit token.
        login = httpx.post(server.url + "/console/sign-in", data={"api_key": server.admin_key})
        assert login.status_code == 403
        assert client.get("/console/overview").status_code == 200  # the session survived
    assert "mallory" not in run_cli("keys", "list", data_dir=server.data_dir).stdout
    assert before.count("key_") == run_cli("keys", "list", data_dir=server.data_dir).stdout.count(
        "key_"
    )


def test_admin_pages_evaluation_and_integrity(
    server: RunningGateway, context: BrowserContext, keys: dict[str, str]
) -> None:
    page = context.new_page()
    sign_in(page, server, server.admin_key or "")
    main = page.locator("main").inner_text()
    assert "alpha" in main and "beta" in main  # admin sees every tenant
    shoot(page, "overview")
    page.goto(server.url + "/console/traffic?tenant=beta")
    table = page.locator("table.records").inner_text()
    assert keys["beta_request"][:22] in table and keys["alpha_request"][:22] not in table
    page.goto(server.url + "/console/traffic")
    shoot(page, "traffic")
    page.goto(server.url + "/console/traffic?since=yesterday-ish")
    expect(page.locator("#e-since")).to_be_visible()
    page.goto(server.url + "/console/policy?tenant=alpha")
    expect(page.locator("main")).to_contain_text("pseudonymize")
    expect(page.locator("main")).to_contain_text("config-")  # the source file is named
    shoot(page, "policy")

    page.goto(server.url + "/console/evaluations")
    for box in page.get_by_role("checkbox").all():
        box.uncheck()
    page.get_by_role("button", name="Start evaluation").click()
    expect(page.get_by_role("alert")).to_contain_text("at least one suite")
    page.get_by_label("Cases per suite").fill("1")
    page.get_by_role("checkbox", name="injection").check()
    page.get_by_role("checkbox", name=re.compile("^guarded")).check()
    page.get_by_role("button", name="Start evaluation").click()
    expect(page.get_by_role("heading", name=re.compile("^Evaluation eval_"))).to_be_visible()
    expect(page.get_by_role("link", name="Open the report")).to_be_visible(timeout=180_000)
    shoot(page, "evaluation")
    page.get_by_role("link", name="Open the fact sheet").click()
    assert "smollm2" in page.content().lower()
    page.go_back()
    page.get_by_role("link", name="Open the report").click()
    assert page.locator("body").inner_text().strip()
    page.goto(server.url + "/console/evaluations")
    shoot(page, "evaluations")

    page.goto(server.url + "/console/integrity")
    page.get_by_role("button", name="Verify the chain now").click()
    expect(page.get_by_role("heading", name="Intact")).to_be_visible()
    shoot(page, "integrity")


def test_keyboard_and_phone_width(server: RunningGateway, browser: Browser) -> None:
    made = browser.new_context(viewport=VIEWPORTS["phone"])
    page = made.new_page()
    try:
        page.goto(server.url + "/console/sign-in")
        # The key field has the focus; sign in with the keyboard alone.
        expect(page.locator("#api_key")).to_be_focused()
        page.keyboard.type(server.admin_key or "")
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="Overview")).to_be_visible()
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Skip to content"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "range"
        page.keyboard.press("ArrowDown")  # a select changes with the arrow keys
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")  # the Show button
        expect(page).to_have_url(re.compile(r"range="))
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= VIEWPORTS["phone"]["width"], width
    finally:
        made.close()


def verify_image_as(page: Page, server: RunningGateway, key: str, image: Path) -> str:
    """Sign in with ``key`` and verify ``image`` on the Verify page; the page's main text."""
    sign_in(page, server, key)
    page.goto(server.url + "/console/verify")
    page.get_by_label("…or an image file").set_input_files(str(image))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Verdict: generated here")).to_be_visible()
    return page.locator("main").inner_text()


def test_verify_an_image_labelled_here(
    server: RunningGateway, context: BrowserContext, keys: dict[str, str], tmp_path: Path
) -> None:
    """An image labelled by alpha, uploaded on the Verify page: XMP label and watermark bits."""
    rng = np.random.default_rng(5)
    buffer = io.BytesIO()
    pixels = np.clip(rng.normal(128, 40, (300, 400, 3)), 0, 255).astype(np.uint8)
    Image.fromarray(pixels).save(buffer, "PNG")
    with server.http(keys["alpha"]) as http:
        labelled = http.post("/v1/images/label", files={"file": ("photo.png", buffer.getvalue())})
    assert labelled.status_code == 200, labelled.text
    produce_id = labelled.headers["x-aigc-produce-id"]
    image = tmp_path / "labelled.png"
    image.write_bytes(labelled.content)
    page = context.new_page()
    main = verify_image_as(page, server, keys["alpha"], image)
    assert "XMP metadata" in main and produce_id in main
    expect(page.get_by_role("heading", name="Image watermark")).to_be_visible()
    assert "Matching bits" in main
    shoot(page, "verify-image")
    # The upload was recorded like a generation: the verdict links to its request.
    page.get_by_role("link", name=labelled.headers["x-request-id"]).click()
    expect(page.get_by_role("heading", name="Place in the hash chain")).to_be_visible()
    detail = page.locator("main").inner_text()
    assert "label" in detail and "uploaded image" in detail and produce_id in detail
    assert "xmp: applied" in detail and "watermark:" in detail
    # beta learns the image was labelled here but gets no link to alpha's request (its id is
    # in the image's own XMP label, PropagateID, which travels with the file).
    page.context.clear_cookies()
    main = verify_image_as(page, server, keys["beta"], image)
    assert "not visible to this key" in main
    expect(page.get_by_role("link", name=labelled.headers["x-request-id"])).to_have_count(0)
