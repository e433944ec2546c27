#!/usr/bin/env python3
"""End-to-end test of the web console in headless Chromium (run by scripts/browser-tests.sh).

The journey, as the demo user on a fresh database (no organization yet):

  sign-in page (no token) -> a wrong token refused with an error -> the demo's sign-in link `/#token=…` (the fragment is dropped) -> Welcome ->
  start a campaign for the demo's Ward 1 seat through the position search -> Win: the server's navigation,
  the Voter Data table with a Party column -> launch -> record a win (confirm dialog) -> Serve: the
  server's navigation, Briefings (the "not part of this server yet" panel) and the office, Constituents
  without a Party column -> the switcher: the past campaign and back -> run again from the office ->
  switch back and forth -> reload keeps the organization -> sign out and in again through the form.

Screenshots of the Win and Serve contacts pages at desktop (1280x900) and phone (375x812) width go to
--screenshots. axe-core runs over every view; a `serious` or `critical` violation fails the run. Any
error in the console's alert region or in the browser's log fails it too, and so does the token showing
in the address bar after sign-in.

    BROWSER_TEST_TOKEN=… python console_test.py --base http://127.0.0.1:PORT --axe axe.min.js \
        --screenshots docs/console [--chromium /usr/bin/chromium] [--chromedriver chromedriver]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
import traceback
import urllib.request
from contextlib import contextmanager

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

WAIT = 20  # seconds for any one thing to show up
DESKTOP = {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}
PHONE = {"width": 375, "height": 812, "deviceScaleFactor": 2, "mobile": True}
MODE_LABELS = {"win": "Campaign mode", "serve": "Elected-official mode"}
POSITION_ID = "demo-cheyenne-ward-1"
POSITION_NAME = "Cheyenne City Council - Ward 1"
FAIL_IMPACTS = ("serious", "critical")

# Everything the checks read, in one round trip.
SNAPSHOT_JS = r"""
const q = (s) => document.querySelector(s);
const text = (s) => { const e = q(s); return e ? e.textContent.trim() : null; };
const links = (s) => [...document.querySelectorAll(s)].map((a) => [a.dataset.navKey, a.textContent.trim()]);
const switcher = q('[data-testid="org-switcher"]');
const main = q('main');
const total = q('[data-testid="contacts-total"]');
const table = q('[data-testid="contacts-table"]');
return {
  url: location.href,
  mode: text('[data-testid="mode-label"]'),
  title: text('[data-testid="page-title"]'),
  org: switcher ? switcher.value : null,
  groups: switcher ? [...switcher.querySelectorAll('optgroup')].map((g) => [g.label, [...g.querySelectorAll('option')].map((o) => o.value)]) : [],
  error: text('[data-testid="error"]') || '',
  status: text('[data-testid="status"]') || '',
  loading: main ? /Loading/.test(main.textContent) : true,
  busy: !!q('[aria-busy="true"]'),
  signIn: !!q('[data-testid="sign-in"]'),
  notAvailable: !!q('[data-testid="not-available"]'),
  nav: links('[data-testid="nav"] a[data-nav-key]'),
  accountNav: links('#account-nav a[data-nav-key]'),
  current: [...document.querySelectorAll('a[data-nav-key][aria-current="page"]')].map((a) => a.dataset.navKey),
  archived: q('#mode-archived') ? !q('#mode-archived').hidden : false,
  badges: [...document.querySelectorAll('main .badge.status')].map((e) => e.textContent.trim()),
  panels: [...document.querySelectorAll('main h2')].map((e) => e.textContent.trim()),
  total: total && total.dataset.total !== undefined ? Number(total.dataset.total) : null,
  columns: table ? [...table.querySelectorAll('thead th')].map((e) => e.textContent.trim()) : null,
  rows: table ? table.querySelectorAll('tbody tr').length : 0,
  bodyClass: document.body.className,
};
"""

AXE_RUN_JS = r"""
const done = arguments[arguments.length - 1];
axe.run(document, { resultTypes: ['violations'] }).then((r) => done(JSON.stringify({
  violations: r.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({ target: n.target, summary: n.failureSummary })),
  })),
  passes: r.passes.length,
  incomplete: r.incomplete.map((v) => ({
    id: v.id,
    nodes: v.nodes.map((n) => ({ target: n.target, message: ((n.any[0] || n.all[0] || n.none[0] || {}).message || '') })),
  })),
}))).catch((e) => done(JSON.stringify({ error: String(e) })));
"""


class Failure(AssertionError):
    pass


class Journey:
    def __init__(self, args: argparse.Namespace, token: str):
        self.base = args.base.rstrip("/")
        self.token = token
        self.out = args.screenshots
        with open(args.axe, encoding="utf-8") as f:
            self.axe_source = f.read()
        self.steps: list[tuple[str, float]] = []
        self.axe_results: list[tuple[str, dict]] = []
        self.shots: list[str] = []
        self.log_errors: list[str] = []

        options = webdriver.ChromeOptions()
        options.binary_location = args.chromium
        for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1280,900", "--lang=en-US", "--no-first-run",
                     "--disable-extensions", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--metrics-recording-only",
                     "--force-color-profile=srgb", "--hide-scrollbars"):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        # A confirm() left open is an error, not something to dismiss quietly.
        options.set_capability("unhandledPromptBehavior", "ignore")
        service = Service(executable_path=args.chromedriver)
        self.driver = webdriver.Chrome(options=options, service=service)
        self.driver.set_script_timeout(60)
        self.viewport(DESKTOP)

    # ------------------------------------------------------------ plumbing

    @contextmanager
    def step(self, name: str):
        start = time.monotonic()
        try:
            yield
        except Exception:
            print(f"FAIL  {name}", flush=True)
            raise
        took = time.monotonic() - start
        self.steps.append((name, took))
        print(f"ok    {name} ({took:.1f} s)", flush=True)

    def api(self, path: str, org: str | None = None):
        req = urllib.request.Request(f"{self.base}/v1{path}", headers={
            "Authorization": f"Bearer {self.token}", "Accept": "application/json"})
        if org:
            req.add_header("X-Organization-Slug", org)
        with urllib.request.urlopen(req, timeout=20) as res:
            return json.load(res)

    def snapshot(self) -> dict:
        return self.driver.execute_script(SNAPSHOT_JS)

    def wait_state(self, pred, what: str, timeout: float = WAIT) -> dict:
        last: dict = {}

        def check(_driver):
            nonlocal last
            last = self.snapshot()
            return pred(last)

        try:
            WebDriverWait(self.driver, timeout, poll_frequency=0.1,
                          ignored_exceptions=(StaleElementReferenceException,)).until(check)
        except TimeoutException:
            raise Failure(f"timed out after {timeout} s waiting for {what}; the page: "
                          + json.dumps({k: last.get(k) for k in (
                              "url", "mode", "title", "org", "error", "status", "loading", "nav",
                              "current", "badges", "panels", "total", "columns")}, indent=1)) from None
        return last

    def wait_element(self, by, selector, what: str, clickable: bool = False):
        cond = EC.element_to_be_clickable((by, selector)) if clickable else \
            EC.presence_of_element_located((by, selector))
        try:
            return WebDriverWait(self.driver, WAIT, poll_frequency=0.1).until(cond)
        except TimeoutException:
            raise Failure(f"timed out waiting for {what} ({selector}); the page: "
                          + json.dumps(self.snapshot().get("error"))) from None

    def click(self, element):
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
        element.click()

    def main_button(self, label: str):
        return self.wait_element(By.XPATH, f"//main//button[normalize-space()='{label}']",
                                 f"the button “{label}”", clickable=True)

    def input_by_label(self, label: str):
        lab = self.wait_element(By.XPATH, f"//main//label[normalize-space()='{label}']", f"the field “{label}”")
        return self.driver.find_element(By.ID, lab.get_attribute("for"))

    def check_url(self):
        url = self.driver.current_url
        if self.token in url or "token=" in url:
            raise Failure(f"the token is in the address bar: {url[:80]}…")

    def check_no_error(self, s: dict | None = None):
        s = s or self.snapshot()
        if s["error"]:
            raise Failure(f"the console shows an error: {s['error']}")

    def viewport(self, metrics: dict):
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        want = metrics["width"]
        WebDriverWait(self.driver, WAIT).until(
            lambda d: d.execute_script("return window.innerWidth") == want)

    def settle(self):
        """Two animation frames: layout and paint after the last DOM change."""
        self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "requestAnimationFrame(() => requestAnimationFrame(() => done(true)));")

    def dismiss_toast(self):
        self.driver.execute_script(
            "const b = document.getElementById('toast-dismiss'); if (b && !b.hidden) b.click();")
        WebDriverWait(self.driver, WAIT).until(lambda d: d.execute_script(
            "const t = document.getElementById('toast'); return !t || !t.classList.contains('is-visible');"))

    # ------------------------------------------------------------ expectations

    def orgs(self) -> list[dict]:
        return self.api("/organizations")["organizations"]

    def org_slug(self, mode: str, archived: bool = False, exclude: tuple = ()) -> str:
        found = [o["slug"] for o in self.orgs()
                 if o["mode"] == mode and bool(o.get("archived")) == archived and o["slug"] not in exclude]
        if len(found) != 1:
            raise Failure(f"expected one {'past ' if archived else ''}{mode} organization, found {found}")
        return found[0]

    def expect_org(self, slug: str, mode: str, title: str, current: str) -> dict:
        """The console is in `slug` (switcher, band, body class), on `title`, with the server's navigation."""
        s = self.wait_state(
            lambda s: s["org"] == slug and s["mode"] == MODE_LABELS[mode] and s["title"] == title
            and s["current"] == [current] and not s["loading"] and not s["busy"],
            f"{slug} ({mode}) on “{title}”")
        self.check_no_error(s)
        self.check_url()
        if f"mode-{mode}" not in s["bodyClass"].split():
            raise Failure(f"body class is {s['bodyClass']!r}, not mode-{mode}")
        nav = self.api(f"/organizations/{slug}/nav")
        if nav["mode"] != mode:
            raise Failure(f"the server says {slug} is in {nav['mode']} mode, not {mode}")
        want = [[i["key"], i["label"]] for i in nav["items"]]
        if s["nav"] != want:
            raise Failure(f"main navigation {s['nav']} is not the server's {want}")
        want_account = [[i["key"], i["label"]] for i in nav["account_items"]]
        if s["accountNav"] != want_account:
            raise Failure(f"account navigation {s['accountNav']} is not the server's {want_account}")
        group = "Win" if mode == "win" else "Serve"
        groups = dict((label, values) for label, values in s["groups"])
        archived = s["archived"]
        if slug not in groups.get("Past" if archived else group, []):
            raise Failure(f"{slug} is not under {'Past' if archived else group} in the switcher: {s['groups']}")
        return s

    def goto_nav(self, key: str):
        link = self.wait_element(By.CSS_SELECTOR, f'[data-testid="nav"] a[data-nav-key="{key}"]',
                                 f"the nav link {key}", clickable=True)
        self.click(link)

    def switch_to(self, slug: str):
        select = self.wait_element(By.CSS_SELECTOR, '[data-testid="org-switcher"]', "the switcher", clickable=True)
        Select(select).select_by_value(slug)
        self.click(self.wait_element(By.CSS_SELECTOR, '[data-testid="org-switch"]', "the Switch button",
                                     clickable=True))

    def expect_contacts(self, title: str, key: str, slug: str, mode: str, party: bool) -> dict:
        s = self.expect_org(slug, mode, title, key)
        s = self.wait_state(lambda s: s["total"] is not None and s["columns"], f"the {title} table")
        if s["total"] <= 0 or s["rows"] <= 0:
            raise Failure(f"{title} is empty (total {s['total']}, {s['rows']} rows): the demo's district has voters")
        api_total = self.api("/contacts?per_page=1", org=slug)["meta"]["total"]
        if s["total"] != api_total:
            raise Failure(f"{title} shows {s['total']} contacts; the API says {api_total}")
        if ("Party" in s["columns"]) != party:
            raise Failure(f"{title} columns {s['columns']}: a Party column was{'' if party else ' not'} expected")
        return s

    # ------------------------------------------------------------ axe and screenshots

    def axe(self, view: str):
        if not self.driver.execute_script("return typeof window.axe === 'object';"):
            self.driver.execute_script(self.axe_source)
            if not self.driver.execute_script("return typeof window.axe === 'object';"):
                # The page's CSP blocked the injected script: evaluate it through DevTools instead.
                self.driver.execute_cdp_cmd("Runtime.evaluate", {"expression": self.axe_source})
        self.settle()
        result = self.run_axe(AXE_RUN_JS)
        if any(v["id"] == "color-contrast" for v in result["incomplete"]) and self.toast_visible():
            # The status toast (fixed, bottom right) lies over the page, so axe cannot tell the colours
            # under it. Its own colours are checked where it overlaps nothing; here, dismiss it and check
            # the contrast of the page under it again.
            self.dismiss_toast()
            self.settle()
            again = self.run_axe(AXE_RUN_JS.replace("{ resultTypes: ['violations'] }",
                                                    "{ resultTypes: ['violations'], runOnly: ['color-contrast'] }"))
            result["violations"] = [v for v in result["violations"] if v["id"] != "color-contrast"] + again["violations"]
            result["incomplete"] = [v for v in result["incomplete"] if v["id"] != "color-contrast"] + again["incomplete"]
            result["rechecked"] = True
        self.axe_results.append((view, result))
        counts = {}
        for v in result["violations"]:
            counts[v["impact"]] = counts.get(v["impact"], 0) + 1
        print(f"      axe {view}: {len(result['violations'])} violations {counts or ''}", flush=True)

    def run_axe(self, script: str) -> dict:
        result = json.loads(self.driver.execute_async_script(script))
        if "error" in result:
            raise Failure(f"axe-core failed: {result['error']}")
        return result

    def toast_visible(self) -> bool:
        return self.driver.execute_script(
            "const t = document.getElementById('toast'); return !!t && t.classList.contains('is-visible');")

    def screenshot(self, name: str, metrics: dict, axe: str | None = None):
        """A PNG of the viewport at `metrics` (then back to the desktop size), and axe at that size."""
        self.viewport(metrics)
        self.driver.execute_script("window.scrollTo(0, 0);")
        self.dismiss_toast()
        self.settle()
        path = os.path.join(self.out, name)
        tmp = path + ".tmp.png"
        if not self.driver.save_screenshot(tmp):
            raise Failure(f"no screenshot for {name}")
        shutil.move(tmp, path)
        self.shots.append(path)
        if axe:
            self.axe(axe)
        if metrics is not DESKTOP:
            self.viewport(DESKTOP)

    # ------------------------------------------------------------ the journey

    def run(self):
        d = self.driver

        with self.step("without a token the console shows the sign-in form"):
            d.get(f"{self.base}/")
            s = self.wait_state(lambda s: s["signIn"] and s["title"] == "Sign in", "the sign-in form")
            self.check_no_error(s)
            self.axe("sign-in")

        with self.step("a wrong token is refused with an error on the sign-in form"):
            self.input_by_label("API token").send_keys("not-a-token")
            self.click(self.main_button("Sign in"))
            s = self.wait_state(lambda s: s["signIn"] and s["error"] and not s["loading"],
                                "the sign-in form with an error")
            if "Sign in again" not in s["error"]:
                raise Failure(f"the error says {s['error']!r}")
            self.axe("sign-in (wrong token, with the error)")
            # The 401 answers are expected here, and only here.
            self.expect_log(lambda m: " 401 " in m and "/v1/" in m)

        with self.step("the demo's sign-in link signs in and drops the token from the URL"):
            d.get("about:blank")
            d.get(f"{self.base}/#token={self.token}")
            s = self.wait_state(lambda s: not s["signIn"] and s["title"] == "Welcome" and not s["loading"],
                                "the Welcome page (no organization yet)")
            self.check_url()
            self.check_no_error(s)
            if s["mode"] != "No organization yet":
                raise Failure(f"mode label {s['mode']!r} with no organization")
            self.axe("welcome (no organization)")

        with self.step("start a campaign through the position search"):
            search = self.input_by_label("Search positions by name")
            search.send_keys("Ward 1")
            # The list first shows every position, then (debounced) the matches: wait for the matches, or
            # the radio clicked would be replaced by the search's answer. (The seed world has a Ward 1 seat
            # of its own with the same name and district; the demo's is picked by its id.)
            try:
                WebDriverWait(d, WAIT, poll_frequency=0.1).until(lambda d: d.execute_script(
                    "const radios = [...document.querySelectorAll('main fieldset input[type=radio]')];"
                    "const status = document.querySelector('main fieldset [role=status]');"
                    "return radios.some((r) => r.value === arguments[0])"
                    " && radios.every((r) => /Ward 1/.test(r.parentElement.textContent))"
                    " && status && /found/.test(status.textContent);", POSITION_ID))
            except TimeoutException:
                raise Failure("the position search for “Ward 1” did not answer with the demo's Ward 1 seat") from None
            radio = d.find_element(By.CSS_SELECTOR, f'main input[type="radio"][value="{POSITION_ID}"]')
            self.click(radio)
            self.input_by_label("Your party (optional)").send_keys("Independent")
            self.click(self.main_button("Create campaign"))
            self.wait_state(lambda s: s["mode"] == MODE_LABELS["win"], "Campaign mode after creating")
            win = self.org_slug("win")
            s = self.expect_org(win, "win", "Dashboard", "dashboard")
            s = self.wait_state(lambda s: s["badges"] == ["Draft"], "the draft campaign")
            if "Campaign created" not in s["status"]:
                raise Failure(f"status says {s['status']!r}")
            self.win = win

        with self.step("Win: the server's navigation and a Party column in Voter Data"):
            self.axe("win landing (draft campaign)")
            self.goto_nav("voter_data")
            s = self.expect_contacts("Voter Data", "voter_data", win, "win", party=True)
            self.win_total = s["total"]
            self.axe("win contacts (Voter Data)")
            self.screenshot("win-desktop.png", DESKTOP)
            self.screenshot("win-phone.png", PHONE, axe="win contacts (Voter Data), phone")
            self.expect_contacts("Voter Data", "voter_data", win, "win", party=True)

        with self.step("Win: the other pages of the navigation"):
            self.goto_nav("voter_outreach")
            self.expect_org(win, "win", "Voter Outreach", "voter_outreach")
            self.axe("win Voter Outreach")
            self.goto_nav("website")
            s = self.expect_org(win, "win", "Website", "website")
            if not s["notAvailable"]:
                raise Failure("Website shows no “not part of this server yet” panel")

        with self.step("launch the campaign"):
            self.goto_nav("dashboard")
            self.expect_org(win, "win", "Dashboard", "dashboard")
            self.click(self.main_button("Launch campaign"))
            s = self.wait_state(lambda s: s["badges"] == ["Active"] and not s["loading"], "the active campaign")
            self.check_no_error(s)
            self.axe("win landing (active campaign)")

        with self.step("record a win: the console moves to the new Serve organization"):
            won = self.wait_element(By.XPATH, "//main//label[normalize-space()='Won']/input[@type='radio']",
                                    "the Won choice")
            self.click(won)
            self.click(self.main_button("Record result"))
            WebDriverWait(d, WAIT).until(EC.alert_is_present())
            alert = d.switch_to.alert
            if "Record a win?" not in alert.text:
                raise Failure(f"unexpected confirmation: {alert.text!r}")
            alert.accept()
            self.wait_state(lambda s: s["mode"] == MODE_LABELS["serve"], "Elected-official mode after the win")
            serve = self.org_slug("serve")
            self.serve = serve
            s = self.expect_org(serve, "serve", "Briefings", "briefings")
            if not s["notAvailable"]:
                raise Failure("Briefings shows no “not part of this server yet” panel")
            if "Campaign won" not in s["status"]:
                raise Failure(f"status says {s['status']!r}")
            past = self.org_slug("win", archived=True)
            self.past = past
            groups = dict((label, values) for label, values in s["groups"])
            if groups.get("Past") != [past] or groups.get("Serve") != [serve] or "Win" in groups:
                raise Failure(f"switcher groups after the win: {s['groups']}")

        with self.step("the switcher: the past campaign (read-only) and back to Serve"):
            self.switch_to(past)
            s = self.expect_org(past, "win", "Dashboard", "dashboard")
            s = self.wait_state(lambda s: s["badges"] == ["Won"] and not s["loading"], "the won campaign")
            if not s["archived"]:
                raise Failure("the past campaign shows no “Past · read-only” badge")
            self.axe("past campaign landing")
            self.switch_to(serve)
            s = self.expect_org(serve, "serve", "Briefings", "briefings")
            if not s["notAvailable"]:
                raise Failure("Briefings shows no “not part of this server yet” panel")
            s = self.wait_state(lambda s: s["badges"] == ["Active"] and "Office" in s["panels"]
                                and "Run again" in s["panels"], "the office panel and Run again")
            if s["archived"]:
                raise Failure("the Serve organization is marked read-only")
            self.axe("serve landing (Briefings)")

        with self.step("Serve: Constituents without a Party column, and Polls"):
            self.goto_nav("constituents")
            s = self.expect_contacts("Constituents", "constituents", serve, "serve", party=False)
            if s["total"] != self.win_total:
                raise Failure(f"Constituents has {s['total']} contacts; the campaign's Voter Data had {self.win_total}")
            self.axe("serve contacts (Constituents)")
            self.screenshot("serve-desktop.png", DESKTOP)
            self.screenshot("serve-phone.png", PHONE, axe="serve contacts (Constituents), phone")
            self.expect_contacts("Constituents", "constituents", serve, "serve", party=False)
            self.goto_nav("polls")
            self.expect_org(serve, "serve", "Polls", "polls")
            self.axe("serve Polls")

        with self.step("run again from the office: a new Win campaign"):
            self.goto_nav("briefings")
            self.expect_org(serve, "serve", "Briefings", "briefings")
            self.click(self.main_button("Start a campaign for this office"))
            self.wait_state(lambda s: s["mode"] == MODE_LABELS["win"], "Campaign mode after running again")
            again = self.org_slug("win", exclude=(win,))
            self.again = again
            s = self.expect_org(again, "win", "Dashboard", "dashboard")
            s = self.wait_state(lambda s: s["badges"] == ["Draft"] and not s["loading"], "the new draft campaign")
            office = d.find_element(By.XPATH, "//main//dt[normalize-space()='Office']/following-sibling::dd[1]").text
            if office != POSITION_NAME:
                raise Failure(f"the new campaign's office is {office!r}, not {POSITION_NAME!r}")
            groups = dict((label, values) for label, values in s["groups"])
            if groups.get("Win") != [again] or groups.get("Serve") != [serve] or groups.get("Past") != [past]:
                raise Failure(f"switcher groups after running again: {s['groups']}")

        with self.step("switch back and forth (saved server-side each time)"):
            for slug, mode, title, key in ((serve, "serve", "Briefings", "briefings"),
                                           (again, "win", "Dashboard", "dashboard"),
                                           (serve, "serve", "Briefings", "briefings"),
                                           (again, "win", "Dashboard", "dashboard")):
                self.switch_to(slug)
                self.expect_org(slug, mode, title, key)
                active = self.api("/me")["active_organization_slug"]
                if active != slug:
                    raise Failure(f"GET /v1/me says the active organization is {active}, not {slug}")
            self.goto_nav("voter_data")
            self.expect_contacts("Voter Data", "voter_data", again, "win", party=True)
            self.switch_to(serve)
            self.expect_org(serve, "serve", "Briefings", "briefings")

        with self.step("a reload keeps the chosen organization"):
            d.refresh()
            self.expect_org(serve, "serve", "Briefings", "briefings")
            self.switch_to(again)
            self.expect_org(again, "win", "Dashboard", "dashboard")
            self.goto_nav("voter_data")
            self.expect_contacts("Voter Data", "voter_data", again, "win", party=True)
            d.refresh()
            self.expect_contacts("Voter Data", "voter_data", again, "win", party=True)

        with self.step("sign out, then sign in through the form: back in the saved organization"):
            sign_out = self.wait_element(By.XPATH, "//header//button[normalize-space()='Sign out']",
                                         "the Sign out button", clickable=True)
            self.click(sign_out)
            self.wait_state(lambda s: s["signIn"] and s["title"] == "Sign in", "the sign-in form")
            field = self.input_by_label("API token")
            field.send_keys(self.token)
            self.click(self.main_button("Sign in"))
            self.expect_org(again, "win", "Dashboard", "dashboard")
            self.check_url()

    # ------------------------------------------------------------ the verdict

    def read_log(self) -> list[str]:
        """The browser's errors since the last read (reading empties the log)."""
        try:
            entries = self.driver.get_log("browser")
        except Exception as e:  # pragma: no cover - a driver without the log
            return [f"(could not read the browser log: {e})"]
        return [e["message"] for e in entries if e.get("level") == "SEVERE"]

    def expect_log(self, expected):
        """Reads the log: errors that `expected` accepts are dropped, the others kept for the verdict."""
        self.log_errors.extend(m for m in self.read_log() if not expected(m))

    def browser_errors(self) -> list[str]:
        return self.log_errors + self.read_log()

    def close(self):
        try:
            self.driver.quit()
        except Exception:
            pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True, help="the server, e.g. http://127.0.0.1:8080")
    parser.add_argument("--axe", required=True, help="axe-core's axe.min.js")
    parser.add_argument("--screenshots", required=True, help="where the PNGs go")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument("--chromedriver", default=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    args = parser.parse_args()
    token = os.environ.get("BROWSER_TEST_TOKEN", "").strip()
    if not token:
        print("BROWSER_TEST_TOKEN is not set", file=sys.stderr)
        return 2
    os.makedirs(args.screenshots, exist_ok=True)

    start = time.monotonic()
    journey = Journey(args, token)
    failed = None
    try:
        journey.run()
    except Exception as e:  # noqa: BLE001 - reported below
        failed = e
        if not isinstance(e, Failure):
            traceback.print_exc()
        try:
            path = os.path.join(os.environ.get("TMPDIR", "/tmp"), "console-test-failure.png")
            journey.driver.save_screenshot(path)
            print(f"      the page at the failure: {path}", file=sys.stderr)
        except Exception:
            pass
    log_errors = journey.browser_errors()
    journey.close()

    serious = []
    print()
    print("axe-core (violations by impact; serious and critical fail the run):")
    for view, result in journey.axe_results:
        counts = {}
        for v in result["violations"]:
            counts[v["impact"]] = counts.get(v["impact"], 0) + 1
            if v["impact"] in FAIL_IMPACTS:
                serious.append((view, v))
        summary = ", ".join(f"{n} {impact}" for impact, n in sorted(counts.items())) or "none"
        review = f"; to review by hand: {', '.join(v['id'] for v in result['incomplete'])}" if result["incomplete"] else ""
        rechecked = "; contrast re-checked without the toast" if result.get("rechecked") else ""
        print(f"  {view:36} {summary} ({result['passes']} rules passed{rechecked}{review})")
        for v in result["violations"]:
            targets = "; ".join(" ".join(n["target"]) for n in v["nodes"][:3])
            print(f"      {v['impact']:9} {v['id']}: {v['help']} [{targets}]")
        for v in result["incomplete"]:
            for n in v["nodes"][:3]:
                print(f"      review    {v['id']} {' '.join(n['target'])}: {n['message']}")
            if len(v["nodes"]) > 3:
                print(f"      review    {v['id']}: and {len(v['nodes']) - 3} more")
    for view, v in serious:
        print(f"\nSERIOUS on {view}: {v['id']} ({v['impact']}): {v['help']}", file=sys.stderr)
        for n in v["nodes"]:
            print(f"  {' '.join(n['target'])}\n    {n['summary']}", file=sys.stderr)
    if log_errors:
        print("\nerrors in the browser's log:", file=sys.stderr)
        for message in log_errors:
            print(f"  {message}", file=sys.stderr)
    if journey.shots:
        print("\nscreenshots: " + ", ".join(os.path.basename(p) for p in journey.shots))

    took = time.monotonic() - start
    passed = len(journey.steps)
    failures = int(failed is not None) + int(bool(serious)) + int(bool(log_errors))
    if failed is not None:
        print(f"\nFAILED: {failed}", file=sys.stderr)
    print(f"\nconsole journey: {passed} steps in {took:.0f} s, {len(journey.axe_results)} views checked by axe, "
          f"{len(serious)} serious or critical violations")
    # The plain closing line CI reads: steps passed, checks failed.
    print(f"{passed} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
