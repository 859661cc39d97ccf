// The negotiators' scenario page: vanilla JS, talks only to this server's /v1 API.
// Every change of a parameter (debounced) asks POST /v1/scenarios/compare for one scenario holding
// just the changed parameters, so the table always says what those changes alone would cost.
"use strict";

const KEY_STORE = "hos-avtal-api-key";
const DEBOUNCE_MS = 250;
const SCENARIO = "Scenario";
const NAME_MAX = 200;
// The capabilities in the API's fixed order, with the page's Swedish names.
const CAPABILITIES = ["betalningsansvar", "placements", "home_care"];
const CAPABILITY_NAMES = {
  betalningsansvar: "Betalningsansvar", placements: "Placeringar",
  home_care: "Hemtjänst och hemsjukvård i annan kommun",
};
const VIEW_NAMES = Object.assign({ all: "Alla delar" }, CAPABILITY_NAMES, { home_care: "Hemtjänst och hemsjukvård" });
// group: the capability (and compare body key) a parameter belongs to; kind: how it is read and sent.
const PARAMS = {
  average_threshold_days: { group: "betalningsansvar", number: "threshold-number", range: "threshold-range", kind: "decimal" },
  individual_after_days: { group: "betalningsansvar", number: "individual-number", range: "individual-range", kind: "int" },
  free_days: { group: "betalningsansvar", number: "free-number", range: "free-range", kind: "int" },
  daily_amount_sek: { group: "betalningsansvar", number: "amount-number", range: "amount-range", kind: "money" },
  separate_care_type_averages: { group: "betalningsansvar", check: "separate-check", kind: "bool" },
  schablon_region_share: { group: "placements", number: "share-number", range: "share-range", kind: "permille" },
  hemtjanst_sek_per_hour: { group: "home_care", number: "hemtjanst-number", range: "hemtjanst-range", kind: "money" },
  hemsjukvard_sek_per_hour: { group: "home_care", number: "hemsjukvard-number", range: "hemsjukvard-range", kind: "money" },
};
const NAMES = {
  average_threshold_days: "genomsnittsgräns", individual_after_days: "individuell beräkning efter dag",
  free_days: "fria dagar", daily_amount_sek: "dagbelopp",
  separate_care_type_averages: "separata genomsnitt", schablon_region_share: "schablonandel",
  hemtjanst_sek_per_hour: "hemtjänst", hemsjukvard_sek_per_hour: "hemsjukvård",
};
const UNITS = {
  average_threshold_days: "dagar", daily_amount_sek: "kr per dag",
  hemtjanst_sek_per_hour: "kr per timme", hemsjukvard_sek_per_hour: "kr per timme",
};
// Upload fields: form field name -> file input id, and how the page counts each input's rows.
const UPLOADS = {
  episodes: "upload-file", placements: "upload-placements", costs: "upload-costs",
  agreements: "upload-agreements", visits: "upload-visits", tariffs: "upload-tariffs",
};
const INPUT_NAMES = { episodes: ["episod", "episoder"], placements: ["placering", "placeringar"],
  visits: ["besök", "besök"], tariffs: ["taxa", "taxor"] };

const state = { dataset: null, rulesets: [], baseValues: null, result: null, sort: { key: "name", dir: 1 },
                sequence: 0, timer: null, view: "all", dailyAmount: null };
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
function decimal(value, digits) {
  return new Intl.NumberFormat("sv-SE", { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
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
    [String(d.id), `${d.name} (${d.months.join(", ")}; ${holds(d)})`])]);
  if (selected) {
    $("dataset-select").value = String(selected);
    await chooseDataset();
  }
}

/** What a dataset holds, e.g. "504 episoder, 50 placeringar, 189 besök". */
function holds(d) {
  const inputs = d.inputs || { episodes: d.episodes };
  const parts = Object.entries(INPUT_NAMES).filter(([kind]) => inputs[kind])
    .map(([kind, [one, many]]) => `${kronor.format(inputs[kind])} ${inputs[kind] === 1 ? one : many}`);
  return parts.length ? parts.join(", ") : "inga rader";
}

