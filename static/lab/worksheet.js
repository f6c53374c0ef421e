// worksheet.js: an exercise beside the lab. A step's check passes the
// moment the student's own trace holds what it asks for (judged by
// lab.wasm); a step's question is answered from that same trace (judged by
// lab.wasm too: the right answer is this student's, never a fixed one;
// what a question reads or counts is fetched from /lab/{exercise}/questions,
// never written in the page). A
// step ticks when its check has passed and its question, if any, is
// answered right; it then shows what just happened on the wire, and stays
// ticked (saved in this browser, shared with its other tabs) until Reset.
// A step whose check passed but whose question is unanswered says so.
import { find } from "./format.js";
import { KEY, later, load, merge, save, summary } from "./progress.js";

/** @import { SocketLab } from "../socketlab" */

/**
 * @param {HTMLElement} section
 * @param {SocketLab} lab
 * @param {EventTarget} bus
 */
export function mountWorksheet(section, lab, bus) {
  const id = section.dataset.exercise || "";
  const checks = section.dataset.checks || "[]"; // JSON, one check a step
  const steps = /** @type {HTMLElement[]} */ ([...section.querySelectorAll("[data-testid=step]")]);
  const progressText = find(section, "[data-testid=worksheet-progress]", HTMLElement);
  const doneNote = find(section, "[data-testid=worksheet-done]", HTMLElement);
  let record = load(id);
  record.steps = steps.length;
  // The questions, one a step (null for a step without), as JSON each:
  // fetched once, the first answer waiting for them.
  /** @type {Promise<string[]>} */
  const questions = fetch(`/lab/${encodeURIComponent(id)}/questions`, { credentials: "same-origin" })
    .then((r) => {
      if (!r.ok) throw new Error(`the questions: HTTP ${r.status}`);
      return r.json();
    })
    .then((/** @type {unknown[]} */ qs) => qs.map((q) => JSON.stringify(q)));
  questions.catch((err) => console.error("fetch the questions:", err));

  /** @param {number} i */
  const question = (i) => /** @type {HTMLElement | null} */ (steps[i].querySelector("[data-testid=question]"));
  /** @param {number} i */
  const complete = (i) =>
    record.checked.includes(i) && (!question(i) || record.answered[i] !== undefined);

  const show = () => {
    steps.forEach((li, i) => {
      const passed = record.done.includes(i);
      const form = question(i);
      // "answer": the check passed, the question waits (not a colour only:
      // the status is shown in words).
      const state = passed ? "done" : record.checked.includes(i) && form ? "answer" : "todo";
      li.dataset.passed = String(passed);
      li.dataset.state = state;
      const status = find(li, ".status", HTMLElement);
      status.textContent = STATUS[state];
      status.classList.toggle("visually-hidden", state !== "answer");
      const explain = /** @type {HTMLElement | null} */ (li.querySelector("[data-testid=explain]"));
      if (explain) explain.hidden = !passed;
      if (!form) return;
      if (record.answered[i] !== undefined && form.dataset.result !== "right") {
        input(form).value = record.answered[i];
        verdict(form, { result: "right", message: "You answered this from your trace." });
      } else if (record.answered[i] === undefined && form.dataset.result === "right") {
        // Reset in another tab.
        input(form).value = "";
        verdict(form, { result: "", message: "" });
      }
    });
    progressText.textContent = summary(record, steps.length) === "not started"
      ? `0 of ${steps.length} steps`
      : summary(record, steps.length);
    doneNote.hidden = record.done.length < steps.length;
    showCurrent();
  };

  // The current step, within reach of the console: on a phone, where the
  // worksheet is far above it, a link back to the step under the prompt;
  // beside it, the worksheet pane scrolled to the step when it changes.
  const here = document.createElement("a");
  here.className = "ws-current";
  here.dataset.testid = "current-step";
  document.getElementById("console-form")?.before(here);
  /** @type {HTMLElement | undefined} */
  let current;
  function showCurrent() {
    const next = steps.find((_, i) => !record.done.includes(i));
    here.hidden = !next;
    if (!next || next === current) return;
    const first = current === undefined;
    current = next;
    const n = steps.indexOf(next) + 1;
    here.href = `#${next.id}`;
    here.textContent = `↑ Step ${n} of ${steps.length}: ${next.dataset.title || ""}`;
    // Opening: the page shows the step (a fresh start shows the intro).
    if (first && n > 1) next.scrollIntoView({ block: "start" });
    else if (!first && section.scrollHeight > section.clientHeight && getComputedStyle(section).overflowY !== "visible") {
      next.scrollIntoView({ block: "nearest" });
    }
  }
  // In a workshop, each tick and each right answer is reported to the
  // server, which keeps it (socketlab.report resolves null outside one).
  /**
   * @param {number} i
   * @param {import("../socketlab").ProgressKind} kind
   * @param {string} [answer]
   */
  const report = (i, kind, answer) => {
    lab.report(id, i, kind, answer).catch((err) => console.error("report progress:", err));
  };

  // update ticks the steps that have just become complete, and saves and
  // shows them. A ticked step stays ticked until Reset.
  const update = () => {
    const now = steps.map((_, i) => i).filter((i) => !record.done.includes(i) && complete(i));
    if (!now.length) return;
    record.done.push(...now);
    record.done.sort((a, b) => a - b);
    record = save(id, record);
    show();
    for (const i of now) report(i, "step");
  };

  // In a workshop, the server's records join this browser's (a tick is
  // never taken back), and the ticks the server lacks are reported.
  const mergeServer = async () => {
    await lab.ready;
    const recs = await lab.serverProgress();
    if (!recs) return;
    const mine = recs.filter((r) => r.exercise === id && r.step < steps.length);
    for (const r of mine) {
      if (r.kind === "answer" && record.answered[r.step] === undefined) record.answered[r.step] = r.answer || "";
      if (r.kind === "step") {
        if (!record.checked.includes(r.step)) record.checked.push(r.step);
        if (!record.done.includes(r.step)) record.done.push(r.step);
      }
    }
    record.checked.sort((a, b) => a - b);
    record.done.sort((a, b) => a - b);
    record = save(id, record);
    show();
    const has = (/** @type {number} */ i, /** @type {string} */ kind) => mine.some((r) => r.step === i && r.kind === kind);
    for (const i of record.done) if (!has(i, "step")) report(i, "step");
    for (const [i, answer] of Object.entries(record.answered)) if (!has(Number(i), "answer")) report(Number(i), "answer", answer);
  };

  let pending = false;
  const judge = () => {
    pending = false;
    let passed;
    try {
      passed = lab.judge(checks, record.reset || 0);
    } catch (err) {
      console.error(err);
      return;
    }
    let changed = false;
    passed.forEach((ok, i) => {
      if (ok && !record.checked.includes(i)) {
        record.checked.push(i);
        changed = true;
      }
    });
    if (changed) {
      record.checked.sort((a, b) => a - b);
      record = save(id, record);
      show();
      update();
    }
  };
  const soon = () => {
    if (!pending) {
      pending = true;
      window.setTimeout(judge, 100);
    }
  };
  lab.on("*", soon);

  /**
   * @param {HTMLElement} form
   * @param {{result: string, message: string}} v
   */
  function verdict(form, v) {
    form.dataset.result = v.result;
    find(form, "[data-testid=answer-verdict]", HTMLElement).textContent = v.message;
  }

  /** @param {HTMLElement} form */
  function input(form) {
    return find(form, "input", HTMLInputElement);
  }

  // Answers: Enter in the input submits its form.
  section.addEventListener("submit", async (ev) => {
    const form = ev.target instanceof Element ? ev.target.closest("[data-testid=question]") : null;
    if (!(form instanceof HTMLElement)) return;
    ev.preventDefault();
    const i = steps.indexOf(/** @type {HTMLElement} */ (form.closest("[data-testid=step]")));
    const field = input(form);
    const text = field.value.trim();
    if (!text) {
      verdict(form, { result: "not-a-number", message: "Type your answer first." });
      return;
    }
    let v;
    try {
      v = await lab.answer((await questions)[i] || "", text, record.reset || 0);
    } catch (err) {
      console.error(err);
      verdict(form, { result: "not-yet", message: "This answer could not be judged: see the browser's console." });
      return;
    }
    verdict(form, v);
    if (v.ok) {
      record.answered[i] = text;
      record = save(id, record);
      report(i, "answer", text);
      update();
    } else {
      field.select();
    }
  });

  section.addEventListener("click", (ev) => {
    const button = ev.target instanceof Element ? ev.target.closest("button[data-action]") : null;
    if (!(button instanceof HTMLElement)) return;
    if (button.dataset.action === "hint") {
      const hidden = /** @type {HTMLElement[]} */ ([...(button.parentElement || section).querySelectorAll(".ws-hint[hidden]")]);
      if (hidden.length) hidden[0].hidden = false;
      const left = hidden.length - 1;
      button.hidden = left <= 0;
      button.textContent = left > 0 ? `Show another hint (${left} left)` : "Show a hint";
    }
    if (button.dataset.action === "reset-progress") {
      // Only events after this moment count: the later of the last
      // event's time (Go's, to the nanosecond) and the clock's.
      const trace = lab.trace();
      const now = new Date().toISOString();
      const reset = trace.length ? later(trace[trace.length - 1].time, now) : now;
      record = save(id, { steps: steps.length, done: [], checked: [], answered: {}, reset });
      for (const form of /** @type {NodeListOf<HTMLElement>} */ (section.querySelectorAll("[data-testid=question]"))) {
        input(form).value = "";
        verdict(form, { result: "", message: "" });
      }
      show();
    }
  });

  // Another tab of this browser saved: take its ticks (or its Reset).
  window.addEventListener("storage", (ev) => {
    if (ev.key !== KEY && ev.key !== null) return;
    const before = record.reset;
    record = merge(record, load(id));
    record.steps = steps.length;
    show();
    if (record.reset !== before) judge(); // judged again after the new Reset
    update();
  });

  // socketlab.progress(): every exercise's progress in this browser.
  lab.progress = () => {
    const all = JSON.parse(localStorage.getItem("socketlab.progress") || "{}");
    for (const r of Object.values(all)) r.complete = r.done.length >= r.steps;
    return all;
  };
  show();
  judge();
  mergeServer().catch((err) => console.error("read progress from the server:", err));
  mountExerciseWire(section, lab, bus);
}

