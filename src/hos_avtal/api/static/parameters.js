// The scenario's parameters: the PARAMS table tying each to its inputs, the base's values, which
// inputs differ from the base (the changes), the scenario's name from them and the compare body.

import { $ } from "./dom.js";
import { decimal, kronor, permille, shareDecimal, sharePermille, shareText } from "./format.js";
import { state } from "./state.js";

const SCENARIO = "Scenario";
const NAME_MAX = 200;
// The capabilities in the API's fixed order.
const CAPABILITIES = ["betalningsansvar", "placements", "home_care"];
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

export function resetParameters() {
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

function setValue(name, value) {
  $(PARAMS[name].number).value = value;
  $(PARAMS[name].range).value = value;
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

export function markChanged() {
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
export function showFieldsets() {
  const caps = state.dataset.capabilities || ["betalningsansvar"];
  for (const cap of CAPABILITIES) {
    const fieldset = fieldsetOf(cap);
    fieldset.hidden = !caps.includes(cap) || (cap === "placements" && !state.baseValues.placements);
    fieldset.disabled = false;
  }
}

/** True when episodes are to be compared but no fastställt belopp is known for their year. */
export function needsAmount() {
  const caps = state.dataset.capabilities || ["betalningsansvar"];
  return caps.includes("betalningsansvar") && state.baseValues.daily_amount_sek == null;
}

/** The "Fastställt belopp" field: shown when the base has none for the year or the user gave one. */
export function showFixedAmount() {
  const year = state.baseValues.month.slice(0, 4);
  $("fixed-amount-row").hidden = !needsAmount() && !state.dailyAmount;
  $("fixed-amount-hint").textContent = `hos_avtal har inget fastställt belopp för ${year}. Ange Socialstyrelsens ` +
    "belopp för året; det gäller både basen och scenariot. Dagbelopp nedan ändrar bara scenariot.";
}

/** The body of POST /v1/scenarios/compare: the base, the dataset and one scenario of just the changes. */
export function compareBody() {
  const changes = currentChanges();
  const body = { base: $("base-select").value, dataset_id: state.dataset.id, scenarios: [] };
  if (state.dailyAmount) body.daily_amount_sek = state.dailyAmount;
  if (Object.keys(changes).length) body.scenarios.push(Object.assign({ name: scenarioName(changes) }, changes));
  return body;
}
