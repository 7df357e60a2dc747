// Pure helpers that turn protocol data into DOM nodes and strings.
// User text only ever reaches the page as text nodes (textContent / createTextNode), never as markup.

const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const TRAILING = /[.,;:!?'"\]}>]+$/;

/** Hues far enough apart to tell people apart, in light and in dark mode. */
const HUES = [0, 20, 36, 100, 135, 155, 175, 190, 205, 220, 235, 255, 270, 290, 310, 330];

/** A stable hue for a nickname (FNV-1a of its lower case), so that a person keeps one colour everywhere. */
export function nickHue(nick) {
  let h = 2166136261;
  const key = String(nick).toLowerCase();
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return HUES[(h >>> 0) % HUES.length];
}

/** A span holding a coloured nickname. */
export function nickNode(nick, tag = 'span') {
  const el = document.createElement(tag);
  el.className = 'nick';
  el.style.setProperty('--hue', String(nickHue(nick)));
  el.textContent = nick;
  return el;
}

/** A small rounded square with the nickname's first letter. */
export function avatarNode(nick) {
  const el = document.createElement('span');
  el.className = 'avatar';
  el.setAttribute('aria-hidden', 'true');
  el.style.setProperty('--hue', String(nickHue(nick)));
  el.textContent = Array.from(String(nick))[0]?.toUpperCase() ?? '?';
  return el;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** A <time> element showing HH:MM, with the full date as its tooltip. */
export function timeNode(ts) {
  const el = document.createElement('time');
  const d = ts ? new Date(ts) : new Date();
  if (!Number.isNaN(d.getTime())) {
    el.dateTime = d.toISOString();
    el.textContent = timeFormat.format(d);
    el.title = fullFormat.format(d);
  }
  return el;
}

/** "active", "idle 5m", "idle 2h 10m", "idle 3d". */
export function idleText(seconds) {
  if (seconds == null || Number.isNaN(seconds)) return '';
  if (seconds < 60) return 'active';
  const m = Math.floor(seconds / 60);
  if (m < 60) return `idle ${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `idle ${h}h ${m % 60}m` : `idle ${h}h`;
  return `idle ${Math.floor(h / 24)}d`;
}

function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A regular expression matching the nickname as a whole word, or null. */
export function mentionRegExp(nick) {
  if (!nick) return null;
  return new RegExp(`(?<![\\w-])${escapeRegExp(nick)}(?![\\w-])`, 'gi');
}

export function mentions(text, nick) {
  const re = mentionRegExp(nick);
  return re ? re.test(text) : false;
}

/** The URL if it is a safe http(s) link, else null. */
export function safeUrl(candidate) {
  try {
    const u = new URL(candidate);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : null;
  } catch {
    return null;
  }
}

function splitLink(raw) {
  // leave sentence punctuation, and a closing parenthesis without an opening one, outside the link
  let url = raw.replace(TRAILING, '');
  while (url.endsWith(')') && (url.match(/\(/g) || []).length < (url.match(/\)/g) || []).length) {
    url = url.slice(0, -1);
  }
  return url;
}

function appendWithMentions(parent, text, re) {
  if (!re || !text) {
    parent.append(document.createTextNode(text));
    return;
  }
  re.lastIndex = 0;
  let last = 0;
  let m;
  while ((m = re.exec(text)) !== null) {
    if (m.index > last) parent.append(document.createTextNode(text.slice(last, m.index)));
    const mark = document.createElement('mark');
    mark.textContent = m[0];
    parent.append(mark);
    last = m.index + m[0].length;
  }
  if (last < text.length) parent.append(document.createTextNode(text.slice(last)));
}

/**
 * Fills {@code parent} with the text: http and https URLs become links opening in a new tab, and
 * {@code highlightNick} (if given) is wrapped in <mark>. Everything else stays plain text.
 */
export function appendRichText(parent, text, highlightNick) {
  const re = mentionRegExp(highlightNick);
  const s = String(text ?? '');
  let last = 0;
  URL_RE.lastIndex = 0;
  let m;
  while ((m = URL_RE.exec(s)) !== null) {
    const raw = splitLink(m[0]);
    const url = safeUrl(raw);
    if (!url) continue;
    if (m.index > last) appendWithMentions(parent, s.slice(last, m.index), re);
    const a = document.createElement('a');
    a.href = url.href;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    a.textContent = raw;
    parent.append(a);
    last = m.index + raw.length;
    URL_RE.lastIndex = last;
  }
  if (last < s.length) appendWithMentions(parent, s.slice(last), re);
  return parent;
}

/** An element of the given tag and class, optionally with text content. */
export function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text != null) e.textContent = text;
  return e;
}
