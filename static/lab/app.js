// app.js: the lab page. It loads lab.wasm with a progress bar, keeps the
// header's bridge status up to date from session events, wires the header's
// actions, and once the student's host is up mounts the console and the
// three views (diagram.js, packets.js, sockets.js) on window.socketlab.

import { loadLab, missingFeature } from "/static/loader.js";
import { bus, emit } from "./bus.js";
import { mountConsole } from "./console.js";
import { endedWords, UNREACHABLE, WORKSHOP_ENDED } from "./ended.js";
import { errorText, find } from "./format.js";

/** @import { SessionEventEvent, SocketLab } from "../socketlab" */

/**
 * $ is the page's element that sel selects (server/pages/lab.templ).
 * @param {string} sel
 */
const $ = (sel) => find(null, sel, HTMLElement);

const grid = $(".lab-grid");
const bridge = $(".bridge");
const bridgeStatus = $("#bridge-status");
const loading = $("#loading");
const progress = find(null, "#progress", HTMLProgressElement);
const progressText = $("#progress-text");
const loadError = $("#load-error");
const input = find(null, "#console-input", HTMLInputElement);

// The views, imported on their own so that one failing to load or to
// mount leaves the console and the others working.
const VIEWS = [
  ["#diagram", "./diagram.js", "mountDiagram"],
  ["#diagram", "./wire.js", "mountWire"], // the wire panel, above the diagram
  ["#packets", "./packets.js", "mountPackets"],
  ["#sockets", "./sockets.js", "mountSockets"],
  ["#worksheet", "./worksheet.js", "mountWorksheet"], // on an exercise's page only
];

/** @type {SocketLab | null} window.socketlab once it exists */
let lab = null;
/** @type {ReturnType<typeof mountConsole> | null} the console, once mounted */
let con = null;
let everConnected = false;
let hostAddr = "";
let outage = false; // a "lost" notice is showing for the current outage

document.body.dataset.lab = "loading";
grid.setAttribute("aria-busy", "true");

// ---- bridge status --------------------------------------------------------

/**
 * @param {string} state
 * @param {string} text
 * @param {string} [detail]
 */
function setBridge(state, text, detail = "") {
  bridge.dataset.state = state;
  bridgeStatus.textContent = text;
  if (detail) bridge.title = detail;
  else bridge.removeAttribute("title");
}

// ---- workshops ---------------------------------------------------------------

const workshopCode = document.body.dataset.workshop || "";
let workshopRefused = false;

/**
 * In a workshop, a bridge that cannot be joined may be the server refusing
 * this browser (no student cookie, or one the workshop no longer knows):
 * a browser hides an upgrade's status, so ask with a plain GET, and if so
 * say it and link to the join page instead of retrying in silence.
 */
async function checkWorkshop() {
  if (!workshopCode || workshopRefused) return;
  let status = 0;
  try {
    status = (await fetch(`/bridge?workshop=${encodeURIComponent(workshopCode)}`, { credentials: "same-origin" })).status;
  } catch {
    return;
  }
  if (status !== 401 && status !== 403 && status !== 404) return;
  workshopRefused = true;
  const join = document.createElement("a");
  join.href = `/join/${encodeURIComponent(workshopCode)}`;
  join.textContent = "join it";
  join.dataset.testid = "join-link";
  setBridge("lost", "");
  bridgeStatus.append(`This browser is not in workshop ${workshopCode}: `, join);
  progressText.textContent = "Not joined to this workshop.";
}

