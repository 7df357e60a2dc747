package parley.room;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import parley.chat.Action;
import parley.chat.ChatCore;
import parley.chat.ChatEvent;
import parley.chat.ChatEvent.Type;
import parley.chat.Durations;
import parley.chat.Emoji;
import parley.chat.ErrorCode;
import parley.chat.FloodGate;
import parley.chat.Nick;
import parley.chat.Reply;
import parley.chat.RoomName;
import parley.chat.SessionState;
import parley.chat.TextHygiene;
import parley.chat.Transcript;
import parley.chat.UserRecord;
import parley.config.ParleyConfig;
import parley.store.BanList;
import parley.store.ChatStore;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Carries out what the chat core decides, for sessions of either transport: nickname claims, rooms,
 * messages, history, private messages. It is the only place that talks to the {@link ChatStore} and
 * publishes to room addresses. One per node; every method is called on the session's event loop.
 */
public final class ChatService {
  private static final Logger LOG = LoggerFactory.getLogger(ChatService.class);
  private static final Logger CHAT_LOG = LoggerFactory.getLogger("parley.chatlog");
  static final String NODE_ADDRESS = "parley.node.";
  static final String BANS_ADDRESS = "parley.bans";
  private static final int WRONG_PASSWORDS_PER_SESSION = 3;
  private static final int WRONG_PASSWORDS_PER_ADDRESS = 10;
  private static final long WRONG_PASSWORD_WINDOW_NANOS = 300_000_000_000L;

  private final Vertx vertx;
  private final ParleyConfig config;
  private final ChatStore store;
  private final ChatCore core;
  private final Clock clock;
  private final String node;
  private final EventBus eventBus;
  private final Map<Thread, RoomHub> hubs = new ConcurrentHashMap<>();
  /** How many member names a joining user is sent. */
  private static final int JOINED_NAMES = 100;
  /** Joins and leaves waiting to be summarised, per big room. */
  private final Map<String, Crowd> crowds = new ConcurrentHashMap<>();
  /** Sessions of this node that hold a nickname, by nickname key. */
  private final Map<String, Session> local = new ConcurrentHashMap<>();
  /** Every open session of this node, logged in or not. */
  private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
  private final Map<String, AtomicInteger> perAddress = new ConcurrentHashMap<>();
  private final Map<String, Deque<Long>> wrongPasswords = new ConcurrentHashMap<>();
  private final BanList bans;
  private final LongSupplier nanoTime;
  private volatile boolean shuttingDown;

  public ChatService(Vertx vertx, ParleyConfig config, ChatStore store, Clock clock, String node) {
    this(vertx, config, store, clock, System::nanoTime, node);
  }

  public ChatService(Vertx vertx, ParleyConfig config, ChatStore store, Clock clock, LongSupplier nanoTime,
                     String node) {
    this.vertx = vertx;
    this.nanoTime = nanoTime;
    this.bans = BanList.open(config.dataDir());
    this.config = config;
    this.store = store;
    this.clock = clock;
    this.node = node;
    this.core = new ChatCore(new ChatCore.Limits(config.limits().nickLength(), config.limits().roomNameLength(),
        config.history().retain()));
    this.eventBus = vertx.eventBus();
    try {
      eventBus.registerDefaultCodec(ChatEvent.class, new EventCodec());
    } catch (IllegalStateException alreadyRegistered) {
      // a second service on the same Vert.x (tests); the codec is the same
    }
  }

