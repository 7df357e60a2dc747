// The chat protocol (docs/PROTOCOL.md) on the page's side: turns the server's frames into changes of the
// state (state.js) and tells the view (view.js) what to draw; sends the user's lines and the page's own
// requests, each with an id so that its replies find it (requests.js).
//
// No DOM here: everything shown goes through the view, as entries such as {kind: 'notice', text}.

import { Connection } from '/chat/conn.js';
import { mentions } from '/chat/format.js';
import {
  clearSession, savedConversations, savedSession, savePrivate, saveSession,
} from '/chat/session.js';

const QUIT_COMMANDS = new Set(['quit', 'q', 'exit']);
/** After these succeed the session's token is no longer good (the server revoked it). */
const TOKEN_ENDING_COMMANDS = new Set(['logout', 'password', 'drop']);
/** Login errors about the password (shown by the password field); the others are about the nickname. */
const PASSWORD_ERRORS = new Set([
  'nick_registered', 'wrong_password', 'password_invalid', 'too_many_attempts', 'token_invalid', 'no_account',
]);
const WHO_EVERY_MS = 30000;
/** Joins and leaves already update the list of people; the /who after a burst of them adds idle times. */
const WHO_SOON_MS = 1500;

export class Protocol {
  /**
   * @param {object} opts
   * @param {import('./state.js').ChatState} opts.state
   * @param {import('./view.js').View} opts.view
   * @param {string} opts.url the WebSocket URL
   */
  constructor({ state, view, url }) {
    this.state = state;
    this.view = view;
    this.timers = { who: null, whoSoon: null };
    this.conn = new Connection({
      url,
      onFrame: (f, info) => this.onFrame(f, info),
      onState: (s, info) => this.onState(s, info),
      since: () => state.resumePoints(),
    });
  }

  // ---- what the user does -------------------------------------------------------------------------------

  /** Logs in as a guest, or with {password, register}. */
  login(nick, auth = null) {
    this.conn.login(nick, auth?.password ? auth : null);
  }

  /** Logs in with the token saved by an earlier visit, if there is one; true if it tries. */
  resumeSession() {
    const saved = savedSession();
    if (!saved) return false;
    this.conn.login(saved.nick, { token: saved.token });
    return true;
  }

  retry() {
    this.conn.retry();
  }

  /** Sends a line as typed (a chat line or a /command); false if it could not be sent. */
  say(text, { remember = false } = {}) {
    const { state, view } = this;
    const command = /^\/(\S+)/.exec(text.trim())?.[1]?.toLowerCase();
    const peer = state.privateOf(state.current)?.peer;
    // in a private conversation a plain line goes to that person
    const frame = { type: 'say', text: peer && !command ? `/msg ${peer} ${text}` : text };
    if (state.current && !peer) frame.room = state.current;
    if (!this.conn.online) {
      view.add(state.current, {
        kind: 'error',
        text: 'You are offline, so that was not sent. It is still in the box; send it again once you are back.',
      }, { own: true });
      return false;
    }
    if (command && QUIT_COMMANDS.has(command)) this.conn.quit();
    if (remember) state.remember(text);
    this.conn.request(frame, this.userRequest(command, state.current));
    if (!command) view.scrollToBottom();
    return true;
  }

  /**
   * The handlers of a line the user sent. Its replies are shown as any frame is (onFrame), except the
   * `history` that answers a /history: that one says how much it held.
   */
  userRequest(command, room) {
    if (TOKEN_ENDING_COMMANDS.has(command)) {
      return {
        kind: 'say',
        command,
        onReply: (f) => {
          if (f.type === 'notice') this.tokenEnded(command);
          return false; // shown as usual
        },
        isLast: (f) => f.type === 'notice' || f.type === 'error',
      };
    }
    if (command !== 'history' || !room) return { kind: 'say', command };
    return {
      kind: 'say',
      command,
      onReply: (f) => {
        if (f.type !== 'history') return false;
        this.askedHistory(f);
        return true;
      },
      isLast: (f) => f.type === 'history' || f.type === 'error',
      expects: (f) => f.type === 'history' && f.room === room,
    };
  }

  /**
   * The server revoked our token (/logout, /password, /drop): forget it. A reconnect is then a guest's, which
   * the server refuses for a registered nickname: the page asks for the password.
   */
  tokenEnded(command) {
    clearSession();
    this.conn.setAuth(null);
    if (command !== 'password') this.state.account = null;
  }

