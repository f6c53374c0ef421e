// dashboard.js: the instructor's dashboard (/workshop/{code}). Without the
// instructor's cookie, it trades the dashboard link's #token=… for it and
// reloads; with it, it fills the progress grid and the help queue from the
// workshop's event stream (/api/workshops/{code}/events: a "snapshot", then
// batches of "changes") and keeps them live.

import { studentControls } from "./spotlight.js";

/** @import { ProgressRecord } from "../socketlab" */

/**
 * @typedef {{id: number, name: string, joined_at: string, last_seen: string, online: boolean}} Student
 * @typedef {{id: number, student: number, name: string, message: string, at: string, state: "waiting" | "coming"}} Hand
 * @typedef {{locked_after: number, peers: "none" | "all", message: string}} Class
 * @typedef {{kind: "progress" | "student" | "hands" | "class" | "removed", progress?: ProgressRecord, student?: Student, hands?: Hand[], class?: Class}} Change
 * @typedef {{workshop: {students: (Student & {progress: ProgressRecord[]})[], locked_after: number, peers: "none" | "all"}, hands: Hand[], message: string}} Snapshot
 */

const code = document.body.dataset.workshop || "";

// ---- signing in ---------------------------------------------------------------

/** signIn posts the link's token, once, for the cookie; then the fragment goes. */
async function signIn() {
  const token = new URLSearchParams(location.hash.slice(1)).get("token");
  if (!token) return;
  history.replaceState(null, "", location.pathname + location.search);
  const error = document.getElementById("signin-error");
  try {
    const resp = await fetch(`/workshop/${encodeURIComponent(code)}/session`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token }),
      credentials: "same-origin",
    });
    if (resp.ok) {
      if (!document.querySelector("[data-testid=dashboard]")) location.reload();
      return;
    }
    const body = await resp.json().catch(() => ({}));
    if (error) {
      error.textContent = `That link did not open the dashboard: ${body.error || resp.statusText}.`;
      error.hidden = false;
    }
  } catch (err) {
    if (error) {
      error.textContent = `The server could not be reached: ${err}.`;
      error.hidden = false;
    }
  }
}

// ---- the grid -------------------------------------------------------------------

/** The grid's columns, from its step headers: [exercise, step]. */
const stepHeaders = [...document.querySelectorAll("th.step-h")].map((th) => /** @type {HTMLElement} */ (th));
const columns = stepHeaders.map(({ dataset: d }) => /** @type {[string, number]} */ ([d.exercise || "", Number(d.step)]));
/** Each column's name, as the current step says it. */
const stepNames = stepHeaders.map((th, i) => {
  const [exercise, step] = columns[i];
  const ex = document.querySelector(`th.ex-h[data-exercise="${exercise}"]`)?.textContent || exercise;
  return `${ex}, step ${step + 1}${th.title ? ": " + th.title : ""}`;
});
const tbody = document.querySelector("[data-testid=progress-grid] tbody");
const pastCells = [...document.querySelectorAll("[data-testid=past-count]")];
const studentCount = document.querySelector("[data-testid=student-count]");
const stuckInput = /** @type {HTMLInputElement | null} */ (document.getElementById("stuck-minutes"));

/** @type {Map<number, Student>} */
const students = new Map();
/** Each student's records, by "exercise/step": confirmed or not. @type {Map<number, Map<string, ProgressRecord>>} */
const done = new Map();
/** @type {Hand[]} */
let hands = [];
/** The hands announced already, by id. */
const announced = new Set();

/** @param {string} exercise @param {number} step */
const key = (exercise, step) => `${exercise}/${step}`;
/** Each column's index, by key. */
const columnOf = new Map(columns.map((c, i) => [key(...c), i]));

/** @param {ProgressRecord} r */
function addRecord(r) {
  if (r.kind !== "step") return;
  let m = done.get(r.student);
  if (!m) done.set(r.student, (m = new Map()));
  const old = m.get(key(r.exercise, r.step));
  if (!old || (r.confirmed && !old.confirmed)) m.set(key(r.exercise, r.step), r);
}

/**
 * current is the step a student is on: the first not done after the one
 * they did last, or, past the end of its exercise, the first not done.
 * @param {number} id
 */
