// loader.js: fetch lab.wasm with progress, start it, and wait until the
// student's host is up. Used by every page that runs the lab.
//
//   import { loadLab } from "/static/loader.js";
//   const api = await loadLab({ onProgress: (loaded, total) => … });

/** @import { SocketLab } from "./socketlab" */

const BUILD = "/static/build/";

// missingFeature names what this browser lacks to run the lab, or "".
export function missingFeature() {
  if (typeof WebAssembly !== "object" || typeof WebAssembly.instantiate !== "function") return "WebAssembly";
  if (typeof WebSocket !== "function") return "WebSockets";
  return "";
}

/**
 * @param {{onProgress?: (loaded: number, total: number) => void}} [options]
 * @returns {Promise<SocketLab>}
 */
export async function loadLab({ onProgress = (_loaded, _total) => {} } = {}) {
  const missing = missingFeature();
  if (missing) throw new Error(`This browser has no ${missing}, which the lab needs. Try a current Firefox, Chrome, Edge or Safari.`);
  await import(BUILD + "wasm_exec.js");
  const resp = await fetch(BUILD + "lab.wasm");
  if (!resp.ok) throw new Error(`Could not load the lab (lab.wasm: HTTP ${resp.status}). ${await resp.text()}`);
  const total = Number(resp.headers.get("X-Decoded-Length") || resp.headers.get("Content-Length")) || 0;
  if (!resp.body) throw new Error("Could not load the lab (lab.wasm: no body).");
  const reader = resp.body.getReader();
  const chunks = [];
  let loaded = 0;
  onProgress(0, total);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    onProgress(loaded, total);
  }
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) { bytes.set(c, at); at += c.length; }
  const go = new globalThis.Go();
  const { instance } = await WebAssembly.instantiate(bytes, go.importObject);
  const exited = go.run(instance).then(() => { throw new Error("the lab stopped"); });
  // go.run returns only when main returns; until then the lab is live.
  const lab = await Promise.race([waitForApi(), exited]);
  await Promise.race([lab.ready, exited]);
  return lab;
}

/** @returns {Promise<SocketLab>} window.socketlab, once lab.wasm has set it. */
async function waitForApi() {
  while (!globalThis.socketlab) await new Promise((r) => setTimeout(r, 5));
  return globalThis.socketlab;
}
