#include "serve/web_page.h"

namespace minke::serve {

// Kept as plain HTML so it can be edited and viewed as is; the page reads
// the SSE stream with fetch() (EventSource cannot POST) and parses the
// "data:" lines itself, skipping comments (": keep-alive").
const char* const kWebPageHtml = R"HTML(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>minke chat</title>
<style>
  :root { --bg: #f6f7f9; --fg: #1d232b; --muted: #6b7480; --accent: #2f6fde; --card: #fff; --border: #d9dee5; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 15px/1.5 system-ui, sans-serif; background: var(--bg); color: var(--fg);
         display: flex; flex-direction: column; height: 100vh; }
  header { padding: 8px 16px; border-bottom: 1px solid var(--border); background: var(--card);
           display: flex; flex-wrap: wrap; gap: 12px; align-items: center; }
  header h1 { font-size: 17px; margin: 0 12px 0 0; }
  header label { font-size: 13px; color: var(--muted); display: flex; gap: 4px; align-items: center; }
  header input { width: 72px; padding: 2px 4px; }
  header input#apikey { width: 140px; }
  #log { flex: 1; overflow-y: auto; padding: 16px; display: flex; flex-direction: column; gap: 12px; }
  .msg { max-width: 820px; padding: 10px 14px; border-radius: 10px; background: var(--card);
         border: 1px solid var(--border); white-space: pre-wrap; word-wrap: break-word; }
  .user { align-self: flex-end; background: #e4edfc; }
  .assistant { align-self: flex-start; }
  .error { color: #b00020; }
  details.reasoning { color: var(--muted); font-size: 14px; margin-bottom: 6px; }
  details.reasoning summary { cursor: pointer; }
  .meta { font-size: 12px; color: var(--muted); margin-top: 4px; }
  form { display: flex; gap: 8px; padding: 12px 16px; border-top: 1px solid var(--border); background: var(--card); }
  textarea { flex: 1; resize: vertical; min-height: 44px; padding: 8px; font: inherit; }
  button { padding: 0 18px; font: inherit; border-radius: 6px; border: 1px solid var(--accent); cursor: pointer; }
  #send { background: var(--accent); color: #fff; }
  #stop { background: #fff; color: var(--accent); }
  button:disabled { opacity: .4; cursor: default; }
</style>
</head>
<body>
<header>
  <h1>minke</h1>
  <label>temperature <input id="temperature" type="number" min="0" max="2" step="0.1" value="0.7"></label>
  <label>top_p <input id="top_p" type="number" min="0" max="1" step="0.05" value="1"></label>
  <label>max tokens <input id="max_tokens" type="number" min="1" step="1" value="256"></label>
  <label>system <input id="system" type="text" placeholder="(none)" style="width:160px"></label>
  <label>API key <input id="apikey" type="password" placeholder="(none)"></label>
  <button id="clear" type="button">New chat</button>
</header>
<div id="log"></div>
<form id="form">
  <textarea id="input" placeholder="Message (Enter to send, Shift+Enter for a new line)"></textarea>
  <button id="send" type="submit">Send</button>
  <button id="stop" type="button" disabled>Stop</button>
</form>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
const log = $("log");
let history = [];
let controller = null;

function bubble(role) {
  const div = document.createElement("div");
  div.className = "msg " + role;
  log.appendChild(div);
  return div;
}

function assistantBubble() {
  const div = bubble("assistant");
  const details = document.createElement("details");
  details.className = "reasoning";
  details.open = true;
  details.hidden = true;
  const summary = document.createElement("summary");
  summary.textContent = "Reasoning";
  const reasoning = document.createElement("div");
  details.append(summary, reasoning);
  const content = document.createElement("div");
  content.className = "content";
  const meta = document.createElement("div");
  meta.className = "meta";
  div.append(details, content, meta);
  return { div, details, reasoning, content, meta };
}

function setBusy(busy) {
  $("send").disabled = busy;
  $("stop").disabled = !busy;
}

async function send(text) {
  history.push({ role: "user", content: text });
  bubble("user").textContent = text;
  const out = assistantBubble();
  const messages = [];
  const system = $("system").value.trim();
  if (system) messages.push({ role: "system", content: system });
  messages.push(...history);
  const body = {
    messages, stream: true, stream_options: { include_usage: true },
    temperature: parseFloat($("temperature").value), top_p: parseFloat($("top_p").value),
    max_tokens: parseInt($("max_tokens").value, 10),
  };
  const headers = { "Content-Type": "application/json" };
  if ($("apikey").value) headers["Authorization"] = "Bearer " + $("apikey").value;
  controller = new AbortController();
  setBusy(true);
  let answer = "";
  const t0 = performance.now();
  try {
    const res = await fetch("/v1/chat/completions", { method: "POST", headers, body: JSON.stringify(body),
                                                      signal: controller.signal });
    if (!res.ok) {
      const err = await res.json().catch(() => ({}));
      throw new Error((err.error && err.error.message) || res.statusText);
    }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buf.indexOf("\n\n")) >= 0) {
        const event = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        for (const line of event.split("\n")) {
          if (!line.startsWith("data: ")) continue;  // comments (": keep-alive") and blank lines
          const data = line.slice(6);
          if (data === "[DONE]") continue;
          const chunk = JSON.parse(data);
          if (chunk.error) throw new Error(chunk.error.message);
          if (chunk.usage) {
            const secs = (performance.now() - t0) / 1000;
            out.meta.textContent = chunk.usage.completion_tokens + " tokens in " + secs.toFixed(2) + " s";
          }
          for (const choice of chunk.choices || []) {
            const d = choice.delta || {};
            if (d.reasoning_content) {
              out.details.hidden = false;
              out.reasoning.textContent += d.reasoning_content;
            }
            if (d.content) {
              if (out.details.open && !out.details.hidden && !answer) out.details.open = false;
              answer += d.content;
              out.content.textContent = answer;
            }
            if (choice.finish_reason === "length") out.meta.textContent += " (stopped: length)";
          }
          log.scrollTop = log.scrollHeight;
        }
      }
    }
  } catch (e) {
    if (e.name === "AbortError") {
      out.meta.textContent = "(stopped)";
    } else {
      const p = document.createElement("div");
      p.className = "error";
      p.textContent = "Error: " + e.message;
      out.div.appendChild(p);
    }
  } finally {
    controller = null;
    setBusy(false);
    history.push({ role: "assistant", content: answer });
  }
}

$("form").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = $("input").value.trim();
  if (!text || controller) return;
  $("input").value = "";
  send(text);
});
$("input").addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey) {
    e.preventDefault();
    $("form").requestSubmit();
  }
});
$("stop").addEventListener("click", () => { if (controller) controller.abort(); });
$("clear").addEventListener("click", () => {
  if (controller) controller.abort();
  history = [];
  log.textContent = "";
});
</script>
</body>
</html>
)HTML";

}  // namespace minke::serve
