// format.js: small helpers shared by the lab's views (diagram.js,
// packets.js, sockets.js): DOM builders, the short labels of packets and
// calls, hex dumps, times, and which address plays which part (the
// student's host, the lab server). Every fact about a packet comes decoded
// from Go (socketlab.d.ts); these only word it.

/** @import { Call, ICMP, LabEvent, Packet, TraceSource, TCPFlagBit } from "../socketlab" */
/** @typedef {Record<string, string | number | boolean | null | undefined>} Attrs */
/** @typedef {Node | string | number | boolean | null | undefined | Child[]} Child */

const SVG_NS = "http://www.w3.org/2000/svg";

// h builds an HTML element: h("td", {class: "x", "data-seq": 3}, "text", child…).
// Attributes with the value null, undefined or false are left out.
/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attrs} [attrs]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  for (const c of children) append(el, c);
  return el;
}

// s builds an SVG element the same way.
/**
 * @template {keyof SVGElementTagNameMap} K
 * @param {K} tag
 * @param {Attrs} [attrs]
 * @param {...Child} children
 * @returns {SVGElementTagNameMap[K]}
 */
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  for (const c of children) append(el, c);
  return el;
}

/**
 * @param {Element} el
 * @param {Attrs} attrs
 */
function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    el.setAttribute(k, v === true ? "" : String(v));
  }
}

/**
 * @param {Element} el
 * @param {Child} c
 */
function append(el, c) {
  if (c === null || c === undefined || c === false) return;
  if (Array.isArray(c)) { for (const x of c) append(el, x); return; }
  el.append(c instanceof Node ? c : String(c));
}

// find is the element sel selects under root, or else in the document;
// it must be a type (HTMLElement, HTMLTableElement, …): a page without it
// is a broken page.
/**
 * @template {Element} T
 * @param {ParentNode | null} root
 * @param {string} sel
 * @param {{new (): T, prototype: T}} type
 * @returns {T}
 */
export function find(root, sel, type) {
  const el = (root && root.querySelector(sel)) || document.querySelector(sel);
  if (!(el instanceof type)) throw new Error(`socketlab: the page has no ${sel}`);
  return el;
}

// errorText is what a caught error says.
/** @param {unknown} err */
export function errorText(err) {
  return err instanceof Error ? err.message : String(err);
}

// addrOf is the address of "10.0.0.1:7" (or of "10.0.0.1").
/** @param {string | undefined} hostPort */
export function addrOf(hostPort) {
  if (!hostPort) return "";
  const i = hostPort.lastIndexOf(":");
  return i < 0 ? hostPort : hostPort.slice(0, i);
}

// portOf is the port of "10.0.0.1:7", "" when there is none.
/** @param {string | undefined} hostPort */
export function portOf(hostPort) {
  if (!hostPort) return "";
  const i = hostPort.lastIndexOf(":");
  return i < 0 ? "" : hostPort.slice(i + 1);
}

// flagNames lists the names of the TCP flags set in bits (a packet's
// tcp.flags.bits), lowest bit first as Wireshark does: ["SYN", "ACK"].
// table is socketlab.tcpFlagBits.
/**
 * @param {number} bits
 * @param {TCPFlagBit[]} table
 * @returns {string[]}
 */
export function flagNames(bits, table) {
  return table.filter((b) => bits & b.mask).map((b) => b.name).reverse();
}

// icmpShort is a short name: "port unreachable", "echo (ping) request".
/** @param {ICMP} icmp */
export function icmpShort(icmp) {
  const name = icmp.code_name || icmp.type_name;
  return name.charAt(0).toLowerCase() + name.slice(1);
}

// packetLabel is the short label of a packet on its diagram arrow:
// "SYN Seq=0", "SYN, ACK Seq=0 Ack=1", "PSH, ACK Seq=1 Ack=1 Len=6",
// "UDP Len=3", "ICMP port unreachable". table is socketlab.tcpFlagBits.
/**
 * @param {Packet} p
 * @param {TCPFlagBit[]} table
 */
export function packetLabel(p, table) {
  if (p.tcp) {
    const t = p.tcp;
    const names = flagNames(t.flags.bits, table);
    let label = (names.length ? names.join(", ") : "no flags") + ` Seq=${t.rel_seq}`;
    if (t.flags.ack) label += ` Ack=${t.rel_ack}`;
    if (t.payload_length > 0) label += ` Len=${t.payload_length}`;
    return label;
  }
  if (p.udp) return `UDP Len=${p.udp.payload_length}`;
  if (p.icmp) return `ICMP ${icmpShort(p.icmp)}`;
  return `${p.protocol || "IPv4"} ${p.length} bytes`;
}

