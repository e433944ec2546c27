// The lifecycle on the landing page: the campaign of a Win organization (launch, record the result),
// the office of a Serve organization (end it, run again), starting a campaign, and the history log.

import { get, inOrg, post } from "./api.js";
import { append, debounce, details, field, h, humanize, replace, section, timeEl, uid } from "./dom.js";

const EVENT_LABELS = {
  campaign_created: "Campaign created",
  campaign_launched: "Campaign launched",
  campaign_won: "Campaign won",
  campaign_lost: "Campaign lost",
  campaign_withdrawn: "Campaign withdrawn",
  office_started: "Office started",
  office_ended: "Office ended",
  member_joined: "Joined an organization",
  member_left: "Left an organization",
};

const statusBadge = (status) => h("span", { class: `badge status status-${status}` }, humanize(status));

function districtText(org) {
  const d = org && org.district;
  return d ? `${d.l2_name} (${d.l2_type}, ${d.state})` : "Not set";
}

/** Removes empty strings from a request body. */
function compact(body) {
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== "" && v !== null && v !== undefined));
}

/** Runs an action from a button: disabled while it runs, focus given back on failure. */
async function act(button, ctx, fn) {
  button.disabled = true;
  try {
    await fn();
  } catch (e) {
    ctx.showError(e);
    button.disabled = false;
    button.focus();
  }
}

export async function renderLifecycle(ctx) {
  const panel = h("div");
  const history = h("div");
  append(ctx.root, panel, history);
  const mode = ctx.nav ? ctx.nav.mode : null;
  if (mode === "win") await campaignPanel(ctx, panel);
  else if (mode === "serve") await officePanel(ctx, panel);
  if (ctx.isCurrent()) await renderHistory(ctx, history);
}

// ---------------------------------------------------------------- Win: the campaign

async function campaignPanel(ctx, container) {
  const body = h("div", null, h("p", { class: "muted" }, "Loading the campaign…"));
  append(container, section("Campaign", body));
  let campaign;
  try {
    campaign = await inOrg.get("/campaigns/current");
  } catch (e) {
    replace(body, h("p", null, e.message));
    return;
  }
  const org = ctx.org || {};
  replace(body, details([
    ["Status", statusBadge(campaign.status)],
    ["Office", org.position_name || "Not set yet"],
    ["District", districtText(org)],
    ["Election date", campaign.election_date],
    ["Primary election date", campaign.primary_election_date],
    ["Candidate's party", campaign.party],
    ["Launched", timeEl(campaign.launched_at)],
    ["Closed", timeEl(campaign.closed_at)],
  ]));

  if (campaign.status === "draft") {
    const launch = h("button", { type: "button", class: "button" }, "Launch campaign");
    launch.addEventListener("click", () => act(launch, ctx, async () => {
      await post(`/campaigns/${encodeURIComponent(campaign.id)}/launch`);
      ctx.announce("Campaign launched.");
      await ctx.refresh();
    }));
    append(body,
      h("p", null, "A draft campaign goes live once it has an office (a position or a custom position name)."),
      h("div", { class: "actions" }, launch),
      resultForm(ctx, campaign, ["withdrawn"]));
  } else if (campaign.status === "active") {
    append(body, resultForm(ctx, campaign, ["won", "lost", "withdrawn"]));
  } else {
    append(body, h("p", null, `This campaign is over (${campaign.status}); its organization is read-only and listed under “Past”.`));
    const start = h("div");
    append(container, start);
    renderStartCampaign({ ...ctx, root: start });
  }
}

