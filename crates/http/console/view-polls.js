// Polls (Serve only): the office's polls, a form for a new poll, and one poll's page (send, close,
// results: counts per choice, response rate and k-anonymous breakdowns — never by party).

import { inOrg } from "./api.js";
import { append, details, field, h, headRow, humanize, options, replace, section, tableScroll, timeEl, uid } from "./dom.js";

async function customSegments(ctx) {
  try {
    return (await inOrg.get("/segments")).custom;
  } catch (e) {
    ctx.showError(e);
    return [];
  }
}

const segmentName = (segments, id) => (id ? (segments.find((s) => s.id === id) || { name: id }).name : "Whole district");
const percent = (share) => `${Math.round(share * 1000) / 10}%`;

export async function renderPolls(ctx) {
  const id = ctx.rest.replace(/^\//, "");
  if (id.includes("/")) {
    append(ctx.root, h("p", null, "There is no such page. ", h("a", { href: `#${ctx.item.path}` }, `Back to ${ctx.item.label}`)));
    return;
  }
  if (id) await renderPoll(ctx, id);
  else await renderPollList(ctx);
}

async function renderPollList(ctx) {
  const listBody = h("div", null, h("p", { class: "muted" }, "Loading polls…"));
  append(ctx.root, section("Polls", listBody));
  const [segments, polls] = await Promise.all([
    customSegments(ctx),
    inOrg.get("/polls").then((r) => r.polls).catch((e) => {
      replace(listBody, h("p", null, e.message));
      ctx.showError(e);
      return null;
    }),
  ]);
  if (polls) {
    if (polls.length === 0) replace(listBody, h("p", null, "No poll yet."));
    else {
      replace(listBody, tableScroll("Polls", h("table", { class: "data", "data-testid": "polls-table" },
        h("caption", null, "Polls, newest first"),
        headRow(["Question", "Kind", "Status", "Audience", "Sent", "Created"]),
        h("tbody", null, polls.map((p) => h("tr", null,
          h("th", { scope: "row" }, h("a", { href: `#${ctx.item.path}/${p.id}` }, p.question)),
          h("td", null, p.options ? `${p.options.length} choices` : "Free text"),
          h("td", null, humanize(p.status)),
          h("td", null, segmentName(segments, p.segment_id)),
          h("td", null, timeEl(p.sent_at)),
          h("td", null, timeEl(p.created_at))))))));
    }
  }
  append(ctx.root, newPollForm(ctx, segments));
}

function newPollForm(ctx, segments) {
  const question = field("Question", "textarea", { name: "question", required: true, maxlength: "320", rows: "3" },
    { hint: "At most 320 characters (one text message)." });
  const choices = field("Choices (optional)", "textarea", { name: "options", rows: "4" },
    { hint: "One per line, 2 to 6. Leave empty for a free-text poll. A reply “1” or “A” picks the first." });
  const segment = field("Audience", "select", { name: "segment_id" }, {
    options: options([["", "Whole district"], ...segments.map((s) => [s.id, s.name])], ""),
  });
  const submit = h("button", { type: "submit", class: "button" }, "Create poll");
  const headingId = uid("new-poll");
  const form = h("form", { class: "panel", "aria-labelledby": headingId },
    h("h2", { id: headingId }, "New poll"),
    question.wrap, choices.wrap, segment.wrap,
    h("div", { class: "actions" }, submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { question: question.input.value.trim() };
    const lines = choices.input.value.split("\n").map((l) => l.trim()).filter(Boolean);
    if (lines.length) body.options = lines;
    if (segment.input.value) body.segment_id = segment.input.value;
    try {
      const poll = await inOrg.post("/polls", body);
      ctx.announce("Poll created as a draft.");
      await ctx.navigate(`${ctx.item.path}/${poll.id}`);
    } catch (e) {
      ctx.showError(e);
    }
  });
  return form;
}

async function renderPoll(ctx, id) {
  const path = `/polls/${encodeURIComponent(id)}`;
  append(ctx.root, h("p", null, h("a", { href: `#${ctx.item.path}` }, `Back to ${ctx.item.label}`)));
  let poll;
  let segments;
  try {
    [poll, segments] = await Promise.all([inOrg.get(path), customSegments(ctx)]);
  } catch (e) {
    append(ctx.root, h("p", { class: "notice" }, e.message));
    ctx.showError(e);
    return;
  }
  ctx.setTitle("Poll");

  const actions = h("div", { class: "actions" });
  const action = (label, suffix, confirmText, done, cls = "button") => {
    const button = h("button", { type: "button", class: cls }, label);
    button.addEventListener("click", async () => {
      if (!window.confirm(confirmText)) return;
      try {
        await inOrg.post(`${path}/${suffix}`);
        ctx.announce(done);
        await ctx.refresh();
      } catch (e) {
        ctx.showError(e);
      }
    });
    return button;
  };
  if (poll.status === "draft") {
    append(actions, action("Send poll", "send",
      "Send this poll? Its audience (contacts with a cell phone) is frozen and one text message per recipient is queued.",
      "Poll sent."));
  } else if (poll.status === "sent") {
    append(actions, action("Close poll", "close", "Close this poll? Later replies are not recorded.", "Poll closed.", "button secondary"));
  }

  append(ctx.root, section("Poll",
    h("p", { class: "question" }, poll.question),
    poll.options
      ? h("ol", { class: "choices-list" }, poll.options.map((o) => h("li", null, o)))
      : h("p", { class: "muted" }, "Free-text answers."),
    details([
      ["Status", humanize(poll.status)],
      ["Audience", segmentName(segments, poll.segment_id)],
      ["Sent", timeEl(poll.sent_at)],
      ["Closed", timeEl(poll.closed_at)],
      ["Created", timeEl(poll.created_at)],
    ]),
    actions));

  if (poll.status === "draft") return;
  const resultsBody = h("div", null, h("p", { class: "muted" }, "Loading results…"));
  append(ctx.root, section("Results", resultsBody));
  try {
    const r = await inOrg.get(`${path}/results`);
    replace(resultsBody,
      details([
        ["Recipients", String(r.recipients)],
        ["Respondents", String(r.respondents)],
        ["Unrecognized replies", String(r.unrecognized)],
        ["Response rate", percent(r.response_rate)],
      ]),
      r.options.length
        ? tableScroll("Answers", h("table", { class: "data", "data-testid": "poll-results" },
          h("caption", null, "Answers per choice"),
          headRow(["Choice", "Respondents"]),
          h("tbody", null, r.options.map((o) => h("tr", null,
            h("th", { scope: "row" }, o.option),
            h("td", { class: "number" }, String(o.count)))))))
        : null,
      r.free_text.length
        ? [h("h3", null, "Answers"), h("ul", { class: "free-text" }, r.free_text.map((t) => h("li", null, t)))]
        : null,
      r.breakdown.map((b) => breakdownTable(b)),
      h("p", { class: "muted" }, "Breakdowns merge any group of fewer than 5 respondents into “other”, so no answer can be traced to one constituent."));
  } catch (e) {
    replace(resultsBody, h("p", null, e.message));
  }
}

function breakdownTable(breakdown) {
  const title = `By ${humanize(breakdown.attribute).toLowerCase()}`;
  const rows = [];
  for (const answer of breakdown.answers) {
    for (const bucket of answer.buckets) {
      rows.push(h("tr", null,
        h("th", { scope: "row" }, answer.option ?? "All respondents"),
        h("td", null, humanize(bucket.label)),
        h("td", { class: "number" }, String(bucket.count))));
    }
  }
  if (rows.length === 0) return null;
  return tableScroll(title, h("table", { class: "data" },
    h("caption", null, title),
    headRow(["Answer", humanize(breakdown.attribute), "Respondents"]),
    h("tbody", null, rows)));
}
