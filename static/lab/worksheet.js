// worksheet.js: an exercise beside the lab. A step's check passes the
// moment the student's own trace holds what it asks for (judged by
// lab.wasm); a step's question is answered from that same trace (judged by
// lab.wasm too: the right answer is this student's, never a fixed one). A
// step ticks when its check has passed and its question, if any, is
// answered right; it then shows what just happened on the wire, and stays
// ticked (saved in this browser) until Reset.
import { load, save, summary } from "./progress.js";

export function mountWorksheet(section, lab, bus) {
  const id = section.dataset.exercise;
  const checks = section.dataset.checks; // JSON, one check a step
  const steps = [...section.querySelectorAll("[data-testid=step]")];
  const progressText = section.querySelector("[data-testid=worksheet-progress]");
  const doneNote = section.querySelector("[data-testid=worksheet-done]");
  let record = load(id);
  record.steps = steps.length;

  const question = (i) => steps[i].querySelector("[data-testid=question]");
  const complete = (i) =>
    record.checked.includes(i) && (!question(i) || record.answered[i] !== undefined);

  const show = () => {
    steps.forEach((li, i) => {
      const passed = record.done.includes(i);
      li.dataset.passed = String(passed);
      li.querySelector(".status").textContent = passed ? "done" : "not done yet";
      const explain = li.querySelector("[data-testid=explain]");
      if (explain) explain.hidden = !passed;
      const form = question(i);
      if (form && record.answered[i] !== undefined && form.dataset.result !== "right") {
        form.querySelector("input").value = record.answered[i];
        verdict(form, { result: "right", message: "You answered this from your trace." });
      }
    });
    progressText.textContent = summary(record, steps.length) === "not started"
      ? `0 of ${steps.length} steps`
      : summary(record, steps.length);
    doneNote.hidden = record.done.length < steps.length;
  };

  // update ticks the steps that have just become complete, and saves and
  // shows them. A ticked step stays ticked until Reset.
  const update = () => {
    const now = steps.map((_, i) => i).filter((i) => !record.done.includes(i) && complete(i));
    if (!now.length) return;
    record.done.push(...now);
    record.done.sort((a, b) => a - b);
    save(id, record);
    show();
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
      if (ok && !record.checked.includes(i)) {
        record.checked.push(i);
        changed = true;
      }
    });
    if (changed) {
      record.checked.sort((a, b) => a - b);
      save(id, record);
      update();
    }
  };
  const soon = () => {
    if (!pending) {
      pending = true;
      setTimeout(judge, 100);
    }
  };
  lab.on("*", soon);

  function verdict(form, v) {
    form.dataset.result = v.result;
    form.querySelector("[data-testid=answer-verdict]").textContent = v.message;
  }

  // Answers: Enter in the input submits its form.
  section.addEventListener("submit", async (ev) => {
    const form = ev.target.closest("[data-testid=question]");
    if (!form) return;
    ev.preventDefault();
    const i = steps.indexOf(form.closest("[data-testid=step]"));
    const input = form.querySelector("input");
    const text = input.value.trim();
    if (!text) {
      verdict(form, { result: "not-a-number", message: "Type your answer first." });
      return;
    }
    let v;
    try {
      v = await lab.answer(form.dataset.question, text, record.since || 0);
    } catch (err) {
      console.error(err);
      verdict(form, { result: "not-yet", message: "This answer could not be judged: see the browser's console." });
      return;
    }
    verdict(form, v);
    if (v.ok) {
      record.answered[i] = text;
      save(id, record);
      update();
    } else {
      input.select();
    }
  });

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
      record = { steps: steps.length, done: [], checked: [], answered: {}, since: trace.length ? trace[trace.length - 1].seq : 0 };
      save(id, record);
      for (const form of section.querySelectorAll("[data-testid=question]")) {
        form.querySelector("input").value = "";
        verdict(form, { result: "", message: "" });
      }
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
