// The page's state: one ChatState object, created once by app.js and changed only through its methods.
// No DOM here: view.js renders this state, protocol.js changes it as frames arrive.

/** Nicknames and room names compare without case. */
export function key(nick) {
  return String(nick ?? '').toLowerCase();
}

const MAX_REMEMBERED = 200;

function newRoom(name) {
  return {
    name, // null for the server pseudo-room: where notices go while we are in no room
    topic: null,
    seqs: new Set(), // seqs shown: the dedupe key
    maxSeq: 0,
    synced: false, // after (re)joining: true once the join's history (or our own join) has arrived
    resumeFrom: 0, // the seq we asked to resume after on the current connection
    unread: 0,
    mentioned: false,
    members: new Map(), // nick key -> {nick, via, idle, at}
    joinedOnce: false,
    shownJoin: false,
  };
}

/** A private conversation: shown like a room, named "@" and the other person's nick key. */
function newConversation(peer) {
  const c = newRoom(`@${key(peer)}`);
  c.peer = peer;
  c.members.set(key(peer), { nick: peer, via: null, idle: null, at: 0 });
  return c;
}

export class ChatState {
  constructor() {
    /** @type {Map<string, object>} rooms we are in, in the order joined */
    this.rooms = new Map();
    /** @type {Map<string, object>} private conversations by the other person's nick key, oldest first */
    this.privates = new Map();
    this.server = newRoom(null);
    this.current = null; // the name of the room shown, or null for the server pseudo-room
    this.me = null;
    this.account = null; // the account we are logged in to (welcome.account), or null for a guest
    this.epoch = null; // the server's epoch (from welcome): the seqs we hold belong to it
    this.motd = null; // shown once, in the first room joined
    this.pageHidden = false;
    this.hiddenUnread = 0; // messages that arrived while the page was hidden
    this.composer = { sent: [], index: 0, draft: '' }; // lines sent, for Up and Down
  }

  isMe(nick) {
    return this.me != null && key(nick) === key(this.me);
  }

  /** The room or conversation shown (the server pseudo-room when in none). */
  shown() {
    return this.current ? (this.rooms.get(this.current) ?? this.privateOf(this.current)) : this.server;
  }

  /** The private conversation of that name ("@bob"), or null (a room's name, or none). */
  privateOf(name) {
    return typeof name === 'string' && name.startsWith('@') ? this.privates.get(name.slice(1)) ?? null : null;
  }

  /** The conversation with `peer`, added if new; `created` says which. */
  ensurePrivate(peer) {
    let conv = this.privates.get(key(peer));
    if (conv) {
      conv.peer = peer;
      return { conv, created: false };
    }
    conv = newConversation(peer);
    this.privates.set(key(peer), conv);
    return { conv, created: true };
  }

  isShown(room) {
    return room === this.shown();
  }

  /** The room of that name, added (last) if we did not know it; `created` says which. */
  ensureRoom(name) {
    let room = this.rooms.get(name);
    if (room) return { room, created: false };
    room = newRoom(name);
    this.rooms.set(name, room);
    return { room, created: true };
  }

  removeRoom(name) {
    return this.rooms.delete(name);
  }

  /** Shows another room (or none); clears its unread count. */
  select(name) {
    this.current = name && (this.rooms.has(name) || this.privateOf(name)) ? name : null;
    const room = this.shown();
    room.unread = 0;
    room.mentioned = false;
  }

  setPageHidden(hidden) {
    this.pageHidden = hidden;
    if (!hidden) this.hiddenUnread = 0;
  }

  /** Counts a message from someone else; says whether the room list or the title changed. */
  countUnread(room, mentioned) {
    const changes = { rooms: false, title: this.countHiddenUnread() };
    if (!this.isShown(room)) {
      room.unread++;
      if (mentioned) room.mentioned = true;
      changes.rooms = true;
    }
    return changes;
  }