function resultForm(ctx, campaign, outcomes) {
  const name = uid("outcome");
  const radios = outcomes.map((outcome) =>
    h("label", { class: "choice" },
      h("input", { type: "radio", name, value: outcome, required: true, checked: outcomes.length === 1 }),
      ` ${humanize(outcome)}`));
  const sworn = field("Sworn-in date (optional)", "input", { type: "date", name: "sworn_in_date" },
    { hint: "The first day of the term." });
  const copyId = uid("copy");
  const copy = h("input", { type: "checkbox", id: copyId, name: "copy_segments" });
  const wonOnly = h("div", { class: "won-only", hidden: true },
    sworn.wrap,
    h("div", { class: "field checkbox" }, copy,
      h("label", { for: copyId }, " Copy this campaign's custom segments to the new office (party criteria are removed)")));
  const submit = h("button", { type: "submit", class: "button" }, "Record result");
  const form = h("form", { class: "subpanel", "aria-labelledby": `${name}-legend` },
    h("fieldset", null, h("legend", { id: `${name}-legend` }, "Record the result"), radios),
    wonOnly,
    h("div", { class: "actions" }, submit));
  const chosen = () => {
    const radio = form.querySelector(`input[name="${name}"]:checked`);
    return radio ? radio.value : "";
  };
  form.addEventListener("change", () => {
    wonOnly.hidden = chosen() !== "won";
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const outcome = chosen();
    if (!outcome) return;
    const warning = outcome === "won"
      ? "Record a win? The campaign closes, its organization becomes read-only, and a new office organization (Serve mode) starts."
      : `Record “${outcome}”? The campaign closes and its organization becomes read-only.`;
    if (!window.confirm(warning)) return;
    const body = { outcome };
    if (outcome === "won") {
      if (sworn.input.value) body.sworn_in_date = sworn.input.value;
      body.copy_segments = copy.checked;
    }
    act(submit, ctx, async () => {
      const result = await post(`/campaigns/${encodeURIComponent(campaign.id)}/result`, body);
      if (outcome === "won" && result.elected_office) {
        const removed = result.removed_party_criteria || [];
        const note = removed.length
          ? ` Party criteria were removed from: ${removed.map((r) => `${r.name} (${r.party.join(", ")})`).join("; ")}.`
          : "";
        await ctx.switchOrg(result.organization.slug, {
          reloadOrgs: true,
          message: `Campaign won. You are now in your office's organization, ${result.organization.name} (Elected-official mode).${note}`,
        });
      } else {
        ctx.announce(`Result recorded: ${result.campaign.status}. The campaign's organization is now read-only.`);
        await ctx.refresh();
      }
    });
  });
  return form;
}

// ---------------------------------------------------------------- Serve: the office

async function officePanel(ctx, container) {
  const body = h("div", null, h("p", { class: "muted" }, "Loading the office…"));
  append(container, section("Office", body));
  let office;
  try {
    office = await inOrg.get("/elected-offices/current");
  } catch (e) {
    replace(body, h("p", null, e.message));
    return;
  }
  const org = ctx.org || {};
  replace(body, details([
    ["Status", statusBadge(office.status)],
    ["Office", org.position_name || "Elected office"],
    ["District", districtText(org)],
    ["Sworn in", office.sworn_in_date],
    ["Term ends", office.term_end_date],
    ["Ended", timeEl(office.ended_at)],
  ]));
  if (office.status === "active") {
    const end = h("button", { type: "button", class: "button danger" }, "End this office");
    end.addEventListener("click", () => {
      if (!window.confirm("End this office? Its organization becomes read-only and its constituents are no longer served.")) return;
      act(end, ctx, async () => {
        await post(`/elected-offices/${encodeURIComponent(office.id)}/end`);
        ctx.announce("Office ended. Its organization is now read-only and listed under “Past”.");
        await ctx.refresh();
      });
    });
    append(body, h("div", { class: "actions" }, end));
  } else {
    append(body, h("p", null, "This office has ended; its organization is read-only."));
  }
  append(container, runAgainForm(ctx, office));
  const other = h("div");
  append(container, other);
  renderStartCampaign({ ...ctx, root: other, summary: "Run for a different office" });
}

function runAgainForm(ctx, office) {
  const election = field("Election date (optional)", "input", { type: "date", name: "election_date" });
  const submit = h("button", { type: "submit", class: "button" }, "Start a campaign for this office");
  const headingId = uid("run-again");
  const form = h("form", { class: "panel", "aria-labelledby": headingId },
    h("h2", { id: headingId }, "Run again"),
    h("p", null, "A new campaign starts from this office's position and district (copied, never shared), in its own organization."),
    election.wrap,
    h("div", { class: "actions" }, submit));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(submit, ctx, async () => {
      const created = await post("/campaigns", compact({ from_elected_office_id: office.id, election_date: election.input.value }));
      await ctx.switchOrg(created.organization.slug, {
        reloadOrgs: true,
        message: `Campaign created (draft) in ${created.organization.name}: Campaign mode.`,
      });
    });
  });
  return form;
}

// ---------------------------------------------------------------- starting a campaign

