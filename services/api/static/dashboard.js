// item-sync dashboard: plain DOM, data from the API's JSON routes, live updates over SSE.
// Text from the API is only ever set with textContent, never parsed as HTML.
"use strict";

const TOKEN_KEY = "itemsync-token"; // sessionStorage: this tab only, gone when it closes
const REFRESH_MS = 5000; // streams and sources have no events of their own for every change
const JOBS_SHOWN = 20;

const jobs = new Map(); // job id -> the job's latest known fields
let selectedJob = null;

const $ = (id) => document.getElementById(id);

function token() {
  return sessionStorage.getItem(TOKEN_KEY) || "";
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("data-") || key.startsWith("aria-")) node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) node.append(child);
  return node;
}

function notify(message, good = false) {
  const box = $("notice");
  box.textContent = message;
  box.classList.toggle("good", good);
  box.hidden = false;
  clearTimeout(notify.timer);
  notify.timer = setTimeout(() => { box.hidden = true; }, 6000);
}

async function api(path, options = {}) {
  const headers = { Accept: "application/json" };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (options.write) {
    if (!token()) throw new Error("enter the API token first: writes need it");
    headers.Authorization = `Bearer ${token()}`;
  }
  const answer = await fetch(path, {
    method: options.method || "GET",
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const data = await answer.json().catch(() => null);
  if (!answer.ok) {
    const message = data && data.error ? data.error.message : answer.statusText;
    throw new Error(`${answer.status}: ${message}`);
  }
  return data;
}

// ---- token -------------------------------------------------------------------------------
function showTokenState() {
  $("token-state").textContent = token() ? "token set for this tab" : "no token: read only";
}

function setUpToken() {
  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const value = $("token-input").value.trim();
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    $("token-input").value = "";
    showTokenState();
  });
  $("token-clear").addEventListener("click", () => {
    sessionStorage.removeItem(TOKEN_KEY);
    showTokenState();
  });
  showTokenState();
}

// ---- sources -----------------------------------------------------------------------------
function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "—";
}

async function loadSources() {
  const { sources } = await api("/sources");
  const body = $("sources").tBodies[0];
  body.replaceChildren(
    ...sources.map((source) => {
      const budget = source.budget;
      const rate = budget.limit_per_s === null ? "no limit" : `${budget.limit_per_s.toFixed(2)}/s`;
      const last = source.last_job;
      const button = el("button", { type: "button", class: "sync-now", text: "Sync now",
                                    "data-source": source.name });
      button.addEventListener("click", () => syncNow(source.name, button));
      return el(
        "tr", {},
        el("th", { scope: "row", text: source.name }),
        el("td", { class: `state-${source.breaker.state}`,
                   text: `${source.breaker.state} (failures ${source.breaker.failures}, trips ${source.breaker.trips})` }),
        el("td", { text: `${rate}; ${budget.granted} granted, ${budget.delayed} waited` +
                         (budget.reserved_ahead_ms > 0 ? `, ${budget.reserved_ahead_ms} ms booked` : "") }),
        el("td", { text: last ? `${last.status} · ${when(last.started_at)}` : "none yet" }),
        el("td", { text: source.next_scheduled_at ? when(source.next_scheduled_at) : "scheduler off" }),
        el("td", {}, button),
      );
    }),
  );
}

async function syncNow(source, button) {
  button.disabled = true;
  try {
    const answer = await api("/sync", {
      method: "POST", write: true, body: { api_source: source, operation: "list" },
    });
    notify(answer.deduplicated ? `a ${source} sync is already running` : `${source} sync started`, true);
    // Events may have told us more already: the answer's status must not roll them back.
    if (!jobs.has(answer.job_id)) upsertJob({ id: answer.job_id, source, status: answer.status });
    selectJob(answer.job_id);
  } catch (error) {
    notify(`sync not started: ${error.message}`);
  } finally {
    button.disabled = false;
  }
}

// ---- jobs --------------------------------------------------------------------------------
function percentOf(job) {
  if (["succeeded", "partial"].includes(job.status)) return 100;
  if (!job.pages_total) return null;
  return Math.min(100, Math.round((100 * job.pages_done) / job.pages_total));
}