function current(id) {
  const m = done.get(id) || new Map();
  let last = -1;
  let lastAt = "";
  for (const r of m.values()) {
    const i = columnOf.get(key(r.exercise, r.step)) ?? -1;
    if (i >= 0 && r.completed_at > lastAt) [last, lastAt] = [i, r.completed_at];
  }
  for (let i = last + 1; i < columns.length && last >= 0 && columns[i][0] === columns[last][0]; i++) {
    if (!m.has(key(...columns[i]))) return i;
  }
  return columns.findIndex((c) => !m.has(key(...c)));
}

/** lastActivity is a student's latest record, or when they joined or left. @param {Student} st */
function lastActivity(st) {
  let t = st.last_seen > st.joined_at ? st.last_seen : st.joined_at;
  for (const r of (done.get(st.id) || new Map()).values()) if (r.completed_at > t) t = r.completed_at;
  return t;
}

/** lastStep is when a student last passed a step, or joined. @param {Student} st */
function lastStep(st) {
  let t = st.joined_at;
  for (const r of (done.get(st.id) || new Map()).values()) if (r.completed_at > t) t = r.completed_at;
  return t;
}

/** @param {string} t */
const clock = (t) => new Date(t).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

/** @param {number} i */
const stepName = (i) => (i < 0 ? "all done" : stepNames[i]);

const WORDS = {
  done: ["done", "done, seen by the server"],
  unconfirmed: ["done?", "done, by the browser's word"],
  current: ["now", "working on it"],
  "not-started": ["–", "not started"],
};

/** Rows go in the order of names ("bench 2" before "bench 10"), then of ids. */
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
/** @param {Student} a @param {Student} b */
const byName = (a, b) => collator.compare(a.name, b.name) || a.id - b.id;

/** Each student's row in the grid, by id. @type {Map<number, HTMLTableRowElement>} */
const rowOf = new Map();

/**
 * newRow is a student's row, empty: its name, their current step, last
 * activity and online (the columns a projector shows first), and a cell
 * for each step; fill gives them their words.
 * @param {Student} st
 */
function newRow(st) {
  const tr = document.createElement("tr");
  tr.dataset.student = String(st.id);
  const th = document.createElement("th");
  th.scope = "row";
  const head = document.createElement("div");
  head.className = "row-head";
  const name = document.createElement("span");
  name.className = "name";
  name.textContent = st.name;
  name.title = st.name;
  head.append(name, " ", studentControls(st));
  th.append(head);
  tr.append(th);
  for (let i = 0; i < 3; i++) tr.append(document.createElement("td"));
  for (const [exercise, step] of columns) {
    const td = document.createElement("td");
    Object.assign(td.dataset, { testid: "cell", student: String(st.id), exercise, step: String(step) });
    const shown = document.createElement("span");
    shown.setAttribute("aria-hidden", "true");
    const said = document.createElement("span");
    said.className = "sr-only";
    td.append(shown, said);
    tr.append(td);
  }
  return tr;
}

/** setText sets an element's text if it differs: text set again, even the same, is laid out again. @param {Element} el @param {string} text */
function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

/**
 * fill brings a student's row up to date, writing only what changed: in a
 * table of thousands of cells, each change is styled and laid out again.
 * @param {HTMLTableRowElement} tr @param {Student} st @param {number} stuckMs @param {number} now
 */
function fill(tr, st, stuckMs, now) {
  const m = done.get(st.id) || new Map();
  const cur = current(st.id);
  const stuck = st.online && cur >= 0 && now - Date.parse(lastStep(st)) > stuckMs;
  const head = /** @type {HTMLElement} */ (tr.firstElementChild?.firstElementChild);
  let badge = head.querySelector("[data-testid=stuck]");
  if (stuck && !badge) {
    badge = Object.assign(document.createElement("span"), { className: "stuck", textContent: "stuck" });
    badge.setAttribute("data-testid", "stuck");
    head.insertBefore(badge, head.children[1]);
  } else if (!stuck && badge) badge.remove();
  if (stuck) tr.dataset.stuck = "true";
  else delete tr.dataset.stuck;
  const [step, last, online] = /** @type {HTMLElement[]} */ ([...tr.children].slice(1, 4));
  setText(step, stepName(cur));
  if (step.title !== step.textContent) step.title = step.textContent || "";
  setText(last, clock(lastActivity(st)));
  setText(online, st.online ? "online" : "offline");
  if (online.dataset.online !== String(st.online)) online.dataset.online = String(st.online);
  columns.forEach(([exercise, s], i) => {
    const r = m.get(key(exercise, s));
    /** @type {keyof typeof WORDS} */
    const state = r ? (r.confirmed ? "done" : "unconfirmed") : i === cur ? "current" : "not-started";
    const td = /** @type {HTMLElement} */ (tr.children[4 + i]);
    if (td.dataset.state === state) return;
    td.dataset.state = state;
    /** @type {HTMLElement} */ (td.firstElementChild).textContent = WORDS[state][0];
    /** @type {HTMLElement} */ (td.lastElementChild).textContent = WORDS[state][1];
  });
}