  joinRoom(name) {
    const room = name.replace(/^#/, '').trim().toLowerCase();
    if (!room) return;
    if (this.state.rooms.has(room)) this.showRoom(room);
    else this.say(`/join #${room}`);
  }

  leaveRoom(name) {
    this.say(`/leave #${name}`);
  }

  /** Shows a room (null: the server's notices), and asks who is in it. */
  showRoom(name) {
    this.state.select(name);
    this.view.show();
    if (this.state.current) this.requestWho(this.state.current);
  }

  // ---- the page's own requests --------------------------------------------------------------------------

  /** A /who of its own for the list of people: its reply updates the list and is not shown. */
  requestWho(name) {
    const room = this.state.rooms.get(name);
    if (!room || !this.conn.online) return;
    this.conn.request({ type: 'say', text: `/who #${name}` }, {
      kind: 'who-people',
      onReply: (f) => {
        if (f.type === 'who') this.updatePeople(f);
        return true; // an error too: the user did not ask
      },
      isLast: (f) => f.type === 'who' || f.type === 'error',
      expects: (f) => f.type === 'who' && f.room === name,
    });
  }

  scheduleWho() {
    clearTimeout(this.timers.whoSoon);
    this.timers.whoSoon = setTimeout(() => this.state.current && this.requestWho(this.state.current), WHO_SOON_MS);
  }

  tick() {
    this.conn.checkAlive();
    if (this.state.current) {
      this.requestWho(this.state.current);
    } else if (this.conn.online) {
      // in no room: a /who of the whole server keeps the connection's liveness check fed
      const answer = (f) => f.type === 'who' && !f.room;
      this.conn.request({ type: 'say', text: '/who' }, {
        kind: 'keepalive',
        onReply: () => true,
        isLast: (f) => f.type === 'who' || f.type === 'error',
        expects: answer,
      });
    }
  }

  // ---- frames -------------------------------------------------------------------------------------------

  /** The room of that name, added to the list of rooms if new. */
  room(name) {
    const { room, created } = this.state.ensureRoom(name);
    if (created) this.view.renderRooms();
    return room;
  }

  onFrame(f, info) {
    switch (f.type) {
      case 'welcome': return this.onWelcome(f, info);
      case 'joined': return this.onJoined(f);
      case 'left': return this.onLeft(f);
      case 'history': return this.onHistory(f);
      case 'missed': return this.onMissed(f);
      case 'reset': return this.onReset(f);
      case 'message':
      case 'topic': return this.onKept(f);
      case 'join':
      case 'leave':
      case 'summary': return this.onRoomEvent(f);
      case 'nick': return this.onNick(f);
      case 'private': return this.onPrivate(f);
      case 'notice': return this.onNotice(f);
      case 'who': return this.onWho(f);
      case 'rooms': return this.view.add(this.state.current, { kind: 'rooms', rooms: f.rooms ?? [] }, { own: true });
      case 'error': return this.onError(f);
      case 'bye': return this.onBye(f);
      default: return undefined;
    }
  }

  onWelcome(f, { resumed }) {
    const { state, view } = this;
    state.me = f.nick;
    state.account = typeof f.account === 'string' ? f.account : null;
    if (typeof f.token === 'string' && state.account) saveSession(f.nick, state.account, f.token);
    else if (!state.account) clearSession(); // a guest now: a saved token was someone else's
    // a changed epoch comes with a reset (the server compares it with the one our hello sent)
    if (typeof f.epoch === 'string' && f.epoch) state.epoch = f.epoch;
    view.renderMe();
    if (!resumed) {
      state.motd = f.motd || null;
      view.saveNick(state.me);
      view.enterChat();
      this.restorePrivates();
      this.showRoom(null);
      view.focusInput();
      clearInterval(this.timers.who);
      this.timers.who = setInterval(() => this.tick(), WHO_EVERY_MS);
    }
  }

  onJoined(f) {
    const { state, view } = this;
    const r = this.room(f.room);
    r.topic = f.topic ?? null;
    state.setMembersFromJoined(r, f.members ?? []);
    if (!r.joinedOnce) {
      r.joinedOnce = true;
      if (state.motd) {
        view.add(r.name, { kind: 'notice', text: state.motd, label: 'Welcome' }, { own: true });
        state.motd = null;
      }
      this.showRoom(r.name);
    } else {
      if (state.isShown(r)) {
        view.renderHeader();
        view.renderPeople();
      }
      this.requestWho(r.name);
    }
  }

  onLeft(f) {
    const { state, view } = this;
    if (!state.removeRoom(f.room)) return;
    view.dropRoom(f.room);
    if (state.current === f.room) {
      const rest = [...state.rooms.keys()];
      this.showRoom(rest.length ? rest[rest.length - 1] : null);
      if (!rest.length) {
        view.add(null, { kind: 'notice', text: 'You are in no room now. Join one with /join #room.' }, { own: true });
      }
    }
    view.renderRooms();
  }

  /** The history after a (re)join. */
  onHistory(f) {
    const r = this.room(f.room);
    const resuming = r.resumeFrom > 0;
    let shown = 0;
    for (const m of f.messages ?? []) {
      if (this.keep(r, { ...m, room: f.room }, { live: false, unread: resuming })) shown++;
    }
    r.synced = true;
    this.view.settle(r.name, { notable: shown > 0 });
  }

  /** The history the user asked for with /history. */
  askedHistory(f) {
    const r = this.room(f.room);
    let shown = 0;
    for (const m of f.messages ?? []) {
      if (this.keep(r, { ...m, room: f.room }, { live: false, unread: false })) shown++;
    }
    const n = (f.messages ?? []).length;
    this.view.add(r.name, {
      kind: 'notice',
      text: n === 0 ? `#${r.name} has no history yet.`
        : `The last ${n} message${n === 1 ? '' : 's'} of #${r.name}${shown < n ? ' are in the list above' : ''}.`,
    }, { own: true });
  }

  /** The server's history is not the one our seqs came from: drop them; the rooms' latest messages follow. */
  onReset(f) {
    const { state, view } = this;
    state.resetSeqs(typeof f.epoch === 'string' ? f.epoch : null);
    view.forgetSeqs();
    const text = 'History was reset on the server; showing the latest messages.';
    const names = state.rooms.size ? [...state.rooms.keys()] : [state.current];
    for (const name of names) view.add(name, { kind: 'warn', frame: f, text }, { notable: false });
  }

  onMissed(f) {
    const r = this.room(f.room);
    const n = Number(f.count) || 0;
    this.view.add(r.name, {
      kind: 'warn',
      frame: f,
      text: `${n} earlier message${n === 1 ? '' : 's'} in #${r.name} ${n === 1 ? 'is' : 'are'} no longer available and could not be shown.`,
    });
  }

  onKept(f) {
    if (!f.room) return;
    const r = this.room(f.room);
    if (this.keep(r, f, { live: true, unread: true })) this.view.settle(r.name, { own: this.state.isMe(f.nick) });
  }

  /** Shows a message or topic event unless its seq is already shown. */
  keep(r, f, { live, unread }) {
    const { state, view } = this;
    const seq = Number(f.seq) || 0;
    if (seq && !state.addSeq(r, seq)) return false;
    const mentioned = f.type === 'message' && !state.isMe(f.nick) && mentions(f.text, state.me);
    if (f.type === 'topic') {
      view.insert(r.name, { kind: 'topic', frame: f }, seq);
      if (live) {
        r.topic = f.text;
        if (state.isShown(r)) view.renderHeader();
      }
    } else {
      view.insert(r.name, { kind: 'chat', frame: f, mention: mentioned }, seq);
    }
    if (live && f.nick) state.memberActive(r, f.nick);
    if (unread && !state.isMe(f.nick)) {
      const changed = state.countUnread(r, mentioned);
      if (changed.rooms) view.renderRooms();
      if (changed.title) view.renderTitle();
    }
    return true;
  }

  onNick(f) {
    const { state, view } = this;
    if (state.renamed(f.old, f.nick)) {
      this.conn.renamed(state.me);
      view.renderMe();
      view.saveNick(state.me);
    }
    view.renderPeople();
    const name = f.room ? this.room(f.room).name : state.current;
    view.add(name, { kind: 'nick', frame: f }, { notable: false });
  }

  onRoomEvent(f) {
    const { state, view } = this;
    if (!f.room) return;
    const r = this.room(f.room);
    if (f.type === 'join') {
      state.memberArrived(r, f.nick, f.via);
      if (state.isMe(f.nick)) {
        r.synced = true; // published after our history: everything since resumeFrom has arrived
        if (r.shownJoin) return;
        r.shownJoin = true;
        view.insert(r.name, { kind: 'own-join', frame: f });
      } else {
        view.insert(r.name, { kind: 'join', frame: f });
      }
    } else if (f.type === 'leave') {
      state.memberLeft(r, f.nick);
      view.insert(r.name, { kind: 'leave', frame: f });
    } else {
      view.insert(r.name, { kind: 'summary', frame: f });
    }
    if (state.isShown(r)) {
      view.renderPeople();
      this.scheduleWho();
    }
    view.settle(r.name, { notable: false });
  }

  /** A private message, sent or received: shown in its own conversation ("@bob"), kept for the account. */
  onPrivate(f) {
    const { state, view } = this;
    const mine = state.isMe(f.nick);
    const peer = String((mine ? f.to : f.nick) ?? '');
    if (!peer) return;
    const { conv, created } = state.ensurePrivate(peer);
    if (created) view.renderRooms();
    view.add(conv.name, { kind: 'private', frame: f }, { own: mine });
    if (state.account) savePrivate(state.account, peer, f);
    if (!mine) {
      const changed = state.countUnread(conv, false);
      if (changed.rooms) view.renderRooms();
      if (changed.title) view.renderTitle();
    }
  }

  /** The account's private conversations kept by this browser, shown again after a reload. */
  restorePrivates() {
    const { state, view } = this;
    if (!state.account) return;
    for (const { peer, messages } of savedConversations(state.account)) {
      const { conv } = state.ensurePrivate(peer);
      for (const m of messages) view.insert(conv.name, { kind: 'private', frame: { type: 'private', ...m } });
    }
    view.renderRooms();
  }

  onNotice(f) {
    const { state } = this;
    const name = f.room && state.rooms.has(f.room) ? f.room : state.current;
    this.view.add(name, { kind: 'notice', text: String(f.text ?? '') }, { own: true });
  }

  /** Refreshes a room's list of people from a `who` frame. */
  updatePeople(f) {
    const r = f.room ? this.state.rooms.get(f.room) : null;
    if (!r) return;
    this.state.setMembersFromWho(r, f.users ?? []);
    if (this.state.isShown(r)) this.view.renderPeople();
  }

  /** A /who the user typed. */
  onWho(f) {
    this.updatePeople(f);
    this.view.add(this.state.current, { kind: 'who', users: f.users ?? [], room: f.room ?? null }, { own: true });
  }

  onError(f) {
    if (!this.conn.loggedIn) {
      if (f.code === 'token_invalid') clearSession();
      let message = f.message || 'That did not work.';
      if (f.code === 'nick_taken' && this.conn.auth?.token) {
        // one session per account for now: another tab or client holds the nickname
        message = `You are logged in as ${this.conn.nick} somewhere else already (another tab or client). Close that`
          + ' session, or /quit there, then try again.';
      }
      if (PASSWORD_ERRORS.has(f.code)) this.view.passwordError(message, f.code);
      else this.view.loginError(message);
      return;
    }
    this.view.add(this.state.current, { kind: 'error', text: String(f.message ?? f.code ?? 'error') }, { own: true });
  }

  onBye(f) {
    if (this.conn.quitting || !this.conn.loggedIn) return;
    this.view.add(this.state.current, {
      kind: 'warn',
      text: `The server closed the connection${f.reason ? `: ${f.reason}` : ''}.`,
    }, { notable: false });
  }

  // ---- connection state ---------------------------------------------------------------------------------

  onState(s, info) {
    const { state, view } = this;
    view.renderConnection(s, info, { loggedIn: this.conn.loggedIn, me: state.me });
    if (s === 'ended') {
      clearInterval(this.timers.who);
      state.reset();
      view.signedOut();
      if (info.error) {
        if (info.error.code === 'token_invalid') clearSession();
        view.passwordError(info.error.message || 'Log in again with your password.', info.error.code);
      }
    } else if (s === 'online' && info.resumed) {
      this.scheduleWho();
    }
  }
}