function upsertJob(fields) {
  const job = { ...(jobs.get(fields.id) || {}), ...fields };
  jobs.set(job.id, job);
  renderJob(job);
  if (selectedJob === job.id) renderJobCounters(job);
}

function renderJob(job) {
  const list = $("jobs");
  let row = list.querySelector(`li[data-job-id="${CSS.escape(job.id)}"]`);
  if (!row) {
    const open = el("button", { type: "button", class: "link job-open", text: `${job.source || ""} ${job.id.slice(0, 8)}` });
    open.addEventListener("click", () => selectJob(job.id));
    row = el("li", { "data-job-id": job.id }, open,
             el("span", { class: "job-status" }),
             el("progress", { class: "job-progress", max: 100 }),
             el("span", { class: "nums" }));
    list.prepend(row);
    while (list.children.length > JOBS_SHOWN) list.lastElementChild.remove();
  }
  const percent = percentOf(job);
  const status = row.querySelector(".job-status");
  status.textContent = job.status || "";
  status.className = `job-status status-${job.status}`;
  const bar = row.querySelector(".job-progress");
  if (percent === null) bar.removeAttribute("value");
  else bar.value = percent;
  bar.setAttribute("aria-label", `job ${job.id.slice(0, 8)} ${percent === null ? "starting" : percent + "%"}`);
  bar.dataset.percent = percent === null ? "" : String(percent);
  const pages = `${job.pages_done ?? 0}/${job.pages_total ?? "?"} pages`;
  row.querySelector(".nums").textContent =
    `${percent === null ? "…" : percent + "%"} · ${pages} · ${job.items_seen ?? 0} items, ${job.items_failed ?? 0} failed`;
}

async function loadJobs() {
  const { jobs: recent } = await api(`/jobs?limit=${JOBS_SHOWN}`);
  for (const job of recent.reverse()) upsertJob(job);
}

const COUNTERS = ["status", "source", "trigger", "operation", "started_at", "finished_at",
  "pages_done", "pages_total", "items_seen", "items_created", "items_updated",
  "items_unchanged", "items_failed", "items_deleted", "error"];

function renderJobCounters(job) {
  $("job-title").textContent = `Job ${job.id}`;
  $("job-counters").replaceChildren(
    ...COUNTERS.flatMap((name) => [el("dt", { text: name.replaceAll("_", " ") }),
      el("dd", { "data-counter": name, text: job[name] === null || job[name] === undefined ? "—" : String(job[name]) })]),
  );
}

async function selectJob(id) {
  selectedJob = id;
  $("job-detail").hidden = false;
  try {
    const job = await api(`/jobs/${encodeURIComponent(id)}`);
    upsertJob(job);
    const rows = job.errors.map((e) => el("tr", {}, el("td", { text: e.external_id }),
      el("td", { text: e.error }), el("td", { text: String(e.attempts) })));
    $("job-errors").tBodies[0].replaceChildren(...rows);
    $("job-errors-empty").hidden = rows.length > 0;
    $("job-errors").hidden = rows.length === 0;
  } catch (error) {
    notify(`job not loaded: ${error.message}`);
  }
  $("job-title").focus();
}

// ---- streams -----------------------------------------------------------------------------
async function loadStreams() {
  const { streams } = await api("/streams");
  const rows = [];
  for (const stream of streams) {
    const groups = stream.groups.length ? stream.groups : [null];
    for (const group of groups) {
      const consumers = group
        ? group.consumers.map((c) => `${c.name} (${c.pending}, ${(c.idle_ms / 1000).toFixed(1)} s)`).join(", ") || "none"
        : "";
      rows.push(el("tr", {},
        el("th", { scope: "row", text: stream.name }),
        el("td", { text: String(stream.length) }),
        el("td", { text: group ? group.name : "—" }),
        el("td", { text: group ? String(group.lag ?? "?") : "" }),
        el("td", { text: group ? String(group.pending) : "" }),
        el("td", { text: consumers })));
    }
  }
  $("streams").tBodies[0].replaceChildren(...rows);
}

