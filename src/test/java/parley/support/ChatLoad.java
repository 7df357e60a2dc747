package parley.support;

import io.vertx.core.Vertx;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;

/**
 * Chat load for fault tests: {@code K} WebSocket clients, each on a home node, each saying unique
 * texts ({@code PREFIX-nNcK-SEQNO}) at a steady rate, alternating between the rooms. A client
 * records:
 *
 * <ul>
 *   <li><b>acknowledged</b>: its own message came back to it with a {@code seq} (live, or in the
 *       {@code history} of a resume): room, seq, text, epoch;
 *   <li><b>refused</b>: an {@code error} answered the {@code say} (by code: {@code read_only},
 *       {@code not_confirmed}, ...); a {@code not_confirmed} message that later comes back with a
 *       seq counts as acknowledged;
 *   <li>every {@code message} it received (live or replayed), by (room, seq): a seq seen twice with
 *       different texts is a <b>conflict</b>, as is one of its texts seen under two seqs;
 *   <li>notices, {@code reset}s and reconnects.
 * </ul>
 *
 * <p>A client whose connection closes reconnects after a second, to its home node or else the next
 * ones in turn, with {@code since} (epoch and the highest seq it holds per room) and a new nickname
 * (the old one may still be held by a session the cluster has not yet seen end). A refused login
 * ({@code read_only}, {@code nick_taken}, ...) moves on to the next node. A client never reconnects
 * while its connection is open: after a partition heals, it must get what it missed on it.
 */
public final class ChatLoad implements AutoCloseable {
  /** An acknowledged message. */
  public record Ack(String room, long seq, String text, String epoch, String client) {}

  /** Large enough for a {@code history} of every retained message. */
  public static final WebSocketClientOptions CLIENT_OPTIONS =
      new WebSocketClientOptions()
          .setMaxFrameSize(64 * 1024 * 1024)
          .setMaxMessageSize(64 * 1024 * 1024)
          .setConnectTimeout(5000);

  private final Vertx vertx;
  private final String prefix;
  private final List<String> rooms;
  private final IntFunction<String> hostOf;
  private final int port;
  private final int nodes;
  private final long periodMs;
  private final List<Client> clients = new ArrayList<>();
  private volatile boolean sending;
  private volatile boolean stopped;

  /**
   * @param homes the home node of each client (1-based), e.g. {@code 1,1,2,2,3,3}
   * @param hostOf a node's address
   * @param perSecond messages per second per client
   */
  public ChatLoad(
      Vertx vertx,
      String prefix,
      List<String> rooms,
      IntFunction<String> hostOf,
      int port,
      int nodes,
      int[] homes,
      double perSecond) {
    this.vertx = vertx;
    this.prefix = prefix;
    this.rooms = List.copyOf(rooms);
    this.hostOf = hostOf;
    this.port = port;
    this.nodes = nodes;
    this.periodMs = Math.round(1000 / perSecond);
    Map<Integer, Integer> perNode = new HashMap<>();
    for (int home : homes) {
      int k = perNode.merge(home, 1, Integer::sum);
      clients.add(new Client("n" + home + "c" + k, home));
    }
  }

  /** A load on {@code cluster}'s nodes (WebSocket port). */
  public static ChatLoad on(
      Vertx vertx, NetCluster cluster, String prefix, int[] homes, double perSecond) {
    return new ChatLoad(
        vertx,
        prefix,
        List.of("lobby", "room2"),
        cluster::address,
        NetCluster.HTTP_PORT,
        cluster.size(),
        homes,
        perSecond);
  }

  /** Connects every client (logins are retried in the background); sending starts at once. */
  public ChatLoad start() {
    sending = true;
    for (Client c : clients) {
      c.connect(0);
      c.timer = vertx.setPeriodic(periodMs, periodMs, id -> c.tick());
    }
    return this;
  }

  /** Waits until every client is logged in and in every room (a cluster that is writable). */
  public void awaitLoggedIn(Duration within) {
    Eventually.within(within)
        .untilAsserted(
            () -> {
              for (Client c : clients) {
                if (!c.ready()) {
                  throw new AssertionError("client " + c.id + " not logged in: " + c.describe());
                }
              }
            });
  }

  /** Stops saying new things (connections stay open: acks of what was sent may still come). */
  public void stopSending() {
    sending = false;
  }

