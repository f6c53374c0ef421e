// pacing.js: the dashboard's controls for the whole class (the "The class"
// section): how many exercises are open, a one-line message to every
// student's page, the peers rule, the wire of every student's port
// (PUT /wire: the impairments each way or both, a seed; Clear), deleting
// one student's data or the whole workshop, each after a confirmation. The current values come from the
// dashboard's stream, which dashboard.js reads and passes on as
// "dashboard-snapshot" and "dashboard-changes" events; the changes go to
// the instructor's API, whose answer the stream brings back to every
// dashboard of the workshop.

/** @import { Snapshot, Change, Class } from "./dashboard.js" */
/** @import { RoomWire, WireSettings } from "../socketlab" */

import { dirsText } from "./wire.js";

const code = document.body.dataset.workshop || "";
const api = `/api/workshops/${encodeURIComponent(code)}`;

/** @param {string} id @returns {any} */
const $ = (id) => document.querySelector(`[data-testid=${id}]`);

const status = /** @type {HTMLElement | null} */ ($("class-status"));
const lockedAfter = /** @type {HTMLSelectElement | null} */ ($("locked-after"));
const peers = /** @type {HTMLSelectElement | null} */ ($("peers"));
const messageInput = /** @type {HTMLInputElement | null} */ ($("message-input"));
const messageShown = /** @type {HTMLElement | null} */ ($("message-shown"));
const messageClear = /** @type {HTMLButtonElement | null} */ ($("message-clear"));
const whom = /** @type {HTMLSelectElement | null} */ ($("delete-student"));
const wireForm = /** @type {HTMLFormElement | null} */ ($("room-wire-form"));
const wireShown = /** @type {HTMLElement | null} */ ($("room-wire-shown"));

/** The room's wire as the server last said, null for none. @type {RoomWire | null} */
let roomWire = null;

/** Each student's name, by id, for the delete control. @type {Map<number, string>} */
const names = new Map();

/** @param {string} words */
function say(words) {
  if (status) status.textContent = words;
}

/**
 * send calls the instructor's API and says what came of it.
 * @param {string} method @param {string} path @param {unknown} body @param {string} done
 * @returns {Promise<boolean>}
 */
