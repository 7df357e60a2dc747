// The page: draws the state (state.js) into the DOM and turns what the user does into actions (protocol.js).
// User text is only ever put into the page as text (see format.js); no innerHTML anywhere.
//
// The View keeps DOM nodes and where each room's list was scrolled to; everything else it shows comes from
// the state. Items of a conversation are drawn as they arrive, from entries such as {kind: 'chat', frame}.

import {
  appendRichText, avatarNode, el, idleText, nickNode, timeNode,
} from '/chat/format.js';
import { key } from '/chat/state.js';

const MAX_ITEMS = 2000;
const GROUP_MS = 5 * 60 * 1000;
const CONNECTION_LABELS = {
  idle: 'Not connected', connecting: 'Connecting…', online: 'Connected', reconnecting: 'Reconnecting…',
  offline: 'Offline', ended: 'Signed out',
};

function uiElements() {
  const $ = (id) => document.getElementById(id);
  return {
    login: $('login-screen'),
    loginForm: $('login-form'),
    nickInput: $('nick-input'),
    nickError: $('nick-error'),
    passwordInput: $('password-input'),
    passwordError: $('password-error'),
    registerInput: $('register-input'),
    loginNote: $('login-note'),
    loginButton: $('login-button'),
    app: $('app'),
    roomList: $('room-list'),
    privateHeading: $('private-heading'),
    privateList: $('private-list'),
    joinForm: $('join-form'),
    joinInput: $('join-input'),
    me: $('me'),
    roomTitle: $('room-title'),
    roomTopic: $('room-topic'),
    roomCount: $('room-count'),
    conn: $('conn'),
    connText: $('conn-text'),
    banner: $('banner'),
    bannerText: $('banner-text'),
    bannerRetry: $('banner-retry'),
    log: $('log'),
    jump: $('jump'),
    composer: $('composer'),
    input: $('msg-input'),
    inputLabel: $('msg-label'),
    people: $('people'),
    peopleList: $('people-list'),
    peopleCount: $('people-count'),
    peopleToggle: $('people-toggle'),
    peopleClose: $('people-close'),
  };
}

export class View {
  /** @param {import('./state.js').ChatState} state */
  constructor(state) {
    this.state = state;
    this.ui = uiElements();
    this.actions = null; // set by connect()
    /** One message list per room: name -> {list, atBottom, scrollTop}. */
    this.lists = new Map();
    this.serverList = this.makeList(null); // notices while in no room
    this.shownList = this.serverList;
    /** The room list's entries: name -> <li>. */
    this.roomItems = new Map();
    /** The private conversations' entries: name ("@bob") -> <li>. */
    this.privateItems = new Map();
    this.countdown = null;
  }

  // ---- message lists ------------------------------------------------------------------------------------

  makeList(name) {
    const list = el('ol', 'messages');
    list.dataset.room = name ?? '';
    list.setAttribute('role', 'log');
    const peer = this.state.privateOf(name)?.peer;
    list.setAttribute('aria-label', peer ? `Private messages with ${peer}` : name ? `Messages in #${name}` : 'Server messages');
    list.hidden = true;
    this.ui.log.append(list);
    return { list, atBottom: true, scrollTop: 0 };
  }

  /** The list of a room (null: the server's). */
  listOf(name) {
    if (name == null) return this.serverList;
    let l = this.lists.get(name);
    if (!l) {
      l = this.makeList(name);
      this.lists.set(name, l);
    }
    return l;
  }

  dropRoom(name) {
    const l = this.lists.get(name);
    if (!l) return;
    l.list.remove();
    this.lists.delete(name);
  }

  /** Draws an entry into a room's conversation, and keeps following it (or offers to jump). */
  add(name, entry, options = {}) {
    this.insert(name, entry, options.seq ?? 0);
    this.settle(name, options);
  }

  /** After a `reset`: what is shown keeps its place, and new seqs (a new numbering) go after it. */
  forgetSeqs() {
    for (const { list } of this.lists.values()) {
      for (const n of list.querySelectorAll('[data-seq]')) delete n.dataset.seq;
    }
  }

