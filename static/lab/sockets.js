// sockets.js: the socket table, like ss -tanu, for both hosts: the
// student's host from lab.sockets() (polled when events arrive, at most
// every 200 ms, and every second), the lab server's from
// lab.serverSockets() (asked of the server when its calls or states
// arrive, at most every 200 ms). Go keeps both tables; this only draws
// them.
//
//   mountSockets(sectionEl, lab, bus)

import { Hosts, find, h, readyAddress, subscribe } from "./format.js";

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
 */

const POLL_MIN_MS = 200;
const POLL_EVERY_MS = 1000;
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

  // --- the lab server, from the server --------------------------------

  // pollServer asks the lab server for its socket table as it concerns
  // this host (its listeners and its connections with us); one request
  // at a time, and one more if something changed while it was out.
  let serverBusy = false;
  let serverAgain = false;
  let serverTimer = 0;

  function pollServer() {
    serverTimer = 0;
    if (serverBusy) { serverAgain = true; return; }
    const addr = hosts.servers[hosts.servers.length - 1];
    if (!addr || !lab.serverSockets) return;
    serverBusy = true;
    lab.serverSockets().then((list) => {
      server.clear();
      for (const r of list || []) {
        const key = `${addr}|${r.socket ? "fd" + r.socket : `${r.proto}|${r.local}|${r.peer}`}`;
        server.set(key, { key, host: addr, role: "server", fd: r.socket, proto: r.proto, local: r.local, peer: r.peer, state: r.state, recvQ: r.recv_q, sendQ: r.send_q });
      }
      render();
    }, (err) => console.error("socketlab serverSockets():", err)).finally(() => {
      serverBusy = false;
      if (serverAgain) { serverAgain = false; pollServerSoon(); }
    });
  }

  function pollServerSoon() {
    if (!serverTimer) serverTimer = window.setTimeout(pollServer, POLL_MIN_MS);
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
  /** @param {LabEvent} e */
  function onEvent(e) {
    const changed = hosts.learn(e);
    if (e.kind === "session" && e.session.what === "hello") {
      // A fresh session is a fresh room: its lab server starts anew.
      server.clear();
      pollServerSoon();
    }
    if (e.host && e.host !== hosts.student && hosts.role(e.host) === "server" && (e.kind === "call" || e.kind === "state")) pollServerSoon();
    if (e.kind === "state" && e.host === hosts.student && patchStudent(e.state)) render();
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
  pollServer();
  const every = setInterval(poll, POLL_EVERY_MS);

  return {
    destroy() {
      stop();
      clearInterval(every);
      if (pollTimer) clearTimeout(pollTimer);
      if (serverTimer) clearTimeout(serverTimer);
    },
  };
}

