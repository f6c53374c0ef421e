// spotlight.js: the dashboard's look-in and spotlight controls. Each
// student's row gets a "Look in" link (the read-only look-in page, in a
// new tab) and a "Spotlight" button (PUT /api/workshops/{code}/spotlight:
// the student's trace on every classmate's page, as "a classmate" unless
// "Show the name" is ticked); the bar above the grid turns it off.

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
bar.append(names, namesLabel, " ", off, " ", status);
document.querySelector(".dash-grid h2")?.after(bar);

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
  const name = b.closest("tr")?.querySelector("th")?.firstChild?.textContent || "the student";
  try {
    await send("PUT", { student: Number(b.dataset.student), show_name: names.checked });
    status.textContent = `Showing ${name}’s lab to the class${names.checked ? ", with the name" : ", as “a classmate”"}.`;
    off.disabled = false;
  } catch (err) {
    status.textContent = `The spotlight did not turn on: ${err instanceof Error ? err.message : err}.`;
  }
});

off.addEventListener("click", async () => {
  try {
    await send("DELETE");
    status.textContent = "Spotlight off.";
    off.disabled = true;
  } catch (err) {
    status.textContent = `The spotlight did not turn off: ${err instanceof Error ? err.message : err}.`;
  }
});
