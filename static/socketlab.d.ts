// socketlab.d.ts: window.socketlab, the API lab.wasm exposes (wasm/js.go),
// and the events it reports (package lab: event.go, packet.go, state.go).
// The lab page's modules are checked against it (tsc --checkJs, see
// tsconfig.json); static/dts_test.go keeps the interfaces' fields the
// JSON fields of the Go types. Field comments say what Go's say.
//
// Go's omitempty fields are optional here; a Go slice may be null.

export {};

declare global {
  interface Window {
    socketlab: SocketLab;
  }
  // wasm_exec.js's Go, as loader.js uses it.
  var Go: new () => GoRuntime;
  var socketlab: SocketLab | undefined;
}

/** wasm_exec.js's Go class, as loader.js uses it. */
export interface GoRuntime {
  importObject: WebAssembly.Imports;
  run(instance: WebAssembly.Instance): Promise<void>;
}

/** window.socketlab (wasm/js.go). */
export interface SocketLab {
  readonly version: string;
  /** Resolves once the student's host is up. */
  readonly ready: Promise<Ready>;
  /** Runs one console line. */
  exec(line: string): Promise<ExecResult>;
  /** Cancels the running line (Ctrl-C); true if one was running. */
  interrupt(): boolean;
  /** The workshop the host is in and who the student is (the hello's); null outside a workshop or before the host is up. */
  workshop(): Workshop | null;
  /** Completions of the name before the cursor. */
  complete(text: string): string[] | null;
  /** Every event so far, of both hosts, on one timeline (not in order of seq: a lab server's event may be placed before one recorded earlier). */
  trace(): LabEvent[];
  /** The student's host's socket table, as ss -tanu. */
  sockets(): SocketRow[] | null;
  /** The lab server's socket table, rows for the student's connections. */
  serverSockets(): Promise<SocketRow[]>;
  /**
   * The student's calls that have blocked for a second or more, oldest first, each with what it waits for in
   * words (lab.Blocked): "accept() is waiting for a client to connect to port 5000"; a recv on a connection the lab
   * server has not accepted yet says it waits in the server's backlog, and behind how many.
   */
  waiting(): Promise<Blocked[]>;
  /**
   * In a workshop, tells the server that the student did a step of an exercise (kind "step") or answered its
   * question right ("answer", with the answer). Resolves once the server has stored it, on disk, with the record
   * as stored: confirmed when the server saw the step done itself (the packets on the bridge, the lab server's
   * calls), else as reported. Null outside a workshop, where progress stays in the browser; rejects when the
   * server refuses the report (an exercise or step not the workshop's, too many reports) or the bridge is down.
   */
  report(exercise: string, step: number, kind: ProgressKind, answer?: string): Promise<ProgressRecord | null>;
  /** In a workshop, the student's progress as the server keeps it, whichever tab or browser reported it; null outside a workshop. */
  serverProgress(): Promise<ProgressRecord[] | null>;
  /**
   * In a workshop, asks the instructor for help ("raise", with an optional one-line message of at most 100
   * characters), takes it back ("lower") or asks where it stands ("status"). Resolves with the hand's state:
   * "coming" once the instructor marked it "on my way"; null outside a workshop.
   */
  hand(action: "raise" | "lower" | "status", message?: string): Promise<HandState | null>;
  /**
   * The wire between the host and the lab's switch (its port on the server), as the console's wire object
   * controls it. Each method resolves with what it did and the wire's state after; a setting's optional last
   * argument is its direction ("out": what the host sends; "in": what comes to it; "both", the default). Rejects
   * with what is wrong with an argument out of bounds. Its calls run beside the console's line: the page can step
   * a packet while exec waits in connect.
   */
  readonly wire: SocketLabWire;
  /**
   * In a workshop, calls fn with the workshop's state as it concerns this page (the pacing, the instructor's
   * message, the student's hand): now if the server has sent it, and each time the server sends it again, pushed
   * over the bridge. Never called outside a workshop. Returns a function that unsubscribes.
   */
  onWorkshop(fn: (state: WorkshopState) => void): () => void;
  /** The capture of the host's link, a pcap file. */
  pcap(): Uint8Array<ArrayBuffer>;
  /**
   * Whether the trace after since passes each check (a JSON array of lab/check.Check).
   * since: an RFC 3339 time (the events after it; unlike event numbers, times
   * do not start again in a new session) or an event number (0: all of it).
   */
  judge(checks: string, since?: string | number): boolean[];
  /** The student's answer to a question (JSON, lab/check.Question), judged from the trace after since (as judge's). */
  answer(question: string, text: string, since?: string | number): Promise<Verdict>;
  /** The names of the console's variables, sorted: what a session that ends takes with it. */
  variables(): string[];
  /** Live events of a kind; returns the function that unsubscribes. */
  on<K extends EventKind | "*">(kind: K, fn: (e: K extends EventKind ? EventOf<K> : LabEvent) => void): () => void;
  /** The bits of TCP's flags field, highest first (lab.TCPFlagBits). */
  readonly tcpFlagBits: TCPFlagBit[];
  /** Who sees this lab (the instructor's look-in, the class's spotlight), and the classmate spotlit on this page, if any. */
  watched(): WatchState;
  /** Calls fn after each change of watched(); returns the function that stops it. */
  onWatch(fn: () => void): () => void;
  /** The spotlit classmate's trace (a workshop's spotlight), empty when none. */
  spotlight(): LabEvent[];
  /** Each event added to spotlight(); returns the function that unsubscribes. */
  onSpotlight(fn: (e: LabEvent) => void): () => void;
  /** Every exercise's progress in this browser; set by static/lab/worksheet.js on an exercise's page. */
  progress?: () => Record<string, WorksheetProgress>;
}