  /** Registers this node's consumers (private messages, moderation) and its housekeeping timers. */
  public Future<Void> start() {
    vertx.setPeriodic(1000, t -> summarise());
    store.onMembersLost(this::lost);
    int idle = config.limits().idleTimeoutSeconds();
    if (idle > 0) {
      vertx.setPeriodic(Math.max(1000, Math.min(30_000, idle * 500L)), t -> closeIdle(idle));
    }
    return Future.all(
        eventBus.<ChatEvent>consumer(NODE_ADDRESS + node, msg -> deliverPrivate(msg.body())).completion(),
        eventBus.<JsonObject>consumer(NODE_ADDRESS + node + ".control", msg -> control(msg.body())).completion(),
        eventBus.<JsonObject>consumer(BANS_ADDRESS, msg -> banUpdate(msg.body())).completion()).mapEmpty();
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

  /** The hub of the calling event loop. */
  public RoomHub hub() {
    Context context = Vertx.currentContext();
    if (context == null || !context.isEventLoopContext()) {
      throw new IllegalStateException("not on an event loop");
    }
    return hubs.computeIfAbsent(Thread.currentThread(), t -> new RoomHub(context, eventBus, store, config.history().retain()));
  }

  /** Sessions on this node with a nickname. */
  public int localUsers() {
    return local.size();
  }

  // ---- login and logout -------------------------------------------------------------------------------

  /**
   * Tries to give the session the nickname; on success it is welcomed and joins the rooms asked for (the
   * default room when {@code resume} is empty). On failure the session gets an error reply and may try again.
   *
   * @param resume rooms to join, each with the last seq the client saw (0: replay the usual history)
   */
  public Future<Boolean> login(Session s, String nick, Map<String, Long> resume) {
    String problem = Nick.problem(nick, config.limits().nickLength());
    if (problem != null) {
      s.reply(new Reply.Error(ErrorCode.NICK_INVALID, "\"" + TextHygiene.clean(nick) + "\" can't be used: " + problem));
      return Future.succeededFuture(false);
    }
    Instant now = clock.instant();
    SessionState st = s.state();
    UserRecord me = new UserRecord(nick, st.via, node, s.id(), st.connectedAt, now);
    return store.claimNick(me).compose(claimed -> {
      if (!claimed) {
        s.reply(new Reply.Error(ErrorCode.NICK_TAKEN, "Nickname \"" + nick + "\" is already used; choose another"));
        return Future.succeededFuture(false);
      }
      st.nick = nick;
      st.lastActive = now;
      local.put(Nick.key(nick), s);
      LOG.info("{} logged in as {} via {} from {}", s.id(), nick, st.via, s.address());
      s.reply(new Reply.Welcome(nick, node, config.motd()));
      Future<Void> joined = Future.succeededFuture();
      Map<String, Long> rooms = resume.isEmpty() ? Map.of(config.room(), 0L) : resume;
      for (Map.Entry<String, Long> e : rooms.entrySet()) {
        joined = joined.compose(v -> join(s, e.getKey(), e.getValue()));
      }
      return joined.map(true);
    });
  }

  /**
   * A new connection. @return null to go on, or the reason it is refused (banned, too many connections, the
   * server is shutting down); the transport tells the client and closes.
   */
  public String admit(Session s) {
    String address = s.address();
    ParleyConfig.Limits limits = config.limits();
    if (shuttingDown) {
      return "the server is shutting down";
    }
    BanList.Ban ban = bans.find(address, clock.instant());
    if (ban != null) {
      LOG.info("{} refused: {} is banned", s.id(), address);
      return "you are banned from this server" + (ban.until() == null ? "" : " until " + ban.until());
    }
    if (sessions.size() >= limits.maxConnections()) {
      LOG.warn("{} refused: {} connections, the limit", s.id(), sessions.size());
      return "the server is full (" + limits.maxConnections() + " connections); try again later";
    }
    AtomicInteger mine = perAddress.computeIfAbsent(address, a -> new AtomicInteger());
    if (mine.incrementAndGet() > limits.maxConnectionsPerIp()) {
      mine.decrementAndGet();
      LOG.warn("{} refused: {} already has {} connections", s.id(), address, limits.maxConnectionsPerIp());
      return "too many connections from your address (the limit is " + limits.maxConnectionsPerIp() + ")";
    }
    sessions.add(s);
    return null;
  }

  /** The one close path of every admitted session, whatever ended it: frees what it held. Call once. */
  public void closed(Session s, String reason) {
    if (!sessions.remove(s)) {
      return;
    }
    perAddress.computeIfPresent(s.address(), (a, n) -> n.decrementAndGet() <= 0 ? null : n);
    SessionState st = s.state();
    if (st.floodTimer >= 0) {
      vertx.cancelTimer(st.floodTimer);
      st.floodTimer = -1;
    }
    logout(s, reason);
  }

  /** Leaves the session's rooms and frees its nickname. */
  private void logout(Session s, String reason) {
    SessionState st = s.state();
    if (st.nick == null) {
      return;
    }
    for (String room : List.copyOf(st.rooms)) {
      part(s, room, reason);
    }
    st.rooms.clear();
    local.remove(Nick.key(st.nick), s);
    store.releaseNick(st.nick, s.id());
    LOG.info("{} ({}) left: {}", s.id(), st.nick, reason);
  }

  // ---- input ------------------------------------------------------------------------------------------

  /** One line typed by a logged-in user; subject to flood control. */
  public void input(Session s, String rawLine) {
    SessionState st = s.state();
    ParleyConfig.Flood f = config.flood();
    if (st.flood == null) {
      st.flood = new FloodGate(f.burst(), f.ratePerSecond(), f.maxQueued(), nanoTime.getAsLong());
    }
    switch (st.flood.offer(rawLine, nanoTime.getAsLong())) {
      case PASS -> handle(s, rawLine);
      case HELD -> {
        if (st.floodTimer < 0) {
          s.reply(new Reply.Notice("You are sending too fast: your lines are being delayed (at most "
              + f.ratePerSecond() + " per second)."));
          scheduleRelease(s);
        }
      }
      case FLOODING -> {
        LOG.warn("{} ({}) from {} disconnected for flooding", s.id(), st.nick, s.address());
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
    st.floodTimer = vertx.setTimer(Math.max(1, wait / 1_000_000), t -> s.context().runOnContext(v -> {
      st.floodTimer = -1;
      String line;
      while (st.nick != null && (line = st.flood.release(nanoTime.getAsLong())) != null) {
        handle(s, line);
      }
      if (st.nick != null) {
        scheduleRelease(s);
      }
    }));
  }

  private void handle(Session s, String rawLine) {
    String line = TextHygiene.clean(rawLine);
    SessionState st = s.state();
    Instant now = clock.instant();
    st.lastActive = now;
    Action action = core.interpret(line, st);
    if (action instanceof Action.Say || action instanceof Action.Me || action instanceof Action.Msg) {
      // /who's idle time counts from the last thing said, as on IRC; any line keeps the idle timeout away
      store.touch(st.nick, s.id(), now);
    }
    execute(s, action);
  }

  void execute(Session s, Action action) {
    SessionState st = s.state();
    if (action instanceof Action.None n) {
    } else if (action instanceof Action.Notice n) {
      s.reply(new Reply.Notice(n.lines()));
    } else if (action instanceof Action.Error e) {
      s.reply(new Reply.Error(e.errorCode(), e.message()));
    } else if (action instanceof Action.Say say) {
      say(s, Type.MESSAGE, say.room(), say.text());
    } else if (action instanceof Action.Me me) {
      say(s, Type.ACTION, me.room(), me.text());
    } else if (action instanceof Action.ChangeNick c) {
      changeNick(s, c.nick());
    } else if (action instanceof Action.Who w) {
      who(s, w.room());
    } else if (action instanceof Action.Quit q) {
      s.close(q.reason());
    } else if (action instanceof Action.Join j) {
      if (st.rooms.contains(j.room())) {
        st.currentRoom = j.room();
        s.reply(new Reply.Notice("You are now talking in " + RoomName.display(j.room())));
      } else if (st.rooms.size() >= config.limits().maxRoomsPerSession()) {
        s.reply(new Reply.Error(ErrorCode.TOO_MANY_ROOMS, "you are in " + st.rooms.size() + " rooms already, the most allowed; /leave one first"));
      } else {
        join(s, j.room(), 0L);
      }
    } else if (action instanceof Action.Leave l) {
      leave(s, l.room(), "left");
    } else if (action instanceof Action.Rooms r) {
      store.rooms().onSuccess(list -> s.reply(new Reply.Rooms(list)));
    } else if (action instanceof Action.Topic t) {
      topic(s, t.room(), t.text());
    } else if (action instanceof Action.Msg m) {
      privateMessage(s, m.nick(), m.text());
    } else if (action instanceof Action.History h) {
      store.history(h.room(), h.count())
          .onSuccess(slice -> s.reply(new Reply.History(h.room(), slice.events(), slice.missed())));
    } else if (action instanceof Action.Preference p) {
      if (p.name().equals("color")) {
        st.color = p.on();
        st.colorChosen = true;
      } else {
        st.ascii = p.on();
      }
      s.reply(new Reply.Notice(p.name() + " is " + (p.on() ? "on" : "off")));
    } else if (action instanceof Action.Op op) {
      operator(s, op.password());
    } else if (action instanceof Action.Kick k) {
      moderate(s, new JsonObject().put("op", "kick").put("nick", k.nick()).put("reason", k.reason()));
    } else if (action instanceof Action.Ban b) {
      ban(s, b.target(), b.seconds());
    } else if (action instanceof Action.Unban u) {
      eventBus.publish(BANS_ADDRESS, new JsonObject().put("op", "unban").put("target", u.target()));
      s.reply(new Reply.Notice("Bans on " + u.target() + " lifted (if there were any)."));
    } else if (action instanceof Action.Mute m) {
      moderate(s, new JsonObject().put("op", "mute").put("nick", m.nick()).put("seconds", m.seconds()));
    }
  }

  private void say(Session s, Type type, String room, String text) {
    SessionState st = s.state();
    if (st.mutedUntil != null && st.mutedUntil.isAfter(clock.instant())) {
      s.reply(new Reply.Error(ErrorCode.MUTED, "you are muted for another "
          + Duration.between(clock.instant(), st.mutedUntil).toSeconds() + "s"));
      return;
    }
    ChatEvent event = new ChatEvent(type, room, 0, clock.instant(), st.nick, st.via, Emoji.expand(text), null);
    store.append(event, this::publish).onFailure(err -> {
      LOG.warn("message from {} to {} not stored: {}", st.nick, room, err.toString());
      s.reply(new Reply.Error(ErrorCode.NOT_STORED, "your message could not be stored; please send it again"));
    });
  }

  /** Sends a room event to every consumer of the room, on every node. */
  void publish(ChatEvent event) {
    if (CHAT_LOG.isInfoEnabled()) {
      CHAT_LOG.info(Transcript.line(event));
    }
    eventBus.publish(RoomHub.address(event.room()), event);
  }

  private Future<Void> join(Session s, String room, long sinceSeq) {
    SessionState st = s.state();
    st.rooms.add(room);
    st.currentRoom = room;
    RoomHub hub = hub();
    // not sinceSeq: a client may hold seqs the room no longer has (its numbering started again after the
    // history was lost), and must still get what is said from now on
    long[] floor = {0};
    int max = sinceSeq > 0 ? config.history().retain() : config.history().replay();
    return hub.join(room, s)
        .compose(v -> store.joinRoom(room, s.id(), st.nick))
        .compose(v -> store.snapshot(room, sinceSeq, max, JOINED_NAMES))
        .map(snap -> {
          ChatStore.Members members = snap.members();
          s.reply(new Reply.Joined(room, snap.topic(), members.names(), members.count()));
          announce(new ChatEvent(Type.JOIN, room, 0, clock.instant(), st.nick, st.via, null, null), members.count());
          // what the history below covers: nothing up to this is sent live (no repeats), nothing after it is
          // missed (the room's events are held for this session until then)
          floor[0] = snap.lastSeq();
          ChatStore.Slice slice = snap.history();
          if (!slice.events().isEmpty() || slice.missed() > 0) {
            s.reply(new Reply.History(room, slice.events(), slice.missed()));
          }
          for (ChatEvent e : slice.events()) {
            floor[0] = Math.max(floor[0], e.seq());
          }
          return (Void) null;
        })
        .onComplete(ar -> hub.ready(room, s, floor[0]));
  }

  /** Leaves a room on this node's side: fan-out, membership, and the leave notice. */
  private void part(Session s, String room, String reason) {
    SessionState st = s.state();
    hub().leave(room, s);
    ChatEvent event = new ChatEvent(Type.LEAVE, room, 0, clock.instant(), st.nick, st.via, reason, null);
    store.leaveRoom(room, s.id())
        .compose(v -> store.members(room, 0))
        .onSuccess(m -> announce(event, m.count()));
  }

  /** Someone's session ended without leaving, because its node is gone: the room is told they left. */
  private void lost(String room, String nick) {
    ChatEvent event = new ChatEvent(Type.LEAVE, room, 0, clock.instant(), nick, null, "connection lost", null);
    store.members(room, 0).onComplete(ar -> announce(event, ar.succeeded() ? ar.result().count() : 0));
  }

  /**
   * Publishes a join or leave notice, or, in a room bigger than {@code limits.joinNoticeThreshold}, adds it to
   * the room's next summary: a join storm must not cost a notice to every member for every join.
   */
  private void announce(ChatEvent joinOrLeave, int roomSize) {
    int threshold = config.limits().joinNoticeThreshold();
    if (roomSize <= threshold) {
      publish(joinOrLeave);
    } else {
      crowds.computeIfAbsent(joinOrLeave.room(), Crowd::new).add(joinOrLeave);
    }
  }

  /** Publishes the summaries of joins and leaves collected since the last time. */
  private void summarise() {
    for (Crowd c : crowds.values()) {
      String text = c.take();
      if (text != null) {
        publish(new ChatEvent(Type.SUMMARY, c.room, 0, clock.instant(), null, null, text, null));
      }
    }
  }

  /** Joins and leaves of one big room, waiting for the next summary. */
  private static final class Crowd {
    private static final int NAMES = 5;
    final String room;
    private final List<String> joined = new ArrayList<>();
    private final List<String> left = new ArrayList<>();
    private int joins;
    private int leaves;

    Crowd(String room) {
      this.room = room;
    }

    synchronized void add(ChatEvent e) {
      if (e.type() == Type.JOIN) {
        if (joined.size() < NAMES) {
          joined.add(e.nick());
        }
        joins++;
      } else {
        if (left.size() < NAMES) {
          left.add(e.nick());
        }
        leaves++;
      }
    }

    synchronized String take() {
      if (joins == 0 && leaves == 0) {
        return null;
      }
      StringBuilder b = new StringBuilder();
      if (joins > 0) {
        b.append(joins).append(joins == 1 ? " user" : " users").append(" joined: ").append(names(joined, joins));
      }
      if (leaves > 0) {
        b.append(joins > 0 ? "; " : "").append(leaves).append(leaves == 1 ? " user" : " users").append(" left: ")
            .append(names(left, leaves));
      }
      joined.clear();
      left.clear();
      joins = 0;
      leaves = 0;
      return b.toString();
    }

    private static String names(List<String> some, int all) {
      return String.join(", ", some) + (all > some.size() ? " and " + (all - some.size()) + " more" : "");
    }
  }

  private void leave(Session s, String room, String reason) {
    SessionState st = s.state();
    if (!st.rooms.remove(room)) {
      s.reply(new Reply.Error(ErrorCode.NOT_IN_ROOM, "you are not in " + RoomName.display(room)));
      return;
    }
    part(s, room, reason);
    if (room.equals(st.currentRoom)) {
      st.currentRoom = st.rooms.isEmpty() ? null : List.copyOf(st.rooms).get(st.rooms.size() - 1);
    }
    s.reply(new Reply.Left(room));
  }

  private void changeNick(Session s, String nick) {
    SessionState st = s.state();
    String old = st.nick;
    if (old.equals(nick)) {
      s.reply(new Reply.Notice("You are already " + nick));
      return;
    }
    boolean caseOnly = Nick.key(old).equals(Nick.key(nick));
    Instant now = clock.instant();
    UserRecord me = new UserRecord(nick, st.via, node, s.id(), st.connectedAt, now);
    Future<Boolean> claim = caseOnly
        ? store.releaseNick(old, s.id()).compose(v -> store.claimNick(me))
        : store.claimNick(me);
    claim.onSuccess(claimed -> {
      if (!claimed) {
        s.reply(new Reply.Error(ErrorCode.NICK_TAKEN, "Nickname \"" + nick + "\" is already used; choose another"));
        return;
      }
      if (!caseOnly) {
        store.releaseNick(old, s.id());
      }
      local.remove(Nick.key(old), s);
      local.put(Nick.key(nick), s);
      st.nick = nick;
      ChatEvent base = new ChatEvent(Type.NICK, null, 0, now, nick, st.via, null, old);
      if (st.rooms.isEmpty()) {
        s.deliver(new Outgoing(base));
      }
      for (String room : st.rooms) {
        store.joinRoom(room, s.id(), nick);
        publish(new ChatEvent(Type.NICK, room, 0, now, nick, st.via, null, old));
      }
    });
  }

  private void who(Session s, String room) {
    Future<List<UserRecord>> users = store.users();
    Future<List<UserRecord>> listed = room == null ? users
        : users.compose(all -> store.members(room, Integer.MAX_VALUE).map(members -> {
          java.util.Set<String> names = new java.util.HashSet<>(members.names());
          List<UserRecord> in = new ArrayList<>();
          for (UserRecord u : all) {
            if (names.contains(u.nick())) {
              in.add(u);
            }
          }
          return in;
        }));
    listed.onSuccess(list -> s.reply(new Reply.Who(room, list, clock.instant())));
  }

  private void topic(Session s, String room, String text) {
    if (text == null) {
      store.topic(room).onSuccess(t -> s.reply(new Reply.Notice(t == null
          ? RoomName.display(room) + " has no topic; set one with /topic TEXT"
          : "Topic of " + RoomName.display(room) + ": " + t)));
      return;
    }
    SessionState st = s.state();
    ChatEvent event = new ChatEvent(Type.TOPIC, room, 0, clock.instant(), st.nick, st.via, text, null);
    store.append(event, this::publish); // appending a TOPIC event sets the room's topic, in seq order
  }

  private void privateMessage(Session s, String to, String text) {
    SessionState st = s.state();
    store.user(to).onSuccess(target -> {
      if (target == null) {
        s.reply(new Reply.Error(ErrorCode.NO_SUCH_NICK, "no one is called \"" + to + "\" here"));
        return;
      }
      ChatEvent event = new ChatEvent(Type.PRIVATE, null, 0, clock.instant(), st.nick, st.via, Emoji.expand(text),
          target.nick());
      if (target.node().equals(node)) {
        deliverPrivate(event);
      } else {
        eventBus.send(NODE_ADDRESS + target.node(), event);
      }
      s.deliver(new Outgoing(event));
    });
  }

  private void deliverPrivate(ChatEvent event) {
    Session target = local.get(Nick.key(event.target()));
    if (target != null) {
      target.context().runOnContext(v -> target.deliver(new Outgoing(event)));
    }
  }

  // ---- operators and moderation -------------------------------------------------------------------

  private void operator(Session s, String password) {
    String expected = config.operatorPassword();
    if (expected.isEmpty()) {
      s.reply(new Reply.Error(ErrorCode.NOT_AVAILABLE, "this server has no operator password configured"));
      return;
    }
    long now = nanoTime.getAsLong();
    // wrong passwords are limited per session and, more loosely, per address
    Deque<Long> mine = wrongPasswords.computeIfAbsent("session:" + s.id(), a -> new ArrayDeque<>());
    Deque<Long> address = wrongPasswords.computeIfAbsent("address:" + s.address(), a -> new ArrayDeque<>());
    long wait = Math.max(lockout(mine, WRONG_PASSWORDS_PER_SESSION, now), lockout(address, WRONG_PASSWORDS_PER_ADDRESS, now));
    if (wait > 0) {
      LOG.warn("{} ({}) from {}: /op refused, too many wrong passwords", s.id(), s.state().nick, s.address());
      s.reply(new Reply.Error(ErrorCode.TOO_MANY_ATTEMPTS, "too many wrong passwords; try again in " + wait + " s"));
      return;
    }
    if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), password.getBytes(StandardCharsets.UTF_8))) {
      synchronized (mine) {
        mine.addLast(now);
      }
      synchronized (address) {
        address.addLast(now);
      }
      LOG.warn("{} ({}) from {}: wrong operator password", s.id(), s.state().nick, s.address());
      s.reply(new Reply.Error(ErrorCode.WRONG_PASSWORD, "wrong operator password"));
      return;
    }
    s.state().op = true;
    LOG.info("{} ({}) is now an operator", s.id(), s.state().nick);
    s.reply(new Reply.Notice("You are now an operator: /kick, /ban, /unban and /mute are yours."));
  }

