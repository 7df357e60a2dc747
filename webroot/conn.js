// The WebSocket connection to /chat/ws: login, reconnect with backoff, resume with `since`, and requests whose
// replies are matched by id (requests.js).
//
// States: 'idle' (not started), 'connecting' (first login), 'online', 'reconnecting' (lost, retrying),
// 'offline' (gave up; retry() starts again), 'ended' (the user quit).

import { Requests } from '/chat/requests.js';

const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];
/** How often a reconnect may meet nick_taken (the old session not yet noticed as gone) before giving up. */
export const NICK_RETRIES = 8;
/**
 * How often a login with a saved token (a reload) may meet nick_taken, a second apart, before the page says that
 * the account is in use elsewhere: the server may not yet have noticed that the page's previous socket is gone.
 */
const TOKEN_RETRIES = 4;
/**
 * The page sends a /who every 30 s (once a minute when the browser throttles a hidden tab), so a socket
 * silent this long is dead even if the browser has not noticed.
 */
const SILENCE_MS = 100000;

export class Connection {
  /**
   * @param {object} opts
   * @param {string} opts.url WebSocket URL
   * @param {(frame: object, info: {request?: object, resumed?: boolean}) => void} opts.onFrame every frame
   *     after login, and login errors; `request` is the request the frame answers, if any
   * @param {(state: string, info: object) => void} opts.onState connection state changes
   * @param {() => object} opts.since the `since` to resume with: {epoch, rooms: {room: highest seq seen}}
   */
  constructor({ url, onFrame, onState, since }) {
    this.url = url;
    this.onFrame = onFrame;
    this.onState = onState;
    this.since = since;
    this.state = 'idle';
    this.nick = null;
    /** What the hello proves for a registered nickname: {password, register} or {token}; null for a guest. */
    this.auth = null;
    this.loggedIn = false; // welcomed at least once: later connections resume
    this.ws = null;
    this.welcomed = false; // the current socket is logged in
    this.attempt = 0;
    this.nickRetries = 0;
    this.tokenRetries = 0;
    this.timer = null;
    this.retryAt = 0;
    this.lastFrameAt = 0;
    this.quitting = false;
    this.requests = new Requests();
    addEventListener('online', () => {
      if (this.state === 'reconnecting') this.retry();
    });
  }

  setState(state, info = {}) {
    this.state = state;
    this.onState(state, info);
  }

  /**
   * First login (or another try after a refused one). `auth` is {password, register} or {token}, or null for a
   * guest; after the welcome only a token is kept, never the password.
   */
  login(nick, auth = null) {
    this.nick = nick;
    this.auth = auth;
    this.tokenRetries = 0;
    this.quitting = false;
    if (this.ws && this.ws.readyState === WebSocket.OPEN && !this.welcomed) {
      this.hello(this.helloFrame());
      return;
    }
    this.open();
  }

  /** Later resumes of this session log in as a guest (after /logout) or with another token. */
  setAuth(auth) {
    this.auth = auth;
  }

  helloFrame() {
    const hello = { type: 'hello', nick: this.nick };
    if (this.auth?.token) hello.token = this.auth.token;
    else if (this.auth?.password) {
      hello.password = this.auth.password;
      if (this.auth.register) hello.register = true;
    }
    return hello;
  }

  /** The nickname changed (/nick): later resumes use the new one. */
  renamed(nick) {
    this.nick = nick;
  }

  /** The user asked to leave: the close that follows is not an accident. */
  quit() {
    this.quitting = true;
  }

  /** Reconnect now instead of waiting for the backoff timer. */
  retry() {
    if (this.state === 'offline') {
      this.attempt = 0;
      this.nickRetries = 0;
    }
    clearTimeout(this.timer);
    this.timer = null;
    if (!this.ws) this.open();
  }

  get online() {
    return this.state === 'online';
  }

  /**
   * Sends a frame with an id if logged in, and hands its replies to `handlers` (see Requests.add). Returns the
   * request, or null when it could not be sent.
   */
  request(frame, handlers) {
    if (!this.ws || !this.welcomed || this.ws.readyState !== WebSocket.OPEN) return null;
    const request = this.requests.add(frame, handlers);
    this.sendRaw(frame);
    return request;
  }

  /** Logs in on the open socket; its answer is a welcome or an error. */
  hello(frame) {
    const answer = (f) => f.type === 'welcome' || f.type === 'error';
    this.requests.add(frame, {
      kind: 'hello',
      isLast: answer,
      expects: answer,
      onReply: (f) => this.helloReply(f),
    });
    this.sendRaw(frame);
  }

