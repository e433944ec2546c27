// Contacts ("Voter Data" in Win, "Constituents" in Serve — the label is the server's): a paged table
// with the exact total, a segment picker, search as you type and a CSV export. The sub-page
// `<path>/segments` manages the organization's segments.
//
// Columns come from the data: the party column exists only when the API sends `political_party`
// (it never does in Serve mode), so nothing is hidden here that the server sent.

import { downloadCsv, inOrg } from "./api.js";
import { append, debounce, h, headRow, humanize, replace, tableScroll, uid } from "./dom.js";
import { renderSegments } from "./view-segments.js";

const dash = (v) => (v === null || v === undefined || v === "" ? "—" : String(v));

export function fullName(c) {
  const name = [c.last_name, [c.first_name, c.middle_name, c.name_suffix].filter(Boolean).join(" ")]
    .filter(Boolean).join(", ");
  return name || c.lal_voter_id || "—";
}

function addressText(a) {
  if (!a) return "—";
  const cityLine = [a.city, [a.state, a.zip].filter(Boolean).join(" ")].filter(Boolean).join(", ");
  return [a.line1, cityLine].filter(Boolean).join(", ") || "—";
}

/** The columns for a list of contacts, built from what the API sent. */
export function contactColumns(contacts) {
  const columns = [
    { label: "Age", value: (c) => dash(c.age) },
    { label: "Gender", value: (c) => humanize(c.gender) },
    { label: "Voter status", value: (c) => humanize(c.voter_status) },
  ];
  if (contacts.some((c) => Object.prototype.hasOwnProperty.call(c, "political_party"))) {
    columns.push({ label: "Party", value: (c) => dash(c.political_party) });
  }
  columns.push(
    { label: "Address", value: (c) => addressText(c.address) },
    { label: "Cell phone", value: (c) => dash(c.cell_phone), nowrap: true },
    { label: "Landline", value: (c) => dash(c.landline), nowrap: true },
  );
  return columns;
}

/** Fills `table` (keeping its caption) with contacts; the name is each row's header. */
export function fillContactTable(table, contacts, extraColumns = []) {
  const columns = [...contactColumns(contacts), ...extraColumns];
  const caption = table.querySelector("caption");
  const body = h("tbody", null, contacts.length === 0
    ? h("tr", null, h("td", { colspan: String(columns.length + 1) }, "No contacts match."))
    : contacts.map((c) => h("tr", null,
      h("th", { scope: "row" }, fullName(c)),
      columns.map((col) => h("td", col.nowrap ? { class: "nowrap" } : null, col.value(c))))));
  replace(table, caption, headRow(["Name", ...columns.map((c) => c.label)]), body);
}

export async function renderContactsRoute(ctx) {
  if (ctx.rest === "/segments") return renderSegments(ctx);
  if (ctx.rest !== "") {
    append(ctx.root, h("p", null, "There is no such page. ", h("a", { href: `#${ctx.item.path}` }, `Back to ${ctx.item.label}`)));
    return undefined;
  }
  return renderContacts(ctx);
}

