// Who is logged in in this tab: tokens kept in sessionStorage (so two tabs can be two users),
// the access token refreshed before it expires, and on demand when the API says it has.
import { ApiError, request } from "./api.js";

const STORAGE_KEY = "messaging.session";
const REFRESH_MARGIN_MS = 60_000; // refresh this long before expiry (or at 80% of a shorter life)

export class Session extends EventTarget {
  constructor() {
    super();
    this.state = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "null");
    this.refreshing = null;
    this.timer = null;
    this.loggingOut = false;
  }

  get user() { return this.state?.user || null; }
  get loggedIn() { return Boolean(this.state); }
  get accessToken() { return this.state?.accessToken || null; }

  async logIn(username, password) {
    const tokens = await request("POST", "/auth/login", { body: { username, password } });
    const user = await request("GET", "/users/me", { token: tokens.access_token });
    this._save({ user, refreshToken: tokens.refresh_token, ...this._access(tokens) });
    this.dispatchEvent(new Event("login"));
  }

  async register(username, password, displayName) {
    const body = { username, password };
    if (displayName) body.display_name = displayName;
    await request("POST", "/auth/register", { body });
    await this.logIn(username, password);
  }

  /** Revoke both tokens (the server then closes this session's sockets) and forget them. */
  async logOut() {
    const { accessToken, refreshToken } = this.state || {};
    this.loggingOut = true;
    try {
      await request("POST", "/auth/logout", { token: accessToken, body: { refresh_token: refreshToken } });
    } catch {
      // An expired or unreachable session ends here anyway.
    } finally {
      this.loggingOut = false;
      this.end();
    }
  }

  /** Forget the tokens and tell the app (logout, or a session the server no longer accepts). */
  end(reason) {
    clearTimeout(this.timer);
    this.state = null;
    sessionStorage.removeItem(STORAGE_KEY);
    this.dispatchEvent(new CustomEvent("logout", { detail: { reason } }));
  }

  /** Start the refresh timer (after a page load with a stored session). */
  resume() {
    if (this.loggedIn) this._schedule();
  }

  /** An access token that is good for at least a few more seconds, refreshing first if needed. */
  async freshToken() {
    if (!this.loggedIn) throw new ApiError(401, "unauthorized", "not logged in");
    if (Date.now() < this.state.expiresAt - 10_000) return this.state.accessToken;
    return this.refresh();
  }

  /** A new access token from the refresh token; one request however many callers ask at once. */
  refresh() {
    if (!this.refreshing) {
      const refreshToken = this.state?.refreshToken;
      this.refreshing = request("POST", "/auth/refresh", { token: refreshToken })
        .then((tokens) => {
          if (!this.state || this.state.refreshToken !== refreshToken) throw new ApiError(401, "unauthorized", "logged out");
          this._save({ ...this.state, ...this._access(tokens) });
          this.dispatchEvent(new Event("refreshed"));
          return this.state.accessToken;
        })
        .catch((error) => {
          if (error.status === 401 && this.state?.refreshToken === refreshToken) this.end("Your session has ended: log in again.");
          throw error;
        })
        .finally(() => { this.refreshing = null; });
    }
    return this.refreshing;
  }

  /** An authenticated API request; an access token the server calls expired is refreshed once. */
  async api(method, path, options = {}) {
    const token = await this.freshToken();
    try {
      return await request(method, path, { ...options, token });
    } catch (error) {
      if (error.status !== 401 || !this.loggedIn) throw error;
      return request(method, path, { ...options, token: await this.refresh() });
    }
  }

  _access(tokens) {
    return { accessToken: tokens.access_token, lifetimeMs: tokens.expires_in * 1000,
             expiresAt: Date.now() + tokens.expires_in * 1000 };
  }

  _save(state) {
    this.state = state;
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(state));
    this._schedule();
  }

  _schedule() {
    clearTimeout(this.timer);
    const margin = Math.min(REFRESH_MARGIN_MS, this.state.lifetimeMs * 0.2);
    const delay = Math.max(this.state.expiresAt - margin - Date.now(), 0);
    this.timer = setTimeout(() => this.refresh().catch(() => {
      if (this.loggedIn) this.timer = setTimeout(() => this._schedule(), 5_000); // unreachable: try again
    }), delay);
  }
}