/**
 * place puts a new row where its name sorts among the rows there.
 * @param {HTMLTableRowElement} tr @param {Student} st
 */
function place(tr, st) {
  if (!tbody) return;
  const rows = tbody.children;
  let [lo, hi] = [0, rows.length];
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const other = students.get(Number(/** @type {HTMLElement} */ (rows[mid]).dataset.student));
    if (other && byName(other, st) < 0) lo = mid + 1;
    else hi = mid;
  }
  tbody.insertBefore(tr, rows[lo] || null);
}

/**
 * render brings the grid and the counts above it up to date: every row
 * or, with only, the rows of those students (a batch of changes touches a
 * few of hundreds).
 * @param {Set<number>} [only]
 */
function render(only) {
  if (!tbody) return;
  const stuckMs = Math.max(1, Number(stuckInput?.value) || 5) * 60_000;
  const now = Date.now();
  if (!only) {
    rowOf.clear();
    const all = [...students.values()].sort(byName);
    for (const st of all) rowOf.set(st.id, newRow(st));
    tbody.replaceChildren(...rowOf.values());
  }
  for (const id of only || students.keys()) {
    const st = students.get(id);
    if (!st) continue;
    let tr = rowOf.get(id);
    if (!tr) {
      rowOf.set(id, (tr = newRow(st)));
      place(tr, st);
    }
    fill(tr, st, stuckMs, now);
  }
  const past = columns.map(() => 0);
  for (const id of students.keys()) {
    const m = done.get(id);
    if (m) columns.forEach((c, i) => m.has(key(...c)) && past[i]++);
  }
  pastCells.forEach((td, i) => setText(td, String(past[i])));
  if (studentCount) setText(studentCount, `(${students.size} student${students.size === 1 ? "" : "s"})`);
}

// ---- the help queue -------------------------------------------------------------

const queue = document.querySelector("[data-testid=help-queue]");

