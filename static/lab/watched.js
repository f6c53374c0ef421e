// watched.js: a workshop lab page's side of look-in and spotlight. It
// says, in a live region, while the instructor looks at this lab or shows
// it to the class (socketlab.watched(), after each socketlab.onWatch),
// and shows a classmate's spotlit trace, read-only, with mirror.js.

import { find } from "./format.js";
import { mountMirror } from "./mirror.js";

/** @import { SocketLab, TraceSource } from "../socketlab" */

const note = find(null, "[data-testid=watched-note]", HTMLElement);
const panel = find(null, "[data-testid=spotlight]", HTMLElement);
const title = find(null, "[data-testid=spotlight-title]", HTMLElement);
const skipped = find(null, "[data-testid=spotlight-skipped]", HTMLElement);

/** @type {(() => void) | null} */
let stopSpot = null;

/** @param {SocketLab} lab */
function update(lab) {
  const st = lab.watched();
  const words = [];
  if (st.look) words.push("Your instructor is looking at your lab");
  if (st.spotlight) words.push(st.look ? "showing it to the class" : "Your instructor is showing your lab to the class");
  note.textContent = words.join(", and ");
  stopSpot?.();
  stopSpot = null;
  panel.hidden = !st.classmate;
  if (!st.classmate) return;
  title.textContent = `Spotlight: ${st.classmate.name}’s lab`;
  const n = st.classmate.skipped;
  skipped.textContent = n > 0 ? `Some events were skipped (${n}): your connection was busy, so the trace below misses them.` : "";
  /** @type {TraceSource} */
  const source = {
    whose: "their",
    tcpFlagBits: lab.tcpFlagBits,
    ready: Promise.resolve({ address: st.classmate.address, session: "", services: [] }),
    trace: () => lab.spotlight(),
    on: /** @type {TraceSource["on"]} */ (
      /** @type {unknown} */ (
        /**
         * @param {string} _kind
         * @param {(e: import("../socketlab").LabEvent) => void} fn
         */
        (_kind, fn) => lab.onSpotlight(fn)
      )
    ),
  };
  stopSpot = mountMirror(panel, source);
}

async function start() {
  while (!globalThis.socketlab) await new Promise((r) => setTimeout(r, 50));
  const lab = globalThis.socketlab;
  lab.onWatch(() => update(lab));
  update(lab);
}

start();