// ---- dead letters ------------------------------------------------------------------------
async function loadDeadLetters() {
  const { dead_letters: letters, total } = await api("/dead-letters");
  $("dead-total").textContent = `${total} in all`;
  $("dead-empty").hidden = letters.length > 0;
  $("dead-letters").replaceChildren(...letters.map((letter) => {
    const replay = el("button", { type: "button", class: "replay", text: "Replay" });
    replay.addEventListener("click", () => actOnDead("replay", [letter.dead_id]));
    const purge = el("button", { type: "button", class: "purge danger", text: "Purge" });
    purge.addEventListener("click", () => actOnDead("purge", [letter.dead_id]));
    return el("li", { "data-dead-id": letter.dead_id },
      el("strong", { text: letter.dead_id }),
      el("span", { text: `${letter.stream} · ${letter.fields.type || "?"} · job ${(letter.fields.job_id || "?").slice(0, 8)} · ${letter.deliveries} deliveries` }),
      replay, purge,
      el("span", { class: "error", text: letter.error }));
  }));
}

async function actOnDead(action, ids) {
  if (action === "purge" && !window.confirm(ids.length ? "Purge this dead letter for good?" : "Purge every dead letter for good?")) return;
  try {
    const body = ids.length ? { ids } : { all: true };
    const answer = await api(`/dead-letters/${action}`, { method: "POST", write: true, body });
    notify(action === "replay" ? `replayed ${answer.replayed.length}` : `purged ${answer.purged}`, true);
  } catch (error) {
    notify(`${action} failed: ${error.message}`);
  }
  await loadDeadLetters().catch(() => {});
}

// ---- items -------------------------------------------------------------------------------
async function searchItems(event) {
  event.preventDefault();
  const q = $("item-search-input").value.trim();
  if (!q) return;
  try {
    const { items } = await api(`/search/items?q=${encodeURIComponent(q)}`);
    $("items-results").replaceChildren(...items.map((item) => {
      const open = el("button", { type: "button", class: "link", text: `${item.name} (${item.api_source} #${item.external_id})` });
      open.addEventListener("click", () => showItem(item.id));
      return el("li", { "data-item-id": String(item.id) }, open,
        el("span", { class: "muted", text: `synced ${when(item.synced_at)}` }));
    }));
    if (!items.length) $("items-results").replaceChildren(el("li", { class: "muted", text: "no item matches" }));
  } catch (error) {
    notify(`search failed: ${error.message}`);
  }
}

async function showItem(id) {
  try {
    const item = await api(`/items/${encodeURIComponent(id)}`);
    $("item-detail").hidden = false;
    $("item-title").textContent = `${item.name} (${item.api_source} #${item.external_id})`;
    $("item-payload").textContent = JSON.stringify(item.payload, null, 2);
    $("item-title").focus();
  } catch (error) {
    notify(`item not loaded: ${error.message}`);
  }
}

// ---- live events -------------------------------------------------------------------------
function connectEvents() {
  // EventSource reconnects by itself and sends Last-Event-ID: no event is skipped.
  const source = new EventSource("/events");
  const state = $("live-state");
  source.onopen = () => { state.textContent = "live"; state.className = "pill ok"; };
  source.onerror = () => { state.textContent = "reconnecting…"; state.className = "pill bad"; };
  source.onmessage = (message) => {
    const event = JSON.parse(message.data);
    if (event.type.startsWith("job.") && event.job_id) {
      upsertJob({ id: event.job_id, source: event.source, ...event.data });
      if (event.type === "job.finished") {
        loadSources().catch(() => {});
        if (selectedJob === event.job_id) selectJob(event.job_id);
      }
    } else if (event.type.startsWith("breaker.")) {
      loadSources().catch(() => {});
    } else if (event.type === "dead_letter.added") {
      loadDeadLetters().catch(() => {});
    }
  };
}

async function refresh() {
  await Promise.allSettled([loadSources(), loadStreams(), loadDeadLetters()]);
}

document.addEventListener("DOMContentLoaded", () => {
  setUpToken();
  $("job-close").addEventListener("click", () => { selectedJob = null; $("job-detail").hidden = true; });
  $("item-search").addEventListener("submit", searchItems);
  $("dead-replay-all").addEventListener("click", () => actOnDead("replay", []));
  $("dead-purge-all").addEventListener("click", () => actOnDead("purge", []));
  loadJobs().catch((error) => notify(`jobs not loaded: ${error.message}`));
  refresh();
  setInterval(refresh, REFRESH_MS);
  connectEvents();
});