/** An exercise's progress, as static/lab/progress.js keeps it. */
export interface WorksheetProgress {
  steps: number;
  /** The steps ticked. */
  done: number[];
  /** The steps whose check has passed. */
  checked: number[];
  /** The steps answered right, with the answer. */
  answered: Record<string, string>;
  /** The time of the last event before the last Reset (RFC 3339): only later events count. */
  reset?: string;
  updated?: string;
  /** Set by socketlab.progress(). */
  complete?: boolean;
}

/** A workshop's state as it concerns a student's page, pushed by the server (bridge.WorkshopMessage). */
export interface WorkshopState {
  type: "workshop";
  /** The first locked_after exercises are open, the rest locked; 0: all open. */
  locked_after: number;
  /** The instructor's last message to the class (one line, at most 200 characters: text, never HTML); "" for none. */
  message: string;
  /** Changes with each message sent. */
  message_id: number;
  hand: HandState;
  /** The wire the instructor set for the whole room, absent if none: the student's impairments and seed are refused while it is set. */
  wire?: RoomWire;
}

/** lab.RoomWire: the wire a workshop's instructor set for every student's port (never hold). */
export interface RoomWire {
  out: WireSettings;
  in: WireSettings;
  /** Every port's seed; absent (0): each keeps its own. */
  seed?: number;
}

/** A workshop student's hand, as the server says it (bridge.HandMessage). */
export type HandState = "none" | "waiting" | "coming";

/** What a progress record says a student did (lab.ProgressKind). */
export type ProgressKind = "step" | "answer";

/** lab.ProgressRecord: one step done, or one question answered, as the workshop's store keeps it. */
export interface ProgressRecord {
  /** The student's ID. */
  student: number;
  exercise: string;
  /** From 0, as the worksheet numbers steps. */
  step: number;
  kind: ProgressKind;
  /** The answer given, for kind "answer". */
  answer?: string;
  /** When it was first recorded (RFC 3339). */
  completed_at: string;
  /** The server saw it itself, rather than taking the browser's word for it. */
  confirmed: boolean;
}

