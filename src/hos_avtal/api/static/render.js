// Drawing the compare result: the totals, the per-part, per-kommunalförbund and per-kommun tables
// (sortable), and the SVG bar chart, for all parts or the one part chosen under "Visa".

import { $, fillSelect } from "./dom.js";
import { monthName, pct, sek, signedSek } from "./format.js";
import { state } from "./state.js";

// The capabilities' Swedish names, and the shorter ones of the "Visa" choice.
const CAPABILITY_NAMES = {
  betalningsansvar: "Betalningsansvar", placements: "Placeringar",
  home_care: "Hemtjänst och hemsjukvård i annan kommun",
};
const VIEW_NAMES = Object.assign({ all: "Alla delar" }, CAPABILITY_NAMES, { home_care: "Hemtjänst och hemsjukvård" });

function scenarioOf(row) {
  const s = row.scenarios[0];
  return s ? s : { amount_sek: row.base_sek, difference_sek: "0.00", difference_pct: row.base_sek === "0.00" ? null : "0.0" };
}

/** The row's amounts for what "Visa" shows: the whole row, or its by_capability[cap] amounts. */
function picked(row) {
  if (state.view === "all" || !row.by_capability) return row;
  const part = row.by_capability[state.view] || { base_sek: "0.00", scenarios: [] };
  return Object.assign({}, row, { base_sek: part.base_sek, scenarios: part.scenarios });
}

/** The result as "Visa" shows it: top-level amounts, or one capability's amounts everywhere. */
function viewed() {
  const r = state.result;
  return Object.assign({}, r, { total: picked(r.total), kommunalforbund: r.kommunalforbund.map(picked),
    municipalities: r.municipalities.map(picked) });
}

/** What the tables and chart show, in words: "Placeringar", or "Alla delar" when several are summed. */
function shownName() {
  const caps = state.result.capabilities || [];
  if (state.view !== "all") return CAPABILITY_NAMES[state.view];
  return caps.length === 1 ? CAPABILITY_NAMES[caps[0]] : "Alla delar";
}

function fillViews(r) {
  const caps = (r.capabilities || []).filter((c) => CAPABILITY_NAMES[c]);
  if (!caps.includes(state.view)) state.view = "all";
  const select = $("view-select");
  fillSelect(select, [["all", VIEW_NAMES.all], ...caps.map((c) => [c, VIEW_NAMES[c]])]);
  select.value = state.view;
  $("view-row").hidden = caps.length < 2;
}

function scenarioLabel(r) {
  return r.scenarios && r.scenarios.length ? r.scenarios[0].name : "oförändrat (samma som basen)";
}

export function render() {
  fillViews(state.result);
  const full = state.result;
  const r = viewed();
  const what = shownName();
  const t = scenarioOf(r.total);
  $("scenario-name").textContent = `Scenario: ${scenarioLabel(full)}`;
  $("totals-what").textContent = state.view === "all" && (full.capabilities || []).length > 1
    ? "Visar: alla delar (" + full.capabilities.map((c) => CAPABILITY_NAMES[c].toLocaleLowerCase("sv-SE")).join(", ") + ")"
    : `Visar: ${what.toLocaleLowerCase("sv-SE")}`;
  $("forbund-caption").textContent = `${what} per kommunalförbund: bas, scenario och skillnad`;
  $("municipalities-caption").textContent =
    `${what} per kommun, grupperat per kommunalförbund. Klicka på en kolumnrubrik för att sortera.`;
  $("total-base").textContent = sek(r.total.base_sek);
  $("total-scenario").textContent = sek(t.amount_sek);
  $("total-diff").textContent = signedSek(t.difference_sek);
  $("total-pct").textContent = pct(t.difference_pct);
  $("underlag-text").textContent = `Bas ${r.base.ruleset || "gällande avtal"}, ${r.months.map(monthName).join(", ")}.`;
  renderParts(full);
  renderForbund(r);
  renderTable(r);
  renderChart(r);
}