  /** Draws an entry into a room's conversation, in seq order if it has one. */
  insert(name, entry, seq = 0) {
    const { list } = this.listOf(name);
    const li = this.item(entry);
    if (seq) {
      // in seq order: after a resume, live events can overtake the history that fills the gap before them
      let before = null;
      for (let n = list.lastElementChild; n; n = n.previousElementSibling) {
        const s = Number(n.dataset.seq || 0);
        if (!s) continue;
        if (s > seq) before = n;
        else break;
      }
      list.insertBefore(li, before);
    } else {
      list.append(li);
    }
    group(li);
    if (li.nextElementSibling) group(li.nextElementSibling);
    while (list.childElementCount > MAX_ITEMS) list.firstElementChild.remove();
  }

  /** After adding to a room: keep following the conversation, or offer to jump to it. */
  settle(name, { own = false, notable = true } = {}) {
    const l = this.listOf(name);
    if (l !== this.shownList) return;
    if (own || l.atBottom) {
      this.scrollToBottom();
    } else if (notable) {
      this.ui.jump.hidden = false;
    }
  }

  // ---- building items -----------------------------------------------------------------------------------

  item(entry) {
    const f = entry.frame;
    switch (entry.kind) {
      case 'chat': {
        const li = this.chatItem(f);
        if (entry.mention) li.classList.add('mention');
        return li;
      }
      case 'topic':
        return eventItem('topic', f, nickNode(f.nick), ' changed the topic to ', appendRichText(el('q'), f.text, null));
      case 'private': return this.privateItem(f);
      case 'own-join': return eventItem('join', f, 'You joined ', el('strong', null, `#${f.room}`));
      case 'join': return eventItem('join', f, nickNode(f.nick), ` joined${f.via ? ` from ${f.via}` : ''}`);
      case 'leave': return eventItem('leave', f, nickNode(f.nick), ' left', f.reason ? ` (${f.reason})` : '');
      case 'summary': return eventItem('summary', f, String(f.text ?? ''));
      case 'nick': return eventItem('nick', f, nickNode(f.old), ' is now known as ', nickNode(f.nick));
      case 'warn': return eventItem('warn', f ?? null, entry.text);
      case 'notice': return noticeItem(entry.text, { label: entry.label ?? 'Parley' });
      case 'error': return noticeItem(entry.text, { kind: 'error-item', label: null });
      case 'who': return noticeItem(whoBox(entry.users, entry.room), { label: 'Who' });
      case 'rooms': return noticeItem(this.roomsBox(entry.rooms), { label: 'Rooms' });
      default: throw new Error(`no item for ${entry.kind}`);
    }
  }

  chatItem(f) {
    const mine = this.state.isMe(f.nick);
    const me = mine ? null : this.state.me;
    if (f.action) {
      const li = baseItem('action', f);
      const side = el('span', 'side');
      side.append(timeNode(f.ts));
      const text = el('p', 'text');
      text.append(el('span', 'star', '*'), ' ', nickNode(f.nick), ' ');
      appendRichText(text.appendChild(el('span', 'action-text')), f.text, me);
      li.append(side, text);
      return li;
    }
    const li = baseItem('msg', f);
    if (mine) li.classList.add('own');
    const side = el('span', 'side');
    side.append(avatarNode(f.nick), timeNode(f.ts));
    const body = el('div', 'body');
    const meta = el('div', 'meta');
    meta.append(nickNode(f.nick));
    if (f.via === 'telnet') meta.append(el('span', 'via', 'telnet'));
    meta.append(timeNode(f.ts));
    const text = el('p', 'text');
    if (String(f.text).includes('\n')) text.classList.add('pre');
    appendRichText(text, f.text, me);
    body.append(meta, text);
    li.append(side, body);
    return li;
  }