/** The chosen upload files by form field, or an Error saying in Swedish what is missing. */
function chosenFiles() {
  const files = {};
  for (const [kind, id] of Object.entries(UPLOADS)) if ($(id).files[0]) files[kind] = $(id).files[0];
  const trio = ["placements", "costs", "agreements"];
  const given = trio.filter((k) => files[k]);
  if (given.length && given.length < 3) {
    return new Error("Placeringar behöver alla tre filerna: placeringar, kostnader och överenskommelser. " +
      `Saknas: ${trio.filter((k) => !files[k]).map((k) => ({ placements: "placeringar", costs: "kostnader",
        agreements: "överenskommelser" })[k]).join(", ")}.`);
  }
  if (files.tariffs && !files.visits) return new Error("Taxor används bara tillsammans med en besöksfil: välj även besök.");
  if (!Object.keys(files).length) {
    return new Error("Välj minst ett underlag att ladda upp: episoder, placeringar (med kostnader och " +
      "överenskommelser) eller besök.");
  }
  return files;
}

async function upload(event) {
  event.preventDefault();
  showError(null);
  const files = chosenFiles();
  if (files instanceof Error) { showError(files); return; }
  const form = new FormData();
  for (const [kind, file] of Object.entries(files)) form.append(kind, file);
  if ($("upload-name").value.trim()) form.append("name", $("upload-name").value.trim());
  try {
    const count = Object.keys(files).length;
    status(count === 1 ? "Laddar upp och kontrollerar filen …" : `Laddar upp och kontrollerar ${count} filer …`);
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
    status("Hämtar körningens underlag …");
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
  const run = /^billing-run:(\d+)$/.exec(d.source || "");
  $("dataset-info").textContent = `${holds(d)}; ${d.months.map(monthName).join(", ")}` +
    (run ? `; från körning ${run[1]}` : "") + (d.ruleset_id ? `; körningens regelverk ${d.ruleset_id}` : "") +
    (d.daily_amount_sek ? `; körningens fastställda belopp ${sek(d.daily_amount_sek)} per dag` : "");
  state.dailyAmount = null;
  $("fixed-amount").value = "";
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
    const amount = state.dailyAmount || state.dataset.daily_amount_sek;
    if (amount) query.set("daily_amount_sek", amount);
    state.baseValues = await api(`/v1/scenarios/base-parameters?${query}`).then((r) => r.json());
    resetParameters();
    showFieldsets();
    showFixedAmount();
    $("download-xlsx").disabled = false;
    await refresh();
  } catch (error) {
    // Without the base's values nothing can be compared: lock the parameters until another choice works.
    state.baseValues = null;
    for (const fieldset of $("parametrar").querySelectorAll("fieldset")) fieldset.disabled = true;
    $("download-xlsx").disabled = true;
    showError(error);
  }
}

// ---------------------------------------------------------------------------- parameters

/** The base's value of a parameter as the page prefills it (text or number; null: the base has none). */
function baseValue(name) {
  const b = state.baseValues;
  if (name === "schablon_region_share") return b.placements ? b.placements.schablon_region_share_percent : null;
  if (PARAMS[name].group === "home_care") {
    const tariff = b.home_care ? b.home_care[name] : null;
    return tariff == null ? null : Number(tariff);
  }
  if (name === "daily_amount_sek") return b.daily_amount_sek == null ? null : Number(b.daily_amount_sek);
  return b[name];
}

function resetParameters() {
  for (const [name, spec] of Object.entries(PARAMS)) {
    const value = baseValue(name);
    if (spec.kind === "bool") { $(spec.check).checked = Boolean(value); continue; }
    setValue(name, value == null ? "" : value);
    // A tariff the base has no value for cannot be varied: there is nothing to compare with.
    $(spec.number).disabled = value == null;
    $(spec.range).disabled = value == null;
  }
  const share = state.baseValues.placements;
  $("share-hint").textContent = share ? `Basen: ${shareText(share.schablon_region_share)}. ` +
    "Kommunen betalar resten. Räknas som ändrad först när du ändrar värdet." : "";
  for (const name of ["hemtjanst_sek_per_hour", "hemsjukvard_sek_per_hour"]) {
    const hint = $(PARAMS[name].number).getAttribute("aria-describedby");
    const year = state.baseValues.month.slice(0, 4);
    $(hint).textContent = baseValue(name) == null
      ? `VästKom har inget rekommenderat timpris för ${year}; kan inte ändras i scenariot.`
      : `Basen: VästKoms rekommendation för ${year}, ${kronor.format(baseValue(name))} kr per timme.`;
  }
  markChanged();
}

