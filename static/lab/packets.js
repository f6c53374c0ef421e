// packets.js: the packet list, like Wireshark's: a row per packet on the
// student's link (No., Time, Source, Destination, Protocol, Length,
// Info), the selected packet's headers as a tree of fields, and its bytes
// in hex and ASCII.
//
//   mountPackets(sectionEl, lab, bus)

import {
  addrOf, bytesOf, find, flagNames, h, hex, hexDump, micros, seconds, subscribe,
} from "./format.js";

/** @import { ICMP, IPv4, LabEvent, Packet, PacketEvent, TraceSource, TCP, TCPFlagBit, UDP } from "../socketlab" */
/** @typedef {{e: PacketEvent, no: number, t: number, tr?: HTMLTableRowElement}} Rec a packet's row */

/** @type {Record<number, string>} */
const PROTOCOLS = { 1: "ICMP", 6: "TCP", 17: "UDP" };

/**
 * @param {HTMLElement | null} sectionEl
 * @param {TraceSource} lab
 * @param {EventTarget} bus
 */
export function mountPackets(sectionEl, lab, bus) {
  const table = find(sectionEl, "[data-part=list]", HTMLTableElement);
  const tbody = table.tBodies[0] || table.appendChild(document.createElement("tbody"));
  const details = find(sectionEl, "[data-part=details]", HTMLElement);
  const hexPane = find(sectionEl, "[data-part=hex]", HTMLElement);
  const scroller = table.closest(".table-scroll") || table.parentElement || table;
  table.classList.add("sl-packet-list");
  details.classList.add("sl-details");
  hexPane.classList.add("sl-hex");
  // A phone's width (lab.css's breakpoint) fits 8 bytes a line, not 16.
  const narrow = window.matchMedia("(max-width: 700px)");
  tbody.replaceChildren();

  /** @type {Rec[]} */
  const packets = [];
  /** @type {Map<number, Rec>} */
  const bySeq = new Map();
  /** @type {Rec[]} */
  let pending = [];
  let frame = 0;
  /** @type {number | null} micros of the first packet */
  let base = null;
  /** @type {Rec | null} */
  let selected = null;
  /** @type {Rec | null} */
  let roving = null;
  let follow = true;
  const open = { frame: false, ip: false, transport: true, data: true, flags: false, options: false, ipflags: false, analysis: true };

  const emptyRow = h("tr", { class: "sl-empty-row" }, h("td", { colspan: 7 }, "No packets yet."));
  tbody.append(emptyRow);

  /** @param {LabEvent} e */
  // Packets are appended: every one is the student's host's, and those
  // keep the order recorded (only the lab server's events are placed
  // before others, which this list does not show).
  function add(e) {
    if (e.kind !== "packet" || !e.packet) return;
    const t = micros(e.time);
    if (base === null) base = t;
    /** @type {Rec} */
    const rec = { e, no: packets.length + 1, t };
    packets.push(rec);
    bySeq.set(e.seq, rec);
    pending.push(rec);
    if (!frame) frame = requestAnimationFrame(flush);
  }

  /** @param {Rec} rec */
  function rowOf(rec) {
    const p = rec.e.packet;
    const tr = h("tr", {
      "data-testid": "packet-row",
      "data-seq": rec.e.seq,
      "data-dir": p.dir,
      class: `sl-dir-${p.dir}`,
      tabindex: -1,
      "aria-selected": "false",
    },
    h("td", { class: "num" }, rec.no),
    h("td", { class: "num time" }, seconds(rec.t - (base ?? rec.t))),
    h("td", { class: "addr" }, addrOf(p.src)),
    h("td", { class: "addr" }, addrOf(p.dst)),
    h("td", { class: "proto" }, p.protocol),
    h("td", { class: "num" }, p.length),
    h("td", { class: "info" }, p.summary));
    rec.tr = tr;
    return tr;
  }

  function flush() {
    frame = 0;
    if (!pending.length) return;
    emptyRow.remove();
    const frag = document.createDocumentFragment();
    for (const rec of pending) frag.append(rowOf(rec));
    pending = [];
    tbody.append(frag);
    if (!roving && packets.length) setRoving(packets[0]);
    if (follow) scroller.scrollTop = scroller.scrollHeight;
  }

  /** @param {number} lastSeq */
  function forget(lastSeq) {
    if (frame) { cancelAnimationFrame(frame); frame = 0; }
    pending = [];
    const keep = packets.filter((r) => r.e.seq > lastSeq);
    for (const r of packets) if (r.e.seq <= lastSeq && r.tr) r.tr.remove();
    packets.length = 0;
    bySeq.clear();
    base = keep.length ? keep[0].t : null;
    for (const r of keep) {
      r.no = packets.length + 1;
      packets.push(r);
      bySeq.set(r.e.seq, r);
      if (r.tr) {
        r.tr.cells[0].textContent = String(r.no);
        r.tr.cells[1].textContent = seconds(r.t - (base ?? r.t));
      } else {
        pending.push(r);
      }
    }
    if (selected && !bySeq.has(selected.e.seq)) { selected = null; showNothing(); }
    if (roving && !bySeq.has(roving.e.seq)) roving = null;
    if (!packets.length) tbody.replaceChildren(emptyRow);
    flush();
  }

  // --- selection ---------------------------------------------------------

  /** @param {Rec | null} rec */
  function setRoving(rec) {
    if (roving === rec) return;
    if (roving && roving.tr) roving.tr.setAttribute("tabindex", "-1");
    roving = rec;
    if (rec && rec.tr) rec.tr.setAttribute("tabindex", "0");
  }

  /** @param {Rec} rec */
  function select(rec) {
    bus.dispatchEvent(new CustomEvent("select-packet", { detail: rec.e.seq }));
  }

  /** @param {Event} ev */
  function onSelect(ev) {
    if (frame) { cancelAnimationFrame(frame); flush(); }
    const rec = bySeq.get(Number(/** @type {CustomEvent<number>} */ (ev).detail));
    if (!rec || !rec.tr) return;
    if (selected && selected.tr) selected.tr.setAttribute("aria-selected", "false");
    selected = rec;
    rec.tr.setAttribute("aria-selected", "true");
    setRoving(rec);
    reveal(rec.tr);
    showDetails(rec);
  }

  // reveal scrolls the list, and only the list, to show a row.
  /** @param {HTMLElement} tr */
  function reveal(tr) {
    const head = table.tHead ? table.tHead.offsetHeight : 0;
    const top = tr.offsetTop;
    const bottom = top + tr.offsetHeight;
    if (top - head < scroller.scrollTop) scroller.scrollTop = top - head;
    else if (bottom > scroller.scrollTop + scroller.clientHeight) scroller.scrollTop = bottom - scroller.clientHeight;
  }

  /** @param {EventTarget | null} target */
  function recOf(target) {
    const tr = target instanceof Element ? target.closest("tr[data-seq]") : null;
    return tr instanceof HTMLElement ? bySeq.get(Number(tr.dataset.seq)) || null : null;
  }

  tbody.addEventListener("click", (ev) => {
    const rec = recOf(ev.target);
    if (!rec || !rec.tr) return;
    rec.tr.focus({ preventScroll: true });
    select(rec);
  });

  tbody.addEventListener("keydown", (ev) => {
    const rec = recOf(ev.target);
    if (!rec || !rec.tr) return;
    const i = rec.no - 1;
    let to = null;
    const page = Math.max(1, Math.floor(scroller.clientHeight / (rec.tr.offsetHeight || 20)) - 1);
    switch (ev.key) {
      case "Enter":
      case " ":
        ev.preventDefault();
        select(rec);
        return;
      case "ArrowDown": to = packets[Math.min(packets.length - 1, i + 1)]; break;
      case "ArrowUp": to = packets[Math.max(0, i - 1)]; break;
      case "PageDown": to = packets[Math.min(packets.length - 1, i + page)]; break;
      case "PageUp": to = packets[Math.max(0, i - page)]; break;
      case "Home": to = packets[0]; break;
      case "End": to = packets[packets.length - 1]; break;
      default: return;
    }
    ev.preventDefault();
    if (to && to.tr) {
      to.tr.focus({ preventScroll: true });
      select(to); // moving selects, as in Wireshark
    }
  });

  scroller.addEventListener("scroll", () => {
    follow = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 30;
  }, { passive: true });

  // --- details -----------------------------------------------------------

  function showNothing() {
    details.replaceChildren(h("p", { class: "empty" }, "Select a packet to see its headers."));
    hexPane.textContent = "";
  }

  /** @param {Rec} rec */
  function showDetails(rec) {
    const e = rec.e;
    const p = e.packet;
    const bytes = bytesOf(p.data);
    const tree = h("div", { class: "sl-tree", "data-seq": e.seq });
    tree.append(frameTree(rec, bytes));
    tree.append(ipTree(p.ipv4));
    if (p.tcp) tree.append(tcpTree(p.tcp, p.analysis || []));
    else if (p.udp) tree.append(udpTree(p.udp));
    else if (p.icmp) tree.append(icmpTree(p.icmp));
    const payload = payloadOf(p, bytes);
    if (payload && payload.length) tree.append(dataTree(payload));
    details.replaceChildren(tree);
    hexPane.textContent = bytes.length ? hexDump(bytes, narrow.matches ? 8 : 16) : "(no bytes recorded)";
    hexPane.setAttribute("aria-label", `Packet ${rec.no} bytes in hex and ASCII, ${bytes.length} bytes`);
  }

  // node is a collapsible subtree that remembers being opened or closed.
  /**
   * @param {keyof typeof open} key
   * @param {string} summary
   * @param {import("./format.js").Child[]} children
   * @param {import("./format.js").Attrs} [attrs]
   */
  function node(key, summary, children, attrs = {}) {
    const d = h("details", { class: "sl-node", "data-key": key, open: open[key] ? true : null });
    const sm = h("summary", attrs, summary);
    d.append(sm, h("div", { class: "sl-fields" }, children));
    d.addEventListener("toggle", () => { open[key] = d.open; });
    return d;
  }

  /**
   * @param {string} text
   * @param {import("./format.js").Attrs} [attrs]
   */
  function field(text, attrs = {}) {
    return h("div", { class: "sl-field", ...attrs }, text);
  }

  /**
   * @param {Rec} rec
   * @param {Uint8Array} bytes
   */
  function frameTree(rec, bytes) {
    const e = rec.e;
    const p = e.packet;
    const sender = p.dir === "out" ? "sent by" : "received by";
    return node("frame", `Frame ${rec.no}: ${bytes.length || p.length} bytes on wire (${(bytes.length || p.length) * 8} bits), ${sender} ${e.host}`, [
      field(`Arrival Time: ${e.time}`),
      field(`Time since first packet: ${seconds(rec.t - (base ?? rec.t))} seconds`),
      field(`Direction: ${p.dir === "out" ? "outgoing" : "incoming"} (recorded on ${e.host})`),
      field(`Event: ${e.seq}`),
    ]);
  }

  /** @param {IPv4} ip */
  function ipTree(ip) {
    const ihlWords = Math.round((ip.ihl || 20) / 4);
    const proto = PROTOCOLS[ip.protocol] || "Unknown";
    const flagsVal = (ip.df ? 2 : 0) | (ip.mf ? 1 : 0);
    const flagNamesIP = [ip.df && "Don't fragment", ip.mf && "More fragments"].filter(Boolean).join(", ");
    const reserved = ip.rb;
    const dscp = ip.tos >> 2;
    const ecn = ip.tos & 3;
    return node("ip", `Internet Protocol Version ${ip.version}, Src: ${ip.src}, Dst: ${ip.dst}`, [
      field(`${bits4(ip.version)} .... = Version: ${ip.version}`),
      field(`.... ${bits4(ihlWords)} = Header Length: ${ip.ihl} bytes (${ihlWords})`),
      field(`Differentiated Services Field (TOS): ${hex(ip.tos, 2)} (DSCP: ${dscp}, ECN: ${ecn})`),
      field(`Total Length: ${ip.total_length}`),
      field(`Identification: ${hex(ip.id, 4)} (${ip.id})`),
      node("ipflags", `Flags: ${hex(flagsVal, 1)}${flagNamesIP ? ", " + flagNamesIP : ""}`, [
        field(`${reserved ? 1 : 0}... .... = Reserved bit: ${setOrNot(reserved)}`),
        field(`.${ip.df ? 1 : 0}.. .... = Don't fragment: ${setOrNot(ip.df)}`),
        field(`..${ip.mf ? 1 : 0}. .... = More fragments: ${setOrNot(ip.mf)}`),
      ]),
      field(`Fragment Offset: ${ip.frag_offset}`),
      field(`Time to Live: ${ip.ttl}`),
      field(`Protocol: ${proto} (${ip.protocol})`),
      field(`Header Checksum: ${hex(ip.checksum, 4)} [${ip.checksum_ok ? "correct" : "incorrect"}]`, { class: "sl-field" + (ip.checksum_ok ? "" : " sl-bad") }),
      field(`Source Address: ${ip.src}`),
      field(`Destination Address: ${ip.dst}`),
    ]);
  }

  /**
   * @param {TCP} t
   * @param {string[]} analysis Go's TCP analysis labels, Wireshark's tcp.analysis names
   */
  function tcpTree(t, analysis) {
    const f = t.flags;
    const table = lab.tcpFlagBits;
    const names = flagNames(f.bits, table);
    const nextSeq = t.rel_seq + t.payload_length + (f.syn ? 1 : 0) + (f.fin ? 1 : 0);
    const words = Math.round(t.data_offset / 4);
    const summary = `Transmission Control Protocol, Src Port: ${t.src_port}, Dst Port: ${t.dst_port}, Seq: ${t.rel_seq}` +
      (f.ack ? `, Ack: ${t.rel_ack}` : "") + `, Len: ${t.payload_length}`;
    const flagLines = [
      ...table.map((b) => field(`${bitPattern(b.mask, f.bits)} = ${b.label}: ${setOrNot((f.bits & b.mask) !== 0)}`, { "data-flag": b.name, class: "sl-field" + (f.bits & b.mask ? " sl-set" : "") })),
      field(`[TCP Flags: ${compactFlags(f.bits, table)}]`),
    ];
    const children = [
      field(`Source Port: ${t.src_port}`),
      field(`Destination Port: ${t.dst_port}`),
      field(`TCP Segment Len: ${t.payload_length}`),
      field(`Sequence Number: ${t.rel_seq}    (relative sequence number)`, { "data-testid": "detail-tcp-seq" }),
      field(`Sequence Number (raw): ${t.seq}`),
      field(`[Next Sequence Number: ${nextSeq}    (relative sequence number)]`),
      f.ack
        ? field(`Acknowledgment Number: ${t.rel_ack}    (relative ack number)`, { "data-testid": "detail-tcp-ack" })
        : field(`Acknowledgment Number: 0 (ACK not set, ignored)`, { "data-testid": "detail-tcp-ack" }),
      field(`Acknowledgment Number (raw): ${t.ack}`),
      field(`${bits4(words)} .... = Header Length: ${t.data_offset} bytes (${words})`),
      node("flags", `Flags: ${hex(f.bits, 3)} (${names.length ? names.join(", ") : "none"})`, flagLines, { "data-testid": "detail-tcp-flags" }),
      field(`Window: ${t.window}`),
      field(`[Calculated window size: ${t.calc_window}]`),
      f.syn ? null : field(`[Window size scaling factor: ${scaleFactor(t.window_scale_factor)}]`),
      field(`Checksum: ${hex(t.checksum, 4)} [${t.checksum_ok ? "correct" : "incorrect"}]`, { class: "sl-field" + (t.checksum_ok ? "" : " sl-bad") }),
      field(`Urgent Pointer: ${t.urgent}`),
    ];
    const opts = t.options.list || [];
    if (opts.length) {
      children.push(node("options", `Options: (${t.data_offset - 20} bytes), ${opts.map((o) => o.name).join(", ")}`,
        opts.map((o) => field(`TCP Option - ${o.name}${o.value ? ": " + o.value : ""}`))));
    }
    if (analysis.length) {
      children.push(node("analysis", "[SEQ/ACK analysis]",
        analysis.map((a) => field(`tcp.analysis.${a}${a === "duplicate_ack" ? ` #${t.dup_ack}` : ""}`)),
        { "data-testid": "detail-tcp-analysis" }));
    }
    return node("transport", summary, children);
  }

  /** @param {UDP} u */
  function udpTree(u) {
    return node("transport", `User Datagram Protocol, Src Port: ${u.src_port}, Dst Port: ${u.dst_port}`, [
      field(`Source Port: ${u.src_port}`),
      field(`Destination Port: ${u.dst_port}`),
      field(`Length: ${u.length}`),
      field(`Checksum: ${hex(u.checksum, 4)} [${u.checksum_ok ? "correct" : "incorrect"}]`, { class: "sl-field" + (u.checksum_ok ? "" : " sl-bad") }),
      field(`UDP payload (${u.payload_length} bytes)`),
    ]);
  }

  /** @param {ICMP} c */
  function icmpTree(c) {
    const code = c.code_name;
    const kids = [
      field(`Type: ${c.type} (${c.type_name})`),
      field(`Code: ${c.code}${code ? ` (${code})` : ""}`),
      field(`Checksum: ${hex(c.checksum, 4)} [${c.checksum_ok ? "correct" : "incorrect"}]`, { class: "sl-field" + (c.checksum_ok ? "" : " sl-bad") }),
    ];
    if (c.type === 0 || c.type === 8) {
      kids.push(field(`Identifier: ${c.id || 0} (${hex(c.id || 0, 4)})`));
      kids.push(field(`Sequence Number: ${c.seq || 0} (${hex(c.seq || 0, 4)})`));
    }
    if (c.original) kids.push(field(`Original datagram: ${c.original}`));
    return node("transport", `Internet Control Message Protocol, ${c.type_name}${code ? " (" + code + ")" : ""}`, kids);
  }

  /**
   * @param {Packet} p
   * @param {Uint8Array} bytes
   */
  function payloadOf(p, bytes) {
    const ihl = p.ipv4.ihl || 20;
    if (p.tcp && p.tcp.payload_length > 0) return bytes.subarray(ihl + p.tcp.data_offset, ihl + p.tcp.data_offset + p.tcp.payload_length);
    if (p.udp && p.udp.payload_length > 0) return bytes.subarray(ihl + 8, ihl + 8 + p.udp.payload_length);
    return null;
  }

  /** @param {Uint8Array} payload */
  function dataTree(payload) {
    let hx = "";
    for (const b of payload.subarray(0, 64)) hx += b.toString(16).padStart(2, "0");
    if (payload.length > 64) hx += "…";
    let text = "";
    for (const b of payload.subarray(0, 200)) {
      text += b === 0x0a ? "\\n" : b === 0x0d ? "\\r" : b === 0x09 ? "\\t" : b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`;
    }
    if (payload.length > 200) text += "…";
    return node("data", `Data (${payload.length} bytes)`, [
      field(`Data: ${hx}`),
      field(`As text: b'${text.replace(/'/g, "\\'")}'`),
      field(`[Length: ${payload.length}]`),
    ]);
  }

  // --- wiring ------------------------------------------------------------

  /** @param {Event} ev */
  const onClear = (ev) => forget(Number(/** @type {CustomEvent<number>} */ (ev).detail) || 0);
  bus.addEventListener("select-packet", onSelect);
  bus.addEventListener("clear", onClear);
  const stop = subscribe(lab, add);
  if (frame) { cancelAnimationFrame(frame); flush(); }

  return {
    destroy() {
      stop();
      bus.removeEventListener("select-packet", onSelect);
      bus.removeEventListener("clear", onClear);
      if (frame) cancelAnimationFrame(frame);
    },
  };
}

