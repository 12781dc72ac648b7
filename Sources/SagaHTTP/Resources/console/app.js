// The saga console: plain JavaScript against /v1, live over /v1/events. No build step, no CDN.
"use strict";

const state = { cursor: null, pages: [], selected: null, detailStream: null, liveStream: null, refreshTimer: null };
const $ = (selector) => document.querySelector(selector);

window.addEventListener("error", (event) => showError("script error: " + event.message));
window.addEventListener("unhandledrejection", (event) => showError("script error: " + (event.reason && event.reason.message || event.reason)));

function showError(text) {
  const box = $("#error");
  box.textContent = text;
  box.hidden = false;
  document.body.dataset.scriptError = text;
}

function token() { return localStorage.getItem("saga-token") || ""; }

async function api(method, path, body) {
  const headers = { "Accept": "application/json" };
  if (token()) headers["Authorization"] = "Bearer " + token();
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  const data = text ? JSON.parse(text) : {};
  if (!response.ok) throw new Error((data.title || response.status) + ": " + (data.detail || text));
  return data;
}

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) {
    if (key === "class") node.className = value; else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(child ?? ""));
  return node;
}

function stateBadge(name) { return el("span", { class: "state state-" + name }, name); }
function shortId(id) { return id.length > 13 ? id.slice(0, 13) : id; }
function time(iso) { return iso ? new Date(iso).toLocaleTimeString() : ""; }

// MARK: - Sagas

function filters() {
  const query = new URLSearchParams({ limit: "25" });
  if ($("#filter-state").value) query.set("state", $("#filter-state").value);
  if ($("#filter-type").value) query.set("type", $("#filter-type").value);
  if ($("#filter-key").value) query.set("businessKey", $("#filter-key").value);
  return query;
}

async function loadSagas() {
  const query = filters();
  if (state.cursor) query.set("cursor", state.cursor);
  const page = await api("GET", "/v1/sagas?" + query);
  const body = $("#sagas tbody");
  body.replaceChildren(...page.items.map((saga) => {
    const row = el("tr", { "data-id": saga.id, "data-state": saga.status },
      el("td", { title: saga.id }, shortId(saga.id)), el("td", {}, saga.type + " v" + saga.version),
      el("td", {}, stateBadge(saga.status)), el("td", {}, saga.businessKey || ""), el("td", {}, time(saga.updatedAt)));
    if (saga.id === state.selected) row.classList.add("selected");
    row.addEventListener("click", () => select(saga.id));
    return row;
  }));
  $("#next-page").disabled = !page.nextCursor;
  $("#next-page").dataset.cursor = page.nextCursor || "";
}

async function loadCounts() {
  const stats = await api("GET", "/v1/stats");
  const names = ["executing", "verifying", "approving", "compensating", "completed", "compensated", "failed"];
  $("#counts").replaceChildren(...names.map((name) =>
    el("div", { class: "count", "data-state": name }, el("b", {}, String(stats.sagasByStatus[name] || 0)), name)));
}

function refreshSoon() {
  if (state.refreshTimer) return;
  state.refreshTimer = setTimeout(async () => {
    state.refreshTimer = null;
    await Promise.all([loadSagas(), loadCounts(), state.selected && state.detailStored ? loadDetail() : null]);
  }, 250);
}

// MARK: - One saga

// A saga just started is not in the store until the orchestrator committed its start: then its
// first event arrives, and the detail is read (`fresh`).
async function select(id, fresh) {
  state.selected = id;
  state.detailStored = !fresh;
  document.querySelectorAll("#sagas tr.selected").forEach((row) => row.classList.remove("selected"));
  const row = document.querySelector(`#sagas tr[data-id="${CSS.escape(id)}"]`);
  if (row) row.classList.add("selected");
  $("#timeline").replaceChildren();
  $("#detail").hidden = false;
  if (fresh) {
    $("#detail-title").replaceChildren("saga " + id + " — waiting for the orchestrator to start it");
    $("#steps tbody").replaceChildren();
    delete $("#detail").dataset.state;
  } else {
    await loadDetail();
  }
  if (state.detailStream) state.detailStream.close();
  // The stream reads the saga's events from the topic's beginning: the store's history (read
  // above) may already hold some, and a line per event number drops the repeats. Starting at the
  // topic's end instead missed events published while the stream's consumer took its position.
  state.detailStream = openStream({ sagaId: id, from: "beginning" }, (event) => {
    if (state.selected !== id) return;
    state.detailStored = true;
    addTimeline(event);
    refreshSoon();
  });
}

// One line per event number, in order, whether it came from the store's history or the stream.
function addTimeline(event) {
  const list = $("#timeline");
  if (list.querySelector(`li[data-sequence="${event.sequence}"]`)) return;
  const item = el("li", { "data-event": event.event, "data-sequence": String(event.sequence), value: String(event.sequence) },
    `#${event.sequence} ${time(new Date(event.time).toISOString())} ${event.event}` +
    (event.phase ? ` ${event.phase}` : "") + (event.step ? ` ${event.step}` : "") + (event.reason ? ` — ${event.reason}` : ""));
  const after = Array.from(list.children).find((li) => Number(li.dataset.sequence) > event.sequence);
  list.insertBefore(item, after || null);
}

