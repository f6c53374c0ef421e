// diagram.js: the live sequence diagram. One lifeline per host (the
// student's host on the left, the lab server on the right, any other
// address after them), time flowing down in the order of events: socket
// calls as notes on their host's lifeline, packets as arrows from sender
// to receiver, TCP state changes written beside the lifeline, session
// events as separators across, and what the wire between the student's
// host and the switch did to a packet at the switch, halfway between the
// lanes: held (it waits there), released (it goes on), lost (a cross),
// delayed, duplicated, reordered. The same story is told as text in
// #diagram-text.
//
// A call is a span: one that waited (a recv for data, an accept for a
// client, a connect for its handshake) is drawn where it began, with its
// arguments, and where it returned, with its result, joined by a bar
// along its lifeline; one that returned at once is one box. Where a call
// began and returned among the rows is read from the times, which the
// trace keeps in order (lab.Trace). While a call of the student's has
// been waiting a second or more, a line under the diagram says what it
// waits for (socketlab.waiting()). With more than one connection, each
// arrow carries its ports at its ends and each call its connection's
// port on the student's side, as Wireshark's flow graph does.
//
//   mountDiagram(sectionEl, lab, bus)

import {
  Hosts, addrOf, callOutcome, callText, errorName, find, h, isSetupCall, micros, packetKind, packetLabel,
  portOf, readyAddress, s, shortResult, subscribe,
} from "./format.js";

/** @import { Blocked, Call, CallEvent, LabEvent, PacketEvent, SessionEventEvent, SocketLab, StateEvent, TraceSource, WireEventEvent } from "../socketlab" */
/**
 * @typedef {object} Item a row of the diagram
 * @property {"session" | "setup" | "packet" | "call" | "callstart" | "state" | "wire"} type
 * @property {LabEvent[]} events the events it shows: one, or a run of session or set-up events
 * @property {string} [host] a set-up's host
 * @property {number} seq its first event's
 * @property {number} y
 * @property {SVGGElement | null} [node] as drawn
 * @property {SVGGElement} [g] an arrow's
 * @property {number} [no] a packet's number, counted as the packet list's No. column counts
 * @property {"held" | "dropped"} [stopped] a packet's: the wire held or lost it at the switch
 * @property {Item} [startRow] a call's that waited: the row where it began (a "callstart")
 */
/** @typedef {{x: number, index: number, role: string}} Lane */

// Vertical pitch of each kind of row, in pixels: order, not time, places
// things, so a busy second does not squash and a pause does not stretch.
const PITCH = { packet: 38, call: 28, callstart: 28, state: 22, session: 32, wire: 26, setupLine: 15 };

// A call that took less than this returned at once, as far as the
// diagram draws it: one box. (The lab server's times reach the page
// converted by an estimate good to about a millisecond.)
const AT_ONCE_US = 5000;
// A call placed where it began (a send, a close) waits only for room in
// its buffers: shorter than this, it is the tab's own slowness.
const SENT_AT_ONCE_US = 50_000;

// What a call that waited waited for, in words.
/** @type {Record<string, string>} */
const WAITS_FOR = {
  accept: "for a client to connect",
  connect: "for the handshake",
  recv: "for data",
  recvfrom: "for a datagram",
  send: "for room to send",
  sendall: "for room to send",
};

// What the wire did, in words: the diagram's label, and the text's.
/** @type {Record<string, [string, string]>} */
const WIRE_WORDS = {
  held: ["▮▮ held", "held at the switch"],
  released: ["▶ released", "released from the switch"],
  dropped: ["✕ lost", "lost at the switch"],
  delayed: ["◔ delayed", "delayed at the switch"],
  duplicated: ["×2 duplicated", "duplicated at the switch"],
  reordered: ["⇅ held back", "held back at the switch until the next packet has passed"],
};
const TOP = 10; // room above the first row
const SLOPE = 10; // how far an arrow falls from sender to receiver
const HEAD = 9; // arrowhead length

/** @type {Record<string, [number, string]>} */
const SESSION_LABELS = {
  reconnected: [6, "fresh session"],
  hello: [5, "session started"],
  reconnecting: [4, "session ended"],
  closed: [4, "session ended"],
  lost: [3, "connection lost"],
  connected: [2, "connected"],
  connecting: [1, "joining the lab"],
};

// duration says a time in words a student reads: "4.2 ms", "12 ms", "2.1 s".
/** @param {number} us microseconds */
function duration(us) {
  if (us < 10_000) return `${(us / 1000).toFixed(1)} ms`;
  if (us < 1_000_000) return `${Math.round(us / 1000)} ms`;
  return `${(us / 1e6).toFixed(1)} s`;
}

/**
 * @param {HTMLElement | null} sectionEl
 * @param {TraceSource} lab
 * @param {EventTarget} bus
 */
