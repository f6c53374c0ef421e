// help.js: a workshop student's "Ask for help" in the lab page's header.
// The hand goes to the server over the bridge (socketlab.hand); only the
// instructor's dashboard sees it. When the instructor marks it "on my
// way", the server says so in its workshop message (socketlab.onWorkshop),
// and the page shows it: the page never asks.

const form = /** @type {HTMLFormElement | null} */ (document.querySelector("[data-testid=help-form]"));
const message = /** @type {HTMLInputElement | null} */ (document.querySelector("[data-testid=help-message]"));
const ask = /** @type {HTMLButtonElement | null} */ (document.querySelector("[data-testid=ask-help]"));
const lower = /** @type {HTMLButtonElement | null} */ (document.querySelector("[data-testid=lower-hand]"));
const status = document.querySelector("[data-testid=help-status]");

const WORDS = { none: "", waiting: "Your hand is up: the instructor will come.", coming: "On my way — the instructor is coming." };

/** @param {import("../socketlab").HandState | null} state */
function show(state) {
  if (!form || !ask || !lower || !status || !message) return;
  const up = state === "waiting" || state === "coming";
  form.dataset.hand = state || "none";
  ask.textContent = up ? "Update my question" : "Ask for help";
  lower.hidden = !up;
  if (status.textContent !== WORDS[state || "none"]) status.textContent = WORDS[state || "none"];
}

/** @param {"raise" | "lower" | "status"} action */
async function send(action) {
  try {
    show(await window.socketlab.hand(action, action === "raise" ? message?.value.trim() || "" : ""));
  } catch (err) {
    if (status) status.textContent = `Your hand did not reach the instructor (${err instanceof Error ? err.message : err}): try again.`;
  }
}

async function start() {
  while (!window.socketlab) await new Promise((r) => setTimeout(r, 50));
  await window.socketlab.ready;
  if (!form) return;
  form.hidden = false;
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void send("raise");
  });
  lower?.addEventListener("click", () => {
    if (message) message.value = "";
    void send("lower");
  });
  window.socketlab.onWorkshop((m) => show(m.hand));
}

void start();

export {}; // a module: its names are its own
