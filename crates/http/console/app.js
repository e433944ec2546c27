// Boot, sign-in, the header (organization switcher, mode band, navigation) and hash routing.
//
// Routes are the server's navigation paths in the URL fragment: `#/dashboard/voter-records`. A route
// belongs to the navigation item with the longest path that prefixes it; the rest selects a sub-page
// (`/segments`, `/<id>`). The organization is the one saved server-side (PUT /v1/me/active-organization)
// and in sessionStorage, so a reload keeps it.

import { get, put, session } from "./api.js";
import { append, h, replace, section, details } from "./dom.js";
import { renderContactsRoute } from "./view-contacts.js";
import { renderHistory, renderLifecycle, renderStartCampaign } from "./view-lifecycle.js";
import { renderOutreach } from "./view-outreach.js";
import { renderPolls } from "./view-polls.js";

const MODES = {
  win: { group: "Win", label: "Campaign mode" },
  serve: { group: "Serve", label: "Elected-official mode" },
};

/** Keys whose pages have sub-pages (`/segments`, `/<id>`); any other item's route must be its path exactly. */
const WITH_SUBPAGES = new Set(["voter_data", "constituents", "voter_outreach", "polls"]);

/** Navigation keys with a page in this console; every other key shows the "not part of this server yet" panel. */
const VIEWS = {
  dashboard: renderLifecycle,
  voter_data: renderContactsRoute,
  constituents: renderContactsRoute,
  voter_outreach: renderOutreach,
  polls: renderPolls,
  profile: renderProfile,
};

const state = { me: null, orgs: [], org: null, nav: null, signedIn: false };
let renderSeq = 0;

const $ = (id) => document.getElementById(id);
const main = () => $("main");

// ---------------------------------------------------------------- status and errors (live regions)

let statusTimer;
export function announce(message) {
  const status = $("status");
  clearTimeout(statusTimer);
  status.textContent = "";
  // A fresh text node in the next frame is announced even when the message repeats.
  requestAnimationFrame(() => {
    status.textContent = message;
    syncToast();
  });
  statusTimer = setTimeout(() => {
    status.textContent = "";
    syncToast();
  }, 10000);
}

export function showError(error) {
  if (error && error.name === "AbortError") return;
  const alert = $("alert");
  const message = (error && error.message) || "Something went wrong.";
  const fieldErrors = ((error && error.errors) || [])
    .map((e) => `${e.field}: ${e.message}`)
    .filter((text) => text !== message);
  replace(alert,
    h("p", null, message),
    fieldErrors.length ? h("ul", null, fieldErrors.map((text) => h("li", null, text))) : null);
  syncToast();
}

export function clearError() {
  $("alert").replaceChildren();
  syncToast();
}

function syncToast() {
  const visible = $("status").textContent !== "" || $("alert").textContent !== "";
  $("toast").classList.toggle("is-visible", visible);
  $("toast-dismiss").hidden = !visible;
}

// ---------------------------------------------------------------- routing

const routePath = () => {
  const hash = window.location.hash;
  return hash.startsWith("#/") ? decodeURIComponent(hash.slice(1)) : null;
};

function matchRoute(path) {
  if (!state.nav || !path) return null;
  const items = [...state.nav.items, ...state.nav.account_items];
  let best = null;
  for (const item of items) {
    if (path === item.path || path.startsWith(`${item.path}/`)) {
      if (!best || item.path.length > best.path.length) best = item;
    }
  }
  return best ? { item: best, rest: path.slice(best.path.length) } : null;
}

/** Goes to a client path (pushes history; no hashchange event) and renders it. */
function go(path, { focus = true, replaceEntry = false } = {}) {
  if (routePath() !== path) {
    const method = replaceEntry ? "replaceState" : "pushState";
    window.history[method](null, "", `${window.location.pathname}${window.location.search}#${path}`);
  }
  return render({ focus });
}

