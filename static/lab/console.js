// console.js: the lab's console, a REPL like Python's over socketlab.exec.
//
//   import { mountConsole } from "./console.js";
//   const con = mountConsole(document.getElementById("console"), lab, bus, { host: "10.0.1.1" });
//   con.notice("A fresh session …", "warn");   // a note in the transcript
//   con.text();                                // the transcript as plain text
//
// It draws into the #console section of lab.templ: #transcript (the log of
// lines and their output), #suggestions (the next sensible calls, inferred
// from the trace's call events on the student's host), #console-form with
// #console-input, and #cancel. It adds one element of its own: a row of
// Tab completions, between the suggestions and the prompt.

import { errorText, find } from "./format.js";

/** @import { ExecResult, LabEvent, Service, SocketLab } from "../socketlab" */
/** @typedef {{el: HTMLElement, text: () => string, running?: boolean}} Rec a piece of the transcript */
/**
 * @typedef {object} Entry a line and what it printed
 * @property {HTMLElement} el
 * @property {() => string} text
 * @property {string} line
 * @property {string} output
 * @property {string} error
 * @property {boolean} running
 * @property {boolean} [nudged]
 * @property {HTMLElement} [pending]
 */
/**
 * @typedef {object} Sock a socket of the student's host, as its calls tell
 * @property {number} fd
 * @property {string} proto
 * @property {"new" | "bound" | "listening" | "connected"} phase
 * @property {string} peer
 * @property {boolean} waiting
 * @property {boolean} peerClosed
 * @property {boolean} [accepted]
 */

const HISTORY_KEY = "socketlab.history";
const HISTORY_MAX = 200;
const PENDING_DELAY = 150; // ms before a running line shows as waiting
const SHOWN_LINE = 500; // the longest line the transcript shows whole, in characters
const SERVER = "10.0.0.1"; // the lab server: echo on 7, daytime on 13