  privateItem(f) {
    const li = baseItem('msg private', f);
    const outgoing = this.state.isMe(f.nick);
    const other = outgoing ? f.to : f.nick;
    li.dataset.nick = `pm:${key(f.nick)}:${key(f.to)}`;
    const side = el('span', 'side');
    side.append(avatarNode(f.nick), timeNode(f.ts));
    const body = el('div', 'body');
    const meta = el('div', 'meta');
    meta.append(el('span', 'pm-label', 'Private'), outgoing ? 'to' : 'from', nickNode(other));
    meta.append(timeNode(f.ts));
    const text = el('p', 'text');
    appendRichText(text, f.text, null);
    body.append(meta, text);
    li.append(side, body);
    return li;
  }

  roomsBox(rooms) {
    const box = el('div', 'who');
    box.append(el('p', 'text', rooms.length ? `${rooms.length} room${rooms.length === 1 ? '' : 's'}` : 'No rooms yet.'));
    const ul = el('ul', 'who-list');
    for (const room of rooms) {
      const row = el('li');
      const b = el('button', 'link-btn', `#${room.name}`);
      b.type = 'button';
      b.addEventListener('click', () => this.actions.joinRoom(room.name));
      row.append(b, el('span', 'idle', `${room.members} ${room.members === 1 ? 'member' : 'members'}`));
      if (room.topic) row.append(appendRichText(el('span', 'room-topic-inline'), room.topic, null));
      ul.append(row);
    }
    box.append(ul);
    return box;
  }

  // ---- rendering the state ------------------------------------------------------------------------------

  /** Shows the state's current room (after ChatState.select). */
  show() {
    const { ui } = this;
    const old = this.shownList;
    if (old) {
      old.atBottom = this.isAtBottom();
      old.scrollTop = ui.log.scrollTop;
      old.list.hidden = true;
    }
    const l = this.listOf(this.state.current);
    this.shownList = l;
    l.list.hidden = false;
    if (l.atBottom) this.scrollToBottom();
    else ui.log.scrollTop = l.scrollTop;
    ui.jump.hidden = true;
    this.renderRooms();
    this.renderHeader();
    this.renderPeople();
    this.renderTitle();
  }

  renderMe() {
    const { me } = this.state;
    this.ui.me.replaceChildren(avatarNode(me ?? '?'), nickNode(me ?? ''));
  }

  renderHeader() {
    const { ui } = this;
    const { current } = this.state;
    const room = this.state.shown();
    const peer = this.state.privateOf(current)?.peer;
    ui.roomTitle.textContent = peer ? `@${peer}` : current ? `#${current}` : 'Parley';
    ui.roomTopic.replaceChildren();
    if (peer) ui.roomTopic.textContent = `Private messages with ${peer}`;
    else if (current && room.topic) appendRichText(ui.roomTopic, room.topic, null);
    else ui.roomTopic.textContent = current ? 'No topic yet. Set one with /topic' : 'Join a room with /join #room';
    ui.roomCount.textContent = current && !peer ? `${room.members.size} ${room.members.size === 1 ? 'member' : 'members'}` : '';
    const label = peer ? `Message @${peer}` : current ? `Message #${current}` : 'Type a /command';
    ui.input.placeholder = label;
    ui.inputLabel.textContent = label;
  }

  renderTitle() {
    const { hiddenUnread, current } = this.state;
    const name = current?.startsWith('@') ? current : current ? `#${current}` : null;
    document.title = `${hiddenUnread ? `(${hiddenUnread}) ` : ''}${name ? `${name} · ` : ''}Parley`;
  }

  renderRooms() {
    const { ui, roomItems } = this;
    const { rooms, current } = this.state;
    for (const [name, li] of roomItems) {
      if (!rooms.has(name)) {
        li.remove();
        roomItems.delete(name);
      }
    }
    for (const r of rooms.values()) {
      let li = roomItems.get(r.name);
      if (!li) {
        li = el('li', 'room');
        const b = el('button', 'room-btn');
        b.type = 'button';
        b.dataset.room = r.name;
        b.append(el('span', 'hash', '#'), el('span', 'room-name', r.name), el('span', 'count'));
        b.addEventListener('click', () => {
          this.actions.showRoom(r.name);
          this.closePeople();
        });
        const x = el('button', 'leave-btn', '×');
        x.type = 'button';
        x.title = `Leave #${r.name}`;
        x.setAttribute('aria-label', `Leave #${r.name}`);
        x.addEventListener('click', () => this.actions.leaveRoom(r.name));
        li.append(b, x);
        roomItems.set(r.name, li);
      }
      ui.roomList.append(li); // keeps join order
      markRoom(li, r, current);
    }
    this.renderPrivates();
  }

