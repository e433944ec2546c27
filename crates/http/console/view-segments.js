// Segments of the selected organization: the built-in ones and the custom ones with live counts, a
// form to create one (the party criterion is offered in Win mode only: the server refuses it in Serve
// with 422 `party_filter_not_allowed`), and delete.

import { inOrg } from "./api.js";
import { append, h, headRow, humanize, replace, section, tableScroll, uid, field } from "./dom.js";

const YES_UNKNOWN = ["yes", "unknown"];

/** The segment criteria of the API (list criteria), in form order; `more` ones sit in a disclosure. */
export const CRITERIA = [
  { key: "voter_status", label: "Voter status", values: ["super", "likely", "unreliable", "unlikely", "first_time", "unknown"] },
  { key: "party", label: "Party", values: ["democratic", "republican", "independent", "other", "unknown"], winOnly: true },
  { key: "age_ranges", label: "Age", values: ["18_24", "25_34", "35_49", "50_plus", "unknown"] },
  { key: "gender", label: "Gender", values: ["male", "female", "unknown"] },
  { key: "languages", label: "Language", values: ["en", "es", "other", "unknown"], more: true },
  { key: "marital_status", label: "Marital status", values: ["married", "likely_married", "single", "likely_single", "unknown"], more: true },
  { key: "has_children", label: "Children in the household", values: ["yes", "no", "unknown"], more: true },
  { key: "veteran", label: "Veteran", values: YES_UNKNOWN, more: true },
  { key: "business_owner", label: "Business owner", values: YES_UNKNOWN, more: true },
  { key: "homeowner", label: "Homeowner", values: ["yes", "likely", "no", "unknown"], more: true },
  { key: "education", label: "Education", values: ["none", "high_school", "technical_school", "some_college", "college", "graduate", "unknown"], more: true },
  { key: "ethnicity", label: "Ethnicity", values: ["asian", "european", "hispanic", "african_american", "other", "unknown"], more: true },
  { key: "income_ranges", label: "Estimated income", values: ["under_25k", "25k_35k", "35k_50k", "50k_75k", "75k_100k", "100k_125k", "125k_150k", "150k_200k", "200k_plus", "unknown"], more: true },
];

/** The boolean criteria. */
export const FLAGS = [
  { key: "has_cell_phone", label: "Has a cell phone" },
  { key: "has_landline", label: "Has a landline" },
  { key: "has_address", label: "Has an address" },
];

const VALUE_LABELS = {
  "18_24": "18–24", "25_34": "25–34", "35_49": "35–49", "50_plus": "50+",
  en: "English", es: "Spanish", african_american: "African American",
  under_25k: "Under $25k", "25k_35k": "$25k–35k", "35k_50k": "$35k–50k", "50k_75k": "$50k–75k",
  "75k_100k": "$75k–100k", "100k_125k": "$100k–125k", "125k_150k": "$125k–150k", "150k_200k": "$150k–200k",
  "200k_plus": "$200k+",
};
const valueLabel = (v) => VALUE_LABELS[v] || humanize(v);

/** "Voter status: Super or Likely; Has a cell phone: yes". */
export function describeCriteria(criteria) {
  const parts = [];
  for (const [key, value] of Object.entries(criteria || {})) {
    if (value === null || value === undefined) continue;
    const flag = FLAGS.find((f) => f.key === key);
    const crit = CRITERIA.find((c) => c.key === key);
    if (flag) parts.push(`${flag.label}: ${value ? "yes" : "no"}`);
    else if (Array.isArray(value)) parts.push(`${crit ? crit.label : humanize(key)}: ${value.map(valueLabel).join(" or ")}`);
    else parts.push(`${humanize(key)}: ${String(value)}`);
  }
  return parts.length ? parts.join("; ") : "Everyone in the district";
}

