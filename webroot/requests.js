// Requests and their replies, matched by id (docs/PROTOCOL.md; like IRC's labeled-response).
//
// Every frame the page sends carries an `id`, and a server that labels its replies puts the same `id` on
// every frame it sends because of that one (welcome, joined, history, who, notice, error, ...). Broadcast
// events (messages, others' joins) carry none. A reply's id finds its request in the pending map here.
//
// Older servers label nothing. Until a labeled frame has arrived on a socket, an unlabeled frame goes to the
// oldest pending request that `expects` it (a request says which unlabeled frame would be its answer), which
// is how the page matched replies before ids existed.

/**
 * A request is forgotten after this long without its last reply. Many never get one: a chat line has no
 * reply, and after a /join nothing says that the last reply has come.
 */
export const REQUEST_TIMEOUT_MS = 60000;
/** The server accepts ids of up to 64 characters. */
const MAX_ID_LENGTH = 64;

export class Requests {
  /**
   * @param {object} [opts]
   * @param {number} [opts.timeoutMs] how long a request waits for its replies
   * @param {string} [opts.prefix] starts every id (keep it short)
   */
  constructor({ timeoutMs = REQUEST_TIMEOUT_MS, prefix = 'p' } = {}) {
    this.timeoutMs = timeoutMs;
    this.prefix = prefix;
    this.next = 1;
    /** @type {Map<string, object>} id -> request, oldest first */
    this.pending = new Map();
    this.labeled = false; // a labeled reply arrived on this socket: unlabeled frames are never replies
  }

  /**
   * Gives a frame an id and waits for its replies.
   *
   * @param {object} frame the frame to send; it gets its `id`
   * @param {object} [handlers]
   * @param {string} [handlers.kind] what the request is, for whoever reads the reply
   * @param {(frame: object) => boolean} [handlers.onReply] a reply arrived; true when it needs no more handling
   * @param {(frame: object) => boolean} [handlers.isLast] true for the reply after which no more come
   * @param {(frame: object) => boolean} [handlers.expects] for servers without ids: this unlabeled frame
   *     would be the (last) answer
   * @returns {object} the request: {id, kind, frame, ...}
   */
  add(frame, handlers = {}) {
    const id = `${this.prefix}${(this.next++).toString(36)}`.slice(0, MAX_ID_LENGTH);
    frame.id = id;
    const request = { id, kind: handlers.kind ?? frame.type, frame, ...handlers };
    request.timer = setTimeout(() => this.settle(request), this.timeoutMs);
    this.pending.set(id, request);
    return request;
  }

  /**
   * The request a received frame answers, or null for events and for replies to requests already settled.
   * The request is settled (forgotten) when the frame is its last reply.
   */
  match(frame) {
    let request = null;
    if (typeof frame.id === 'string') {
      this.labeled = true;
      request = this.pending.get(frame.id) ?? null;
      if (request && request.isLast?.(frame)) this.settle(request);
    } else if (!this.labeled) {
      for (const r of this.pending.values()) {
        if (r.expects?.(frame)) {
          request = r;
          this.settle(r);
          break;
        }
      }
    }
    return request;
  }

  settle(request) {
    clearTimeout(request.timer);
    this.pending.delete(request.id);
  }

  /** A new socket: nothing pending on the old one will be answered, and the new server may label or not. */
  clear() {
    for (const r of this.pending.values()) clearTimeout(r.timer);
    this.pending.clear();
    this.labeled = false;
  }
}
