// Parley in the browser (docs/PROTOCOL.md, "The browser page"). The page is plain ES modules:
//
//   state.js     ChatState, the one state object: rooms, members, seqs, unread counts, the composer's history
//   protocol.js  Protocol: server frames -> state changes and view updates; the user's lines and the page's
//                own requests -> frames
//   requests.js  Requests: ids on sent frames, replies matched to their request by id (or, with a server
//                that labels nothing, by what the request expects)
//   conn.js      Connection: the WebSocket, login (guest, password or token), reconnect with backoff, resume
//                with `since`
//   session.js   what is kept in localStorage for an account: the session token, private conversations
//   view.js      View: the state drawn into the DOM, and the page's controls
//   format.js    pure helpers: nick colours, times, links, mentions
//
// This file only wires them together.

import { Protocol } from '/chat/protocol.js';
import { ChatState } from '/chat/state.js';
import { View } from '/chat/view.js';

const state = new ChatState();
const view = new View(state);
const protocol = new Protocol({
  state,
  view,
  url: `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/chat/ws`,
});
view.connect({
  login: (nick, auth) => protocol.login(nick, auth),
  resume: () => protocol.resumeSession(),
  retry: () => protocol.retry(),
  say: (text, options) => protocol.say(text, options),
  joinRoom: (name) => protocol.joinRoom(name),
  leaveRoom: (name) => protocol.leaveRoom(name),
  showRoom: (name) => protocol.showRoom(name),
});