  /** Seconds until another password may be tried, 0 if one may be tried now. */
  private static long lockout(Deque<Long> failures, int allowed, long now) {
    synchronized (failures) {
      while (!failures.isEmpty() && now - failures.peekFirst() > WRONG_PASSWORD_WINDOW_NANOS) {
        failures.pollFirst();
      }
      return failures.size() < allowed ? 0
          : (WRONG_PASSWORD_WINDOW_NANOS - (now - failures.peekFirst())) / 1_000_000_000L + 1;
    }
  }

  /** Sends a kick or mute to the node of the user it is for. */
  private void moderate(Session s, JsonObject order) {
    String nick = order.getString("nick");
    order.put("by", s.state().nick);
    store.user(nick).onSuccess(target -> {
      if (target == null) {
        s.reply(new Reply.Error(ErrorCode.NO_SUCH_NICK, "no one is called \"" + nick + "\" here"));
        return;
      }
      eventBus.send(NODE_ADDRESS + target.node() + ".control", order.put("nick", target.nick()));
      s.reply(new Reply.Notice("Done: " + order.getString("op") + " " + target.nick()));
    });
  }

  private void ban(Session s, String target, long seconds) {
    String until = seconds == 0 ? null : clock.instant().plusSeconds(seconds).toString();
    JsonObject order = new JsonObject().put("op", "ban").put("until", until).put("by", s.state().nick);
    if (looksLikeAddress(target)) {
      eventBus.publish(BANS_ADDRESS, order.put("address", target));
      s.reply(new Reply.Notice("Banned " + target + (until == null ? "" : " until " + until)));
      return;
    }
    moderate(s, order.put("nick", target));
  }

