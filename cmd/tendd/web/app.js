// The dashboard's script: draws the page that location.pathname names from tendd's /api/*,
// with DOM APIs only (textContent, never HTML strings), and polls every 2 s while the page is
// visible. No library, nothing from another origin.
"use strict";

(() => {
  const POLL_MS = 2000;
  const SVG = "http://www.w3.org/2000/svg";  // a namespace name, never fetched
  const main = document.getElementById("main");
  const statusEl = document.getElementById("status");

  // ---- DOM helpers: every value becomes a text node or an attribute value.
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    setAttrs(e, attrs);
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      e.append(c instanceof Node ? c : String(c));
    }
    return e;
  }
  function setAttrs(e, attrs) {
    if (!attrs) return;
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") e.setAttribute("class", v);
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? "" : String(v));
    }
  }
  function svg(tag, attrs, ...children) {
    const e = document.createElementNS(SVG, tag);
    setAttrs(e, attrs);
    for (const c of children.flat()) if (c) e.append(c instanceof Node ? c : String(c));
    return e;
  }
  const text = (s) => document.createTextNode(s === null || s === undefined ? "–" : String(s));
  const link = (href, label) => el("a", { href }, label);

  // ---- formatting
  const pad2 = (n) => String(n).padStart(2, "0");
  function clock(d) {
    return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  }
  function duration(s) {
    if (s === null || s === undefined || Number.isNaN(s)) return "–";
    s = Math.max(0, Math.round(s));
    if (s < 60) return `${s}s`;
    if (s < 3600) return `${Math.floor(s / 60)}m ${pad2(s % 60)}s`;
    if (s < 86400) return `${Math.floor(s / 3600)}h ${pad2(Math.floor((s % 3600) / 60))}m`;
    return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
  }
  function when(iso) {
    if (!iso) return text("–");
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return text(iso);
    const now = new Date();
    const same = d.toDateString() === now.toDateString();
    const shown = same ? clock(d)
      : `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
    return el("span", { title: iso }, shown);
  }
  // A cron time as its entry's zone prints it (the ISO text carries that zone's offset).
  function zoned(iso) {
    if (!iso) return text("–");
    return el("span", { title: iso }, String(iso).slice(0, 16).replace("T", " "));
  }
  function relative(iso) {
    if (!iso) return "–";
    const s = (new Date(iso).getTime() - Date.now()) / 1000;
    if (Number.isNaN(s)) return "–";
    return s >= 0 ? `in ${duration(s)}` : `${duration(-s)} ago`;
  }
  function exitText(e) {
    if (!e) return "–";
    if (e.error) return `exec failed: ${e.error}`;
    if (e.signal) return `SIG${e.signal}`;
    if (e.code !== undefined) return `code ${e.code}`;
    return "–";
  }
  function commandText(c) {
    if (c === null || c === undefined) return "–";
    if (!Array.isArray(c)) return String(c);
    // As a shell would need it typed, like `tend show`.
    return c.map((a) => (/^[A-Za-z0-9_@%+=:,.\/-]+$/.test(a) ? a : `'${String(a).replace(/'/g, "'\\''")}'`)).join(" ");
  }

  // Colour says state only: green ready, amber starting/backoff, red cooldown/failed.
  const INSTANCE_CLASS = {
    starting: "warn", backoff: "warn", stopping: "warn", cooldown: "bad",
    stopped: "", exited: "",
  };
  function instanceBadge(i) {
    let cls = INSTANCE_CLASS[i.state] ?? "";
    if (i.state === "running") cls = i.ready ? "ok" : "warn";
    if (i.state === "exited" && i.last_exit && i.last_exit.clean === false) cls = "bad";
    return el("span", { class: `badge ${cls}` }, i.state);
  }
  const JOB_CLASS = {
    succeeded: "ok", failed: "bad", dead: "bad", running: "warn", cancelled: "",
    pending: "", scheduled: "", blocked: "",
  };
  const jobBadge = (state) => el("span", { class: `badge ${JOB_CLASS[state] ?? ""}` }, state);
  function stateBadge(state, n) {
    const cls = INSTANCE_CLASS[state] ?? (state === "running" ? "ok" : "");
    return el("span", { class: `badge ${cls}` }, `${state} ${n}`);
  }

  // ---- tables
  // cols: [{h: "Header", num: true, cell: (row) => Node|string}]
  function table(id, cols, rows, empty) {
    const head = el("tr", null, cols.map((c) => el("th", { class: c.num ? "num" : null }, c.h)));
    const body = el("tbody");
    for (const r of rows) {
      if (r && r.group) {
        body.append(el("tr", { class: "group" }, el("td", { colspan: cols.length }, r.group)));
        continue;
      }
      body.append(el("tr", null, cols.map((c) => {
        const v = c.cell(r);
        return el("td", { class: c.num ? "num" : c.cls || null },
          v instanceof Node ? v : text(v));
      })));
    }
    const t = el("table", { id }, el("thead", null, head), body);
    if (!rows.length && empty) return el("div", null, t, el("div", { class: "empty" }, empty));
    return t;
  }

  // ---- charts: inline SVG polylines over a fixed 0..1 viewBox scaled by CSS.
  // The x axis is always the last hour (360 steps of 10 s), newest at the right edge: a young
  // tendd's history fills the right part only.
  const SLOTS = 360;
  function points(values, max, w, h) {
    const out = [];
    const n = values.length;
    values.forEach((v, i) => {
      if (v === null || v === undefined) return;
      const x = w - ((n - 1 - i) / (SLOTS - 1)) * w;
      // Headroom above the highest point, so a flat line does not hide in the top border.
      const y = h - (max > 0 ? (v / (max * 1.2)) * (h - 2) : 0) - 1;
      out.push(`${x.toFixed(1)},${y.toFixed(1)}`);
    });
    // One sample is a short dash at the right edge rather than nothing.
    if (out.length === 1) out.unshift(`${(w - 3).toFixed(1)},${out[0].split(",")[1]}`);
    return out.join(" ");
  }
  // lines: [{values, cls}]
  function sparkline(lines, w = 120, h = 24) {
    const max = Math.max(1, ...lines.flatMap((l) => l.values.filter((v) => v !== null)));
    return svg("svg", { class: "spark", width: w, height: h, viewBox: `0 0 ${w} ${h}` },
      svg("line", { class: "axis", x1: 0, y1: h - 0.5, x2: w, y2: h - 0.5 }),
      lines.map((l) => svg("polyline", { class: l.cls, points: points(l.values, max, w, h) })));
  }
  function chart(id, title, lines, unit) {
    const w = 600, h = 120;
    const all = lines.flatMap((l) => l.values.filter((v) => v !== null));
    const top = Math.max(0, ...all);
    const max = Math.max(1, top);
    const last = (l) => { const v = l.values.filter((x) => x !== null); return v.length ? v[v.length - 1] : null; };
    return el("div", { class: "chart-box" },
      el("div", { class: "title" },
        el("span", null, title),
        el("span", { class: "legend" }, lines.map((l) =>
          el("span", { class: l.legend }, `${l.label} ${fmtValue(last(l), unit)}`)))),
      svg("svg", { id, class: "chart", viewBox: `0 0 ${w} ${h}`, preserveAspectRatio: "none" },
        svg("line", { class: "axis", x1: 0, y1: h - 0.5, x2: w, y2: h - 0.5 }),
        lines.map((l) => svg("polyline", { class: l.cls, points: points(l.values, max, w, h) }))),
      el("div", { class: "title" }, el("span", null, "−1 h"),
        el("span", null, all.length ? `max ${fmtValue(top, unit)}` : "no samples yet"),
        el("span", null, "now")));
  }
  function fmtValue(v, unit) {
    if (v === null || v === undefined) return "–";
    if (unit === "s") return duration(v);
    return Number.isInteger(v) ? String(v) : v.toFixed(1);
  }
  // Per-step increases (10 s) shown per minute.
  const perMinute = (values, step) => values.map((v) => (v === null ? null : (v * 60) / step));
  function sumSeries(list) {
    if (!list.length) return [];
    const n = Math.max(...list.map((s) => s.length));
    const out = new Array(n).fill(null);
    for (const s of list) {
      const off = n - s.length;
      s.forEach((v, i) => { if (v !== null) out[off + i] = (out[off + i] ?? 0) + v; });
    }
    return out;
  }

  // ---- data
  class HttpError extends Error {}
  async function api(path, kind = "json") {
    const r = await fetch(path, { credentials: "same-origin", cache: "no-store",
      headers: { Accept: kind === "json" ? "application/json" : "text/plain" } });
    if (!r.ok) {
      let why = r.statusText;
      try {
        const body = await r.text();
        if (body) { const j = JSON.parse(body); why = j.message || j.error || body; }
      } catch (e) { /* not JSON: the status text stays */ }
      throw new HttpError(`${path}: ${r.status} ${why}`);
    }
    return kind === "json" ? r.json() : r.text();
  }
  const series = (names) => api(`/api/series?names=${encodeURIComponent(names.join(","))}`);

  // ---- pages: each is {nav, title, build(root), refresh()}; refresh redraws its sections.
  function section(title, id) {
    const body = el("div", { id });
    return { node: el("section", null, title ? el("h2", null, title) : null, body), body };
  }
  const card = (label, value, cls) =>
    el("div", { class: `card ${cls || ""}` }, el("div", { class: "label" }, label),
      el("div", { class: "value" }, String(value)));

  function queueColumns(seriesData, step) {
    return [
      { h: "Queue", cell: (q) => el("span", null, link(`/queues/${encodeURIComponent(q.name)}`, q.name),
        q.paused ? el("span", { class: "badge warn" }, "paused") : null) },
      { h: "Pending", num: true, cell: (q) => q.pending },
      { h: "Running", num: true, cell: (q) => `${q.running} / ${q.concurrency}` },
      { h: "Oldest pending", num: true, cell: (q) => (q.oldest_pending_age_s === null ? "–" : duration(q.oldest_pending_age_s)) },
      { h: "Succeeded", num: true, cell: (q) => q.succeeded ?? "–" },
      { h: "Failed", num: true, cell: (q) => q.failed ?? "–" },
      { h: "Last hour (ok / failed per step)", cell: (q) => {
        const s = seriesData[`queue:${q.name}:ok`] || [];
        const f = seriesData[`queue:${q.name}:failed`] || [];
        return sparkline([{ values: s, cls: "line-ok" }, { values: f, cls: "line-bad" }]);
      } },
    ];
  }

  function overviewPage() {
    const top = el("div"), attention = section(null, "attention"), queues = section("Queues", "queues-box");
    const chartBox = section("Jobs finished per minute, last hour", "chart-box");
    const programs = section("Programs", "programs-box"), cron = section("Next cron fires", "cron-box");
    const failures = section("Recent failures", "failures-box");
    const root = el("div", null, el("h1", null, "Overview"), top, attention.node, queues.node,
      el("div", { class: "grid2" }, el("div", null, programs.node, failures.node),
        el("div", null, chartBox.node, cron.node)));
    async function refresh() {
      const [s, ser] = await Promise.all([api("/api/summary"),
        series(["queue:*:ok", "queue:*:failed"])]);
      const data = ser.series;
      const inst = s.instances;
      const attn = s.attention.length;
      top.replaceChildren(
        el("div", { class: "cards" },
          card("Instances up", `${inst.up} / ${inst.total}`, inst.total && inst.up === inst.total ? "ok" : inst.up < inst.total ? "warn" : ""),
          card("Ready", `${inst.ready} / ${inst.total}`, inst.total && inst.ready === inst.total ? "ok" : ""),
          card("Need attention", attn, attn ? "bad" : ""),
          card("Pending jobs", s.jobs.pending),
          card("Running jobs", s.jobs.running),
          card("Failed since start", s.jobs.failed, s.jobs.failed ? "bad" : "")),
        el("div", { class: "chips", id: "instance-states" },
          Object.entries(inst.by_state).map(([k, n]) => stateBadge(k, n))));
      attention.body.replaceChildren(attn ? el("div", null, el("h2", { class: "c-bad" }, "Needs attention"),
        table("attention", [
          { h: "Instance", cell: (i) => link(`/programs/${encodeURIComponent(i.program)}`, `${i.program}:${i.instance}`) },
          { h: "State", cell: instanceBadge },
          { h: "Next start", num: true, cell: (i) => (i.next_start_in_s === undefined ? "–" : `in ${duration(i.next_start_in_s)}`) },
          { h: "Restarts", num: true, cell: (i) => i.restarts },
          { h: "Last exit", cell: (i) => exitText(i.last_exit) },
          { h: "Reason", cls: "wrap", cell: (i) => i.reason || "–" },
        ], s.attention)) : "");
      queues.body.replaceChildren(table("queues", queueColumns(data, ser.step_s), s.queues, "No queues."));
      const ok = perMinute(sumSeries(Object.entries(data).filter(([k]) => k.endsWith(":ok")).map(([, v]) => v)), ser.step_s);
      const bad = perMinute(sumSeries(Object.entries(data).filter(([k]) => k.endsWith(":failed")).map(([, v]) => v)), ser.step_s);
      chartBox.body.replaceChildren(chart("chart", "all queues",
        [{ values: ok, cls: "line-ok", legend: "c-ok", label: "ok" },
          { values: bad, cls: "line-bad", legend: "c-bad", label: "failed" }]));
      programs.body.replaceChildren(table("programs", [
        { h: "Program", cell: (p) => link(`/programs/${encodeURIComponent(p.name)}`, p.name) },
        { h: "Instances", cell: (p) => el("span", { class: "chips" }, Object.entries(p.by_state).map(([k, n]) => stateBadge(k, n))) },
        { h: "Ready", num: true, cell: (p) => `${p.ready} / ${p.instances}` },
        { h: "Gen", num: true, cell: (p) => p.generation },
      ], s.programs, "No programs in the config."));
      cron.body.replaceChildren(table("cron-next", [
        { h: "Entry", cell: (c) => c.name },
        { h: "Schedule", cell: (c) => el("code", null, c.schedule) },
        { h: "Next fire", cell: (c) => zoned(c.next_fire) },
        { h: "", num: true, cell: (c) => relative(c.next_fire) },
      ], s.cron_next, "No cron entries."));
      failures.body.replaceChildren(table("failures", jobColumns(true), s.recent_failures,
        `No failed or dead job among the newest ${s.scanned}.`));
    }
    return { nav: "overview", title: "Overview", root, refresh };
  }

  function jobColumns(short) {
    const cols = [
      { h: "ID", num: true, cell: (j) => link(`/jobs/${j.id}`, String(j.id)) },
      { h: "State", cell: (j) => jobBadge(j.state) },
      { h: "Queue", cell: (j) => j.queue },
      { h: "Name", cell: (j) => (j.redacted ? el("span", { class: "muted" }, "hidden") : j.name || "–") },
      { h: "Attempt", num: true, cell: (j) => `${j.attempt ?? 0} / ${j.max_attempts}` },
      { h: "Exit", cell: (j) => exitText(j.exit_status ?? j.last_exit) },
    ];
    if (short) return cols.concat([{ h: "Finished", cell: (j) => when(j.finished_at) }]);
    return cols.concat([
      { h: "Submitted", cell: (j) => when(j.submitted_at) },
      { h: "Started", cell: (j) => when(j.started_at) },
      { h: "Finished", cell: (j) => when(j.finished_at) },
      { h: "Command / why waiting", cls: "cmd", cell: (j) => {
        const c = j.waiting ? el("span", { class: "muted" }, j.waiting) : text(commandText(j.command));
        return el("span", { title: commandText(j.command) }, c);
      } },
    ]);
  }

  function instanceColumns() {
    return [
      { h: "Instance", cell: (i) => `${i.program}:${i.instance}` },
      { h: "State", cell: instanceBadge },
      { h: "PID", num: true, cell: (i) => i.pid ?? "–" },
      { h: "Uptime", num: true, cell: (i) => duration(i.uptime_s) },
      { h: "Restarts", num: true, cell: (i) => i.restarts },
      { h: "Last exit", cell: (i) => exitText(i.last_exit) },
      { h: "Ready", cell: (i) => (i.ready ? el("span", { class: "badge ok" }, "ready") : el("span", { class: "muted" }, "no")) },
      { h: "Gen", num: true, cell: (i) => i.generation },
      { h: "Reason", cls: "wrap", cell: (i) => i.reason || "–" },
    ];
  }
  // Rollout progress as the instances show it: some on the newest generation, some not yet.
  function rolloutNote(list) {
    const newest = Math.max(...list.map((i) => i.generation));
    const on = list.filter((i) => i.generation === newest).length;
    if (on === list.length) return null;
    return el("span", { class: "badge warn" }, `rollout to gen ${newest}: ${on} / ${list.length}`);
  }
  function groupByProgram(status) {
    const groups = new Map();
    for (const i of status) {
      if (!groups.has(i.program)) groups.set(i.program, []);
      groups.get(i.program).push(i);
    }
    return groups;
  }
  function eventsTable(events) {
    return table("events", [
      { h: "Time", cell: (e) => when(e.time) },
      { h: "Instance", cell: (e) => (e.instance === null ? e.program : `${e.program}:${e.instance}`) },
      { h: "PID", num: true, cell: (e) => e.pid ?? "–" },
      { h: "Transition", cell: (e) => `${e.from} → ${e.to}` },
      { h: "Exit", cell: (e) => exitText(e.exit) },
      { h: "Reason", cls: "wrap", cell: (e) => (e.level === "warn" ? el("span", { class: "c-bad" }, e.reason) : e.reason) },
    ], (events.events || []).slice().reverse(), "No events yet.");
  }

  function programsPage() {
    const list = section(null, "programs-box"), events = section("Recent events", "events-box");
    const root = el("div", null, el("h1", null, "Programs"), list.node, events.node);
    async function refresh() {
      const [status, ev] = await Promise.all([api("/api/status"), api("/api/events?limit=20")]);
      const rows = [];
      for (const [name, insts] of groupByProgram(status)) {
        const ready = insts.filter((i) => i.ready).length;
        rows.push({ group: el("span", null, link(`/programs/${encodeURIComponent(name)}`, name),
          el("span", { class: "muted" }, `  ${ready} / ${insts.length} ready`), " ", rolloutNote(insts)) });
        rows.push(...insts);
      }
      list.body.replaceChildren(table("status", instanceColumns(), rows, "No programs in the config."));
      events.body.replaceChildren(eventsTable(ev));
    }
    return { nav: "programs", title: "Programs", root, refresh };
  }

  function programPage(name) {
    const list = section(null, "program-box"), charts = section("Last hour", "program-charts");
    const events = section("Recent events", "events-box");
    const root = el("div", null, el("h1", null, link("/programs", "Programs"), " / ", name),
      list.node, charts.node, events.node);
    async function refresh() {
      const q = encodeURIComponent(name);
      const [all, ev, ser] = await Promise.all([api("/api/status"),
        api(`/api/events?program=${q}&limit=30`), series([`program:${name}:*`])]);
      const status = all.filter((i) => i.program === name);
      list.body.replaceChildren(el("div", { class: "chips" }, rolloutNote(status)),
        table("status", instanceColumns(), status, "No instances."));
      const d = ser.series;
      charts.body.replaceChildren(chart("chart", "instances",
        [{ values: d[`program:${name}:up`] || [], cls: "line-blue", legend: "c-blue", label: "up" },
          { values: d[`program:${name}:ready`] || [], cls: "line-ok", legend: "c-ok", label: "ready" }]));
      events.body.replaceChildren(eventsTable(ev));
    }
    return { nav: "programs", title: name, root, refresh };
  }

  function queueCharts(name, d, step) {
    const g = (k) => d[`queue:${name}:${k}`] || [];
    return el("div", { class: "grid3" },
      chart(null, "depth", [
        { values: g("pending"), cls: "line-blue", legend: "c-blue", label: "pending" },
        { values: g("running"), cls: "line-warn", legend: "c-warn", label: "running" }]),
      chart(null, "finished per minute", [
        { values: perMinute(g("ok"), step), cls: "line-ok", legend: "c-ok", label: "ok" },
        { values: perMinute(g("failed"), step), cls: "line-bad", legend: "c-bad", label: "failed" }]),
      chart(null, "wait (oldest pending age)", [
        { values: g("wait_s"), cls: "line-warn", legend: "c-warn", label: "now" }], "s"));
  }

  function queuesPage() {
    const list = section(null, "queues-box"), charts = el("div", { id: "queue-charts" });
    const root = el("div", null, el("h1", null, "Queues"), list.node, charts);
    async function refresh() {
      const [queues, ser] = await Promise.all([api("/api/queues"), series(["queue:*"])]);
      list.body.replaceChildren(table("queues", queueColumns(ser.series, ser.step_s), queues, "No queues."));
      charts.replaceChildren(...queues.map((q) => el("section", null,
        el("h2", null, link(`/queues/${encodeURIComponent(q.name)}`, q.name),
          el("span", { class: "muted" }, ` · concurrency ${q.concurrency}, weight ${q.weight ?? "–"}, max pending ${q.max_pending ?? "–"}`)),
        queueCharts(q.name, ser.series, ser.step_s))));
    }
    return { nav: "queues", title: "Queues", root, refresh };
  }

  function queuePage(name) {
    const info = section(null, "queue-box"), charts = section("Last hour", "queue-charts");
    const jobs = section("Newest jobs", "jobs-box");
    const root = el("div", null, el("h1", null, link("/queues", "Queues"), " / ", name),
      info.node, charts.node, jobs.node);
    async function refresh() {
      const q = encodeURIComponent(name);
      const [queues, ser, list] = await Promise.all([api("/api/queues"),
        series([`queue:${name}:*`]), api(`/api/jobs?queue=${q}&limit=20`)]);
      const me = queues.filter((x) => x.name === name);
      info.body.replaceChildren(table("queues", queueColumns(ser.series, ser.step_s), me, "No such queue."));
      charts.body.replaceChildren(queueCharts(name, ser.series, ser.step_s));
      jobs.body.replaceChildren(table("jobs", jobColumns(false), list, "No jobs."),
        el("p", null, link(`/jobs?queue=${q}`, "All jobs of this queue →")));
    }
    return { nav: "queues", title: name, root, refresh };
  }

  const JOB_STATES = ["scheduled", "blocked", "pending", "running", "succeeded", "failed", "dead", "cancelled"];
  const PAGE = 50;

  function jobsPage() {
    const params = new URLSearchParams(location.search);
    const filter = { queue: params.get("queue") || "", state: params.get("state") || "" };
    const befores = [];  // the pages before this one, to go back to
    let before = Number(params.get("before")) || 0;
    const queueSel = el("select", { id: "filter-queue", "aria-label": "queue" }, el("option", { value: "" }, "all queues"));
    const stateSel = el("select", { id: "filter-state", "aria-label": "state" }, el("option", { value: "" }, "all states"),
      JOB_STATES.map((s) => el("option", { value: s }, s)));
    stateSel.value = filter.state;
    const newer = el("button", { id: "newer" }, "← Newer"), older = el("button", { id: "older" }, "Older →");
    const pageInfo = el("span", { class: "muted" });
    const list = section(null, "jobs-box");
    const root = el("div", null, el("h1", null, "Jobs"),
      el("div", { class: "filters" }, queueSel, stateSel), list.node,
      el("div", { class: "pager" }, newer, older, pageInfo));
    let last = [];
    function go() {
      const p = new URLSearchParams();
      if (filter.queue) p.set("queue", filter.queue);
      if (filter.state) p.set("state", filter.state);
      if (before) p.set("before", String(before));
      const qs = p.toString();
      history.replaceState(null, "", `/jobs${qs ? `?${qs}` : ""}`);
      poller.now();
    }
    queueSel.addEventListener("change", () => { filter.queue = queueSel.value; before = 0; befores.length = 0; go(); });
    stateSel.addEventListener("change", () => { filter.state = stateSel.value; before = 0; befores.length = 0; go(); });
    older.addEventListener("click", () => { if (last.length) { befores.push(before); before = last[last.length - 1].id; go(); } });
    newer.addEventListener("click", () => { before = befores.length ? befores.pop() : 0; go(); });
    async function refresh() {
      const p = new URLSearchParams({ limit: String(PAGE) });
      if (filter.queue) p.set("queue", filter.queue);
      if (filter.state) p.set("state", filter.state);
      if (before) p.set("before", String(before));
      const [queues, jobs] = await Promise.all([api("/api/queues"), api(`/api/jobs?${p}`)]);
      const names = queues.map((q) => q.name);
      if (filter.queue && !names.includes(filter.queue)) names.push(filter.queue);
      if (queueSel.options.length !== names.length + 1 || names.some((n, i) => queueSel.options[i + 1].value !== n)) {
        queueSel.replaceChildren(el("option", { value: "" }, "all queues"), names.map((n) => el("option", { value: n }, n)));
      }
      queueSel.value = filter.queue;
      last = jobs;
      list.body.replaceChildren(table("jobs", jobColumns(false), jobs, "No jobs match."));
      newer.disabled = before === 0;
      older.disabled = jobs.length < PAGE;
      pageInfo.textContent = jobs.length ? `ids ${jobs[0].id} – ${jobs[jobs.length - 1].id}` : "";
    }
    return { nav: "jobs", title: "Jobs", root, refresh };
  }

  function jobPage(id) {
    const info = section(null, "job-box"), out = section("Output (last 100 lines)", "log-box");
    const root = el("div", null, el("h1", null, link("/jobs", "Jobs"), " / ", `#${id}`), info.node, out.node);
    const FIELDS = [["state", "State"], ["queue", "Queue"], ["name", "Name"], ["waiting", "Why waiting"],
      ["reason", "Reason"], ["attempt", "Attempt"], ["max_attempts", "Max attempts"], ["exit_status", "Exit status"],
      ["priority", "Priority"], ["submitted_at", "Submitted"], ["run_at", "Runs at"], ["started_at", "Started"],
      ["finished_at", "Finished"], ["timeout_s", "Timeout"], ["pid", "PID"], ["key", "Key"], ["after", "After"],
      ["command", "Command"], ["cwd", "Directory"], ["uid", "Owner uid"], ["runs", "Runs"]];
    async function refresh() {
      const j = await api(`/api/jobs/${encodeURIComponent(id)}`);
      const dl = el("dl", { class: "kv", id: "job" });
      const always = new Set(["state", "queue", "attempt", "exit_status", "submitted_at", "command"]);
      for (const [k, label] of FIELDS) {
        if (!(k in j)) continue;
        const v = j[k];
        // Empty fields say nothing: shown only where their absence means something.
        if (!always.has(k) && (v === null || v === "" || (Array.isArray(v) && !v.length))) continue;
        let node;
        if (k === "state") node = jobBadge(v);
        else if (k.endsWith("_at")) node = when(v);
        else if (k === "exit_status") node = text(exitText(v));
        else if (k === "command") node = el("code", null, commandText(v));
        else if (k === "after") node = v && v.length ? el("span", null, v.map((a, i) => [i ? ", " : "", link(`/jobs/${a}`, `#${a}`)])) : text("–");
        else if (k === "timeout_s") node = text(v === null ? "none" : duration(v));
        else node = text(v === null || v === "" ? "–" : typeof v === "object" ? JSON.stringify(v) : v);
        dl.append(el("dt", null, label), el("dd", null, node));
      }
      const blocks = [dl];
      if (j.redacted) blocks.unshift(el("p", { class: "muted" }, "This job belongs to another user: its command, name, key and output are hidden."));
      if (Array.isArray(j.attempts) && j.attempts.length) {
        blocks.push(el("h2", null, "Attempts"), table("attempts", [
          { h: "#", num: true, cell: (a) => a.attempt ?? "–" },
          { h: "Started", cell: (a) => when(a.started_at) },
          { h: "Finished", cell: (a) => when(a.finished_at) },
          { h: "Exit", cell: (a) => exitText(a.exit_status ?? a.exit) },
          { h: "Reason", cls: "wrap", cell: (a) => a.reason ?? "–" },
        ], j.attempts));
      }
      info.body.replaceChildren(...blocks);
      if (j.redacted) { out.body.replaceChildren(el("div", { class: "empty" }, "hidden")); return; }
      const log = await api(`/api/jobs/${encodeURIComponent(id)}/log?tail=100`, "text");
      out.body.replaceChildren(log ? el("pre", { class: "log", id: "log" }, log)
        : el("div", { class: "empty" }, "No output."));
    }
    return { nav: "jobs", title: `Job ${id}`, root, refresh };
  }

  function cronPage() {
    const list = section(null, "cron-box");
    const root = el("div", null, el("h1", null, "Cron"), list.node);
    async function refresh() {
      const entries = await api("/api/cron");
      list.body.replaceChildren(table("cron", [
        { h: "Entry", cell: (c) => c.name },
        { h: "Schedule", cell: (c) => el("code", null, c.schedule) },
        { h: "Zone", cell: (c) => c.timezone },
        { h: "Source", cell: (c) => c.source },
        { h: "Queue", cell: (c) => link(`/queues/${encodeURIComponent(c.queue)}`, c.queue) },
        { h: "Last fire", cell: (c) => zoned(c.last_fire) },
        { h: "Next fire", cell: (c) => zoned(c.next_fire) },
        { h: "", cell: (c) => relative(c.next_fire) },
        { h: "Last job", cell: (c) => lastJob(c.last_job) },
        { h: "Command", cls: "cmd", cell: (c) => commandText(c.command) },
      ], entries, "No cron entries."));
    }
    return { nav: "cron", title: "Cron", root, refresh };
  }
  function lastJob(j) {
    if (j === null || j === undefined) return "–";
    if (typeof j !== "object") return link(`/jobs/${j}`, `#${j}`);
    return el("span", null, link(`/jobs/${j.id}`, `#${j.id}`), " ", j.state ? jobBadge(j.state) : null);
  }

  function notFound() {
    const root = el("div", null, el("h1", null, "Not found"), el("p", null, link("/", "Back to the overview")));
    return { nav: "", title: "Not found", root, refresh: async () => {} };
  }

  // ---- routing and polling
  function pageFor(path) {
    const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
    const [top, obj] = parts;
    if (!top) return overviewPage();
    if (top === "programs") return obj ? programPage(obj) : programsPage();
    if (top === "queues") return obj ? queuePage(obj) : queuesPage();
    if (top === "jobs") return obj ? jobPage(obj) : jobsPage();
    if (top === "cron" && !obj) return cronPage();
    return notFound();
  }

  const poller = {
    page: null, timer: null, busy: false, again: false, failedSince: null,
    async tick() {
      clearTimeout(this.timer);
      if (document.visibilityState === "hidden") return;  // resumed by visibilitychange
      if (this.busy) { this.again = true; return; }
      this.busy = true;
      const page = this.page;
      try {
        await page.refresh();
        if (page !== this.page) return;
        statusEl.textContent = `updated ${clock(new Date())}`;
        statusEl.classList.remove("stale");
        this.failedSince = null;
        document.getElementById("error")?.remove();
      } catch (e) {
        if (page !== this.page) return;
        this.failedSince = this.failedSince || new Date();
        statusEl.textContent = `stale since ${clock(this.failedSince)}`;
        statusEl.classList.add("stale");
        let box = document.getElementById("error");
        if (!box) { box = el("div", { id: "error", class: "error" }); main.prepend(box); }
        box.textContent = e instanceof HttpError ? e.message
          : e instanceof TypeError && /fetch/i.test(e.message) ? `cannot reach tendd: ${e.message}`
            : `this page failed: ${e.message}`;
      } finally {
        this.busy = false;
        if (this.again) { this.again = false; this.tick(); } else this.schedule();
      }
    },
    schedule() {
      clearTimeout(this.timer);
      if (document.visibilityState !== "hidden") this.timer = setTimeout(() => this.tick(), POLL_MS);
    },
    now() { this.tick(); },
  };

  function route() {
    const page = pageFor(location.pathname);
    poller.page = page;
    document.title = `${page.title} · tend`;
    for (const a of document.querySelectorAll("#nav a"))
      a.classList.toggle("active", a.dataset.page === page.nav);
    main.replaceChildren(page.root);
    poller.now();
  }

  // Links inside the dashboard change the page without reloading it.
  document.addEventListener("click", (ev) => {
    const a = ev.target.closest && ev.target.closest("a[href]");
    if (!a || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || /^\/(api|static|metrics|healthz)(\/|$)/.test(url.pathname)) return;
    ev.preventDefault();
    history.pushState(null, "", url.pathname + url.search);
    route();
  });
  window.addEventListener("popstate", route);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") poller.now(); else clearTimeout(poller.timer);
  });

  api("/api/version").then((v) => {
    document.getElementById("version").textContent = `tendd ${v.version ?? ""}`;
  }).catch(() => {});
  route();
})();