// scaleFactor words Wireshark's [Window size scaling factor].
/** @param {number} n */
function scaleFactor(n) {
  if (n === -1) return "-1 (unknown)";
  if (n === -2) return "-2 (no window scaling used)";
  return String(n);
}

/** @param {boolean} b */
function setOrNot(b) {
  return b ? "Set" : "Not set";
}

/** @param {number} n */
function bits4(n) {
  return (n & 15).toString(2).padStart(4, "0");
}

// bitPattern draws a 12-bit field's mask as Wireshark does:
// ".... ...1 ...." for the bits of mask, dots elsewhere.
/**
 * @param {number} mask
 * @param {number} value
 */
function bitPattern(mask, value) {
  let out = "";
  for (let i = 11; i >= 0; i--) {
    const bit = 1 << i;
    out += mask & bit ? (value & bit ? "1" : "0") : ".";
    if (i % 4 === 0 && i) out += " ";
  }
  return out;
}

// compactFlags is Wireshark's [TCP Flags: ·······A··S·]: a letter for
// each bit set (its flag's initial), a dot for each bit not set.
/**
 * @param {number} bits
 * @param {TCPFlagBit[]} table
 */
function compactFlags(bits, table) {
  let out = "";
  for (const b of table) {
    for (let bit = 0x800; bit; bit >>= 1) {
      if (b.mask & bit) out += bits & bit ? b.name[0] : "·";
    }
  }
  return out;
}
