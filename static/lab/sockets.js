// sockets.js: the socket table, like ss -tanu, for every host: the
// student's host from lab.sockets() (polled when events arrive, at most
// every 200 ms, and every second), the lab server's derived from its
// trace (its set-up calls, its accept calls and its state changes).
//
//   mountSockets(sectionEl, lab, bus)

import { Hosts, find, h, portOf, readyAddress, subscribe } from "./format.js";

/** @import { LabEvent, SocketLab, StateChange } from "../socketlab" */
/**
 * @typedef {object} Row a row of the table
 * @property {string} key
 * @property {string} host
 * @property {string} role
 * @property {number} fd
 * @property {string} proto
 * @property {string} local
 * @property {string} peer
 * @property {string} state
 * @property {number | null} recvQ
 * @property {number | null} sendQ
 * @property {number} [closedAt]
 */

const POLL_MIN_MS = 200;
const POLL_EVERY_MS = 1000;
const CLOSED_LINGER_MS = 3000; // a server connection that reached CLOSED stays this long
const FLASH_MS = 1200;

/**
 * @param {HTMLElement | null} sectionEl
 * @param {SocketLab} lab
 * @param {EventTarget} bus
 */
export function mountSockets(sectionEl, lab, bus) {
  const table = find(sectionEl, "#socket-table", HTMLTableElement);
  const tbody = table.tBodies[0] || table.appendChild(document.createElement("tbody"));
  table.classList.add("sl-socket-table");
  tbody.replaceChildren();

  const hosts = new Hosts();
  /** @type {Row[]} rows of the student's host, from lab.sockets() */
  let student = [];
  /** @type {Map<string, Row>} key → row, for every other host */
  const server = new Map();
  /** @type {Map<string, {tr: HTMLTableRowElement, row: Partial<Row>}>} key → its row */
  const trs = new Map();
  /** @type {Set<number>} */
  const timers = new Set();
  const emptyRow = h("tr", { class: "sl-empty-row" }, h("td", { colspan: 8 }, "No sockets yet."));
  let lastPoll = 0;
  let pollTimer = 0;
  let renderQueued = false;

  // --- the student's host ------------------------------------------------

  function poll() {
    lastPoll = performance.now();
    if (pollTimer) { clearTimeout(pollTimer); pollTimer = 0; }
    /** @type {import("../socketlab").SocketRow[]} */
    let list = [];
    try { list = (lab.sockets && lab.sockets()) || []; } catch (err) { console.error("socketlab sockets():", err); }
    const host = hosts.student;
    student = list.map((r) => ({
      key: `${host}|${r.socket ? "fd" + r.socket : `${r.proto}|${r.local}|${r.peer}`}`,
      host,
      role: "client",
      fd: r.socket,
      proto: r.proto,
      local: r.local,
      peer: r.peer,
      state: r.state,
      recvQ: r.recv_q,
      sendQ: r.send_q,
    }));
    render();
  }

  // patchStudent applies a state change of the student's host to its row
  // at once, so that the table moves with the diagram; the next poll
  // confirms it (and brings the queues).
  /** @param {StateChange} st */
  function patchStudent(st) {
    const row = student.find((r) => (st.socket && r.fd === st.socket) || (r.local === st.local && r.peer === (st.peer || r.peer)));
    if (!row || row.state === st.to) return false;
    row.state = st.to;
    if (st.local) row.local = st.local;
    if (st.peer) row.peer = st.peer;
    return true;
  }

  function pollSoon() {
    const wait = POLL_MIN_MS - (performance.now() - lastPoll);
    if (wait <= 0) { queueMicrotask(poll); lastPoll = performance.now(); return; }
    if (!pollTimer) pollTimer = window.setTimeout(poll, wait);
  }

  // --- the lab server, from its trace ------------------------------------

  /**
   * @param {string} host
   * @param {number} fd
   */
  function fdKey(host, fd) { return `${host}|fd${fd}`; }
  /**
   * @param {string} host
   * @param {string} proto
   * @param {string} local
   * @param {string} peer
   */
  function connKey(host, proto, local, peer) { return `${host}|${proto}|${local}|${peer}`; }

  /**
   * @param {string} key
   * @param {Partial<Row>} init
   * @returns {Row}
   */
  function serverRow(key, init) {
    let row = server.get(key);
    if (!row) {
      row = { key, host: "", role: "server", fd: 0, proto: "", local: "", peer: "", state: "", recvQ: null, sendQ: null, ...init };
      server.set(key, row);
    }
    return row;
  }

  // rekey moves a row to another key (a connection accepted: it gets an fd).
  /**
   * @param {Row} row
   * @param {string} key
   */
  function rekey(row, key) {
    if (row.key === key) return row;
    const oldKey = row.key;
    server.delete(oldKey);
    const v = trs.get(oldKey);
    trs.delete(oldKey);
    const there = server.get(key);
    if (there) {
      // Keep what each knows.
      for (const k of /** @type {const} */ (["local", "peer", "state", "proto"])) if (!there[k] && row[k]) there[k] = row[k];
      if (v) v.tr.remove();
      return there;
    }
    row.key = key;
    server.set(key, row);
    if (v) { trs.set(key, v); v.tr.dataset.key = key; }
    return row;
  }

  /**
   * @param {string} host
   * @param {string} proto
   * @param {string | undefined} peer
   */
  function findConn(host, proto, peer) {
    for (const row of server.values()) {
      if (row.host === host && row.proto === proto && row.peer === peer && row.state !== "CLOSED") return row;
    }
    return null;
  }

  /** @param {Row} row */
  function closeLater(row) {
    row.closedAt = performance.now();
    const t = window.setTimeout(() => {
      timers.delete(t);
      if (server.get(row.key) === row && row.state === "CLOSED") { server.delete(row.key); render(); }
    }, CLOSED_LINGER_MS);
    timers.add(t);
  }

  /** @param {LabEvent} e */
  function fromTrace(e) {
    const host = e.host;
    if (e.kind === "call" && e.call) {
      const c = e.call;
      if (c.name === "socket") {
        serverRow(fdKey(host, c.socket), { host, fd: c.socket, proto: c.proto, state: c.proto === "udp" ? "UNCONN" : "CLOSED" });
      } else if (c.name === "bind" || c.name === "listen") {
        const row = serverRow(fdKey(host, c.socket), { host, fd: c.socket, proto: c.proto });
        if (c.local) row.local = c.local;
        if (c.name === "listen") row.state = "LISTEN";
        else if (c.proto === "udp" && !row.state) row.state = "UNCONN";
      } else if (c.name === "accept" && c.new_socket) {
        const listener = server.get(fdKey(host, c.socket));
        let row = server.get(fdKey(host, c.new_socket)) || findConn(host, c.proto, c.peer);
        if (row) row = rekey(row, fdKey(host, c.new_socket));
        else {
          const port = portOf(c.local || (listener && listener.local) || "");
          row = serverRow(fdKey(host, c.new_socket), { host, proto: c.proto, local: port ? `${host}:${port}` : "", state: "ESTABLISHED" });
        }
        row.fd = c.new_socket;
        if (c.peer) row.peer = c.peer;
      } else if (c.name === "connect" && !c.error) {
        const row = serverRow(fdKey(host, c.socket), { host, fd: c.socket, proto: c.proto });
        if (c.local) row.local = c.local;
        if (c.peer) row.peer = c.peer;
      } else if (c.name === "close") {
        const row = server.get(fdKey(host, c.socket));
        if (row && (row.proto === "udp" || row.state === "LISTEN" || row.state === "CLOSED" || row.state === "")) server.delete(row.key);
      } else if (c.socket && !server.has(fdKey(host, c.socket)) && c.local) {
        // A socket we missed the start of (the view was cleared, or the trace bounded).
        serverRow(fdKey(host, c.socket), { host, fd: c.socket, proto: c.proto, local: c.local, peer: c.peer || "", state: c.proto === "udp" ? "UNCONN" : "ESTABLISHED" });
      }
    } else if (e.kind === "state" && e.state) {
      const st = e.state;
      /** @type {Row | undefined} */
      let row;
      if (st.socket) {
        row = server.get(fdKey(host, st.socket));
        if (!row && st.peer) {
          const pending = server.get(connKey(host, st.proto, st.local, st.peer));
          if (pending) row = rekey(pending, fdKey(host, st.socket));
        }
        if (!row) row = serverRow(fdKey(host, st.socket), { host, proto: st.proto });
        row.fd = st.socket;
      } else {
        row = serverRow(connKey(host, st.proto, st.local, st.peer || ""), { host, proto: st.proto });
      }
      if (!row.local || (st.peer && row.state !== "LISTEN")) row.local = row.state === "LISTEN" && row.local ? row.local : st.local;
      if (st.peer && row.state !== "LISTEN") row.peer = st.peer;
      row.state = st.to;
      if (st.to === "CLOSED") closeLater(row);
    }
  }

  // --- rendering ---------------------------------------------------------

  function render() {
    if (renderQueued) return;
    renderQueued = true;
    requestAnimationFrame(draw);
  }

  /**
   * @param {Row} r
   * @returns {(string | number)[]}
   */
  function sortKey(r) {
    const role = r.host === hosts.student ? 0 : hosts.role(r.host) === "client" ? 1 : 2;
    return [role, r.host, r.fd || 1e9, r.local, r.peer];
  }

  /**
   * @param {Row} a
   * @param {Row} b
   */
  function cmp(a, b) {
    const x = sortKey(a);
    const y = sortKey(b);
    for (let i = 0; i < x.length; i++) {
      if (x[i] < y[i]) return -1;
      if (x[i] > y[i]) return 1;
    }
    return 0;
  }

  function draw() {
    renderQueued = false;
    const rows = [...student, ...server.values()].sort(cmp);
    const keep = new Set(rows.map((r) => r.key));
    for (const [key, v] of trs) if (!keep.has(key)) { v.tr.remove(); trs.delete(key); }
    if (!rows.length) { tbody.replaceChildren(emptyRow); return; }
    emptyRow.remove();
    rows.forEach((row, i) => {
      let v = trs.get(row.key);
      if (!v) {
        v = { tr: makeRow(row), row: {} };
        trs.set(row.key, v);
      }
      update(v, row);
      const at = tbody.children[i];
      if (at !== v.tr) tbody.insertBefore(v.tr, at || null);
    });
  }

  /** @param {Row} row */
  function makeRow(row) {
    const cells = ["host", "fd num", "proto", "addr", "addr", "state", "num", "num"].map((c) => h("td", { class: c }));
    return h("tr", { "data-testid": "socket-row", "data-key": row.key }, cells);
  }

  /**
   * @param {{tr: HTMLTableRowElement, row: Partial<Row>}} v
   * @param {Row} row
   */
  function update(v, row) {
    const tr = v.tr;
    const prev = v.row;
    const c = tr.cells;
    const role = row.host === hosts.student ? "client" : hosts.role(row.host);
    tr.dataset.host = row.host;
    tr.dataset.state = row.state || "";
    tr.dataset.role = role;
    tr.className = `sl-${role}`;
    if (prev.host !== row.host || prev.role !== role) {
      c[0].replaceChildren(h("span", { class: "sl-role" }, role === "client" ? "you" : role === "server" ? "server" : "host"), " ", row.host);
      c[0].title = role === "client" ? "your host" : role === "server" ? "the lab server" : "another host";
    }
    setText(c[1], row.fd ? String(row.fd) : "–");
    setText(c[2], row.proto);
    setText(c[3], row.local || "*");
    setText(c[4], row.peer || "*");
    if (prev.state !== row.state) {
      c[5].replaceChildren(h("span", { class: "sl-badge", "data-state": row.state || "" }, row.state || "–"));
      if (prev.state !== undefined) flash(tr, prev.state, row.state);
    }
    setText(c[6], row.recvQ == null ? "" : String(row.recvQ));
    setText(c[7], row.sendQ == null ? "" : String(row.sendQ));
    v.row = { ...row, role };
  }

  /**
   * @param {HTMLElement} td
   * @param {string} text
   */
  function setText(td, text) {
    if (td.textContent !== text) td.textContent = text;
  }

  /**
   * @param {HTMLTableRowElement & {_slFlash?: number}} tr
   * @param {string | undefined} from
   * @param {string} to
   */
  function flash(tr, from, to) {
    tr.classList.add("sl-changed");
    tr.title = `was ${from || "–"}, now ${to || "–"}`;
    clearTimeout(tr._slFlash);
    tr._slFlash = window.setTimeout(() => tr.classList.remove("sl-changed"), FLASH_MS);
  }

  // --- wiring ------------------------------------------------------------

  /** @param {LabEvent} e */
  function onEvent(e) {
    const changed = hosts.learn(e);
    if (e.kind === "session" && e.session && e.session.what === "hello" && e.host) {
      // A fresh session is a fresh room: its lab server starts anew.
      server.clear();
    }
    if (e.host && e.host !== hosts.student && hosts.role(e.host) !== "client" && (e.kind === "call" || e.kind === "state")) {
      fromTrace(e);
      render();
    }
    if (e.kind === "state" && e.state && e.host === hosts.student && patchStudent(e.state)) render();
    if (changed) render();
    if (live) pollSoon();
  }

  const initial = (lab.trace && lab.trace()) || [];
  for (const e of initial) if (e.kind === "session" || e.kind === "packet") hosts.learn(e);
  let live = false;
  const stop = subscribe(lab, onEvent);
  live = true;
  readyAddress(lab).then((addr) => {
    if (addr && !hosts.students.includes(addr)) { hosts.addStudent(addr); poll(); }
  });
  poll();
  const every = setInterval(poll, POLL_EVERY_MS);

  return {
    destroy() {
      stop();
      clearInterval(every);
      if (pollTimer) clearTimeout(pollTimer);
      for (const t of timers) clearTimeout(t);
    },
  };
}

