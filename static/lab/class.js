// class.js: a workshop student's view of the class, under the lab page's
// header (the class bar): the instructor's message, which the student may
// dismiss until the next one, and, while the instructor paces the class,
// which of the workshop's exercises are open (and, on an exercise locked
// while the student is on it, that its steps are not sent). Both follow the server's
// workshop messages (socketlab.onWorkshop), pushed over the bridge as
// they change: the page never asks. The message is text, set with
// textContent. While the instructor sets the wire for the whole room, it
// says so, in words (the wire panel shows the values, disabled).

/** @import { WorkshopState } from "../socketlab" */

import { dirsText } from "./wire.js";

const bar = /** @type {HTMLElement | null} */ (document.querySelector("[data-testid=class-bar]"));
const message = bar?.querySelector("[data-testid=class-message]");
const dismiss = /** @type {HTMLButtonElement | null | undefined} */ (bar?.querySelector("[data-testid=dismiss-message]"));
const nav = /** @type {HTMLElement | null | undefined} */ (bar?.querySelector("[data-testid=class-exercises]"));
const items = /** @type {HTMLElement[]} */ ([...(bar?.querySelectorAll("[data-testid=class-exercise]") || [])]);
const wireNote = bar?.querySelector("[data-testid=class-wire]");
const lockedHere = /** @type {HTMLElement | null | undefined} */ (bar?.querySelector("[data-testid=class-locked-here]"));
/** The exercise this page is, if it is one. */
const here = /** @type {HTMLElement | null} */ (document.querySelector("[data-testid=worksheet]"))?.dataset.exercise;

/** Where the last message the student dismissed is kept, for this tab. */
const DISMISSED = `socketlab-dismissed-${bar?.dataset.workshopCode || ""}`;

/** @type {WorkshopState | undefined} */
let last;

/** @param {WorkshopState} state */
function show(state) {
  last = state;
  if (!message || !dismiss || !nav) return;
  const dismissed = sessionStorage.getItem(DISMISSED) === String(state.message_id);
  const text = state.message && !dismissed ? `From your instructor: ${state.message}` : "";
  if (message.textContent !== text) message.textContent = text;
  dismiss.hidden = text === "";
  const wire = state.wire
    ? `Your instructor set the wire for the whole room: ${dirsText(state.wire, "on what you send", "on what comes to you")}. Pause and Step are still yours.`
    : "";
  if (wireNote && wireNote.textContent !== wire) wireNote.textContent = wire;
  nav.hidden = state.locked_after === 0;
  items.forEach((li, i) => {
    const locked = state.locked_after > 0 && i >= state.locked_after;
    li.dataset.locked = String(locked);
    const [link, words] = /** @type {HTMLElement[]} */ ([...li.children]);
    link.hidden = locked;
    words.hidden = !locked;
    if (lockedHere && li.dataset.exercise === here) lockedHere.hidden = !locked;
  });
}

async function start() {
  while (!window.socketlab) await new Promise((r) => setTimeout(r, 50));
  dismiss?.addEventListener("click", () => {
    if (!last) return;
    sessionStorage.setItem(DISMISSED, String(last.message_id));
    show(last);
  });
  window.socketlab.onWorkshop(show);
}

if (bar) void start();

export {}; // a module: its names are its own
