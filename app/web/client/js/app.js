// The chat once logged in: wires the stores (conversations, timelines, outbox) to the socket and the views.
import { byId, show } from "./dom.js";
import { ConversationStore } from "./conversations.js";
import { Outbox } from "./outbox.js";
import { Realtime } from "./realtime.js";
import { Timeline } from "./timeline.js";
import { Composer } from "./views/composer.js";
import { ConversationList } from "./views/conversation-list.js";
import { ConversationPane } from "./views/conversation-pane.js";
import { NewConversationForm } from "./views/new-conversation.js";
import { SearchPanel } from "./views/search-panel.js";
import { userText } from "./text.js";

export class ChatApp {
  constructor(session) {
    this.session = session;
    this.store = new ConversationStore(session);
    this.realtime = new Realtime(session);
    this.outbox = new Outbox(this.realtime);
    this.timelines = new Map(); // conversation id -> Timeline, for every conversation opened
    this.renewedImages = new Set(); // message ids whose image URLs were fetched again
    this.connectedBefore = false;
    this.list = new ConversationList(this.store);
    this.pane = new ConversationPane(this.store, this.outbox);
    this.composer = new Composer(session, this.realtime);
    this.newConversation = new NewConversationForm(session);
    this.search = new SearchPanel(session, this.store);
    this._wireViews();
    this._wireSocket();
  }

  async start() {
    byId("me-name").textContent = userText(this.session.user.display_name);
    show(byId("chat-view"), true);
    byId("logout").addEventListener("click", () => this.session.logOut());
    document.addEventListener("visibilitychange", () => this._markRead());
    this.realtime.open();
    await this._guard(this.list.load(), "Could not load the conversations");
  }

  _wireViews() {
    this.list.addEventListener("open", (event) => this.open(event.detail.id));
    this.newConversation.addEventListener("started", (event) => this._started(event.detail.id));
    this.search.addEventListener("jump", (event) => this.open(event.detail.conversationId, event.detail.seq));
    this.composer.addEventListener("send", (event) => {
      const { conversationId, content, images } = event.detail;
      this.outbox.send(this._timeline(conversationId), content, images);
    });
    this.pane.addEventListener("rendered", () => this._markRead());
    this.pane.addEventListener("archive", () => this._toggleArchived());
    this.pane.addEventListener("back", () => this._showList());
    this.pane.addEventListener("image-expired", (event) => this._renewImages(event.detail.message));
    this.pane.addEventListener("error", (event) => this._notice(`Could not load messages: ${event.detail.error.message}`));
  }

  _wireSocket() {
    const on = (name, handler) => this.realtime.addEventListener(name, (event) => {
      this._guard(handler(event.detail), `Could not apply ${name}`);
    });
    on("status", ({ connected }) => this._connection(connected));
    on("message_received", async ({ message }) => {
      this.realtime.send("mark_delivered", { message_id: message.id });
      await this.store.ensure(message.conversation_id);
      this.timelines.get(message.conversation_id)?.receive(message);
      this.store.messageArrived(message, { seen: this._reading(message.conversation_id) });
    });
    on("message_sent", async ({ message }) => {
      this.outbox.settled(message);
      await this.store.ensure(message.conversation_id);
      this.timelines.get(message.conversation_id)?.receive(message);
      this.store.messageArrived(message, { seen: true });
    });
    on("message_read", ({ conversation_id, seq, read_at }) => {
      this.timelines.get(conversation_id)?.markReadUpTo(seq, read_at, this.store.me);
    });
    on("message_delivered", ({ conversation_id, message_id, delivered_at }) => {
      this.timelines.get(conversation_id)?.markDelivered(message_id, delivered_at);
    });
    on("message_deleted", ({ message }) => this.timelines.get(message.conversation_id)?.replace(message));
    on("user_typing", async ({ conversation_id, user_id, is_typing }) => {
      await this.store.ensure(conversation_id);
      this.store.setTyping(conversation_id, user_id, is_typing);
    });
    on("user_online", ({ user_id, status }) => this.store.setPresence(user_id, status));
    on("user_offline", ({ user_id }) => this.store.setPresence(user_id, "offline"));
  }