/** A workshop, as the bridge's hello names it (bridge.WorkshopHello). */
export interface Workshop {
  /** "ABCD-EFGH". */
  code: string;
  title: string;
  /** The exercises' IDs, in order. */
  exercises: string[] | null;
  student: WorkshopStudent;
}

/** bridge.Student: the student's name is as typed; escape it to show it. */
export interface WorkshopStudent {
  id: number;
  name: string;
}

/** What the views draw: window.socketlab, or a trace mirrored from a student's page (static/lab/mirror.js). */
export type TraceSource = Pick<SocketLab, "trace" | "on" | "tcpFlagBits" | "ready"> & Partial<Pick<SocketLab, "waiting">> & {
  /** Whose the student's host is, as the views name it: "your" (the default) on the student's own page, "their" on a trace mirrored elsewhere. */
  whose?: string;
};

/** Who sees a workshop student's lab (wasm/watch.go). */
export interface WatchState {
  /** The instructor is looking at this lab. */
  look: boolean;
  /** This lab is on the class's pages. */
  spotlight: boolean;
  /** The classmate whose trace the instructor shows, named "a classmate" unless the instructor chose to show the name. */
  classmate: { name: string; /** Their host's address (whose the trace's lifeline is). */ address: string; /** How many of their events the server dropped (this page's connection was busy): the trace shown misses some. */ skipped: number } | null;
}

export interface Ready {
  address: string;
  session: string;
  /** The services the lab server runs, as the hello lists them. */
  services: Service[];
}

/** bridge.Service: a service the lab server runs. */
export interface Service {
  name: string;
  proto: "tcp" | "udp";
  port: number;
  description: string;
}

/** console.Result. */
export interface ExecResult {
  output: string;
  error: string;
  exception: string;
}

/** check.Verdict. */
export interface Verdict {
  ok: boolean;
  result: "right" | "wrong" | "not-a-number" | "not-yet";
  message: string;
}

export type EventKind = "call" | "packet" | "state" | "session" | "wire";

/** lab.Event: exactly one of call, packet, state, session and wire is set, as kind says. */
export interface EventBase {
  /** Order of recording within a trace, from 1. */
  seq: number;
  /** Where the trace placed it when it was recorded: before the event of this seq; absent at the end. */
  before?: number;
  /** RFC 3339, nanoseconds, on the student's host's clock (a lab server's event converted to it). */
  time: string;
  /** The address of the host it happened on ("" for some session events). */
  host: string;
  kind: EventKind;
  call?: Call;
  packet?: Packet;
  state?: StateChange;
  session?: SessionEvent;
  wire?: WireEvent;
}

export interface CallEvent extends EventBase { kind: "call"; call: Call }
export interface PacketEvent extends EventBase { kind: "packet"; packet: Packet }
export interface StateEvent extends EventBase { kind: "state"; state: StateChange }
export interface SessionEventEvent extends EventBase { kind: "session"; session: SessionEvent }

export interface WireEventEvent extends EventBase { kind: "wire"; wire: WireEvent }

export type LabEvent = CallEvent | PacketEvent | StateEvent | SessionEventEvent | WireEventEvent;

/** socketlab.wire: the verbs of the console's wire object, as methods. */
export interface SocketLabWire {
  state(): Promise<WireResult>;
  pause(dir?: WireDir): Promise<WireResult>;
  /** Ends step mode: the held packets go on, new ones pass. */
  resume(dir?: WireDir): Promise<WireResult>;
  /** Releases the oldest held packet, either way, waiting up to a second for one; moved 0 if none came. */
  step(): Promise<WireResult>;
  release(): Promise<WireResult>;
  drop(): Promise<WireResult>;
  /** p from 0 to 1. */
  loss(p: number, dir?: WireDir): Promise<WireResult>;
  /** Seconds, each up to 10. */
  delay(seconds: number, jitter?: number, dir?: WireDir): Promise<WireResult>;
  duplicate(p: number, dir?: WireDir): Promise<WireResult>;
  reorder(p: number, dir?: WireDir): Promise<WireResult>;
  /** Bytes a second: 0 (no limit) or 100 to 10⁹. */
  rate(bytesPerSecond: number, dir?: WireDir): Promise<WireResult>;
  seed(n: number): Promise<WireResult>;
  clear(dir?: WireDir): Promise<WireResult>;
}

