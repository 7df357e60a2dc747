package parley.room;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import parley.chat.Action;
import parley.chat.ChatCore;
import parley.chat.ChatEvent;
import parley.chat.ChatEvent.Type;
import parley.chat.Durations;
import parley.chat.FloodGate;
import parley.chat.LoginProof;
import parley.chat.Nick;
import parley.chat.Reply;
import parley.chat.RoomInfo;
import parley.chat.SessionState;
import parley.chat.TextHygiene;
import parley.config.ParleyConfig;
import parley.ops.Metrics;
import parley.store.ChatStore;

/**
 * What the transports call: admission, login, each line of input (with flood control), the close of
 * a session, shutdown. It hands the work to {@link Admission}, {@link Nicknames}, {@link Rooms},
 * {@link Commands}, {@link PrivateMessages} and {@link Moderation}, which alone talk to the {@link
 * ChatStore} and the event bus. One per node; every method is called on the session's event loop.
 */
public final class ChatService {
  private static final Logger LOG = LoggerFactory.getLogger(ChatService.class);

  private final Vertx vertx;
  private final ParleyConfig config;
  private final ChatStore store;
  private final ChatCore core;
  private final Clock clock;
  private final String node;
  private final EventBus eventBus;
  private final LongSupplier nanoTime;
  private final Admission admission;
  private final Rooms rooms;
  private final Nicknames nicknames;
  private final PrivateMessages privateMessages;
  private final Moderation moderation;
  private final Accounts accounts;
  private final Continuity continuity;
  private final Commands commands;
  private final Metrics metrics;

  public ChatService(
      Vertx vertx,
      ParleyConfig config,
      ChatStore store,
      Clock clock,
      String node,
      Metrics metrics) {
    this(vertx, config, store, clock, System::nanoTime, node, metrics);
  }

  public ChatService(
      Vertx vertx,
      ParleyConfig config,
      ChatStore store,
      Clock clock,
      LongSupplier nanoTime,
      String node,
      Metrics metrics) {
    this.vertx = vertx;
    this.metrics = metrics;
    this.nanoTime = nanoTime;
    this.config = config;
    this.store = store;
    this.clock = clock;
    this.node = node;
    this.core =
        new ChatCore(
            new ChatCore.Limits(
                config.limits().nickLength(),
                config.limits().roomNameLength(),
                config.history().retain()));
    this.eventBus = vertx.eventBus();
    try {
      eventBus.registerDefaultCodec(ChatEvent.class, new EventCodec());
    } catch (IllegalStateException alreadyRegistered) {
      // a second service on the same Vert.x (tests); the codec is the same
    }
    this.admission = new Admission(config.limits(), store, clock);
    this.rooms = new Rooms(config, store, clock, eventBus, admission::isOpen);
    this.nicknames =
        new Nicknames(store, clock, node, config.limits().nickLength(), rooms, admission::isOpen);
    this.privateMessages = new PrivateMessages(clock, node, eventBus, nicknames, store);
    this.moderation =
        new Moderation(
            config.operatorPassword(),
            clock,
            nanoTime,
            node,
            eventBus,
            store,
            nicknames,
            admission);
    this.continuity = new Continuity(store, rooms, config.limits().maxRoomsPerSession());
    this.accounts =
        new Accounts(
            vertx,
            store,
            nicknames,
            clock,
            config.accounts().hashIterations(),
            config.accounts().required(),
            continuity);
    this.commands =
        new Commands(
            config, store, clock, rooms, nicknames, privateMessages, moderation, accounts, metrics);
  }