async function render({ focus }) {
  if (!state.signedIn || !state.nav) return;
  clearError();
  const path = routePath();
  const match = matchRoute(path);
  if (!match) {
    if (path === state.nav.landing_path) return renderUnknownLanding({ focus });
    return go(state.nav.landing_path, { focus, replaceEntry: true });
  }
  const { item, rest } = match;
  if (rest !== "" && !WITH_SUBPAGES.has(item.key)) return go(item.path, { focus, replaceEntry: true });
  markCurrent(item);
  const seq = ++renderSeq;
  const title = h("h1", { id: "page-title", tabindex: "-1", "data-testid": "page-title" }, item.label);
  const root = h("div", { class: "view" });
  replace(main(), title, root);
  document.title = `${item.label} · ${state.org ? state.org.name : ""} · winserve`;
  if (focus) title.focus();
  const ctx = {
    root,
    item,
    rest,
    path,
    nav: state.nav,
    org: state.org,
    orgs: state.orgs,
    me: state.me,
    isLanding: path === state.nav.landing_path,
    isCurrent: () => seq === renderSeq,
    setTitle: (text) => {
      title.textContent = text;
      document.title = `${text} · ${state.org ? state.org.name : ""} · winserve`;
    },
    navigate: (to) => go(to),
    announce,
    showError,
    switchOrg,
    refresh,
  };
  const view = VIEWS[item.key] || notAvailable;
  try {
    await view(ctx);
    // The landing page carries the lifecycle panel (campaign or office, and the history) when the
    // mode's landing item is not the dashboard itself (Serve lands on Briefings).
    if (ctx.isLanding && view !== renderLifecycle && ctx.isCurrent()) {
      const extra = h("div", { class: "view" });
      root.after(extra);
      await renderLifecycle({ ...ctx, root: extra });
    }
  } catch (e) {
    if (ctx.isCurrent()) showError(e);
  }
}

function renderUnknownLanding({ focus }) {
  const title = h("h1", { id: "page-title", tabindex: "-1", "data-testid": "page-title" }, "Home");
  const root = h("div", { class: "view" });
  replace(main(), title, root);
  if (focus) title.focus();
  return renderLifecycle({ root, org: state.org, nav: state.nav, orgs: state.orgs, me: state.me, isCurrent: () => true, announce, showError, switchOrg, refresh, navigate: (to) => go(to) });
}