/** @param {SessionEventEvent} e */
function onSession(e) {
  const { what = "", message = "", address: addr = "", reason = "" } = e.session || {};
  if (what === "closed" && e.session?.close_code === 4001) {
    // bridge.CloseReplaced: another tab took this student's host over.
    setBridge("lost", "Open in another tab: reload to go on here", message);
    return;
  }
  if (what === "closed" && e.session?.close_code === 4002) {
    // bridge.CloseRemoved: the instructor deleted this student.
    setBridge("lost", "The instructor removed you from this workshop", message);
    con?.notice(`${message}.`, "warn");
    return;
  }
  if (what === "closed" && e.session?.close_code === 4003) {
    // bridge.CloseEnded: the instructor deleted the workshop.
    setBridge("lost", "The instructor ended this workshop", message);
    con?.notice(WORKSHOP_ENDED, "warn");
    return;
  }
  switch (what) {
    case "hello":
      if (e.host) hostAddr = e.host;
      break;
    case "connecting":
      if (bridge.dataset.state === "lost") break; // still lost until a try succeeds
      if (everConnected) setBridge("reconnecting", "Reconnecting…", message);
      else setBridge("connecting", "Joining the lab…", message);
      break;
    case "connected":
      everConnected = true;
      outage = false;
      hostAddr = addr || hostAddr;
      setBridge("connected", `Your host is ${hostAddr}`);
      break;
    case "reconnected":
      everConnected = true;
      outage = false;
      {
        // A workshop keeps its student's address: the host is the same.
        const before = hostAddr;
        hostAddr = addr || hostAddr;
        const where = before === hostAddr ? `on the same host, ${hostAddr}` : `your host is now ${hostAddr}`;
        setBridge("connected", `Your host is ${hostAddr}`, "A fresh session, since the last one ended");
        con?.notice(`Reconnected, to a fresh session, ${where}. (The old session's packets stay in the views and the capture.)`, "warn");
      }
      break;
    case "closed":
    case "reconnecting":
      setBridge("reconnecting", "Session ended; starting a fresh one…", message);
      if (what === "reconnecting" && !outage) {
        outage = true;
        con?.notice(endedWords(e.session, con.takeVariables()), "warn");
      }
      break;
    case "lost":
      if (workshopRefused) break;
      void checkWorkshop();
      setBridge("lost", everConnected ? "Lost the lab; retrying…" : "Can't reach the lab; retrying…", message);
      if (!lab || !con) progressText.textContent = "Can't reach the lab server; trying again…";
      if (!outage) {
        outage = true;
        con?.notice(UNREACHABLE, "err");
      }
      break;
  }
}

// ---- actions ----------------------------------------------------------------