// packetKind is the kind of a packet for its line style: "syn", "fin",
// "rst", "data", "ack", "udp", "icmp", "other". RST wins over FIN over
// SYN.
/** @param {Packet} p */
export function packetKind(p) {
  if (p.tcp) {
    const f = p.tcp.flags || {};
    if (f.rst) return "rst";
    if (f.fin) return "fin";
    if (f.syn) return "syn";
    if (p.tcp.payload_length > 0) return "data";
    return "ack";
  }
  if (p.udp) return "udp";
  if (p.icmp) return "icmp";
  return "other";
}

// callText is a call as written: "connect(('10.0.0.1', 7))".
/** @param {Call} c */
export function callText(c) {
  return `${c.name}(${(c.args || []).join(", ")})`;
}

// shortResult is a call's result, with socket objects shortened to "fd
// 3": socket() returns one, accept() one and the peer's address.
/**
 * @param {Call} c
 * @returns {string}
 */
export function shortResult(c) {
  if (c.error) return "";
  if (c.name === "socket") return `fd ${c.socket}`;
  if (c.name === "accept" && c.new_socket) return `(fd ${c.new_socket}, ('${addrOf(c.peer)}', ${portOf(c.peer)}))`;
  return c.result;
}

// errorName is the exception's name: "ConnectionRefusedError".
/** @param {Call} c */
export function errorName(c) {
  return c.exception || "error";
}

// callOutcome is "→ None", "→ fd 3", or the error's name.
/** @param {Call} c */
export function callOutcome(c) {
  if (c.error) return errorName(c);
  const r = shortResult(c);
  return r === "" ? "" : r;
}

// isSetupCall says whether a call is one of a server's own set-up calls
// (socket, bind, listen, setsockopt of a socket with no peer yet).
/** @param {Call} c */
export function isSetupCall(c) {
  return ["socket", "bind", "listen", "setsockopt", "setblocking", "settimeout"].includes(c.name) && !c.peer && !c.error;
}

// micros is an RFC 3339 time as microseconds since the epoch, keeping the
// sub-millisecond digits that Date.parse drops.
/** @param {string} iso */
export function micros(iso) {
  if (!iso) return 0;
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(.*)$/.exec(iso);
  if (!m) return Date.parse(iso) * 1000;
  const whole = Date.parse(m[1] + (m[3] || "Z"));
  const frac = Number(((m[2] || "") + "000000").slice(0, 6));
  return whole * 1000 + frac;
}

// seconds formats microseconds as seconds with 6 decimals.
/** @param {number} us */
export function seconds(us) {
  const neg = us < 0;
  const a = Math.abs(Math.round(us));
  const s = `${Math.floor(a / 1e6)}.${String(a % 1e6).padStart(6, "0")}`;
  return neg ? "-" + s : s;
}

