package parley;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.core.transport.Transport;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import parley.cluster.Clustering;
import parley.cluster.RaftChatStore;
import parley.cluster.raft.RaftCluster;
import parley.config.ConfigException;
import parley.config.ParleyConfig;
import parley.journal.EventJournal;
import parley.net.ProxyProtocol;
import parley.net.TrustedProxies;
import parley.ops.Metrics;
import parley.ops.Monitoring;
import parley.ops.Readiness;
import parley.room.ChatService;
import parley.store.AccountFile;
import parley.store.BanList;
import parley.store.ChatStore;
import parley.store.LocalChatStore;

/**
 * One running Parley node: its Vert.x, store, chat service and listeners. {@link Main} starts one
 * from the command line; tests start them in-process on port 0.
 */
public final class Parley {
  private static final Logger LOG = LoggerFactory.getLogger(Parley.class);

  private final Vertx vertx;
  private final ParleyConfig config;

  /** Every event loop's verticle, with its listeners. */
  private final List<LoopVerticle> loops;

  private final ChatService service;
  private final EventJournal history;
  private final int telnetPort;
  private final int httpPort;
  private final int telnetTlsPort;
  private final int metricsPort;
  private final Monitoring monitoring;

  /** The stop under way or done, once {@link #stop} was called: a second call gets the same. */
  private Future<Void> stopped;

  /** Runs after the listeners closed and before Vert.x (and the cluster membership) is closed. */
  private final Runnable beforeClose;

  private Parley(
      Vertx vertx,
      ParleyConfig config,
      List<LoopVerticle> loops,
      ChatService service,
      EventJournal history,
      int telnetPort,
      int httpPort,
      int telnetTlsPort,
      int metricsPort,
      Monitoring monitoring,
      Runnable beforeClose) {
    this.vertx = vertx;
    this.config = config;
    this.loops = List.copyOf(loops);
    this.metricsPort = metricsPort;
    this.monitoring = monitoring;
    this.telnetTlsPort = telnetTlsPort;
    this.history = history;
    this.service = service;
    this.telnetPort = telnetPort;
    this.httpPort = httpPort;
    this.beforeClose = beforeClose;
  }

  /**
   * Vert.x with {@code eventLoops} event loops (default one per core); the transport is chosen by
   * {@link #transport}.
   */
  public static VertxOptions vertxOptions(ParleyConfig config) {
    return new VertxOptions().setEventLoopPoolSize(config.eventLoops());
  }

  /**
   * The meters of node {@code node}: in a Prometheus registry when {@code metrics.enabled}, else
   * {@link Metrics#NONE}.
   */
  public static Metrics metrics(ParleyConfig config, String node) {
    return config.ops().metricsEnabled() ? Metrics.prometheus(node) : Metrics.NONE;
  }

  /**
   * Has Vert.x report its own metrics (servers, event bus, pools, JVM) into the node's registry,
   * when metrics are on.
   */
  public static VertxBuilder withMetrics(VertxBuilder builder, VertxOptions options, Metrics m) {
    if (m.prometheus() == null) {
      return builder.with(options);
    }
    options.setMetricsOptions(
        new MicrometerMetricsOptions()
            .setEnabled(true)
            .setJvmMetricsEnabled(true)
            // Vert.x keeps registries by name, JVM-wide: one of its own per node
            .setRegistryName("parley-" + UUID.randomUUID()));
    return builder.with(options).withMetrics(new MicrometerMetricsFactory(m.registry()));
  }