const actions = {
  "download-pcap"() {
    if (!lab) return;
    let bytes;
    try {
      bytes = lab.pcap();
    } catch (err) {
      con?.notice(`Could not make the capture: ${errorText(err)}`, "err");
      return;
    }
    const url = URL.createObjectURL(new Blob([bytes], { type: "application/vnd.tcpdump.pcap" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = `socketlab-${stamp(new Date())}.pcap`;
    a.hidden = true;
    document.body.append(a);
    a.click();
    a.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 30_000);
  },

  /** @param {HTMLElement} button */
  async "copy-transcript"(button) {
    const text = con ? con.text() : $("#transcript").innerText;
    const ok = await copyText(text);
    flash(button, ok ? "Copied ✓" : "Copy failed", ok ? "Transcript copied to the clipboard" : "Could not copy: select the transcript and copy it by hand");
  },

  clear() {
    let lastSeq = 0;
    try {
      const trace = lab ? lab.trace() : [];
      lastSeq = trace.length ? trace[trace.length - 1].seq : 0;
    } catch {
      lastSeq = 0;
    }
    emit("clear", lastSeq);
    input.focus();
  },

  "fresh-session"() {
    if (document.body.dataset.lab === "failed") return location.reload();
    const ok = confirm(
      "Start a fresh session?\n\nThis reloads the page: your host joins the lab again with a new session, and this session's sockets, variables, transcript and capture are gone. (Download the .pcap first if you want to keep it.)",
    );
    if (ok) location.reload();
  },
};

$(".actions").addEventListener("click", (ev) => {
  const button = ev.target instanceof Element ? ev.target.closest("button[data-action]") : null;
  if (!(button instanceof HTMLButtonElement) || button.disabled) return;
  const name = /** @type {keyof typeof actions} */ (button.dataset.action);
  actions[name]?.(button);
});
$('[data-action="fresh-session"]').title =
  "Reload the page: a fresh page is a fresh session, on a new host, with no sockets or variables";
$('[data-action="clear"]').title = "Clear the transcript, diagram and packet list (the capture keeps everything)";
$('[data-action="download-pcap"]').title = "Download everything your host's link carried, for Wireshark";

// stamp is YYYYMMDD-HHMMSS in local time.
/** @param {Date} d */
function stamp(d) {
  const p = (/** @type {number} */ n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** @param {string} text */
async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard API (plain http, an old browser): the old way.
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.cssText = "position:fixed;top:0;left:0;width:1px;height:1px;opacity:0";
  document.body.append(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand("copy");
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}

// announcer tells screen readers about a finished action.
const announcer = Object.assign(document.createElement("span"), { className: "visually-hidden" });
announcer.setAttribute("role", "status");
$(".actions").append(announcer);

// flash shows a short confirmation on a button, keeping its width.
/**
 * @param {HTMLElement & {flashTimer?: number}} button
 * @param {string} label
 * @param {string} spoken
 */
function flash(button, label, spoken) {
  if (!button.dataset.label) button.dataset.label = button.textContent;
  button.style.minWidth = `${button.offsetWidth}px`;
  button.textContent = label;
  button.classList.add("flash");
  announcer.textContent = spoken;
  clearTimeout(button.flashTimer);
  button.flashTimer = window.setTimeout(() => {
    button.textContent = button.dataset.label || "";
    button.classList.remove("flash");
    button.style.minWidth = "";
    announcer.textContent = "";
  }, 1800);
}

// ---- loading ----------------------------------------------------------------

/** @param {number} n */
const mb = (n) => `${(n / 1048576).toFixed(1)} MB`;

/**
 * @param {number} loaded
 * @param {number} total
 */
function onProgress(loaded, total) {
  progress.max = total || 1;
  progress.value = total ? Math.min(loaded, total) : 0;
  if (total && loaded >= total) progressText.textContent = "Starting your host…";
  else progressText.textContent = total ? `${mb(loaded)} of ${mb(total)}` : mb(loaded);
}

/**
 * The server's build of lab.wasm, which its first start does while it
 * already serves this page; the page goes on by itself once it is done.
 * @param {import("/static/loader.js").ClientInfo} build
 */
function onBuild(build) {
  setBridge("loading", "The server is building the lab…");
  progress.max = build.total || 1;
  progress.value = build.done || 0;
  const left = build.left >= 60 ? `about ${Math.round(build.left / 60)} min` : `about ${Math.ceil(build.left)} s`;
  progressText.textContent = `The server is building the lab (its first start takes a minute or two). ${build.message}${build.left > 0 ? `, ${left} left` : ""}.`;
}

/** @param {string} message */
function fail(message) {
  document.body.dataset.lab = "failed";
  grid.removeAttribute("aria-busy");
  loadError.textContent = message;
  loadError.hidden = false;
  progress.hidden = true;
  progressText.textContent = "";
  $('#loading label[for="progress"]').hidden = true;
  setBridge("lost", "The lab did not start");
  // Reloading is the way to try again.
  const fresh = find(null, '[data-action="fresh-session"]', HTMLButtonElement);
  fresh.disabled = false;
  fresh.textContent = "Reload";
}

// watchSession subscribes to session events as soon as window.socketlab
// exists, before the host is up, so that the status shows the joining.
async function watchSession() {
  while (!globalThis.socketlab) {
    if (document.body.dataset.lab !== "loading") return;
    await new Promise((r) => setTimeout(r, 20));
  }
  lab = globalThis.socketlab;
  if (document.body.dataset.lab === "loading") setBridge("connecting", "Joining the lab…");
  lab.on("session", onSession);
}

async function mountViews() {
  await Promise.all(
    VIEWS.map(async ([sel, path, fn]) => {
      const section = document.querySelector(sel);
      if (!(section instanceof HTMLElement)) return;
      try {
        const mod = await import(path);
        mod[fn](section, lab, bus);
      } catch (err) {
        console.error(`socketlab: ${path}:`, err);
        const p = document.createElement("p");
        p.className = "error view-error";
        p.setAttribute("role", "alert");
        p.textContent = `This view failed to load: ${errorText(err)}`;
        section.append(p);
      }
    }),
  );
}

async function start() {
  const missing = missingFeature();
  if (missing) {
    fail(`This browser has no ${missing}, which the lab needs. Try a current Firefox, Chrome, Edge or Safari.`);
    return;
  }
  setBridge("loading", "Loading the lab…");
  watchSession();
  let info;
  try {
    lab = await loadLab({ onProgress, onBuild });
    info = await lab.ready;
  } catch (err) {
    console.error(err);
    fail(errorText(err));
    return;
  }
  hostAddr = info.address || hostAddr;
  everConnected = true;
  if (bridge.dataset.state !== "lost" && bridge.dataset.state !== "reconnecting") {
    setBridge("connected", `Your host is ${hostAddr}`);
  }

  document.body.dataset.lab = "ready";
  grid.removeAttribute("aria-busy");
  loading.hidden = true;
  input.disabled = false;
  for (const b of document.querySelectorAll(".actions button[data-action]")) if (b instanceof HTMLButtonElement) b.disabled = false;

  con = mountConsole($("#console"), lab, bus, { host: hostAddr, services: info.services || [] });
  // Without scrolling: on a phone the page opens where the student reads
  // (an exercise's step), not at the console below it.
  input.focus({ preventScroll: true });
  await mountViews();
  document.body.dataset.views = "ready"; // every view listens: a test may act on them
}

window.addEventListener("socketlab-panic", (ev) => {
  const first = String(/** @type {CustomEvent<string>} */ (ev).detail || "").split("\n")[0];
  con?.notice(`${first}. The lab may misbehave from here; Fresh session starts over.`, "err");
});

start();