/** @param {number} id @param {"coming" | "done"} state */
async function mark(id, state) {
  await fetch(`/api/workshops/${encodeURIComponent(code)}/hands/${id}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ state }),
    credentials: "same-origin",
  });
}

/** renderHands draws the queue, and announces the hands new to it. */
function renderHands() {
  if (!queue) return;
  const items = hands.map((h) => {
    const li = document.createElement("li");
    Object.assign(li.dataset, { testid: "hand", student: String(h.student), state: h.state });
    const who = document.createElement("strong");
    who.textContent = h.name;
    const where = document.createElement("span");
    where.className = "muted";
    where.textContent = ` at ${stepName(current(h.student))}, asked ${clock(h.at)}`;
    li.append(who, where);
    if (h.message) {
      const msg = document.createElement("q");
      msg.dataset.testid = "hand-message";
      msg.textContent = h.message;
      li.append(" ", msg);
    }
    const coming = document.createElement("button");
    coming.type = "button";
    coming.dataset.testid = "hand-coming";
    coming.textContent = h.state === "coming" ? "On my way ✓" : "On my way";
    coming.disabled = h.state === "coming";
    coming.addEventListener("click", () => void mark(h.id, "coming"));
    const finished = document.createElement("button");
    finished.type = "button";
    finished.dataset.testid = "hand-done";
    finished.textContent = "Done";
    finished.setAttribute("aria-label", `Done with ${h.name}`);
    finished.addEventListener("click", () => void mark(h.id, "done"));
    const actions = document.createElement("span");
    actions.className = "hand-actions";
    actions.append(coming, finished);
    li.append(actions);
    return li;
  });
  // Keep focus on a button that is drawn again.
  const focused = document.activeElement instanceof HTMLElement ? document.activeElement.dataset.testid : "";
  const focusedStudent = document.activeElement?.closest("li")?.dataset.student;
  queue.replaceChildren(...items);
  if (focused && focusedStudent) {
    /** @type {HTMLElement | null} */ (queue.querySelector(`li[data-student="${focusedStudent}"] [data-testid=${focused}]`))?.focus();
  }
  const empty = document.querySelector("[data-testid=help-empty]");
  if (empty instanceof HTMLElement) empty.hidden = hands.length > 0;
  const count = document.querySelector("[data-testid=hand-count]");
  if (count) count.textContent = `(${hands.length})`;
  const fresh = hands.filter((h) => !announced.has(h.id));
  for (const h of fresh) announced.add(h.id);
  const live = document.getElementById("hand-announce");
  if (live && fresh.length) {
    live.textContent = fresh.map((h) => `${h.name} asked for help${h.message ? ": " + h.message : ""}.`).join(" ");
  }
}

// ---- the stream -----------------------------------------------------------------

/** @param {string} state @param {string} words */
function setLive(state, words) {
  const p = document.querySelector("[data-testid=live-state]");
  if (p instanceof HTMLElement) p.dataset.live = state;
  const status = document.getElementById("live-status");
  if (status) status.textContent = words;
}

/** The students whose rows wait to be drawn, and whether the help queue does. */
const pending = new Set();
let handsPending = false;
let scheduled = false;

/**
 * schedule draws what changed in the next frame: the batches that arrive
 * before it (several, when the page falls behind) are laid out once.
 */
function schedule() {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => {
    scheduled = false;
    const touched = new Set(pending);
    pending.clear();
    render(touched);
    if (handsPending || hands.some((h) => touched.has(h.student))) renderHands();
    handsPending = false;
  });
}

function connect() {
  const events = new EventSource(`/api/workshops/${encodeURIComponent(code)}/events`);
  events.addEventListener("snapshot", (e) => {
    /** @type {Snapshot} */
    const snap = JSON.parse(/** @type {MessageEvent} */ (e).data);
    students.clear();
    done.clear();
    pending.clear();
    for (const { progress, ...st } of snap.workshop.students) {
      students.set(st.id, st);
      for (const r of progress) addRecord(r);
    }
    hands = snap.hands;
    // Hands up before the page opened are not news.
    if (announced.size === 0) for (const h of hands) announced.add(h.id);
    render();
    renderHands();
    setLive("connected", "Live");
    // The class's controls (pacing.js) follow the same stream.
    document.dispatchEvent(new CustomEvent("dashboard-snapshot", { detail: snap }));
  });
  events.addEventListener("changes", (e) => {
    /** @type {Change[]} */
    const changes = JSON.parse(/** @type {MessageEvent} */ (e).data);
    for (const c of changes) {
      if (c.kind === "progress" && c.progress) {
        addRecord(c.progress);
        pending.add(c.progress.student);
      }
      if (c.kind === "student" && c.student) {
        students.set(c.student.id, c.student);
        pending.add(c.student.id);
      }
      if (c.kind === "hands" && c.hands) [hands, handsPending] = [c.hands, true];
      if (c.kind === "removed" && c.student) {
        students.delete(c.student.id);
        done.delete(c.student.id);
        rowOf.get(c.student.id)?.remove();
        rowOf.delete(c.student.id);
        handsPending = true;
      }
    }
    document.dispatchEvent(new CustomEvent("dashboard-changes", { detail: changes }));
    schedule();
  });
  events.addEventListener("error", () => setLive("reconnecting", "Reconnecting…"));
}

void signIn();
if (tbody) {
  connect();
  // "Stuck" and the help queue's steps move with the clock: every row is
  // brought up to date, and only what changed is written.
  const redraw = () => {
    for (const id of students.keys()) pending.add(id);
    schedule();
  };
  stuckInput?.addEventListener("change", redraw);
  setInterval(redraw, 15_000);
}

export {}; // a module: its names are its own
