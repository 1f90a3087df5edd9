// The conversation list as the client knows it: summaries from GET /conversations, participants
// and their roles from GET /conversations/:id (fetched once per conversation, then kept up to date by
// the membership events), presence and typing from the socket.

import { userText } from "./text.js";

const PAGE_SIZE = 50;

export class ConversationStore extends EventTarget {
  constructor(session) {
    super();
    this.session = session;
    // Read once: after a logout the session forgets its user while socket events and answers in
    // flight still arrive, until the page reloads (main.js).
    this.me = session.user.id;
    this.items = new Map(); // id -> summary (ConversationSchema)
    this.participants = new Map(); // id -> [{user, role, last_read_seq, ...}]
    this.users = new Map(); // user id -> {id, username, display_name}: everyone seen, former participants too
    this.presence = new Map(); // user id -> "online" | "away" | "offline"
    this.typing = new Map(); // conversation id -> Set of user ids
    this.nextCursor = { active: null, archived: null };
  }

  /** The first page of active or archived conversations, replacing what was known of that kind. */
  async load(archived) {
    const page = await this.session.api("GET", "/conversations", { query: { archived, limit: PAGE_SIZE } });
    for (const [id, summary] of this.items) {
      if (summary.archived === archived) this.items.delete(id);
    }
    await this._take(page, archived);
  }

  async loadMore(archived) {
    const cursor = this.nextCursor[archived ? "archived" : "active"];
    if (!cursor) return;
    await this._take(await this.session.api("GET", "/conversations", { query: { archived, limit: PAGE_SIZE, cursor } }), archived);
  }

  hasMore(archived) { return Boolean(this.nextCursor[archived ? "archived" : "active"]); }

  async _take(page, archived) {
    for (const summary of page.items) this.items.set(summary.id, summary);
    this.nextCursor[archived ? "archived" : "active"] = page.next_cursor;
    await Promise.all(page.items.map((summary) => this._details(summary.id)));
    this._changed();
  }

  /** Make sure a conversation is known (one that someone else just started, say). */
  async ensure(id) {
    if (!this.items.has(id) || !this.participants.has(id)) await this._details(id, true);
    return this.items.get(id);
  }

  /** Ask again for the presence of the people in direct conversations: it may have changed while
   * the connection was down (the server sends only changes). */
  async refreshPresence() {
    const direct = [...this.items.values()].filter((summary) => summary.kind === "direct");
    await Promise.all(direct.map((summary) => this._details(summary.id, true)));
  }

  async _details(id, refresh = false) {
    if (this.participants.has(id) && !refresh) return;
    const detail = await this.session.api("GET", `/conversations/${id}`);
    const { participants, ...summary } = detail;
    this.participants.set(id, participants);
    for (const participant of participants) {
      this.users.set(participant.user.id, participant.user);
      if (participant.presence) this.presence.set(participant.user.id, participant.presence.status);
    }
    this.items.set(id, { ...this.items.get(id), ...summary });
    // The state just loaded is the log's state at `last_event_seq`: changes are followed from there.
    this.dispatchEvent(new CustomEvent("loaded", { detail: { id, lastEventSeq: summary.last_event_seq } }));
    this._changed();
  }

  /** Conversations of one kind, most recent activity first (as the server orders them); only those
   * whose participants are known, so that each is listed under its name from the start. */
  sorted(archived) {
    const activity = (c) => c.last_message_at || c.created_at;
    return [...this.items.values()].filter((c) => c.archived === archived && this.participants.has(c.id))
      .sort((a, b) => activity(b).localeCompare(activity(a)) || b.id - a.id);
  }

  /** The other person of a direct conversation (null for groups or while unknown). */
  otherUser(id) {
    const summary = this.items.get(id);
    if (summary?.kind !== "direct") return null;
    return (this.participants.get(id) || []).map((p) => p.user).find((user) => user.id !== this.me) || null;
  }

  /** What to call a conversation: its title, the other person, or the group's members. */
  name(id) {
    const summary = this.items.get(id);
    if (summary?.title) return userText(summary.title);
    const other = this.otherUser(id);
    if (other) return userText(other.display_name);
    const others = (this.participants.get(id) || []).filter((p) => p.user.id !== this.me);
    return others.map((p) => userText(p.user.display_name)).join(", ") || "Conversation";
  }