  /** The private conversations, each an entry ("@bob") with its unread count. */
  renderPrivates() {
    const { ui, privateItems } = this;
    const { privates, current } = this.state;
    for (const [name, li] of privateItems) {
      if (!this.state.privateOf(name)) {
        li.remove();
        privateItems.delete(name);
      }
    }
    for (const c of privates.values()) {
      let li = privateItems.get(c.name);
      if (!li) {
        li = el('li', 'room private');
        const b = el('button', 'room-btn');
        b.type = 'button';
        b.dataset.room = c.name;
        b.append(el('span', 'hash', '@'), el('span', 'room-name', c.peer), el('span', 'count'));
        b.setAttribute('aria-label', `Private messages with ${c.peer}`);
        b.addEventListener('click', () => {
          this.actions.showRoom(c.name);
          this.closePeople();
        });
        li.append(b);
        privateItems.set(c.name, li);
      }
      ui.privateList.append(li);
      markRoom(li, c, current);
    }
    ui.privateList.hidden = privates.size === 0;
    ui.privateHeading.hidden = privates.size === 0;
  }

  renderPeople() {
    const { ui, state } = this;
    const { current } = state;
    const focused = document.activeElement?.closest?.('#people-list [data-nick]')?.dataset.nick;
    const people = [...state.shown().members.values()]
      .sort((a, b) => a.nick.localeCompare(b.nick, undefined, { sensitivity: 'base' }));
    ui.peopleCount.textContent = current ? String(people.length) : '';
    const inRoom = current && !state.privateOf(current);
    ui.roomCount.textContent = inRoom ? `${people.length} ${people.length === 1 ? 'member' : 'members'}` : '';
    const items = people.map((p) => {
      const li = el('li', 'person');
      const b = el('button', 'person-btn');
      b.type = 'button';
      b.dataset.nick = key(p.nick);
      const mine = state.isMe(p.nick);
      b.title = mine ? 'You' : `Send ${p.nick} a private message`;
      const idle = p.idle == null ? '' : idleText(p.idle + Math.max(0, (Date.now() - p.at) / 1000));
      const who = el('span', 'person-main');
      who.append(nickNode(p.nick));
      if (mine) who.append(el('span', 'you', '(you)'));
      const sub = el('span', 'person-sub', idle);
      if (idle === 'active') sub.classList.add('active');
      const text = el('span', 'person-text');
      text.append(who, sub);
      b.append(avatarNode(p.nick), text);
      if (p.via) b.append(el('span', `via-badge ${p.via === 'telnet' ? 'telnet' : 'web'}`, p.via));
      b.addEventListener('click', () => {
        if (state.isMe(p.nick)) return;
        ui.input.value = `/msg ${p.nick} `;
        this.closePeople();
        ui.input.focus();
      });
      li.append(b);
      return li;
    });
    ui.peopleList.replaceChildren(...items);
    if (!items.length) ui.peopleList.append(el('li', 'people-empty', current ? 'Just you so far.' : 'Not in a room.'));
    if (focused) ui.peopleList.querySelector(`[data-nick="${CSS.escape(focused)}"]`)?.focus();
  }

