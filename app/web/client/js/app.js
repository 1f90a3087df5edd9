// The chat once logged in: wires the stores (conversations, timelines, outbox) to the socket and the views.
// Every change to a conversation goes through the change log (change-log.js), live or replayed, to
// `_apply`; what the user does to messages and groups is a REST request whose change shows when its
// event comes back (so it is applied once, in order, whoever made it).
import { byId, show } from "./dom.js";
import { ChangeLog } from "./change-log.js";
import { ConversationStore } from "./conversations.js";
import { Outbox } from "./outbox.js";
import { CHANGE_EVENTS, Realtime } from "./realtime.js";
import { Timeline } from "./timeline.js";
import { Composer } from "./views/composer.js";
import { ConversationList } from "./views/conversation-list.js";
import { ConversationPane } from "./views/conversation-pane.js";
import { MembersDialog } from "./views/members-dialog.js";
import { NewConversationForm } from "./views/new-conversation.js";
import { HistoryDialog } from "./views/history-dialog.js";
import { ReceiptsDialog } from "./views/receipts-dialog.js";
import { SearchPanel } from "./views/search-panel.js";
import { userText } from "./text.js";

/** The conversation a change event is about. */
function conversationOf(payload) {
  return payload.conversation_id ?? payload.message.conversation_id;
}

