// The pipeline page: polls /api/pipeline every 2 s; event rates are the difference between two polls.
"use strict";

(() => {
  let previous = null;

  function cell(row, content, className) {
    const td = document.createElement("td");
    if (className) td.className = className;
    if (content instanceof Node) td.appendChild(content); else td.textContent = content === null || content === undefined ? "" : content;
    row.appendChild(td);
    return td;
  }

  function metric(name, value, bad) {
    const card = document.querySelector(`.metric[data-metric="${name}"]`);
    card.dataset.value = value;
    const node = card.querySelector(".value");
    node.textContent = value;
    node.classList.toggle("bad", !!bad);
  }

  function list(id, entries) {
    const dl = document.getElementById(id);
    dl.textContent = "";
    for (const [name, value] of entries) {
      const dt = document.createElement("dt");
      dt.textContent = name;
      const dd = document.createElement("dd");
      dd.textContent = value === null || value === undefined || value === "" ? "–" : value;
      dl.append(dt, dd);
    }
  }

  function bytes(n) {
    if (n === null || n === undefined) return "–";
    const units = ["B", "KiB", "MiB", "GiB"];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? n : n.toFixed(1)) + " " + units[i];
  }

  function when(iso) {
    return iso ? new Date(iso).toLocaleString() : "–";
  }

  function render(status) {
    const problems = [];
    const c = status.capture;
    metric("phase", c.phase, !!c.writeError);
    metric("lag", bytes(c.replicationLagBytes));
    const fresh = status.marts.freshnessSeconds;
    metric("freshness", fresh === null ? "–" : fresh.toFixed(1) + " s");
    metric("tests", status.dataTests.failing, status.dataTests.failing > 0);
    metric("deadLetters", status.deadLetters.count === undefined ? "?" : status.deadLetters.count, status.deadLetters.count > 0);
    if (c.writeError) problems.push("Staging writes failing: " + c.writeError);
    if (c.slotError) problems.push("Replication slot: " + c.slotError);
    if (c.resyncing) problems.push("Taking a new snapshot of every table: " + c.resyncing);
    if (c.slotLost) problems.push("Replication slot lost at " + c.slotLost);
    if (c.engine && c.engine.startsWith("refused: ")) problems.push("Capture " + c.engine);
    if (status.marts.failedOrSkipped.length) problems.push("Models failed or skipped: " + status.marts.failedOrSkipped.join(", "));
    const notice = document.getElementById("problems");
    notice.hidden = problems.length === 0;
    notice.textContent = problems.join(" · ");

    const seconds = previous ? (Date.parse(status.at) - Date.parse(previous.at)) / 1000 : 0;
    const before = {};
    if (previous) for (const t of previous.tables) before[t.table] = t.events;
    const body = document.querySelector("#tables tbody");
    body.textContent = "";
    for (const t of status.tables) {
      const row = document.createElement("tr");
      row.dataset.table = t.table;
      cell(row, t.table);
      const snapshot = document.createElement("span");
      if (t.snapshotRows !== null) {
        const estimate = t.snapshotEstimate || 0;
        const pct = estimate > 0 ? Math.min(100, Math.round(100 * t.snapshotRows / estimate)) : 100;
        const bar = document.createElement("span");
        bar.className = "progress";
        bar.innerHTML = `<span style="width:${pct}%"></span>`;
        snapshot.append(bar, `${t.snapshotRows.toLocaleString()} rows`);
        row.dataset.snapshotRows = t.snapshotRows;
      } else {
        snapshot.textContent = "–";
      }
      cell(row, snapshot);
      const e = t.events || {};
      cell(row, (e.c || 0).toLocaleString(), "num");
      cell(row, (e.u || 0).toLocaleString(), "num");
      cell(row, (e.d || 0).toLocaleString(), "num");
      const total = (e.c || 0) + (e.u || 0) + (e.d || 0);
      const old = before[t.table] || {};
      const oldTotal = (old.c || 0) + (old.u || 0) + (old.d || 0);
      cell(row, seconds > 0 ? ((total - oldTotal) / seconds).toFixed(1) : "–", "num");
      if (t.resync) {
        row.dataset.resync = t.resync;
        cell(row, t.resync);
      } else if (t.qualified) {
        // A new snapshot of this table while the others stream on; keys gone at the source are deleted.
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = "Resync";
        button.title = "Copy " + t.qualified + " again while streaming goes on";
        button.addEventListener("click", async () => {
          button.disabled = true;
          const answer = await fetch("/pipeline/tables/" + encodeURIComponent(t.qualified) + "/resync", {method: "POST"});
          if (!answer.ok) alert(await answer.text() || answer.statusText);
          load();
        });
        cell(row, button);
      } else {
        cell(row, "");
      }
      body.appendChild(row);
    }

    list("marts", [["Last cycle", when(status.marts.lastCycleAt)], ["Last change", when(status.marts.lastChangedAt)],
      ["Applied source commit", when(status.marts.appliedSourceCommit)],
      ["Failed or skipped", status.marts.failedOrSkipped.join(", ") || "none"]]);
    list("staging", [["Engine", c.engine], ["Events captured", c.events.toLocaleString()],
      ["Rows staged", c.rowsStaged.toLocaleString()], ["Last batch", when(c.lastBatchAt)],
      ["Replication slot", c.slot + (c.slotActive ? " (active)" : " (not active)")],
      ["Parquet exports", status.exports.enabled ? `${Object.keys(status.exports.marts).length} marts in ${status.exports.directory}`
        : "off"]]);

    const tests = document.querySelector("#tests tbody");
    tests.textContent = "";
    const results = [...status.dataTests.results].sort((a, b) => (a.status === "passed") - (b.status === "passed"));
    for (const r of results) {
      const row = document.createElement("tr");
      // A warning (a source past its freshness warn_after) is shown apart: it does not take readiness down.
      if (r.status !== "passed") row.className = r.status === "warn" ? "warn" : "failed";
      row.dataset.status = r.status;
      cell(row, r.model); cell(row, r.test); cell(row, r.status); cell(row, r.failingRows, "num"); cell(row, r.detail);
      tests.appendChild(row);
    }
    const operations = document.querySelector("#operations tbody");
    operations.textContent = "";
    for (const o of (status.operations && status.operations.latest) || []) {
      const row = document.createElement("tr");
      row.dataset.operation = o.operation;
      cell(row, when(o.occurred_at)); cell(row, o.operation); cell(row, o.table_name); cell(row, o.detail);
      operations.appendChild(row);
    }
    const syncs = document.querySelector("#syncs tbody");
    syncs.textContent = "";
    for (const s of status.syncs.latest || []) {
      const row = document.createElement("tr");
      row.dataset.table = s.table_name;
      cell(row, when(s.finished_at)); cell(row, s.table_name); cell(row, s.reason);
      cell(row, Number(s.snapshot_rows).toLocaleString(), "num"); cell(row, Number(s.vanished_keys).toLocaleString(), "num");
      syncs.appendChild(row);
    }
    const letters = document.querySelector("#deadLetters tbody");
    letters.textContent = "";
    for (const d of status.deadLetters.latest || []) {
      const row = document.createElement("tr");
      cell(row, when(d.failed_at)); cell(row, d.table_name); cell(row, d.key_json); cell(row, d.error);
      letters.appendChild(row);
    }
    document.body.dataset.rendered = status.at;
    previous = status;
  }

  async function load() {
    try {
      const response = await fetch("/api/pipeline");
      if (response.ok) render(await response.json());
    } catch (e) {
      const notice = document.getElementById("problems");
      notice.hidden = false;
      notice.textContent = "Could not reach the pipeline: " + e;
    }
  }

  load();
  setInterval(load, 2000);
})();
