package parley.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class FloodGateTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void burstThenRateThenHeldThenFlooding() {
    long t = 1000;
    FloodGate g = new FloodGate(10, 5, 3, t);
    for (int i = 0; i < 10; i++) {
      assertEquals(FloodGate.Verdict.PASS, g.offer("l" + i, t), "burst of 10");
    }
    assertEquals(FloodGate.Verdict.HELD, g.offer("a", t));
    assertEquals(FloodGate.Verdict.HELD, g.offer("b", t));
    assertEquals(FloodGate.Verdict.HELD, g.offer("c", t));
    assertEquals(FloodGate.Verdict.FLOODING, g.offer("d", t));
    assertEquals(SECOND / 5, g.nanosUntilNext(t));
    assertNull(g.release(t + SECOND / 10));
    assertEquals("a", g.release(t + SECOND / 5));
    assertEquals("b", g.release(t + 2 * SECOND / 5));
    assertNull(g.release(t + 2 * SECOND / 5));
    assertEquals("c", g.release(t + 3 * SECOND / 5));
    assertEquals(-1, g.nanosUntilNext(t + 3 * SECOND / 5));
  }

  @Test
  void heldLinesKeepTheirOrderBeforeNewOnes() {
    long t = 0;
    FloodGate g = new FloodGate(1, 5, 10, t);
    assertEquals(FloodGate.Verdict.PASS, g.offer("1", t));
    assertEquals(FloodGate.Verdict.HELD, g.offer("2", t));
    // a token is due, but "2" waits in front: the new line queues behind it
    assertEquals(FloodGate.Verdict.HELD, g.offer("3", t + SECOND));
    assertEquals("2", g.release(t + SECOND));
  }

  @Test
  void aQuietSenderGetsItsBurstBack() {
    FloodGate g = new FloodGate(10, 5, 0, 0);
    for (int i = 0; i < 10; i++) {
      g.offer("x", 0);
    }
    assertEquals(FloodGate.Verdict.FLOODING, g.offer("x", 0));
    for (int i = 0; i < 10; i++) {
      assertEquals(FloodGate.Verdict.PASS, g.offer("x", 10 * SECOND));
    }
  }
}