function markCurrent(item) {
  for (const link of document.querySelectorAll("[data-nav-key]")) {
    if (link.dataset.navKey === item.key) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

// ---------------------------------------------------------------- pages without a feature module

function notAvailable(ctx) {
  append(ctx.root, h("section", { class: "panel notice", "data-testid": "not-available" },
    h("h2", null, "Not part of this server yet"),
    h("p", null, `${ctx.item.label} is not part of this server yet. `,
      "The navigation lists it because the product has it in this mode; this server has no API for it, so there is nothing to show here.")));
}

async function renderProfile(ctx) {
  const user = ctx.me.user;
  const name = [user.first_name, user.last_name].filter(Boolean).join(" ");
  append(ctx.root, section("You",
    details([
      ["Name", name || null],
      ["Email", user.email],
      ["User id", user.id],
      ["Token subject", user.sub],
      ["Organizations", String(ctx.orgs.length)],
    ])));
  const history = h("div");
  append(ctx.root, history);
  await renderHistory(ctx, history);
}

// ---------------------------------------------------------------- header

function buildHeader() {
  const header = $("site-header");
  // Switching is a change of context, so it waits for the button (WCAG 3.2.2): arrowing through the
  // options must not switch at every step.
  const select = h("select", { id: "org-switcher", "data-testid": "org-switcher" });
  replace(header,
    h("div", { class: "mode-band" },
      h("span", { class: "mode-label", id: "mode-label", "data-testid": "mode-label" }),
      h("span", { class: "mode-org", id: "mode-org" }),
      h("span", { class: "badge", id: "mode-archived", hidden: true }, "Past · read-only")),
    h("div", { class: "header-bar" },
      h("span", { class: "brand" }, "winserve"),
      h("form", { class: "org-picker", onsubmit: onSwitcherSubmit },
        h("label", { for: "org-switcher" }, "Organization"), select,
        h("button", { type: "submit", class: "button secondary small", "data-testid": "org-switch" }, "Switch")),
      h("div", { class: "account" },
        h("nav", { "aria-label": "Account", class: "account-nav" }, h("ul", { id: "account-nav" })),
        h("span", { class: "user", id: "user-name" }),
        h("button", { type: "button", class: "button secondary small", onclick: signOut }, "Sign out"))),
    h("nav", { class: "main-nav", "aria-label": "Main", "data-testid": "nav" }, h("ul", { id: "main-nav" })));
}

function orgOptionLabel(org) {
  let label = org.name;
  if (org.mode === "win" && org.position_name) label += ` — ${org.position_name}`;
  if (org.archived) label += org.mode === "win" ? " (campaign)" : " (office)";
  if (org.role && org.role !== "owner") label += ` · ${org.role}`;
  return label;
}

function updateHeader() {
  const org = state.org;
  const mode = state.nav ? state.nav.mode : null;
  document.body.classList.remove("mode-win", "mode-serve", "mode-none");
  document.body.classList.add(mode === "win" || mode === "serve" ? `mode-${mode}` : "mode-none");
  $("mode-label").textContent = mode ? MODES[mode]?.label || mode : "No organization yet";
  $("mode-org").textContent = org ? org.name + (org.mode === "win" && org.position_name ? ` — ${org.position_name}` : "") : "";
  $("mode-archived").hidden = !(org && org.archived);

  const groups = [
    ["Win", state.orgs.filter((o) => !o.archived && o.mode === "win")],
    ["Serve", state.orgs.filter((o) => !o.archived && o.mode === "serve")],
    ["Past", state.orgs.filter((o) => o.archived)],
  ];
  const select = $("org-switcher");
  replace(select, groups.filter(([, list]) => list.length).map(([label, list]) =>
    h("optgroup", { label }, list.map((o) => h("option", { value: o.slug, selected: org && o.slug === org.slug }, orgOptionLabel(o))))));
  select.disabled = state.orgs.length === 0;
  if (org) select.value = org.slug;

  const link = (item) => h("li", null, h("a", { href: `#${item.path}`, "data-nav-key": item.key }, item.label));
  replace($("main-nav"), state.nav ? state.nav.items.map(link) : []);
  replace($("account-nav"), state.nav ? state.nav.account_items.map(link) : []);

  const user = state.me ? state.me.user : null;
  $("user-name").textContent = user ? user.email || [user.first_name, user.last_name].filter(Boolean).join(" ") : "";
}

async function onSwitcherSubmit(event) {
  event.preventDefault();
  const slug = $("org-switcher").value;
  if (slug && (!state.org || slug !== state.org.slug)) await switchOrg(slug);
}

// ---------------------------------------------------------------- organizations

/** Makes `slug` the organization the console acts in: loads its navigation and repaints the header. */
async function useOrg(slug, { save }) {
  if (save) state.me = await put("/me/active-organization", { slug });
  const nav = await get(`/organizations/${encodeURIComponent(slug)}/nav`);
  session.setOrg(slug);
  state.nav = nav;
  state.org = state.orgs.find((o) => o.slug === slug) || null;
  updateHeader();
}

/** Switches organization (saved as the active one) and lands on the mode's landing page. */
async function switchOrg(slug, { reloadOrgs = false, message = null } = {}) {
  const previous = state.org ? state.org.slug : null;
  try {
    if (reloadOrgs || !state.orgs.some((o) => o.slug === slug)) {
      state.orgs = (await get("/organizations")).organizations;
    }
    await useOrg(slug, { save: true });
    await go(state.nav.landing_path, { focus: true });
    announce(message || `Now in ${state.org ? state.org.name : slug}: ${MODES[state.nav.mode]?.label || state.nav.mode}.`);
  } catch (e) {
    showError(e);
    if (previous) $("org-switcher").value = previous;
  }
}

/** Reloads the organizations (after a lifecycle change) and re-renders the current page, focusing its heading. */
async function refresh() {
  try {
    state.orgs = (await get("/organizations")).organizations;
    state.org = state.orgs.find((o) => o.slug === (state.org && state.org.slug)) || state.org;
    updateHeader();
  } catch (e) {
    showError(e);
  }
  await render({ focus: true });
}

// ---------------------------------------------------------------- boot, sign-in, sign-out

async function start({ focus }) {
  replace(main(), h("p", { class: "muted" }, "Loading…"));
  let me;
  let list;
  try {
    [me, list] = await Promise.all([get("/me"), get("/organizations")]);
  } catch (e) {
    if (e.status === 401) return undefined; // the unauthorized listener shows the sign-in form
    return showFatal(e);
  }
  state.signedIn = true;
  state.me = me;
  state.orgs = list.organizations;
  buildHeader();
  const known = (slug) => slug && state.orgs.some((o) => o.slug === slug);
  const slug = [session.org(), me.active_organization_slug].find(known) || (state.orgs[0] && state.orgs[0].slug);
  if (!slug) return renderNoOrganization({ focus });
  try {
    await useOrg(slug, { save: false });
  } catch (e) {
    return showFatal(e);
  }
  return render({ focus });
}

function renderNoOrganization({ focus }) {
  state.nav = null;
  state.org = null;
  updateHeader();
  const title = h("h1", { id: "page-title", tabindex: "-1", "data-testid": "page-title" }, "Welcome");
  const root = h("div", { class: "view" });
  replace(main(), title, root);
  document.title = "Welcome · winserve";
  if (focus) title.focus();
  append(root, h("p", null, "You have no organization yet. Start a campaign: it gets its own organization in Win (campaign) mode."));
  return renderStartCampaign({ root, announce, showError, switchOrg, open: true });
}

function showFatal(error) {
  const title = h("h1", { id: "page-title", tabindex: "-1", "data-testid": "page-title" }, "The console could not load");
  replace(main(), title,
    h("p", null, error.message),
    h("button", { type: "button", class: "button", onclick: () => start({ focus: true }) }, "Try again"));
  showError(error);
}

function showSignIn(message, { focus = false } = {}) {
  renderSeq += 1; // views still loading are no longer current
  state.signedIn = false;
  state.nav = null;
  state.org = null;
  document.body.classList.remove("mode-win", "mode-serve", "mode-none");
  $("site-header").replaceChildren(h("div", { class: "header-bar" }, h("span", { class: "brand" }, "winserve")));
  document.title = "Sign in · winserve";
  const input = h("input", { id: "token-input", name: "token", type: "password", autocomplete: "off", required: true, spellcheck: "false", "aria-describedby": "token-hint" });
  const form = h("form", { class: "panel sign-in", "data-testid": "sign-in", "aria-labelledby": "page-title", onsubmit: (event) => {
    event.preventDefault();
    const token = input.value.trim().replace(/^Bearer\s+/i, "");
    if (!token) return;
    session.setToken(token);
    clearError();
    start({ focus: true });
  } },
  h("div", { class: "field" },
    h("label", { for: "token-input" }, "API token"),
    h("p", { class: "hint", id: "token-hint" }, "A bearer token for this server. ",
      h("code", null, "winserve serve --demo"), " prints a sign-in link that fills it in; ",
      h("code", null, "winserve token --sub …"), " mints one."),
    input),
  h("button", { type: "submit", class: "button" }, "Sign in"));
  const title = h("h1", { id: "page-title", tabindex: "-1", "data-testid": "page-title" }, "Sign in");
  replace(main(), title, form);
  if (message) showError({ message });
  if (focus) title.focus();
}

function signOut() {
  session.clear();
  state.me = null;
  state.orgs = [];
  window.history.replaceState(null, "", `${window.location.pathname}${window.location.search}`);
  clearError();
  showSignIn(null, { focus: true });
  announce("Signed out.");
}

/** `#token=…` (the demo's sign-in link): keep the token for this tab and drop the fragment. */
function captureTokenFromFragment() {
  const hash = window.location.hash;
  if (!hash.startsWith("#") || hash.startsWith("#/")) return;
  const params = new URLSearchParams(hash.slice(1));
  const token = params.get("token");
  if (!token) return;
  session.setToken(token);
  window.history.replaceState(null, "", `${window.location.pathname}${window.location.search}`);
}

function boot() {
  captureTokenFromFragment();
  window.addEventListener("hashchange", () => {
    if (routePath() !== null) render({ focus: true });
  });
  window.addEventListener("winserve:unauthorized", (event) => {
    if (!session.token() && !state.signedIn) return;
    session.clear();
    showSignIn(`${event.detail.message.replace(/\.?$/, ".")} Sign in again.`, { focus: true });
  });
  $("skip-link").addEventListener("click", (event) => {
    event.preventDefault();
    main().focus();
  });
  $("toast-dismiss").addEventListener("click", () => {
    $("status").textContent = "";
    clearError();
  });
  if (!session.token()) return showSignIn(null);
  return start({ focus: false });
}

boot();
