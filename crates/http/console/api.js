// The API client: same-origin `/v1`, bearer token from sessionStorage, the organization header for
// organization-scoped calls, and RFC 9457 problem+json errors turned into ApiError (show `.message`,
// which is the problem's `detail`).

const TOKEN_KEY = "winserve.token";
const ORG_KEY = "winserve.org";

export const session = {
  token: () => sessionStorage.getItem(TOKEN_KEY),
  setToken: (token) => sessionStorage.setItem(TOKEN_KEY, token),
  org: () => sessionStorage.getItem(ORG_KEY),
  setOrg: (slug) => sessionStorage.setItem(ORG_KEY, slug),
  clear: () => sessionStorage.clear(),
};

/** An error answer of the API (or a network failure, status 0). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `The request failed (HTTP ${status}).`);
    this.name = "ApiError";
    this.status = status;
    this.code = problem.code || null;
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
    this.problem = problem;
  }
}

async function toError(res) {
  let problem = {};
  const type = res.headers.get("Content-Type") || "";
  try {
    if (type.includes("json")) problem = await res.json();
  } catch {
    problem = {};
  }
  if (typeof problem !== "object" || problem === null) problem = {};
  const err = new ApiError(res.status, problem);
  if (res.status === 401) {
    window.dispatchEvent(new CustomEvent("winserve:unauthorized", { detail: err }));
  }
  return err;
}

/**
 * One request. `org: true` sends `X-Organization-Slug` with the selected organization (only the
 * organization-scoped endpoints need it). Resolves to the Response; rejects with ApiError.
 */
export async function request(method, path, { query, body, org = false, accept = "application/json", signal } = {}) {
  const url = new URL(`/v1${path}`, window.location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, String(value));
  }
  const headers = { Accept: `${accept}, application/problem+json` };
  const token = session.token();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (org) {
    const slug = session.org();
    if (slug) headers["X-Organization-Slug"] = slug;
  }
  let payload;
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(url, { method, headers, body: payload, signal, cache: "no-store", credentials: "omit" });
  } catch (e) {
    if (e && e.name === "AbortError") throw e;
    throw new ApiError(0, { detail: "The server could not be reached. Check that winserve is running.", code: "network" });
  }
  if (!res.ok) throw await toError(res);
  return res;
}

async function json(method, path, opts) {
  const res = await request(method, path, opts);
  if (res.status === 204) return null;
  return res.json();
}

export const get = (path, opts) => json("GET", path, opts);
export const post = (path, body, opts) => json("POST", path, { ...opts, body });
export const put = (path, body, opts) => json("PUT", path, { ...opts, body });
export const del = (path, opts) => json("DELETE", path, opts);

/** Organization-scoped calls: the same, with `X-Organization-Slug`. */
export const inOrg = {
  get: (path, opts) => get(path, { ...opts, org: true }),
  post: (path, body, opts) => post(path, body, { ...opts, org: true }),
  del: (path, opts) => del(path, { ...opts, org: true }),
};

function filenameFrom(disposition) {
  const match = /filename="?([^";]+)"?/i.exec(disposition || "");
  return match ? match[1] : null;
}

/**
 * Downloads a CSV endpoint: it needs the Authorization header, so it is fetched as a blob and saved
 * through an object URL and a temporary <a download>.
 */
export async function downloadCsv(path, query, fallbackName) {
  const res = await request("GET", path, { query, org: true, accept: "text/csv" });
  const blob = await res.blob();
  const name = filenameFrom(res.headers.get("Content-Disposition")) || fallbackName;
  const href = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = href;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10000);
  return { name, size: blob.size };
}
