package parley.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Smoke test of the load clients against the throwaway in-process fake server (not a benchmark).
 */
class ClientSmokeTest {

  private static Options small() {
    Options o =
        Options.parse(
            new String[] {
              "--clients",
              "20",
              "--rates",
              "200",
              "--warmup",
              "0.5",
              "--measure",
              "1",
              "--drain",
              "1",
              "--history-lines",
              "50",
              "--history-repeats",
              "2",
              "--window",
              "10"
            });
    return o;
  }

  @Test
  void ladderOverTelnetAndWebSocketLosesNothing() throws Exception {
    Options o = small();
    try (FakeChatServer s = new FakeChatServer(100).start()) {
      for (Proto p : List.of(Proto.TELNET, Proto.WS)) {
        List<ResultRow> rows = new Scenarios(o).ladder(s, p);
        assertEquals(1, rows.size(), p + ": " + rows.get(0).result);
        ResultRow r = rows.get(0);
        assertEquals(0, r.lossCount, p + " loss: " + r.result);
        assertEquals(0, r.duplicates, p + " duplicates");
        assertEquals(0, r.outOfOrder, p + " out of order");
        assertTrue(
            r.deliveredPerSec > 0.8 * r.expectedPerSec, p + " delivered " + r.deliveredPerSec);
        assertTrue(r.expectedPerSec > 0.9 * 200 * 19, p + " expected " + r.expectedPerSec);
        assertTrue(r.p50 >= 0 && r.max >= r.p99, p + " latency");
      }
    }
  }

  @Test
  void historyReplayCountsLinesOnBothTransports() throws Exception {
    Options o = small();
    try (FakeChatServer s = new FakeChatServer(50).start()) {
      List<ResultRow> rows = new Scenarios(o).history(s);
      assertEquals(2, rows.size());
      for (ResultRow r : rows) {
        assertEquals(0, r.lossCount, r.proto + ": " + r.result);
        assertTrue(r.result.startsWith("2/2"), r.result);
      }
    }
  }

  @Test
  void joinStormCountsEveryone() throws Exception {
    Options o = Options.parse(new String[] {"--join-clients", "300", "--join-window", "50"});
    try (FakeChatServer s = new FakeChatServer(10).start()) {
      ResultRow r = new Scenarios(o).joinStorm(s, Proto.TELNET);
      assertTrue(r.result.startsWith("300/300 joined"), r.result);
    }
  }
}
