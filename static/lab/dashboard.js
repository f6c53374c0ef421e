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

/**
 * The grid has a column per exercise: each student's steps done of its
 * total, in words and as a bar of one mark a step; the exercise opened
 * (its header's button: the class's current one until the instructor
 * picks another) draws its marks as boxes with a sign each.
 * @typedef {{id: string, title: string, steps: string[], th: HTMLElement, col: HTMLElement | null}} Exercise
 */

/** The workshop's exercises, in the columns' order. @type {Exercise[]} */
const exercises = [...document.querySelectorAll("th.ex-h")].map((el) => {
  const th = /** @type {HTMLElement} */ (el);
  const id = th.dataset.exercise || "";
  const tpl = th.querySelector("template");
  const steps = tpl ? [...tpl.content.children].map((c) => c.textContent || "") : [];
  const title = th.querySelector(".ex-title")?.textContent || id;
  const col = /** @type {HTMLElement | null} */ (document.querySelector(`col.c-ex[data-exercise="${id}"]`));
  return { id, title, steps, th, col };
});
/** Every step, in order: [exercise, step]. */
const columns = exercises.flatMap((ex) => ex.steps.map((_, i) => /** @type {[string, number]} */ ([ex.id, i])));
/** Each step's name, as the help queue says it. */
const stepNames = exercises.flatMap((ex) => ex.steps.map((st, i) => `${ex.title}, step ${i + 1}${st ? ": " + st : ""}`));
const grid = document.querySelector("[data-testid=progress-grid]");
const tbody = grid?.querySelector("tbody");
const pastCells = [...document.querySelectorAll("[data-testid=past-count]")];
const studentCount = document.querySelector("[data-testid=student-count]");
const staleNote = /** @type {HTMLElement | null} */ (document.querySelector("[data-testid=grid-stale]"));
const stuckInput = /** @type {HTMLInputElement | null} */ (document.getElementById("stuck-minutes"));

/**
 * A record as the instructor's stream has it: confirmed is done; missing
 * says what of it shows on the wire and was not seen.
 * @typedef {ProgressRecord & {missing?: string}} Judged
 */

/** @type {Map<number, Student>} */
const students = new Map();
/** Each student's records, by "exercise/step". @type {Map<number, Map<string, Judged>>} */
const done = new Map();
/** @type {Hand[]} */
let hands = [];
/** The hands announced already, by id. */
const announced = new Set();
/** Whether the stream is up: while it is not, nobody is shown online. */
let live = false;
/** The exercise opened to its steps: the class's current one until the instructor picks. */
let opened = "";
let openedByHand = false;

/** @param {string} exercise @param {number} step */
const key = (exercise, step) => `${exercise}/${step}`;
/** Each step's index in columns, by key. */
const columnOf = new Map(columns.map((c, i) => [key(...c), i]));

/** @param {Judged} r */
function addRecord(r) {
  if (r.kind !== "step") return;
  let m = done.get(r.student);
  if (!m) done.set(r.student, (m = new Map()));
  const old = m.get(key(r.exercise, r.step));
  if (!old || (r.confirmed && !old.confirmed)) m.set(key(r.exercise, r.step), r);
}

/**
 * current is the step a student is on, an index in columns: the first not
 * done after the one they did last, or, past the end of its exercise, the
 * first not done; -1 when all are.
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

/** Each step's state in words, for its mark's hover. */
const WORDS = {
  done: "done",
  unseen: "not seen on the wire",
  current: "working on it",
  "not-started": "not started",
};

/** Rows go in the order of names ("bench 2" before "bench 10"), then of ids. */
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
/** @param {Student} a @param {Student} b */
const byName = (a, b) => collator.compare(a.name, b.name) || a.id - b.id;

/** Each student's row in the grid, by id. @type {Map<number, HTMLTableRowElement>} */
const rowOf = new Map();

/** @param {string} cls @param {string} testid @param {string} text */
function badge(cls, testid, text) {
  const b = Object.assign(document.createElement("span"), { className: `badge ${cls}`, textContent: text });
  b.dataset.testid = testid;
  return b;
}

/**
 * newRow is a student's row, empty: their name, with the marks of stuck,
 * offline and a hand up and the look-in and spotlight controls under it,
 * their last activity, and a cell for each exercise holding its words and
 * its bar of one mark a step; fill gives them their state.
 * @param {Student} st
 */