  /**
   * Registers this node's consumers (private messages, moderation orders, the store's moderation
   * changes) and its housekeeping timers.
   */
  public Future<Void> start() {
    vertx.setPeriodic(
        1000,
        t -> {
          rooms.summarise();
          nicknames.adopt();
        });
    store.onMembersLost(rooms::lost);
    store.deliverTo(rooms::deliverHere);
    store.onNickLost(nicknames::lost);
    store.onWritableChange(
        writable -> tellEveryone(writable ? StoreErrors.BACK : StoreErrors.CUT_OFF));
    // bans and mutes are applied by the store on every node; each node acts on its own sessions
    store.onModeration(moderation::banned, moderation::muted, moderation::unmuted);
    store.onRoles(accounts::rolesSet);
    int idle = config.limits().idleTimeoutSeconds();
    if (idle > 0) {
      vertx.setPeriodic(Math.max(1000, Math.min(30_000, idle * 500L)), t -> closeIdle(idle));
    }
    return Future.all(privateMessages.start(), moderation.start()).mapEmpty();
  }

  public String node() {
    return node;
  }

  public ParleyConfig config() {
    return config;
  }

  public Clock clock() {
    return clock;
  }

  public Metrics metrics() {
    return metrics;
  }

  /** Open connections of one transport ({@code via}), for metrics. */
  public int connections(String via) {
    int n = 0;
    for (Session s : admission.sessions()) {
      if (via.equals(s.state().via)) {
        n++;
      }
    }
    return n;
  }

  /** Bytes owed to this node's connections and not yet taken by their kernels, for metrics. */
  public long owedBytes() {
    long owed = 0;
    for (Session s : admission.sessions()) {
      owed += s.owedBytes();
    }
    return owed;
  }

  /** Tells every logged-in session of this node, on its event loop. */
  private void tellEveryone(String notice) {
    LOG.info("telling this node's {} users: {}", nicknames.count(), notice);
    for (Session s : nicknames.sessions()) {
      s.context().runOnContext(v -> s.reply(new Reply.Notice(notice)));
    }
  }

  /** Sessions on this node with a nickname. */
  public int localUsers() {
    return nicknames.count();
  }

  // ---- login and logout ----------------------------------------------------------------------

  /** {@link #login(Session, String, Map, String)} for a request without an id. */
  public Future<Boolean> login(Session s, String nick, Map<String, Long> resume) {
    return login(s, nick, resume, null);
  }

  /** {@link #login(Session, String, String, String, Map, String)} without password and epoch. */
  public Future<Boolean> login(Session s, String nick, Map<String, Long> resume, String id) {
    return login(s, nick, LoginProof.NONE, null, resume, id);
  }

  /**
   * Tries to give the session the nickname; on success it is welcomed and joins the rooms asked for
   * (the default room when {@code resume} is empty). On failure the session gets an error reply and
   * may try again.
   *
   * @param password the password of the nickname's account, when it is registered; null for none
   * @param epoch the epoch the client's seqs belong to; null when it sent none (taken as this
   *     store's). When it differs, the client is told {@code reset} and its rooms are rejoined with
   *     the usual replay: its seqs name nothing here.
   * @param resume rooms to join, each with the last seq the client saw (0: replay the usual
   *     history)
   * @param id the request's id, carried by every reply to it; null for none
   */
  public Future<Boolean> login(
      Session s, String nick, String password, String epoch, Map<String, Long> resume, String id) {
    return login(s, nick, LoginProof.password(password), epoch, resume, id);
  }