  /**
   * The network transport for the {@code transport} setting. {@code auto} takes io_uring where the
   * kernel allows it (it measured fastest in bench/), else epoll, else NIO; a named one that is not
   * available here is an error.
   */
  public static Transport transport(String name) {
    Transport t =
        switch (name) {
          case "io_uring" -> Transport.IO_URING;
          case "epoll" -> Transport.EPOLL;
          case "nio" -> Transport.NIO;
          // not Transport.nativeTransport(): that prefers epoll
          default ->
              Transport.IO_URING.available()
                  ? Transport.IO_URING
                  : Transport.EPOLL.available() ? Transport.EPOLL : Transport.NIO;
        };
    if (!t.available()) {
      throw new IllegalStateException(
          "transport " + name + " is not available here: " + t.unavailabilityCause());
    }
    return t;
  }

  /**
   * Starts a node: a single one, or with {@code cluster.enabled} a member of a cluster. Opens and
   * replays the history journal first (blocking).
   */
  public static Future<Parley> start(ParleyConfig config) {
    Transport transport;
    try {
      transport =
          ProxyProtocol.transport(
              transport(config.transport()), TrustedProxies.of(config.proxy().trustedAddresses()));
    } catch (IllegalStateException e) {
      return Future.failedFuture(e);
    }
    if (config.cluster().enabled()) {
      return startClustered(config, transport);
    }
    EventJournal history;
    try {
      history = EventJournal.open(config);
    } catch (IOException e) {
      return Future.failedFuture(
          new IllegalStateException(
              "history in " + config.dataDir() + " can't be opened: " + e.getMessage(), e));
    }
    AccountFile accounts;
    try {
      accounts = AccountFile.open(config.dataDir());
    } catch (IllegalStateException e) {
      history.close();
      return Future.failedFuture(e);
    }
    String node = "node-" + UUID.randomUUID().toString().substring(0, 6);
    Metrics metrics = metrics(config, node);
    history.timings(metrics::journalWrite, metrics::journalFsync);
    Vertx vertx =
        withMetrics(Vertx.builder(), vertxOptions(config), metrics)
            .withTransport(transport)
            .build();
    LocalChatStore store =
        new LocalChatStore(
            vertx, config.history().retain(), history, BanList.open(config.dataDir()), accounts);
    history.load().forEach(store::restore);
    Readiness readiness = new Readiness(history::isOpen, null);
    return start(vertx, config, transport, store, history, node, metrics, readiness, () -> {})
        .onFailure(
            err -> {
              vertx.close();
              history.close();
            });
  }

  /**
   * Starts this node's Raft voter (replaying its log from {@code DATA_DIR/raft}; blocking), then
   * joins the Hazelcast cluster for the event bus. The store is a {@link RaftChatStore}; the node
   * id is the voter's id. The node serves users at once; it takes writes once a majority of the
   * voters is up.
   */
  private static Future<Parley> startClustered(ParleyConfig config, Transport transport) {
    RaftCluster raft;
    try {
      raft = RaftCluster.start(Clustering.raftConfig(config));
    } catch (IOException | RuntimeException e) {
      return Future.failedFuture(
          new IllegalStateException(
              "the cluster's Raft node could not start: " + Clustering.reason(e), e));
    }
    String node = raft.nodeId();
    Metrics metrics = metrics(config, node);
    return Clustering.start(config.cluster(), config.eventLoops(), transport, metrics)
        .compose(
            clustered -> {
              Vertx vertx = clustered.vertx();
              RaftChatStore store = new RaftChatStore(vertx, raft);
              HazelcastClusterManager manager = clustered.manager();
              metrics.gauge(
                  "parley.cluster.members",
                  "Members of the cluster's event bus that this node sees, itself included",
                  () -> manager.isActive() ? manager.getNodes().size() : 0);
              metrics.gauge(
                  "parley.cluster.writable",
                  "1 when this node is on the majority side of the Raft voters (takes writes)",
                  () -> raft.writable() ? 1 : 0);
              Readiness readiness =
                  new Readiness(
                      () -> !"DOWN".equals(raft.role()),
                      () ->
                          manager.isActive()
                              ? raft.readOnlyReason()
                              : "not a member of the cluster");
              Runnable beforeClose =
                  () -> {
                    store.close();
                    raft.close();
                  };
              LOG.info(
                  "node {} joined the cluster {}: {} voters, {} members on the event bus; raft {}",
                  node,
                  config.cluster().name(),
                  config.cluster().voters().size(),
                  clustered.manager().getNodes().size(),
                  raft.writable() ? "writable" : "read-only until a majority is up");
              return start(
                      vertx, config, transport, store, null, node, metrics, readiness, beforeClose)
                  .recover(
                      err -> {
                        beforeClose.run();
                        return vertx.close().transform(ar -> Future.failedFuture(err));
                      });
            })
        .onFailure(err -> raft.close());
  }

