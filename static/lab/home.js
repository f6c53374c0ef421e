// home.js: show each exercise's progress on the home page.
import { load, summary } from "./progress.js";

for (const li of document.querySelectorAll("[data-testid=exercise]")) {
  if (!(li instanceof HTMLElement)) continue;
  const steps = Number(li.dataset.steps);
  const record = load(li.dataset.exercise || "");
  const badge = li.querySelector("[data-testid=exercise-progress]");
  if (!(badge instanceof HTMLElement)) continue;
  badge.textContent = summary(record, steps);
  badge.dataset.state = record.done.length === 0 ? "new" : record.done.length >= steps ? "done" : "started";
}