  /**
   * As {@link #login(Session, String, String, String, Map, String)}, with a password, a session
   * token, or a password to register the nickname with ({@link LoginProof}).
   */
  public Future<Boolean> login(
      Session s, String nick, LoginProof proof, String epoch, Map<String, Long> resume, String id) {
    Request r = new Request(s, id);
    if (!nicknames.valid(r, nick)) {
      return Future.succeededFuture(false);
    }
    return accounts
        .mayTake(r, nick, proof)
        .compose(may -> may ? nicknames.claim(r, nick) : Future.succeededFuture(false))
        .compose(
            claimed ->
                claimed
                    ? accounts.signIn(r, nick, proof)
                    : Future.<Accounts.SignedIn>succeededFuture())
        .compose(
            signedIn -> {
              if (signedIn == null) {
                if (s.state().nick != null) {
                  nicknames.release(s, nicknames.leave(s)); // claimed, but registration refused
                  s.state().nick = null;
                }
                s.state().account = null;
                s.state().roles = Set.of();
                s.state().tokenHash = null;
                return Future.succeededFuture(false);
              }
              LOG.info(
                  "{} logged in as {}{} via {} from {}",
                  s.id(),
                  nick,
                  s.state().account == null ? "" : " (account)",
                  s.state().via,
                  s.address());
              metrics.loggedIn();
              r.reply(
                  new Reply.Welcome(
                      nick,
                      node,
                      config.motd(),
                      store.epoch(),
                      signedIn.account(),
                      signedIn.roles(),
                      signedIn.token()));
              accounts.greet(r);
              if (s.state().attached) {
                // another client of a logged-in account: it joins the account's rooms too
                return accountRooms(nick, resume).compose(wanted -> joinAll(r, wanted, epoch));
              }
              // an account without rooms asked for comes back to the rooms it was in, with what
              // it missed there; a guest, or an account that remembers none, gets the default room
              Future<Void> joined =
                  resume.isEmpty() && s.state().account != null
                      ? continuity.rejoin(r, config.room())
                      : joinAll(r, resume, epoch).mapEmpty();
              return joined.compose(v -> continuity.deliverOffline(r)).map(true);
            });
  }

  /**
   * The rooms to resume: as asked when {@code epoch} is this store's (or none was given); otherwise
   * the client is told {@code reset} and every room is rejoined with the usual replay, its seqs
   * naming nothing here.
   */
  private Map<String, Long> resetIfOther(Request r, String epoch, Map<String, Long> rooms) {
    String current = store.epoch();
    if (epoch == null || epoch.equals(current)) {
      return rooms;
    }
    LOG.info(
        "{} ({}) resumes from epoch {}, the history's is {}: reset",
        r.session().id(),
        r.state().nick,
        epoch,
        current);
    r.reply(new Reply.Reset(current, RESET_REASON));
    Map<String, Long> fresh = new LinkedHashMap<>();
    rooms.keySet().forEach(room -> fresh.put(room, 0L));
    return fresh;
  }

  /**
   * The rooms an attached client joins: those its account is in (where the store lists the
   * nickname), and those it asked for.
   */
  private Future<Map<String, Long>> accountRooms(String nick, Map<String, Long> resume) {
    String key = Nick.key(nick);
    return store
        .rooms()
        .compose(
            all -> {
              Map<String, Long> wanted = new LinkedHashMap<>();
              Future<Void> read = Future.succeededFuture();
              for (RoomInfo info : all) {
                if (info.members() > 0) {
                  read =
                      read.compose(v -> store.members(info.name(), Integer.MAX_VALUE))
                          .map(
                              m -> {
                                if (m.names().stream().anyMatch(n -> Nick.key(n).equals(key))) {
                                  wanted.put(info.name(), 0L);
                                }
                                return null;
                              });
                }
              }
              return read.map(
                  v -> {
                    wanted.putAll(resume);
                    return wanted;
                  });
            });
  }

  /** Joins the rooms asked for at login (the default room when none), after the welcome. */
  private Future<Boolean> joinAll(Request r, Map<String, Long> resume, String epoch) {
    Map<String, Long> wanted =
        resetIfOther(r, epoch, resume.isEmpty() ? Map.of(config.room(), 0L) : resume);
    Future<Void> joined = Future.succeededFuture();
    for (Map.Entry<String, Long> e : wanted.entrySet()) {
      joined = joined.compose(v -> rooms.join(r, e.getKey(), e.getValue()));
    }
    return joined.map(true);
  }

  /** Whether every user needs an account ({@code accounts.required}): there are no guests. */
  public boolean accountsRequired() {
    return config.accounts().required();
  }

  /** Whether {@code nick} is a registered nickname (its login then needs the password). */
  public Future<Boolean> registered(String nick) {
    return store.account(nick).map(a -> a != null);
  }

  /**
   * How long a clustered account's leave notice waits for a client of the account on another node
   * to take the nickname over.
   */
  private static final long HANDOVER_MS = 3000;

  /** Why a {@code reset} is sent. */
  static final String RESET_REASON =
      "the server's history was lost or reset since your last visit, so the message numbers you"
          + " hold name nothing here; showing the latest messages";

