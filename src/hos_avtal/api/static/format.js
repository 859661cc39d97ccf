// Swedish formatting of kronor, percentages, decimals and months, and the region's share read digit
// by digit (percent text <-> per mille <-> the API's decimal text), never through binary floats.

export const kronor = new Intl.NumberFormat("sv-SE", { maximumFractionDigits: 0 });
const procent = new Intl.NumberFormat("sv-SE", { minimumFractionDigits: 1, maximumFractionDigits: 1 });

export function sek(text) { return text == null ? "–" : `${kronor.format(Number(text))} kr`; }
export function signedSek(text) {
  const n = Number(text);
  return `${n > 0 ? "+" : n < 0 ? "−" : "±"}${kronor.format(Math.abs(n))} kr`;
}
export function pct(text) {
  if (text == null) return "–";
  const n = Number(text);
  return `${n > 0 ? "+" : n < 0 ? "−" : "±"}${procent.format(Math.abs(n))} %`;
}
export function decimal(value, digits) {
  return new Intl.NumberFormat("sv-SE", { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
}
export function monthName(m) {
  const [y, mo] = m.split("-").map(Number);
  return new Date(y, mo - 1, 1).toLocaleDateString("sv-SE", { year: "numeric", month: "long" });
}

/** "1/3" -> "1/3 – exakt en tredjedel"; "0.4" -> "0.4 – 40 %". */
export function shareText(text) {
  const exact = { "1/2": "hälften", "1/3": "en tredjedel", "2/3": "två tredjedelar", "1/4": "en fjärdedel",
    "3/4": "tre fjärdedelar", "1/5": "en femtedel", "0": "ingenting", "1": "hela kostnaden" }[text];
  if (exact) return `${text} – exakt ${exact}`;
  const [n, d] = text.split("/").map(Number);
  const value = d ? n / d : Number(text);
  return Number.isFinite(value) ? `${text} – ${decimal(value * 100, 1)} %` : text;
}

/**
 * A percent text as typed ("33.5", "33,5", "100") as an integer per mille (335), or null.
 * Read digit by digit, never through binary floats; a second decimal rounds half up.
 */
export function permille(text) {
  const match = /^\s*(\d{1,3})(?:[.,](\d*))?\s*$/.exec(String(text));
  if (!match) return null;
  const digits = (match[2] || "") + "00";
  const value = Number(match[1]) * 10 + Number(digits[0]) + (Number(digits[1]) >= 5 ? 1 : 0);
  return value <= 1000 ? value : null;
}

/** 335 -> "0.335", 330 -> "0.33", 1000 -> "1", 0 -> "0": the region's share as the API takes it. */
export function shareDecimal(perMille) {
  if (perMille >= 1000) return "1";
  if (perMille <= 0) return "0";
  return `0.${String(perMille).padStart(3, "0")}`.replace(/0+$/, "");
}

/** "0.335" -> 335, "1" -> 1000: the inverse of shareDecimal, digit by digit. */
export function sharePermille(text) {
  const match = /^(\d)(?:\.(\d*))?$/.exec(text);
  return match ? Number(match[1]) * 1000 + Number(((match[2] || "") + "000").slice(0, 3)) : NaN;
}