  static Future<Parley> start(
      Vertx vertx,
      ParleyConfig config,
      Transport transport,
      ChatStore store,
      EventJournal history,
      String node,
      Metrics metrics,
      Readiness readiness,
      Runnable beforeClose) {
    LOG.info("network transport: {}", transport.name());
    ChatService service =
        new ChatService(vertx, config, store, Clock.systemDefaultZone(), node, metrics);
    Monitoring monitoring = new Monitoring(vertx, config.ops(), metrics, readiness);
    gauges(vertx, service, store, metrics);
    // a vanished client: keepalive notices a quiet connection, the user timeout one with
    // unacknowledged data in flight (io_uring and epoll only; NIO has no TCP_USER_TIMEOUT)
    int userTimeoutMs = config.keepalive().tcpUserTimeoutMs();
    NetServerOptions telnetOptions =
        new NetServerOptions()
            .setHost(config.host())
            .setPort(shared(config.telnetPort(), 1))
            .setTcpKeepAlive(true)
            .setTcpUserTimeout(userTimeoutMs)
            .setTcpNoDelay(true)
            .setReuseAddress(true)
            .setAcceptBacklog(16384);
    proxyProtocol(telnetOptions, config.proxy());
    HttpServerOptions httpOptions =
        new HttpServerOptions()
            .setHost(config.host())
            .setPort(shared(config.httpPort(), 2))
            .setTcpKeepAlive(true)
            .setTcpUserTimeout(userTimeoutMs)
            .setTcpNoDelay(true)
            .setReuseAddress(true)
            .setAcceptBacklog(16384)
            // HTTP/1.1 only: Vert.x's h2c detection would hand a connection over (and count it)
            // only once a whole request arrived, too late for the connection limits and deadlines
            .setHttp2ClearTextEnabled(false)
            .setPerMessageWebSocketCompressionSupported(false)
            .setPerFrameWebSocketCompressionSupported(false)
            .setMaxWebSocketFrameSize(config.limits().wsMaxMessageBytes())
            .setMaxWebSocketMessageSize(config.limits().wsMaxMessageBytes());
    proxyProtocol(httpOptions, config.proxy());
    NetServerOptions tlsTelnet = null;
    ParleyConfig.Tls tls = config.tls();
    if (tls.needsCertificate()) {
      KeyCertOptions keys = keyCert(tls);
      if (tls.https()) {
        httpOptions.setSsl(true).setKeyCertOptions(keys);
      }
      if (tls.telnetPort() >= 0) {
        tlsTelnet =
            new NetServerOptions(telnetOptions)
                .setPort(shared(tls.telnetPort(), 3))
                .setSsl(true)
                .setKeyCertOptions(keys);
      }
    }
    NetServerOptions tlsOptions = tlsTelnet;
    // one verticle per event loop, with its rooms and listeners; all instances share the ports
    DeploymentOptions perLoop = new DeploymentOptions().setInstances(config.eventLoops());
    List<LoopVerticle> loops = new CopyOnWriteArrayList<>();
    // every listener opens only once the service is ready (its private-message and ban consumers
    // registered)
    return service
        .start()
        .compose(
            v ->
                vertx.deployVerticle(
                    () -> {
                      LoopVerticle loop =
                          new LoopVerticle(
                              service, store, telnetOptions, httpOptions, tlsOptions, monitoring);
                      loops.add(loop);
                      return loop;
                    },
                    perLoop))
        .compose(v -> monitoring.start(vertx))
        .map(
            metricsPort -> {
              readiness.listening();
              LoopVerticle loop = loops.get(0);
              return new Parley(
                  vertx,
                  config,
                  loops,
                  service,
                  history,
                  loop.telnetPort(),
                  loop.httpPort(),
                  loop.telnetTlsPort(),
                  metricsPort,
                  monitoring,
                  beforeClose);
            });
  }

