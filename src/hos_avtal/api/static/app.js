// The negotiators' scenario page: vanilla JS, talks only to this server's /v1 API.
// Every change of a parameter (debounced) asks POST /v1/scenarios/compare for one scenario holding
// just the changed parameters, so the table always says what those changes alone would cost.
"use strict";

const KEY_STORE = "hos-avtal-api-key";
const DEBOUNCE_MS = 250;
const SCENARIO = "Scenario";
const PARAMS = {
  average_threshold_days: { number: "threshold-number", range: "threshold-range", kind: "decimal" },
  individual_after_days: { number: "individual-number", range: "individual-range", kind: "int" },
  free_days: { number: "free-number", range: "free-range", kind: "int" },
  daily_amount_sek: { number: "amount-number", range: "amount-range", kind: "money" },
  separate_care_type_averages: { check: "separate-check", kind: "bool" },
};
const NAMES = {
  average_threshold_days: "genomsnittsgräns", individual_after_days: "individuell beräkning efter dag",
  free_days: "fria dagar", daily_amount_sek: "dagbelopp",
  separate_care_type_averages: "separata genomsnitt",
};

const state = { dataset: null, rulesets: [], baseValues: null, result: null, sort: { key: "name", dir: 1 },
                sequence: 0, timer: null };
const $ = (id) => document.getElementById(id);

// ----------------------------------------------------------------------------- formatting

const kronor = new Intl.NumberFormat("sv-SE", { maximumFractionDigits: 0 });
const procent = new Intl.NumberFormat("sv-SE", { minimumFractionDigits: 1, maximumFractionDigits: 1 });

function sek(text) { return text == null ? "–" : `${kronor.format(Number(text))} kr`; }
function signedSek(text) {
  const n = Number(text);
  return `${n > 0 ? "+" : n < 0 ? "−" : "±"}${kronor.format(Math.abs(n))} kr`;
}
function pct(text) {
  if (text == null) return "–";
  const n = Number(text);
  return `${n > 0 ? "+" : n < 0 ? "−" : "±"}${procent.format(Math.abs(n))} %`;
}
function monthName(m) {
  const [y, mo] = m.split("-").map(Number);
  return new Date(y, mo - 1, 1).toLocaleDateString("sv-SE", { year: "numeric", month: "long" });
}

// ------------------------------------------------------------------------------------ api

async function api(path, options = {}) {
  const key = sessionStorage.getItem(KEY_STORE);
  if (!key) throw new Error("Ange en API-nyckel först.");
  const headers = Object.assign({ Authorization: `Bearer ${key}` }, options.headers || {});
  const response = await fetch(path, Object.assign({}, options, { headers }));
  if (!response.ok) throw new Error(await problemText(response));
  return response;
}

async function problemText(response) {
  const fallback = {
    401: "API-nyckeln saknas, är okänd eller återkallad.", 403: "Nyckelns roll får inte göra detta (kräver analytiker).",
    404: "Hittades inte.", 413: "Filen är för stor.", 422: "Indata kunde inte användas.",
  }[response.status] || `Servern svarade ${response.status}.`;
  try {
    const problem = await response.json();
    const items = (problem.errors || []).slice(0, 5).map((e) => {
      const where = [e.source, e.row != null ? `rad ${e.row}` : null, e.column, e.field].filter(Boolean).join(", ");
      return where ? `${where}: ${e.reason}` : e.reason;
    });
    return [fallback, problem.detail, ...items].filter(Boolean).join(" — ");
  } catch (_) {
    return fallback;
  }
}

function showError(error) {
  const box = $("fel");
  box.textContent = error ? `Fel: ${error.message || error}` : "";
  box.hidden = !error;
}
function status(text) { $("status").textContent = text; }

// ------------------------------------------------------------------------- key and lists

async function saveKey(event) {
  event.preventDefault();
  const value = $("api-key").value.trim();
  if (!value) return;
  sessionStorage.setItem(KEY_STORE, value);
  $("api-key").value = "";
  await start();
}

