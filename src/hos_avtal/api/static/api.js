// Calls to this server's /v1 API with the bearer key kept in sessionStorage (this tab only), and a
// failed call's problem details turned into one readable Swedish message.

const KEY_STORE = "hos-avtal-api-key";

export function storedKey() { return sessionStorage.getItem(KEY_STORE); }
export function storeKey(value) { sessionStorage.setItem(KEY_STORE, value); }

export async function api(path, options = {}) {
  const key = storedKey();
  if (!key) throw new Error("Ange en API-nyckel först.");
  const headers = Object.assign({ Authorization: `Bearer ${key}` }, options.headers || {});
  const response = await fetch(path, Object.assign({}, options, { headers }));
  if (!response.ok) {
    const error = new Error(await problemText(response));
    error.status = response.status;
    throw error;
  }
  return response;
}

async function problemText(response) {
  const fallback = {
    401: "API-nyckeln saknas, är okänd eller återkallad.", 403: "Nyckelns roll får inte göra detta.",
    404: "Hittades inte.", 413: "Filen är för stor.", 422: "Indata kunde inte användas.",
  }[response.status] || `Servern svarade ${response.status}.`;
  try {
    const problem = await response.json();
    const items = (problem.errors || []).slice(0, 5).map((e) => {
      const where = [e.source, e.row != null ? `rad ${e.row}` : null, e.column, e.field].filter(Boolean).join(", ");
      return where ? `${where}: ${e.reason}` : e.reason;
    });
    return [fallback, problem.detail, ...items].filter(Boolean).join(" — ");
  } catch (_) {
    return fallback;
  }
}
