// bus.js: the lab page's event bus, shared by app.js, the console and the
// views. It carries CustomEvents:
//
//   "select-packet"  detail: seq      a packet was selected (row or arrow)
//   "clear"          detail: lastSeq  Clear view: forget events with seq ≤ lastSeq
//   "ran"            detail: 0        the console ran a line, or the worksheet set the
//                                     exercise's wire: the wire may have changed
//
//   import { bus, emit } from "./bus.js";
//   bus.addEventListener("clear", (e) => forgetUpTo(e.detail));
//   emit("select-packet", 42);

export const bus = new EventTarget();

/**
 * @param {"select-packet" | "clear" | "ran"} type
 * @param {number} detail
 */
export function emit(type, detail) {
  bus.dispatchEvent(new CustomEvent(type, { detail }));
}