  /** A user's display name (also of someone who has left, if they were seen here). */
  userName(id, userId) {
    const participant = (this.participants.get(id) || []).find((p) => p.user.id === userId);
    return userText((participant?.user || this.users.get(userId))?.display_name) || "Someone";
  }

  /** Names as system messages and reactions say them: "You" / "you" for ourselves. */
  namer(id) {
    return (userId, atStart) => (userId === this.me ? (atStart ? "You" : "you") : this.userName(id, userId));
  }

  participant(id, userId) {
    return (this.participants.get(id) || []).find((p) => p.user.id === userId) || null;
  }

  /** Whether we may manage this group's participants and title. */
  isAdmin(id) {
    return this.items.get(id)?.kind === "group" && this.participant(id, this.me)?.role === "admin";
  }

  /** participant_added: the newcomers (with their roles) join the list. */
  addParticipants(id, added) {
    const known = this.participants.get(id);
    if (!known) return;
    const ids = new Set(known.map((p) => p.user.id));
    for (const participant of added) {
      this.users.set(participant.user.id, participant.user);
      if (!ids.has(participant.user.id)) known.push(participant);
    }
    this._changed();
  }

  removeParticipant(id, userId) {
    const known = this.participants.get(id);
    if (known) this.participants.set(id, known.filter((p) => p.user.id !== userId));
    this._changed();
  }

  setRole(id, userId, role) {
    const participant = this.participant(id, userId);
    if (participant) participant.role = role;
    this._changed();
  }

  setTitle(id, title) {
    const summary = this.items.get(id);
    if (summary) summary.title = title;
    this._changed();
  }

  /** We are no longer in the conversation (we left, or were removed): forget it. */
  drop(id) {
    this.items.delete(id);
    this.participants.delete(id);
    this.typing.delete(id);
    this._changed();
  }

  /** A message we hold changed (edited, deleted): the list's preview shows it as it is now. */
  messageChanged(message) {
    const summary = this.items.get(message.conversation_id);
    if (summary?.last_message?.id !== message.id) return;
    summary.last_message = message;
    this._changed();
  }

  /** A message arrived or was sent: it is the newest; it unarchives the conversation (as on the server). */
  messageArrived(message, { seen }) {
    const summary = this.items.get(message.conversation_id);
    if (!summary || message.seq <= (summary.last_message?.seq || 0)) return;
    summary.last_message = message;
    summary.last_seq = Math.max(summary.last_seq, message.seq);
    summary.last_message_at = message.created_at;
    summary.archived = false;
    if (message.sender) this.users.set(message.sender.id, message.sender);
    // Unread as the server counts: messages from others after our read position, never system ones.
    if (message.kind === "user" && message.sender_id !== this.me && !seen && message.seq > summary.last_read_seq) {
      summary.unread_count += 1;
      if (message.mentions?.includes(this.me)) summary.unread_mention_count += 1;
    }
    this._changed();
  }

  /** We read up to `seq`, the newest message from others (a timeline holds everything up to the
   * newest message): nothing is unread any more. */
  readUpTo(id, seq) {
    const summary = this.items.get(id);
    if (!summary || seq <= summary.last_read_seq) return;
    summary.last_read_seq = seq;
    summary.unread_count = 0;
    summary.unread_mention_count = 0;
    this._changed();
  }

  setArchived(id, archived) {
    const summary = this.items.get(id);
    if (summary) summary.archived = archived;
    this._changed();
  }

  setPresence(userId, status) {
    this.presence.set(userId, status);
    this._changed();
  }

  setTyping(conversationId, userId, isTyping) {
    const typing = this.typing.get(conversationId) || new Set();
    if (isTyping) typing.add(userId);
    else typing.delete(userId);
    this.typing.set(conversationId, typing);
    this.dispatchEvent(new CustomEvent("typing", { detail: { conversationId } }));
    this._changed();
  }

  /** Nobody is known to be typing (the connection dropped: the server will tell again). */
  clearTyping() {
    const ids = [...this.typing.keys()];
    this.typing.clear();
    for (const conversationId of ids) this.dispatchEvent(new CustomEvent("typing", { detail: { conversationId } }));
    this._changed();
  }

  typingNames(id) {
    return [...(this.typing.get(id) || [])].map((userId) => this.userName(id, userId));
  }

  _changed() {
    this.dispatchEvent(new Event("change"));
  }
}