async function start() {
  showError(null);
  if (!sessionStorage.getItem(KEY_STORE)) {
    $("nyckel-status").textContent = "Ingen nyckel sparad.";
    return;
  }
  try {
    status("Hämtar regelverk, körningar och underlag …");
    const [rulesets, runs] = await Promise.all([
      api("/v1/rulesets").then((r) => r.json()),
      api("/v1/billing-runs").then((r) => r.json()),
    ]);
    $("nyckel-status").textContent = "Nyckel sparad för den här fliken.";
    state.rulesets = rulesets;
    fillSelect($("base-select"), rulesets.map((r) => [r.id, `${r.name} (${r.id})`]));
    fillSelect($("run-select"), [["", "– välj körning –"], ...runs.runs.slice().reverse().map((r) =>
      [String(r.id), `Körning ${r.id}: ${r.month}, version ${r.version} (${r.state === "final" ? "slutlig" : "utkast"})`])]);
    await loadDatasets();
    status("Välj eller ladda upp ett underlag.");
  } catch (error) {
    showError(error);
    status("");
  }
}

function fillSelect(select, options) {
  select.replaceChildren(...options.map(([value, text]) => new Option(text, value)));
}

async function loadDatasets(selected) {
  const list = await api("/v1/scenarios/datasets").then((r) => r.json());
  state.datasets = list.datasets;
  fillSelect($("dataset-select"), [["", "– välj underlag –"], ...list.datasets.map((d) =>
    [String(d.id), `${d.name} (${d.months.join(", ")}, ${kronor.format(d.episodes)} episoder)`])]);
  if (selected) {
    $("dataset-select").value = String(selected);
    await chooseDataset();
  }
}

async function upload(event) {
  event.preventDefault();
  showError(null);
  const file = $("upload-file").files[0];
  if (!file) { showError(new Error("Välj en fil att ladda upp.")); return; }
  const form = new FormData();
  form.append("episodes", file);
  if ($("upload-name").value.trim()) form.append("name", $("upload-name").value.trim());
  try {
    status("Laddar upp och kontrollerar filen …");
    const created = await api("/v1/scenarios/datasets", { method: "POST", body: form }).then((r) => r.json());
    await loadDatasets(created.id);
  } catch (error) { showError(error); status(""); }
}

async function fromRun(event) {
  event.preventDefault();
  showError(null);
  const id = $("run-select").value;
  if (!id) { showError(new Error("Välj en körning.")); return; }
  try {
    status("Hämtar körningens episoder …");
    const created = await api("/v1/scenarios/datasets", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ billing_run_id: Number(id) }),
    }).then((r) => r.json());
    await loadDatasets(created.id);
  } catch (error) { showError(error); status(""); }
}

async function chooseDataset() {
  showError(null);
  const id = Number($("dataset-select").value);
  state.dataset = (state.datasets || []).find((d) => d.id === id) || null;
  if (!state.dataset) return;
  const d = state.dataset;
  $("dataset-info").textContent = `${kronor.format(d.episodes)} episoder, ${d.months.map(monthName).join(", ")}` +
    (d.ruleset_id ? `; körningens regelverk ${d.ruleset_id}` : "");
  const month = d.months[0];
  const covering = state.rulesets.find((r) => r.id === d.ruleset_id) ||
    state.rulesets.find((r) => r.kind === "agreement" && r.auto_select && r.valid_from <= `${month}-01` &&
      (!r.valid_to || r.valid_to >= `${month}-01`)) || state.rulesets[0];
  $("base-select").value = covering.id;
  await chooseBase();
}

async function chooseBase() {
  showError(null);
  if (!state.dataset) return;
  const month = state.dataset.months[0];
  try {
    const query = new URLSearchParams({ month, base: $("base-select").value });
    state.baseValues = await api(`/v1/scenarios/base-parameters?${query}`).then((r) => r.json());
    resetParameters();
    $("parametrar").disabled = false;
    $("download-xlsx").disabled = false;
    await refresh();
  } catch (error) { showError(error); }
}