  /**
   * A new connection (telnet, or HTTP whether or not it becomes a WebSocket), counted against the
   * connection limits until {@link #disconnected}. Call it when the connection is accepted, with
   * the address of {@link parley.net.ClientAddress}.
   *
   * @return null to go on, or the reason it is refused (the server or the address is full); the
   *     transport closes it at once
   */
  public String connect(String address) {
    return admission.connect(address);
  }

  /** A connection that {@link #connect} let in is closed: frees its count. Call once. */
  public void disconnected(String address) {
    admission.disconnected(address);
  }

  /**
   * A new session on a connection that {@link #connect} let in. @return null to go on, or the
   * reason it is refused (banned, the server is shutting down); the transport tells the client and
   * closes.
   */
  public String admit(Session s) {
    return admission.admit(s);
  }

  /**
   * The one close path of every admitted session, whatever ended it: frees what it held. Call once.
   */
  public void closed(Session s, String reason) {
    if (!admission.release(s)) {
      return;
    }
    SessionState st = s.state();
    if (st.floodTimer >= 0) {
      vertx.cancelTimer(st.floodTimer);
      st.floodTimer = -1;
    }
    moderation.forget(s);
    logout(s, reason);
  }

  /** Leaves the session's rooms and frees its nickname. */
  private void logout(Session s, String reason) {
    SessionState st = s.state();
    if (st.nick == null) {
      return;
    }
    // a session that ends leaves the server, not its account's rooms: they are remembered with
    // how far it got, and the nickname is freed once that is written, so its next login sees it
    Future<Void> remembered =
        st.account == null ? Future.succeededFuture() : continuity.remember(s, st.account);
    // other clients of the account stay: the rooms see no leave (docs/ACCOUNTS.md, "Multiclient")
    List<Session> rest = nicknames.leave(s);
    boolean heir = !rest.isEmpty();
    // clustered, clients of the account on other nodes claim the nickname within a second or two
    // (Nicknames.adopt): the rooms hear of the leave only if none did
    boolean elsewhere = !heir && st.account != null && config.cluster().enabled();
    List<String> left = List.copyOf(st.rooms);
    for (String room : left) {
      rooms.part(s, room, reason, heir || elsewhere);
    }
    st.rooms.clear();
    remembered.onComplete(v -> nicknames.release(s, rest));
    if (elsewhere) {
      String nick = st.nick;
      vertx.setTimer(
          HANDOVER_MS,
          t ->
              store
                  .user(nick)
                  .onSuccess(
                      holder -> {
                        if (holder == null) {
                          left.forEach(room -> rooms.announceLeave(room, nick, st.via, reason));
                        }
                      }));
    }
    LOG.info("{} ({}) left: {}", s.id(), st.nick, reason);
  }

  // ---- input ---------------------------------------------------------------------------------

  /** {@link #input(Session, String, String)} for a line without a request id (telnet). */
  public void input(Session s, String rawLine) {
    input(s, rawLine, null);
  }

  /**
   * One line typed by a logged-in user; subject to flood control.
   *
   * @param id the request's id, carried by every reply to the line, also when it was delayed; null
   *     for none
   */
  public void input(Session s, String rawLine, String id) {
    Request r = new Request(s, id);
    offer(r, () -> handle(r, rawLine));
  }

  private void offer(Request r, Runnable line) {
    Session s = r.session();
    SessionState st = s.state();
    ParleyConfig.Flood f = config.flood();
    if (st.flood == null) {
      st.flood = new FloodGate<>(f.burst(), f.ratePerSecond(), f.maxQueued(), nanoTime.getAsLong());
    }
    switch (st.flood.offer(line, nanoTime.getAsLong())) {
      case PASS -> line.run();
      case HELD -> {
        if (st.floodTimer < 0) {
          r.reply(
              new Reply.Notice(
                  "You are sending too fast: your lines are being delayed (at most "
                      + f.ratePerSecond()
                      + " per second)."));
          scheduleRelease(s);
        }
      }
      case FLOODING -> {
        LOG.warn("{} ({}) from {} disconnected for flooding", s.id(), st.nick, s.address());
        metrics.floodDropped();
        s.close("flooding: more than " + f.maxQueued() + " lines waiting");
      }
    }
  }

