// loader.js: fetch lab.wasm with progress, compiling it as it arrives,
// start it, and wait until the student's host is up. Used by every page
// that runs the lab.
//
//   import { loadLab } from "/static/loader.js";
//   const api = await loadLab({ onProgress: (loaded, total) => …, onBuild: (build) => … });

/** @import { SocketLab } from "./socketlab" */

/**
 * What /static/build/lab.json says (static.ClientInfo): where lab.wasm and
 * wasm_exec.js are, under names that carry their content's hash (cached
 * for good), or how far the server's build of them is.
 * @typedef {{ready: boolean, stage: string, message: string, done: number, total: number,
 *   elapsed: number, left: number, wasm?: string, wasmExec?: string, error?: string}} ClientInfo
 */

const CLIENT = "/static/build/lab.json";

// How often the page asks how far the server's build of lab.wasm is.
const BUILD_POLL_MS = 1000;

// missingFeature names what this browser lacks to run the lab, or "".
export function missingFeature() {
  if (typeof WebAssembly !== "object" || typeof WebAssembly.instantiateStreaming !== "function") return "WebAssembly";
  if (typeof WebSocket !== "function") return "WebSockets";
  return "";
}

/**
 * @param {{onProgress?: (loaded: number, total: number) => void, onBuild?: (build: ClientInfo) => void}} [options]
 *   onProgress follows lab.wasm's download; onBuild, the server's build of
 *   it, which its first start does while it already serves pages.
 * @returns {Promise<SocketLab>}
 */
export async function loadLab({ onProgress = (_loaded, _total) => {}, onBuild = (_build) => {} } = {}) {
  const missing = missingFeature();
  if (missing) throw new Error(`This browser has no ${missing}, which the lab needs. Try a current Firefox, Chrome, Edge or Safari.`);
  const client = await builtClient(onBuild);
  const wasmURL = String(client.wasm), execURL = String(client.wasmExec);
  const [resp] = await Promise.all([fetch(wasmURL), import(execURL)]);
  if (!resp.ok) throw new Error(`Could not load the lab (lab.wasm: HTTP ${resp.status}). ${await resp.text()}`);
  const total = Number(resp.headers.get("X-Decoded-Length") || resp.headers.get("Content-Length")) || 0;
  if (!resp.body) throw new Error("Could not load the lab (lab.wasm: no body).");
  const go = new globalThis.Go();
  // The browser compiles the module as its bytes arrive; a copy of the
  // stream counts them for the progress bar.
  const [, { instance }] = await Promise.all([
    countBytes(resp.clone(), total, onProgress),
    WebAssembly.instantiateStreaming(resp, go.importObject),
  ]);
  const exited = go.run(instance).then(() => { throw new Error("the lab stopped"); });
  // go.run returns only when main returns; until then the lab is live.
  const lab = await Promise.race([waitForApi(), exited]);
  await Promise.race([lab.ready, exited]);
  return lab;
}

/**
 * builtClient asks the server where lab.wasm is, and while the server
 * still builds it, tells onBuild how far it is and asks again.
 * @param {(build: ClientInfo) => void} onBuild
 * @returns {Promise<ClientInfo>}
 */
async function builtClient(onBuild) {
  for (;;) {
    // The lab page preloads it; the server says not to store it, so
    // each poll gets it afresh.
    const resp = await fetch(CLIENT);
    /** @type {ClientInfo} */
    let info;
    try {
      info = await resp.json();
    } catch {
      throw new Error(`Could not load the lab (lab.json: HTTP ${resp.status}).`);
    }
    if (info.error) throw new Error(`Could not load the lab: ${info.error}`);
    if (info.ready && info.wasm && info.wasmExec) return info;
    onBuild(info);
    await new Promise((r) => setTimeout(r, BUILD_POLL_MS));
  }
}

/**
 * countBytes reads resp's body to its end, telling onProgress how much
 * has arrived of total.
 * @param {Response} resp
 * @param {number} total
 * @param {(loaded: number, total: number) => void} onProgress
 */
async function countBytes(resp, total, onProgress) {
  const reader = /** @type {ReadableStream<Uint8Array>} */ (resp.body).getReader();
  let loaded = 0;
  onProgress(0, total);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    loaded += value.length;
    onProgress(loaded, total);
  }
}

/** @returns {Promise<SocketLab>} window.socketlab, once lab.wasm has set it. */
async function waitForApi() {
  while (!globalThis.socketlab) await new Promise((r) => setTimeout(r, 5));
  return globalThis.socketlab;
}