  /** The connection's state: the indicator, and the banner while reconnecting. */
  renderConnection(s, info, { loggedIn, me }) {
    const { ui } = this;
    clearInterval(this.countdown);
    this.countdown = null;
    ui.conn.dataset.state = s;
    ui.connText.textContent = CONNECTION_LABELS[s] ?? s;
    if (s === 'offline' && !loggedIn) {
      // the socket of the nickname screen closed; only say so if someone is waiting for an answer
      if (ui.loginButton.disabled) this.loginError(info.reason || 'Could not reach the server. Try again.');
      return;
    }
    if (s === 'ended') return; // signedOut() follows
    if (s === 'online') {
      ui.banner.hidden = true;
      return;
    }
    if (!loggedIn) return;
    ui.banner.hidden = false;
    ui.banner.dataset.state = s;
    if (s === 'offline') {
      ui.bannerText.textContent = `Could not rejoin as ${me}${info.reason ? `: ${info.reason}` : '.'}`;
      ui.bannerRetry.textContent = 'Try again';
    } else if (info.trying) {
      ui.bannerText.textContent = 'Connection lost. Reconnecting…';
      ui.bannerRetry.textContent = 'Retry now';
    } else {
      const show = () => {
        const secs = Math.max(1, Math.ceil((info.retryAt - Date.now()) / 1000));
        ui.bannerText.textContent = `Connection lost. Reconnecting in ${secs} s…`;
      };
      show();
      ui.bannerRetry.textContent = 'Retry now';
      this.countdown = setInterval(show, 1000);
    }
  }

  // ---- scrolling ----------------------------------------------------------------------------------------

  isAtBottom() {
    const { log } = this.ui;
    return log.scrollHeight - log.scrollTop - log.clientHeight < 48;
  }

  scrollToBottom() {
    this.ui.log.scrollTop = this.ui.log.scrollHeight;
    this.shownList.atBottom = true;
    this.ui.jump.hidden = true;
  }

  // ---- login and out ------------------------------------------------------------------------------------

  setLoginBusy(busy) {
    this.ui.loginButton.disabled = busy;
    this.loginLabel(busy);
  }

  /** The button says what it will do: join as a guest, log in, or register. */
  loginLabel(busy = this.ui.loginButton.disabled) {
    const { ui } = this;
    const register = ui.registerInput.checked;
    const password = ui.passwordInput.value !== '';
    ui.passwordInput.autocomplete = register ? 'new-password' : 'current-password';
    if (busy) ui.loginButton.textContent = register ? 'Registering…' : password ? 'Logging in…' : 'Joining…';
    else ui.loginButton.textContent = register ? 'Register and join' : password ? 'Log in' : 'Join chat';
  }

  loginError(message) {
    const { ui } = this;
    this.setLoginBusy(false);
    this.clearLoginErrors();
    ui.loginNote.hidden = true;
    ui.nickError.textContent = message;
    ui.nickError.hidden = false;
    ui.nickInput.setAttribute('aria-invalid', 'true');
    ui.nickInput.focus();
    ui.nickInput.select();
  }

  /** An error about the password (or the saved session): shown by the password field, which gets the focus. */
  passwordError(message, code) {
    const { ui } = this;
    this.setLoginBusy(false);
    this.clearLoginErrors();
    ui.loginNote.hidden = true;
    let text = message;
    if (code === 'nick_registered') text = `${message}. Enter the password to log in.`.replace('.. ', '. ');
    else if (code === 'token_invalid') text = 'Your saved login has ended (logged out, or the password changed). Log in with your password.';
    else if (code === 'no_account') text = `${message}. To keep this nickname, tick “Register as a new account”.`.replace('.. ', '. ');
    ui.passwordError.textContent = text;
    ui.passwordError.hidden = false;
    ui.passwordInput.setAttribute('aria-invalid', 'true');
    ui.passwordInput.value = '';
    this.loginLabel(false);
    ui.passwordInput.focus();
  }

  clearLoginErrors() {
    const { ui } = this;
    for (const [error, input] of [[ui.nickError, ui.nickInput], [ui.passwordError, ui.passwordInput]]) {
      error.hidden = true;
      input.removeAttribute('aria-invalid');
    }
  }

  /** Welcomed: from the nickname screen to the chat. */
  enterChat() {
    this.ui.login.hidden = true;
    this.ui.app.hidden = false;
    this.setLoginBusy(false);
  }

  focusInput() {
    this.ui.input.focus();
  }

  saveNick(nick) {
    try { localStorage.setItem('parley.nick', nick); } catch { /* private mode */ }
  }

