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
const columns = [...document.querySelectorAll("th.step-h")].map((th) => {
  const d = /** @type {HTMLElement} */ (th).dataset;
  return /** @type {[string, number]} */ ([d.exercise || "", Number(d.step)]);
});
const tbody = document.querySelector("[data-testid=progress-grid] tbody");
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
    const i = columns.findIndex(([e, s]) => e === r.exercise && s === r.step);
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
const stepName = (i) => {
  if (i < 0) return "all done";
  const th = document.querySelectorAll("th.step-h")[i];
  const ex = document.querySelector(`th.ex-h[data-exercise="${columns[i][0]}"]`)?.textContent || columns[i][0];
  return `${ex}, step ${columns[i][1] + 1}${th?.getAttribute("title") ? ": " + th.getAttribute("title") : ""}`;
};

const WORDS = {
  done: ["done", "done, seen by the server"],
  unconfirmed: ["done?", "done, by the browser's word"],
  current: ["now", "working on it"],
  "not-started": ["–", "not started"],
};

/** @param {keyof typeof WORDS} state */
function cellText(state) {
  const shown = document.createElement("span");
  shown.setAttribute("aria-hidden", "true");
  shown.textContent = WORDS[state][0];
  const said = document.createElement("span");
  said.className = "sr-only";
  said.textContent = WORDS[state][1];
  return [shown, said];
}

/** Each student's row in the grid, by id. @type {Map<number, HTMLTableRowElement>} */
const rowOf = new Map();

/**
 * render draws the grid and the counts above it again: every row or, with
 * only, the rows of those students (a batch of changes touches a few of
 * hundreds; drawing them all made the page's work grow with the class).
 * @param {Set<number>} [only]
 */
function render(only) {
  if (!tbody) return;
  if (!only) rowOf.clear();
  const stuckMs = Math.max(1, Number(stuckInput?.value) || 5) * 60_000;
  const now = Date.now();
  const past = columns.map(() => 0);
  const rows = [];
  for (const st of students.values()) {
    const m = done.get(st.id) || new Map();
    columns.forEach((c, i) => m.has(key(...c)) && past[i]++);
    const old = rowOf.get(st.id);
    if (only && old && !only.has(st.id)) continue;
    const cur = current(st.id);
    const stuck = st.online && cur >= 0 && now - Date.parse(lastStep(st)) > stuckMs;
    let tr = document.createElement("tr");
    tr.dataset.student = String(st.id);
    if (stuck) tr.dataset.stuck = "true";
    const th = document.createElement("th");
    th.scope = "row";
    th.textContent = st.name;
    if (stuck) {
      const badge = document.createElement("span");
      badge.className = "stuck";
      badge.dataset.testid = "stuck";
      badge.textContent = "stuck";
      th.append(" ", badge);
    }
    th.append(" ", studentControls(st));
    tr.append(th);
    columns.forEach(([exercise, step], i) => {
      const r = m.get(key(exercise, step));
      /** @type {keyof typeof WORDS} */
      const state = r ? (r.confirmed ? "done" : "unconfirmed") : i === cur ? "current" : "not-started";
      const td = document.createElement("td");
      Object.assign(td.dataset, { testid: "cell", student: String(st.id), exercise, step: String(step), state });
      td.append(...cellText(state));
      tr.append(td);
    });
    const cells = [stepName(cur), clock(lastActivity(st)), st.online ? "online" : "offline"];
    for (const text of cells) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.append(td);
    }
    /** @type {HTMLElement} */ (tr.lastElementChild).dataset.online = String(st.online);
    if (!only) rows.push(tr);
    else if (old) tr = patch(old, tr);
    else tbody.append(tr);
    rowOf.set(st.id, tr);
  }
  if (!only) tbody.replaceChildren(...rows);
  // Text set again, even the same, is laid out again: only what changed.
  const setText = (/** @type {Element | null} */ el, /** @type {string} */ text) => el && el.textContent !== text && (el.textContent = text);
  document.querySelectorAll("[data-testid=past-count]").forEach((td, i) => setText(td, String(past[i])));
  setText(document.querySelector("[data-testid=student-count]"), `(${students.size} student${students.size === 1 ? "" : "s"})`);
}

/**
 * patch makes the row old look like tr, changing only the cells that
 * differ: a new cell is styled and laid out again, and in a table of
 * thousands of cells that is most of the page's work. It returns the row
 * now in the grid.
 * @param {HTMLTableRowElement} old @param {HTMLTableRowElement} tr
 */
function patch(old, tr) {
  if (old.children.length !== tr.children.length || !old.cloneNode(false).isEqualNode(tr.cloneNode(false))) {
    old.replaceWith(tr);
    return tr;
  }
  [...tr.children].forEach((cell, i) => old.children[i].isEqualNode(cell) || old.children[i].replaceWith(cell));
  return old;
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

function connect() {
  const events = new EventSource(`/api/workshops/${encodeURIComponent(code)}/events`);
  events.addEventListener("snapshot", (e) => {
    /** @type {Snapshot} */
    const snap = JSON.parse(/** @type {MessageEvent} */ (e).data);
    students.clear();
    done.clear();
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
    let handsChanged = false;
    /** The students whose rows change. @type {Set<number>} */
    const touched = new Set();
    for (const c of changes) {
      if (c.kind === "progress" && c.progress) {
        addRecord(c.progress);
        touched.add(c.progress.student);
      }
      if (c.kind === "student" && c.student) {
        students.set(c.student.id, c.student);
        touched.add(c.student.id);
      }
      if (c.kind === "hands" && c.hands) [hands, handsChanged] = [c.hands, true];
      if (c.kind === "removed" && c.student) {
        students.delete(c.student.id);
        done.delete(c.student.id);
        rowOf.get(c.student.id)?.remove();
        rowOf.delete(c.student.id);
        handsChanged = true;
      }
    }
    document.dispatchEvent(new CustomEvent("dashboard-changes", { detail: changes }));
    render(touched);
    if (handsChanged || hands.some((h) => touched.has(h.student))) renderHands();
  });
  events.addEventListener("error", () => setLive("reconnecting", "Reconnecting…"));
}

void signIn();
if (tbody) {
  connect();
  // "Stuck" and the help queue's steps move with the clock: every row is
  // drawn again, and only the cells that changed are put in the grid.
  const redraw = () => render(new Set(students.keys()));
  stuckInput?.addEventListener("change", redraw);
  setInterval(redraw, 15_000);
}

export {}; // a module: its names are its own