async function send(method, path, body, done) {
  try {
    const resp = await fetch(api + path, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
    if (resp.ok) {
      say(done);
      return true;
    }
    const answer = await resp.json().catch(() => ({}));
    say(`Not done: ${answer.error || resp.statusText}.`);
  } catch (err) {
    say(`The server could not be reached: ${err}.`);
  }
  return false;
}

/** @param {Partial<Class> & {wire?: RoomWire | null}} c */
function showClass(c) {
  if (c.wire !== undefined) showWire(c.wire);
  if (lockedAfter && c.locked_after !== undefined) lockedAfter.value = String(c.locked_after);
  if (peers && c.peers) peers.value = c.peers;
  if (messageShown && messageClear && c.message !== undefined) {
    messageShown.textContent = c.message ? `On the students’ pages: “${c.message}”` : "No message on the students’ pages.";
    messageClear.hidden = !c.message;
  }
}

function showStudents() {
  if (!whom) return;
  const chosen = whom.value;
  const options = [...names].map(([id, name]) => {
    const o = document.createElement("option");
    o.value = String(id);
    o.textContent = name;
    return o;
  });
  // Nobody is chosen until the instructor chooses: a deletion is never
  // one click on whoever sorts first.
  const none = document.createElement("option");
  none.value = "";
  none.textContent = options.length ? "Choose a student…" : "nobody has joined";
  whom.replaceChildren(none, ...options);
  if (names.has(Number(chosen))) whom.value = chosen;
}

document.addEventListener("dashboard-snapshot", (e) => {
  /** @type {Snapshot} */
  const snap = /** @type {CustomEvent} */ (e).detail;
  names.clear();
  for (const st of snap.workshop.students) names.set(st.id, st.name);
  showStudents();
  const wire = /** @type {{wire?: RoomWire | null}} */ (snap.workshop).wire ?? null;
  showClass({ locked_after: snap.workshop.locked_after, peers: snap.workshop.peers, message: snap.message, wire });
});

document.addEventListener("dashboard-changes", (e) => {
  /** @type {Change[]} */
  const changes = /** @type {CustomEvent} */ (e).detail;
  let changed = false;
  for (const c of changes) {
    if (c.kind === "class" && c.class) showClass(c.class);
    if (c.kind === "student" && c.student && names.get(c.student.id) !== c.student.name) {
      names.set(c.student.id, c.student.name);
      changed = true;
    }
    if (c.kind === "removed" && c.student) changed = names.delete(c.student.id) || changed;
  }
  if (changed) showStudents();
});

/**
 * onSubmit runs fn when the form with the test id is submitted.
 * @param {string} id @param {() => void} fn
 */
function onSubmit(id, fn) {
  $(id)?.addEventListener("submit", (/** @type {SubmitEvent} */ e) => {
    e.preventDefault();
    fn();
  });
}

onSubmit("pacing-form", () => {
  const n = Number(lockedAfter?.value || 0);
  const words = n === 0 ? "Every exercise is open." : `Exercises up to ${n} are open; the rest are locked.`;
  void send("PATCH", "", { locked_after: n }, words);
});

onSubmit("peers-form", () => {
  const p = peers?.value || "none";
  void send("PATCH", "", { peers: p }, p === "all" ? "Students’ hosts reach each other." : "Students’ hosts reach the lab server only.");
});

onSubmit("message-form", async () => {
  const text = messageInput?.value.trim() || "";
  if (!text) {
    say("Type a message first.");
    return;
  }
  if (await send("POST", "/message", { message: text }, "Sent to every student’s page.") && messageInput) messageInput.value = "";
});

messageClear?.addEventListener("click", () => void send("POST", "/message", { message: "" }, "The message is down."));

/**
 * showWire shows the room's wire, in words and in the form's fields
 * (out's when both ways differ and the form shows both).
 * @param {RoomWire | null} w
 */
function showWire(w) {
  roomWire = w;
  if (wireShown) {
    wireShown.textContent = w
      ? `Set for every student: ${dirsText(w, "out (from their hosts)", "in (to their hosts)")}${w.seed ? `, seed ${w.seed}` : ""}.`
      : "No wire set: each student’s is their own.";
  }
  if (!wireForm) return;
  const dir = /** @type {HTMLSelectElement} */ (wireForm.elements.namedItem("dir")).value;
  const s = w ? (dir === "in" ? w.in : w.out) : null;
  /** @type {Record<string, number>} */
  const values = {
    loss: s ? s.loss * 100 : 0, delay: s ? s.delay_ns / 1e6 : 0, jitter: s ? s.jitter_ns / 1e6 : 0,
    duplicate: s ? s.duplicate * 100 : 0, reorder: s ? s.reorder * 100 : 0, rate: s ? s.rate : 0, seed: w?.seed || 0,
  };
  for (const [name, v] of Object.entries(values)) {
    const input = /** @type {HTMLInputElement} */ (wireForm.elements.namedItem(name));
    if (document.activeElement !== input) input.value = String(Math.round(v * 1e4) / 1e4);
  }
}

/** @typedef {Omit<WireSettings, "hold">} Impairments */

/**
 * impairments is a direction's settings without hold, which the room's
 * wire never has.
 * @param {Partial<WireSettings>} [s]
 * @returns {Impairments}
 */
const impairments = (s) => ({
  loss: s?.loss || 0, delay_ns: s?.delay_ns || 0, jitter_ns: s?.jitter_ns || 0,
  duplicate: s?.duplicate || 0, reorder: s?.reorder || 0, rate: s?.rate || 0,
});

onSubmit("room-wire-form", () => {
  const form = /** @type {HTMLFormElement} */ (wireForm);
  /** @param {string} name */
  const num = (name) => {
    const v = /** @type {HTMLInputElement} */ (form.elements.namedItem(name)).value.trim();
    return v === "" ? 0 : Number(v);
  };
  const dir = /** @type {HTMLSelectElement} */ (form.elements.namedItem("dir")).value;
  const mine = impairments({
    loss: num("loss") / 100, delay_ns: Math.round(num("delay") * 1e6), jitter_ns: Math.round(num("jitter") * 1e6),
    duplicate: num("duplicate") / 100, reorder: num("reorder") / 100, rate: num("rate"),
  });
  const body = {
    out: dir === "in" ? impairments(roomWire?.out) : mine,
    in: dir === "out" ? impairments(roomWire?.in) : mine,
    seed: num("seed"),
  };
  void send("PUT", "/wire", body, "The wire is set for every student.");
});

$("room-wire-clear")?.addEventListener("click", () => void send("PUT", "/wire", {}, "The wire is clear: each student’s is their own again."));
$("room-wire-dir")?.addEventListener("change", () => showWire(roomWire));

/**
 * confirmer wires a delete form: its submit asks, Yes does it, Cancel
 * takes the question back; focus goes to the answer, then back.
 * @param {string} name @param {() => string | null} question @param {() => Promise<void>} yes
 */
function confirmer(name, question, yes) {
  const box = /** @type {HTMLElement | null} */ ($(`${name}-confirm`));
  const ask = /** @type {HTMLButtonElement | null} */ ($(`${name}-ask`));
  const no = /** @type {HTMLButtonElement | null} */ ($(`${name}-no`));
  if (!box || !ask || !no) return;
  const close = () => {
    box.hidden = true;
    ask.hidden = false;
    ask.focus();
  };
  onSubmit(`${name}-form`, () => {
    const q = question();
    if (q === null) return;
    const words = $(`${name}-question`);
    if (words) words.textContent = q;
    box.hidden = false;
    ask.hidden = true;
    no.focus();
  });
  no.addEventListener("click", close);
  $(`${name}-yes`)?.addEventListener("click", async () => {
    await yes();
    close();
  });
}

confirmer(
  "delete-student",
  () => {
    const id = Number(whom?.value);
    if (!names.has(id)) {
      say(names.size ? "Choose the student to delete first." : "Nobody to delete.");
      return null;
    }
    return `Delete ${names.get(id)}’s progress and seat, and end their session?`;
  },
  async () => {
    const id = Number(whom?.value);
    const name = names.get(id) || "the student";
    await send("DELETE", `/students/${id}`, undefined, `${name}’s data is deleted.`);
  },
);

confirmer(
  "delete-workshop",
  () => "",
  async () => {
    if (await send("DELETE", "", undefined, "The workshop is deleted.")) location.assign("/");
  },
);

export {}; // a module: its names are its own
