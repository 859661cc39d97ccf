// The negotiators' scenario page: vanilla JS modules, talks only to this server's /v1 API. This
// entry module holds the API key form, the first load of lists, and the wiring of the fixed
// controls; the work is in datasets.js, parameters.js (controls built from the parameter catalog),
// compare.js, render.js and rulediff.js.

import { api, storedKey, storeKey } from "./api.js";
import { chooseBase, downloadExcel, onFixedAmount, onParameter, refresh } from "./compare.js";
import { chooseDataset, deleteDataset, fromRun, loadDatasets, upload } from "./datasets.js";
import { $, fillSelect, showError, status } from "./dom.js";
import { loadCatalog, resetParameters } from "./parameters.js";
import { render, sortBy } from "./render.js";
import { fillDiffSelects, showDiff } from "./rulediff.js";
import { state } from "./state.js";

async function saveKey(event) {
  event.preventDefault();
  const value = $("api-key").value.trim();
  if (!value) return;
  storeKey(value);
  $("api-key").value = "";
  await start();
}

async function start() {
  showError(null);
  if (!storedKey()) {
    $("nyckel-status").textContent = "Ingen nyckel sparad.";
    return;
  }
  try {
    status("Hämtar parametrar, regelverk, körningar och underlag …");
    const [rulesets, runs] = await Promise.all([
      api("/v1/rulesets").then((r) => r.json()),
      api("/v1/billing-runs").then((r) => r.json()),
      loadCatalog(onParameter),
    ]);
    $("nyckel-status").textContent = "Nyckel sparad för den här fliken.";
    state.rulesets = rulesets;
    fillSelect($("base-select"), rulesets.map((r) => [r.id, `${r.name} (${r.id})${r.origin === "shipped" ? "" : ", registrerat"}`]));
    fillDiffSelects();
    fillSelect($("run-select"), [["", "– välj körning –"], ...runs.runs.slice().reverse().map((r) =>
      [String(r.id), `Körning ${r.id}: ${r.month}, version ${r.version} (${r.state === "final" ? "slutlig" : "utkast"})`])]);
    await loadDatasets();
    status("Välj eller ladda upp ett underlag.");
  } catch (error) {
    showError(error);
    status("");
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("nyckel-form").addEventListener("submit", saveKey);
  $("upload-form").addEventListener("submit", upload);
  $("run-form").addEventListener("submit", fromRun);
  $("dataset-select").addEventListener("change", chooseDataset);
  $("dataset-delete").addEventListener("click", deleteDataset);
  $("base-select").addEventListener("change", chooseBase);
  $("reset-button").addEventListener("click", () => { if (state.baseValues) { resetParameters(); refresh(); } });
  $("download-xlsx").addEventListener("click", downloadExcel);
  $("municipalities").querySelector("thead").addEventListener("click", sortBy);
  $("view-select").addEventListener("change", () => {
    state.view = $("view-select").value;
    if (state.result) render();
  });
  $("fixed-amount").addEventListener("change", onFixedAmount);
  $("diff-button").addEventListener("click", showDiff);
  start();
});
