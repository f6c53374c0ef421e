// spotlight.js: the dashboard's look-in and spotlight controls. Each
// student's row gets a "Look in" link (the read-only look-in page, in a
// new tab) and a "Spotlight" button (PUT /api/workshops/{code}/spotlight:
// the student's trace on every classmate's page, as "a classmate" unless
// "Show the name" is ticked); the bar above the grid says whom it shows
// (from the dashboard's stream: its snapshot and "spotlight" changes, so
// after a reload too), turns it off, and links the projector's view.

const code = document.body.dataset.workshop || "";
const api = `/api/workshops/${encodeURIComponent(code)}/spotlight`;

const bar = document.createElement("p");
bar.className = "spotlight-bar";
bar.dataset.testid = "spotlight-bar";
const names = Object.assign(document.createElement("input"), { type: "checkbox", id: "spotlight-names" });
names.dataset.testid = "spotlight-names";
const namesLabel = Object.assign(document.createElement("label"), { htmlFor: "spotlight-names", textContent: " Show the spotlit student’s name to the class" });
const off = Object.assign(document.createElement("button"), { type: "button", textContent: "Spotlight off", disabled: true });
off.dataset.testid = "spotlight-off";
const status = document.createElement("span");
status.setAttribute("role", "status");
status.dataset.testid = "spotlight-status";
const projector = Object.assign(document.createElement("a"), {
  href: `/workshop/${encodeURIComponent(code)}/projector`,
  target: "_blank",
  textContent: "Projector view",
});
projector.dataset.testid = "projector-link";
projector.setAttribute("aria-label", "Projector view: the spotlit lab, full-screen (a new tab)");
bar.append(names, namesLabel, " ", off, " ", projector, " ", status);
document.querySelector(".dash-grid h2")?.after(bar);

/**
 * Spot is the spotlight as the dashboard's stream says it.
 * @typedef {{student: number, show_name: boolean, name: string}} Spot
 */

/**
 * show says whom the spotlight shows, from the server.
 * @param {Spot | null | undefined} sp
 */
function show(sp) {
  off.disabled = !sp;
  if (sp) names.checked = sp.show_name;
  bar.dataset.student = sp ? String(sp.student) : "";
  status.textContent = sp
    ? `Showing ${sp.name}’s lab to the class${sp.show_name ? ", with the name" : ", as “a classmate”"}.`
    : "Spotlight off.";
}

document.addEventListener("dashboard-snapshot", (ev) => {
  show(/** @type {CustomEvent<{spotlight?: Spot | null}>} */ (ev).detail.spotlight);
});
document.addEventListener("dashboard-changes", (ev) => {
  for (const c of /** @type {CustomEvent<{kind: string, spotlight?: Spot | null}[]>} */ (ev).detail) {
    if (c.kind === "spotlight") show(c.spotlight);
  }
});

/**
 * studentControls are a student's row's look-in link and spotlight button.
 * @param {{id: number, name: string}} st
 */
export function studentControls(st) {
  const tools = document.createElement("span");
  tools.className = "row-tools";
  const look = document.createElement("a");
  look.href = `/workshop/${encodeURIComponent(code)}/students/${st.id}`;
  look.target = "_blank";
  look.dataset.testid = "look-in";
  look.textContent = "Look in";
  look.setAttribute("aria-label", `Look in on ${st.name}’s lab (a new tab)`);
  const spot = Object.assign(document.createElement("button"), { type: "button", textContent: "Spotlight" });
  spot.dataset.testid = "spotlight-student";
  spot.dataset.student = String(st.id);
  spot.setAttribute("aria-label", `Spotlight ${st.name}’s lab (show it to the class)`);
  tools.append(look, " ", spot);
  return tools;
}

/**
 * @param {"PUT" | "DELETE"} method
 * @param {object} [body]
 */
async function send(method, body) {
  const resp = await fetch(api, {
    method,
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
    credentials: "same-origin",
  });
  if (!resp.ok) throw new Error((await resp.json().catch(() => ({}))).error || resp.statusText);
}

document.addEventListener("click", async (ev) => {
  const b = ev.target instanceof Element ? ev.target.closest("[data-testid=spotlight-student]") : null;
  if (!(b instanceof HTMLButtonElement)) return;
  try {
    await send("PUT", { student: Number(b.dataset.student), show_name: names.checked });
  } catch (err) {
    status.textContent = `The spotlight did not turn on: ${err instanceof Error ? err.message : err}.`;
  }
});

off.addEventListener("click", async () => {
  try {
    await send("DELETE");
  } catch (err) {
    status.textContent = `The spotlight did not turn off: ${err instanceof Error ? err.message : err}.`;
  }
});