  /**
   * Stops sending, then waits until no client has a message on its way for {@code settle} (or until
   * {@code atMost}): the echoes of what was sent come back meanwhile.
   */
  public void stopAndSettle(Duration settle, Duration atMost) throws InterruptedException {
    stopSending();
    long end = System.nanoTime() + atMost.toNanos();
    long quietSince = System.nanoTime();
    int lastAcked = -1;
    while (System.nanoTime() < end) {
      int acked = acked().size();
      if (acked != lastAcked) {
        lastAcked = acked;
        quietSince = System.nanoTime();
      } else if (System.nanoTime() - quietSince > settle.toNanos()) {
        return;
      }
      Thread.sleep(200);
    }
  }

  public List<Client> clients() {
    return List.copyOf(clients);
  }

  /** The clients whose home is node {@code i}. */
  public List<Client> clientsOf(int i) {
    return clients.stream().filter(c -> c.home == i).toList();
  }

  /** Every client's acknowledged messages. */
  public List<Ack> acked() {
    List<Ack> all = new ArrayList<>();
    for (Client c : clients) {
      all.addAll(c.acked());
    }
    return all;
  }

  /** Texts sent, by every client. */
  public int sent() {
    return clients.stream().mapToInt(Client::sent).sum();
  }

  /** Refusals by error code, over every client. */
  public Map<String, Integer> refusals() {
    Map<String, Integer> all = new TreeMap<>();
    for (Client c : clients) {
      c.refusals().forEach((k, v) -> all.merge(k, v, Integer::sum));
    }
    return all;
  }

  /** Conflicts every client saw in what it received (empty when all is well). */
  public List<String> conflicts() {
    List<String> all = new ArrayList<>();
    for (Client c : clients) {
      c.conflicts().forEach(x -> all.add(c.id + ": " + x));
    }
    return all;
  }

  /** One line of counts. */
  public String summary() {
    int reconnects = clients.stream().mapToInt(c -> c.reconnects).sum();
    return prefix
        + ": clients="
        + clients.size()
        + " sent="
        + sent()
        + " acked="
        + acked().size()
        + " refused="
        + refusals()
        + " reconnects="
        + reconnects
        + " conflicts="
        + conflicts().size();
  }

  @Override
  public void close() {
    stopped = true;
    sending = false;
    for (Client c : clients) {
      vertx.cancelTimer(c.timer);
      c.close();
    }
  }

  /** One simulated user. */
  public final class Client {
    public final String id;
    public final int home;
    private final WebSocketClient http = vertx.createWebSocketClient(CLIENT_OPTIONS);
    private long timer;

    // guarded by this
    private ClientWebSocket ws;
    private int node;
    private String nick;
    private boolean loggedIn;
    private boolean resumed;
    private int attempt;
    private int reconnects;
    private String epoch;
    private final Map<String, Long> maxSeq = new LinkedHashMap<>();
    private final java.util.Set<String> joined = new java.util.HashSet<>();
    private int counter;
    private int sentCount;
    private final Map<String, String> pending = new LinkedHashMap<>(); // text -> room
    private final Map<String, Ack> ackedByText = new LinkedHashMap<>();
    private final Map<String, String> received = new HashMap<>(); // room#seq -> text
    private final Map<String, Long> seqOfText = new HashMap<>();
    private final Map<String, Integer> refused = new TreeMap<>();
    private final List<String> refusedTexts = new ArrayList<>();
    private final List<String> conflicts = new ArrayList<>();
    private final List<String> notices = new ArrayList<>();
    private final List<String> nickEvents = new ArrayList<>();
    private final Map<String, CompletableFuture<JsonObject>> requests = new ConcurrentHashMap<>();
    private int requestIds;
    private long lastAckNanos;

    Client(String id, int home) {
      this.id = id;
      this.home = home;
      this.node = home;
    }

    private String baseNick() {
      return prefix + id;
    }

    /** Tries node {@code node}; on failure the next node, a second later. */
    private synchronized void connect(int delayMs) {
      if (stopped) {
        return;
      }
      if (delayMs > 0) {
        vertx.setTimer(delayMs, t -> connect(0));
        return;
      }
      attempt++;
      nick = attempt == 1 ? baseNick() : baseNick() + "r" + attempt;
      ClientWebSocket socket = http.webSocket();
      ws = socket;
      loggedIn = false;
      joined.clear();
      int target = node;
      socket.textMessageHandler(t -> onFrame(socket, new JsonObject(t)));
      socket.closeHandler(v -> onClosed(socket));
      socket.exceptionHandler(e -> {});
      socket
          .connect(
              new WebSocketConnectOptions()
                  .setHost(hostOf.apply(target))
                  .setPort(port)
                  .setURI("/chat/ws"))
          .onSuccess(w -> hello(socket))
          .onFailure(e -> failed(socket, "connect to node " + target + ": " + e));
    }