export function mountDiagram(sectionEl, lab, bus) {
  const canvas = find(sectionEl, "[data-part=canvas]", HTMLElement);
  const textList = find(sectionEl, "[data-part=text]", HTMLElement);
  canvas.classList.add("sl-diagram-canvas");
  canvas.replaceChildren();

  const head = h("div", { class: "sl-lanes", "aria-hidden": "true" });
  const svg = s("svg", {
    class: "sl-seq",
    role: "group",
    "aria-label": "Sequence diagram: packets between the hosts, newest at the bottom. Arrow keys move between packets, Enter selects one.",
    width: 600,
    height: 0,
  });
  const lifelines = s("g", { class: "sl-lifelines" });
  const spans = s("g", { class: "sl-spans", "aria-hidden": "true" });
  const rows = s("g", { class: "sl-rows" });
  const probe = s("text", { class: "sl-call-text sl-probe", x: -1000, y: -1000 }, "0000000000");
  svg.append(lifelines, spans, rows, probe);
  const empty = h("p", { class: "sl-empty" }, "No events yet. Packets appear here as you make socket calls in the console.");
  // What a call that has been waiting a second waits for: said once when
  // it changes (role=status); the seconds tick beside it, unannounced.
  const waitWhy = h("span", { "data-part": "why" });
  const waitFor = h("span", { "aria-hidden": "true", "data-part": "for" });
  const waitNote = h("p", { class: "sl-waiting", role: "status", "data-testid": "waiting", hidden: "" }, waitWhy, " ", waitFor);
  canvas.append(head, svg, empty, waitNote);

  const hosts = new Hosts(lab.whose);
  /** @type {Item[]} rows of the diagram, in order */
  const items = [];
  /** @type {Item[]} items of kind "packet", in order */
  const arrows = [];
  /** @type {Map<number, Item>} packet seq → item */
  const bySeq = new Map();
  /** @type {Map<number, Item>} any event's seq → the item showing it */
  const itemOf = new Map();
  /** @type {Item[]} items not drawn yet */
  let pendingItems = [];
  /** @type {HTMLLIElement[]} <li>s not appended yet */
  let pendingText = [];
  /** @type {Set<Item>} drawn items that merged an event, to redraw */
  const dirty = new Set();
  let rebuild = true;
  let frame = 0;
  let width = 0;
  let charW = 7.2;
  /** @type {Map<string, Lane>} addr → lane */
  let lanes = new Map();
  let nextY = TOP;
  /** @type {Map<string, Set<string>>} the student's side of each connection seen, "10.0.1.1:40000", → its peers */
  const conns = new Map();
  let multi = false;
  /** @type {Item | null} */
  let selected = null;
  /** @type {Item | null} the arrow item with tabindex 0 */
  let roving = null;
  let follow = true;

  // --- model ---------------------------------------------------------

  /** @param {LabEvent} e */
  function add(e) {
    if (hosts.learn(e)) rebuild = true;
    if (e.kind === "packet" && e.packet && (e.packet.tcp || e.packet.udp)) {
      const [mine, theirs] = e.packet.dir === "out" ? [e.packet.src, e.packet.dst] : [e.packet.dst, e.packet.src];
      const peers = conns.get(mine) || new Set();
      peers.add(theirs);
      conns.set(mine, peers);
      if (!multi && (conns.size > 1 || peers.size > 1)) { multi = true; rebuild = true; }
    }
    // An event placed before one drawn already (a lab server's call
    // placed before the packets it sent) goes in its own row there.
    const at = e.before ? itemOf.get(e.before) : undefined;
    if (at) {
      if (e.kind === "call" && e.call) spanStart(insert({ type: "call", events: [e] }, at));
      else if (e.kind === "state" && e.state) insert({ type: "state", events: [e] }, at);
      else if (e.kind === "packet" && e.packet) insert({ type: "packet", events: [e] }, at);
      else if (e.kind === "session") insert({ type: "session", events: [e] }, at);
      else if (e.kind === "wire" && e.wire) { stopAt(e); insert({ type: "wire", events: [e] }, at); }
      return;
    }
    const last = items[items.length - 1];
    if (e.kind === "session") {
      if (last && last.type === "session") { merge(last, e); return; }
      // "connected" and "reconnected" follow the hello, sometimes after
      // the lab server's set-up or a packet: they belong to the hello's
      // separator.
      if (e.session && (e.session.what === "connected" || e.session.what === "reconnected")) {
        /** @type {Item | null} */
        let prev = null;
        for (let i = items.length - 1; i >= 0 && !prev; i--) if (items[i].type === "session") prev = items[i];
        const whats = prev ? prev.events.map((x) => x.session?.what) : [];
        if (prev && whats.includes("hello") && !whats.includes("connected") && !whats.includes("reconnected")) { merge(prev, e); return; }
      }
      push({ type: "session", events: [e] });
    } else if (isSetup(e)) {
      if (last && last.type === "setup" && last.host === e.host) { merge(last, e); return; }
      push({ type: "setup", host: e.host, events: [e] });
    } else if (e.kind === "packet" && e.packet) {
      const it = push({ type: "packet", events: [e], no: arrows.length + 1 });
      arrows.push(it);
      bySeq.set(e.seq, it);
    } else if (e.kind === "call" && e.call) {
      spanStart(push({ type: "call", events: [e] }));
    } else if (e.kind === "state" && e.state) {
      push({ type: "state", events: [e] });
    } else if (e.kind === "wire" && e.wire) {
      stopAt(e);
      push({ type: "wire", events: [e] });
    } else {
      return;
    }
  }

  // spanStart gives a call that waited, placed where it returned, a row
  // where it began: before the first row that came after its start.
  /** @param {Item} it */
  function spanStart(it) {
    const e = /** @type {CallEvent} */ (it.events[0]);
    if (!waited(e.call)) return;
    const start = micros(e.call.start);
    const i = items.lastIndexOf(it);
    let j = i;
    while (j > 0 && items[j - 1].type !== "session" && timeOf(items[j - 1]) > start) j--;
    if (j < i) it.startRow = insert({ type: "callstart", events: [e] }, items[j]);
  }

  /** @param {Call} c */
  function waited(c) {
    return !!c.start && !!c.end && micros(c.end) - micros(c.start) >= AT_ONCE_US;
  }

  /** @param {Item} it */
  function timeOf(it) {
    return micros(it.events[0].time);
  }

  // stopAt marks the arrow of a packet the host sent that the wire held or
  // lost at the switch, which Go linked to it: the arrow ends there.
  /** @param {WireEventEvent} e */
  function stopAt(e) {
    const it = e.wire.packet ? bySeq.get(e.wire.packet) : undefined;
    if (!it || (e.wire.action !== "held" && e.wire.action !== "dropped")) return;
    it.stopped = e.wire.action;
    if (!pendingItems.includes(it)) dirty.add(it);
  }

  // isSetup: a server's own set-up (socket, bind, listen, and the LISTEN
  // state it brings), folded into one note instead of a dozen rows.
  /** @param {LabEvent} e */
  function isSetup(e) {
    if (!e.host || hosts.role(e.host) === "client") return false;
    if (e.kind === "call" && e.call) return isSetupCall(e.call);
    if (e.kind === "state" && e.state) return !e.state.peer && (e.state.to === "LISTEN" || e.state.to === "UNCONN");
    return false;
  }

  /**
   * insert puts a new row before the row at, and moves the rows after it
   * down. A packet keeps its number: packets are all the student's host's,
   * recorded in their order, so one is never placed before another.
   * @param {Omit<Item, "seq" | "y">} item
   * @param {Item} at
   */
  function insert(item, at) {
    const i = items.lastIndexOf(at);
    /** @type {Item} */
    const it = { ...item, seq: item.events[0].seq, y: at.y };
    items.splice(i, 0, it);
    for (let j = i + 1; j < items.length; j++) {
      items[j].y = items[j - 1].y + heightOf(items[j - 1]);
      if (!pendingItems.includes(items[j])) dirty.add(items[j]);
    }
    nextY = items[items.length - 1].y + heightOf(items[items.length - 1]);
    if (it.type !== "callstart") for (const e of it.events) itemOf.set(e.seq, it);
    if (it.type === "packet") {
      arrows.push(it);
      it.no = arrows.length;
      bySeq.set(it.seq, it);
    }
    pendingItems.push(it);
    const li = it.type === "callstart" ? startTextItem(/** @type {CallEvent} */ (it.events[0])) : textItem(it.events[0]);
    const k = pendingText.findIndex((x) => x.dataset.seq === String(at.events[0].seq));
    if (k >= 0) pendingText.splice(k, 0, li);
    else {
      const next = textList.querySelector(`li[data-seq="${at.events[0].seq}"]`);
      if (next) next.before(li); else pendingText.push(li);
    }
    schedule();
    return it;
  }

  /** @param {Omit<Item, "seq" | "y">} item */
  function push(item) {
    /** @type {Item} */
    const it = { ...item, seq: item.events[0].seq, y: nextY };
    for (const e of it.events) itemOf.set(e.seq, it);
    items.push(it);
    nextY += heightOf(it);
    pendingItems.push(it);
    pendingText.push(...it.events.map(textItem));
    schedule();
    return it;
  }

  /**
   * @param {Item} it
   * @param {LabEvent} e
   */
  function merge(it, e) {
    it.events.push(e);
    itemOf.set(e.seq, it);
    if (it === items[items.length - 1]) nextY = it.y + heightOf(it);
    if (!pendingItems.includes(it)) dirty.add(it);
    pendingText.push(textItem(e));
    schedule();
  }

  /** @param {Item} it */
  function heightOf(it) {
    if (it.type === "setup") return 12 + setupLines(it).length * PITCH.setupLine;
    return PITCH[it.type];
  }

  /** @param {number} lastSeq */
  function forget(lastSeq) {
    /** @type {Item[]} */
    const keep = [];
    for (const it of items) {
      it.events = it.events.filter((e) => e.seq > lastSeq);
      if (it.events.length) { it.seq = it.events[0].seq; keep.push(it); }
    }
    items.length = 0;
    arrows.length = 0;
    bySeq.clear();
    itemOf.clear();
    nextY = TOP;
    for (const it of keep) {
      items.push(it);
      it.y = nextY;
      nextY += heightOf(it);
      if (it.type === "packet") { arrows.push(it); it.no = arrows.length; bySeq.set(it.seq, it); }
      if (it.type !== "callstart") for (const e of it.events) itemOf.set(e.seq, it);
    }
    if (selected && !bySeq.has(selected.seq)) selected = null;
    if (roving && !bySeq.has(roving.seq)) roving = null;
    for (const li of [...textList.children]) if (li instanceof HTMLElement && Number(li.dataset.seq) <= lastSeq) li.remove();
    pendingText = pendingText.filter((li) => Number(li.dataset.seq) > lastSeq);
    pendingItems = [];
    dirty.clear();
    rebuild = true;
    schedule();
  }

  // --- drawing ---------------------------------------------------------

  function schedule() {
    if (!frame) frame = requestAnimationFrame(flush);
  }

  function flush() {
    frame = 0;
    const w = Math.max(280, Math.floor(canvas.clientWidth || 600));
    if (w !== width) { width = w; rebuild = true; }
    if (rebuild) {
      rebuild = false;
      layoutLanes();
      rows.replaceChildren();
      for (const it of items) it.node = null;
      const frag = document.createDocumentFragment();
      for (const it of items) frag.append(draw(it));
      rows.append(frag);
    } else {
      for (const it of dirty) if (it.node && it.node.isConnected) it.node.replaceWith(draw(it));
      const frag = document.createDocumentFragment();
      for (const it of pendingItems) frag.append(draw(it));
      rows.append(frag);
    }
    dirty.clear();
    pendingItems = [];
    drawSpans();
    if (pendingText.length) {
      const frag = document.createDocumentFragment();
      frag.append(...pendingText);
      textList.append(frag);
      pendingText = [];
    }
    const height = Math.max(nextY + 12, 80);
    svg.setAttribute("height", String(height));
    for (const line of lifelines.querySelectorAll("line")) line.setAttribute("y2", String(height));
    empty.hidden = items.length > 0;
    if (!roving && arrows.length) setRoving(arrows[0]);
    if (selected) markSelected(selected, false);
    if (follow) canvas.scrollTop = canvas.scrollHeight;
  }

  function layoutLanes() {
    svg.setAttribute("width", String(width));
    const len = probe.getComputedTextLength ? probe.getComputedTextLength() : 0;
    if (len > 0) charW = len / 10;
    const order = [...hosts.students, ...hosts.servers, ...hosts.others];
    const n = order.length;
    const pad = Math.min(150, Math.max(52, width * 0.13));
    lanes = new Map();
    order.forEach((addr, i) => {
      const x = n === 1 ? width / 2 : pad + (i * (width - 2 * pad)) / (n - 1);
      lanes.set(addr, { x: Math.round(x) + 0.5, index: i, role: hosts.role(addr) });
    });
    lifelines.replaceChildren();
    head.replaceChildren();
    for (const [addr, lane] of lanes) {
      lifelines.append(s("line", { class: `sl-lifeline sl-${lane.role}`, x1: lane.x, x2: lane.x, y1: 0, y2: 0 }));
      const label = h("div", { class: `sl-lane sl-${lane.role}`, style: `left:${lane.x}px`, "data-host": addr },
        h("span", { class: "sl-lane-role" }, hosts.label(addr)), " ", h("span", { class: "sl-lane-addr" }, addr));
      head.append(label);
    }
    head.style.height = lanes.size ? "" : "0";
  }

  // laneOf is the lane of an address, placing one not seen before (the
  // next rebuild gives it a proper lifeline).
  /**
   * @param {string} addr
   * @returns {Lane}
   */
  function laneOf(addr) {
    let lane = lanes.get(addr);
    if (!lane) {
      hosts.addOther(addr);
      rebuild = true;
      schedule();
      lane = { x: width / 2, index: lanes.size, role: "other" };
    }
    return lane;
  }

  // side says where notes of a lane go: toward the next lane on its
  // right, or, for the last lane, toward the one on its left; and how much
  // room there is.
  /** @param {Lane} lane */
  function side(lane) {
    const n = lanes.size;
    const xs = [...lanes.values()].map((l) => l.x).sort((a, b) => a - b);
    const i = xs.indexOf(lane.x);
    // edge: a note may reach over a neighbour's lifeline (its row is its
    // own), up to the diagram's edge.
    if (n <= 1) return { dir: 1, room: width - lane.x - 10, edge: width - lane.x - 10 };
    if (i < n - 1 || i < 0) return { dir: 1, room: (xs[i + 1] ?? width) - lane.x - 14, edge: width - lane.x - 10 };
    return { dir: -1, room: lane.x - xs[i - 1] - 14, edge: lane.x - 10 };
  }

  /**
   * @param {string} text
   * @param {number} px
   */
  function fit(text, px) {
    const max = Math.max(4, Math.floor(px / charW));
    if (text.length <= max) return text;
    // Whole words where it can: a name must hold the words shown.
    const cut = text.lastIndexOf(" ", max - 1);
    return (cut > 0 ? text.slice(0, cut).replace(/,$/, "") : text.slice(0, max - 1)) + "…";
  }

  /**
   * @param {Item} it
   * @returns {SVGGElement}
   */
  function draw(it) {
    const node = { packet: drawPacket, call: drawCall, callstart: drawCallStart, state: drawState, session: drawSession, setup: drawSetup, wire: drawWire }[it.type](it);
    it.node = node;
    return node;
  }

  /** @param {Item} it */
  function drawPacket(it) {
    const e = /** @type {PacketEvent} */ (it.events[0]);
    const p = e.packet;
    const from = p.dir === "out" ? e.host : addrOf(p.src);
    const to = p.dir === "out" ? addrOf(p.dst) : e.host;
    const a = laneOf(from);
    const b = laneOf(to);
    const kind = packetKind(p);
    const label = packetLabel(p, lab.tcpFlagBits);
    const y1 = it.y + 19;
    const y2 = y1 + SLOPE;
    const stopped = it.stopped ? ` (${WIRE_WORDS[it.stopped][1]})` : "";
    const ports = multi && a.x !== b.x && !it.stopped;
    const g = s("g", {
      class: `sl-arrow sl-kind-${kind} sl-from-${a.role}${it.stopped ? " sl-stopped" : ""}`,
      "data-testid": "arrow",
      "data-seq": e.seq,
      "data-label": label,
      "data-kind": kind,
      "data-stopped": it.stopped || null,
      tabindex: -1,
      role: "button",
      // The ports at its ends, when shown, are part of its name, in the
      // order they are drawn.
      "aria-label": `${label}${ports ? ` ${portOf(p.src)} ${portOf(p.dst)}` : ""} ${arrowTip(e, label, it.no || 0)}${stopped}`,
    });
    let x1 = a.x;
    let x2 = b.x;
    // Held or lost at the switch: the arrow stops halfway, where the
    // wire's row below goes on from.
    if (it.stopped && Math.abs(x2 - x1) >= 1) x2 = Math.round((x1 + x2) / 2) + 0.5;
    /** @type {SVGElement[]} */
    const parts = [];
    if (Math.abs(x2 - x1) < 1) {
      // A host talking to itself: a loop out to the side and back.
      const sd = side(a);
      const dx = sd.dir * 36;
      const path = `M${x1},${y1 - 6} h${dx} v${SLOPE + 6} h${-dx + sd.dir * HEAD}`;
      parts.push(s("rect", { class: "sl-hit", x: Math.min(x1, x1 + dx) - 4, y: it.y + 2, width: Math.abs(dx) + 8 + 180, height: PITCH.packet - 4, rx: 4 }));
      parts.push(s("path", { class: "sl-line", d: path, fill: "none" }));
      parts.push(arrowHead(x1 + sd.dir * HEAD, y2, x1, y2));
      parts.push(s("text", { class: "sl-arrow-label", x: x1 + dx + sd.dir * 6, y: y1 + 4, "text-anchor": sd.dir > 0 ? "start" : "end" }, fit(label, sd.room - 40)));
    } else {
      const dir = Math.sign(x2 - x1);
      const len = Math.hypot(x2 - x1, y2 - y1);
      const ux = (x2 - x1) / len;
      const uy = (y2 - y1) / len;
      const lx = x1 + dir * 1;
      parts.push(s("rect", { class: "sl-hit", x: Math.min(x1, x2) - 2, y: it.y + 1, width: Math.abs(x2 - x1) + 4, height: PITCH.packet - 2, rx: 4 }));
      if (it.stopped) {
        parts.push(s("line", { class: "sl-line", x1: lx, y1, x2, y2 }));
        parts.push(it.stopped === "dropped"
          ? s("path", { class: "sl-wire-cross", d: `M${x2 - 6},${y2 - 6} L${x2 + 6},${y2 + 6} M${x2 - 6},${y2 + 6} L${x2 + 6},${y2 - 6}` })
          : s("rect", { class: "sl-wire-switch sl-wire-held-mark", x: x2 - 6, y: y2 - 6, width: 12, height: 12, rx: 2 }));
      } else {
        parts.push(s("line", { class: "sl-line", x1: lx, y1, x2: x2 - ux * (HEAD - 1), y2: y2 - uy * (HEAD - 1) }));
        parts.push(arrowHead(x1, y1, x2, y2));
      }
      const mid = (x1 + x2) / 2;
      parts.push(s("text", { class: "sl-arrow-label", x: mid, y: y1 + SLOPE / 2 - 5, "text-anchor": "middle" }, fit(label, Math.abs(x2 - x1) - 16)));
    }
    // With several connections, each end of an arrow says its port, as
    // Wireshark's flow graph does (a space before each, which SVG does
    // not draw, keeps the words of the arrow's text apart).
    if (ports) {
      const dir = Math.sign(x2 - x1);
      parts.push(s("text", { class: "sl-port", x: x1 + dir * 4, y: y1 - 3, "text-anchor": dir > 0 ? "start" : "end" }, ` ${portOf(p.src)}`));
      parts.push(s("text", { class: "sl-port", x: x2 - dir * 4, y: y2 + 11, "text-anchor": dir > 0 ? "end" : "start" }, ` ${portOf(p.dst)}`));
    }
    // The tooltip, after the label: the arrow's name is the two.
    parts.push(s("title", {}, ` ${arrowTip(e, label, it.no || 0)}${stopped}`));
    g.append(...parts);
    it.g = g;
    return g;
  }

  /**
   * drawWire draws what the wire did to a packet at the switch, halfway
   * between the student's lane and the lab server's: a held or lost packet
   * comes from its sender to the switch and stops there (a pause mark, a
   * cross); a released one goes on from there to its receiver; the others
   * are a mark at the switch. Its words are its name, for screen readers.
   * @param {Item} it
   */
  function drawWire(it) {
    const e = /** @type {WireEventEvent} */ (it.events[0]);
    const w = e.wire;
    const host = laneOf(e.host);
    const other = lanes.get(hosts.servers[0] || "") || { x: host.x + 120, index: 1, role: "server" };
    const mid = Math.round((host.x + other.x) / 2) + 0.5;
    const [from, to] = w.dir === "out" ? [host, other] : [other, host];
    const y = it.y + PITCH.wire / 2;
    const words = WIRE_WORDS[w.action] || [w.action, w.action];
    const g = s("g", {
      class: `sl-wire sl-wire-${w.action} sl-from-${from.role}`,
      "data-testid": "wire-mark",
      "data-seq": e.seq,
      "data-action": w.action,
      "data-dir": w.dir,
      role: "img",
      "aria-label": wireText(e),
    });
    /** @type {SVGElement[]} */
    const parts = [];
    const toward = Math.sign(to.x - from.x) || 1;
    if (w.action === "held" || w.action === "dropped") {
      parts.push(s("line", { class: "sl-line sl-wire-line", x1: from.x + toward, y1: y, x2: mid - toward * 8, y2: y }));
    } else if (w.action === "released") {
      parts.push(s("line", { class: "sl-line sl-wire-line", x1: mid + toward * 8, y1: y, x2: to.x - toward * (HEAD - 1), y2: y }));
      parts.push(arrowHead(mid, y, to.x, y));
    }
    if (w.action === "dropped") {
      parts.push(s("path", { class: "sl-wire-cross", d: `M${mid - 6},${y - 6} L${mid + 6},${y + 6} M${mid - 6},${y + 6} L${mid + 6},${y - 6}` }));
    } else {
      parts.push(s("rect", { class: "sl-wire-switch", x: mid - 6, y: y - 6, width: 12, height: 12, rx: 2 }));
    }
    // The label goes on the side of the switch away from the line.
    const labelRight = w.action === "released" ? toward < 0 : toward > 0;
    const room = Math.abs(labelRight ? width - mid : mid) - 16;
    parts.push(s("text", { class: "sl-wire-label", x: mid + (labelRight ? 12 : -12), y: y + 4, "text-anchor": labelRight ? "start" : "end" },
      fit(`${words[0]}: ${w.summary}`, room)));
    parts.push(s("title", {}, wireText(e)));
    g.append(...parts);
    return g;
  }

  /**
   * wireText says what the wire did to a packet, for the text and screen readers.
   * @param {WireEventEvent} e
   */
  function wireText(e) {
    const w = e.wire;
    const words = (WIRE_WORDS[w.action] || [w.action, w.action])[1];
    const why = w.reason === "drop" ? " (you dropped it)" : w.reason === "overflow" ? " (too many packets waited)" : w.reason === "loss" ? " (the loss setting)" : "";
    return `wire: ${w.dir === "out" ? "a packet from" : "a packet to"} ${who(e.host)} ${words}${why}: ${w.summary}`;
  }

  /**
   * @param {number} x1
   * @param {number} y1
   * @param {number} x2
   * @param {number} y2
   */
  function arrowHead(x1, y1, x2, y2) {
    const len = Math.hypot(x2 - x1, y2 - y1) || 1;
    const ux = (x2 - x1) / len;
    const uy = (y2 - y1) / len;
    const bx = x2 - ux * HEAD;
    const by = y2 - uy * HEAD;
    const w = 4.5;
    return s("path", { class: "sl-head", d: `M${x2},${y2} L${bx - uy * w},${by + ux * w} L${bx + uy * w},${by - ux * w} Z` });
  }

  /** @param {Item} it */
  function drawCall(it) {
    const e = /** @type {CallEvent} */ (it.events[0]);
    const c = e.call;
    const lane = laneOf(e.host);
    const sd = side(lane);
    const chore = housekeeping(e);
    const failed = !!c.error && !chore;
    const outcome = chore || callOutcome(c);
    // Its start has a row of its own: here it returns.
    const label = connOf(e);
    const call = (it.startRow ? `${c.name}(…)` : callText(c)) + label;
    // An error is marked by a glyph (and the exception's name), not only
    // by the box's colour; the server's housekeeping by neither.
    const arrow = failed ? " ✕ " : chore ? " · " : " → ";
    // With two lanes a note stays between them; with more, the gaps are
    // narrow, and a long call may reach over a neighbour's lifeline.
    const room = Math.min(lanes.size > 2 ? Math.max(sd.room, Math.min(sd.edge, 320)) : sd.room, 460) - 12;
    let head = call;
    let tail = outcome === "" ? "" : arrow + outcome;
    if ((head + tail).length * charW > room && (c.args || []).length) head = `${c.name}(…)${label}`;
    let text = fit(head + tail, room);
    if (text.length < (head + tail).length) {
      // Cut: keep what fits of the call, then of the outcome.
      head = fit(head, room);
      tail = text.length > head.length ? text.slice(head.length) : "";
    }
    const w = Math.ceil(text.length * charW) + 12;
    const y = it.y + 3;
    const bh = PITCH.call - 6;
    const x = sd.dir > 0 ? lane.x + 6 : lane.x - 6 - w;
    const g = s("g", {
      class: `sl-call sl-${lane.role}` + (failed ? " sl-failed" : ""),
      "data-testid": "call-mark",
      "data-seq": e.seq,
      "data-host": e.host,
      "data-error": c.error ? errorName(c) : null,
      "data-housekeeping": chore ? "true" : null,
      "data-waited": it.startRow ? "true" : null,
    },
    s("line", { class: "sl-tick", x1: lane.x, x2: x + (sd.dir > 0 ? 0 : w), y1: y + bh / 2, y2: y + bh / 2 }),
    s("rect", { class: "sl-call-box", x, y, width: w, height: bh, rx: 3 }),
    s("text", { class: "sl-call-text", x: x + 6, y: y + bh / 2 + 4 },
      head,
      tail.startsWith(arrow) ? [s("tspan", { class: failed ? "sl-err-glyph" : "sl-returns" }, arrow), tail.slice(arrow.length)] : tail),
    s("title", {}, callTitle(e)));
    return g;
  }

  // drawCallStart draws where a call that waited began: its arguments,
  // and that it waits.
  /** @param {Item} it */
  function drawCallStart(it) {
    const e = /** @type {CallEvent} */ (it.events[0]);
    const c = e.call;
    const lane = laneOf(e.host);
    const sd = side(lane);
    const room = Math.min(lanes.size > 2 ? Math.max(sd.room, Math.min(sd.edge, 320)) : sd.room, 460) - 12;
    const text = fit(`${callText(c)}${connOf(e)} …`, room);
    const w = Math.ceil(text.length * charW) + 12;
    const y = it.y + 3;
    const bh = PITCH.callstart - 6;
    const x = sd.dir > 0 ? lane.x + 6 : lane.x - 6 - w;
    return s("g", {
      class: `sl-call sl-call-start sl-${lane.role}`,
      "data-testid": "call-start",
      "data-seq": e.seq,
      "data-host": e.host,
    },
    s("line", { class: "sl-tick", x1: lane.x, x2: x + (sd.dir > 0 ? 0 : w), y1: y + bh / 2, y2: y + bh / 2 }),
    s("rect", { class: "sl-call-box", x, y, width: w, height: bh, rx: 3 }),
    s("text", { class: "sl-call-text", x: x + 6, y: y + bh / 2 + 4 }, text),
    s("title", {}, startText(e)));
  }

  // drawSpans draws, for every call that waited, a bar along its lifeline
  // from where it began to where it returned: from its start's row to
  // its own, or, for a call placed where it began (a sendall before its
  // data), from its own row to the last row before it returned.
  function drawSpans() {
    const frag = document.createDocumentFragment();
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      if (it.type !== "call") continue;
      const e = /** @type {CallEvent} */ (it.events[0]);
      const c = e.call;
      let top = 0;
      let bottom = 0;
      if (it.startRow) {
        top = it.startRow.y + PITCH.callstart / 2;
        bottom = it.y + PITCH.call / 2;
      } else if (waited(c) && micros(c.end) - micros(c.start) >= SENT_AT_ONCE_US) {
        const end = micros(c.end);
        let j = i;
        while (j + 1 < items.length && items[j + 1].type !== "session" && timeOf(items[j + 1]) <= end) j++;
        if (j === i) continue;
        top = it.y + PITCH.call / 2;
        bottom = items[j].y + heightOf(items[j]);
      } else {
        continue;
      }
      const lane = lanes.get(e.host);
      if (!lane) continue;
      const sd = side(lane);
      frag.append(s("rect", {
        class: `sl-span sl-${lane.role}`, "data-seq": e.seq,
        x: lane.x + (sd.dir > 0 ? 0 : -5), y: top, width: 5, height: Math.max(0, bottom - top), rx: 2,
      }));
    }
    spans.replaceChildren(frag);
  }

  // housekeeping says, in words, what a failed call of the lab server's
  // is when it is the server going about its work, not something gone
  // wrong: a recv noticing that its client left, a recvfrom whose retry
  // timer ran out (TFTP's). "" for any other call.
  /** @param {CallEvent} e */
  function housekeeping(e) {
    const c = e.call;
    if (!c.error || hosts.role(e.host) !== "server") return "";
    if (c.name === "recvfrom" && c.exception === "TimeoutError") return "retry timer ran out";
    if (c.name === "recv" && ["OSError", "ConnectionResetError", "ConnectionAbortedError", "BrokenPipeError", "TimeoutError"].includes(c.exception || "")) return "its client had left";
    return "";
  }

  // connOf names a call's connection by the port that tells it apart,
  // when the diagram shows more than one: the student's side's (" ·
  // 40001"), or, where the student's port has several peers (their
  // server's 6000), the peer's.
  /** @param {CallEvent} e */
  function connOf(e) {
    if (!multi || !e.call.peer || !e.call.local) return "";
    const client = hosts.role(e.host) === "client";
    const [mine, theirs] = client ? [e.call.local, e.call.peer] : [e.call.peer, e.call.local];
    const shared = (conns.get(mine)?.size || 0) > 1;
    return ` · ${portOf(shared ? theirs : mine)}`;
  }

  /** @param {Item} it */
  function drawState(it) {
    const e = /** @type {StateEvent} */ (it.events[0]);
    const st = e.state;
    const lane = laneOf(e.host);
    const sd = side(lane);
    const y = it.y + PITCH.state / 2;
    const g = s("g", {
      class: `sl-state sl-${lane.role}`,
      "data-testid": "state-label",
      "data-seq": e.seq,
      "data-host": e.host,
      "data-state": st.to,
    },
    s("circle", { class: "sl-state-dot", cx: lane.x, cy: y, r: 3.5 }),
    s("text", { class: "sl-state-text", x: lane.x + sd.dir * 9, y: y + 4, "text-anchor": sd.dir > 0 ? "start" : "end" }, fit(st.to || "?", sd.room)),
    s("title", {}, stateTitle(e)));
    return g;
  }

  /** @param {Item} it */
  function drawSession(it) {
    const events = /** @type {SessionEventEvent[]} */ (it.events);
    const [label, what] = sessionLabel(events);
    const y = it.y + PITCH.session / 2;
    const w = Math.ceil(label.length * charW * 0.92) + 16;
    const g = s("g", { class: "sl-session", "data-testid": "session-mark", "data-seq": it.seq, "data-what": what },
      s("line", { class: "sl-session-line", x1: 4, x2: width - 4, y1: y, y2: y }),
      s("rect", { class: "sl-session-bg", x: width / 2 - w / 2, y: y - 9, width: w, height: 18, rx: 9 }),
      s("text", { class: "sl-session-text", x: width / 2, y: y + 4, "text-anchor": "middle" }, label),
      s("title", {}, events.map((e) => `${e.session.what}: ${e.session.message}`).join("\n")));
    return g;
  }

  // sessionLabel sums up a run of session events: "session started ·
  // 10.0.1.1", "fresh session · 10.0.1.1", "session ended", …
  /**
   * @param {SessionEventEvent[]} events
   * @returns {[string, string]}
   */
  function sessionLabel(events) {
    const whats = new Set(events.map((e) => e.session.what));
    let addr = "";
    for (const e of events) {
      if (e.session.address) addr = e.session.address;
    }
    const ended = whats.has("closed") || whats.has("reconnecting");
    const joined = whats.has("hello") || whats.has("connected") || whats.has("reconnected");
    if (whats.has("reconnected") || (ended && joined)) return [`fresh session${addr ? " · " + addr : ""}`, "reconnected"];
    if (joined) return [`session started${addr ? " · " + addr : ""}`, "hello"];
    if (whats.has("lost")) return ["connection lost", "lost"];
    if (ended) return ["session ended", "closed"];
    const last = events[events.length - 1].session.what;
    return [(SESSION_LABELS[last] || [0, last])[1], last];
  }

  /** @param {Item} it */
  function setupLines(it) {
    /** @type {Map<number, {proto: string, local: string, state: string}>} fd → its set-up */
    const socks = new Map();
    for (const e of it.events) {
      if (e.kind === "call" && e.call) {
        const c = e.call;
        const sk = socks.get(c.socket) || { proto: c.proto, local: "", state: c.proto === "udp" ? "" : "" };
        if (c.local) sk.local = c.local;
        if (c.name === "listen") sk.state = "LISTEN";
        if (c.name === "bind" && c.proto === "udp") sk.state = "UNCONN";
        socks.set(c.socket, sk);
      } else if (e.kind === "state" && e.state) {
        const sk = socks.get(e.state.socket) || { proto: e.state.proto, local: e.state.local, state: "" };
        sk.state = e.state.to;
        socks.set(e.state.socket, sk);
      }
    }
    return [...socks.values()].map((sk) => `${sk.proto.toUpperCase()} ${sk.local || "unbound"}${sk.state ? " " + sk.state : ""}`);
  }

  /** @param {Item} it */
  function drawSetup(it) {
    const host = it.host || "";
    const lane = laneOf(host);
    const sd = side(lane);
    const lines = setupLines(it);
    const room = Math.min(sd.room, 320) - 12;
    const texts = lines.map((l) => fit(l, room));
    const w = Math.ceil(Math.max(...texts.map((t) => t.length), 8) * charW) + 12;
    const bh = 6 + lines.length * PITCH.setupLine;
    const x = sd.dir > 0 ? lane.x + 6 : lane.x - 6 - w;
    const y = it.y + 3;
    const g = s("g", { class: `sl-setup sl-call sl-${lane.role}`, "data-testid": "setup-mark", "data-seq": it.seq, "data-host": host },
      s("line", { class: "sl-tick", x1: lane.x, x2: x + (sd.dir > 0 ? 0 : w), y1: y + 10, y2: y + 10 }),
      s("rect", { class: "sl-call-box", x, y, width: w, height: bh, rx: 3 }),
      texts.map((t, i) => s("text", { class: "sl-call-text", x: x + 6, y: y + 14 + i * PITCH.setupLine }, t)),
      s("title", {}, `${hosts.label(host)} ${host} sets up its services:\n` + it.events.map((e) => textOf(e)).join("\n")));
    return g;
  }

  // --- words -----------------------------------------------------------

  /** @param {string} host */
  function who(host) {
    const label = hosts.label(host);
    return label === "host" ? host : label;
  }

  /** @param {CallEvent} e */
  function callTitle(e) {
    const c = e.call;
    const lines = [`${who(e.host)} (${e.host}), fd ${c.socket} ${c.proto}: ${callText(c)}`];
    lines.push(c.error ? `raised ${c.error}` : `returned ${c.result || "None"}`);
    if (c.local) lines.push(`local ${c.local}`);
    if (c.peer) lines.push(`peer ${c.peer}`);
    if (c.bytes) lines.push(`${c.bytes} bytes`);
    if (c.start && c.end) lines.push(`took ${((micros(c.end) - micros(c.start)) / 1000).toFixed(3)} ms`);
    const chore = housekeeping(e);
    if (chore) lines.push(`the lab server's own work: ${chore}`);
    return lines.join("\n");
  }

  /** @param {StateEvent} e */
  function stateTitle(e) {
    const st = e.state;
    return `${who(e.host)} (${e.host}), ${st.socket ? "fd " + st.socket : "a connection not yet accepted"} ${st.proto}` +
      ` ${st.local}${st.peer ? " ↔ " + st.peer : ""}: ${st.from || "?"} → ${st.to}`;
  }

  /**
   * arrowTip is what an arrow's tooltip adds to its label: the packet's
   * number in the packet list, its hosts, size and Info. An arrow's name is
   * its label and its tooltip, so that it holds all the text the arrow
   * shows.
   * @param {PacketEvent} e
   * @param {string} label
   * @param {number} no
   */
  function arrowTip(e, label, no) {
    const p = e.packet;
    const from = p.dir === "out" ? e.host : addrOf(p.src);
    const to = p.dir === "out" ? addrOf(p.dst) : e.host;
    return `(packet No. ${no}: ${from} → ${to}, ${p.protocol}, ${p.length} bytes: ${p.summary || label})`;
  }

  /**
   * @param {LabEvent} e
   * @returns {string}
   */
  function textOf(e) {
    switch (e.kind) {
      case "packet": {
        const p = e.packet;
        const from = p.dir === "out" ? e.host : addrOf(p.src);
        const to = p.dir === "out" ? addrOf(p.dst) : e.host;
        return `${from} → ${to}: ${packetLabel(p, lab.tcpFlagBits)} (${p.protocol}, ${p.length} bytes: ${p.summary})`;
      }
      case "call": {
        const c = e.call;
        const chore = housekeeping(e);
        const res = chore ? `${chore} (${c.error})` : c.error ? `raised ${c.error}` : `returned ${shortResult(c) || "None"}`;
        const wait = waited(c) ? ` waited ${duration(micros(c.end) - micros(c.start))} ${WAITS_FOR[c.name] || ""},`.replace(" ,", ",") : "";
        return `${who(e.host)}: ${callText(c)}${conn(e)}${wait} ${res}`;
      }
      case "state":
        return `${who(e.host)}: state ${e.state.to} (fd ${e.state.socket || "–"}, ${e.state.local}${e.state.peer ? " ↔ " + e.state.peer : ""}, was ${e.state.from || "–"})`;
      case "session":
        return `session: ${(SESSION_LABELS[e.session.what] || [0, e.session.what])[1]} — ${e.session.message}`;
      case "wire":
        return wireText(e);
    }
    return String(/** @type {{kind: string}} */ (e).kind); // a kind newer than this page
  }

  // conn names a call's connection in the text: its two ends.
  /** @param {CallEvent} e */
  function conn(e) {
    return multi && e.call.peer && e.call.local ? ` on ${e.call.local} ⇄ ${e.call.peer}` : "";
  }

  // startText says that a call that waited began: the text's row for
  // where its start is drawn.
  /** @param {CallEvent} e */
  function startText(e) {
    const c = e.call;
    return `${who(e.host)}: ${callText(c)}${conn(e)} began, and waits ${WAITS_FOR[c.name] || "to return"}`;
  }

  /** @param {CallEvent} e */
  function startTextItem(e) {
    return h("li", { "data-seq": e.seq, "data-kind": "callstart" }, startText(e));
  }

  /** @param {LabEvent} e */
  function textItem(e) {
    return h("li", { "data-seq": e.seq, "data-kind": e.kind }, textOf(e));
  }

  // --- selection and keys ---------------------------------------------

  /** @param {Item | null} it */
  function setRoving(it) {
    if (roving === it) return;
    if (roving && roving.g) roving.g.setAttribute("tabindex", "-1");
    roving = it;
    if (it && it.g) it.g.setAttribute("tabindex", "0");
  }

  /**
   * @param {Item | null} it
   * @param {boolean} scroll
   */
  function markSelected(it, scroll) {
    for (const el of rows.querySelectorAll(".sl-arrow.sl-selected")) {
      el.classList.remove("sl-selected");
      el.removeAttribute("aria-current");
    }
    if (!it || !it.g) return;
    it.g.classList.add("sl-selected");
    it.g.setAttribute("aria-current", "true");
    if (scroll) {
      const top = it.y + svg.getBoundingClientRect().top - canvas.getBoundingClientRect().top + canvas.scrollTop;
      const headH = head.offsetHeight || 0;
      if (top < canvas.scrollTop + headH || top + PITCH.packet > canvas.scrollTop + canvas.clientHeight) {
        canvas.scrollTop = Math.max(0, top - canvas.clientHeight / 2);
      }
    }
  }

  /** @param {Item} it */
  function select(it) {
    bus.dispatchEvent(new CustomEvent("select-packet", { detail: it.seq }));
  }

  /** @param {EventTarget | null} target */
  function arrowOf(target) {
    const g = target instanceof Element ? target.closest(".sl-arrow") : null;
    return g instanceof SVGGElement ? bySeq.get(Number(g.dataset.seq)) || null : null;
  }

  svg.addEventListener("click", (ev) => {
    const it = arrowOf(ev.target);
    if (!it || !it.g) return;
    setRoving(it);
    it.g.focus({ preventScroll: true });
    select(it);
  });

  svg.addEventListener("keydown", (ev) => {
    const it = arrowOf(ev.target);
    if (!it) return;
    let to = null;
    const i = arrows.indexOf(it);
    switch (ev.key) {
      case "Enter":
      case " ":
        ev.preventDefault();
        select(it);
        return;
      case "ArrowDown": to = arrows[Math.min(arrows.length - 1, i + 1)]; break;
      case "ArrowUp": to = arrows[Math.max(0, i - 1)]; break;
      case "Home": to = arrows[0]; break;
      case "End": to = arrows[arrows.length - 1]; break;
      default: return;
    }
    ev.preventDefault();
    if (to && to.g) {
      setRoving(to);
      to.g.focus({ preventScroll: true });
      to.g.scrollIntoView({ block: "nearest" });
    }
  });

  canvas.addEventListener("scroll", () => {
    follow = canvas.scrollHeight - canvas.scrollTop - canvas.clientHeight < 40;
  }, { passive: true });

  /** @param {Event} ev */
  const onSelect = (ev) => {
    const it = bySeq.get(Number(/** @type {CustomEvent<number>} */ (ev).detail));
    if (frame) { cancelAnimationFrame(frame); flush(); }
    selected = it || null;
    if (it) setRoving(it);
    markSelected(selected, true);
  };
  /** @param {Event} ev */
  const onClear = (ev) => forget(Number(/** @type {CustomEvent<number>} */ (ev).detail) || 0);
  bus.addEventListener("select-packet", onSelect);
  bus.addEventListener("clear", onClear);

  const ro = typeof ResizeObserver === "function" ? new ResizeObserver(() => {
    const w = Math.max(280, Math.floor(canvas.clientWidth || 600));
    if (w !== width) schedule();
  }) : null;
  if (ro) ro.observe(canvas);

  // --- start -----------------------------------------------------------

  // Who is who first, so that the replay places everything right.
  const initial = (lab.trace && lab.trace()) || [];
  for (const e of initial) if (e.kind === "session" || e.kind === "packet") hosts.learn(e);
  const stop = subscribe(lab, add);
  readyAddress(lab).then((addr) => {
    if (addr && hosts.student !== addr && !hosts.students.includes(addr)) {
      hosts.addStudent(addr);
      rebuild = true;
      schedule();
    }
  });
  schedule();

  // Every second, what the student's calls that have waited a second or
  // more wait for (the page's own lab only: a mirrored trace has none).
  let lastWhy = "";
  let polling = false;
  const waitTimer = lab.waiting ? setInterval(() => {
    if (polling || !lab.waiting) return;
    polling = true;
    lab.waiting().then(showWaiting, () => showWaiting([])).finally(() => { polling = false; });
  }, 1000) : 0;
  /** @param {Blocked[]} blocked */
  function showWaiting(blocked) {
    const b = blocked[blocked.length - 1];
    if (!b) {
      waitNote.hidden = true;
      lastWhy = "";
      return;
    }
    const why = `${callText(b.call)}: ${b.why}.`;
    if (why !== lastWhy) { waitWhy.textContent = why; lastWhy = why; }
    waitFor.textContent = `(waiting ${duration(Date.now() * 1000 - micros(b.call.start))})`;
    waitNote.hidden = false;
    if (follow) canvas.scrollTop = canvas.scrollHeight;
  }

  return {
    destroy() {
      stop();
      if (waitTimer) clearInterval(waitTimer);
      bus.removeEventListener("select-packet", onSelect);
      bus.removeEventListener("clear", onClear);
      if (ro) ro.disconnect();
      if (frame) cancelAnimationFrame(frame);
    },
  };
}
