package parley.ops;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * What {@code /ready} and {@code /health} check, as vertx-health-check procedures (whose outcome
 * JSON names the failing check).
 *
 * <p>Ready: the listeners are bound ({@code listeners}), the history is open ({@code history}: the
 * journal, or a clustered node's Raft store), a clustered node can take writes ({@code cluster}: in
 * the cluster and on the majority side), and the node is not shutting down ({@code shutdown}: down
 * from the first moment of {@code Parley.stop()}, so balancers drain it before its listeners
 * close).
 *
 * <p>Live: every event loop runs a task within the check's timeout ({@code eventLoops}).
 */
public final class Readiness {
  /** How long a check may take before it counts as down. */
  static final long TIMEOUT_MS = 2000;

  /** Why a clustered node can't take writes, or null when it can. */
  @FunctionalInterface
  public interface Cluster {
    String notWritable();
  }

  private final BooleanSupplier historyOpen;
  private final Cluster cluster;
  private volatile boolean listening;
  private volatile boolean stopping;

  /**
   * @param historyOpen whether the history (journal or Raft store) is open
   * @param cluster null for a single node
   */
  public Readiness(BooleanSupplier historyOpen, Cluster cluster) {
    this.historyOpen = historyOpen;
    this.cluster = cluster;
  }

  /** The listeners are bound. */
  public void listening() {
    listening = true;
  }

  /** The node is shutting down: not ready from now on. */
  public void stopping() {
    stopping = true;
  }

  /** The checks of {@code /ready}. */
  public HealthChecks ready(Vertx vertx) {
    HealthChecks checks = HealthChecks.create(vertx);
    checks.register("listeners", TIMEOUT_MS, p -> p.complete(status(listening, "not bound yet")));
    checks.register(
        "history", TIMEOUT_MS, p -> p.complete(status(historyOpen.getAsBoolean(), "not open")));
    if (cluster != null) {
      checks.register("cluster", TIMEOUT_MS, p -> p.complete(clusterStatus()));
    }
    checks.register(
        "shutdown", TIMEOUT_MS, p -> p.complete(status(!stopping, "shutting down: draining")));
    return checks;
  }

  /** The check of {@code /health}: each of {@code loops} answers. */
  public static HealthChecks live(Vertx vertx, Supplier<List<Context>> loops) {
    HealthChecks checks = HealthChecks.create(vertx);
    checks.register("eventLoops", TIMEOUT_MS, p -> answered(loops.get(), p));
    return checks;
  }

  private static void answered(List<Context> loops, Promise<Status> p) {
    List<Future<Void>> answers = new ArrayList<>(loops.size());
    for (Context c : loops) {
      Promise<Void> answer = Promise.promise();
      c.runOnContext(v -> answer.complete());
      answers.add(answer.future());
    }
    Future.all(answers)
        .onComplete(
            ar -> p.tryComplete(Status.OK(new JsonObject().put("eventLoops", loops.size()))));
  }

  private Status clusterStatus() {
    String why = cluster.notWritable();
    return why == null ? Status.OK() : Status.KO(new JsonObject().put("reason", why));
  }

  private static Status status(boolean ok, String whyNot) {
    return ok ? Status.OK() : Status.KO(new JsonObject().put("reason", whyNot));
  }
}