/** "1/3" -> "1/3 – exakt en tredjedel"; "0.4" -> "0.4 – 40 %". */
function shareText(text) {
  const exact = { "1/2": "hälften", "1/3": "en tredjedel", "2/3": "två tredjedelar", "1/4": "en fjärdedel",
    "3/4": "tre fjärdedelar", "1/5": "en femtedel", "0": "ingenting", "1": "hela kostnaden" }[text];
  if (exact) return `${text} – exakt ${exact}`;
  const [n, d] = text.split("/").map(Number);
  const value = d ? n / d : Number(text);
  return Number.isFinite(value) ? `${text} – ${decimal(value * 100, 1)} %` : text;
}

function setValue(name, value) {
  $(PARAMS[name].number).value = value;
  $(PARAMS[name].range).value = value;
}

/**
 * A percent text as typed ("33.5", "33,5", "100") as an integer per mille (335), or null.
 * Read digit by digit, never through binary floats; a second decimal rounds half up.
 */
function permille(text) {
  const match = /^\s*(\d{1,3})(?:[.,](\d*))?\s*$/.exec(String(text));
  if (!match) return null;
  const digits = (match[2] || "") + "00";
  const value = Number(match[1]) * 10 + Number(digits[0]) + (Number(digits[1]) >= 5 ? 1 : 0);
  return value <= 1000 ? value : null;
}

/** 335 -> "0.335", 330 -> "0.33", 1000 -> "1", 0 -> "0": the region's share as the API takes it. */
function shareDecimal(perMille) {
  if (perMille >= 1000) return "1";
  if (perMille <= 0) return "0";
  return `0.${String(perMille).padStart(3, "0")}`.replace(/0+$/, "");
}

/** The changed parameters by group: {betalningsansvar: {...}, placements: {...}, home_care: {...}}. */
function currentChanges() {
  const changes = {};
  const caps = state.dataset ? state.dataset.capabilities || ["betalningsansvar"] : [];
  for (const [name, spec] of Object.entries(PARAMS)) {
    if (!caps.includes(spec.group) || fieldsetOf(spec.group).hidden) continue;
    const base = baseValue(name);
    let value;
    if (spec.kind === "bool") {
      if ($(spec.check).checked !== Boolean(base)) value = $(spec.check).checked;
    } else {
      const element = $(spec.number);
      const raw = element.value;
      if (base == null || element.disabled || raw === "" || !element.checkValidity()) continue;
      const number = Number(raw);
      if (spec.kind === "permille") {
        const typed = permille(raw);
        if (typed !== null && typed !== permille(base)) value = shareDecimal(typed);
      }
      if (spec.kind === "decimal" && number !== Number(base)) value = String(number);
      if (spec.kind === "int" && number !== Number(base)) value = Math.round(number);
      if (spec.kind === "money" && number !== Number(base)) value = number.toFixed(2);
    }
    if (value !== undefined) (changes[spec.group] ||= {})[name] = value;
  }
  return changes;
}

/** One change in readable Swedish: "genomsnittsgräns 2,5 dagar", "schablonandel 33,0 %", "hemtjänst 500 kr per timme". */
function describe(name, value) {
  const spec = PARAMS[name];
  if (spec.kind === "bool") return `${NAMES[name]} ${value ? "på" : "av"}`;
  if (spec.kind === "permille") return `${NAMES[name]} ${decimal(sharePermille(value) / 10, 1)} %`;
  if (spec.kind === "decimal") return `${NAMES[name]} ${decimal(Number(value), 1)} ${UNITS[name]}`;
  if (spec.kind === "int") return `${NAMES[name]} ${value}${UNITS[name] ? ` ${UNITS[name]}` : ""}`;
  return `${NAMES[name]} ${kronor.format(Number(value))} ${UNITS[name]}`;
}