export type WireDir = "out" | "in" | "both";

/** lab.WireResult: what a wire command did. */
export interface WireResult {
  state: WireState;
  /** The summary of the packet a step or drop moved. */
  packet?: string;
  /** Packets a step or drop (0 or 1) or a release moved. */
  moved: number;
}

/** lab.WireState: the wire's settings each way and what it holds. */
export interface WireState {
  out: WireSettings;
  in: WireSettings;
  /** At most 2**53-1: a JavaScript number holds it exactly. */
  seed: number;
  /** The impairments and seed are the room's, set by the instructor: the student's changes to them are refused. */
  room: boolean;
  /** Packets waiting to be released. */
  held: number;
  /** Of them, retransmissions of a segment held or released before, which step and drop pass over. */
  repeats: number;
  delayed: number;
  dropped: number;
  overflow: number;
}

/** lab.WireSettings: one direction's. */
export interface WireSettings {
  hold: boolean;
  loss: number;
  delay_ns: number;
  jitter_ns: number;
  duplicate: number;
  reorder: number;
  /** Bytes a second; 0 no limit. */
  rate: number;
}

/** lab.WireEvent: what the wire between the host and the switch did to one packet. */
export interface WireEvent {
  action: "held" | "released" | "dropped" | "delayed" | "duplicated" | "reordered";
  /** As the host sees the packet: "out", one it sent; "in", one on its way to it. */
  dir: "in" | "out";
  /** The packet, as a packet event's summary, its numbers raw. */
  summary: string;
  /** Why it was dropped: "loss", "drop" (dropped while held), "overflow" (too many waited); for held, "repeat" (a retransmission step passes over). */
  reason?: "loss" | "drop" | "overflow" | "repeat";
  /** The seq of the packet event of the host's own packet the wire first did this to (held, lost, …), or released or dropped after holding it, when the client found it. */
  packet?: number;
}

export type EventOf<K extends EventKind> = Extract<LabEvent, { kind: K }>;

/** lab.Call: one socket call, from its start to its return. */
/** A call that has not returned yet (socketlab.waiting()). */
export interface Blocked {
  /** The call as it began: its socket, name, arguments, start; its socket's addresses as they are now; no result or end yet. */
  call: Call;
  /** The socket's state now. */
  state: string;
  /** What it waits for, in words. */
  why: string;
}

export interface Call {
  socket: number;
  proto: string;
  name: string;
  args: string[] | null;
  /** As Python would print it; "" when it raised. */
  result: string;
  error?: string;
  errno?: number;
  /** The exception's class, "ConnectionRefusedError". */
  exception?: string;
  local?: string;
  peer?: string;
  bytes?: number;
  new_socket?: number;
  start: string;
  end: string;
}

export type SocketState =
  | "" | "CLOSED" | "LISTEN" | "SYN-SENT" | "SYN-RECEIVED" | "ESTABLISHED" | "FIN-WAIT-1" | "FIN-WAIT-2"
  | "CLOSE-WAIT" | "CLOSING" | "LAST-ACK" | "TIME-WAIT" | "UNCONN";

/** lab.StateChange. */
export interface StateChange {
  socket: number;
  proto: string;
  local: string;
  peer?: string;
  from: SocketState;
  to: SocketState;
}

/** lab.SessionEvent. */
export interface SessionEvent {
  what: "hello" | "connecting" | "connected" | "lost" | "reconnecting" | "reconnected" | "closed";
  message: string;
  /** The student's host (hello, connected, reconnected). */
  address?: string;
  /** The lab server's address (hello). */
  server?: string;
  /** The session's id (hello). */
  session?: string;
  /** Why the session ended or could not start (closed, reconnecting, lost). */
  reason?: string;
  /** The WebSocket close code it ended with. */
  close_code?: number;
}