/** A disclosure with the "start a campaign" form: a position search, or a custom position name. */
export function renderStartCampaign(ctx) {
  const stateField = field("State (two letters, optional)", "input", { name: "state", maxlength: "2", autocomplete: "off", class: "narrow" });
  const queryField = field("Search positions by name", "input", { type: "search", name: "q", autocomplete: "off" });
  const positionName = uid("position");
  const results = h("div", { class: "choices" });
  const resultStatus = h("p", { class: "muted", role: "status" });
  const custom = field("Or a custom position name", "input", { name: "custom_position_name", maxlength: "200" },
    { hint: "Only when the office is not listed; it is used as the position's name." });
  const election = field("Election date (optional)", "input", { type: "date", name: "election_date" });
  const primary = field("Primary election date (optional)", "input", { type: "date", name: "primary_election_date" });
  const party = field("Your party (optional)", "input", { name: "party", maxlength: "200" });
  const submit = h("button", { type: "submit", class: "button" }, "Create campaign");
  const form = h("form", null,
    h("div", { class: "row" }, stateField.wrap, queryField.wrap),
    h("fieldset", null, h("legend", null, "Position"), resultStatus, results),
    custom.wrap,
    h("div", { class: "row" }, election.wrap, primary.wrap),
    party.wrap,
    h("div", { class: "actions" }, submit));
  const disclosure = h("details", { class: "panel", open: ctx.open || false },
    h("summary", null, ctx.summary || "Start a new campaign"), form);
  append(ctx.root, disclosure);

  let controller = null;
  let loaded = false;
  async function search() {
    if (controller) controller.abort();
    controller = new AbortController();
    const stateCode = stateField.input.value.trim();
    const query = { q: queryField.input.value.trim(), per_page: 20 };
    if (stateCode.length === 2) query.state = stateCode;
    resultStatus.textContent = "Searching…";
    try {
      const { positions, meta } = await get("/positions", { query, signal: controller.signal });
      // A search that ends after a choice was made must not drop it.
      const previous = results.querySelector("input:checked")?.value;
      replace(results, positions.map((p) => h("label", { class: "choice" },
        h("input", {
          type: "radio", name: positionName, value: p.ballotready_position_id,
          checked: p.ballotready_position_id === previous,
        }),
        ` ${p.name} — ${humanize(p.level)}, ${p.state}`,
        h("span", { class: "muted" }, p.district ? ` · ${p.district.l2_name}` : " · no district"))));
      resultStatus.textContent = positions.length === 0
        ? "No position matches."
        : `${meta.total} position${meta.total === 1 ? "" : "s"} found${meta.total > positions.length ? `; showing the first ${positions.length}` : ""}.`;
    } catch (e) {
      if (e.name === "AbortError") return;
      resultStatus.textContent = e.message;
    }
  }
  const later = debounce(search, 300);
  stateField.input.addEventListener("input", later);
  queryField.input.addEventListener("input", later);
  const loadOnce = () => {
    if (!loaded && disclosure.open) {
      loaded = true;
      search();
    }
  };
  disclosure.addEventListener("toggle", loadOnce);
  loadOnce();

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = form.querySelector(`input[name="${positionName}"]:checked`);
    if (!chosen && custom.input.value.trim() === "") {
      ctx.showError(new Error("Choose a position from the search, or name a custom position."));
      return;
    }
    const body = compact({
      ballotready_position_id: chosen ? chosen.value : "",
      custom_position_name: custom.input.value.trim(),
      election_date: election.input.value,
      primary_election_date: primary.input.value,
      party: party.input.value.trim(),
    });
    act(submit, ctx, async () => {
      const created = await post("/campaigns", body);
      await ctx.switchOrg(created.organization.slug, {
        reloadOrgs: true,
        message: `Campaign created (draft) in ${created.organization.name}: Campaign mode.`,
      });
    });
  });
  return disclosure;
}

// ---------------------------------------------------------------- history

export async function renderHistory(ctx, container) {
  const body = h("div", null, h("p", { class: "muted" }, "Loading the history…"));
  append(container, section("History", body));
  let events;
  try {
    ({ events } = await get("/me/history"));
  } catch (e) {
    replace(body, h("p", null, e.message));
    return;
  }
  if (events.length === 0) {
    replace(body, h("p", null, "Nothing has happened yet."));
    return;
  }
  const orgName = (slug) => {
    const org = (ctx.orgs || []).find((o) => o.slug === slug);
    return org ? `${org.name}${org.mode === "win" && org.position_name ? ` — ${org.position_name}` : ""}` : slug;
  };
  replace(body,
    h("p", { class: "muted" }, "Oldest first, as the events happened."),
    h("ol", { class: "timeline" }, events.map((e) => h("li", null,
      timeEl(e.at), " ",
      h("strong", null, EVENT_LABELS[e.kind] || humanize(e.kind)),
      ` — ${orgName(e.organization_slug)}`,
      e.role ? ` (${e.role})` : ""))));
}