/** "0.335" -> 335, "1" -> 1000: the inverse of shareDecimal, digit by digit. */
function sharePermille(text) {
  const match = /^(\d)(?:\.(\d*))?$/.exec(text);
  return match ? Number(match[1]) * 1000 + Number(((match[2] || "") + "000").slice(0, 3)) : NaN;
}

function changeList(changes) {
  return Object.values(changes).flatMap((group) => Object.entries(group).map(([k, v]) => describe(k, v)));
}

/** The scenario's name from its changes, at most 200 characters; "Scenario" when nothing is changed. */
function scenarioName(changes) {
  const list = changeList(changes);
  if (!list.length) return SCENARIO;
  let name = list.join("; ");
  name = name.charAt(0).toLocaleUpperCase("sv-SE") + name.slice(1);
  return name.length <= NAME_MAX ? name : `${name.slice(0, NAME_MAX - 1)}…`;
}

function markChanged() {
  const changes = currentChanges();
  for (const [name, spec] of Object.entries(PARAMS)) {
    const element = $(spec.number || spec.check);
    element.classList.toggle("andrad", Boolean(changes[spec.group] && name in changes[spec.group]));
  }
  const list = changeList(changes);
  $("andringar").textContent = list.length ? `Ändrat mot basen: ${list.join(", ")}.` : "Inga ändringar mot basen.";
  return changes;
}

function fieldsetOf(capability) {
  return document.querySelector(`#parametrar fieldset[data-capability="${capability}"]`);
}

/** One fieldset per capability, shown only when the dataset (and for placements the base) has it. */
function showFieldsets() {
  const caps = state.dataset.capabilities || ["betalningsansvar"];
  for (const cap of CAPABILITIES) {
    const fieldset = fieldsetOf(cap);
    fieldset.hidden = !caps.includes(cap) || (cap === "placements" && !state.baseValues.placements);
    fieldset.disabled = false;
  }
}

function onParameter(event) {
  const pair = event.target.dataset.pair;
  if (pair) $(pair).value = event.target.value;
  markChanged();
  clearTimeout(state.timer);
  state.timer = setTimeout(refresh, DEBOUNCE_MS);
}

/** True when episodes are to be compared but no fastställt belopp is known for their year. */
function needsAmount() {
  const caps = state.dataset.capabilities || ["betalningsansvar"];
  return caps.includes("betalningsansvar") && state.baseValues.daily_amount_sek == null;
}

/** The "Fastställt belopp" field: shown when the base has none for the year or the user gave one. */
function showFixedAmount() {
  const year = state.baseValues.month.slice(0, 4);
  $("fixed-amount-row").hidden = !needsAmount() && !state.dailyAmount;
  $("fixed-amount-hint").textContent = `hos_avtal har inget fastställt belopp för ${year}. Ange Socialstyrelsens ` +
    "belopp för året; det gäller både basen och scenariot. Dagbelopp nedan ändrar bara scenariot.";
}

function onFixedAmount() {
  const element = $("fixed-amount");
  const value = Number(element.value);
  state.dailyAmount = element.value !== "" && element.checkValidity() && value > 0 ? value.toFixed(2) : null;
  chooseBase();
}

function compareBody() {
  const changes = currentChanges();
  const body = { base: $("base-select").value, dataset_id: state.dataset.id, scenarios: [] };
  if (state.dailyAmount) body.daily_amount_sek = state.dailyAmount;
  if (Object.keys(changes).length) body.scenarios.push(Object.assign({ name: scenarioName(changes) }, changes));
  return body;
}

async function refresh() {
  if (!state.dataset || !state.baseValues) return;
  const sequence = ++state.sequence;
  if (needsAmount()) {
    $("download-xlsx").disabled = true;
    status(`Ange fastställt belopp för ${state.baseValues.month.slice(0, 4)} under Betalningsansvar för att räkna.`);
    return;
  }
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

function render() {
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

function sortBy(event) {
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
  $("view-select").addEventListener("change", () => {
    state.view = $("view-select").value;
    if (state.result) render();
  });
  $("fixed-amount").addEventListener("change", onFixedAmount);
  for (const element of $("parametrar").querySelectorAll("input[data-pair], input[data-param]")) {
    element.addEventListener("input", onParameter);
    element.addEventListener("change", onParameter);
  }
  start();
});