    private synchronized void hello(ClientWebSocket socket) {
      if (socket != ws) {
        return;
      }
      JsonObject hello = new JsonObject().put("type", "hello").put("nick", nick);
      resumed = epoch != null;
      if (resumed) {
        JsonObject since = new JsonObject();
        for (String room : rooms) {
          since.put(room, maxSeq.getOrDefault(room, 0L));
        }
        hello.put("since", new JsonObject().put("epoch", epoch).put("rooms", since));
      }
      socket.writeTextMessage(hello.encode());
    }

    /** This attempt failed: the next node, a second later. */
    private synchronized void failed(ClientWebSocket socket, String why) {
      if (socket != ws) {
        return;
      }
      ws = null;
      loggedIn = false;
      node = node % nodes + 1;
      notices.add("(" + why + ")");
      connect(1000);
      closeQuietly(socket);
    }

    private synchronized void onClosed(ClientWebSocket socket) {
      if (socket != ws) {
        return;
      }
      boolean was = loggedIn;
      ws = null;
      loggedIn = false;
      joined.clear();
      requests.values().forEach(f -> f.completeExceptionally(new IllegalStateException("closed")));
      requests.clear();
      if (!stopped) {
        reconnects++;
        notices.add("(closed on node " + node + (was ? "" : " before login") + ")");
        if (!was) {
          node = node % nodes + 1;
        }
        connect(1000);
      }
    }

    private synchronized void onFrame(ClientWebSocket socket, JsonObject f) {
      if (socket != ws) {
        return;
      }
      String type = f.getString("type", "");
      String fid = f.getString("id");
      switch (type) {
        case "welcome" -> {
          String e = f.getString("epoch");
          if (epoch != null && !epoch.equals(e)) {
            conflicts.add("epoch changed from " + epoch + " to " + e + " on node " + node);
          }
          epoch = e;
          nick = f.getString("nick", nick);
          loggedIn = true;
        }
        case "reset" -> conflicts.add("reset on node " + node + ": " + f.encode());
        case "joined" -> {
          joined.add(f.getString("room"));
          if (!resumed && "lobby".equals(f.getString("room"))) {
            for (String room : rooms) {
              if (!joined.contains(room)) {
                say(new JsonObject().put("type", "say").put("text", "/join #" + room));
              }
            }
          }
        }
        case "history" -> {
          JsonArray messages = f.getJsonArray("messages", new JsonArray());
          for (Object o : messages) {
            JsonObject m = (JsonObject) o;
            event(m.getString("room", f.getString("room")), m);
          }
        }
        case "message", "topic" -> event(f.getString("room"), f);
        case "notice" -> notices.add(f.getString("text", ""));
        case "nick" -> {
          nickEvents.add(f.encode());
          if (nick != null && nick.equalsIgnoreCase(f.getString("old"))) {
            nick = f.getString("nick");
          }
        }
        case "error" -> {
          String code = f.getString("code", "?");
          if (!loggedIn) {
            failed(socket, "login on node " + node + ": " + code);
            return;
          }
          if (fid != null && pending.containsKey(fid)) {
            refused.merge(code, 1, Integer::sum);
            refusedTexts.add(fid + " " + code);
            if (!"not_confirmed".equals(code)) {
              pending.remove(fid); // nothing was done; not_confirmed may still come back
            }
          } else {
            notices.add("(error " + f.encode() + ")");
          }
        }
        default -> {}
      }
      if (fid != null) {
        CompletableFuture<JsonObject> r = requests.get(fid);
        if (r != null && (type.equals("history") || type.equals("error") || type.equals("who"))) {
          requests.remove(fid);
          r.complete(f);
        }
      }
    }