  private void scheduleRelease(Session s) {
    SessionState st = s.state();
    long wait = st.flood.nanosUntilNext(nanoTime.getAsLong());
    if (wait < 0) {
      st.floodTimer = -1;
      return;
    }
    st.floodTimer =
        vertx.setTimer(
            Math.max(1, wait / 1_000_000),
            t ->
                s.context()
                    .runOnContext(
                        v -> {
                          st.floodTimer = -1;
                          Runnable line;
                          while (st.nick != null
                              && admission.isOpen(s)
                              && (line = st.flood.release(nanoTime.getAsLong())) != null) {
                            line.run();
                          }
                          if (st.nick != null && admission.isOpen(s)) {
                            scheduleRelease(s);
                          }
                        }));
  }

  /**
   * A command whose password(s) the transport read itself, never as a line (telnet prompts without
   * echo for {@code /register}, {@code /identify}, {@code /password}); subject to flood control
   * like a line.
   */
  public void input(Session s, Action a) {
    Request r = new Request(s, null);
    offer(
        r,
        () -> {
          s.state().lastActive = clock.instant();
          commands.execute(r, a);
        });
  }

  private void handle(Request r, String rawLine) {
    String line = TextHygiene.clean(rawLine);
    SessionState st = r.state();
    st.lastActive = clock.instant();
    commands.execute(r, core.interpret(line, st));
  }

  private void closeIdle(int idleSeconds) {
    Instant limit = clock.instant().minusSeconds(idleSeconds);
    for (Session s : nicknames.sessions()) {
      if (s.state().lastActive.isBefore(limit)) {
        s.context()
            .runOnContext(
                v -> {
                  LOG.info("{} ({}) idle for {} s; closing", s.id(), s.state().nick, idleSeconds);
                  s.close("idle for " + Durations.format(idleSeconds));
                });
      }
    }
  }

  // ---- the end -------------------------------------------------------------------------------

  /**
   * Graceful shutdown, first part: refuse new connections, tell everyone, and close every session.
   * Completes when they are closed (or after {@code timeout}).
   */
  public Future<Void> shutdown(Duration timeout) {
    admission.shutDown();
    List<Future<Void>> all = new ArrayList<>();
    ChatEvent goodbye =
        new ChatEvent(
            Type.NOTICE,
            null,
            0,
            clock.instant(),
            null,
            null,
            "The server is shutting down. Goodbye!",
            null);
    Map<Context, Outgoing> perLoop =
        new HashMap<>(); // encoded once per event loop, as for any event
    for (Session s : admission.sessions()) {
      Promise<Void> closed = Promise.promise();
      all.add(closed.future());
      Outgoing out = perLoop.computeIfAbsent(s.context(), c -> new Outgoing(goodbye));
      s.context()
          .runOnContext(
              v -> {
                s.deliver(out);
                s.close("server shutting down");
                closed.tryComplete();
              });
    }
    all.add(
        Future.fromCompletionStage(
            store.flush(),
            vertx.getOrCreateContext())); // a ban made just before the stop is on disk
    Promise<Void> done = Promise.promise();
    long timer = vertx.setTimer(Math.max(1, timeout.toMillis()), t -> done.tryComplete());
    Future.join(all)
        .onComplete(
            ar -> {
              vertx.cancelTimer(timer);
              done.tryComplete();
            });
    return done.future();
  }

  /**
   * Closes the session of this node that holds {@code nick}, as if the server dropped it: the user
   * is told {@code reason} (a {@code bye} frame or a telnet notice), then the connection is closed.
   * Used by tests to drop a browser mid-conversation.
   *
   * @return whether a local session held that nickname
   */
  public boolean disconnect(String nick, String reason) {
    Session s = nicknames.session(nick);
    if (s == null) {
      return false;
    }
    s.context().runOnContext(v -> s.close(reason));
    return true;
  }
}