// The variable a line binds a socket to: "s = socket(AF_INET, SOCK_STREAM)".
const SOCKET_ASSIGN = /^\s*([A-Za-z_]\w*)\s*=\s*(?:socket\s*\.\s*)?socket\s*\(/;
// The variable a line binds an accepted connection to: "conn, addr = s.accept()".
const ACCEPT_ASSIGN = /^\s*([A-Za-z_]\w*)\s*,\s*[A-Za-z_]\w*\s*=\s*[A-Za-z_]\w*\s*\.\s*accept\s*\(/;

/**
 * @param {HTMLElement} section
 * @param {SocketLab} lab
 * @param {EventTarget} bus
 * @param {{host?: string, services?: Service[]}} [options] services: the lab server's, as the hello lists them
 */
export function mountConsole(section, lab, bus, { host = "", services = [] } = {}) {
  const transcript = find(section, "#transcript", HTMLElement);
  const suggestions = find(section, "#suggestions", HTMLElement);
  const form = find(section, "#console-form", HTMLFormElement);
  const input = find(section, "#console-input", HTMLInputElement);
  const cancel = find(section, "#cancel", HTMLButtonElement);

  const completions = document.createElement("div");
  completions.id = "completions";
  completions.className = "completions chips";
  completions.dataset.testid = "completions";
  completions.setAttribute("role", "group");
  completions.setAttribute("aria-label", "Completions");
  completions.setAttribute("aria-live", "polite");
  completions.hidden = true;
  suggestions.after(completions);
  suggestions.setAttribute("role", "group");
  suggestions.classList.add("chips");

  // ---- transcript -------------------------------------------------------

  /** @type {Rec[]} in order, for Copy transcript and Clear */
  let records = [];

  function nearBottom() {
    return transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < 32;
  }
  // keepBottom runs change, then scrolls to the end if the reader was there.
  /** @param {() => void} change */
  function keepBottom(change) {
    const stick = nearBottom();
    change();
    if (stick) transcript.scrollTop = transcript.scrollHeight;
  }

  /**
   * @template {keyof HTMLElementTagNameMap} K
   * @param {K} tag
   * @param {string} [className]
   * @param {string} [text]
   * @returns {HTMLElementTagNameMap[K]}
   */
  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  /**
   * @param {string} text
   * @param {"info" | "warn" | "err" | "ok"} [kind]
   */
  function notice(text, kind = "info") {
    const n = el("div", `notice notice-${kind}`);
    n.dataset.testid = "notice";
    const icon = { info: "ℹ", warn: "⚠", err: "✗", ok: "✓" }[kind] || "ℹ";
    const mark = el("span", "mark", icon);
    mark.setAttribute("aria-hidden", "true");
    n.append(mark, el("span", "notice-text", text));
    const rec = { el: n, text: () => text.split("\n").map((l) => "# " + l).join("\n") + "\n" };
    keepBottom(() => transcript.append(n));
    records.push(rec);
    return rec;
  }

  /** @param {string} typed */
  function addEntry(typed) {
    // A line far longer than the console takes (it says so, in Go's
    // error) is shown cut, not pasted whole into the transcript.
    const line = typed.length > SHOWN_LINE ? `${typed.slice(0, SHOWN_LINE)}… (${typed.length - SHOWN_LINE} more characters)` : typed;
    const entry = el("div", "entry");
    entry.dataset.testid = "entry";
    const l = el("div", "line");
    const ps1 = el("span", "ps1", ">>> ");
    ps1.setAttribute("aria-hidden", "true");
    l.append(ps1, el("code", "src", line));
    entry.append(l);
    /** @type {Entry} */
    const rec = { el: entry, line, output: "", error: "", running: false, text: () => `>>> ${rec.line}\n${rec.output}${rec.error ? rec.error + "\n" : ""}` };
    keepBottom(() => transcript.append(entry));
    records.push(rec);
    return rec;
  }

  /** @param {Entry} rec */
  function showPending(rec) {
    if (!rec.running) return;
    keepBottom(() => {
      rec.el.setAttribute("aria-busy", "true");
      const p = el("div", "pending");
      p.dataset.testid = "pending";
      const spin = el("span", "spinner");
      spin.setAttribute("aria-hidden", "true");
      p.append(spin, el("span", "", "waiting… "), el("span", "hint", "Ctrl-C or Cancel interrupts"));
      rec.el.append(p);
      rec.pending = p;
    });
    cancel.classList.remove("deferred");
  }

  /**
   * @param {Entry} rec
   * @param {ExecResult} r
   */
  function showResult(rec, r) {
    rec.running = false;
    rec.output = r.output || "";
    rec.error = r.error || "";
    keepBottom(() => {
      rec.pending?.remove();
      rec.el.removeAttribute("aria-busy");
      if (rec.output) rec.el.append(el("pre", "out", rec.output.replace(/\n$/, "")));
      if (rec.error) rec.el.append(errorBlock(rec.error, r.exception || ""));
    });
  }

  // errorBlock shows an exception as Python prints it, marked with ✗ and its
  // name in bold, so that it is not told by colour alone.
  /**
   * @param {string} text
   * @param {string} exception
   */
  function errorBlock(text, exception) {
    const box = el("div", "err");
    box.dataset.testid = "error";
    const mark = el("span", "mark", "✗");
    mark.setAttribute("aria-hidden", "true");
    const pre = el("pre", "err-text");
    const lines = text.replace(/\n$/, "").split("\n");
    lines.forEach((line, i) => {
      if (i) pre.append("\n");
      const rest = exception && line.startsWith(exception) ? line.slice(exception.length) : null;
      if (rest !== null && (rest === "" || rest.startsWith(":"))) {
        pre.append(el("strong", "exc", exception), rest);
      } else {
        pre.append(line);
      }
    });
    box.append(mark, pre);
    return box;
  }

  // Clicking the transcript (not to select text) goes back to the prompt.
  transcript.addEventListener("mouseup", () => {
    if (!String(window.getSelection?.() || "") && !input.disabled) input.focus({ preventScroll: true });
  });

  bus.addEventListener("clear", () => {
    records = records.filter((r) => r.running);
    transcript.replaceChildren(...records.map((r) => r.el));
  });

  // ---- running lines ----------------------------------------------------

  /** @type {Entry | null} the record of the running line */
  let busy = null;
  /** @type {string[]} the console's variables after the last line (socketlab.variables()) */
  let variables = [];

  /** @param {string} line */
  async function run(line) {
    hideCompletions();
    remember(line);
    const rec = addEntry(line);
    if (!line.trim()) return; // an empty prompt, as in Python
    rec.running = true;
    busy = rec;
    form.setAttribute("aria-busy", "true");
    // #cancel is shown at once (scripts wait for it to hide again), but
    // stays out of sight until the line has run long enough to be waiting.
    cancel.classList.add("deferred");
    cancel.hidden = false;
    const timer = window.setTimeout(() => showPending(rec), PENDING_DELAY);
    /** @type {ExecResult} */
    let r;
    try {
      r = await lab.exec(line);
    } catch (err) {
      r = { output: "", error: `SystemError: the lab failed on this line: ${errorText(err)}`, exception: "SystemError" };
    }
    clearTimeout(timer);
    busy = null;
    form.removeAttribute("aria-busy");
    const hadFocus = document.activeElement === cancel;
    cancel.hidden = true;
    cancel.classList.remove("deferred");
    showResult(rec, r);
    if (!r.error) learnNames(line);
    try {
      variables = lab.variables();
    } catch {
      // The lab between sessions: the last list stands.
    }
    if (hadFocus) input.focus();
    refreshSuggestions();
    bus.dispatchEvent(new CustomEvent("ran", { detail: 0 }));
  }

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (input.disabled) return;
    if (busy) {
      if (!busy.nudged) {
        busy.nudged = true;
        notice("A line is still running: wait for it, or press Ctrl-C to interrupt it.", "info");
      }
      return;
    }
    const line = input.value;
    input.value = "";
    touch(line);
    run(line);
  });

  function interrupt() {
    if (busy) lab.interrupt();
  }
  cancel.addEventListener("click", () => {
    interrupt();
    input.focus();
  });

  // Ctrl-C interrupts the running line, unless there is text selected to
  // copy. With nothing running it drops the line being typed, as Python does.
  document.addEventListener("keydown", (ev) => {
    if (!ev.ctrlKey || ev.altKey || ev.metaKey || ev.shiftKey || ev.key.toLowerCase() !== "c") return;
    const inInput = document.activeElement === input;
    const selected = String(window.getSelection?.() || "") !== "" || (inInput && input.selectionStart !== input.selectionEnd);
    if (selected) return;
    if (busy) {
      ev.preventDefault();
      interrupt();
    } else if (inInput && input.value) {
      ev.preventDefault();
      const rec = addEntry(input.value);
      showResult(rec, { output: "", error: "KeyboardInterrupt", exception: "KeyboardInterrupt" });
      input.value = "";
      hideCompletions();
    }
  });

  // ---- history ----------------------------------------------------------

  let history = loadHistory();
  let at = history.length; // history[at] is on the prompt; at === length: the draft
  let draft = "";

  /** @returns {string[]} */
  function loadHistory() {
    try {
      const h = JSON.parse(localStorage.getItem(HISTORY_KEY) || "[]");
      return Array.isArray(h) ? h.filter((x) => typeof x === "string").slice(-HISTORY_MAX) : [];
    } catch {
      return [];
    }
  }

  /** @param {string} line */
  function remember(line) {
    history = loadHistory(); // with what other tabs added meanwhile
    if (line.trim() && history[history.length - 1] !== line) {
      history.push(line);
      if (history.length > HISTORY_MAX) history = history.slice(-HISTORY_MAX);
      try {
        localStorage.setItem(HISTORY_KEY, JSON.stringify(history));
      } catch {
        // Storage full or off: history lasts as long as the page.
      }
    }
    at = history.length;
    draft = "";
  }

  /** @param {number} step */
  function recall(step) {
    const to = at + step;
    if (to < 0 || to > history.length) return;
    if (at === history.length) draft = input.value;
    at = to;
    input.value = at === history.length ? draft : history[at];
    const end = input.value.length;
    input.setSelectionRange(end, end);
    hideCompletions();
  }

  // ---- completion -------------------------------------------------------

  // trailingName is the name or dotted name text ends with, as the lab's
  // completer takes it.
  /** @param {string} text */
  function trailingName(text) {
    const word = text.slice(text.search(/[\w.]*$/));
    return /^[\d.]/.test(word) ? "" : word;
  }

  /** @param {string[]} words */
  function commonPrefix(words) {
    let p = words[0];
    for (const w of words) while (!w.startsWith(p)) p = p.slice(0, -1);
    return p;
  }

  // replaceWord puts with in place of the name before the cursor.
  /** @param {string} withText */
  function replaceWord(withText) {
    const pos = input.selectionStart ?? input.value.length;
    const before = input.value.slice(0, pos);
    const after = input.value.slice(input.selectionEnd ?? pos);
    const head = before.slice(0, before.length - trailingName(before).length);
    input.value = head + withText + after;
    const caret = head.length + withText.length;
    input.setSelectionRange(caret, caret);
  }

  // complete completes the name before the cursor; false if there is none,
  // so that Tab keeps moving the focus.
  function complete() {
    const before = input.value.slice(0, input.selectionStart ?? input.value.length);
    const word = trailingName(before);
    if (!word) return false;
    /** @type {string[]} */
    let found = [];
    try {
      found = lab.complete(before) || [];
    } catch {
      found = [];
    }
    if (!found.length) return false;
    const common = commonPrefix(found);
    if (common.length > word.length) replaceWord(common);
    if (found.length === 1) hideCompletions();
    else showCompletions(found);
    return true;
  }

  /** @param {string[]} found */
  function showCompletions(found) {
    const label = el("span", "chips-label", `${found.length} completions:`);
    const chips = found.slice(0, 40).map((text) => {
      const b = el("button", "chip", text);
      b.type = "button";
      b.dataset.testid = "completion";
      b.addEventListener("click", () => {
        input.focus();
        replaceWord(text);
        hideCompletions();
      });
      return b;
    });
    completions.replaceChildren(label, ...chips);
    completions.hidden = false;
  }

  function hideCompletions() {
    if (completions.hidden) return;
    completions.hidden = true;
    completions.replaceChildren();
  }

  input.addEventListener("input", hideCompletions);
  input.addEventListener("keydown", (ev) => {
    if (ev.altKey || ev.metaKey || ev.ctrlKey) return;
    switch (ev.key) {
      case "ArrowUp":
        ev.preventDefault();
        recall(-1);
        break;
      case "ArrowDown":
        ev.preventDefault();
        recall(+1);
        break;
      case "Tab":
        if (!ev.shiftKey && complete()) ev.preventDefault();
        break;
      case "Escape":
        hideCompletions();
        break;
    }
  });

  // ---- suggestions ------------------------------------------------------

  // The sockets of the student's host, from its call events.
  /** @type {Map<number, Sock>} fd → socket */
  let sockets = new Map();
  /** @type {Map<number, string>} fd → the variable the student gave it */
  let names = new Map();
  /** @type {number[]} fds, least recently used first */
  let order = [];
  let lastSeq = 0;

  /** @param {number} fd */
  function used(fd) {
    order = order.filter((x) => x !== fd);
    order.push(fd);
  }

  /** @param {LabEvent} e */
  function apply(e) {
    if (e.kind !== "call" || e.host !== host || e.seq <= lastSeq) return;
    lastSeq = e.seq;
    const c = e.call;
    const fd = c.socket;
    if (!fd) return;
    if (c.name === "socket") {
      if (!c.error) {
        sockets.set(fd, { fd, proto: c.proto, phase: "new", peer: "", waiting: false, peerClosed: false });
        used(fd);
      }
      return;
    }
    let s = sockets.get(fd);
    if (!s) {
      if (c.name === "close") return;
      s = { fd, proto: c.proto, phase: "new", peer: "", waiting: false, peerClosed: false };
      sockets.set(fd, s);
    }
    used(fd);
    if (c.error) return;
    if (c.peer) s.peer = c.peer;
    switch (c.name) {
      case "connect":
        s.phase = "connected";
        break;
      case "bind":
        if (s.phase === "new") s.phase = "bound";
        break;
      case "listen":
        s.phase = "listening";
        break;
      case "accept":
        if (c.new_socket) {
          sockets.set(c.new_socket, { fd: c.new_socket, proto: "tcp", phase: "connected", peer: c.peer || "", waiting: false, peerClosed: false, accepted: true });
          used(c.new_socket);
        }
        break;
      case "send":
      case "sendall":
      case "sendto":
        s.waiting = true;
        break;
      case "recv":
      case "recvfrom":
        s.waiting = false;
        if (c.result === "b''") s.peerClosed = true;
        break;
      case "close":
        sockets.delete(fd);
        names.delete(fd);
        order = order.filter((x) => x !== fd);
        break;
    }
  }

  // touch makes the socket a line uses, by its variable, the one to
  // suggest for, before its call returns (recv may wait a long time).
  /** @param {string} line */
  function touch(line) {
    const m = /^\s*([A-Za-z_]\w*)\s*\./.exec(line);
    if (!m) return;
    for (const [fd, name] of names) {
      if (name === m[1] && sockets.has(fd)) {
        used(fd);
        refreshSuggestions();
        return;
      }
    }
  }

  // learnNames remembers the variable a successful line bound a socket to.
  /** @param {string} line */
  function learnNames(line) {
    let m = SOCKET_ASSIGN.exec(line);
    let want = "socket";
    if (!m) {
      m = ACCEPT_ASSIGN.exec(line);
      want = "accept";
    }
    if (!m) return;
    /** @type {LabEvent[]} */
    let trace = [];
    try {
      trace = lab.trace();
    } catch {
      return;
    }
    for (const e of trace) apply(e); // catch up with events still on their way
    for (let i = trace.length - 1; i >= 0; i--) {
      const e = trace[i];
      if (e.kind === "call" && e.host === host && e.call.name === want && !e.call.error) {
        const fd = want === "socket" ? e.call.socket : e.call.new_socket;
        if (!fd) return;
        for (const [k, v] of names) if (v === m[1]) names.delete(k);
        names.set(fd, m[1]);
        used(fd);
        return;
      }
    }
  }

  // current is the socket to suggest calls for: the most recently used open
  // one with a known name, else the most recently used open one.
  /** @returns {Sock | null} */
  function current() {
    for (let i = order.length - 1; i >= 0; i--) if (names.has(order[i]) && sockets.has(order[i])) return sockets.get(order[i]) || null;
    for (let i = order.length - 1; i >= 0; i--) if (sockets.has(order[i])) return sockets.get(order[i]) || null;
    return null;
  }

  /** @returns {string[]} */
  function nextCalls() {
    const s = current();
    if (!s) return ["s = socket(AF_INET, SOCK_STREAM)", "u = socket(AF_INET, SOCK_DGRAM)", "help()"];
    const v = names.get(s.fd) || (s.accepted ? "conn" : "s");
    const echo = `("${SERVER}", 7)`;
    const hello = 'b"hello\\n"';
    const close = `${v}.close()`;
    if (s.proto === "udp") {
      if (s.phase === "connected") {
        return s.waiting ? [`${v}.recv(1024)`, `${v}.send(${hello})`, close] : [`${v}.send(${hello})`, `${v}.recv(1024)`, close];
      }
      if (s.waiting || s.phase === "bound") return [`${v}.recvfrom(1024)`, `${v}.sendto(${hello}, ${echo})`, close];
      return [`${v}.sendto(${hello}, ${echo})`, `${v}.bind(("0.0.0.0", 5000))`, close];
    }
    switch (s.phase) {
      case "listening":
        return [`conn, addr = ${v}.accept()`, close];
      case "bound":
        return [`${v}.listen(5)`, `${v}.connect(${echo})`, close];
      case "connected":
        if (s.peerClosed) return [close];
        if (s.peer.endsWith(":13")) return [`${v}.recv(1024)`, close];
        return s.waiting ? [`${v}.recv(1024)`, `${v}.sendall(${hello})`, close] : [`${v}.sendall(${hello})`, `${v}.recv(1024)`, close];
      default:
        return [`${v}.connect(${echo})`, `${v}.connect(("${SERVER}", 13))`, `${v}.bind(("0.0.0.0", 5000))`, close];
    }
  }

  let shown = "";
  function refreshSuggestions() {
    const calls = nextCalls();
    const key = calls.join("\n");
    if (key === shown) return;
    shown = key;
    const hadFocus = suggestions.contains(document.activeElement);
    const label = el("span", "chips-label", "Next:");
    label.setAttribute("aria-hidden", "true");
    const chips = calls.map((text) => {
      const b = el("button", "chip", text);
      b.type = "button";
      b.dataset.testid = "suggestion";
      b.title = "Put this line in the prompt (Enter runs it)";
      b.addEventListener("click", () => {
        input.value = text;
        input.focus();
        input.setSelectionRange(text.length, text.length);
        at = history.length;
        hideCompletions();
      });
      return b;
    });
    suggestions.replaceChildren(label, ...chips);
    if (hadFocus) input.focus();
  }

  function reset() {
    sockets = new Map();
    names = new Map();
    order = [];
    refreshSuggestions();
  }

  try {
    for (const e of lab.trace()) apply(e);
  } catch {
    // No trace yet: the suggestions start from nothing.
  }
  lab.on("call", (e) => {
    apply(e);
    refreshSuggestions();
  });
  lab.on("session", (e) => {
    const what = e.session?.what;
    if (what === "hello" && e.host) host = e.host;
    // The session's sockets end with it; the next session starts with none.
    if (what === "reconnecting" || what === "reconnected") reset();
  });
  refreshSuggestions();

  notice(`Python's socket module, on your host ${host || "in this tab"}. ${servicesText(services)} help() lists the calls.`, "info");

  return {
    notice,
    /** The console's variables after its last line, forgotten once taken: a session that ended took them. */
    takeVariables() {
      const names = variables;
      variables = [];
      return names;
    },
    text: () => records.map((r) => r.text()).join(""),
    focus: () => input.focus(),
  };
}

/**
 * What the lab server runs, in a sentence, from the hello's services: "The
 * lab server 10.0.0.1 runs echo (7/tcp, 7/udp), daytime (13/tcp, 13/udp), …".
 * @param {Service[]} services
 */
function servicesText(services) {
  if (services.length === 0) return `The lab server is ${SERVER}.`;
  /** @type {Map<string, string[]>} each service's ports, by name, in port order */
  const ports = new Map();
  for (const s of [...services].sort((a, b) => a.port - b.port)) {
    ports.set(s.name, [...(ports.get(s.name) || []), `${s.port}/${s.proto}`]);
  }
  return `The lab server ${SERVER} runs ${[...ports].map(([name, p]) => `${name} (${p.join(", ")})`).join(", ")}.`;
}