  private static boolean looksLikeAddress(String target) {
    return target.indexOf('.') > 0 || target.indexOf(':') >= 0;
  }

  /** A moderation order for a user of this node. */
  private void control(JsonObject order) {
    Session target = local.get(Nick.key(order.getString("nick", "")));
    if (target == null) {
      return;
    }
    target.context().runOnContext(v -> {
      String by = order.getString("by");
      switch (order.getString("op", "")) {
        case "kick" -> {
          LOG.info("{} ({}) kicked by {}: {}", target.id(), target.state().nick, by, order.getString("reason"));
          target.close("kicked by " + by + ": " + order.getString("reason"));
        }
        case "mute" -> {
          long seconds = order.getLong("seconds", 600L);
          target.state().mutedUntil = seconds == 0 ? null : clock.instant().plusSeconds(seconds);
          LOG.info("{} ({}) muted by {} for {} s", target.id(), target.state().nick, by, seconds);
          target.reply(new Reply.Notice(seconds == 0 ? "You may talk again." : "You are muted by " + by + " for "
              + Durations.format(seconds) + "."));
        }
        case "ban" -> {
          // a ban by nickname: this node knows the address; every node learns the ban
          eventBus.publish(BANS_ADDRESS, order.copy().put("address", target.address()).put("nick", target.state().nick));
        }
        default -> LOG.warn("unknown moderation order {}", order);
      }
    });
  }