async function loadDetail() {
  const id = state.selected;
  const saga = await api("GET", "/v1/sagas/" + encodeURIComponent(id));
  // Another saga was selected while this one was read: its lines would land in the new timeline
  // (and, numbered alike, hide the new saga's own).
  if (state.selected !== id) return;
  $("#detail").dataset.state = saga.status;
  $("#detail").dataset.paused = String(saga.paused);
  $("#detail-title").replaceChildren(saga.type + " v" + saga.version + " · " + saga.id + " ", stateBadge(saga.status));
  $("#detail-summary").textContent = [
    saga.phase ? "phase " + saga.phase : "", saga.paused ? "paused" : "", saga.businessKey ? "key " + saga.businessKey : "",
    "started " + time(saga.startedAt), saga.reason ? "reason: " + saga.reason : "",
  ].filter(Boolean).join(" · ");
  state.historyEnabled = saga.history.enabled;
  for (const entry of saga.history.events) addTimeline(entry.detail || { sequence: entry.sequence, time: entry.time, event: entry.event, phase: entry.phase });
  $("#steps tbody").replaceChildren(...saga.steps.map((step) => {
    const retry = el("button", { "data-step": step.name }, "Retry");
    retry.addEventListener("click", () => control("steps/" + encodeURIComponent(step.name) + "/retry"));
    return el("tr", { "data-step": step.name }, el("td", {}, step.name || String(step.index)), el("td", {}, step.progress),
      el("td", {}, String(step.attempts)), el("td", {}, step.pendingSent ? "yes" : "no"), el("td", {}, time(step.due)), el("td", {}, retry));
  }));
}

async function control(action) {
  try {
    await api("POST", "/v1/sagas/" + encodeURIComponent(state.selected) + "/" + action, { reason: "from the console" });
  } catch (error) {
    showError(error.message);
  }
}

// MARK: - Live updates

function openStream(parameters, onEvent) {
  const query = new URLSearchParams(parameters);
  if (token()) query.set("access_token", token());
  const source = new EventSource("/v1/events?" + query);
  source.addEventListener("progress", (message) => onEvent(JSON.parse(message.data)));
  return source;
}

function openLiveStream() {
  state.liveStream = openStream({}, () => refreshSoon());
  state.liveStream.onopen = () => { $("#live").textContent = "● live"; $("#live").classList.add("on"); };
  state.liveStream.onerror = () => { $("#live").textContent = "○ reconnecting"; $("#live").classList.remove("on"); };
}

// MARK: - Definitions and cluster

async function loadDefinitions() {
  const list = await api("GET", "/v1/definitions");
  $("#start-type").replaceChildren(...list.items.map((d) => el("option", { value: d.type }, d.type + " v" + d.version)));
  $("#view-definitions").replaceChildren(...list.items.map((d) => {
    const dag = el("div", { class: "dag" });
    d.layers.forEach((layer, index) => {
      if (index > 0) dag.append(el("span", { class: "arrow" }, "→"));
      dag.append(el("div", { class: "layer" }, ...layer.map((name) => {
        const step = d.steps.find((s) => s.name === name);
        return el("div", { class: "node", title: step.topic }, name);
      })));
    });
    return el("div", { class: "card", "data-definition": d.type }, el("h3", {}, `${d.type} v${d.version}`), dag,
      el("div", {}, d.steps.map((s) => `${s.name} → ${s.topic} (timeout ${s.timeoutMs} ms, ${s.maxAttempts} attempts)`).join("; ")));
  }));
}

function table(id, headers, rows) {
  return el("table", { id }, el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", {}, h)))),
    el("tbody", {}, ...rows));
}

function lagText(value) { return value === undefined || value === null ? "—" : String(value); }

