// wire.js: the wire panel above the sequence diagram. It controls the wire
// between the student's host and the lab's switch, which is on the server,
// through socketlab.wire (the console's wire object's verbs): Pause (step
// mode), Step, Release all, Drop held, and the impairments each way or
// both. Its calls run beside the console's line, so a student steps a
// handshake while connect() waits. It shows the state Go sends back:
// after each of its own calls, each wire event, each console line and
// each workshop message. While the instructor's wire is set for the whole
// room (state.room), the impairments show the instructor's values,
// disabled; stepping stays the student's. The held count, a live region,
// changes at most once a second, except right after the student's own
// call, so that heavy loss does not make it chatter.
//
//   mountWire(diagramSection, lab, bus)

import { errorText, find } from "./format.js";

/** @import { RoomWire, SocketLab, WireDir, WireResult, WireSettings, WireState } from "../socketlab" */

/**
 * @param {HTMLElement} section
 * @param {SocketLab} lab
 * @param {EventTarget} bus
 */
export function mountWire(section, lab, bus) {
  const form = find(section, ".wire-panel", HTMLFormElement);
  const pause = find(form, '[data-wire="pause"]', HTMLButtonElement);
  const held = find(form, '[data-testid="wire-held"]', HTMLElement);
  const summary = find(form, '[data-testid="wire-summary"]', HTMLElement);
  const message = find(form, '[data-testid="wire-message"]', HTMLElement);
  const dirSelect = find(form, 'select[name="dir"]', HTMLSelectElement);
  const roomNote = find(form, '[data-testid="wire-room"]', HTMLElement);
  const setters = [dirSelect, find(form, '[data-testid="wire-apply"]', HTMLButtonElement), find(form, '[data-wire="clear"]', HTMLButtonElement)];
  /** @param {string} name */
  const field = (name) => find(form, `input[name="${name}"]`, HTMLInputElement);
  const fields = {
    loss: field("loss"), delay: field("delay"), jitter: field("jitter"), duplicate: field("duplicate"),
    reorder: field("reorder"), rate: field("rate"), seed: field("seed"),
  };

  /** @type {WireState | null} */
  let state = null;

  // The held count's live region: set at most once a second, unless now.
  let heldAt = 0;
  let heldTimer = 0;
  /** @param {string} text @param {boolean} now */
  function sayHeld(text, now) {
    clearTimeout(heldTimer);
    const wait = now ? 0 : heldAt + 1000 - Date.now();
    if (wait > 0) {
      heldTimer = window.setTimeout(() => sayHeld(text, true), wait);
      return;
    }
    heldAt = Date.now();
    if (held.textContent !== text) held.textContent = text;
  }

  /** @param {WireState} st @param {boolean} [now] the student's own call: say the held count at once */
  function show(st, now = false) {
    state = st;
    const paused = st.out.hold || st.in.hold;
    pause.setAttribute("aria-pressed", String(paused));
    const parts = [`${st.held} held` + (st.repeats ? ` (${st.repeats} retransmission${st.repeats === 1 ? "" : "s"}, which Step passes over)` : "")];
    if (st.delayed) parts.push(`${st.delayed} delayed`);
    if (st.dropped) parts.push(`${st.dropped} dropped`);
    const text = (paused ? `Paused${st.out.hold && st.in.hold ? "" : st.out.hold ? " (out)" : " (in)"}: ` : "") + parts.join(", ");
    sayHeld(text, now);
    held.dataset.held = String(st.held);
    form.dataset.paused = String(paused);
    const words = sameSettings(st.out, st.in)
      ? settingsText(st.out)
      : `out ${settingsText(st.out)}; in ${settingsText(st.in)}`;
    summary.textContent = st.room ? `${words} (set by your instructor)` : words;
    roomNote.hidden = !st.room;
    form.dataset.room = String(st.room);
    for (const el of [...Object.values(fields), ...setters]) el.disabled = st.room;
    fillFields();
  }

  // fillFields shows the chosen direction's values ("both": out's), except
  // in a field the student is typing in.
  function fillFields() {
    if (!state) return;
    const set = dirSelect.value === "in" ? state.in : state.out;
    /** @type {Record<keyof typeof fields, number>} */
    const values = {
      loss: pct(set.loss), delay: set.delay_ns / 1e6, jitter: set.jitter_ns / 1e6, duplicate: pct(set.duplicate),
      reorder: pct(set.reorder), rate: set.rate, seed: state.seed,
    };
    for (const [name, input] of Object.entries(fields)) {
      if (document.activeElement === input) continue;
      input.value = String(values[/** @type {keyof typeof fields} */ (name)]);
    }
  }

  /**
   * run calls a verb of socketlab.wire and shows the state it answers with;
   * a refusal is said in the panel's message.
   * @param {() => Promise<WireResult>} call
   * @returns {Promise<WireResult | null>}
   */
  async function run(call) {
    try {
      const r = await call();
      show(r.state, true);
      return r;
    } catch (err) {
      message.textContent = `The wire refused it: ${errorText(err)}`;
      return null;
    }
  }

  /** @returns {WireDir} */
  const dir = () => /** @type {WireDir} */ (dirSelect.value);

  /** @type {Record<string, () => Promise<void>>} */
  const actions = {
    async pause() {
      const paused = pause.getAttribute("aria-pressed") === "true";
      const r = await run(() => (paused ? lab.wire.resume() : lab.wire.pause()));
      if (r) message.textContent = paused ? "Step mode off: held packets went on." : "Paused: every new packet waits at the switch until you step it.";
    },
    async step() {
      const r = await run(() => lab.wire.step());
      if (r) message.textContent = r.moved ? `Released: ${r.packet}` : "Nothing was held.";
    },
    async release() {
      const r = await run(() => lab.wire.release());
      if (r) message.textContent = `Released ${r.moved} ${r.moved === 1 ? "packet" : "packets"}.`;
    },
    async drop() {
      const r = await run(() => lab.wire.drop());
      if (r) message.textContent = r.moved ? `Dropped: ${r.packet}` : "Nothing held to drop.";
    },
    async clear() {
      const d = dir();
      const r = await run(() => lab.wire.clear(d));
      if (r) message.textContent = d === "both" ? "The wire is clear both ways." : `The wire is clear ${d}.`;
    },
  };

  form.addEventListener("click", (ev) => {
    const button = ev.target instanceof Element ? ev.target.closest("button[data-wire]") : null;
    if (!(button instanceof HTMLButtonElement)) return;
    void actions[button.dataset.wire || ""]?.();
  });

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const d = dir();
    /** @param {HTMLInputElement} input */
    const num = (input) => (input.value.trim() === "" ? 0 : Number(input.value));
    const steps = [
      () => lab.wire.loss(num(fields.loss) / 100, d),
      () => lab.wire.delay(num(fields.delay) / 1000, num(fields.jitter) / 1000, d),
      () => lab.wire.duplicate(num(fields.duplicate) / 100, d),
      () => lab.wire.reorder(num(fields.reorder) / 100, d),
      () => lab.wire.rate(num(fields.rate), d),
    ];
    // Seeds are at most 2**53-1: a JS number holds them exactly.
    if (state && fields.seed.value.trim() !== String(state.seed)) steps.push(() => lab.wire.seed(num(fields.seed)));
    for (const step of steps) if (!(await run(step))) return;
    message.textContent = `Applied ${d === "both" ? "both ways" : d}: ${summary.textContent}.`;
  });
  dirSelect.addEventListener("change", fillFields);

  // refresh asks for the state, at most one call at a time: asked again
  // meanwhile, it asks once more after.
  let inFlight = false;
  let again = false;
  async function refresh() {
    if (inFlight) { again = true; return; }
    inFlight = true;
    try {
      show((await lab.wire.state()).state);
    } catch {
      // Between sessions: the next event or line asks again.
    }
    inFlight = false;
    if (again) { again = false; void refresh(); }
  }
  lab.on("wire", () => void refresh());
  lab.onWorkshop(() => void refresh());
  bus.addEventListener("ran", () => void refresh());
  form.hidden = false;
  void refresh();
}