function newRow(st) {
  const tr = document.createElement("tr");
  tr.dataset.student = String(st.id);
  const th = document.createElement("th");
  th.scope = "row";
  const name = document.createElement("span");
  name.className = "name";
  name.dataset.testid = "student-name";
  name.textContent = st.name;
  name.title = st.name;
  const marks = document.createElement("span");
  marks.className = "marks";
  const stuck = badge("stuck", "stuck", "stuck");
  const offline = badge("offline", "offline", "offline");
  const hand = badge("hand", "row-hand", "hand up");
  marks.append(stuck, offline, hand);
  for (const b of [stuck, offline, hand]) b.hidden = true;
  const line = document.createElement("div");
  line.className = "row-line";
  line.append(marks, studentControls(st));
  th.append(name, line);
  tr.append(th, document.createElement("td"));
  for (const ex of exercises) {
    const td = document.createElement("td");
    Object.assign(td.dataset, { testid: "ex-cell", student: String(st.id), exercise: ex.id });
    if (ex.id === opened) td.classList.add("opened");
    const words = document.createElement("span");
    words.className = "frac";
    words.setAttribute("aria-hidden", "true");
    const bar = document.createElement("span");
    bar.className = "bar";
    bar.setAttribute("aria-hidden", "true");
    ex.steps.forEach((_, i) => {
      const mark = document.createElement("i");
      Object.assign(mark.dataset, { testid: "cell", student: String(st.id), exercise: ex.id, step: String(i) });
      bar.append(mark);
    });
    const said = document.createElement("span");
    said.className = "sr-only";
    td.append(words, bar, said);
    tr.append(td);
  }
  return tr;
}

/** setText sets an element's text if it differs: text set again, even the same, is laid out again. @param {Element} el @param {string} text */
function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

/** @param {HTMLElement} el @param {string} name @param {string | undefined} value */
function setData(el, name, value) {
  if (value === undefined) {
    if (name in el.dataset) delete el.dataset[name];
  } else if (el.dataset[name] !== value) el.dataset[name] = value;
}

/** @param {HTMLElement} el @param {string} title */
function setTitle(el, title) {
  if (el.title !== title) el.title = title;
}

/**
 * fill brings a student's row up to date, writing only what changed: in a
 * table of thousands of marks, each change is styled and laid out again.
 * @param {HTMLTableRowElement} tr @param {Student} st @param {number} stuckMs @param {number} now @param {Set<number>} handUp
 */
