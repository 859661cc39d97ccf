// The page's two views, vanilla JS modules talking only to this server's /v1 API: Läget i dag
// (lage.js) for everyone, and the negotiators' scenarios for analysts (datasets.js, parameters.js
// with controls built from the parameter catalog, compare.js, render.js and rulediff.js). This entry
// module holds the API key form, asks which role the key has, and wires the fixed controls.

import { api, storedKey, storeKey } from "./api.js";
import { chooseBase, downloadExcel, onFixedAmount, onParameter, refresh } from "./compare.js";
import { chooseDataset, deleteDataset, fromRun, loadDatasets, upload } from "./datasets.js";
import { $, fillSelect, showError, status } from "./dom.js";
import { loadCatalog, resetParameters } from "./parameters.js";
import { render, sortBy } from "./render.js";
import { chooseFromSelect, openLage, showDay } from "./lage.js";
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
    const me = await api("/v1/me").then((r) => r.json());
    state.me = me;
    state.lageOpened = false;
    const role = { admin: "administratör", billing: "fakturering", analyst: "analytiker", kommun: "kommun" }[me.role];
    $("nyckel-status").textContent = `Nyckel sparad för den här fliken (roll ${role}${me.kommun_name ? `, ${me.kommun_name}` : ""}).`;
    const scenarios = me.role === "analyst" || me.role === "admin";
    $("vyer").hidden = !scenarios;  // one view only: nothing to choose between
    if (!scenarios) {
      await showView("lage");
      return;
    }
    await showView("scenarier");
    status("Hämtar parametrar, regelverk, körningar och underlag …");
    const [rulesets, runs] = await Promise.all([
      api("/v1/rulesets").then((r) => r.json()),
      api("/v1/billing-runs").then((r) => r.json()),
      loadCatalog(onParameter),
    ]);
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

/** Show one view ("lage" or "scenarier"); Läget i dag is fetched when first shown. */
async function showView(name) {
  $("vy-lage").hidden = name !== "lage";
  $("vy-scenarier").hidden = name !== "scenarier";
  $("visa-lage").setAttribute("aria-pressed", String(name === "lage"));
  $("visa-scenarier").setAttribute("aria-pressed", String(name === "scenarier"));
  if (name === "lage" && !state.lageOpened) {
    state.lageOpened = true;
    await openLage(state.me && state.me.role === "kommun" ? state.me.kommun : null);
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
  $("visa-lage").addEventListener("click", () => showView("lage"));
  $("visa-scenarier").addEventListener("click", () => showView("scenarier"));
  $("lage-form").addEventListener("submit", showDay);
  $("lage-kommun").addEventListener("change", chooseFromSelect);
  start();
});