    private void event(String room, JsonObject m) {
      Long seq = m.getLong("seq");
      String text = m.getString("text");
      if (seq == null || room == null) {
        return;
      }
      String key = room + "#" + seq;
      String before = received.putIfAbsent(key, text);
      if (before != null && !before.equals(text)) {
        conflicts.add(key + " was \"" + before + "\", now \"" + text + "\"");
      }
      maxSeq.merge(room, seq, Math::max);
      if (text == null || !text.startsWith(prefix + "-" + id + "-")) {
        return;
      }
      String seqKey = room + " " + text;
      Long other = seqOfText.putIfAbsent(seqKey, seq);
      if (other != null && other != seq.longValue()) {
        conflicts.add("my \"" + text + "\" in #" + room + " under seq " + other + " and " + seq);
      }
      pending.remove(text);
      if (!ackedByText.containsKey(text)) {
        ackedByText.put(text, new Ack(room, seq, text, epoch, id));
        lastAckNanos = System.nanoTime();
      }
    }

    private synchronized void tick() {
      if (!sending || ws == null || !loggedIn || !joined.containsAll(rooms)) {
        return;
      }
      String room = rooms.get(counter % rooms.size());
      String text = prefix + "-" + id + "-" + (++counter);
      pending.put(text, room);
      sentCount++;
      say(new JsonObject().put("type", "say").put("room", room).put("text", text).put("id", text));
    }

    private void say(JsonObject frame) {
      ClientWebSocket socket = ws;
      if (socket != null) {
        socket.writeTextMessage(frame.encode());
      }
    }

    /**
     * Sends {@code text} (e.g. {@code /history 10000}) as a {@code say} in {@code room} with an id;
     * completes with the first {@code history}, {@code who} or {@code error} reply.
     */
    public synchronized CompletableFuture<JsonObject> request(String room, String text) {
      CompletableFuture<JsonObject> f = new CompletableFuture<>();
      if (ws == null || !loggedIn) {
        f.completeExceptionally(new IllegalStateException(id + " is not connected"));
        return f;
      }
      String rid = "req" + (++requestIds);
      requests.put(rid, f);
      JsonObject frame = new JsonObject().put("type", "say").put("text", text).put("id", rid);
      if (room != null) {
        frame.put("room", room);
      }
      say(frame);
      return f;
    }

    /** Logged in and in every room. */
    public synchronized boolean ready() {
      return ws != null && loggedIn && joined.containsAll(rooms);
    }

    public synchronized boolean connected() {
      return ws != null && loggedIn;
    }

    /** The node it is (or was last) connected to. */
    public synchronized int node() {
      return node;
    }

    public synchronized String nick() {
      return nick;
    }

    public synchronized List<Ack> acked() {
      return new ArrayList<>(ackedByText.values());
    }

    public synchronized int sent() {
      return sentCount;
    }

    public synchronized Map<String, Integer> refusals() {
      return new TreeMap<>(refused);
    }

    public synchronized List<String> refusedTexts() {
      return new ArrayList<>(refusedTexts);
    }

    public synchronized List<String> conflicts() {
      return new ArrayList<>(conflicts);
    }

    public synchronized List<String> notices() {
      return new ArrayList<>(notices);
    }

    public synchronized List<String> nickEvents() {
      return new ArrayList<>(nickEvents);
    }

    public synchronized int reconnects() {
      return reconnects;
    }

    /** Nanos (System.nanoTime) of its last new acknowledgement, 0 if none. */
    public synchronized long lastAckNanos() {
      return lastAckNanos;
    }

    /** The seqs it received in that room (live or replayed). */
    public synchronized TreeSet<Long> seqs(String room) {
      TreeSet<Long> seqs = new TreeSet<>();
      for (String key : received.keySet()) {
        int hash = key.lastIndexOf('#');
        if (key.substring(0, hash).equals(room)) {
          seqs.add(Long.parseLong(key.substring(hash + 1)));
        }
      }
      return seqs;
    }

    /** The text it received under (room, seq), or null. */
    public synchronized String textAt(String room, long seq) {
      return received.get(room + "#" + seq);
    }

    public synchronized String describe() {
      return id
          + " nick="
          + nick
          + " node="
          + node
          + " connected="
          + (ws != null)
          + " loggedIn="
          + loggedIn
          + " rooms="
          + joined
          + " sent="
          + sentCount
          + " acked="
          + ackedByText.size()
          + " refused="
          + refused
          + " reconnects="
          + reconnects
          + " lastNotices="
          + notices.subList(Math.max(0, notices.size() - 5), notices.size());
    }

    synchronized void close() {
      ClientWebSocket socket = ws;
      ws = null;
      if (socket != null) {
        closeQuietly(socket);
      }
      http.close();
    }

    private static void closeQuietly(ClientWebSocket socket) {
      try {
        socket.close();
      } catch (IllegalStateException notConnected) {
        // never connected: nothing to close
      }
    }
  }
}