// ---------------------------------------------------------------------------- parameters

function resetParameters() {
  const b = state.baseValues;
  setValue("average_threshold_days", b.average_threshold_days);
  setValue("individual_after_days", b.individual_after_days);
  setValue("free_days", b.free_days);
  setValue("daily_amount_sek", Number(b.daily_amount_sek));
  $("separate-check").checked = b.separate_care_type_averages;
  markChanged();
}

function setValue(name, value) {
  $(PARAMS[name].number).value = value;
  $(PARAMS[name].range).value = value;
}

function currentChanges() {
  const b = state.baseValues;
  const changes = {};
  for (const [name, spec] of Object.entries(PARAMS)) {
    if (spec.kind === "bool") {
      if ($(spec.check).checked !== b[name]) changes[name] = $(spec.check).checked;
      continue;
    }
    const raw = $(spec.number).value;
    if (raw === "" || !$(spec.number).checkValidity()) continue;
    const value = Number(raw);
    if (spec.kind === "decimal" && value !== Number(b[name])) changes[name] = String(value);
    if (spec.kind === "int" && value !== Number(b[name])) changes[name] = Math.round(value);
    if (spec.kind === "money" && value !== Number(b[name])) changes[name] = value.toFixed(2);
  }
  return changes;
}

function markChanged() {
  const changes = currentChanges();
  for (const [name, spec] of Object.entries(PARAMS)) {
    const element = $(spec.number || spec.check);
    element.classList.toggle("andrad", name in changes);
  }
  const list = Object.entries(changes).map(([k, v]) => `${NAMES[k]} ${typeof v === "boolean" ? (v ? "på" : "av") : v}`);
  $("andringar").textContent = list.length ? `Ändrat mot basen: ${list.join(", ")}.` : "Inga ändringar mot basen.";
  return changes;
}

function onParameter(event) {
  const pair = event.target.dataset.pair;
  if (pair) $(pair).value = event.target.value;
  markChanged();
  clearTimeout(state.timer);
  state.timer = setTimeout(refresh, DEBOUNCE_MS);
}

function compareBody() {
  const changes = currentChanges();
  const body = { base: $("base-select").value, dataset_id: state.dataset.id, scenarios: [] };
  if (Object.keys(changes).length) body.scenarios.push({ name: SCENARIO, betalningsansvar: changes });
  return body;
}

async function refresh() {
  if (!state.dataset || !state.baseValues) return;
  const sequence = ++state.sequence;
  status("Räknar …");
  try {
    const result = await api("/v1/scenarios/compare", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(compareBody()),
    }).then((r) => r.json());
    if (sequence !== state.sequence) return; // a newer answer is on its way
    showError(null);
    state.result = result;
    render();
    status(`Uppdaterat ${new Date().toLocaleTimeString("sv-SE")}.`);
  } catch (error) {
    if (sequence === state.sequence) { showError(error); status(""); }
  }
}

async function downloadExcel() {
  showError(null);
  try {
    status("Skapar Excel-filen …");
    const response = await api("/v1/scenarios/compare?format=xlsx", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(compareBody()),
    });
    const disposition = response.headers.get("Content-Disposition") || "";
    const name = (disposition.match(/filename="([^"]+)"/) || [])[1] || "scenariojamforelse.xlsx";
    const url = URL.createObjectURL(await response.blob());
    const link = Object.assign(document.createElement("a"), { href: url, download: name });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    status(`Excel-filen ${name} är nedladdad.`);
  } catch (error) { showError(error); status(""); }
}

// -------------------------------------------------------------------------------- render

function scenarioOf(row) {
  const s = row.scenarios[0];
  return s ? s : { amount_sek: row.base_sek, difference_sek: "0.00", difference_pct: row.base_sek === "0.00" ? null : "0.0" };
}