// bytesOf decodes base64 (as Go marshals []byte) into bytes.
/** @param {string | Uint8Array | null} b64 */
export function bytesOf(b64) {
  if (!b64) return new Uint8Array(0);
  if (b64 instanceof Uint8Array) return b64;
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * @param {number} n
 * @param {number} width
 */
export function hex(n, width) {
  return "0x" + n.toString(16).padStart(width, "0");
}

// hexDump formats bytes as Wireshark's bytes pane does: offset, 16 bytes in
// hex (a gap after 8), and the ASCII, dots for what does not print; or 8
// bytes a line, for a phone's width.
/**
 * @param {Uint8Array} bytes
 * @param {16 | 8} [perLine]
 */
export function hexDump(bytes, perLine = 16) {
  const lines = [];
  for (let off = 0; off < bytes.length; off += perLine) {
    const row = bytes.subarray(off, off + perLine);
    let hx = "";
    let ascii = "";
    for (let i = 0; i < perLine; i++) {
      if (i === 8) hx += " ";
      if (i < row.length) {
        hx += row[i].toString(16).padStart(2, "0") + " ";
        ascii += row[i] >= 0x20 && row[i] < 0x7f ? String.fromCharCode(row[i]) : ".";
      } else {
        hx += "   ";
      }
    }
    lines.push(`${off.toString(16).padStart(4, "0")}  ${hx} ${ascii}`);
  }
  return lines.join("\n");
}

// Hosts tells who is who in a trace: the student's host (the address of
// the session's hello and of every packet event, which are recorded on
// it), the lab server (the host its hello names, and any other host that
// reports events of its own), and other addresses seen only in packets.
export class Hosts {
  /** @param {string} [whose] whose the student's host is, in labels: "your" unless said */
  constructor(whose = "your") {
    this.whose = whose;
    /** @type {string[]} in order of appearance; the last is the current one */
    this.students = [];
    /** @type {string[]} */
    this.servers = [];
    /** @type {string[]} */
    this.others = [];
  }

  get student() { return this.students[this.students.length - 1] || ""; }

  /**
   * @param {string} addr
   * @returns {"client" | "server" | "other"}
   */
  role(addr) {
    if (this.students.includes(addr)) return "client";
    if (this.servers.includes(addr)) return "server";
    return "other";
  }

  // label is what a lifeline or a row calls a host: "your host" (or
  // whose else), "lab server", "host".
  /** @param {string} addr */
  label(addr) {
    const r = this.role(addr);
    if (r === "client") return addr === this.student ? `${this.whose} host` : `${this.whose} earlier host`;
    if (r === "server") return "lab server";
    return "host";
  }

  /** @param {string} a */
  addStudent(a) {
    if (!a || this.students[this.students.length - 1] === a) return false;
    this.students = this.students.filter((x) => x !== a);
    this.students.push(a);
    this.servers = this.servers.filter((x) => x !== a);
    this.others = this.others.filter((x) => x !== a);
    return true;
  }

  /** @param {string} a */
  addServer(a) {
    if (!a || this.students.includes(a) || this.servers.includes(a)) return false;
    this.servers.push(a);
    this.others = this.others.filter((x) => x !== a);
    return true;
  }

  /** @param {string} a */
  addOther(a) {
    if (!a || this.students.includes(a) || this.servers.includes(a) || this.others.includes(a)) return false;
    this.others.push(a);
    return true;
  }

  // learn takes what an event tells about hosts; it returns true when
  // something changed.
  /** @param {LabEvent} e */
  learn(e) {
    let changed = false;
    if (e.kind === "session" && e.session) {
      if (e.session.address) changed = this.addStudent(e.session.address) || changed;
      if (e.session.server) changed = this.addServer(e.session.server) || changed;
    } else if (e.kind === "packet" && e.packet) {
      if (!this.students.includes(e.host)) changed = this.addStudent(e.host) || changed;
      const p = e.packet;
      changed = this.addOther(addrOf(p.dir === "out" ? p.dst : p.src)) || changed;
    } else if (e.host && !this.students.includes(e.host)) {
      changed = this.addServer(e.host) || changed;
    }
    return changed;
  }
}

// prefersReducedMotion says whether the student asked for less motion.
/** @returns {boolean} */
export function prefersReducedMotion() {
  return typeof matchMedia === "function" && matchMedia("(prefers-reduced-motion: reduce)").matches;
}

// subscribe replays lab.trace() through fn, in the timeline's order, then
// passes it every live event, each once and in order of seq (the order
// recorded); it returns the unsubscribe function. A live event says where
// it goes: before the event of seq e.before (a lab server's event placed
// before packets recorded earlier), or at the end; a view inserts it there
// (the order is Go's, see lab.Trace). A replayed event's before names an
// event still to come, so the replay only appends. The views share one lab.on("*") subscription, so that an
// event reaches all of them in the same task (and they draw it in the
// same frame), and is converted from Go once, not once per view.
/** @typedef {{listeners: Set<(e: LabEvent) => void>, stop: () => void}} Hub */
/** @type {WeakMap<TraceSource, Hub>} */
const hubs = new WeakMap();

/**
 * @param {TraceSource} lab
 * @param {(e: LabEvent) => void} fn
 * @returns {() => void}
 */
export function subscribe(lab, fn) {
  let h = hubs.get(lab);
  if (!h) {
    /** @type {Set<(e: LabEvent) => void>} */
    const listeners = new Set();
    h = { listeners, stop: lab.on("*", (e) => { for (const l of [...listeners]) l(e); }) };
    hubs.set(lab, h);
  }
  const hub = h;
  let last = 0;
  /** @type {Set<number> | null} seqs delivered while the trace is replayed */
  let seen = new Set();
  /** @param {LabEvent} e */
  const deliver = (e) => {
    if (!e || typeof e.seq !== "number") return;
    if (seen) {
      if (seen.has(e.seq)) return;
      seen.add(e.seq);
    } else if (e.seq <= last) {
      return;
    }
    last = Math.max(last, e.seq);
    try { fn(e); } catch (err) { console.error("socketlab view:", err); }
  };
  // Listening before reading the trace loses nothing recorded in between;
  // what both bring is delivered once. After the replay, live events come
  // in order of seq.
  hub.listeners.add(deliver);
  for (const e of lab.trace() || []) deliver(e);
  seen = null;
  return () => {
    hub.listeners.delete(deliver);
    if (!hub.listeners.size) {
      hub.stop();
      hubs.delete(lab);
    }
  };
}

// readyAddress resolves to the student's address from lab.ready, or ""
// when it does not say.
/**
 * @param {TraceSource} lab
 * @returns {Promise<string>}
 */
export function readyAddress(lab) {
  return Promise.resolve(lab && lab.ready).then((r) => (r && r.address) || "", () => "");
}
