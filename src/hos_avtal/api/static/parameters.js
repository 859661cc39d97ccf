// The scenario's parameters, built from the parameter catalog (GET /v1/parameters): one control per
// sweepable parameter, in its capability's fieldset and the catalog's order. The base's values
// (GET /v1/scenarios/base-parameters) prefill them; the controls that differ make the scenario.
// No parameter name is written here: a parameter added to the catalog appears on the page.

import { api } from "./api.js";
import { $ } from "./dom.js";
import { decimal, kronor, permille, shareDecimal, sharePermille, shareText } from "./format.js";
import { state } from "./state.js";

const SCENARIO = "Scenario";
const NAME_MAX = 200;
// The capabilities a scenario changes, in the API's fixed order.
const CAPABILITIES = ["betalningsansvar", "placements", "home_care"];
// How a catalog type is read from its control and sent: a share is typed in percent.
const KINDS = { decimal: "decimal", integer: "int", money: "money", share: "permille", boolean: "bool" };
// name -> { spec, kind, group, number, range, check, hint }: filled from the catalog.
let PARAMS = {};

function element(tag, attributes = {}, text = null) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) if (value != null) node.setAttribute(key, value);
  if (text != null) node.textContent = text;
  return node;
}

function unitOf(spec) { return (spec.ui && spec.ui.unit) || spec.unit || ""; }

/** A row of the form for one parameter: a checkbox, or a slider and a number field. */
function control(spec, kind) {
  const name = spec.name;
  const row = element("div", { class: "param", "data-generated": "true" });
  if (kind === "bool") {
    row.append(element("input", { id: `${name}-check`, type: "checkbox", "data-param": name, title: spec.help }),
      element("label", { for: `${name}-check` }, spec.label));
    return row;
  }
  const ui = spec.ui || {};
  const [low, high, step] = [ui.slider_min || "0", ui.slider_max || "100", ui.step || "1"];
  const unit = unitOf(spec);
  row.append(
    element("label", { for: `${name}-range` }, spec.label),
    element("input", { id: `${name}-range`, type: "range", min: low, max: high, step,
      "data-pair": `${name}-number`, "aria-describedby": `${name}-hint` }),
    element("input", { id: `${name}-number`, type: "number", min: low, max: ui.input_max || high, step,
      "data-pair": `${name}-range`, "data-param": name, "aria-describedby": `${name}-hint`,
      "aria-label": unit ? `${spec.label} (${unit})` : spec.label }),
    element("span", { class: "enhet" }, unit),
    element("span", { class: "hint", id: `${name}-hint` }, spec.help),
  );
  return row;
}

/** Build the controls from the catalog; ``onChange`` is called on every input. */
export async function loadCatalog(onChange) {
  const catalog = await api("/v1/parameters").then((r) => r.json());
  for (const old of $("parametrar").querySelectorAll("[data-generated]")) old.remove();
  PARAMS = {};
  for (const spec of catalog) {
    const kind = KINDS[spec.type];
    if (!spec.sweep || !kind || !CAPABILITIES.includes(spec.capability)) continue;
    const row = control(spec, kind);
    const fieldset = fieldsetOf(spec.capability);
    fieldset.insertBefore(row, fieldset.querySelector(":scope > p.hint"));
    PARAMS[spec.name] = { spec, kind, group: spec.capability, number: `${spec.name}-number`,
      range: `${spec.name}-range`, check: `${spec.name}-check`, hint: `${spec.name}-hint` };
    for (const input of row.querySelectorAll("input")) {
      input.addEventListener("input", onChange);
      input.addEventListener("change", onChange);
    }
  }
}

function base(name) {
  return (state.baseValues.parameters || []).find((p) => p.name === name) || { value: null, input: null };
}

/** The base's value as the control takes it (a number field's text, a checkbox's state; null: none). */
function baseValue(name) {
  const found = base(name);
  if (PARAMS[name].kind === "bool") return found.value;
  // An amount as a number field shows it: "828.00" -> "828".
  return found.input != null && PARAMS[name].kind === "money" ? String(Number(found.input)) : found.input;
}