  sendRaw(frame) {
    this.ws.send(JSON.stringify(frame));
  }

  /** Called periodically: drops a socket that has gone silent so that it reconnects. */
  checkAlive() {
    if (this.ws && this.welcomed && Date.now() - this.lastFrameAt > SILENCE_MS) {
      this.drop();
    }
  }

  open() {
    clearTimeout(this.timer);
    this.timer = null;
    this.setState(this.loggedIn ? 'reconnecting' : 'connecting', { attempt: this.attempt, trying: true });
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (err) {
      this.closed(null);
      return;
    }
    this.ws = ws;
    this.welcomed = false;
    this.requests.clear();
    ws.onopen = () => {
      this.lastFrameAt = Date.now();
      const hello = this.helloFrame();
      if (this.loggedIn) hello.since = this.since();
      this.hello(hello);
    };
    ws.onmessage = (ev) => this.received(ev.data);
    ws.onclose = () => this.closed(ws);
    ws.onerror = () => { /* a close event follows */ };
  }

  received(data) {
    this.lastFrameAt = Date.now();
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    if (!frame || typeof frame !== 'object') return;
    const request = this.requests.match(frame);
    if (request?.onReply?.(frame)) return;
    this.onFrame(frame, { request });
  }

  /** The answer to a hello: true when it needs no more handling. */
  helloReply(frame) {
    if (frame.type === 'welcome') {
      this.welcomed = true;
      const resumed = this.loggedIn;
      this.loggedIn = true;
      this.attempt = 0;
      this.nickRetries = 0;
      this.nick = frame.nick ?? this.nick;
      // the password is forgotten once used: a registered user resumes with the token
      if (frame.token) this.auth = { token: frame.token };
      else if (!frame.account || !this.auth?.token) this.auth = null;
      this.setState('online', { resumed });
      this.onFrame(frame, { resumed });
      return true;
    }
    if (frame.type === 'error' && this.loggedIn && (frame.code === 'nick_taken' || frame.code === 'unavailable')) {
      // reconnecting: the server has not yet noticed that our old connection is gone
      this.nickRetries++;
      if (this.nickRetries > NICK_RETRIES) {
        this.giveUp(frame.message);
      } else {
        this.drop();
      }
      return true;
    }
    if (frame.type === 'error' && !this.loggedIn && frame.code === 'nick_taken' && this.auth?.token
        && this.tokenRetries < TOKEN_RETRIES) {
      this.tokenRetries++;
      const ws = this.ws;
      this.timer = setTimeout(() => {
        if (ws === this.ws && ws.readyState === WebSocket.OPEN && !this.welcomed) this.hello(this.helloFrame());
      }, 1000);
      return true;
    }
    if (frame.type === 'error' && this.loggedIn && frame.code === 'nick_invalid') {
      this.giveUp(frame.message);
      return true;
    }
    if (frame.type === 'error' && this.loggedIn
        && ['token_invalid', 'nick_registered', 'wrong_password', 'too_many_attempts'].includes(frame.code)) {
      // the session's token was revoked (or it was a guest's, and the nickname is registered now): only the
      // password gets back in
      this.signOut(frame);
      return true;
    }
    return false; // a refused first login: the page shows why
  }

  /** Forgets the current socket at once (without waiting for its close handshake) and handles the loss. */
  drop() {
    const ws = this.ws;
    if (!ws) return;
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    try { ws.close(); } catch { /* already closing */ }
    this.closed(ws);
  }

  giveUp(reason) {
    const ws = this.ws;
    this.ws = null;
    this.welcomed = false;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      try { ws.close(); } catch { /* ignore */ }
    }
    this.setState('offline', { reason });
  }

  /** Back to the login screen, with the error that sent us there. */
  signOut(frame) {
    const ws = this.ws;
    this.ws = null;
    this.welcomed = false;
    this.loggedIn = false;
    this.auth = null;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      try { ws.close(); } catch { /* ignore */ }
    }
    this.setState('ended', { error: frame });
  }

  closed(ws) {
    if (ws !== this.ws) return;
    this.ws = null;
    this.welcomed = false;
    if (this.quitting) {
      this.loggedIn = false;
      this.setState('ended', {});
      return;
    }
    if (!this.loggedIn) {
      this.setState('offline', { reason: 'Could not reach the server.' });
      return;
    }
    const base = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    this.attempt++;
    this.retryAt = Date.now() + delay;
    this.timer = setTimeout(() => this.open(), delay);
    this.setState('reconnecting', { attempt: this.attempt, retryAt: this.retryAt });
  }
}