async function loadCluster() {
  const [cluster, stats] = await Promise.all([api("GET", "/v1/cluster"), api("GET", "/v1/stats")]);
  const owners = new Map();
  for (const instance of cluster.instances) {
    if (instance.stale) continue;
    for (const p of instance.partitions) owners.set(p.partition, { instance, p });
  }
  const instances = table("instances", ["instance", "host", "state", "last seen", "partitions", "active sagas", "outbox backlog"],
    cluster.instances.map((i) => el("tr", { "data-instance": i.instanceId, class: i.stale ? "stale" : "" },
      el("td", {}, i.instanceId + (i.answering ? " (this one)" : "")), el("td", {}, i.host),
      el("td", {}, i.stale ? (i.shuttingDown ? "stopped" : "stale") : (i.joinedGroup ? "member" : "joining")),
      el("td", {}, `${time(i.lastSeen)} (${i.age.toFixed(1)} s ago)`), el("td", {}, i.partitions.map((p) => p.partition).join(", ")),
      el("td", {}, lagText(i.activeSagas)), el("td", {}, lagText(i.outboxBacklog)))));
  const partitions = table("partitions", ["partition", "owner", "active sagas", "input lag"],
    Array.from({ length: cluster.partitionCount }, (_, n) => {
      const owner = owners.get(n);
      return el("tr", { "data-partition": String(n), class: owner ? "" : "unowned" }, el("td", {}, String(n)),
        el("td", {}, owner ? owner.instance.instanceId : "unowned"), el("td", {}, owner ? String(owner.p.activeSagas) : "—"),
        el("td", {}, owner ? lagText(owner.p.lag) : "—"));
    }));
  const participantRows = [];
  for (const topic of cluster.participants.topics) {
    if (topic.groups.length === 0) {
      participantRows.push(el("tr", { "data-topic": topic.topic }, el("td", {}, topic.topic), el("td", {}, topic.steps.join(", ")),
        el("td", {}, topic.error ? "error: " + topic.error : "no group has committed"), el("td", {}, "—"), el("td", {}, lagText(topic.messages))));
    }
    for (const group of topic.groups) {
      participantRows.push(el("tr", { "data-topic": topic.topic, "data-group": group.groupId, class: group.lag > 0 ? "behind" : "" },
        el("td", {}, topic.topic), el("td", {}, topic.steps.join(", ")), el("td", {}, group.groupId),
        el("td", {}, group.lag === null || group.lag === undefined ? "nothing committed" : String(group.lag)),
        el("td", {}, lagText(topic.messages))));
    }
  }
  const participants = table("participants", ["command topic", "steps", "consumer group", "lag", "messages"], participantRows);
  const windows = table("finished", ["window", "finished", "by type"], ["lastMinute", "lastHour", "lastDay"].map((name) => {
    const w = stats.finished[name];
    const byType = Object.entries(w.byType).map(([type, statuses]) =>
      type + ": " + Object.entries(statuses).map(([s, n]) => `${n} ${s}`).join(", ")).join("; ");
    return el("tr", { "data-window": name }, el("td", {}, name), el("td", {}, String(w.total)), el("td", {}, byType || "—"));
  }));
  const latency = table("latency", ["phase", "replies", "p50 ms", "p90 ms", "p99 ms", "max ms"],
    Object.entries(stats.stepLatency.byPhase).map(([phase, p]) => el("tr", { "data-phase": phase }, el("td", {}, phase),
      el("td", {}, String(p.count)), el("td", {}, String(p.p50)), el("td", {}, String(p.p90)), el("td", {}, String(p.p99)), el("td", {}, String(p.max)))));
  $("#view-cluster").replaceChildren(
    el("div", { class: "card" }, el("h3", {}, `Instances of group ${cluster.groupId}`), instances,
      el("p", {}, cluster.unownedPartitions.length ? "unowned partitions: " + cluster.unownedPartitions.join(", ") : "every partition is owned")),
    el("div", { class: "card" }, el("h3", {}, "Partitions"), partitions),
    el("div", { class: "card" }, el("h3", {}, "Participants"), participants,
      el("p", {}, cluster.participants.groupsListed ? "groups listed by the broker" : "groups from participantGroups (the broker did not list groups)")),
    el("div", { class: "card" }, el("h3", {}, "Finished sagas"), windows),
    el("div", { class: "card" }, el("h3", {}, `Step latency (last ${stats.stepLatency.windowSeconds / 60} min, ${stats.stepLatency.source})`), latency));
  $("#view-cluster").dataset.loaded = String(Date.now());
}

// MARK: - Wiring

function show(view) {
  for (const name of ["sagas", "definitions", "cluster"]) $("#view-" + name).hidden = name !== view;
  document.querySelectorAll("nav button").forEach((b) => b.classList.toggle("active", b.dataset.view === view));
  if (view === "cluster") loadCluster().catch((error) => showError(error.message));
}

document.querySelectorAll("nav button").forEach((b) => b.addEventListener("click", () => show(b.dataset.view)));
document.querySelectorAll("#controls button").forEach((b) => b.addEventListener("click", () => control(b.dataset.action)));
$("#filters").addEventListener("submit", (event) => { event.preventDefault(); state.cursor = null; state.pages = []; loadSagas(); });
$("#first-page").addEventListener("click", () => { state.cursor = null; state.pages = []; loadSagas(); });
$("#next-page").addEventListener("click", () => { state.pages.push(state.cursor); state.cursor = $("#next-page").dataset.cursor; loadSagas(); });
$("#token").value = token();
$("#token").addEventListener("change", () => { localStorage.setItem("saga-token", $("#token").value); boot(); });
$("#start").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const body = { type: $("#start-type").value, payload: JSON.parse($("#start-payload").value || "{}") };
    if ($("#start-key").value) body.businessKey = $("#start-key").value;
    const started = await api("POST", "/v1/sagas", body);
    $("#start-result").textContent = "started " + started.sagaId;
    $("#start-result").dataset.sagaId = started.sagaId;
    await select(started.sagaId, true);
  } catch (error) {
    showError(error.message);
  }
});

async function boot() {
  try {
    await Promise.all([loadDefinitions(), loadSagas(), loadCounts()]);
    if (state.liveStream) state.liveStream.close();
    openLiveStream();
    document.body.dataset.ready = "true";
  } catch (error) {
    showError(error.message);
  }
}
boot();
