// The data to compare on: the list of saved datasets, uploading files or taking a billing run's
// inputs, and choosing a dataset (which picks the base ruleset covering its month).

import { api } from "./api.js";
import { chooseBase } from "./compare.js";
import { $, fillSelect, showError, status } from "./dom.js";
import { kronor, monthName, sek } from "./format.js";
import { state } from "./state.js";

// Upload fields: form field name -> file input id, and how the page counts each input's rows.
const UPLOADS = {
  episodes: "upload-file", placements: "upload-placements", costs: "upload-costs",
  agreements: "upload-agreements", visits: "upload-visits", tariffs: "upload-tariffs",
};
const INPUT_NAMES = { episodes: ["episod", "episoder"], placements: ["placering", "placeringar"],
  visits: ["besök", "besök"], tariffs: ["taxa", "taxor"] };

export async function loadDatasets(selected) {
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

export async function upload(event) {
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

export async function fromRun(event) {
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

export async function chooseDataset() {
  showError(null);
  const id = Number($("dataset-select").value);
  state.dataset = (state.datasets || []).find((d) => d.id === id) || null;
  $("dataset-delete").disabled = !state.dataset;
  if (!state.dataset) { $("dataset-info").textContent = ""; return; }
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

/** Remove the chosen dataset and the pseudonymised rows it holds, after the user confirms. */
export async function deleteDataset() {
  const d = state.dataset;
  if (!d) return;
  if (!window.confirm(`Ta bort underlaget "${d.name}" och dess pseudonymiserade rader? Det går inte att ångra.`)) {
    return;
  }
  showError(null);
  try {
    await api(`/v1/scenarios/datasets/${d.id}`, { method: "DELETE" });
    await loadDatasets();
    await chooseDataset();
    status(`Underlaget "${d.name}" är borttaget.`);
  } catch (error) { showError(error); }
}
