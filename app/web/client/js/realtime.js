// The Socket.IO connection to /messaging (docs/websocket.md), through the vendored socket.io-client
// (vendor/socket.io.min.js, loaded before the modules: it defines the global `io`).

const ACK_TIMEOUT_MS = 10_000;
const HEARTBEAT_MS = 25_000;
const RETRY_REFUSED_MS = 1_000; // after the server refused our token (once refreshed)
const RETRY_UNAVAILABLE_MS = 2_000; // after the server said a dependency is down

/** Changes to a conversation, each with its event_seq: the events its log replays (docs/websocket.md,
 * "Replaying what you missed"). */
export const CHANGE_EVENTS = ["message_received", "message_sent", "message_edited", "message_deleted",
  "reaction_added", "reaction_removed", "participant_added", "participant_removed", "participant_updated",
  "conversation_updated"];

/** Events from the server that the app listens to (docs/websocket.md, Server → client events). */
export const SERVER_EVENTS = [...CHANGE_EVENTS, "message_read", "message_delivered", "user_typing",
  "user_online", "user_offline", "resync"];

export class Realtime extends EventTarget {
  /** `session` gives the token at every (re)connection, so a reconnect uses a fresh one. */
  constructor(session) {
    super();
    this.session = session;
    this.socket = null;
    this.heartbeat = null;
  }

  get connected() { return Boolean(this.socket?.connected); }

  open() {
    const socket = window.io("/messaging", {
      // Asked at every (re)connection attempt: a token about to expire is refreshed first.
      auth: (callback) => this.session.freshToken()
        .then((token) => callback({ token }), () => callback({ token: this.session.accessToken })),
      reconnectionDelay: 500,
      reconnectionDelayMax: 3_000,
    });
    this.socket = socket;
    socket.on("connect", () => {
      this._startHeartbeat();
      this._tell("status", { connected: true });
    });
    socket.on("disconnect", (reason) => {
      clearInterval(this.heartbeat);
      this._tell("status", { connected: false, reason });
      // The server ends a connection whose token expired (session_ended says so first), and
      // socket.io-client does not retry a server-side disconnect: connect again with a fresh token.
      if (reason === "io server disconnect" && this.session.loggedIn && !this.session.loggingOut) this._reconnect(0);
    });
    socket.on("connect_error", (error) => {
      if (socket.active) return; // a transport failure: socket.io-client retries by itself
      // Refused by the server: a token it does not accept (refreshed first), or a dependency down.
      const refused = error?.data?.code === "unauthorized";
      this._reconnect(refused ? RETRY_REFUSED_MS : RETRY_UNAVAILABLE_MS, refused);
    });
    socket.on("session_ended", (data) => {
      if (data?.reason !== "token_expired" && this.session.loggedIn && !this.session.loggingOut) {
        this.session.end("This session was logged out (in another tab?): log in again.");
      }
    });
    for (const name of SERVER_EVENTS) socket.on(name, (data) => this._tell(name, data));
    document.addEventListener("visibilitychange", () => this._beat());
  }

  /** Emit with an acknowledgement: resolves to `data` of {"ok": true, "data"}, rejects with
   * {code, message, details} for {"ok": false, "error"} and {code: "timeout"} without an answer. */
  call(event, payload) {
    return new Promise((resolve, reject) => {
      if (!this.connected) {
        reject({ code: "disconnected", message: "not connected" });
        return;
      }
      this.socket.timeout(ACK_TIMEOUT_MS).emit(event, payload, (timedOut, ack) => {
        if (timedOut) reject({ code: "timeout", message: "no answer from the server" });
        else if (ack?.ok) resolve(ack.data);
        else reject(ack?.error || { code: "internal_error", message: "unexpected answer" });
      });
    });
  }

  /** Emit and forget (typing signals, delivery acknowledgements): nothing to do if it is lost. */
  send(event, payload) {
    if (this.connected) this.socket.emit(event, payload);
  }

  _tell(name, detail) {
    this.dispatchEvent(new CustomEvent(name, { detail }));
  }

  /** Connect again after `delayMs`, with a token refreshed first if it is about to expire (or, with
   * `forceRefresh`, because the server refused it). */
  async _reconnect(delayMs, forceRefresh = false) {
    const socket = this.socket;
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    try {
      await (forceRefresh ? this.session.refresh() : this.session.freshToken());
    } catch (error) {
      if (!this.session.loggedIn) return; // the session has ended: the app shows the login form
    }
    if (this.socket === socket && !socket.connected) socket.connect();
  }

  _startHeartbeat() {
    clearInterval(this.heartbeat);
    this._beat();
    this.heartbeat = setInterval(() => this._beat(), HEARTBEAT_MS);
  }

  _beat() {
    this.send("heartbeat", { status: document.visibilityState === "visible" ? "online" : "away" });
  }
}
