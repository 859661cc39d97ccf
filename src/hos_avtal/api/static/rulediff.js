// What two rule sets differ in (GET /v1/rulesets/{a}/diff/{b}): shipped, configured or registered
// ones, so a negotiator sees what a new agreement changes against the old one, with both sources.

import { api } from "./api.js";
import { $, fillSelect, showError } from "./dom.js";
import { state } from "./state.js";

/** Fill both lists with every rule set; B starts at the newest, A at the one before it. */
export function fillDiffSelects() {
  const options = state.rulesets.map((r) => [r.id, `${r.name} (${r.id})`]);
  fillSelect($("diff-a"), options);
  fillSelect($("diff-b"), options);
  if (options.length > 1) {
    $("diff-a").value = options[options.length - 2][0];
    $("diff-b").value = options[options.length - 1][0];
  }
}

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text == null ? "–" : text;
  return td;
}

export async function showDiff() {
  showError(null);
  const [a, b] = [$("diff-a").value, $("diff-b").value];
  try {
    const path = `/v1/rulesets/${encodeURIComponent(a)}/diff/${encodeURIComponent(b)}`;
    const diff = await api(path).then((r) => r.json());
    const rows = diff.differences.map((d) => {
      const row = document.createElement("tr");
      row.append(cell(`${d.capability}.${d.name}`), cell(d.a), cell(d.b), cell(d.a_source), cell(d.b_source));
      return row;
    });
    $("diff-table").querySelector("tbody").replaceChildren(...rows);
    $("diff-table").hidden = !rows.length;
    $("diff-empty").hidden = Boolean(rows.length);
    $("diff-empty").textContent = rows.length ? "" : `${a} och ${b} har samma parametervärden.`;
  } catch (error) { showError(error); }
}
