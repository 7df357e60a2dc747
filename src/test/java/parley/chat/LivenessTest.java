package parley.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import parley.chat.Liveness.Step;

/** The vanished-client rule: probe after a quiet interval, lost after a quiet deadline. */
class LivenessTest {

  @Test
  void aQuietClientIsProbedEveryIntervalAndLostAtTheDeadline() {
    Liveness l = new Liveness(20_000, 60_000, 1000);
    assertEquals(Step.WAIT, l.check(1000));
    assertEquals(20_000, l.nextCheckIn(1000));
    assertEquals(Step.WAIT, l.check(20_999));
    assertEquals(Step.PROBE, l.check(21_000));
    assertEquals(20_000, l.nextCheckIn(21_000), "the next probe an interval later");
    assertEquals(Step.WAIT, l.check(30_000), "one probe per interval");
    assertEquals(Step.PROBE, l.check(41_000));
    assertEquals(20_000, l.nextCheckIn(41_000), "then the deadline");
    assertEquals(Step.WAIT, l.check(60_999));
    assertEquals(Step.LOST, l.check(61_000));
  }

  @Test
  void anythingHeardPutsTheDeadlineOff() {
    Liveness l = new Liveness(20_000, 60_000, 0);
    assertEquals(Step.PROBE, l.check(20_000));
    l.heard(25_000); // the answer to the probe, or any input
    assertEquals(Step.WAIT, l.check(40_000), "a probe answered: no new probe before an interval");
    assertEquals(5_000, l.nextCheckIn(40_000));
    assertEquals(Step.PROBE, l.check(45_000));
    assertEquals(Step.PROBE, l.check(65_000));
    assertEquals(Step.WAIT, l.check(84_999));
    assertEquals(Step.LOST, l.check(85_000));
  }

  @Test
  void aClientThatAnswersEveryProbeIsNeverLost() {
    Liveness l = new Liveness(1000, 3000, 0);
    long now = 0;
    for (int i = 0; i < 10_000; i++) {
      now += l.nextCheckIn(now);
      Step s = l.check(now);
      assertEquals(Step.PROBE, s, "at " + now);
      l.heard(now + 500); // answered within half an interval
      now += 500;
    }
  }

  @Test
  void checksFallDueAtTheProbeOrTheDeadlineWhicheverComesFirst() {
    Liveness l = new Liveness(20_000, 30_000, 0);
    assertEquals(Step.PROBE, l.check(20_000));
    assertEquals(10_000, l.nextCheckIn(20_000), "the deadline comes before the next probe");
    assertEquals(1, l.nextCheckIn(40_000), "never 0 or negative");
  }

  @Test
  void theIntervalMustBeShorterThanTheDeadline() {
    assertThrows(IllegalArgumentException.class, () -> new Liveness(0, 10, 0));
    assertThrows(IllegalArgumentException.class, () -> new Liveness(10, 10, 0));
  }
}