export function resetParameters() {
  const year = state.baseValues.month.slice(0, 4);
  for (const [name, p] of Object.entries(PARAMS)) {
    const value = baseValue(name);
    if (p.kind === "bool") { $(p.check).checked = Boolean(value); continue; }
    setValue(name, value == null ? "" : value);
    // A parameter the base has no value for cannot be varied: there is nothing to compare with.
    $(p.number).disabled = value == null;
    $(p.range).disabled = value == null;
    const shown = base(name).value;
    let hint = p.spec.help;
    if (value == null) hint = `Basen har inget värde för ${year}; kan inte ändras i scenariot.`;
    else if (p.kind === "permille") hint = `Basen: ${shareText(shown)}. ${p.spec.help} Räknas som ändrad först när du ändrar värdet.`;
    else if (p.kind === "money") hint = `Basen: ${kronor.format(Number(value))} ${unitOf(p.spec)}. ${p.spec.help}`;
    $(p.hint).textContent = hint;
  }
  markChanged();
}

function setValue(name, value) {
  $(PARAMS[name].number).value = value;
  $(PARAMS[name].range).value = value;
}

/** The changed parameters by capability: {betalningsansvar: {...}, placements: {...}, home_care: {...}}. */
function currentChanges() {
  const changes = {};
  const caps = state.dataset ? state.dataset.capabilities || ["betalningsansvar"] : [];
  for (const [name, p] of Object.entries(PARAMS)) {
    if (!caps.includes(p.group) || fieldsetOf(p.group).hidden) continue;
    const base = baseValue(name);
    let value;
    if (p.kind === "bool") {
      if ($(p.check).checked !== Boolean(base)) value = $(p.check).checked;
    } else {
      const input = $(p.number);
      const raw = input.value;
      if (base == null || input.disabled || raw === "" || !input.checkValidity()) continue;
      const number = Number(raw);
      if (p.kind === "permille") {
        const typed = permille(raw);
        if (typed !== null && typed !== permille(base)) value = shareDecimal(typed);
      }
      if (p.kind === "decimal" && number !== Number(base)) value = String(number);
      if (p.kind === "int" && number !== Number(base)) value = Math.round(number);
      if (p.kind === "money" && number !== Number(base)) value = number.toFixed(2);
    }
    if (value !== undefined) (changes[p.group] ||= {})[name] = value;
  }
  return changes;
}

/** One change in readable Swedish, by the catalog's phrase: "genomsnittsgräns 2,5 dagar". */
function describe(name, value) {
  const p = PARAMS[name];
  let text;
  if (p.kind === "bool") text = value ? "på" : "av";
  else if (p.kind === "permille") text = decimal(sharePermille(value) / 10, 1);
  else if (p.kind === "decimal") text = decimal(Number(value), 1);
  else if (p.kind === "int") text = String(value);
  else text = kronor.format(Number(value));
  const phrase = (p.spec.ui && p.spec.ui.phrase) || `${p.spec.label.toLocaleLowerCase("sv-SE")} {}`;
  return phrase.replace("{}", text);
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
  for (const [name, p] of Object.entries(PARAMS)) {
    const input = $(p.kind === "bool" ? p.check : p.number);
    input.classList.toggle("andrad", Boolean(changes[p.group] && name in changes[p.group]));
  }
  const list = changeList(changes);
  $("andringar").textContent = list.length ? `Ändrat mot basen: ${list.join(", ")}.` : "Inga ändringar mot basen.";
  return changes;
}

function fieldsetOf(capability) {
  return document.querySelector(`#parametrar fieldset[data-capability="${capability}"]`);
}

/** One fieldset per capability, shown when the dataset has it and (beyond betalningsansvar) the
 *  base has a value for one of its parameters. */
export function showFieldsets() {
  const caps = state.dataset.capabilities || ["betalningsansvar"];
  for (const cap of CAPABILITIES) {
    const fieldset = fieldsetOf(cap);
    const known = Object.entries(PARAMS).some(([name, p]) => p.group === cap && base(name).value != null);
    fieldset.hidden = !caps.includes(cap) || (cap !== "betalningsansvar" && !known);
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
