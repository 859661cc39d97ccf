// Läget i dag: the stored day's month so far per municipality, as SAMSA shows it (green under the
// threshold, red over), and one municipality's waiting list with the day each patient switches to
// individual billing and what one more day costs. A kommun key sees its own municipality only and
// the page opens on it; other roles see all 49 and pick one.

import { api } from "./api.js";
import { $, fillSelect, showError, status } from "./dom.js";
import { decimal, kronor, monthName, sek } from "./format.js";

// The same words as the fakturaunderlag (hos_avtal.exports: STATUS_SV, CARE_TYPE_SV, REASON_SV).
const STATUS = { pooled: "Genomsnitt", individual: "Individuell", not_covered: "Omfattas ej" };
const CARE = { somatik: "Somatik", psykiatri: "Psykiatri" };
const REASONS = {
  no_admission_notice: "inget inskrivningsmeddelande", no_ready_notice: "inget meddelande om utskrivningsklar",
  sip_not_invited: "ej kallad till SIP", no_outpatient_plan: "ingen planering för öppenvård",
  outpatient_unavailable: "öppenvård ej tillgänglig",
};

const lage = { data: null, own: null, chosen: null };

/** Open the view for a key: ``own`` is a kommun key's municipality code, else null. */
export async function openLage(own) {
  lage.own = own;
  $("lage-kommun-rad").hidden = Boolean(own);
  await showDay();
}

export async function showDay(event) {
  if (event) event.preventDefault();
  showError(null);
  const day = $("lage-dag").value;
  try {
    status("Hämtar läget …");
    const response = await api(`/v1/prognos/${day || "latest"}`);
    lage.data = await response.json();
  } catch (error) {
    lage.data = null;
    clear();
    if (error.status === 404) {
      status(day ? `Inget lagrat läge för ${day}.` : "Inget läge är lagrat ännu: faktureringen lagrar det varje morgon.");
    } else {
      showError(error);
      status("");
    }
    return;
  }
  render();
  status("");
}

function clear() {
  $("lage-info").textContent = "";
  $("lage-kommuner").querySelector("tbody").replaceChildren();
  $("lage-vantar").querySelector("tbody").replaceChildren();
  $("lage-utomlans").textContent = "";
  $("lage-block").hidden = true;
}

function render() {
  const d = lage.data;
  $("lage-block").hidden = false;
  const stored = new Date(d.snapshot.created_at).toLocaleString("sv-SE", { dateStyle: "short", timeStyle: "short" });
  $("lage-info").textContent = `Läget ${d.date} (${monthName(d.month)} hittills). Regelverk ${d.ruleset}; fastställt belopp `
    + `${sek(d.daily_amount_sek)} per vårddygn. Lagrat ${stored}.`;
  const rows = d.municipalities.map((m) => municipalityRow(m));
  $("lage-kommuner").querySelector("tbody").replaceChildren(...rows);
  const outside = d.outside_agreement.reduce((n, o) => n + o.waiting_episodes, 0);
  $("lage-utomlans").textContent = outside ? `Utomläns: ${outside} väntande, redovisas men faktureras inte.` : "";
  const codes = d.municipalities.map((m) => [m.kommun, `${m.name} (${m.kommun})`]);
  fillSelect($("lage-kommun"), codes);
  // A kommun key: its own. Otherwise the one chosen before, or the most expensive day's municipality.
  const first = d.waiting.length ? d.waiting[0].kommun : d.municipalities[0].kommun;
  const keep = d.municipalities.some((m) => m.kommun === lage.chosen) ? lage.chosen : first;
  choose(lage.own || keep);
}

function municipalityRow(m) {
  const tr = document.createElement("tr");
  tr.className = `lage-rad ${m.status === "red" ? "rod" : "gron"}`;
  tr.dataset.kommun = m.kommun;
  const name = document.createElement("th");
  name.scope = "row";
  const button = document.createElement("button");
  button.type = "button";
  button.className = "lank";
  button.textContent = `${m.name} (${m.kommun})`;
  button.addEventListener("click", () => choose(m.kommun));
  name.append(button);
  const margin = m.pool_margin_days == null ? "–" : kronor.format(m.pool_margin_days);
  tr.append(name, cell(m.status === "red" ? "● Röd" : "○ Grön", "status"),
    cell(decimal(m.average_so_far, 2), "tal"), cell(kronor.format(m.discharged_episodes), "tal"),
    cell(kronor.format(m.waiting_episodes), "tal"), cell(margin, "tal"), cell(sek(m.amount_so_far_sek), "tal"),
    cell(sek(m.amount_if_discharged_today_sek), "tal"));
  return tr;
}

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function choose(code) {
  lage.chosen = code;
  $("lage-kommun").value = code;
  const d = lage.data;
  const m = d.municipalities.find((x) => x.kommun === code);
  for (const tr of $("lage-kommuner").querySelectorAll("tr.lage-rad")) {
    tr.classList.toggle("vald", tr.dataset.kommun === code);
  }
  const waiting = d.waiting.filter((w) => w.kommun === code);
  $("lage-vantar-rubrik").textContent = `Väntar: ${m ? m.name : code} (${code})`;
  $("lage-vantar-summa").textContent = m ? `${kronor.format(waiting.length)} väntar; marginal `
    + `${m.pool_margin_days == null ? "–" : kronor.format(m.pool_margin_days)} dagar; om alla skrivs ut i dag `
    + `${sek(m.amount_if_discharged_today_sek)}.` : "";
  $("lage-vantar").querySelector("tbody").replaceChildren(...waiting.map((w) => {
    const tr = document.createElement("tr");
    tr.className = "vantar-rad";
    const reasons = w.reasons.map((r) => REASONS[r] || r).join(", ");
    tr.append(cell(w.episode_id), cell(CARE[w.care_type] || w.care_type), cell(w.ready_date),
      cell(kronor.format(w.days_waited), "tal"), cell(STATUS[w.status] || w.status), cell(w.individual_from || "–"),
      cell(sek(w.marginal_cost_sek), "tal"), cell(reasons));
    return tr;
  }));
  $("lage-vantar").hidden = waiting.length === 0;
  $("lage-ingen").hidden = waiting.length !== 0;
}

export function chooseFromSelect() { if (lage.data) choose($("lage-kommun").value); }
