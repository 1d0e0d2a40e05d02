// Small SVG charts, no dependencies and no build step. Every mark carries data-label and data-value, the
// exact figures it was drawn from, so a reader (or the browser test) can check a chart against the marts.
"use strict";

const Charts = (() => {
  const SVG = "http://www.w3.org/2000/svg";

  function element(name, attributes, parent) {
    const node = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes || {})) {
      node.setAttribute(key, value);
    }
    if (parent) {
      parent.appendChild(node);
    }
    return node;
  }

  function text(parent, x, y, content, attributes) {
    const node = element("text", Object.assign({x: x, y: y}, attributes || {}), parent);
    node.textContent = content;
    return node;
  }

  function clear(container) {
    while (container.firstChild) {
      container.removeChild(container.firstChild);
    }
  }

  function empty(container) {
    clear(container);
    const note = document.createElement("p");
    note.className = "muted";
    note.textContent = "No data for these filters.";
    container.appendChild(note);
  }

  /** Horizontal bars: one row per item, label on the left, value at the bar's end. */
  function bars(container, rows, options) {
    clear(container);
    if (!rows || rows.length === 0) {
      return empty(container);
    }
    const rowHeight = 20, labelWidth = options.labelWidth || 130, width = 420, valueWidth = 60;
    const svg = element("svg", {viewBox: `0 0 ${width} ${rows.length * rowHeight + 4}`, role: "img",
      "aria-label": options.title || ""}, container);
    const max = Math.max(...rows.map(row => Number(row[options.value]) || 0), 0) || 1;
    const span = width - labelWidth - valueWidth;
    rows.forEach((row, i) => {
      const value = Number(row[options.value]) || 0;
      const y = i * rowHeight + 2;
      const label = String(row[options.label]);
      text(svg, labelWidth - 6, y + 14, label.length > 24 ? label.slice(0, 23) + "…" : label,
        {"text-anchor": "end"}).appendChild(element("title")).textContent = label;
      element("rect", {class: "bar", x: labelWidth, y: y + 3, height: rowHeight - 6,
        width: Math.max(1, span * value / max), "data-label": label, "data-value": row[options.value]}, svg);
      text(svg, labelWidth + span * value / max + 5, y + 14, options.format(value), {class: "axis"});
    });
  }

  /** Vertical columns over a category axis (months), stacked when there are several series. */
  function columns(container, rows, options) {
    clear(container);
    if (!rows || rows.length === 0) {
      return empty(container);
    }
    const width = 900, height = 240, left = 70, bottom = 40, top = 10;
    const svg = element("svg", {viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": options.title || ""}, container);
    const totals = rows.map(row => options.series.reduce((sum, s) => sum + (Number(row[s.key]) || 0), 0));
    const max = Math.max(...totals, 0) || 1;
    const plot = height - bottom - top;
    const step = (width - left) / rows.length;
    const barWidth = Math.max(2, Math.min(48, step * 0.7));
    for (let tick = 0; tick <= 4; tick++) {
      const value = max * tick / 4;
      const y = top + plot - plot * tick / 4;
      element("line", {x1: left, x2: width, y1: y, y2: y, stroke: "#e3e7ee"}, svg);
      text(svg, left - 6, y + 4, options.format(value), {"text-anchor": "end", class: "axis"});
    }
    rows.forEach((row, i) => {
      const x = left + i * step + (step - barWidth) / 2;
      let base = top + plot;
      const label = String(row[options.x]);
      for (const s of options.series) {
        const value = Number(row[s.key]) || 0;
        const h = plot * value / max;
        base -= h;
        element("rect", {class: s.className || "bar", x: x, y: base, width: barWidth, height: Math.max(0, h),
          "data-label": label, "data-series": s.key, "data-value": row[s.key]}, svg)
          .appendChild(element("title")).textContent = `${label} · ${s.name}: ${options.format(value)}`;
      }
      if (rows.length <= 24 || i % Math.ceil(rows.length / 24) === 0) {
        text(svg, x + barWidth / 2, height - bottom + 16, options.tick ? options.tick(label) : label,
          {"text-anchor": "middle", class: "axis"});
      }
    });
    if (options.series.length > 1) {
      const legend = document.createElement("div");
      legend.className = "legend";
      for (const s of options.series) {
        const item = document.createElement("span");
        const swatch = document.createElement("i");
        swatch.className = s.className;
        item.appendChild(swatch);
        item.appendChild(document.createTextNode(s.name));
        legend.appendChild(item);
      }
      container.appendChild(legend);
    }
  }

  const money = new Intl.NumberFormat("en-US", {style: "currency", currency: "USD", maximumFractionDigits: 0});
  const moneyExact = new Intl.NumberFormat("en-US", {style: "currency", currency: "USD", minimumFractionDigits: 2});
  const count = new Intl.NumberFormat("en-US", {maximumFractionDigits: 0});

  return {
    bars: bars,
    columns: columns,
    money: value => money.format(value),
    moneyExact: value => moneyExact.format(value),
    count: value => count.format(value),
    month: label => new Date(label + "T00:00:00Z").toLocaleDateString("en-US", {month: "short", year: "2-digit", timeZone: "UTC"}),
  };
})();