function fill(tr, st, stuckMs, now, handUp) {
  const m = done.get(st.id) || new Map();
  const cur = current(st.id);
  const online = live && st.online;
  const stuck = online && cur >= 0 && now - Date.parse(lastStep(st)) > stuckMs;
  const th = /** @type {HTMLElement} */ (tr.firstElementChild);
  const [stuckB, offlineB, handB] = /** @type {HTMLElement[]} */ ([...th.querySelectorAll(".badge")]);
  if (stuckB.hidden === stuck) stuckB.hidden = !stuck;
  if (offlineB.hidden === (live && !st.online)) offlineB.hidden = !(live && !st.online);
  if (handB.hidden === handUp.has(st.id)) handB.hidden = !handUp.has(st.id);
  setData(tr, "stuck", stuck ? "true" : undefined);
  setData(tr, "online", live ? String(st.online) : "unknown");
  const last = /** @type {HTMLElement} */ (tr.children[1]);
  const at = lastActivity(st);
  setText(last, new Date(at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }));
  setTitle(last, `Last activity: ${new Date(at).toLocaleString()}`);
  const [curEx, curStep] = cur >= 0 ? columns[cur] : ["", -1];
  exercises.forEach((ex, j) => {
    const td = /** @type {HTMLElement} */ (tr.children[2 + j]);
    const [words, bar, said] = /** @type {HTMLElement[]} */ ([...td.children]);
    let n = 0;
    /** @type {string[]} */
    const missing = [];
    ex.steps.forEach((title, i) => {
      const r = m.get(key(ex.id, i));
      /** @type {keyof typeof WORDS} */
      const state = r ? (r.confirmed ? "done" : "unseen") : ex.id === curEx && i === curStep ? "current" : "not-started";
      if (r) n++;
      if (r && !r.confirmed) missing.push(`step ${i + 1} not seen on the wire: ${r.missing || "its packets"}`);
      const mark = /** @type {HTMLElement} */ (bar.children[i]);
      if (mark.dataset.state === state) return;
      mark.dataset.state = state;
      mark.title = `Step ${i + 1}${title ? ": " + title : ""}: ${WORDS[state]}`;
    });
    const total = ex.steps.length;
    const state = n === total ? (missing.length ? "unseen" : "done") : ex.id === curEx ? "current" : n ? "started" : "not-started";
    setData(td, "state", state);
    setData(td, "done", String(n));
    setText(words, `${n}/${total}${missing.length ? " !" : ""}`);
    const now = ex.id === curEx ? `; working on step ${curStep + 1}: ${ex.steps[curStep] || ""}` : "";
    const text = `${ex.title}: ${n} of ${total} steps done${missing.length ? "; " + missing.join("; ") : ""}${now}`;
    setText(said, text);
    setTitle(td, `${st.name} · ${text}`);
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
 * open opens an exercise's column to its steps (none: ""): its marks are
 * drawn as boxes, its header shows its title.
 * @param {string} id
 */
function open(id) {
  if (id === opened) return;
  const before = exercises.find((ex) => ex.id === opened);
  const after = exercises.find((ex) => ex.id === id);
  for (const [ex, on] of /** @type {[Exercise | undefined, boolean][]} */ ([[before, false], [after, true]])) {
    if (!ex) continue;
    ex.th.classList.toggle("opened", on);
    ex.th.querySelector("button")?.setAttribute("aria-expanded", String(on));
    if (ex.col) ex.col.style.width = on ? `max(9rem, calc(${ex.steps.length} * 1.25rem + 0.75rem))` : "";
    for (const td of document.querySelectorAll(`td[data-testid=ex-cell][data-exercise="${ex.id}"]`)) td.classList.toggle("opened", on);
  }
  opened = id;
}

/** classCurrent is the exercise most online students are working on. */
function classCurrent() {
  const n = new Map();
  for (const st of students.values()) {
    const cur = current(st.id);
    if (cur >= 0 && st.online) n.set(columns[cur][0], (n.get(columns[cur][0]) || 0) + 1);
  }
  let best = exercises[0]?.id || "";
  for (const [id, k] of n) if (k > (n.get(best) || 0)) best = id;
  return best;
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
    if (!openedByHand) open(classCurrent());
    rowOf.clear();
    const all = [...students.values()].sort(byName);
    for (const st of all) rowOf.set(st.id, newRow(st));
    tbody.replaceChildren(...rowOf.values());
  }
  const handUp = new Set(hands.map((h) => h.student));
  for (const id of only || students.keys()) {
    const st = students.get(id);
    if (!st) continue;
    let tr = rowOf.get(id);
    if (!tr) {
      rowOf.set(id, (tr = newRow(st)));
      place(tr, st);
    }
    fill(tr, st, stuckMs, now, handUp);
  }
  const finished = exercises.map(() => 0);
  for (const id of students.keys()) {
    const m = done.get(id);
    if (m) exercises.forEach((ex, j) => ex.steps.every((_, i) => m.has(key(ex.id, i))) && finished[j]++);
  }
  pastCells.forEach((td, i) => setText(td, String(finished[i])));
  if (studentCount) setText(studentCount, `(${students.size} student${students.size === 1 ? "" : "s"})`);
}

document.addEventListener("click", (ev) => {
  const b = ev.target instanceof Element ? ev.target.closest("[data-testid=ex-toggle]") : null;
  if (!(b instanceof HTMLElement)) return;
  const id = b.dataset.exercise || "";
  openedByHand = true;
  open(id === opened ? "" : id);
});

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
  const announce = document.getElementById("hand-announce");
  if (announce && fresh.length) {
    announce.textContent = fresh.map((h) => `${h.name} asked for help${h.message ? ": " + h.message : ""}.`).join(" ");
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
    live = true;
    if (staleNote) staleNote.hidden = true;
    grid?.removeAttribute("data-stale");
    render();
    renderHands();
    setLive("connected", "Live");
    // The class's controls (pacing.js) follow the same stream.
    document.dispatchEvent(new CustomEvent("dashboard-snapshot", { detail: snap }));
  });
  events.addEventListener("changes", (e) => {
    /** @type {Change[]} */
    const changes = JSON.parse(/** @type {MessageEvent} */ (e).data);
    if (!Array.isArray(changes)) return;
    for (const c of changes) {
      if (c.kind === "progress" && c.progress) {
        addRecord(c.progress);
        pending.add(c.progress.student);
      }
      if (c.kind === "student" && c.student) {
        students.set(c.student.id, c.student);
        pending.add(c.student.id);
      }
      if (c.kind === "hands" && c.hands) {
        // The rows of hands raised and lowered show it.
        for (const h of [...hands, ...c.hands]) pending.add(h.student);
        [hands, handsPending] = [c.hands, true];
      }
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
  events.addEventListener("error", () => {
    setLive("reconnecting", "Reconnecting…");
    if (live) {
      // Until the next snapshot, what the grid shows is as of now: it
      // says so, and shows nobody online.
      live = false;
      grid?.setAttribute("data-stale", "true");
      if (staleNote) {
        staleNote.textContent = `The connection to the server is down since ${clock(new Date().toISOString())}: the grid shows what it knew then, and nobody as online. Reconnecting…`;
        staleNote.hidden = false;
      }
      for (const id of students.keys()) pending.add(id);
      schedule();
    }
    // A stream the server refused is not retried by the browser.
    if (events.readyState === EventSource.CLOSED) setTimeout(connect, 5000);
  });
}

void signIn();
if (tbody) {
  connect();
  // "Stuck" and the help queue's steps move with the clock: every row is
  // brought up to date, and only what changed is written.
  const redraw = () => {
    if (!openedByHand) open(classCurrent());
    for (const id of students.keys()) pending.add(id);
    schedule();
  };
  stuckInput?.addEventListener("change", redraw);
  setInterval(redraw, 15_000);
}

export {}; // a module: its names are its own
