// The dashboard: reads /api/dashboard for the filters in the form (and the address bar), draws the headline
// metrics and charts, and polls /api/dashboard/version to redraw whenever a mart refresh changed the marts.
"use strict";

(() => {
  const form = document.getElementById("filters");
  const from = document.getElementById("from");
  const to = document.getElementById("to");
  const store = document.getElementById("store");
  const updated = document.getElementById("updated");
  const span = document.getElementById("span");
  let version = null;
  let loading = false;

  const params = new URLSearchParams(location.search);
  from.value = params.get("from") || "";
  to.value = params.get("to") || "";

  function query() {
    const q = new URLSearchParams();
    if (from.value) q.set("from", from.value);
    if (to.value) q.set("to", to.value);
    if (store.value) q.set("store", store.value);
    return q.toString();
  }

  function metric(name, value) {
    const card = document.querySelector(`.metric[data-metric="${name}"]`);
    card.dataset.value = value === null || value === undefined ? "" : value;
    return card.querySelector(".value");
  }

  function render(data) {
    version = data.version;
    const f = data.filters;
    if (store.options.length === 1 && f.stores) {
      for (const s of f.stores) {
        const option = document.createElement("option");
        option.value = s.store_id;
        option.textContent = `Store ${s.store_id} (${s.store})`;
        store.appendChild(option);
      }
      store.value = params.get("store") || "";
    }
    // Empty dates mean every day, so that a rental after the last day seen still counts; the span is shown.
    if (f.firstDay) {
      from.min = to.min = f.firstDay;
      from.max = to.max = f.lastDay;
      span.textContent = `Rentals from ${f.firstDay} to ${f.lastDay}`;
    }
    document.getElementById("empty").hidden = data.headline !== null;
    updated.textContent = data.changedAt ? "Marts refreshed " + new Date(data.changedAt).toLocaleTimeString() : "";
    document.body.dataset.version = data.version;
    if (!data.headline) {
      return;
    }
    const h = data.headline;
    metric("revenue", h.revenue).textContent = Charts.moneyExact(h.revenue);
    metric("rentals", h.rentals).textContent = Charts.count(h.rentals);
    metric("activeCustomers", h.activeCustomers).textContent = Charts.count(h.activeCustomers);
    metric("averageRentalDays", h.averageRentalDays).textContent = h.averageRentalDays === null ? "–" : h.averageRentalDays;
    metric("lateReturnRate", h.lateReturnRate).textContent = h.lateReturnRate === null ? "–"
      : (h.lateReturnRate * 100).toFixed(1) + " %";
    Charts.columns(document.getElementById("revenueByMonth"), data.revenueByMonth,
      {x: "month", series: [{key: "revenue", name: "Revenue", className: "bar"}], format: Charts.money, tick: Charts.month,
        title: "Revenue by month"});
    Charts.bars(document.getElementById("rentalsByCategory"), data.rentalsByCategory,
      {label: "category", value: "rentals", format: Charts.count, title: "Rentals by category"});
    Charts.bars(document.getElementById("topFilms"), data.topFilms,
      {label: "title", value: "rentals", format: Charts.count, title: "Top films"});
    Charts.bars(document.getElementById("revenueByStore"), data.revenueByStore.map(s => Object.assign({}, s,
      {name: `Store ${s.store_id} (${s.store})`})), {label: "name", value: "revenue", format: Charts.money, labelWidth: 180,
      title: "Revenue by store"});
    Charts.bars(document.getElementById("revenueByCountry"), data.revenueByCountry,
      {label: "country", value: "revenue", format: Charts.money, title: "Revenue by country"});
    Charts.columns(document.getElementById("lateReturnsByMonth"), data.lateReturnsByMonth,
      {x: "month", series: [{key: "late", name: "Late", className: "late"}, {key: "on_time", name: "On time", className: "on_time"},
        {key: "open", name: "Not returned", className: "open"}], format: Charts.count, tick: Charts.month,
        title: "Returns by month"});
    document.body.dataset.rendered = query();
  }

  async function load() {
    if (loading) return;
    loading = true;
    try {
      const response = await fetch("/api/dashboard?" + query());
      if (!response.ok) {
        updated.textContent = "Could not load the dashboard: " + (await response.text());
        return;
      }
      render(await response.json());
    } catch (e) {
      updated.textContent = "Could not reach the pipeline: " + e;
    } finally {
      loading = false;
    }
  }

  async function poll() {
    try {
      const response = await fetch("/api/dashboard/version");
      if (response.ok && (await response.json()).version !== version) {
        await load();
      }
    } catch (e) {
      updated.textContent = "Could not reach the pipeline: " + e;
    }
  }

  form.addEventListener("submit", event => {
    event.preventDefault();
    history.replaceState(null, "", "?" + query());
    load();
  });
  store.addEventListener("change", () => form.requestSubmit());
  load();
  setInterval(poll, 3000);
})();
