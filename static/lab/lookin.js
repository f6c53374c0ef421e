// lookin.js: the instructor's look-in on one student
// (/workshop/{code}/students/{id}): the student's trace, mirrored from
// their page through the server's stream (.../trace: "trace" events,
// {reset, events}), drawn read-only by mirror.js. While this page is
// open, the student's page says the instructor is looking.

import { find } from "./format.js";
import { mirrorSource, mountMirror } from "./mirror.js";

/** @import { LabEvent, TCPFlagBit } from "../socketlab" */

const { workshop = "", student = "", address = "", flagBits = "[]" } = document.body.dataset;
/** @type {TCPFlagBit[]} */
const bits = JSON.parse(flagBits);
const main = find(null, "[data-testid=lookin]", HTMLElement);
const status = find(null, "#live-status", HTMLElement);

/** @type {{push: (evs: LabEvent[]) => void, stop: () => void} | null} */
let shown = null;

function reset() {
  shown?.stop();
  const m = mirrorSource(address, bits);
  shown = { push: m.push, stop: mountMirror(main, m.source) };
  return shown;
}

const stream = new EventSource(`/api/workshops/${encodeURIComponent(workshop)}/students/${encodeURIComponent(student)}/trace`);
stream.addEventListener("trace", (ev) => {
  const d = JSON.parse(/** @type {MessageEvent<string>} */ (ev).data);
  const m = d.reset || !shown ? reset() : shown;
  m.push(d.events);
  status.textContent = "Live: the student’s page says you are looking";
});
stream.addEventListener("error", () => {
  status.textContent = "Reconnecting…";
});