/** "Per del": each capability's totals (from total.by_capability), when there is more than one. */
function renderParts(r) {
  const caps = (r.capabilities || []).filter((c) => r.total.by_capability && r.total.by_capability[c]);
  $("per-del-block").hidden = caps.length < 2;
  const body = document.createElement("tbody");
  for (const cap of caps) {
    const tr = cells(document.createElement("tr"), r.total.by_capability[cap], th(CAPABILITY_NAMES[cap], "row"));
    tr.dataset.capability = cap;
    body.append(tr);
  }
  $("per-del").querySelector("tbody").replaceWith(body);
  $("per-del").querySelector("tfoot")?.remove();
  const foot = document.createElement("tfoot");
  foot.append(cells(document.createElement("tr"), r.total, th("Alla delar", "row")));
  $("per-del").append(foot);
}

function cells(tr, row, nameCell) {
  const s = scenarioOf(row);
  const diff = Number(s.difference_sek);
  tr.className = diff > 0 ? "okning" : diff < 0 ? "minskning" : "";
  tr.append(nameCell);
  for (const [text, cls] of [[sek(row.base_sek), "tal"], [sek(s.amount_sek), "tal"],
    [signedSek(s.difference_sek), "tal skillnad"], [pct(s.difference_pct), "tal skillnad"]]) {
    const td = document.createElement("td");
    td.className = cls;
    td.textContent = text;
    tr.append(td);
  }
  return tr;
}

function th(text, scope, extra = {}) {
  const cell = document.createElement("th");
  cell.scope = scope;
  cell.textContent = text;
  Object.assign(cell, extra);
  return cell;
}

function td(text, cls = "") {
  const cell = document.createElement("td");
  cell.textContent = text;
  cell.className = cls;
  return cell;
}

function renderForbund(r) {
  const rows = r.kommunalforbund.map((k) => {
    const tr = document.createElement("tr");
    cells(tr, k, th(k.kommunalforbund, "row"));
    tr.insertBefore(td(String(k.municipalities), "tal"), tr.children[1]);
    return tr;
  });
  const total = cells(document.createElement("tr"), r.total, th("Alla 49 kommuner", "row"));
  total.insertBefore(td("49", "tal"), total.children[1]);
  const foot = document.createElement("tfoot");
  foot.append(total);
  const body = document.createElement("tbody");
  body.append(...rows);
  $("forbund").querySelector("tbody").replaceWith(body);
  $("forbund").querySelector("tfoot")?.remove();
  $("forbund").append(foot);
}

function sortValue(row, key) {
  const s = scenarioOf(row);
  return { name: row.name, kommun: row.kommun, base: Number(row.base_sek), scenario: Number(s.amount_sek),
    diff: Number(s.difference_sek), pct: s.difference_pct == null ? -Infinity : Number(s.difference_pct) }[key];
}

function sortedMunicipalities(r) {
  const { key, dir } = state.sort;
  return r.municipalities.slice().sort((a, b) => {
    const x = sortValue(a, key), y = sortValue(b, key);
    return (typeof x === "string" ? x.localeCompare(y, "sv") : x - y) * dir;
  });
}

function renderTable(r) {
  const table = $("municipalities");
  table.querySelectorAll("tbody").forEach((b) => b.remove());
  const sorted = sortedMunicipalities(r);
  for (const k of r.kommunalforbund) {
    const body = document.createElement("tbody");
    const head = document.createElement("tr");
    const s = scenarioOf(k);
    head.append(th(`${k.kommunalforbund} (${k.municipalities} kommuner): bas ${sek(k.base_sek)}, ` +
      `scenario ${sek(s.amount_sek)}, skillnad ${signedSek(s.difference_sek)}`, "rowgroup", { colSpan: 6 }));
    body.append(head);
    for (const m of sorted.filter((x) => x.kommunalforbund === k.kommunalforbund)) {
      const tr = cells(document.createElement("tr"), m, th(m.name, "row"));
      tr.classList.add("kommun-row");
      tr.dataset.kommun = m.kommun;
      tr.insertBefore(td(m.kommun), tr.children[1]);
      body.append(tr);
    }
    table.append(body);
  }
}

