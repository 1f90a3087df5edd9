// Start: the chat for a stored session, the login form otherwise. Logging out reloads the page, so
// nothing of the last user stays in memory.
import { ChatApp } from "./app.js";
import { Session } from "./session.js";
import { LoginView } from "./views/login-view.js";

const NOTICE_KEY = "messaging.notice"; // why the last session ended, shown on the login form

const session = new Session();
const login = new LoginView(session);

function startChat() {
  login.hide();
  new ChatApp(session).start();
}

session.addEventListener("login", startChat);
session.addEventListener("logout", (event) => {
  if (event.detail?.reason) sessionStorage.setItem(NOTICE_KEY, event.detail.reason);
  window.location.reload();
});

if (session.loggedIn) {
  session.resume();
  startChat();
} else {
  login.show(sessionStorage.getItem(NOTICE_KEY));
  sessionStorage.removeItem(NOTICE_KEY);
}