export class ChatApp {
  constructor(session) {
    this.session = session;
    this.store = new ConversationStore(session);
    this.realtime = new Realtime(session);
    this.outbox = new Outbox(this.realtime);
    this.log = new ChangeLog(session, (type, payload, how) => this._apply(type, payload, how));
    this.store.addEventListener("loaded", (event) => this.log.follow(event.detail.id, event.detail.lastEventSeq));
    this.timelines = new Map(); // conversation id -> Timeline, for every conversation opened
    this.renewedImages = new Set(); // message ids whose image URLs were fetched again
    this.connectedBefore = false;
    this.list = new ConversationList(this.store);
    this.pane = new ConversationPane(this.store, this.outbox);
    this.composer = new Composer(session, this.realtime);
    this.newConversation = new NewConversationForm(session);
    this.search = new SearchPanel(session, this.store);
    this.members = new MembersDialog(session, this.store);
    this.receipts = new ReceiptsDialog(session, this.store);
    this.history = new HistoryDialog(session);
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
      const { conversationId, content, images, replyTo } = event.detail;
      this.outbox.send(this._timeline(conversationId), content, images, replyTo);
    });
    this.composer.addEventListener("edit", (event) => {
      const { message, content } = event.detail;
      this._guard(this.session.api("PATCH", `/messages/${message.id}`, { body: { content } }), "Could not edit the message");
    });
    this.pane.addEventListener("action", (event) => this._messageAction(event.detail));
    this.pane.addEventListener("members", () => this.members.open(this.pane.conversationId));
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
    for (const name of CHANGE_EVENTS) {
      on(name, async (payload) => {
        const id = conversationOf(payload);
        if (name === "message_received") this.realtime.send("mark_delivered", { message_id: payload.message.id });
        const removedUnknown = name === "participant_removed" && payload.user_id === this.store.me;
        if (!removedUnknown) await this.store.ensure(id); // a conversation someone else just started, say
        try {
          await this.log.live(id, name, payload);
        } catch (error) {
          if (error.status !== 404) throw error;
          this._drop(id, false); // a gap's replay found we are no longer in the conversation
        }
      });
    }
    on("resync", ({ conversations }) => Promise.all(conversations
      .filter((c) => this.log.followed().includes(c.conversation_id) && this.log.behind(c.conversation_id, c.last_event_seq))
      .map((c) => this._catchUp(c.conversation_id))));
    on("message_read", ({ conversation_id, seq, read_at }) => {
      this.timelines.get(conversation_id)?.markReadUpTo(seq, read_at, this.store.me);
    });
    on("message_delivered", ({ conversation_id, message_id, delivered_at }) => {
      this.timelines.get(conversation_id)?.markDelivered(message_id, delivered_at);
    });
    on("user_typing", async ({ conversation_id, user_id, is_typing }) => {
      await this.store.ensure(conversation_id);
      this.store.setTyping(conversation_id, user_id, is_typing);
    });
    on("user_online", ({ user_id, status }) => this.store.setPresence(user_id, status));
    on("user_offline", ({ user_id }) => this.store.setPresence(user_id, "offline"));
  }

  /** Apply one change to a conversation (its event's name and payload), live or replayed. */
  async _apply(type, payload) {
    const id = conversationOf(payload);
    switch (type) {
      case "message_received":
      case "message_sent": {
        const { message } = payload;
        const mine = message.sender_id === this.store.me;
        if (mine) this.outbox.settled(message);
        this.timelines.get(id)?.receive(message);
        this.store.messageArrived(message, { seen: mine || this._reading(id) });
        break;
      }
      case "message_edited":
      case "message_deleted":
        this.timelines.get(id)?.replace(payload.message);
        this.store.messageChanged(payload.message);
        break;
      case "reaction_added":
      case "reaction_removed":
        this.timelines.get(id)?.react(payload.message_id, payload.emoji, payload.user_id, type === "reaction_added");
        break;
      case "participant_added":
        this.store.addParticipants(id, payload.participants);
        break;
      case "participant_removed":
        if (payload.user_id === this.store.me) this._drop(id, payload.actor_id === this.store.me);
        else this.store.removeParticipant(id, payload.user_id);
        break;
      case "participant_updated":
        this.store.setRole(id, payload.user_id, payload.role);
        break;
      case "conversation_updated":
        this.store.setTitle(id, payload.title);
        break;
    }
  }

  /** Replay what was missed in a conversation; acknowledge the newest message received meanwhile. */
  async _catchUp(id) {
    try {
      const replayed = await this.log.replay(id);
      const received = replayed.filter((change) => change.type === "message_received"
        && change.payload.message.sender_id !== this.store.me).pop();
      if (received) this.realtime.send("mark_delivered", { message_id: received.payload.message.id });
    } catch (error) {
      if (error.status !== 404) throw error;
      this._drop(id, false); // removed while we were away: the conversation is no longer ours
    }
  }

  /** We left the conversation, or were removed from it: it goes from the list and the screen. */
  _drop(id, left) {
    const name = this.store.name(id);
    this.log.forget(id);
    this.timelines.delete(id);
    this.members.closeFor(id);
    if (this.pane.conversationId === id) {
      this.pane.close();
      this.composer.open(null);
      this._showList();
    }
    this.store.drop(id);
    if (!left) this._notice(`You are no longer in “${name}”.`);
  }

  /** Something done to a message from its row: reply, edit, delete, react, seen by, earlier versions, jump to it. */
  _messageAction({ name, message, argument }) {
    const emoji = encodeURIComponent(argument);
    const actions = {
      reply: () => this.composer.replyTo(message),
      edit: () => this.composer.edit(message),
      delete: () => window.confirm("Delete this message for everyone?")
        && this.session.api("DELETE", `/messages/${message.id}`),
      react: () => this.session.api("PUT", `/messages/${message.id}/reactions/${emoji}`),
      unreact: () => this.session.api("DELETE", `/messages/${message.id}/reactions/${emoji}`),
      "seen-by": () => this.receipts.open(message),
      history: () => this.history.open(message),
      jump: () => this.open(message.conversation_id, argument),
    };
    this._guard(Promise.resolve(actions[name]?.()), "That did not work");
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
    await this.list.load();
    // Replay every followed conversation the list says changed, and those no longer listed on its
    // first page (we may have been removed from them: the replay says so with a 404).
    await Promise.all(this.log.followed().filter((id) => {
      const summary = this.store.items.get(id);
      return !summary || this.log.behind(id, summary.last_event_seq);
    }).map((id) => this._catchUp(id)));
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
