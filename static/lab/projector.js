// projector.js: the spotlit trace for the room's projector
// (/workshop/{code}/projector), from the spotlight's stream
// (/api/workshops/{code}/spotlight/trace: "spotlight" events, {on, name,
// reset, events}), drawn read-only by mirror.js, as the class sees it.

import { find } from "./format.js";
import { mirrorSource, mountMirror } from "./mirror.js";

/** @import { LabEvent, TCPFlagBit } from "../socketlab" */

const { workshop = "", flagBits = "[]" } = document.body.dataset;
/** @type {TCPFlagBit[]} */
const bits = JSON.parse(flagBits);
const title = find(null, "[data-testid=projector-title]", HTMLElement);
const views = find(null, "[data-testid=projector-views]", HTMLElement);
const status = find(null, "#live-status", HTMLElement);

/** @type {{push: (evs: LabEvent[]) => void, stop: () => void} | null} */
let shown = null;

/** @param {string} address the spotlit student's host */
function reset(address) {
  shown?.stop();
  const m = mirrorSource(address, bits);
  shown = { push: m.push, stop: mountMirror(views, m.source) };
  return shown;
}

const stream = new EventSource(`/api/workshops/${encodeURIComponent(workshop)}/spotlight/trace`);
stream.addEventListener("spotlight", (ev) => {
  /** @type {{on: boolean, name: string, address?: string, reset: boolean, events: LabEvent[]}} */
  const d = JSON.parse(/** @type {MessageEvent<string>} */ (ev).data);
  status.textContent = "Live";
  views.hidden = !d.on;
  if (!d.on) {
    title.textContent = "Nothing is spotlit";
    shown?.stop();
    shown = null;
    return;
  }
  title.textContent = `Spotlight: ${d.name}’s lab`;
  const m = d.reset || !shown ? reset(d.address || "") : shown;
  m.push(d.events);
});
stream.addEventListener("error", () => {
  status.textContent = "Reconnecting…";
});
