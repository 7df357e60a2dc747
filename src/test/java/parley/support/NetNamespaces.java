package parley.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A private network of {@code n} Linux network namespaces for tests that cut links between real
 * processes. Namespace {@code i} (1-based) has one interface, {@code eth0} with {@code
 * 10.199.X.i/24}, the far end of a veth pair whose host side ({@link #hostLink(int)}) is a port of
 * a bridge in the root namespace; the bridge has {@code 10.199.X.254}, so the test itself (in the
 * root namespace) reaches every namespace directly, and a namespace's only way out is its veth.
 * {@code X} is picked per instance among the /24s of 10.199.0.0/16 that no interface or route of
 * this machine uses. Nothing else is routed: traffic stays on this machine.
 *
 * <p>Names carry this JVM's PID and a random tag so that concurrent runs never clash: namespaces
 * {@code parley-PID-TAG-i}, bridge {@code pnbTAG}, host-side veths {@code pnvTAGi} (interface names
 * are limited to 15 characters; the links' alias records the PID). {@link #create} first removes
 * what earlier runs left behind when their JVM is gone ({@link #sweep}); {@link #close} removes
 * everything this instance made, after killing any process still inside its namespaces; a shutdown
 * hook closes what a test forgot.
 *
 * <p>Needs root (or CAP_NET_ADMIN and CAP_SYS_ADMIN) and iproute2 ({@code ip}, {@code tc}); without
 * them {@link #create} fails with what to do: these tests never skip.
 *
 * <p>Faults, as measured on this kernel (no netem, no iptables):
 *
 * <ul>
 *   <li>{@link #cut}: {@code ip link set HOSTLINK down}, both directions. The namespace's eth0
 *       loses carrier; established TCP connections are not reset, they just stop getting answers
 *       (peers notice by their own timeouts); a new connection from the root namespace fails with
 *       "no route to host" after the ARP timeout (~3 s) or times out.
 *   <li>{@link #cutOneWay}: {@code tc qdisc add dev LINK root blackhole}, which drops what leaves
 *       that interface: on the host-side veth it drops what goes <em>to</em> the namespace, on the
 *       namespace's eth0 what comes <em>from</em> it. TCP needs both directions, so a one-way cut
 *       also stops every TCP connection; it differs for UDP and for which side's retransmits and
 *       keepalives see what.
 * </ul>
 */
public final class NetNamespaces implements AutoCloseable {
  /** Which traffic a one-way cut drops. */
  public enum Direction {
    /** Packets sent to the namespace (blackhole on the host-side veth). */
    TO_NODE,
    /** Packets sent by the namespace (blackhole on its eth0). */
    FROM_NODE
  }

  /** Namespace names start with this, then {@code PID-TAG-i}. */
  public static final String PREFIX = "parley-";

  private static final String BRIDGE_PREFIX = "pnb";
  private static final String VETH_PREFIX = "pnv";
  private static final String ALIAS = "parley-netns";
  private static final Pattern NAMESPACE = Pattern.compile("parley-(\\d+)-([0-9a-f]{6})-(\\d+)");
  private static final Pattern LINK =
      Pattern.compile("^\\d+: (pn[bv]([0-9a-f]{6})\\d*)(@\\S*)?: .*?(?:alias (.*))?$");
  private static final Pattern ALIAS_PID = Pattern.compile(ALIAS + " pid=(\\d+) tag=([0-9a-f]{6})");
  private static final Pattern SPACES = Pattern.compile("\\s+");
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);

  /** Instances not yet closed, for the shutdown hook. */
  private static final Set<NetNamespaces> OPEN = Collections.synchronizedSet(new HashSet<>());

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  List<NetNamespaces> left;
                  synchronized (OPEN) {
                    left = new ArrayList<>(OPEN);
                  }
                  for (NetNamespaces n : left) {
                    System.err.println("NetNamespaces: shutdown hook removes " + n);
                    try {
                      n.close();
                    } catch (Exception e) {
                      System.err.println("NetNamespaces: shutdown hook: " + e.getMessage());
                    }
                  }
                },
                "netns-cleanup"));
  }

  private final long pid = ProcessHandle.current().pid();
  private final String tag;
  private final int subnet;
  private final int size;

  /** What was made, in order: removed in reverse. */
  private final List<String> made = new ArrayList<>();

  private final Set<String> oneWay = new LinkedHashSet<>();
  private final Set<String> blackholes = new LinkedHashSet<>();
  private boolean secondAddress;
  private boolean closed;

  private NetNamespaces(String tag, int subnet, int size) {
    this.tag = tag;
    this.subnet = subnet;
    this.size = size;
  }

  /**
   * Creates the bridge and {@code n} namespaces, each with its veth up and lo up. Fails (never
   * skips) when namespaces can't be made here, saying what to do.
   */
  public static NetNamespaces create(int n) throws IOException, InterruptedException {
    if (n < 1 || n > 250) {
      throw new IllegalArgumentException("1..250 namespaces, not " + n);
    }
    requireAvailable();
    sweep();
    IOException last = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      NetNamespaces net = new NetNamespaces(randomTag(), freeSubnet(), n);
      try {
        net.setUp();
        return net;
      } catch (SubnetTaken e) { // another run took the same /24 at the same moment: try another
        last = e;
        net.close();
      } catch (IOException | InterruptedException | RuntimeException | Error e) {
        try {
          net.close();
        } catch (Exception suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      }
    }
    throw last;
  }

  private static final class SubnetTaken extends IOException {
    private static final long serialVersionUID = 1L;

    SubnetTaken(String message) {
      super(message);
    }
  }

  private void setUp() throws IOException, InterruptedException {
    OPEN.add(this);
    String bridge = bridge();
    String alias = ALIAS + " pid=" + pid + " tag=" + tag;
    must("ip", "link", "add", bridge, "type", "bridge");
    made.add("link " + bridge);
    must("ip", "link", "set", bridge, "alias", alias);
    must("ip", "addr", "add", bridgeAddress() + "/24", "dev", bridge);
    must("ip", "link", "set", bridge, "up");
    for (int i = 1; i <= size; i++) {
      String ns = namespace(i);
      String veth = hostLink(i);
      must("ip", "netns", "add", ns);
      made.add("netns " + ns);
      must("ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns);
      made.add("link " + veth);
      must("ip", "link", "set", veth, "alias", alias);
      must("ip", "link", "set", veth, "master", bridge, "up");
      must("ip", "-n", ns, "addr", "add", address(i) + "/24", "dev", "eth0");
      must("ip", "-n", ns, "link", "set", "eth0", "up");
      must("ip", "-n", ns, "link", "set", "lo", "up");
    }
    // two runs may have picked the same /24 at once: then it has two routes or two addresses here
    String net = "10.199." + subnet + ".";
    List<String> routes =
        must("ip", "-4", "-o", "route", "show").lines().filter(l -> l.startsWith(net)).toList();
    List<String> addresses =
        must("ip", "-4", "-o", "addr", "show").lines().filter(l -> l.contains(" " + net)).toList();
    if (routes.size() != 1
        || !routes.get(0).contains(" dev " + bridge + " ")
        || addresses.size() != 1) {
      throw new SubnetTaken(net + "0/24 is used twice: " + routes + " " + addresses);
    }
  }

  /** The namespace names, links and addresses of this instance, for messages. */
  @Override
  public String toString() {
    return "NetNamespaces[" + tag + ", 10.199." + subnet + ".0/24, " + size + " namespaces]";
  }

  /** The random part of every name this instance made. */
  public String tag() {
    return tag;
  }

  public int size() {
    return size;
  }

  /** Name of namespace {@code i} (1-based), for {@code ip netns exec}. */
  public String namespace(int i) {
    check(i);
    return PREFIX + pid + "-" + tag + "-" + i;
  }

  /** The root-namespace end of namespace {@code i}'s veth pair (what {@link #cut} downs). */
  public String hostLink(int i) {
    check(i);
    return VETH_PREFIX + tag + i;
  }

  public String bridge() {
    return BRIDGE_PREFIX + tag;
  }

  /** Namespace {@code i}'s address, on its eth0. */
  public String address(int i) {
    check(i);
    return "10.199." + subnet + "." + i;
  }

  /** The bridge's address: the root namespace (the test) as the namespaces see it. */
  public String bridgeAddress() {
    return "10.199." + subnet + ".254";
  }

  private void check(int i) {
    if (i < 1 || i > size) {
      throw new IllegalArgumentException("namespace " + i + " of 1.." + size);
    }
  }

  /**
   * A process builder that runs {@code command} inside namespace {@code i}: {@code ip netns exec NS
   * command...}. {@code ip netns exec} switches namespace and then execs the command in the same
   * process, so {@link Process#pid()} is the command's own PID (a kill reaches it, not a wrapper).
   */
  public ProcessBuilder exec(int i, List<String> command) {
    List<String> cmd = new ArrayList<>(List.of(tool("ip"), "netns", "exec", namespace(i)));
    cmd.addAll(command);
    return new ProcessBuilder(cmd);
  }

  public ProcessBuilder exec(int i, String... command) {
    return exec(i, List.of(command));
  }

  /** PIDs of the processes in namespace {@code i}. */
  public List<Long> pids(int i) throws IOException, InterruptedException {
    return must("ip", "netns", "pids", namespace(i))
        .lines()
        .filter(l -> !l.isBlank())
        .map(l -> Long.parseLong(l.trim()))
        .toList();
  }

  /** The name of the network namespace that process is in (empty for the root namespace). */
  public static String namespaceOf(long pid) throws IOException, InterruptedException {
    return must("ip", "netns", "identify", String.valueOf(pid)).trim();
  }

  /** Cuts namespace {@code i} off, both directions: its veth goes down. */
  public void cut(int i) throws IOException, InterruptedException {
    must("ip", "link", "set", hostLink(i), "down");
  }

  /** Undoes {@link #cut}. */
  public void heal(int i) throws IOException, InterruptedException {
    must("ip", "link", "set", hostLink(i), "up");
  }

  /** Drops every packet sent to namespace {@code i}; what it sends still goes out. */
  public void cutOneWay(int i) throws IOException, InterruptedException {
    cutOneWay(i, Direction.TO_NODE);
  }

  /** Drops the packets going that way: a blackhole qdisc on that side of the veth. */
  public synchronized void cutOneWay(int i, Direction direction)
      throws IOException, InterruptedException {
    must(qdisc(i, direction, "add", "root", "blackhole"));
    oneWay.add(i + " " + direction);
  }

  /** Removes the one-way cuts of namespace {@code i}, both directions. */
  public void healOneWay(int i) throws IOException, InterruptedException {
    for (Direction d : EnumSet.allOf(Direction.class)) {
      healOneWay(i, d);
    }
  }

  /** Removes that one-way cut (nothing if there is none). */
  public synchronized void healOneWay(int i, Direction direction)
      throws IOException, InterruptedException {
    if (oneWay.remove(i + " " + direction)) {
      must(qdisc(i, direction, "del", "root"));
    }
  }

  /** {@code tc qdisc VERB dev LINK ARGS} or {@code tc -n NS qdisc VERB dev eth0 ARGS}. */
  private String[] qdisc(int i, Direction direction, String verb, String... args) {
    List<String> cmd = new ArrayList<>(List.of("tc"));
    if (direction == Direction.FROM_NODE) {
      cmd.addAll(List.of("-n", namespace(i)));
    }
    cmd.addAll(
        List.of("qdisc", verb, "dev", direction == Direction.TO_NODE ? hostLink(i) : "eth0"));
    cmd.addAll(List.of(args));
    return cmd.toArray(String[]::new);
  }

  /**
   * Cuts namespace {@code i} off from the other namespaces, both directions, while the root
   * namespace (the test and its clients) still reaches it: a {@code blackhole} route to each other
   * namespace's address inside namespace {@code i}, and one to namespace {@code i}'s address inside
   * each other namespace. This is a partition between the nodes that the test's clients can watch
   * from both sides (with {@link #cut} they are cut off too). A packet to a blackholed address is
   * dropped by the sender's own routing: established TCP connections stall (their retransmits go
   * nowhere) and new ones are not made, as with a lost link.
   */
  public void isolate(int i) throws IOException, InterruptedException {
    for (int j = 1; j <= size; j++) {
      if (j != i) {
        blackhole(i, j);
        blackhole(j, i);
      }
    }
  }

  /**
   * Cuts only what namespace {@code i} sends to the other namespaces (blackhole routes inside
   * {@code i}); what they send to it still arrives. TCP between them stops either way (acks are
   * lost), but each side's timeouts and retransmits see a different picture.
   */
  public void isolateOutgoing(int i) throws IOException, InterruptedException {
    for (int j = 1; j <= size; j++) {
      if (j != i) {
        blackhole(i, j);
      }
    }
  }

  /** Undoes {@link #isolate} and {@link #isolateOutgoing} of namespace {@code i}. */
  public void rejoin(int i) throws IOException, InterruptedException {
    for (int j = 1; j <= size; j++) {
      if (j != i) {
        unblackhole(i, j);
        unblackhole(j, i);
      }
    }
  }

  /** Undoes every cut, one-way cut and isolation this instance made. */
  public void healEverything() throws IOException, InterruptedException {
    for (int i = 1; i <= size; i++) {
      heal(i);
      healOneWay(i);
      rejoin(i);
    }
  }

  /** In namespace {@code from}: drop what goes to namespace {@code to}'s address. */
  private synchronized void blackhole(int from, int to) throws IOException, InterruptedException {
    if (blackholes.add(from + ">" + to)) {
      must("ip", "-n", namespace(from), "route", "add", "blackhole", address(to) + "/32");
    }
  }

  private synchronized void unblackhole(int from, int to) throws IOException, InterruptedException {
    if (blackholes.remove(from + ">" + to)) {
      must("ip", "-n", namespace(from), "route", "del", "blackhole", address(to) + "/32");
    }
  }

  /**
   * A second address of the root namespace on the bridge ({@code 10.199.X.253}), added on first
   * use: a client bound to it reaches the nodes from another source address than the bridge's (e.g.
   * to be banned while the test's other clients are not).
   */
  public synchronized String secondHostAddress() throws IOException, InterruptedException {
    String a = "10.199." + subnet + ".253";
    if (!secondAddress) {
      must("ip", "addr", "add", a + "/32", "dev", bridge());
      secondAddress = true;
    }
    return a;
  }

  /**
   * True if a TCP connection from the root namespace (this JVM) to namespace {@code i}'s port opens
   * within {@code timeout}.
   */
  public boolean connects(int i, int port, Duration timeout) {
    return connects(address(i), port, timeout);
  }

  public static boolean connects(String host, int port, Duration timeout) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), Math.toIntExact(timeout.toMillis()));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Namespaces and links of this machine whose name carries this instance's tag. */
  public List<String> leftovers() throws IOException, InterruptedException {
    return leftovers(tag);
  }

  /** Namespaces and links of this machine whose name carries that tag. */
  public static List<String> leftovers(String tag) throws IOException, InterruptedException {
    List<String> found = new ArrayList<>();
    for (String ns : namespaces()) {
      Matcher m = NAMESPACE.matcher(ns);
      if (m.matches() && m.group(2).equals(tag)) {
        found.add("netns " + ns);
      }
    }
    for (String line : links()) {
      Matcher m = LINK.matcher(line);
      if (m.matches() && m.group(2).equals(tag)) {
        found.add("link " + m.group(1));
      }
    }
    return found;
  }

  /**
   * Kills what is still running in the namespaces, then removes the veths, namespaces and bridge.
   * Idempotent. Fails if something with this tag is left (with what and why).
   */
  @Override
  public synchronized void close() throws IOException, InterruptedException {
    if (closed) {
      return;
    }
    closed = true;
    List<String> errors = new ArrayList<>();
    for (String what : made) {
      if (what.startsWith("netns ")) {
        try {
          killAll(what.substring("netns ".length()));
        } catch (IOException e) {
          errors.add(e.getMessage());
        }
      }
    }
    List<String> reverse = new ArrayList<>(made);
    Collections.reverse(reverse);
    for (String what : reverse) { // veths first (both ends at once), then namespaces, then bridge
      if (what.startsWith("link ") && !what.equals("link " + bridge())) {
        remove(what, errors);
      }
    }
    for (String what : reverse) {
      if (what.startsWith("netns ")) {
        remove(what, errors);
      }
    }
    if (made.contains("link " + bridge())) {
      remove("link " + bridge(), errors);
    }
    OPEN.remove(this);
    List<String> left = leftovers();
    if (!left.isEmpty()) {
      throw new IOException(this + ": could not remove " + left + ": " + errors);
    }
  }

  private static void remove(String what, List<String> errors)
      throws IOException, InterruptedException {
    String name = what.substring(what.indexOf(' ') + 1);
    Result r =
        what.startsWith("netns ")
            ? run("ip", "netns", "del", name)
            : run("ip", "link", "del", name);
    if (r.exit != 0 && !r.err.contains("Cannot find device") && !r.err.contains("No such file")) {
      errors.add(r.describe());
    }
  }

  /** SIGKILL to every process in that namespace, and waits for them to end. */
  private static void killAll(String ns) throws IOException, InterruptedException {
    Result r = run("ip", "netns", "pids", ns);
    if (r.exit != 0) {
      return; // no such namespace (any more)
    }
    List<ProcessHandle> victims = new ArrayList<>();
    for (String line : r.out.lines().filter(l -> !l.isBlank()).toList()) {
      Optional<ProcessHandle> p = ProcessHandle.of(Long.parseLong(line.trim()));
      if (p.isPresent()) {
        System.err.println(
            "NetNamespaces: killing pid "
                + line.trim()
                + " still in "
                + ns
                + ": "
                + p.get().info().commandLine().orElse("?"));
        p.get().destroyForcibly();
        victims.add(p.get());
      }
    }
    for (ProcessHandle p : victims) {
      try {
        p.onExit().get(10, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        throw new IOException("pid " + p.pid() + " in " + ns + " did not end after SIGKILL", e);
      }
    }
  }

  /**
   * Best effort: removes namespaces and links left by earlier runs (the name prefix, and a PID that
   * is no longer running), killing what still runs inside them. Logs what it removes; never fails.
   */
  public static void sweep() {
    try {
      Set<String> deadTags = new HashSet<>();
      for (String ns : namespaces()) {
        Matcher m = NAMESPACE.matcher(ns);
        if (m.matches() && !alive(Long.parseLong(m.group(1)))) {
          deadTags.add(m.group(2));
          System.err.println("NetNamespaces: removing leftover namespace " + ns);
          killAll(ns);
          Result r = run("ip", "netns", "del", ns);
          if (r.exit != 0) {
            System.err.println("NetNamespaces: " + r.describe());
          }
        }
      }
      List<String> bridges = new ArrayList<>();
      for (String line : links()) {
        Matcher m = LINK.matcher(line);
        if (!m.matches()) {
          continue;
        }
        Matcher owner = ALIAS_PID.matcher(m.group(4) == null ? "" : m.group(4));
        boolean dead =
            owner.find() ? !alive(Long.parseLong(owner.group(1))) : deadTags.contains(m.group(2));
        if (dead) {
          if (m.group(1).startsWith(BRIDGE_PREFIX)) {
            bridges.add(m.group(1)); // after its ports
          } else {
            delLink(m.group(1));
          }
        }
      }
      for (String b : bridges) {
        delLink(b);
      }
    } catch (IOException | RuntimeException e) {
      System.err.println("NetNamespaces: sweep failed: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void delLink(String name) throws IOException, InterruptedException {
    System.err.println("NetNamespaces: removing leftover link " + name);
    Result r = run("ip", "link", "del", name);
    if (r.exit != 0 && !r.err.contains("Cannot find device")) {
      System.err.println("NetNamespaces: " + r.describe());
    }
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  private static List<String> namespaces() throws IOException, InterruptedException {
    return must("ip", "netns", "list")
        .lines()
        .filter(l -> !l.isBlank())
        .map(l -> SPACES.split(l.trim(), -1)[0])
        .toList();
  }

  private static List<String> links() throws IOException, InterruptedException {
    return must("ip", "-o", "link", "show").lines().toList();
  }

  /** A /24 of 10.199.0.0/16 that no address or route of the root namespace is in. */
  private static int freeSubnet() throws IOException, InterruptedException {
    String used = must("ip", "-4", "-o", "addr", "show") + must("ip", "-4", "-o", "route", "show");
    for (int attempt = 0; attempt < 200; attempt++) {
      int x = 1 + ThreadLocalRandom.current().nextInt(253);
      if (!used.contains("10.199." + x + ".")) {
        return x;
      }
    }
    throw new IOException("no free /24 in 10.199.0.0/16: " + used);
  }

  private static String randomTag() {
    return String.format(Locale.ROOT, "%06x", ThreadLocalRandom.current().nextInt(1 << 24));
  }

  /** Fails with instructions when this machine can't run namespace tests. */
  private static void requireAvailable() throws IOException, InterruptedException {
    String how =
        "Tests with network namespaces need Linux, root (they run ip netns/ip link/tc) and iproute2."
            + " Run them as root, as CI does (bash .ci/run, or sudo -E ./mvnw verify), and install"
            + " iproute2 if missing (Debian: apt-get install iproute2). They fail instead of"
            + " skipping so that a partition test is never silently left out.";
    if (tool("ip").equals("ip") || tool("tc").equals("tc")) {
      throw new IllegalStateException("no ip or tc command found. " + how);
    }
    String uid = "?";
    try {
      uid =
          Files.readAllLines(Path.of("/proc/self/status")).stream()
              .filter(l -> l.startsWith("Uid:"))
              .map(l -> SPACES.split(l, -1)[1])
              .findFirst()
              .orElse("?");
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc/self/status (" + e + "). " + how, e);
    }
    if (!uid.equals("0")) {
      throw new IllegalStateException("running as uid " + uid + ", not root. " + how);
    }
    Result r = run("ip", "netns", "list");
    if (r.exit != 0) {
      throw new IllegalStateException(r.describe() + ". " + how);
    }
  }

  /** The full path of an iproute2 tool (root's PATH may lack the sbin directories under Maven). */
  private static String tool(String name) {
    List<String> dirs = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) {
      dirs.addAll(List.of(path.split(":")));
    }
    dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin"));
    for (String d : dirs) {
      Path p = Path.of(d.isEmpty() ? "." : d, name);
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    return name;
  }

  private record Result(List<String> cmd, int exit, String out, String err) {
    String describe() {
      return String.join(" ", cmd) + " exited with " + exit + ": " + err.trim();
    }
  }

  private static Result run(String... cmd) throws IOException, InterruptedException {
    List<String> full = new ArrayList<>(List.of(cmd));
    full.set(0, tool(cmd[0]));
    Process p = new ProcessBuilder(full).redirectInput(ProcessBuilder.Redirect.PIPE).start();
    p.getOutputStream().close();
    CompletableFuture<String> out = drain(p.getInputStream());
    CompletableFuture<String> err = drain(p.getErrorStream());
    if (!p.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", full) + " did not finish in " + COMMAND_TIMEOUT);
    }
    return new Result(List.of(cmd), p.exitValue(), out.join(), err.join());
  }

  /** Reads a pipe to its end in its own thread (the common pool may have a single thread). */
  private static CompletableFuture<String> drain(InputStream in) {
    CompletableFuture<String> text = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try (in) {
                text.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
              } catch (IOException e) {
                text.completeExceptionally(new UncheckedIOException(e));
              }
            },
            "netns-pipe");
    t.setDaemon(true);
    t.start();
    return text;
  }

  /** Runs the command; its stdout, or an IOException with its stderr when it fails. */
  private static String must(String... cmd) throws IOException, InterruptedException {
    Result r = run(cmd);
    if (r.exit != 0) {
      throw new IOException(r.describe());
    }
    return r.out;
  }
}