/**
 * An exercise's wire (its front matter's wire:, data-wire) is set on the
 * session's port when the lab is ready, and again on a fresh session (its
 * port starts clear); a line under the progress says what it set, or why
 * it could not; the wire panel is told ("ran" on the bus) to show it.
 * @param {HTMLElement} section
 * @param {SocketLab} lab
 * @param {EventTarget} bus
 */
function mountExerciseWire(section, lab, bus) {
  if (!section.dataset.wire) return;
  /** @type {{hold?: boolean, loss?: number, delay?: number, jitter?: number, duplicate?: number, reorder?: number, rate?: number, seed?: number}} */
  const w = JSON.parse(section.dataset.wire);
  const line = Object.assign(document.createElement("p"), { className: "ws-wire" });
  line.dataset.testid = "worksheet-wire";
  line.setAttribute("role", "status");
  section.querySelector(".ws-progress")?.after(line);
  const said = wireWords(w);
  const apply = async () => {
    try {
      await lab.ready;
      // The seed first: the choices after it are the exercise's.
      if (w.seed !== undefined) await lab.wire.seed(w.seed);
      if (w.loss) await lab.wire.loss(w.loss);
      if (w.delay) await lab.wire.delay(w.delay, w.jitter || 0);
      if (w.duplicate) await lab.wire.duplicate(w.duplicate);
      if (w.reorder) await lab.wire.reorder(w.reorder);
      if (w.rate) await lab.wire.rate(w.rate);
      if (w.hold) await lab.wire.pause();
      line.textContent = `This exercise sets the wire: ${said}.`;
    } catch (err) {
      line.textContent = `This exercise wants the wire set (${said}), but it could not be: ${err instanceof Error ? err.message : err}.`;
    }
    bus.dispatchEvent(new CustomEvent("ran", { detail: 0 }));
  };
  void apply();
  lab.on("session", (e) => {
    if (e.session?.what === "reconnected") void apply();
  });
}

/**
 * The words for an exercise's wire.
 * @param {{hold?: boolean, loss?: number, delay?: number, jitter?: number, duplicate?: number, reorder?: number, rate?: number, seed?: number}} w
 */
function wireWords(w) {
  const pct = (/** @type {number} */ p) => `${Math.round(p * 1000) / 10}%`;
  const ms = (/** @type {number} */ s) => `${Math.round(s * 1000)} ms`;
  const words = [];
  if (w.hold) words.push("every packet held until you step it");
  if (w.loss) words.push(`${pct(w.loss)} loss`);
  if (w.delay) words.push(`${ms(w.delay)} delay${w.jitter ? ` ± ${ms(w.jitter)}` : ""}`);
  if (w.duplicate) words.push(`${pct(w.duplicate)} duplicated`);
  if (w.reorder) words.push(`${pct(w.reorder)} reordered`);
  if (w.rate) words.push(`${w.rate} bytes a second`);
  if (w.seed !== undefined) words.push(`seed ${w.seed}`);
  return words.join(", ") || "clear";
}

/** The words for a step's state (worksheet.css draws its mark). */
const STATUS = {
  todo: "not done yet",
  answer: "check passed: answer the question to finish",
  done: "done",
};