async function renderContacts(ctx) {
  const view = { page: 1, perPage: 50, segment: "all", search: "" };
  const label = ctx.item.label;

  const segmentId = uid("segment");
  const segmentSelect = h("select", { id: segmentId, name: "segment" }, h("option", { value: "all" }, "All contacts"));
  const searchId = uid("search");
  const search = h("input", { id: searchId, type: "search", name: "search", autocomplete: "off", "aria-describedby": `${searchId}-hint` });
  const perPageId = uid("per-page");
  const perPage = h("select", { id: perPageId, name: "per_page" },
    [25, 50, 100].map((n) => h("option", { value: String(n), selected: n === view.perPage }, String(n))));
  const exportButton = h("button", { type: "button", class: "button secondary" }, "Export CSV");

  const total = h("p", { class: "total", "data-testid": "contacts-total" }, "Loading…");
  const notice = h("p", { class: "notice", hidden: true });
  const caption = h("caption", null, label);
  const table = h("table", { class: "data", "data-testid": "contacts-table" }, caption);
  const prev = h("button", { type: "button", class: "button secondary small" }, "Previous page");
  const next = h("button", { type: "button", class: "button secondary small" }, "Next page");
  const pageInfo = h("span", { class: "page-info" });

  append(ctx.root,
    h("form", { class: "toolbar", role: "search", "aria-label": `Filter ${label}`, onsubmit: (e) => e.preventDefault() },
      h("div", { class: "field" }, h("label", { for: segmentId }, "Segment"), segmentSelect),
      h("div", { class: "field grow" },
        h("label", { for: searchId }, "Search"),
        h("p", { class: "hint", id: `${searchId}-hint` }, "Name, street, city, ZIP or phone digits"),
        search),
      h("div", { class: "field" }, h("label", { for: perPageId }, "Rows per page"), perPage)),
    h("div", { class: "actions" },
      exportButton,
      h("a", { class: "button secondary", href: `#${ctx.item.path}/segments` }, "Manage segments")),
    total,
    notice,
    tableScroll(label, table),
    h("nav", { class: "pager", "aria-label": `${label} pages` }, prev, pageInfo, next));

  let controller = null;
  async function load({ announceTotal = false } = {}) {
    if (controller) controller.abort();
    controller = new AbortController();
    const focused = document.activeElement;
    table.setAttribute("aria-busy", "true");
    try {
      const { contacts, meta } = await inOrg.get("/contacts", {
        query: { page: view.page, per_page: view.perPage, segment: view.segment, search: view.search },
        signal: controller.signal,
      });
      notice.hidden = true;
      fillContactTable(table, contacts);
      const pages = Math.max(meta.total_pages, 1);
      const page = meta.page || view.page;
      total.textContent = `${meta.total} ${meta.total === 1 ? "contact" : "contacts"}`;
      total.dataset.total = String(meta.total);
      caption.textContent = `${label}, page ${page} of ${pages}`;
      pageInfo.textContent = `Page ${page} of ${pages}`;
      prev.disabled = page <= 1;
      next.disabled = page >= pages;
      if (focused === prev && prev.disabled) next.focus();
      if (focused === next && next.disabled) prev.focus();
      if (announceTotal) ctx.announce(total.textContent);
    } catch (e) {
      if (e.name === "AbortError") return;
      total.textContent = "—";
      delete total.dataset.total;
      notice.textContent = e.message;
      notice.hidden = false;
      replace(table, caption);
      prev.disabled = true;
      next.disabled = true;
      ctx.showError(e);
    } finally {
      table.removeAttribute("aria-busy");
    }
  }

  segmentSelect.addEventListener("change", () => {
    view.segment = segmentSelect.value;
    view.page = 1;
    load({ announceTotal: true });
  });
  const searchLater = debounce(() => {
    view.search = search.value.trim();
    view.page = 1;
    load({ announceTotal: true });
  }, 300);
  search.addEventListener("input", searchLater);
  perPage.addEventListener("change", () => {
    view.perPage = Number(perPage.value);
    view.page = 1;
    load();
  });
  prev.addEventListener("click", () => {
    view.page = Math.max(1, view.page - 1);
    load();
  });
  next.addEventListener("click", () => {
    view.page += 1;
    load();
  });
  let exporting = false; // aria-disabled rather than disabled, so the button keeps the focus
  exportButton.addEventListener("click", async () => {
    if (exporting) return;
    exporting = true;
    exportButton.setAttribute("aria-disabled", "true");
    ctx.announce("Preparing the CSV export…");
    try {
      const slug = ctx.org ? ctx.org.slug : "organization";
      const { name } = await downloadCsv("/contacts/export", { segment: view.segment, search: view.search }, `contacts-${slug}.csv`);
      ctx.announce(`Downloaded ${name}.`);
    } catch (e) {
      ctx.showError(e);
    } finally {
      exporting = false;
      exportButton.removeAttribute("aria-disabled");
    }
  });

  const segmentsLoaded = inOrg.get("/segments").then(({ built_in: builtIn, custom }) => {
    replace(segmentSelect,
      h("optgroup", { label: "Built-in" }, builtIn.map((s) => h("option", { value: s.key }, s.name))),
      custom.length ? h("optgroup", { label: "Custom" }, custom.map((s) => h("option", { value: s.id }, s.name))) : null);
    segmentSelect.value = view.segment;
  }).catch((e) => ctx.showError(e));
  await Promise.all([load(), segmentsLoaded]);
}
