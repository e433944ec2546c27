// Voter Outreach (Win only): the campaign's plans, a form for a new plan, and one plan's page (status,
// results summary, the audience — people, or households for direct mail — and its CSV export).

import { downloadCsv, inOrg } from "./api.js";
import { append, details, field, h, headRow, humanize, options, replace, section, tableScroll, timeEl, uid } from "./dom.js";
import { fillContactTable } from "./view-contacts.js";

const CHANNELS = [
  ["text", "Text messages"],
  ["phone_banking", "Phone banking"],
  ["door_knocking", "Door knocking"],
  ["direct_mail", "Direct mail"],
  ["digital_ads", "Digital ads"],
];
const STATUSES = ["draft", "scheduled", "in_progress", "done", "cancelled"];
const OUTCOMES = ["contacted", "no_answer", "refused", "wrong_number", "moved"];
const channelLabel = (c) => (CHANNELS.find(([v]) => v === c) || [c, humanize(c)])[1];

async function customSegments(ctx) {
  try {
    return (await inOrg.get("/segments")).custom;
  } catch (e) {
    ctx.showError(e);
    return [];
  }
}

const segmentName = (segments, id) => (id ? (segments.find((s) => s.id === id) || { name: id }).name : "Whole district");

export async function renderOutreach(ctx) {
  const id = ctx.rest.replace(/^\//, "");
  if (id.includes("/")) {
    append(ctx.root, h("p", null, "There is no such page. ", h("a", { href: `#${ctx.item.path}` }, `Back to ${ctx.item.label}`)));
    return;
  }
  if (id) await renderPlan(ctx, id);
  else await renderPlans(ctx);
}

async function renderPlans(ctx) {
  const listBody = h("div", null, h("p", { class: "muted" }, "Loading plans…"));
  append(ctx.root, section("Plans", listBody));
  const [segments, plans] = await Promise.all([
    customSegments(ctx),
    inOrg.get("/outreach").then((r) => r.plans).catch((e) => {
      replace(listBody, h("p", null, e.message));
      ctx.showError(e);
      return null;
    }),
  ]);
  if (plans) {
    if (plans.length === 0) replace(listBody, h("p", null, "No outreach plan yet."));
    else {
      replace(listBody, tableScroll("Outreach plans", h("table", { class: "data", "data-testid": "outreach-table" },
        h("caption", null, "Outreach plans, newest first"),
        headRow(["Name", "Channel", "Status", "Scheduled for", "Audience", "Created"]),
        h("tbody", null, plans.map((p) => h("tr", null,
          h("th", { scope: "row" }, h("a", { href: `#${ctx.item.path}/${p.id}` }, p.name)),
          h("td", null, channelLabel(p.channel)),
          h("td", null, humanize(p.status)),
          h("td", null, p.scheduled_for || "—"),
          h("td", null, segmentName(segments, p.segment_id)),
          h("td", null, timeEl(p.created_at))))))));
    }
  }
  append(ctx.root, newPlanForm(ctx, segments));
}

function newPlanForm(ctx, segments) {
  const name = field("Name", "input", { name: "name", required: true, maxlength: "100", autocomplete: "off" });
  const channel = field("Channel", "select", { name: "channel", required: true }, { options: options(CHANNELS, "text") });
  const segment = field("Audience", "select", { name: "segment_id" }, {
    options: options([["", "Whole district"], ...segments.map((s) => [s.id, s.name])], ""),
  });
  const scheduled = field("Scheduled for (optional)", "input", { type: "date", name: "scheduled_for" });
  const script = field("Script (optional)", "textarea", { name: "script", rows: "4" }, { hint: "What volunteers say or send." });
  const submit = h("button", { type: "submit", class: "button" }, "Create plan");
  const headingId = uid("new-plan");
  const form = h("form", { class: "panel", "aria-labelledby": headingId },
    h("h2", { id: headingId }, "New plan"),
    name.wrap,
    h("div", { class: "row" }, channel.wrap, segment.wrap, scheduled.wrap),
    script.wrap,
    h("div", { class: "actions" }, submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { name: name.input.value.trim(), channel: channel.input.value };
    if (segment.input.value) body.segment_id = segment.input.value;
    if (scheduled.input.value) body.scheduled_for = scheduled.input.value;
    if (script.input.value.trim()) body.script = script.input.value;
    try {
      const plan = await inOrg.post("/outreach", body);
      ctx.announce(`Plan “${plan.name}” created as a draft.`);
      await ctx.navigate(`${ctx.item.path}/${plan.id}`);
    } catch (e) {
      ctx.showError(e);
    }
  });
  return form;
}

async function renderPlan(ctx, id) {
  const path = `/outreach/${encodeURIComponent(id)}`;
  append(ctx.root, h("p", null, h("a", { href: `#${ctx.item.path}` }, `Back to ${ctx.item.label}`)));
  let plan;
  let segments;
  try {
    [plan, segments] = await Promise.all([inOrg.get(path), customSegments(ctx)]);
  } catch (e) {
    append(ctx.root, h("p", { class: "notice" }, e.message));
    ctx.showError(e);
    return;
  }
  ctx.setTitle(`Outreach plan: ${plan.name}`);

  const statusSelect = field("New status", "select", { name: "status" }, {
    options: options(STATUSES.filter((s) => s !== plan.status).map((s) => [s, humanize(s)])),
  });
  const statusForm = h("form", { class: "inline-form" }, statusSelect.wrap,
    h("button", { type: "submit", class: "button secondary" }, "Change status"));
  statusForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const updated = await inOrg.post(`${path}/status`, { status: statusSelect.input.value });
      ctx.announce(`Plan status: ${humanize(updated.status)}.`);
      await ctx.refresh();
    } catch (e) {
      ctx.showError(e);
    }
  });

  append(ctx.root, section("Plan",
    details([
      ["Status", humanize(plan.status)],
      ["Channel", channelLabel(plan.channel)],
      ["Audience", segmentName(segments, plan.segment_id)],
      ["Scheduled for", plan.scheduled_for],
      ["Audience frozen", plan.audience_frozen_at ? timeEl(plan.audience_frozen_at) : "No (live)"],
      ["Created", timeEl(plan.created_at)],
      ["Updated", timeEl(plan.updated_at)],
    ]),
    h("h3", null, "Script"),
    h("p", { class: "script" }, plan.script || "—"),
    h("p", { class: "muted" }, "Plans move draft → scheduled → in progress → done, or are cancelled before they are done. The audience is frozen when the plan goes in progress."),
    statusForm));

  const summaryBody = h("div", null, h("p", { class: "muted" }, "Loading…"));
  append(ctx.root, section("Results so far", summaryBody));
  const audienceBody = h("div");
  append(ctx.root, section("Audience", audienceBody));

  try {
    const s = await inOrg.get(`${path}/summary`);
    replace(summaryBody,
      details([
        ["Audience", s.audience === null || s.audience === undefined ? "—" : String(s.audience)],
        ["Attempted", String(s.attempted)],
        ["Reached", `${s.reached} (${Math.round(s.reached_share * 1000) / 10}%)`],
      ]),
      tableScroll("Outcomes", h("table", { class: "data" },
        h("caption", null, "Contacts per outcome"),
        headRow(["Outcome", "Contacts"]),
        h("tbody", null, OUTCOMES.map((o) => h("tr", null,
          h("th", { scope: "row" }, humanize(o)),
          h("td", { class: "number" }, String((s.outcomes || {})[o] ?? 0))))))));
  } catch (e) {
    replace(summaryBody, h("p", null, e.message));
  }

  await audienceTable(ctx, path, plan, audienceBody);
}