  /** Open a conversation (at message `seq`, for a search hit). */
  async open(id, seq = null) {
    await this._guard((async () => {
      await this.store.ensure(id);
      const timeline = this._timeline(id);
      if (!timeline.loaded) await timeline.loadNewest();
      if (seq !== null) await timeline.reach(seq);
      if (this.pane.conversationId !== id) {
        this.pane.open(timeline);
        this.composer.open(id);
        this.list.setOpen(id);
        this._join(id);
      }
      document.body.dataset.pane = "conversation";
      if (seq !== null) this.pane.reveal(seq);
      else this.composer.focus();
      this._markRead();
    })(), "Could not open the conversation");
  }

  _timeline(id) {
    if (!this.timelines.has(id)) this.timelines.set(id, new Timeline(this.session, id));
    return this.timelines.get(id);
  }

  /** Joining tells who is typing there right now (events reach us through our own room anyway). */
  async _join(id) {
    try {
      const joined = await this.realtime.call("join_conversation", { conversation_id: id });
      for (const userId of joined.typing_user_ids) this.store.setTyping(id, userId, true);
    } catch { /* not connected: joined again at the next connection */ }
  }

  /** Whether the user is looking at this conversation now. */
  _reading(id) {
    return this.pane.conversationId === id && document.visibilityState === "visible";
  }

  /** Move our read position to the newest message from others in the open conversation. */
  async _markRead() {
    const id = this.pane.conversationId;
    const summary = this.store.items.get(id);
    if (!summary || !this._reading(id) || !this.realtime.connected) return;
    const newest = this._timeline(id).messages().filter((m) => m.sender_id !== this.store.me).pop();
    if (!newest || newest.seq <= summary.last_read_seq || this.marking === newest.id) return;
    this.marking = newest.id;
    try {
      const position = await this.realtime.call("mark_read", { message_id: newest.id });
      this.store.readUpTo(id, position.seq);
    } catch { /* marked again when the next message arrives or the connection is back */ } finally {
      this.marking = null;
    }
  }

  /** After every (re)connection: send what waits, fetch exactly what was missed, refresh the list. */
  async _connection(connected) {
    document.body.dataset.connection = connected ? "connected" : "disconnected";
    const banner = byId("connection");
    banner.textContent = connected ? "" : "Connection lost: reconnecting…";
    show(banner, !connected);
    if (!connected) {
      this.store.clearTyping();
      return;
    }
    this.outbox.retryAll();
    const caughtUp = await Promise.all([...this.timelines.values()].map((timeline) => timeline.catchUp()));
    for (const message of caughtUp.flat()) {
      if (message.sender_id !== this.store.me && !message.delivered_at) {
        this.realtime.send("mark_delivered", { message_id: message.id });
      }
    }
    await this.list.load();
    if (this.connectedBefore) await this.store.refreshPresence();
    this.connectedBefore = true;
    if (this.pane.conversationId !== null) {
      this._join(this.pane.conversationId);
      this._markRead();
    }
  }

  async _started(id) {
    await this._guard(this.store.ensure(id), "Could not load the conversation");
    if (this.list.archived) byId("show-archived").click();
    await this.open(id);
  }

  async _toggleArchived() {
    const id = this.pane.conversationId;
    const archived = !this.store.items.get(id)?.archived;
    await this._guard((async () => {
      await this.session.api("PATCH", `/conversations/${id}/archive`, { body: { archived } });
      this.store.setArchived(id, archived);
    })(), "Could not archive the conversation");
  }

  /** Image URLs expire (docs/images.md): fetch the message again, once, for fresh ones. */
  async _renewImages(message) {
    if (this.renewedImages.has(message.id)) return;
    this.renewedImages.add(message.id);
    const page = await this.session.api("GET", `/conversations/${message.conversation_id}/messages`,
      { query: { after: message.seq - 1, limit: 1 } });
    for (const fresh of page.items) this.timelines.get(message.conversation_id)?.replace(fresh);
  }

  _showList() {
    document.body.dataset.pane = "list";
    this.list.rows.get(this.pane.conversationId)?.firstChild.focus();
  }

  async _guard(promise, what) {
    try {
      return await promise;
    } catch (error) {
      if (this.session.loggedIn) this._notice(`${what}: ${error.message}`);
      return undefined;
    }
  }

  _notice(text) {
    const notice = byId("notice");
    notice.textContent = text;
    show(notice, true);
    clearTimeout(this.noticeTimer);
    this.noticeTimer = setTimeout(() => show(notice, false), 8_000);
  }
}
