// mirror.js: a student's trace shown on another page (the instructor's
// look-in, a classmate's spotlight), read-only, with the lab page's own
// views (diagram.js, packets.js) over a source that holds the events Go
// sent, and the calls listed as the console words them.
//
//   const m = mirrorSource(address, tcpFlagBits); m.push(events)
//   const stop = mountMirror(root, m.source)

import { mountDiagram } from "./diagram.js";
import { mountPackets } from "./packets.js";
import { callOutcome, callText, find, isSetupCall, subscribe } from "./format.js";

/** @import { LabEvent, TCPFlagBit, TraceSource } from "../socketlab" */

// MAX_EVENTS bounds what a page keeps: bridge.MaxMirrorKept.
const MAX_EVENTS = 500;

/**
 * mirrorSource is a TraceSource fed by push, with events in order of seq
 * (a repeated or older seq is left out).
 * @param {string} address the student's host
 * @param {TCPFlagBit[]} tcpFlagBits
 */
export function mirrorSource(address, tcpFlagBits) {
  /** @type {LabEvent[]} */
  const events = [];
  /** @type {Set<(e: LabEvent) => void>} */
  const listeners = new Set();
  let last = 0;
  /** @type {TraceSource} */
  const source = {
    whose: "their",
    tcpFlagBits,
    ready: Promise.resolve({ address, session: "", services: [] }),
    trace: () => events.slice(),
    on: /** @type {TraceSource["on"]} */ (
      /** @type {unknown} */ (
        /**
         * @param {string} kind
         * @param {(e: LabEvent) => void} fn
         */
        (kind, fn) => {
          /** @param {LabEvent} e */
          const l = (e) => { if (kind === "*" || e.kind === kind) fn(e); };
          listeners.add(l);
          return () => { listeners.delete(l); };
        }
      )
    ),
  };
  return {
    source,
    /** @param {LabEvent[]} list */
    push(list) {
      for (const e of list || []) {
        if (!e || typeof e.seq !== "number" || e.seq <= last) continue;
        last = e.seq;
        events.push(e);
        if (events.length > MAX_EVENTS) events.shift();
        for (const l of [...listeners]) l(e);
      }
    },
  };
}

/**
 * mountMirror draws source into root's mirror views (pages' mirrorViews),
 * with a bus of their own; it returns the function that takes them down.
 * @param {HTMLElement} root
 * @param {TraceSource} source
 * @returns {() => void}
 */
export function mountMirror(root, source) {
  const bus = new EventTarget();
  const diagram = mountDiagram(find(root, ".mirror-diagram", HTMLElement), source, bus);
  const packets = mountPackets(find(root, ".mirror-packets", HTMLElement), source, bus);
  const calls = find(root, "[data-part=calls]", HTMLElement);
  calls.replaceChildren();
  // The list scrolls in its transcript's box: it follows the newest call
  // while the reader is at the end, and stays where they scrolled to.
  const scroller = /** @type {HTMLElement} */ (calls.closest(".mirror-transcript") || calls);
  let stop = () => {};
  let stopped = false;
  void source.ready.then(({ address }) => {
    if (stopped) return;
    stop = subscribe(source, (e) => {
      if (e.kind !== "call" || !e.call) return;
      // The lab server's own set-up (its services' socket, bind, listen)
      // is one note in the diagram; the list is the student's calls and
      // the server's answers to them.
      if (e.host !== address && isSetupCall(e.call)) return;
      const li = document.createElement("li");
      li.dataset.testid = "mirror-call";
      const outcome = callOutcome(e.call);
      li.textContent = `${e.host}: ${callText(e.call)}${outcome ? ` → ${outcome}` : ""}`;
      const atEnd = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 32;
      calls.append(li);
      if (atEnd) scroller.scrollTop = scroller.scrollHeight;
    });
  });
  return () => {
    stopped = true;
    stop();
    diagram.destroy();
    packets.destroy();
  };
}
