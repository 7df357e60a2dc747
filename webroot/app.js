// Parley in the browser: the page's state and its wiring to the WebSocket protocol (docs/PROTOCOL.md).
// User text is only ever put into the page as text (see format.js); no innerHTML anywhere.

import { Connection } from '/chat/conn.js';
import {
  appendRichText, avatarNode, el, idleText, mentions, nickNode, timeNode,
} from '/chat/format.js';

const $ = (id) => document.getElementById(id);
const ui = {
  login: $('login-screen'),
  loginForm: $('login-form'),
  nickInput: $('nick-input'),
  nickError: $('nick-error'),
  loginNote: $('login-note'),
  loginButton: $('login-button'),
  app: $('app'),
  roomList: $('room-list'),
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

const QUIT_COMMANDS = new Set(['quit', 'q', 'exit']);
const MAX_ITEMS = 2000;
const GROUP_MS = 5 * 60 * 1000;
const WHO_EVERY_MS = 30000;

/** @type {Map<string, Room>} rooms we are in, in the order joined */
const rooms = new Map();
/** Where notices go while we are in no room. */
const serverView = makeView(null);
let current = null; // the room shown, or null for serverView
let me = null;
let motd = null;
let hiddenUnread = 0;
let whoTimer = null;
let autoWhoAll = 0; // our own plain /who requests not yet answered
const sent = [];
let sentIndex = 0;
let draft = '';

const conn = new Connection({
  url: `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/chat/ws`,
  onFrame,
  onState,
  since: resumePoints,
});

// ---- views (one message list per room) ---------------------------------------------------------------

function makeView(name) {
  const list = el('ol', 'messages');
  list.dataset.room = name ?? '';
  list.setAttribute('role', 'log');
  list.setAttribute('aria-label', name ? `Messages in #${name}` : 'Server messages');
  list.hidden = true;
  ui.log.append(list);
  return {
    name,
    list,
    topic: null,
    seqs: new Set(), // seqs shown: the dedupe key
    maxSeq: 0,
    synced: false, // after (re)joining: true once the join's history has arrived
    resumeFrom: 0, // the seq we asked to resume after on the current connection
    unread: 0,
    mentioned: false,
    members: new Map(), // nick key -> {nick, via, idle, at}
    whoPending: 0,
    historyAsked: 0,
    joinedOnce: false,
    atBottom: true,
    scrollTop: 0,
  };
}

function getRoom(name) {
  let r = rooms.get(name);
  if (!r) {
    r = makeView(name);
    rooms.set(name, r);
    renderRooms();
  }
  return r;
}

function view() {
  return current ? rooms.get(current) : serverView;
}

function key(nick) {
  return String(nick ?? '').toLowerCase();
}

function isMe(nick) {
  return me != null && key(nick) === key(me);
}

/** The `since` map for a resuming hello: per room, the highest seq we hold with nothing missing below. */
function resumePoints() {
  const since = {};
  for (const r of rooms.values()) {
    const from = r.synced ? r.maxSeq : r.resumeFrom;
    since[r.name] = from;
    r.resumeFrom = from;
    r.synced = false;
  }
  return since;
}

// ---- inserting items ----------------------------------------------------------------------------------

function insertItem(v, li, seq) {
  if (seq) {
    // in seq order: after a resume, live events can overtake the history that fills the gap before them
    let before = null;
    for (let n = v.list.lastElementChild; n; n = n.previousElementSibling) {
      const s = Number(n.dataset.seq || 0);
      if (!s) continue;
      if (s > seq) before = n;
      else break;
    }
    v.list.insertBefore(li, before);
  } else {
    v.list.append(li);
  }
  group(li);
  if (li.nextElementSibling) group(li.nextElementSibling);
  while (v.list.childElementCount > MAX_ITEMS) v.list.firstElementChild.remove();
}

/** Consecutive messages of one person within a few minutes share one header. */
function group(li) {
  if (!li.classList.contains('msg')) return;
  const prev = li.previousElementSibling;
  const cont = prev != null && prev.classList.contains('msg') && prev.dataset.nick === li.dataset.nick
    && Math.abs(Number(li.dataset.t) - Number(prev.dataset.t)) < GROUP_MS;
  li.classList.toggle('cont', cont);
}

/** After adding to a view: keep following the conversation, or offer to jump to it. */
function added(v, { own = false, notable = true } = {}) {
  if (v !== view()) return;
  if (own || v.atBottom) {
    scrollToBottom();
  } else if (notable) {
    ui.jump.hidden = false;
  }
}

function addLocal(v, li) {
  insertItem(v, li, 0);
  added(v, { own: true });
}

// ---- building items -----------------------------------------------------------------------------------

function baseItem(kind, f) {
  const li = el('li', `item ${kind}`);
  if (f?.seq) li.dataset.seq = String(f.seq);
  if (f?.nick) li.dataset.nick = key(f.nick);
  li.dataset.t = String(f?.ts ? Date.parse(f.ts) : Date.now());
  return li;
}

function chatItem(f) {
  const mine = isMe(f.nick);
  if (f.action) {
    const li = baseItem('action', f);
    const side = el('span', 'side');
    side.append(timeNode(f.ts));
    const text = el('p', 'text');
    text.append(el('span', 'star', '*'), ' ', nickNode(f.nick), ' ');
    appendRichText(text.appendChild(el('span', 'action-text')), f.text, mine ? null : me);
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
  appendRichText(text, f.text, mine ? null : me);
  body.append(meta, text);
  li.append(side, body);
  return li;
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

function privateItem(f) {
  const li = baseItem('msg private', f);
  const outgoing = isMe(f.nick);
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

// ---- frames -------------------------------------------------------------------------------------------

function onFrame(f, info) {
  switch (f.type) {
    case 'welcome': return onWelcome(f, info);
    case 'joined': return onJoined(f);
    case 'left': return onLeft(f);
    case 'history': return onHistory(f);
    case 'missed': return onMissed(f);
    case 'message':
    case 'topic': return onKept(f);
    case 'join':
    case 'leave':
    case 'nick':
    case 'summary': return onRoomEvent(f);
    case 'private': return onPrivate(f);
    case 'notice': return onNotice(f);
    case 'who': return onWho(f);
    case 'rooms': return onRooms(f);
    case 'error': return onError(f);
    case 'bye': return onBye(f);
    default: return undefined;
  }
}

function onWelcome(f, { resumed }) {
  me = f.nick;
  autoWhoAll = 0;
  for (const r of rooms.values()) {
    r.whoPending = 0;
    r.historyAsked = 0;
  }
  renderMe();
  if (!resumed) {
    motd = f.motd || null;
    try { localStorage.setItem('parley.nick', me); } catch { /* private mode */ }
    ui.login.hidden = true;
    ui.app.hidden = false;
    setLoginBusy(false);
    showView(null);
    ui.input.focus();
    clearInterval(whoTimer);
    whoTimer = setInterval(tick, WHO_EVERY_MS);
  }
}

function onJoined(f) {
  const r = getRoom(f.room);
  r.topic = f.topic ?? null;
  const old = r.members;
  r.members = new Map();
  for (const nick of f.members ?? []) {
    r.members.set(key(nick), old.get(key(nick)) ?? { nick, via: null, idle: null, at: 0 });
  }
  if (!r.joinedOnce) {
    r.joinedOnce = true;
    if (motd) {
      addLocal(r, noticeItem(motd, { label: 'Welcome' }));
      motd = null;
    }
    showView(r.name); // asks for /who
  } else {
    if (r === view()) {
      renderHeader();
      renderPeople();
    }
    requestWho(r.name);
  }
}

function onLeft(f) {
  const r = rooms.get(f.room);
  if (!r) return;
  rooms.delete(f.room);
  r.list.remove();
  if (current === f.room) {
    const rest = [...rooms.keys()];
    showView(rest.length ? rest[rest.length - 1] : null);
    if (!rest.length) addLocal(serverView, noticeItem('You are in no room now. Join one with /join #room.'));
  }
  renderRooms();
}

function onHistory(f) {
  const r = getRoom(f.room);
  const asked = r.historyAsked > 0;
  if (asked) r.historyAsked--;
  const resuming = r.resumeFrom > 0 && !asked;
  let shown = 0;
  for (const m of f.messages ?? []) {
    if (keep(r, { ...m, room: f.room }, { live: false, unread: resuming })) shown++;
  }
  if (!asked) r.synced = true;
  if (asked) {
    const n = (f.messages ?? []).length;
    addLocal(r, noticeItem(n === 0 ? `#${r.name} has no history yet.`
      : `The last ${n} message${n === 1 ? '' : 's'} of #${r.name}${shown < n ? ' are in the list above' : ''}.`));
  }
  added(r, { notable: shown > 0 });
}

function onMissed(f) {
  const r = getRoom(f.room);
  const n = Number(f.count) || 0;
  insertItem(r, eventItem('warn', f, `${n} earlier message${n === 1 ? '' : 's'} in #${r.name} ${n === 1 ? 'is' : 'are'} no longer available and could not be shown.`), 0);
  added(r);
}

function onKept(f) {
  if (!f.room) return;
  if (keep(getRoom(f.room), f, { live: true, unread: true })) added(getRoom(f.room), { own: isMe(f.nick) });
}

/** Shows a message or topic event unless its seq is already shown. */
function keep(r, f, { live, unread }) {
  const seq = Number(f.seq) || 0;
  if (seq) {
    if (r.seqs.has(seq)) return false;
    r.seqs.add(seq);
    if (seq > r.maxSeq) r.maxSeq = seq;
  }
  let li;
  if (f.type === 'topic') {
    li = eventItem('topic', f, nickNode(f.nick), ' changed the topic to ', appendRichText(el('q'), f.text, null));
    if (live) {
      r.topic = f.text;
      if (r === view()) renderHeader();
    }
  } else {
    li = chatItem(f);
  }
  const mentioned = f.type === 'message' && !isMe(f.nick) && mentions(f.text, me);
  if (mentioned) li.classList.add('mention');
  insertItem(r, li, seq);
  if (live && f.nick) {
    const m = r.members.get(key(f.nick));
    if (m) {
      m.idle = 0;
      m.at = Date.now();
    }
  }
  if (unread && !isMe(f.nick)) {
    if (r !== view()) {
      r.unread++;
      if (mentioned) r.mentioned = true;
      renderRooms();
    }
    if (document.hidden) {
      hiddenUnread++;
      renderTitle();
    }
  }
  return true;
}

function onRoomEvent(f) {
  if (f.type === 'nick') {
    if (isMe(f.old)) {
      me = f.nick;
      conn.renamed(me);
      renderMe();
      try { localStorage.setItem('parley.nick', me); } catch { /* private mode */ }
    }
    for (const r of rooms.values()) {
      const m = r.members.get(key(f.old));
      if (m) {
        r.members.delete(key(f.old));
        r.members.set(key(f.nick), { ...m, nick: f.nick });
      }
    }
    renderPeople();
    const v = f.room ? getRoom(f.room) : view();
    insertItem(v, eventItem('nick', f, nickNode(f.old), ' is now known as ', nickNode(f.nick)), 0);
    added(v, { notable: false });
    return;
  }
  if (!f.room) return;
  const r = getRoom(f.room);
  if (f.type === 'join') {
    if (isMe(f.nick)) {
      r.synced = true; // published after our history: everything since resumeFrom has arrived
      r.members.set(key(f.nick), { nick: f.nick, via: f.via, idle: 0, at: Date.now() });
      if (r.shownJoin) return;
      r.shownJoin = true;
      insertItem(r, eventItem('join', f, 'You joined ', el('strong', null, `#${r.name}`)), 0);
    } else {
      r.members.set(key(f.nick), { nick: f.nick, via: f.via, idle: 0, at: Date.now() });
      insertItem(r, eventItem('join', f, nickNode(f.nick), ` joined${f.via ? ` from ${f.via}` : ''}`), 0);
    }
  } else if (f.type === 'leave') {
    r.members.delete(key(f.nick));
    insertItem(r, eventItem('leave', f, nickNode(f.nick), ' left', f.reason ? ` (${f.reason})` : ''), 0);
  } else {
    insertItem(r, eventItem('summary', f, String(f.text ?? '')), 0);
  }
  if (r === view()) {
    renderPeople();
    scheduleWho();
  }
  added(r, { notable: false });
}

function onPrivate(f) {
  const v = view();
  const li = privateItem(f);
  insertItem(v, li, 0);
  added(v, { own: isMe(f.nick) });
  if (!isMe(f.nick) && document.hidden) {
    hiddenUnread++;
    renderTitle();
  }
}

function onNotice(f) {
  const v = f.room && rooms.has(f.room) ? rooms.get(f.room) : view();
  addLocal(v, noticeItem(String(f.text ?? '')));
}

function onWho(f) {
  const r = f.room ? rooms.get(f.room) : null;
  if (r) {
    r.members = new Map();
    const now = Date.now();
    for (const u of f.users ?? []) {
      r.members.set(key(u.nick), { nick: u.nick, via: u.via, idle: Number(u.idle) || 0, at: now });
    }
    if (r === view()) renderPeople();
    if (r.whoPending > 0) {
      r.whoPending--;
      return; // our own periodic /who: it only refreshes the list of people
    }
  } else if (!f.room && autoWhoAll > 0) {
    autoWhoAll--;
    return;
  }
  const box = el('div', 'who');
  const users = f.users ?? [];
  box.append(el('p', 'text', `${users.length} ${users.length === 1 ? 'person' : 'people'} ${f.room ? `in #${f.room}` : 'on the server'}`));
  const ul = el('ul', 'who-list');
  for (const u of users) {
    const row = el('li');
    row.append(nickNode(u.nick), el('span', `via-badge ${u.via === 'telnet' ? 'telnet' : 'web'}`, u.via ?? ''),
      el('span', 'idle', idleText(Number(u.idle))));
    ul.append(row);
  }
  box.append(ul);
  addLocal(view(), noticeItem(box, { label: 'Who' }));
}

function onRooms(f) {
  const box = el('div', 'who');
  const list = f.rooms ?? [];
  box.append(el('p', 'text', list.length ? `${list.length} room${list.length === 1 ? '' : 's'}` : 'No rooms yet.'));
  const ul = el('ul', 'who-list');
  for (const room of list) {
    const row = el('li');
    const b = el('button', 'link-btn', `#${room.name}`);
    b.type = 'button';
    b.addEventListener('click', () => joinRoom(room.name));
    row.append(b, el('span', 'idle', `${room.members} ${room.members === 1 ? 'member' : 'members'}`));
    if (room.topic) row.append(appendRichText(el('span', 'room-topic-inline'), room.topic, null));
    ul.append(row);
  }
  box.append(ul);
  addLocal(view(), noticeItem(box, { label: 'Rooms' }));
}

function onError(f) {
  if (!conn.loggedIn) {
    showLoginError(f.message || 'That did not work.');
    return;
  }
  addLocal(view(), noticeItem(String(f.message ?? f.code ?? 'error'), { kind: 'error-item', label: null }));
}

function onBye(f) {
  if (conn.quitting || !conn.loggedIn) return;
  const v = view();
  insertItem(v, eventItem('warn', null, `The server closed the connection${f.reason ? `: ${f.reason}` : ''}.`), 0);
  added(v, { notable: false });
}

// ---- connection state ---------------------------------------------------------------------------------

let countdown = null;

function onState(state, info) {
  clearInterval(countdown);
  countdown = null;
  ui.conn.dataset.state = state;
  const labels = {
    idle: 'Not connected', connecting: 'Connecting…', online: 'Connected', reconnecting: 'Reconnecting…',
    offline: 'Offline', ended: 'Signed out',
  };
  ui.connText.textContent = labels[state] ?? state;
  if (state === 'offline' && !conn.loggedIn) {
    // the socket of the nickname screen closed; only say so if someone is waiting for an answer
    if (ui.loginButton.disabled) showLoginError(info.reason || 'Could not reach the server. Try again.');
    return;
  }
  if (state === 'ended') {
    resetAll();
    ui.loginNote.textContent = 'You left the chat. Join again whenever you like.';
    ui.loginNote.hidden = false;
    return;
  }
  if (state === 'online') {
    ui.banner.hidden = true;
    if (info.resumed) scheduleWho();
    return;
  }
  if (!conn.loggedIn) return;
  ui.banner.hidden = false;
  ui.banner.dataset.state = state;
  if (state === 'offline') {
    ui.bannerText.textContent = `Could not rejoin as ${me}${info.reason ? `: ${info.reason}` : '.'}`;
    ui.bannerRetry.textContent = 'Try again';
  } else if (info.trying) {
    ui.bannerText.textContent = 'Connection lost. Reconnecting…';
    ui.bannerRetry.textContent = 'Retry now';
  } else {
    const show = () => {
      const s = Math.max(1, Math.ceil((info.retryAt - Date.now()) / 1000));
      ui.bannerText.textContent = `Connection lost. Reconnecting in ${s} s…`;
    };
    show();
    ui.bannerRetry.textContent = 'Retry now';
    countdown = setInterval(show, 1000);
  }
}

// ---- rendering ----------------------------------------------------------------------------------------

function showView(name) {
  const old = view();
  if (old) {
    old.atBottom = isAtBottom();
    old.scrollTop = ui.log.scrollTop;
    old.list.hidden = true;
  }
  current = name && rooms.has(name) ? name : null;
  const v = view();
  v.list.hidden = false;
  v.unread = 0;
  v.mentioned = false;
  if (v.atBottom) scrollToBottom();
  else ui.log.scrollTop = v.scrollTop;
  ui.jump.hidden = true;
  renderRooms();
  renderHeader();
  renderPeople();
  renderTitle();
  if (current) requestWho(current);
}

function renderMe() {
  ui.me.replaceChildren(avatarNode(me ?? '?'), nickNode(me ?? ''));
}

function renderHeader() {
  const v = view();
  ui.roomTitle.textContent = current ? `#${current}` : 'Parley';
  ui.roomTopic.replaceChildren();
  if (current && v.topic) appendRichText(ui.roomTopic, v.topic, null);
  else ui.roomTopic.textContent = current ? 'No topic yet. Set one with /topic' : 'Join a room with /join #room';
  ui.roomCount.textContent = current ? `${v.members.size} ${v.members.size === 1 ? 'member' : 'members'}` : '';
  const label = current ? `Message #${current}` : 'Type a /command';
  ui.input.placeholder = label;
  ui.inputLabel.textContent = label;
}

function renderTitle() {
  document.title = `${hiddenUnread ? `(${hiddenUnread}) ` : ''}${current ? `#${current} · ` : ''}Parley`;
}

const roomItems = new Map();

function renderRooms() {
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
        showView(r.name);
        closePeople();
      });
      const x = el('button', 'leave-btn', '×');
      x.type = 'button';
      x.title = `Leave #${r.name}`;
      x.setAttribute('aria-label', `Leave #${r.name}`);
      x.addEventListener('click', () => say(`/leave #${r.name}`));
      li.append(b, x);
      roomItems.set(r.name, li);
    }
    ui.roomList.append(li); // keeps join order
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
}

function renderPeople() {
  const v = view();
  const focused = document.activeElement?.closest?.('#people-list [data-nick]')?.dataset.nick;
  const people = [...v.members.values()].sort((a, b) => a.nick.localeCompare(b.nick, undefined, { sensitivity: 'base' }));
  ui.peopleCount.textContent = current ? String(people.length) : '';
  ui.roomCount.textContent = current ? `${people.length} ${people.length === 1 ? 'member' : 'members'}` : '';
  const items = people.map((p) => {
    const li = el('li', 'person');
    const b = el('button', 'person-btn');
    b.type = 'button';
    b.dataset.nick = key(p.nick);
    b.title = isMe(p.nick) ? 'You' : `Send ${p.nick} a private message`;
    const idle = p.idle == null ? '' : idleText(p.idle + Math.max(0, (Date.now() - p.at) / 1000));
    const who = el('span', 'person-main');
    who.append(nickNode(p.nick));
    if (isMe(p.nick)) who.append(el('span', 'you', '(you)'));
    const sub = el('span', 'person-sub', idle);
    if (idle === 'active') sub.classList.add('active');
    const text = el('span', 'person-text');
    text.append(who, sub);
    b.append(avatarNode(p.nick), text);
    if (p.via) b.append(el('span', `via-badge ${p.via === 'telnet' ? 'telnet' : 'web'}`, p.via));
    b.addEventListener('click', () => {
      if (isMe(p.nick)) return;
      ui.input.value = `/msg ${p.nick} `;
      closePeople();
      ui.input.focus();
    });
    li.append(b);
    return li;
  });
  ui.peopleList.replaceChildren(...items);
  if (!items.length) ui.peopleList.append(el('li', 'people-empty', current ? 'Just you so far.' : 'Not in a room.'));
  if (focused) ui.peopleList.querySelector(`[data-nick="${CSS.escape(focused)}"]`)?.focus();
}

// ---- scrolling ----------------------------------------------------------------------------------------

function isAtBottom() {
  return ui.log.scrollHeight - ui.log.scrollTop - ui.log.clientHeight < 48;
}

function scrollToBottom() {
  ui.log.scrollTop = ui.log.scrollHeight;
  view().atBottom = true;
  ui.jump.hidden = true;
}

ui.log.addEventListener('scroll', () => {
  const v = view();
  v.atBottom = isAtBottom();
  if (v.atBottom) ui.jump.hidden = true;
}, { passive: true });

new ResizeObserver(() => {
  if (view().atBottom) ui.log.scrollTop = ui.log.scrollHeight;
}).observe(ui.log);

ui.jump.addEventListener('click', () => {
  const smooth = !matchMedia('(prefers-reduced-motion: reduce)').matches;
  ui.log.scrollTo({ top: ui.log.scrollHeight, behavior: smooth ? 'smooth' : 'auto' });
  view().atBottom = true;
  ui.jump.hidden = true;
  ui.input.focus();
});

// ---- sending ------------------------------------------------------------------------------------------

function say(text, { remember = false } = {}) {
  const trimmed = text.trim();
  const command = /^\/(\S+)/.exec(trimmed)?.[1]?.toLowerCase();
  const frame = { type: 'say', text };
  if (current) frame.room = current;
  if (!conn.online) {
    addLocal(view(), noticeItem('You are offline, so that was not sent. It is still in the box; send it again once you are back.',
      { kind: 'error-item', label: null }));
    return false;
  }
  if (command && QUIT_COMMANDS.has(command)) conn.quit();
  if (command === 'history' && current) rooms.get(current).historyAsked++;
  if (remember) {
    if (sent[sent.length - 1] !== text) sent.push(text);
    if (sent.length > 200) sent.shift();
    sentIndex = sent.length;
    draft = '';
  }
  conn.send(frame);
  if (!command) scrollToBottom();
  return true;
}

function joinRoom(name) {
  const room = name.replace(/^#/, '').trim().toLowerCase();
  if (!room) return;
  if (rooms.has(room)) showView(room);
  else say(`/join #${room}`);
}

function requestWho(room) {
  const r = rooms.get(room);
  if (!r || !conn.online) return;
  r.whoPending++;
  conn.send({ type: 'say', text: `/who #${room}` });
}

let whoSoon = null;
function scheduleWho() {
  clearTimeout(whoSoon);
  // joins and leaves already update the list; the /who that follows a burst of them adds idle times
  whoSoon = setTimeout(() => current && requestWho(current), 1500);
}

function tick() {
  conn.checkAlive();
  if (current) {
    requestWho(current);
  } else if (conn.online) {
    // in no room: a /who of the whole server keeps the connection's liveness check fed
    autoWhoAll++;
    conn.send({ type: 'say', text: '/who' });
  }
}

ui.composer.addEventListener('submit', (e) => {
  e.preventDefault();
  const text = ui.input.value;
  if (!text.trim()) return;
  if (say(text, { remember: true })) ui.input.value = '';
});

ui.input.addEventListener('keydown', (e) => {
  if (e.isComposing || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
  if (e.key === 'ArrowUp') {
    if (sentIndex === 0) return;
    if (sentIndex === sent.length) draft = ui.input.value;
    sentIndex--;
    ui.input.value = sent[sentIndex];
    e.preventDefault();
    ui.input.setSelectionRange(ui.input.value.length, ui.input.value.length);
  } else if (e.key === 'ArrowDown') {
    if (sentIndex >= sent.length) return;
    sentIndex++;
    ui.input.value = sentIndex === sent.length ? draft : sent[sentIndex];
    e.preventDefault();
    ui.input.setSelectionRange(ui.input.value.length, ui.input.value.length);
  }
});

ui.joinForm.addEventListener('submit', (e) => {
  e.preventDefault();
  joinRoom(ui.joinInput.value);
  ui.joinInput.value = '';
});

ui.bannerRetry.addEventListener('click', () => conn.retry());

// ---- people panel (a drawer on narrow screens) --------------------------------------------------------

function openPeople() {
  ui.app.classList.add('people-open');
  ui.peopleToggle.setAttribute('aria-expanded', 'true');
  ui.peopleClose.focus();
}

function closePeople() {
  if (!ui.app.classList.contains('people-open')) return;
  ui.app.classList.remove('people-open');
  ui.peopleToggle.setAttribute('aria-expanded', 'false');
}

ui.peopleToggle.addEventListener('click', () => {
  if (ui.app.classList.contains('people-open')) closePeople();
  else openPeople();
});
ui.app.querySelector('.scrim').addEventListener('click', closePeople);
ui.peopleClose.addEventListener('click', () => {
  closePeople();
  ui.peopleToggle.focus();
});
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && ui.app.classList.contains('people-open')) {
    closePeople();
    ui.peopleToggle.focus();
  }
});

document.addEventListener('visibilitychange', () => {
  if (!document.hidden) {
    hiddenUnread = 0;
    renderTitle();
  }
});

// ---- login --------------------------------------------------------------------------------------------

function setLoginBusy(busy) {
  ui.loginButton.disabled = busy;
  ui.loginButton.textContent = busy ? 'Joining…' : 'Join chat';
}

function showLoginError(message) {
  setLoginBusy(false);
  ui.nickError.textContent = message;
  ui.nickError.hidden = false;
  ui.nickInput.setAttribute('aria-invalid', 'true');
  ui.nickInput.focus();
  ui.nickInput.select();
}

function resetAll() {
  clearInterval(whoTimer);
  for (const r of rooms.values()) r.list.remove();
  rooms.clear();
  serverView.list.replaceChildren();
  current = null;
  me = null;
  renderRooms();
  ui.app.hidden = true;
  ui.banner.hidden = true;
  ui.login.hidden = false;
  setLoginBusy(false);
  ui.nickInput.focus();
}

ui.loginForm.addEventListener('submit', (e) => {
  e.preventDefault();
  const nick = ui.nickInput.value.trim();
  ui.loginNote.hidden = true;
  if (!nick) {
    showLoginError('Choose a nickname first.');
    return;
  }
  ui.nickError.hidden = true;
  ui.nickInput.removeAttribute('aria-invalid');
  setLoginBusy(true);
  conn.login(nick);
});

ui.nickInput.addEventListener('input', () => {
  ui.nickError.hidden = true;
  ui.nickInput.removeAttribute('aria-invalid');
});

try {
  const saved = localStorage.getItem('parley.nick');
  if (saved) ui.nickInput.value = saved;
} catch { /* private mode */ }
ui.nickInput.focus();
