// progress.js: a student's worksheet progress, kept in this browser
// (localStorage), for self-paced work. One record per exercise:
//   { steps: 6, done: [0, 1, 3], checked: [0, 1, 2, 3], answered: {"1": "49152"},
//     reset: "2026-11-24T10:31:07.123456789Z", updated: "2026-11-24T…" }
// done are the steps ticked; checked the steps whose check has passed;
// answered the steps whose question was answered right, with the answer.
// reset is the time of the last event before the last Reset: only later
// events count (a time, as a new session's event numbers start again).
//
// Tabs on one exercise share its record: saving merges what this tab knows
// with what is stored, so a tick is never lost except by Reset (the record
// with the later reset wins whole).

/** @typedef {import("../socketlab").WorksheetProgress} Progress */

export const KEY = "socketlab.progress";

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
  if (!p || !Array.isArray(p.done)) return { steps: 0, done: [], checked: [], answered: {} };
  // A record from before questions: its done steps had passed their checks.
  if (!Array.isArray(p.checked)) p.checked = [...p.done];
  if (!p.answered || typeof p.answered !== "object") p.answered = {};
  // A record from before reset times held an event number, which means
  // nothing to another session: its Reset is kept only as its ticks are.
  if (typeof p.reset !== "string") delete p.reset;
  delete (/** @type {{since?: unknown}} */ (p)).since;
  return p;
}

/**
 * save merges record into what is stored for id (another tab's ticks
 * included), stores it, and returns the merged record.
 * @param {string} id
 * @param {Progress} record
 * @returns {Progress}
 */
export function save(id, record) {
  const all = loadAll();
  const merged = all[id] ? merge(record, load(id)) : record;
  all[id] = { ...merged, updated: new Date().toISOString() };
  try {
    localStorage.setItem(KEY, JSON.stringify(all));
  } catch {
    // Storage full or disabled: progress lasts as long as the page.
  }
  return all[id];
}

/**
 * merge is one record from two tabs' records of an exercise: the one with
 * the later reset, or, after the same reset, every tick and answer of both.
 * @param {Progress} a
 * @param {Progress} b
 * @returns {Progress}
 */
export function merge(a, b) {
  const order = compareTimes(a.reset || "", b.reset || "");
  if (order > 0) return a;
  if (order < 0) return b;
  /** @param {number[]} x @param {number[]} y */
  const union = (x, y) => [...new Set([...x, ...y])].sort((m, n) => m - n);
  const out = {
    steps: Math.max(a.steps, b.steps),
    done: union(a.done, b.done),
    checked: union(a.checked, b.checked),
    answered: { ...b.answered, ...a.answered },
  };
  return a.reset ? { ...out, reset: a.reset } : out;
}

/**
 * compareTimes orders two RFC 3339 times ("" first) to the nanosecond,
 * whatever their offsets: Date.parse gives the millisecond, the digits
 * after it the rest.
 * @param {string} a
 * @param {string} b
 */
export function compareTimes(a, b) {
  /** @param {string} t */
  const key = (t) => {
    if (!t) return [-Infinity, 0];
    const frac = (/^[^.]*T[\d:]+\.(\d+)/.exec(t)?.[1] || "").padEnd(9, "0");
    return [Date.parse(t), Number(frac.slice(3, 9))];
  };
  const [ka, kb] = [key(a), key(b)];
  return Math.sign(ka[0] - kb[0]) || Math.sign(ka[1] - kb[1]);
}

/**
 * later is the later of two RFC 3339 times.
 * @param {string} a
 * @param {string} b
 */
export function later(a, b) {
  return compareTimes(a, b) >= 0 ? a : b;
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