export function sortBy(event) {
  const button = event.target.closest("button[data-sort]");
  if (!button) return;
  const key = button.dataset.sort;
  state.sort = { key, dir: state.sort.key === key ? -state.sort.dir : 1 };
  $("municipalities").querySelectorAll("thead th").forEach((cell) => cell.removeAttribute("aria-sort"));
  button.parentElement.setAttribute("aria-sort", state.sort.dir > 0 ? "ascending" : "descending");
  if (state.result) { const r = viewed(); renderTable(r); renderChart(r); }
}

const SVG = "http://www.w3.org/2000/svg";
function svg(name, attributes, text) {
  const element = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attributes)) element.setAttribute(k, v);
  if (text != null) element.textContent = text;
  return element;
}

function renderChart(r) {
  // Horizontal bars, base above scenario, in the table's order: names stay readable for all 49.
  const rows = r.kommunalforbund.flatMap((k) =>
    sortedMunicipalities(r).filter((m) => m.kommunalforbund === k.kommunalforbund));
  const label = 150, right = 110, width = 900, rowHeight = 22, top = 30;
  const height = top + rows.length * rowHeight + 10;
  // Net amounts (home care is netted) can be negative: bars grow left or right of a zero line.
  const values = rows.flatMap((m) => [Number(m.base_sek), Number(scenarioOf(m).amount_sek)]);
  const min = Math.min(0, ...values), max = Math.max(0, ...values);
  const span = Math.max(1, max - min);
  const scale = (v) => (Math.abs(Number(v)) / span) * (width - label - right);
  const zero = label + (-min / span) * (width - label - right);
  const barX = (v) => (Number(v) < 0 ? zero - scale(v) : zero);
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": "chart-title chart-desc" });
  const t = scenarioOf(r.total);
  const name = scenarioLabel(r);
  root.append(svg("title", { id: "chart-title" }, `${shownName()} per kommun: bas och scenario`));
  root.append(svg("desc", { id: "chart-desc" }, `Grå stapel: bas, blå stapel: scenario (${name}). ` +
    `Totalt bas ${sek(r.total.base_sek)}, scenario ${sek(t.amount_sek)}. Samma siffror finns i tabellen nedan.`));
  root.append(svg("rect", { x: label, y: 6, width: 12, height: 10, class: "bas" }));
  root.append(svg("text", { x: label + 16, y: 15 }, "Bas"));
  root.append(svg("rect", { x: label + 60, y: 6, width: 12, height: 10, class: "scen" }));
  const legend = `Scenario: ${name}`;
  root.append(svg("text", { x: label + 76, y: 15 }, legend.length > 110 ? `${legend.slice(0, 109)}…` : legend));
  if (min < 0) root.append(svg("line", { x1: zero, x2: zero, y1: top, y2: height - 6, class: "noll" }));
  rows.forEach((m, i) => {
    const y = top + i * rowHeight;
    const s = scenarioOf(m);
    const group = svg("g", {});
    group.append(svg("title", {}, `${m.name}: bas ${sek(m.base_sek)}, scenario ${sek(s.amount_sek)}, skillnad ${signedSek(s.difference_sek)}`));
    group.append(svg("text", { x: label - 6, y: y + 14, "text-anchor": "end" }, m.name));
    group.append(svg("rect", { x: barX(m.base_sek), y: y + 2, width: scale(m.base_sek), height: 8, class: "bas" }));
    group.append(svg("rect", { x: barX(s.amount_sek), y: y + 10, width: scale(s.amount_sek), height: 8, class: "scen" }));
    const end = Math.max(zero, ...[m.base_sek, s.amount_sek].map((v) => barX(v) + scale(v)));
    group.append(svg("text", { x: end + 4, y: y + 16 }, Number(s.difference_sek) ? signedSek(s.difference_sek) : ""));
    root.append(group);
  });
  $("chart").replaceChildren(root);
}