  /**
   * PROXY protocol on a listener when proxies are trusted; the transport ({@link ProxyProtocol})
   * accepts it from them only.
   */
  private static void proxyProtocol(NetServerOptions options, ParleyConfig.Proxy proxy) {
    if (proxy.enabled()) {
      options
          .setUseProxyProtocol(true)
          .setProxyProtocolTimeout(proxy.headerTimeoutMs())
          .setProxyProtocolTimeoutUnit(TimeUnit.MILLISECONDS);
    }
  }

  /** The node's gauges, read at each scrape. */
  private static void gauges(Vertx vertx, ChatService service, ChatStore store, Metrics metrics) {
    for (String transport : Metrics.TRANSPORTS) {
      metrics.gauge(
          "parley.connections",
          "Open connections by transport (telnet includes telnet over TLS)",
          () -> service.connections(transport),
          "transport",
          transport);
    }
    metrics.gauge(
        "parley.outbox.owed.bytes",
        "Bytes written to this node's connections and not yet taken by their kernels",
        service::owedBytes);
    if (metrics.prometheus() != null) {
      AtomicInteger rooms = new AtomicInteger();
      metrics.gauge("parley.rooms", "Rooms with at least one member", rooms::get);
      vertx.setPeriodic(
          0, ROOMS_EVERY_MS, t -> store.rooms().onSuccess(list -> rooms.set(list.size())));
    }
  }

  /** How often the rooms gauge is brought up to date (the store answers asynchronously). */
  private static final long ROOMS_EVERY_MS = 5000;

  /** The PEM certificate and key of the config, or a self-signed development certificate. */
  private static KeyCertOptions keyCert(ParleyConfig.Tls tls) {
    if (tls.selfSigned()) {
      LOG.warn(
          "using a self-signed development certificate: browsers and clients will warn about it");
      return SelfSignedCertificate.create("localhost").keyCertOptions();
    }
    return new PemKeyCertOptions().setCertPath(tls.certFile()).setKeyPath(tls.keyFile());
  }

  /**
   * Loads {@code tls.certFile} and {@code tls.keyFile} (blocking), so that a bad file is found
   * before it is used: a {@link ConfigException} naming the key.
   */
  static KeyCertOptions certificate(Vertx vertx, ParleyConfig.Tls tls) {
    for (String file : List.of(tls.certFile(), tls.keyFile())) {
      if (!Files.isReadable(Path.of(file))) {
        String key = file.equals(tls.certFile()) ? "tls.certFile" : "tls.keyFile";
        throw new ConfigException(key + " " + file + " can't be read");
      }
    }
    try (InputStream in = Files.newInputStream(Path.of(tls.certFile()))) {
      if (CertificateFactory.getInstance("X.509").generateCertificates(in).isEmpty()) {
        throw new CertificateException("no certificate in it");
      }
    } catch (IOException | CertificateException e) {
      throw new ConfigException(
          "tls.certFile " + tls.certFile() + " is not a PEM certificate: " + e.getMessage());
    }
    try {
      return KeyCertOptions.wrap(
          new PemKeyCertOptions()
              .setCertPath(tls.certFile())
              .setKeyPath(tls.keyFile())
              .getKeyManagerFactory(vertx));
    } catch (Exception e) {
      throw new ConfigException(
          "tls.keyFile " + tls.keyFile() + " is not a PEM private key: " + e.getMessage());
    }
  }

