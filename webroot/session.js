// What the page keeps in localStorage for an account (docs/PROTOCOL.md, "Accounts"): the browser session token
// given in `welcome` (never the password, never in a URL), and the private conversations, per account, bounded.
// Every access may fail (private mode, storage full): then nothing is kept and the page works as before.

import { key } from '/chat/state.js';

const SESSION = 'parley.session';
const PRIVATE_PREFIX = 'parley.private.';
/** The most messages kept per conversation, and the most conversations kept per account. */
export const MAX_PRIVATE_MESSAGES = 200;
export const MAX_CONVERSATIONS = 30;

function read(name) {
  try {
    const raw = localStorage.getItem(name);
    return raw ? JSON.parse(raw) : null;
  } catch {
    return null;
  }
}

function write(name, value) {
  try {
    if (value == null) localStorage.removeItem(name);
    else localStorage.setItem(name, JSON.stringify(value));
  } catch { /* private mode or full: not kept */ }
}

/** The saved session, {nick, account, token}, or null. */
export function savedSession() {
  const s = read(SESSION);
  return s && typeof s.nick === 'string' && typeof s.token === 'string' ? s : null;
}

export function saveSession(nick, account, token) {
  write(SESSION, { nick, account, token });
}

/** Forgets the token (logged out, revoked, or a guest now). */
export function clearSession() {
  write(SESSION, null);
}

/** The saved private conversations of an account: [{peer, messages: [frame]}], most recent last. */
export function savedConversations(account) {
  const c = read(PRIVATE_PREFIX + key(account));
  return Array.isArray(c) ? c.filter((x) => x && typeof x.peer === 'string' && Array.isArray(x.messages)) : [];
}

/** Adds a `private` frame to the account's conversation with `peer`, keeping the newest only. */
export function savePrivate(account, peer, frame) {
  const all = savedConversations(account);
  let conv = all.find((x) => key(x.peer) === key(peer));
  if (conv) all.splice(all.indexOf(conv), 1);
  else conv = { peer, messages: [] };
  conv.peer = peer;
  conv.messages.push({ nick: frame.nick, to: frame.to, text: frame.text, ts: frame.ts });
  if (conv.messages.length > MAX_PRIVATE_MESSAGES) conv.messages.splice(0, conv.messages.length - MAX_PRIVATE_MESSAGES);
  all.push(conv);
  if (all.length > MAX_CONVERSATIONS) all.splice(0, all.length - MAX_CONVERSATIONS);
  write(PRIVATE_PREFIX + key(account), all);
}