  /** Every node applies a ban or unban to its ban list, and closes its sessions from a banned address. */
  private void banUpdate(JsonObject order) {
    if ("unban".equals(order.getString("op"))) {
      bans.remove(order.getString("target")).forEach(b -> LOG.info("ban on {} lifted", b.address()));
      return;
    }
    String address = order.getString("address");
    String until = order.getString("until");
    bans.add(new BanList.Ban(address, order.getString("nick"), until == null ? null : Instant.parse(until),
        order.getString("by")));
    LOG.info("{} banned by {} until {}", address, order.getString("by"), until == null ? "lifted" : until);
    for (Session s : sessions) {
      if (s.address().equals(address)) {
        s.context().runOnContext(v -> s.close("banned by " + order.getString("by")));
      }
    }
  }

  private void closeIdle(int idleSeconds) {
    Instant limit = clock.instant().minusSeconds(idleSeconds);
    for (Session s : local.values()) {
      if (s.state().lastActive.isBefore(limit)) {
        s.context().runOnContext(v -> {
          LOG.info("{} ({}) idle for {} s; closing", s.id(), s.state().nick, idleSeconds);
          s.close("idle for " + Durations.format(idleSeconds));
        });
      }
    }
  }

  /**
   * Graceful shutdown, first part: refuse new connections, tell everyone, and close every session.
   * Completes when they are closed (or after {@code timeout}).
   */
  public Future<Void> shutdown(Duration timeout) {
    shuttingDown = true;
    List<Future<Void>> all = new ArrayList<>();
    ChatEvent goodbye = new ChatEvent(Type.NOTICE, null, 0, clock.instant(), null, null,
        "The server is shutting down. Goodbye!", null);
    Map<Context, Outgoing> perLoop = new HashMap<>(); // encoded once per event loop, as for any event
    for (Session s : sessions) {
      Promise<Void> closed = Promise.promise();
      all.add(closed.future());
      Outgoing out = perLoop.computeIfAbsent(s.context(), c -> new Outgoing(goodbye));
      s.context().runOnContext(v -> {
        s.deliver(out);
        s.close("server shutting down");
        closed.tryComplete();
      });
    }
    Promise<Void> done = Promise.promise();
    long timer = vertx.setTimer(Math.max(1, timeout.toMillis()), t -> done.tryComplete());
    Future.join(all).onComplete(ar -> {
      vertx.cancelTimer(timer);
      done.tryComplete();
    });
    return done.future();
  }

  /**
   * Closes the session of this node that holds {@code nick}, as if the server dropped it: the user is told
   * {@code reason} (a {@code bye} frame or a telnet notice), then the connection is closed. Used by tests to
   * drop a browser mid-conversation.
   *
   * @return whether a local session held that nickname
   */
  public boolean disconnect(String nick, String reason) {
    Session s = local.get(Nick.key(nick));
    if (s == null) {
      return false;
    }
    s.context().runOnContext(v -> s.close(reason));
    return true;
  }
}
