// The login form, which doubles as the registration form.
import { byId, show } from "../dom.js";

export class LoginView {
  constructor(session) {
    this.session = session;
    this.registering = false;
    this.form = byId("login-form");
    this.error = byId("login-error");
    this.form.addEventListener("submit", (event) => this._submit(event));
    byId("login-mode").addEventListener("click", () => this._toggleMode());
  }

  show(message) {
    show(byId("login-view"), true);
    this._error(message);
    byId("login-password").value = "";
    byId("login-username").focus();
  }

  hide() {
    show(byId("login-view"), false);
  }

  _toggleMode() {
    this.registering = !this.registering;
    byId("login-title").textContent = this.registering ? "Create an account" : "Log in";
    byId("login-submit").textContent = this.registering ? "Create account" : "Log in";
    byId("login-mode").textContent = this.registering ? "I have an account" : "Create an account";
    byId("login-password").autocomplete = this.registering ? "new-password" : "current-password";
    show(byId("register-fields"), this.registering);
    this._error(null);
  }

  async _submit(event) {
    event.preventDefault();
    const username = byId("login-username").value.trim();
    const password = byId("login-password").value;
    if (!username || !password) {
      this._error("Enter a username and a password.");
      return;
    }
    const submit = byId("login-submit");
    submit.disabled = true;
    try {
      if (this.registering) await this.session.register(username, password, byId("login-display-name").value.trim());
      else await this.session.logIn(username, password);
    } catch (error) {
      const fields = error.fieldMessages?.() || {};
      const detail = Object.entries(fields).map(([name, text]) => `${name.replace("_", " ")}: ${text}`).join("; ");
      this._error(error.status === 0 ? "The server cannot be reached." : detail || error.message);
    } finally {
      submit.disabled = false;
    }
  }

  _error(message) {
    this.error.textContent = message || "";
    show(this.error, Boolean(message));
  }
}
