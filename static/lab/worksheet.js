// worksheet.js: an exercise beside the lab. Each step ticks the moment its
// check passes in the student's own trace (judged by lab.wasm), shows what
// just happened on the wire, and stays ticked (saved in this browser)
// until Reset.
import { load, save, summary } from "./progress.js";

export function mountWorksheet(section, lab, bus) {
  const id = section.dataset.exercise;
  const checks = section.dataset.checks; // JSON, one check a step
  const steps = [...section.querySelectorAll("[data-testid=step]")];
  const progressText = section.querySelector("[data-testid=worksheet-progress]");
  const doneNote = section.querySelector("[data-testid=worksheet-done]");
  let record = load(id);
  record.steps = steps.length;

  const show = () => {
    steps.forEach((li, i) => {
      const passed = record.done.includes(i);
      li.dataset.passed = String(passed);
      li.querySelector(".status").textContent = passed ? "done" : "not done yet";
      const explain = li.querySelector("[data-testid=explain]");
      if (explain) explain.hidden = !passed;
    });
    progressText.textContent = summary(record, steps.length) === "not started"
      ? `0 of ${steps.length} steps`
      : summary(record, steps.length);
    doneNote.hidden = record.done.length < steps.length;
  };

  let pending = false;
  const judge = () => {
    pending = false;
    let passed;
    try {
      passed = lab.judge(checks, record.since || 0);
    } catch (err) {
      console.error(err);
      return;
    }
    let changed = false;
    passed.forEach((ok, i) => {
      if (ok && !record.done.includes(i)) {
        record.done.push(i);
        changed = true;
      }
    });
    if (changed) {
      record.done.sort((a, b) => a - b);
      save(id, record);
      show();
    }
  };
  const soon = () => {
    if (!pending) {
      pending = true;
      setTimeout(judge, 100);
    }
  };
  lab.on("*", soon);

  section.addEventListener("click", (ev) => {
    const button = ev.target.closest("button[data-action]");
    if (!button) return;
    if (button.dataset.action === "hint") {
      const hidden = [...button.parentElement.querySelectorAll(".ws-hint[hidden]")];
      if (hidden.length) hidden[0].hidden = false;
      const left = hidden.length - 1;
      button.hidden = left <= 0;
      button.textContent = left > 0 ? `Show another hint (${left} left)` : "Show a hint";
    }
    if (button.dataset.action === "reset-progress") {
      const trace = lab.trace();
      record = { steps: steps.length, done: [], since: trace.length ? trace[trace.length - 1].seq : 0 };
      save(id, record);
      show();
    }
  });

  // socketlab.progress(): every exercise's progress in this browser.
  lab.progress = () => {
    const all = JSON.parse(localStorage.getItem("socketlab.progress") || "{}");
    for (const [key, r] of Object.entries(all)) r.complete = r.done.length >= r.steps;
    return all;
  };
  show();
  judge();
}