  /**
   * SIGHUP: re-reads {@code tls.certFile} and {@code tls.keyFile} and gives them to every TLS
   * listener of every event loop; new connections get the new certificate, open ones keep theirs. A
   * bad file is one line in the log, and the old certificate stays.
   */
  public Future<Void> reloadCertificates() {
    ParleyConfig.Tls tls = config.tls();
    if (!tls.needsCertificate() || tls.selfSigned()) {
      LOG.info("SIGHUP: no certificate files to reload (tls.certFile and tls.keyFile are unused)");
      return Future.succeededFuture();
    }
    return vertx
        .executeBlocking(() -> certificate(vertx, tls))
        .compose(
            keys -> Future.all(loops.stream().map(loop -> loop.updateCertificate(keys)).toList()))
        .onSuccess(
            v ->
                LOG.info(
                    "reloaded the TLS certificate from {} and {}", tls.certFile(), tls.keyFile()))
        .onFailure(
            e ->
                LOG.error(
                    "could not reload the TLS certificate, keeping the old one: {}",
                    e.getMessage()))
        .mapEmpty();
  }

  /**
   * Port 0 asks for a free port. Vert.x shares one listening socket among verticle instances only
   * for a fixed port, or for a negative port, which means "a free port, shared by all instances
   * using this same negative number"; each listener gets its own number.
   */
  private static int shared(int port, int listener) {
    return port == 0 ? -listener : port;
  }

  public int telnetPort() {
    return telnetPort;
  }

  public int httpPort() {
    return httpPort;
  }

  /** The telnet-over-TLS port, or -1 when it is off. */
  public int telnetTlsPort() {
    return telnetTlsPort;
  }

  /** The port of {@code /metrics}'s own listener, or -1 when it has none. */
  public int metricsPort() {
    return metricsPort;
  }

  public Vertx vertx() {
    return vertx;
  }

  public ChatService service() {
    return service;
  }

  /** The longest a stop takes to tell users and close their sessions, after the drain. */
  private static final Duration SESSIONS_CLOSE = Duration.ofSeconds(3);

  /**
   * Graceful stop: {@code /ready} goes down at once and the node keeps serving for {@code
   * shutdown.drainMs} (balancers stop sending new users); then it refuses new connections, tells
   * every user and closes their sessions (at most {@link #SESSIONS_CLOSE}), closes the listeners,
   * lets a clustered node copy the last of the cluster's history to its journal, closes Vert.x
   * (leaving the cluster), then flushes, fsyncs and closes the history journal.
   */
  public synchronized Future<Void> stop() {
    if (stopped == null) {
      stopped = stopNow();
    }
    return stopped;
  }

  private Future<Void> stopNow() {
    monitoring.readiness().stopping();
    int drainMs = service.config().ops().drainMs();
    Promise<Void> drained = Promise.promise();
    if (drainMs == 0) {
      drained.complete();
    } else {
      LOG.info("stopping: /ready is down; serving for another {} ms", drainMs);
      vertx.setTimer(drainMs, t -> drained.complete());
    }
    return drained
        .future()
        .compose(v -> service.shutdown(SESSIONS_CLOSE))
        .eventually(
            () -> {
              List<Future<Void>> undeployed = new ArrayList<>();
              for (String id : vertx.deploymentIDs()) {
                undeployed.add(vertx.undeploy(id));
              }
              undeployed.add(monitoring.close());
              return Future.join(undeployed);
            })
        .eventually(
            () ->
                vertx.executeBlocking(
                    () -> {
                      beforeClose.run();
                      return null;
                    },
                    false))
        .eventually(vertx::close)
        .eventually(
            () -> {
              if (history != null) {
                history.close();
              }
              return Future.succeededFuture();
            })
        .mapEmpty();
  }
}