  /** The user quit (the state is reset already): back to the nickname screen. */
  signedOut() {
    const { ui } = this;
    for (const l of this.lists.values()) l.list.remove();
    this.lists.clear();
    this.serverList.list.replaceChildren();
    this.shownList = this.serverList;
    this.renderRooms();
    ui.passwordInput.value = '';
    ui.registerInput.checked = false;
    ui.app.hidden = true;
    ui.banner.hidden = true;
    ui.login.hidden = false;
    this.setLoginBusy(false);
    ui.nickInput.focus();
    ui.loginNote.textContent = 'You left the chat. Join again whenever you like.';
    ui.loginNote.hidden = false;
  }

  // ---- people panel (a drawer on narrow screens) --------------------------------------------------------

  openPeople() {
    this.ui.app.classList.add('people-open');
    this.ui.peopleToggle.setAttribute('aria-expanded', 'true');
    this.ui.peopleClose.focus();
  }

  closePeople() {
    if (!this.ui.app.classList.contains('people-open')) return;
    this.ui.app.classList.remove('people-open');
    this.ui.peopleToggle.setAttribute('aria-expanded', 'false');
  }

  // ---- input --------------------------------------------------------------------------------------------

  /**
   * Wires the page's controls to the actions.
   * @param {{login, resume, retry, say, joinRoom, leaveRoom, showRoom}} actions
   */
  connect(actions) {
    this.actions = actions;
    const { ui, state } = this;

    ui.log.addEventListener('scroll', () => {
      this.shownList.atBottom = this.isAtBottom();
      if (this.shownList.atBottom) ui.jump.hidden = true;
    }, { passive: true });

    new ResizeObserver(() => {
      if (this.shownList.atBottom) ui.log.scrollTop = ui.log.scrollHeight;
    }).observe(ui.log);

    ui.jump.addEventListener('click', () => {
      const smooth = !matchMedia('(prefers-reduced-motion: reduce)').matches;
      ui.log.scrollTo({ top: ui.log.scrollHeight, behavior: smooth ? 'smooth' : 'auto' });
      this.shownList.atBottom = true;
      ui.jump.hidden = true;
      ui.input.focus();
    });

    ui.composer.addEventListener('submit', (e) => {
      e.preventDefault();
      const text = ui.input.value;
      if (!text.trim()) return;
      if (actions.say(text, { remember: true })) ui.input.value = '';
    });

    ui.input.addEventListener('keydown', (e) => {
      if (e.isComposing || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
      let line = null;
      if (e.key === 'ArrowUp') line = state.older(ui.input.value);
      else if (e.key === 'ArrowDown') line = state.newer();
      if (line == null) return;
      ui.input.value = line;
      e.preventDefault();
      ui.input.setSelectionRange(ui.input.value.length, ui.input.value.length);
    });

    ui.joinForm.addEventListener('submit', (e) => {
      e.preventDefault();
      actions.joinRoom(ui.joinInput.value);
      ui.joinInput.value = '';
    });

    ui.bannerRetry.addEventListener('click', () => actions.retry());

    ui.peopleToggle.addEventListener('click', () => {
      if (ui.app.classList.contains('people-open')) this.closePeople();
      else this.openPeople();
    });
    ui.app.querySelector('.scrim').addEventListener('click', () => this.closePeople());
    ui.peopleClose.addEventListener('click', () => {
      this.closePeople();
      ui.peopleToggle.focus();
    });
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && ui.app.classList.contains('people-open')) {
        this.closePeople();
        ui.peopleToggle.focus();
      }
    });

    state.setPageHidden(document.hidden);
    document.addEventListener('visibilitychange', () => {
      state.setPageHidden(document.hidden);
      if (!document.hidden) this.renderTitle();
    });

    ui.loginForm.addEventListener('submit', (e) => {
      e.preventDefault();
      const nick = ui.nickInput.value.trim();
      const password = ui.passwordInput.value;
      const register = ui.registerInput.checked;
      ui.loginNote.hidden = true;
      if (!nick) {
        this.loginError('Choose a nickname first.');
        return;
      }
      if (register && !password) {
        this.passwordError('Choose a password to register with (at least 8 characters).', 'password_invalid');
        return;
      }
      this.clearLoginErrors();
      this.setLoginBusy(true);
      // the password goes in the hello only; it is not kept in the page once sent
      ui.passwordInput.value = '';
      actions.login(nick, password ? { password, register } : null);
    });

    ui.nickInput.addEventListener('input', () => {
      ui.nickError.hidden = true;
      ui.nickInput.removeAttribute('aria-invalid');
    });
    ui.passwordInput.addEventListener('input', () => {
      ui.passwordError.hidden = true;
      ui.passwordInput.removeAttribute('aria-invalid');
      this.loginLabel();
    });
    ui.registerInput.addEventListener('change', () => this.loginLabel());

    try {
      const saved = localStorage.getItem('parley.nick');
      if (saved) ui.nickInput.value = saved;
    } catch { /* private mode */ }
    if (actions.resume()) {
      // a token from an earlier visit: logging in without asking
      this.setLoginBusy(true);
      ui.loginNote.textContent = 'Logging you in again…';
      ui.loginNote.hidden = false;
      return;
    }
    ui.nickInput.focus();
  }
}