async function audienceTable(ctx, path, plan, container) {
  let page = 1;
  const info = h("p", { class: "total", "data-testid": "audience-total" });
  const table = h("table", { class: "data", "data-testid": "audience-table" }, h("caption", null, "Audience"));
  const prev = h("button", { type: "button", class: "button secondary small" }, "Previous page");
  const next = h("button", { type: "button", class: "button secondary small" }, "Next page");
  const pageInfo = h("span", { class: "page-info" });
  const exportButton = h("button", { type: "button", class: "button secondary" }, "Export audience CSV");
  replace(container,
    h("div", { class: "actions" }, exportButton),
    info,
    tableScroll("Audience", table),
    h("nav", { class: "pager", "aria-label": "Audience pages" }, prev, pageInfo, next));

  async function load() {
    try {
      const body = await inOrg.get(`${path}/audience`, { query: { page, per_page: 25 } });
      const meta = body.meta;
      const pages = Math.max(meta.total_pages, 1);
      const caption = h("caption", null, `Audience, page ${page} of ${pages}`);
      if (Array.isArray(body.households)) {
        info.textContent = `${meta.total} households${meta.contacts !== null && meta.contacts !== undefined ? `, ${meta.contacts} people` : ""}${meta.frozen ? " (frozen)" : " (live)"}`;
        replace(table, caption, headRow(["Address", "City", "ZIP", "People"]),
          h("tbody", null, body.households.length === 0
            ? h("tr", null, h("td", { colspan: "4" }, "Nobody in this audience."))
            : body.households.map((hh) => h("tr", null,
              h("th", { scope: "row" }, hh.address.line1 || "—"),
              h("td", null, hh.address.city || "—"),
              h("td", null, hh.address.zip || "—"),
              h("td", null, hh.contacts.map((c) => `${[c.first_name, c.last_name].filter(Boolean).join(" ")}${c.in_voter_file ? "" : " (left the voter file)"}`).join("; "))))));
      } else {
        info.textContent = `${meta.total} ${meta.total === 1 ? "contact" : "contacts"}${meta.frozen ? " (frozen)" : " (live)"}`;
        replace(table, caption);
        fillContactTable(table, body.contacts, [{ label: "In voter file", value: (c) => (c.in_voter_file === false ? "No" : "Yes") }]);
      }
      pageInfo.textContent = `Page ${page} of ${pages}`;
      prev.disabled = page <= 1;
      next.disabled = page >= pages;
    } catch (e) {
      info.textContent = e.message;
      replace(table, h("caption", null, "Audience"));
      prev.disabled = true;
      next.disabled = true;
    }
  }
  prev.addEventListener("click", () => { page = Math.max(1, page - 1); load(); });
  next.addEventListener("click", () => { page += 1; load(); });
  exportButton.addEventListener("click", async () => {
    ctx.announce("Preparing the audience export…");
    try {
      const { name } = await downloadCsv(`${path}/audience/export`, {}, `audience-${plan.id}.csv`);
      ctx.announce(`Downloaded ${name}.`);
    } catch (e) {
      ctx.showError(e);
    }
  });
  await load();
}
