// ended.js: what a student reads when their session ends, in plain words,
// from the session event's close code (the WebSocket's: lab/bridge's Close*
// constants say when the server sends each). This is the one table of
// them; the reason and message Go sends stay in the status's tooltip, for
// whoever wants the detail.

/** @import { SessionEvent } from "../socketlab" */

/** What happened, by close code. @type {Record<number, string>} */
const HAPPENED = {
  1000: "Your session ended.",
  1001: "The lab server went away: it is restarting, or your session sat idle for 30 minutes.",
  1002: "The lab server ended your session: your tab sent it something the lab's protocol does not allow.",
  1008:
    "The lab server ended your session because your host went over one of its limits: " +
    "it sent more than the lab allows at once, or fell behind reading what the lab sent back " +
    "(a big sendall is thousands of packets, each of them drawn here).",
  1009: "The lab server ended your session: your tab sent it a message larger than it accepts.",
  1011: "The lab server ended your session after an error of its own.",
  1013: "The lab server is full right now.",
};

/** What to do about it, by close code, beyond starting again. @type {Record<number, string>} */
const TODO = {
  1008: "Send less at a time (a few kilobytes, then recv what comes back).",
};

/**
 * When the connection broke without a close code: a network that dropped,
 * or a server that went away without its bye message (which is how the tab
 * learns the code: a browser keeps the close frame's to itself).
 */
const BROKE = "The connection to the lab server broke: the server stopped or restarted, or your network dropped.";

/**
 * endedWords is the notice for a session that ended: what happened, that a
 * fresh session is starting, and which of the student's names are gone.
 * @param {SessionEvent} s
 * @param {string[]} names the console's variables when it ended
 */
export function endedWords(s, names) {
  const code = s.close_code || 0;
  const gone = names.length
    ? `Your variables ${names.join(", ")} went with it: run the lines that made them again.`
    : "Its sockets went with it.";
  return [HAPPENED[code] || BROKE, "A fresh session is starting.", gone, TODO[code] || ""]
    .filter(Boolean)
    .join(" ");
}

/**
 * The notice when the instructor ended (deleted) the workshop
 * (bridge.CloseEnded): the page does not join again, and the workshop's
 * join page would say its code does not exist.
 */
export const WORKSHOP_ENDED =
  "The instructor ended this workshop: its lab and your progress in it are gone. " +
  "The lab outside any workshop is on the home page.";

/** The notice when the lab server cannot be reached. */
export const UNREACHABLE =
  "Can't reach the lab server: it may be restarting, or your network is down. Trying again on its own…";