// ---- items --------------------------------------------------------------------------------------------

/** Marks a room list entry as shown or not, with its unread count. */
function markRoom(li, r, current) {
  const b = li.firstElementChild;
  const active = r.name === current;
  b.setAttribute('aria-current', active ? 'true' : 'false');
  li.classList.toggle('active', active);
  li.classList.toggle('unread', r.unread > 0);
  const count = b.querySelector('.count');
  count.classList.toggle('mention', r.mentioned);
  count.replaceChildren();
  if (r.unread > 0) {
    count.append(String(r.unread > 99 ? '99+' : r.unread),
      el('span', 'sr-only', ` unread${r.mentioned ? ', you were mentioned' : ''}`));
  }
}

function baseItem(kind, f) {
  const li = el('li', `item ${kind}`);
  if (f?.seq) li.dataset.seq = String(f.seq);
  if (f?.nick) li.dataset.nick = key(f.nick);
  li.dataset.t = String(f?.ts ? Date.parse(f.ts) : Date.now());
  return li;
}

/** Consecutive messages of one person within a few minutes share one header. */
function group(li) {
  if (!li.classList.contains('msg')) return;
  const prev = li.previousElementSibling;
  const cont = prev != null && prev.classList.contains('msg') && prev.dataset.nick === li.dataset.nick
    && Math.abs(Number(li.dataset.t) - Number(prev.dataset.t)) < GROUP_MS;
  li.classList.toggle('cont', cont);
}

function eventItem(kind, f, ...parts) {
  const li = baseItem(`event ${kind}`, f);
  delete li.dataset.nick;
  const side = el('span', 'side');
  side.append(timeNode(f?.ts));
  const text = el('p', 'text');
  text.append(...parts.map((p) => (typeof p === 'string' ? document.createTextNode(p) : p)));
  li.append(side, text);
  return li;
}

function noticeItem(textOrNode, { kind = 'notice', label = 'Parley' } = {}) {
  const li = baseItem(kind, null);
  const side = el('span', 'side');
  side.append(el('span', 'badge-icon', kind === 'error-item' ? '!' : 'i'));
  const body = el('div', 'body');
  if (label) body.append(el('div', 'label', label));
  if (typeof textOrNode === 'string') {
    const text = el('p', 'text');
    if (textOrNode.includes('\n')) text.classList.add('pre');
    appendRichText(text, textOrNode, null);
    body.append(text);
  } else {
    body.append(textOrNode);
  }
  li.append(side, body);
  return li;
}

function whoBox(users, room) {
  const box = el('div', 'who');
  box.append(el('p', 'text', `${users.length} ${users.length === 1 ? 'person' : 'people'} ${room ? `in #${room}` : 'on the server'}`));
  const ul = el('ul', 'who-list');
  for (const u of users) {
    const row = el('li');
    row.append(nickNode(u.nick), el('span', `via-badge ${u.via === 'telnet' ? 'telnet' : 'web'}`, u.via ?? ''),
      el('span', 'idle', idleText(Number(u.idle))));
    ul.append(row);
  }
  box.append(ul);
  return box;
}
