// AIGC Gateway console: small progressive enhancements; every page works without them except
// the playground, which streams.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form.confirm")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
  for (const button of document.querySelectorAll("button.copy")) {
    button.addEventListener("click", async () => {
      const text = document.getElementById(button.dataset.copy).textContent;
      try { await navigator.clipboard.writeText(text); button.textContent = "Copied"; }
      catch { button.textContent = "Select and copy"; }
    });
  }
  const drop = document.getElementById("drop");
  if (drop) {
    const input = drop.querySelector("input[type=file]");
    drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
    drop.addEventListener("dragleave", () => drop.classList.remove("over"));
    drop.addEventListener("drop", (e) => {
      e.preventDefault();
      drop.classList.remove("over");
      if (e.dataTransfer.files.length) input.files = e.dataTransfer.files;
    });
  }
  const run = document.getElementById("eval-run");
  if (run && run.dataset.status === "running") setTimeout(() => location.reload(), 3000);
  const playground = document.getElementById("playground");
  if (playground) setUpPlayground(playground);
});

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  for (const child of children) node.append(child);
  return node;
}

function highlighted(text, findings, cls) {
  // The text with each finding's span marked; spans never overlap (the guards resolve them).
  const out = el("pre", { class: "wrap" });
  let position = 0;
  for (const f of [...findings].sort((a, b) => a.start - b.start)) {
    if (f.start < position) continue;
    out.append(text.slice(position, f.start));
    out.append(el("mark", { class: cls, title: `${f.type} (${f.detector || "guard"})` },
      text.slice(f.start, f.end)));
    position = f.end;
  }
  out.append(text.slice(position));
  return out;
}

function definitionList(pairs) {
  const dl = el("dl");
  for (const [key, value] of pairs) {
    if (value === undefined || value === null || value === "") continue;
    dl.append(el("dt", {}, key), el("dd", {}, String(value)));
  }
  return dl;
}

function setUpPlayground(box) {
  const csrf = box.dataset.csrf;
  const form = document.getElementById("chat-form");
  const mode = document.getElementById("p-mode");
  const error = document.getElementById("p-error");
  const out = document.getElementById("p-out");
  const send = document.getElementById("p-send");
  const show = () => {
    const chat = mode.value === "chat";
    document.getElementById("model-field").hidden = !chat;
    document.getElementById("tokens-field").hidden = !chat;
  };
  mode.addEventListener("change", show);
  show();

  const post = (path, body) => fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json", "x-csrf-token": csrf },
    body: JSON.stringify(body),
    credentials: "same-origin",
  });
  const fail = (message) => { error.textContent = message; error.hidden = false; };
  const problem = async (response) => {
    try { return (await response.json()).error.message; }
    catch { return `The gateway answered ${response.status}.`; }
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    const text = document.getElementById("p-text").value;
    if (!text.trim()) { fail("Write a message first."); return; }
    send.disabled = true;
    try {
      const guard = await post("/console/api/guard", { text, direction: "input" });
      if (!guard.ok) { fail(await problem(guard)); return; }
      const scan = await guard.json();
      out.hidden = false;
      const input = document.getElementById("p-input");
      input.replaceChildren(
        definitionList([["Decision", scan.action], ["Findings",
          Object.entries(scan.counts).map(([k, n]) => `${k} × ${n}`).join(", ") || "none"]]),
        el("h3", {}, "Your message"), highlighted(text, scan.findings, "pii"),
        el("h3", {}, "What the model sees"), el("pre", { class: "wrap", id: "p-seen" }, scan.text),
      );
      const route = document.getElementById("p-route");
      const answer = document.getElementById("p-answer");
      const labels = document.getElementById("p-labels");
      answer.textContent = "";
      answer.dataset.deltas = "0";
      delete answer.dataset.done;
      if (mode.value === "guard") {
        route.textContent = "Guard only: nothing was generated.";
        labels.textContent = "Guard only: nothing to label.";
        return;
      }
      route.textContent = "Streaming…";
      labels.textContent = "Shown when the answer is complete.";
      const maxTokens = parseInt(document.getElementById("p-max").value, 10);
      const response = await post("/console/api/chat", {
        model: document.getElementById("p-model").value,
        messages: [{ role: "user", content: text }],
        stream: true,
        max_tokens: Number.isFinite(maxTokens) ? maxTokens : 64,
      });
      if (!response.ok) { route.textContent = ""; fail(await problem(response)); return; }
      const requestId = response.headers.get("x-request-id");
      let last = null;
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const line = buffer.slice(0, cut).trim();
          buffer = buffer.slice(cut + 2);
          if (!line.startsWith("data:")) continue;
          const data = line.slice(5).trim();
          if (data === "[DONE]") continue;
          const event = JSON.parse(data);
          if (event.error) { fail(event.error.message); continue; }
          const delta = event.choices && event.choices[0] && event.choices[0].delta;
          if (delta && delta.content) {
            answer.textContent += delta.content;
            answer.dataset.deltas = String(Number(answer.dataset.deltas || 0) + 1);
          }
          if (event.aigc) last = event;
        }
      }
      answer.dataset.done = "true";
      if (last) showLabels(labels, last);
      const summary = await fetch(`/console/api/requests/${encodeURIComponent(requestId)}`,
        { credentials: "same-origin" });
      if (summary.ok) {
        const r = await summary.json();
        route.replaceChildren(definitionList([
          ["Model", r.model], ["Backend", r.backend], ["Output guard", last && last.guard ?
            (last.guard.output ? last.guard.output.decision : last.guard.decision) : "allow"],
          ["Finish", r.finish_reason], ["Latency", `${Math.round(r.latency_ms)} ms`],
          ["Tokens", `${r.prompt_tokens} + ${r.completion_tokens}`],
          ["Energy", `${r.energy_wh.toExponential(2)} Wh`]]),
          el("a", { href: `/console/traffic/${encodeURIComponent(r.request_id)}` }, "Open the audit record"));
        if (last && r.explicit) showLabels(labels, last, r.explicit);
      }
    } catch (e) {
      fail(`Something went wrong: ${e.message}`);
    } finally {
      send.disabled = false;
    }
  });
}

function showLabels(box, last, recorded) {
  // recorded: the audit record's explicit label entry (whether it was written, and where).
  const aigc = last.aigc;
  const pairs = ["Label", "ContentProducer", "ProduceID", "ReservedCode1", "ContentPropagator",
    "PropagateID", "ReservedCode2"].map((k) => [k, aigc[k]]);
  const label = aigc.explicit_label;
  if (label) pairs.push(["Explicit label", !recorded ? label.text : recorded.applied ?
    `“${label.text}” written at the ${recorded.written.join(" and ")} of the answer` :
    `“${label.text}” in the metadata only, not written into the answer`]);
  if (aigc.watermark) pairs.push(["Watermark", aigc.watermark.applied ?
    `applied, key ${aigc.watermark.key_id}` : `not applied (${aigc.watermark.reason})`]);
  if (aigc.fingerprint) pairs.push(["Fingerprint", aigc.fingerprint.registered ?
    `${aigc.fingerprint.fingerprints} fingerprints registered` : aigc.fingerprint.reason]);
  box.classList.remove("muted");
  box.replaceChildren(definitionList(pairs));
  box.dataset.produceId = aigc.ProduceID || "";
}