  /** Counts a message from someone else for the page's title; true if the page is hidden. */
  countHiddenUnread() {
    if (this.pageHidden) this.hiddenUnread++;
    return this.pageHidden;
  }

  /** Records a kept event's seq; false if it was shown already. */
  addSeq(room, seq) {
    if (room.seqs.has(seq)) return false;
    room.seqs.add(seq);
    if (seq > room.maxSeq) room.maxSeq = seq;
    return true;
  }

  /**
   * The `since` of a resuming hello: per room, the highest seq we hold with nothing missing below, with the
   * epoch those seqs belong to ({epoch, rooms}; the old form, rooms only, when we know no epoch).
   */
  resumePoints() {
    const rooms = {};
    for (const r of this.rooms.values()) {
      const from = r.synced ? r.maxSeq : r.resumeFrom;
      rooms[r.name] = from;
      r.resumeFrom = from;
      r.synced = false;
    }
    return this.epoch ? { epoch: this.epoch, rooms } : rooms;
  }

  /** The server's numbering changed (a `reset`): the seqs we hold name nothing any more. */
  resetSeqs(epoch) {
    if (epoch) this.epoch = epoch;
    for (const r of this.rooms.values()) {
      r.seqs = new Set();
      r.maxSeq = 0;
      r.resumeFrom = 0;
    }
  }

  // ---- members ------------------------------------------------------------------------------------------

  /** The members of a `joined` frame, keeping what we knew about those still there. */
  setMembersFromJoined(room, nicks) {
    const old = room.members;
    room.members = new Map();
    for (const nick of nicks) {
      room.members.set(key(nick), old.get(key(nick)) ?? { nick, via: null, idle: null, at: 0 });
    }
  }

  /** The members of a `who` frame. */
  setMembersFromWho(room, users) {
    room.members = new Map();
    const now = Date.now();
    for (const u of users) {
      room.members.set(key(u.nick), { nick: u.nick, via: u.via, idle: Number(u.idle) || 0, at: now });
    }
  }

  memberArrived(room, nick, via) {
    room.members.set(key(nick), { nick, via, idle: 0, at: Date.now() });
  }

  memberLeft(room, nick) {
    room.members.delete(key(nick));
  }

  /** Someone said something: no longer idle. */
  memberActive(room, nick) {
    const m = room.members.get(key(nick));
    if (m) {
      m.idle = 0;
      m.at = Date.now();
    }
  }

  /** A nick change, in every room; true if it was ours. */
  renamed(old, nick) {
    const mine = this.isMe(old);
    if (mine) this.me = nick;
    for (const r of this.rooms.values()) {
      const m = r.members.get(key(old));
      if (m) {
        r.members.delete(key(old));
        r.members.set(key(nick), { ...m, nick });
      }
    }
    return mine;
  }

  // ---- the composer's history (Up and Down) --------------------------------------------------------------

  remember(text) {
    const c = this.composer;
    if (c.sent[c.sent.length - 1] !== text) c.sent.push(text);
    if (c.sent.length > MAX_REMEMBERED) c.sent.shift();
    c.index = c.sent.length;
    c.draft = '';
  }

  /** The line before the one shown (`typed` is kept as the draft when leaving it), or null at the oldest. */
  older(typed) {
    const c = this.composer;
    if (c.index === 0) return null;
    if (c.index === c.sent.length) c.draft = typed;
    c.index--;
    return c.sent[c.index];
  }

  /** The line after the one shown (the draft after the newest), or null when already there. */
  newer() {
    const c = this.composer;
    if (c.index >= c.sent.length) return null;
    c.index++;
    return c.index === c.sent.length ? c.draft : c.sent[c.index];
  }

  /** Signed out: no rooms, no conversations, no nickname (the composer's history stays, as before). */
  reset() {
    this.rooms.clear();
    this.privates.clear();
    this.account = null;
    this.server = newRoom(null);
    this.current = null;
    this.me = null;
  }
}
