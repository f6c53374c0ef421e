// progress.js: a student's worksheet progress, kept in this browser
// (localStorage), for self-paced work. One record per exercise:
//   { steps: 6, done: [0, 1, 3], checked: [0, 1, 2, 3], answered: {"1": "49152"},
//     since: 42, updated: "2026-11-24T…" }
// done are the steps ticked; checked the steps whose check has passed;
// answered the steps whose question was answered right, with the answer.
// since is the trace's event number at the last reset: only later events count.

/** @typedef {import("../socketlab").WorksheetProgress} Progress */

const KEY = "socketlab.progress";

/** @returns {Record<string, Progress>} */
export function loadAll() {
  try {
    const all = JSON.parse(localStorage.getItem(KEY) || "{}");
    return all && typeof all === "object" ? all : {};
  } catch {
    return {};
  }
}

/**
 * @param {string} id
 * @returns {Progress}
 */
export function load(id) {
  const p = loadAll()[id];
  if (!p || !Array.isArray(p.done)) return { steps: 0, done: [], checked: [], answered: {}, since: 0 };
  // A record from before questions: its done steps had passed their checks.
  if (!Array.isArray(p.checked)) p.checked = [...p.done];
  if (!p.answered || typeof p.answered !== "object") p.answered = {};
  return p;
}

/**
 * @param {string} id
 * @param {Progress} record
 */
export function save(id, record) {
  const all = loadAll();
  all[id] = { ...record, updated: new Date().toISOString() };
  try {
    localStorage.setItem(KEY, JSON.stringify(all));
  } catch {
    // Storage full or disabled: progress lasts as long as the page.
  }
}

// summary is the words for a record: "not started", "2 of 6 steps", "done".
/**
 * @param {Progress} record
 * @param {number} steps
 */
export function summary(record, steps) {
  const n = record.done.length;
  if (n === 0) return "not started";
  if (n >= steps) return "done ✓";
  return `${n} of ${steps} steps`;
}