/** lab.SocketInfo: a row of a socket table. */
export interface SocketRow {
  socket: number;
  proto: string;
  state: SocketState;
  local: string;
  peer: string;
  recv_q: number;
  send_q: number;
}

/** lab.Packet: one IPv4 packet on one of a host's interfaces, decoded. */
export interface Packet {
  /** The interface it was seen on: "eth0" (the link) or "lo" (the loopback, where a packet is seen once, "out"). */
  iface: string;
  dir: "in" | "out";
  protocol: "TCP" | "UDP" | "ICMP" | "IPv4";
  src: string;
  dst: string;
  length: number;
  /** Wireshark's Info column. */
  summary: string;
  /** TCP analysis labels, Wireshark's tcp.analysis.* names: "retransmission", "duplicate_ack", "zero_window", … */
  analysis?: string[];
  ipv4: IPv4;
  tcp?: TCP;
  udp?: UDP;
  icmp?: ICMP;
  /** The whole packet, base64 (Go's []byte). */
  data: string | null;
}

/** lab.IPv4. */
export interface IPv4 {
  version: number;
  ihl: number;
  tos: number;
  total_length: number;
  id: number;
  rb: boolean;
  df: boolean;
  mf: boolean;
  frag_offset: number;
  ttl: number;
  protocol: number;
  checksum: number;
  checksum_ok: boolean;
  src: string;
  dst: string;
}

/** lab.TCP. */
export interface TCP {
  src_port: number;
  dst_port: number;
  seq: number;
  ack: number;
  rel_seq: number;
  rel_ack: number;
  data_offset: number;
  flags: TCPFlags;
  window: number;
  /** The window scaled as the handshake said: Wireshark's [Calculated window size]. */
  calc_window: number;
  /** What window is multiplied by; -1 unknown, -2 no window scaling used. */
  window_scale_factor: number;
  checksum: number;
  checksum_ok: boolean;
  urgent: number;
  options: TCPOptions;
  payload_length: number;
  /** A duplicate ACK's number (1 for the first repeat); absent otherwise. */
  dup_ack?: number;
}

/** lab.TCPFlags: the 12 bits of the flags field. */
export interface TCPFlags {
  fin: boolean;
  syn: boolean;
  rst: boolean;
  psh: boolean;
  ack: boolean;
  urg: boolean;
  ece: boolean;
  cwr: boolean;
  ae: boolean;
  /** The three reserved bits, 0 to 7. */
  reserved: number;
  /** The whole field, Wireshark's tcp.flags. */
  bits: number;
}

/** lab.TCPFlagBit. */
export interface TCPFlagBit {
  mask: number;
  name: string;
  label: string;
}

/** lab.TCPOptions. */
export interface TCPOptions {
  mss?: number;
  has_wscale?: boolean;
  wscale?: number;
  sack_permitted?: boolean;
  sack?: SACKBlock[];
  has_timestamp?: boolean;
  tsval?: number;
  tsecr?: number;
  /** Kinds of options not decoded, base64 (Go's []uint8). */
  unknown?: string;
  /** Every option in wire order. */
  list?: TCPOption[];
}

/** lab.TCPOption. */
export interface TCPOption {
  kind: number;
  length: number;
  name: string;
  value?: string;
}

/** lab.SACKBlock. */
export interface SACKBlock {
  left: number;
  right: number;
}

/** lab.UDP. */
export interface UDP {
  src_port: number;
  dst_port: number;
  length: number;
  checksum: number;
  checksum_ok: boolean;
  payload_length: number;
}

/** lab.ICMP. */
export interface ICMP {
  type: number;
  code: number;
  type_name: string;
  code_name?: string;
  checksum: number;
  checksum_ok: boolean;
  id?: number;
  seq?: number;
  original?: string;
}