/** @param {number} p a probability */
const pct = (p) => Math.round(p * 1e6) / 1e4;

/**
 * @param {WireSettings} a
 * @param {WireSettings} b
 */
function sameSettings(a, b) {
  return a.hold === b.hold && a.loss === b.loss && a.delay_ns === b.delay_ns && a.jitter_ns === b.jitter_ns &&
    a.duplicate === b.duplicate && a.reorder === b.reorder && a.rate === b.rate;
}

/**
 * dirsText words a wire's settings both ways, the directions named as
 * given, a clear one left out.
 * @param {RoomWire} d
 * @param {string} outWords
 * @param {string} inWords
 */
export function dirsText(d, outWords, inWords) {
  if (sameSettings(d.out, d.in)) return `${settingsText(d.out)} both ways`;
  const parts = [];
  if (settingsText(d.out) !== "none") parts.push(`${settingsText(d.out)} ${outWords}`);
  if (settingsText(d.in) !== "none") parts.push(`${settingsText(d.in)} ${inWords}`);
  return parts.join("; ");
}

/**
 * settingsText words one direction's settings (Go sends the numbers).
 * @param {WireSettings} s
 */
function settingsText(s) {
  const parts = [];
  if (s.hold) parts.push("paused");
  if (s.loss) parts.push(`loss ${pct(s.loss)}%`);
  if (s.delay_ns || s.jitter_ns) parts.push(`delay ${s.delay_ns / 1e6} ms${s.jitter_ns ? ` ± ${s.jitter_ns / 1e6} ms` : ""}`);
  if (s.duplicate) parts.push(`duplicate ${pct(s.duplicate)}%`);
  if (s.reorder) parts.push(`reorder ${pct(s.reorder)}%`);
  if (s.rate) parts.push(`rate ${s.rate} B/s`);
  return parts.length ? parts.join(", ") : "none";
}
