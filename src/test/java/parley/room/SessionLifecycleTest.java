package parley.room;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import parley.chat.Reply;
import parley.chat.SessionState;
import parley.config.ParleyConfig;
import parley.store.ChatStore;

/**
 * A session releases what it acquired even when it closes while the store is still answering, and
 * per-address counts stay exact when sessions of one address come and go on several threads.
 */
class SessionLifecycleTest {
  private static final Instant T0 = Instant.parse("2026-12-03T10:00:00Z");
  private static final Clock CLOCK = Clock.fixed(T0, ZoneOffset.UTC);

  /** A store whose nickname claims are answered when the test says so; it records releases. */
  private static final class SlowClaims {
    final List<Promise<Boolean>> claims = new CopyOnWriteArrayList<>();
    final List<String> released = new CopyOnWriteArrayList<>();
    final ChatStore store =
        (ChatStore)
            Proxy.newProxyInstance(
                ChatStore.class.getClassLoader(),
                new Class<?>[] {ChatStore.class},
                (proxy, method, args) ->
                    switch (method.getName()) {
                      case "claimNick" -> {
                        Promise<Boolean> p = Promise.promise();
                        claims.add(p);
                        yield p.future();
                      }
                      case "releaseNick" -> {
                        released.add(args[0] + "/" + args[1]);
                        yield Future.succeededFuture();
                      }
                      default -> throw new UnsupportedOperationException(method.getName());
                    });
  }

  private static final String ADDRESS = "192.0.2.7";

  private static final class FakeSession implements Session {
    final SessionState state = new SessionState("telnet", T0);
    final List<Reply> replies = new ArrayList<>();
    final String id;

    FakeSession(String id) {
      this.id = id;
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public RoomHub hub() {
      throw new UnsupportedOperationException();
    }

    @Override
    public Context context() {
      throw new UnsupportedOperationException();
    }

    @Override
    public SessionState state() {
      return state;
    }

    @Override
    public String address() {
      return ADDRESS;
    }

    @Override
    public void deliver(Outgoing out) {}

    @Override
    public void reply(Reply reply) {
      replies.add(reply);
    }

    @Override
    public void close(String reason) {}
  }

  @Test
  void aClaimThatCompletesAfterTheSessionClosedIsGivenBack() throws Exception {
    SlowClaims slow = new SlowClaims();
    AtomicBoolean open = new AtomicBoolean(true);
    Nicknames nicknames = new Nicknames(slow.store, CLOCK, "n1", 24, null, s -> open.get());
    FakeSession s = new FakeSession("t1");

    Future<Boolean> claimed = nicknames.claim(new Request(s, null), "alice");
    open.set(false); // the connection closes while the store is still answering
    slow.claims.get(0).complete(true);

    assertFalse(claimed.await(5, TimeUnit.SECONDS), "a closed session does not log in");
    assertEquals(List.of("alice/t1"), slow.released, "the claim is given back");
    assertNull(s.state.nick);
    assertNull(nicknames.session("alice"), "no local holder is left behind");
  }

  @Test
  void aClaimOfAnOpenSessionHoldsTheNick() throws Exception {
    SlowClaims slow = new SlowClaims();
    Nicknames nicknames = new Nicknames(slow.store, CLOCK, "n1", 24, null, s -> true);
    FakeSession s = new FakeSession("t1");

    Future<Boolean> claimed = nicknames.claim(new Request(s, null), "alice");
    slow.claims.get(0).complete(true);

    assertTrue(claimed.await(5, TimeUnit.SECONDS));
    assertEquals("alice", s.state.nick);
    assertSame(s, nicknames.session("alice"));
    assertEquals(List.of(), slow.released);
  }

  @Test
  void perAddressCountsStayExactUnderConcurrentComingAndGoing() throws Exception {
    ParleyConfig config = ParleyConfig.defaults();
    int perIp = config.limits().maxConnectionsPerIp();
    ChatStore noBans =
        (ChatStore)
            Proxy.newProxyInstance(
                ChatStore.class.getClassLoader(),
                new Class<?>[] {ChatStore.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("banned")) {
                    return null;
                  }
                  throw new UnsupportedOperationException(method.getName());
                });
    Admission admission = new Admission(config.limits(), noBans, CLOCK);
    int threads = 4;
    int rounds = 2000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    AtomicInteger admitted = new AtomicInteger();
    AtomicInteger over = new AtomicInteger();
    try {
      List<java.util.concurrent.Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < rounds; i++) {
                    if (admission.connect(ADDRESS) == null) {
                      if (admitted.incrementAndGet() > perIp) {
                        over.incrementAndGet();
                      }
                      admitted.decrementAndGet();
                      admission.disconnected(ADDRESS);
                    }
                  }
                  return null;
                }));
      }
      start.countDown();
      for (java.util.concurrent.Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(0, over.get(), "never more than the per-address limit at once");
    // every slot came back: the limit's worth of sessions from that address is admitted again
    for (int i = 0; i < perIp; i++) {
      assertNull(admission.connect(ADDRESS), "slot " + i + " is free again");
    }
    assertTrue(admission.connect(ADDRESS) != null, "and the limit still holds");
    assertNull(admission.connect("127.0.0.3"), "another address is not affected");
  }
}
