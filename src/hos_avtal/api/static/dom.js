// The few DOM helpers every part of the page uses: look-up by id, filling a <select>, and the error
// box and status line at the top of the page.

export const $ = (id) => document.getElementById(id);

export function fillSelect(select, options) {
  select.replaceChildren(...options.map(([value, text]) => new Option(text, value)));
}

export function showError(error) {
  const box = $("fel");
  box.textContent = error ? `Fel: ${error.message || error}` : "";
  box.hidden = !error;
}
export function status(text) { $("status").textContent = text; }
