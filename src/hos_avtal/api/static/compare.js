// Comparing: fetch the chosen base's values, then ask POST /v1/scenarios/compare again on every
// (debounced) parameter change; only the latest answer is drawn. Also the Excel download.

import { api } from "./api.js";
import { $, showError, status } from "./dom.js";
import {
  compareBody, markChanged, needsAmount, resetParameters, showFieldsets, showFixedAmount,
} from "./parameters.js";
import { render } from "./render.js";
import { state } from "./state.js";

const DEBOUNCE_MS = 250;

export async function chooseBase() {
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

export function onParameter(event) {
  const pair = event.target.dataset.pair;
  if (pair) $(pair).value = event.target.value;
  markChanged();
  clearTimeout(state.timer);
  state.timer = setTimeout(refresh, DEBOUNCE_MS);
}

export function onFixedAmount() {
  const element = $("fixed-amount");
  const value = Number(element.value);
  state.dailyAmount = element.value !== "" && element.checkValidity() && value > 0 ? value.toFixed(2) : null;
  chooseBase();
}

export async function refresh() {
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

export async function downloadExcel() {
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