export async function renderSegments(ctx) {
  ctx.setTitle(`${ctx.item.label}: segments`);
  const builtInBody = h("div", null, h("p", { class: "muted" }, "Loading…"));
  const customBody = h("div", null, h("p", { class: "muted" }, "Loading…"));
  append(ctx.root,
    h("p", null, h("a", { href: `#${ctx.item.path}` }, `Back to ${ctx.item.label}`)),
    section("Custom segments", customBody),
    section("Built-in segments", builtInBody),
    createForm(ctx, () => loadLists()));

  let loadSeq = 0;
  async function loadLists() {
    const seq = ++loadSeq;
    let list;
    try {
      list = await inOrg.get("/segments");
    } catch (e) {
      replace(customBody, h("p", null, e.message));
      replace(builtInBody);
      ctx.showError(e);
      return;
    }
    const counts = [];
    const countCell = (load) => {
      const cell = h("td", { class: "number" }, "…");
      counts.push({ cell, load });
      return cell;
    };

    const builtInTable = h("table", { class: "data" },
      h("caption", null, "Built-in segments"),
      headRow(["Name", "Key", "Criteria", "Contacts"]),
      h("tbody", null, list.built_in.map((s) => h("tr", null,
        h("th", { scope: "row" }, s.name),
        h("td", null, h("code", null, s.key)),
        h("td", null, describeCriteria(s.criteria)),
        countCell(async () => (await inOrg.get("/contacts", { query: { segment: s.key, per_page: 1 } })).meta.total)))));
    replace(builtInBody, tableScroll("Built-in segments", builtInTable));

    if (list.custom.length === 0) {
      replace(customBody, h("p", null, "No custom segment yet. Create one below."));
    } else {
      const customTable = h("table", { class: "data", "data-testid": "segments-table" },
        h("caption", null, "Custom segments"),
        headRow(["Name", "Criteria", "Contacts", "Actions"]),
        h("tbody", null, list.custom.map((s) => h("tr", null,
          h("th", { scope: "row" }, s.name),
          h("td", null, describeCriteria(s.criteria)),
          countCell(async () => (await inOrg.get(`/segments/${encodeURIComponent(s.id)}/count`)).count),
          h("td", null, deleteButton(ctx, s, loadLists))))));
      replace(customBody, tableScroll("Custom segments", customTable));
    }

    // Live counts, one request at a time; the first failure (e.g. 409 organization_archived) is shown once.
    let reported = false;
    for (const { cell, load } of counts) {
      if (seq !== loadSeq || !ctx.isCurrent()) return;
      try {
        cell.textContent = String(await load());
      } catch (e) {
        cell.textContent = "—";
        if (!reported) {
          reported = true;
          ctx.showError(e);
        }
      }
    }
  }
  await loadLists();
}

function deleteButton(ctx, segment, reload) {
  const button = h("button", { type: "button", class: "button danger small", "aria-label": `Delete segment ${segment.name}` }, "Delete");
  button.addEventListener("click", async () => {
    if (!window.confirm(`Delete the segment “${segment.name}”?`)) return;
    try {
      await inOrg.del(`/segments/${encodeURIComponent(segment.id)}`);
      ctx.announce(`Segment “${segment.name}” deleted.`);
      await reload();
      const heading = document.getElementById("page-title");
      if (heading) heading.focus();
    } catch (e) {
      ctx.showError(e);
    }
  });
  return button;
}

function checkboxGroup(crit) {
  return h("fieldset", { class: "checks" },
    h("legend", null, crit.label),
    crit.values.map((value) => {
      const id = uid(crit.key);
      return h("span", { class: "check" },
        h("input", { type: "checkbox", id, name: crit.key, value }),
        h("label", { for: id }, valueLabel(value)));
    }));
}

function createForm(ctx, reload) {
  const mode = ctx.nav.mode;
  const offered = CRITERIA.filter((c) => !c.winOnly || mode === "win");
  const name = field("Name", "input", { name: "name", required: true, maxlength: "100", autocomplete: "off" });
  const flagSelects = FLAGS.map((flag) => field(flag.label, "select", { name: flag.key }, {
    options: [h("option", { value: "" }, "Any"), h("option", { value: "true" }, "Yes"), h("option", { value: "false" }, "No")],
  }));
  const submit = h("button", { type: "submit", class: "button" }, "Create segment");
  const headingId = uid("new-segment");
  const form = h("form", { class: "panel", "aria-labelledby": headingId, "data-testid": "segment-form" },
    h("h2", { id: headingId }, "New segment"),
    h("p", { class: "muted" }, "Every criterion is optional. A contact matches when it matches every criterion you set, and any of the values ticked within one."),
    name.wrap,
    offered.filter((c) => !c.more).map(checkboxGroup),
    h("div", { class: "row" }, flagSelects.map((f) => f.wrap)),
    h("details", null, h("summary", null, "More criteria"), offered.filter((c) => c.more).map(checkboxGroup)),
    h("div", { class: "actions" }, submit));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const criteria = {};
    for (const crit of offered) {
      const values = [...form.querySelectorAll(`input[name="${crit.key}"]:checked`)].map((i) => i.value);
      if (values.length) criteria[crit.key] = values;
    }
    for (const f of flagSelects) {
      if (f.input.value) criteria[f.input.name] = f.input.value === "true";
    }
    try {
      const created = await inOrg.post("/segments", { name: name.input.value.trim(), criteria });
      let countText = "";
      try {
        const { count } = await inOrg.get(`/segments/${encodeURIComponent(created.id)}/count`);
        countText = `: ${count} ${count === 1 ? "contact" : "contacts"}`;
      } catch {
        countText = "";
      }
      form.reset();
      ctx.announce(`Segment “${created.name}” created${countText}.`);
      await reload();
      name.input.focus();
    } catch (e) {
      ctx.showError(e);
    }
  });
  return form;
}
