// joinscreen.js: the join screen (/workshop/{code}/join-screen, and the
// projector's view while nothing is spotlit): the names of the students
// who have joined, live, with their count, from the workshop's event
// stream (/api/workshops/{code}/events: a "snapshot", then batches of
// "changes", of which only the students' arrivals and removals matter
// here). Names are text, never HTML.

/**
 * @typedef {{id: number, name: string}} Student
 * @typedef {{kind: string, student?: Student}} Change
 */

const joinScreen = document.querySelector('[data-testid="join-screen"]');
const code = document.body.dataset.workshop || "";
const list = joinScreen?.querySelector('[data-testid="join-screen-names"]');
const count = joinScreen?.querySelector('[data-testid="join-screen-count"]');
const liveStatus = document.querySelector('[data-testid="join-screen-status"]');

/** @type {Map<number, HTMLLIElement>} the names shown, by student id */
const shown = new Map();

/** @param {Student} st */
function add(st) {
  if (!list || shown.has(st.id)) return;
  const li = document.createElement("li");
  li.textContent = st.name;
  li.dataset.testid = "join-screen-name";
  list.append(li);
  shown.set(st.id, li);
}

/** @param {number} id */
function remove(id) {
  shown.get(id)?.remove();
  shown.delete(id);
}

function recount() {
  if (count) count.textContent = String(shown.size);
}

/** @param {string} text */
function say(text) {
  if (liveStatus) liveStatus.textContent = text;
}

if (joinScreen && list && code) {
  const stream = new EventSource(`/api/workshops/${encodeURIComponent(code)}/events`);
  stream.addEventListener("open", () => say("Live"));
  stream.addEventListener("error", () => say("Reconnecting…"));
  stream.addEventListener("snapshot", (ev) => {
    /** @type {{workshop: {students: Student[] | null}}} */
    const snap = JSON.parse(/** @type {MessageEvent} */ (ev).data);
    list.replaceChildren();
    shown.clear();
    for (const st of snap.workshop.students ?? []) add(st);
    recount();
    say("Live");
  });
  stream.addEventListener("changes", (ev) => {
    /** @type {Change[] | null} */
    const changes = JSON.parse(/** @type {MessageEvent} */ (ev).data);
    for (const ch of changes ?? []) {
      if (ch.kind === "student" && ch.student) add(ch.student);
      if (ch.kind === "removed" && ch.student) remove(ch.student.id);
    }
    recount();
  });
}
export {};