function render() {
  const r = state.result;
  const t = scenarioOf(r.total);
  $("total-base").textContent = sek(r.total.base_sek);
  $("total-scenario").textContent = sek(t.amount_sek);
  $("total-diff").textContent = signedSek(t.difference_sek);
  $("total-pct").textContent = pct(t.difference_pct);
  $("underlag-text").textContent = `Bas ${r.base.ruleset || "gällande avtal"}, ${r.months.map(monthName).join(", ")}.`;
  renderForbund(r);
  renderTable(r);
  renderChart(r);
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

function sortBy(event) {
  const button = event.target.closest("button[data-sort]");
  if (!button) return;
  const key = button.dataset.sort;
  state.sort = { key, dir: state.sort.key === key ? -state.sort.dir : 1 };
  $("municipalities").querySelectorAll("thead th").forEach((cell) => cell.removeAttribute("aria-sort"));
  button.parentElement.setAttribute("aria-sort", state.sort.dir > 0 ? "ascending" : "descending");
  if (state.result) { renderTable(state.result); renderChart(state.result); }
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
  const max = Math.max(1, ...rows.flatMap((m) => [Number(m.base_sek), Number(scenarioOf(m).amount_sek)]));
  const scale = (v) => (Number(v) / max) * (width - label - right);
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": "chart-title chart-desc" });
  const t = scenarioOf(r.total);
  root.append(svg("title", { id: "chart-title" }, "Betalningsansvar per kommun: bas och scenario"));
  root.append(svg("desc", { id: "chart-desc" }, `Grå stapel: bas, blå stapel: scenario. Totalt bas ${sek(r.total.base_sek)}, ` +
    `scenario ${sek(t.amount_sek)}. Samma siffror finns i tabellen nedan.`));
  root.append(svg("rect", { x: label, y: 6, width: 12, height: 10, class: "bas" }));
  root.append(svg("text", { x: label + 16, y: 15 }, "Bas"));
  root.append(svg("rect", { x: label + 60, y: 6, width: 12, height: 10, class: "scen" }));
  root.append(svg("text", { x: label + 76, y: 15 }, "Scenario"));
  rows.forEach((m, i) => {
    const y = top + i * rowHeight;
    const s = scenarioOf(m);
    const group = svg("g", {});
    group.append(svg("title", {}, `${m.name}: bas ${sek(m.base_sek)}, scenario ${sek(s.amount_sek)}, skillnad ${signedSek(s.difference_sek)}`));
    group.append(svg("text", { x: label - 6, y: y + 14, "text-anchor": "end" }, m.name));
    group.append(svg("rect", { x: label, y: y + 2, width: scale(m.base_sek), height: 8, class: "bas" }));
    group.append(svg("rect", { x: label, y: y + 10, width: scale(s.amount_sek), height: 8, class: "scen" }));
    group.append(svg("text", { x: label + Math.max(scale(m.base_sek), scale(s.amount_sek)) + 4, y: y + 16 },
      Number(s.difference_sek) ? signedSek(s.difference_sek) : ""));
    root.append(group);
  });
  $("chart").replaceChildren(root);
}

// ---------------------------------------------------------------------------------- wiring

document.addEventListener("DOMContentLoaded", () => {
  $("nyckel-form").addEventListener("submit", saveKey);
  $("upload-form").addEventListener("submit", upload);
  $("run-form").addEventListener("submit", fromRun);
  $("dataset-select").addEventListener("change", chooseDataset);
  $("base-select").addEventListener("change", chooseBase);
  $("reset-button").addEventListener("click", () => { if (state.baseValues) { resetParameters(); refresh(); } });
  $("download-xlsx").addEventListener("click", downloadExcel);
  $("municipalities").querySelector("thead").addEventListener("click", sortBy);
  for (const element of $("parametrar").querySelectorAll("input")) {
    element.addEventListener("input", onParameter);
    element.addEventListener("change", onParameter);
  }
  start();
});
