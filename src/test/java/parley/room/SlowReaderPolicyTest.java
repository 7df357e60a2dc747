package parley.room;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import parley.room.SlowReaderPolicy.Rule;
import parley.room.SlowReaderPolicy.Verdict;

/**
 * The slow-reader rule, one check at a time: every rule and its edges, with no sockets and no
 * clock.
 */
class SlowReaderPolicyTest {
  private static final long LIMIT = 1000;
  private static final long WINDOW_MS = 2000;
  private static final int CHECKS = SlowReaderPolicy.WINDOW_CHECKS;
  private static final long HARD = SlowReaderPolicy.HARD_FACTOR * LIMIT;
  private static final long CEILING = SlowReaderPolicy.CEILING_FACTOR * LIMIT;

  private final SlowReaderPolicy policy = new SlowReaderPolicy(LIMIT, WINDOW_MS);

  /**
   * Runs {@code n} checks that all find {@code owed} bytes waiting and {@code taken} taken so far,
   * all CHECK_AGAIN.
   */
  private void checksAgain(int n, long owed, long taken) {
    for (int i = 0; i < n; i++) {
      assertEquals(Verdict.CHECK_AGAIN, policy.check(owed, taken), "check " + (i + 1) + " of " + n);
    }
  }

  @Test
  void theWindowIsFourChecks() {
    assertEquals(500, policy.checkMs());
    assertEquals(2000, policy.windowMs());
    // a window that does not divide evenly is judged over whole checks
    SlowReaderPolicy odd = new SlowReaderPolicy(LIMIT, 1001);
    assertEquals(250, odd.checkMs());
    assertEquals(1000, odd.windowMs());
    // and a check is never due in 0 ms
    assertEquals(1, new SlowReaderPolicy(LIMIT, 3).checkMs());
  }

  @Test
  void owingUpToTheLimitIsNotWatched() {
    assertEquals(Verdict.KEEP, policy.owed(0, 0));
    assertEquals(Verdict.KEEP, policy.owed(LIMIT, 0));
    assertFalse(policy.watching());
    assertNull(policy.rule());
    assertNull(policy.why());
  }

  @Test
  void owingOverTheLimitStartsOneWatch() {
    assertEquals(Verdict.CHECK_AGAIN, policy.owed(LIMIT + 1, 0));
    assertTrue(policy.watching());
    // more output while the watch is on schedules no second check
    assertEquals(Verdict.KEEP, policy.owed(2 * LIMIT, 0));
    assertEquals(Verdict.KEEP, policy.owed(HARD + 1, 0));
    assertTrue(policy.watching());
  }

  @Test
  void owingOverTheCeilingIsDroppedAtOnce() {
    assertEquals(Verdict.CHECK_AGAIN, policy.owed(CEILING, 0), "exactly the ceiling is allowed");
    assertEquals(Verdict.DROP, policy.owed(CEILING + 1, 0));
    assertEquals(Rule.CEILING, policy.rule());
    assertEquals("over 64001 bytes waiting, 64 times the limit", policy.why());
    assertFalse(policy.watching());
  }

  @Test
  void theCeilingAppliesWithoutAWatchAndHoweverFastTheReaderReads() {
    assertEquals(Verdict.DROP, policy.owed(CEILING + 1, 1_000_000_000L));
    assertEquals(Rule.CEILING, policy.rule());
  }

  @Test
  void theCeilingIsJudgedWhenOutputGrowsNotAtTheChecks() {
    policy.owed(LIMIT + 1, 0);
    // the checks judge progress only (here, the limit taken per check); owing more was judged when
    // appended
    for (int i = 1; i <= 10; i++) {
      assertEquals(Verdict.CHECK_AGAIN, policy.check(CEILING + 1, i * LIMIT), "check " + i);
    }
  }

  @Test
  void takingNothingForAWholeWindowIsDropped() {
    policy.owed(LIMIT + 1, 500);
    checksAgain(CHECKS - 1, LIMIT + 1, 500);
    assertEquals(Verdict.DROP, policy.check(LIMIT + 1, 500));
    assertEquals(Rule.TOOK_NOTHING, policy.rule());
    assertEquals("took nothing in 2000 ms with 1001 bytes waiting", policy.why());
    assertFalse(policy.watching());
  }

  @Test
  void takingNothingForLessThanAWindowIsNotDropped() {
    policy.owed(50 * LIMIT, 0);
    checksAgain(CHECKS - 1, 50 * LIMIT, 0);
  }

  @Test
  void takingOneByteInTheWindowIsProgressWhenOwingUpToEightTimesTheLimit() {
    policy.owed(HARD, 0);
    checksAgain(CHECKS - 1, HARD, 0);
    assertEquals(Verdict.CHECK_AGAIN, policy.check(HARD, 1));
  }

  @Test
  void takingLessThanTheLimitWhileOwingOverEightTimesItIsDropped() {
    policy.owed(HARD + 1, 0);
    checksAgain(CHECKS - 1, HARD + 1, 0);
    assertEquals(Verdict.DROP, policy.check(HARD + 1, LIMIT - 1));
    assertEquals(Rule.TOOK_TOO_LITTLE, policy.rule());
    assertEquals("took only 999 bytes in 2000 ms with 8001 bytes waiting", policy.why());
  }

  @Test
  void takingTheLimitInTheWindowIsEnoughWhileOwingOverEightTimesIt() {
    policy.owed(HARD + 1, 0);
    checksAgain(CHECKS - 1, HARD + 1, 0);
    assertEquals(Verdict.CHECK_AGAIN, policy.check(HARD + 1, LIMIT));
  }

  @Test
  void progressIsCountedOverTheLastWindowOnly() {
    long taken = 0;
    policy.owed(LIMIT + 1, taken);
    // it takes something at the first check only
    taken += 10;
    assertEquals(Verdict.CHECK_AGAIN, policy.check(LIMIT + 1, taken));
    checksAgain(CHECKS - 1, LIMIT + 1, taken);
    // one check later the window no longer holds that progress
    assertEquals(Verdict.DROP, policy.check(LIMIT + 1, taken));
    assertEquals(Rule.TOOK_NOTHING, policy.rule());
  }

  @Test
  void theHardRuleSlidesWithTheWindowToo() {
    long taken = 0;
    policy.owed(HARD + 1, taken);
    // a good first step, then a trickle: the window that holds the step passes, the next one does
    // not
    taken += LIMIT;
    assertEquals(Verdict.CHECK_AGAIN, policy.check(HARD + 1, taken));
    for (int i = 0; i < CHECKS - 1; i++) {
      taken += 10;
      assertEquals(Verdict.CHECK_AGAIN, policy.check(HARD + 1, taken));
    }
    taken += 10;
    assertEquals(Verdict.DROP, policy.check(HARD + 1, taken));
    assertEquals(Rule.TOOK_TOO_LITTLE, policy.rule());
    assertEquals("took only 40 bytes in 2000 ms with 8001 bytes waiting", policy.why());
  }

  @Test
  void aReaderThatKeepsTakingIsKeptWhileItOwesFarOverTheLimit() {
    // a replay of 40 times the limit, taken in steps seconds apart: one step per window is enough
    long owed = 40 * LIMIT;
    long taken = 0;
    policy.owed(owed, taken);
    for (int i = 1; i <= 30; i++) {
      if (i % CHECKS == 0) {
        taken += LIMIT;
        owed -= LIMIT;
      }
      assertEquals(Verdict.CHECK_AGAIN, policy.check(owed, taken), "check " + i);
    }
  }

  @Test
  void aBurstThatDrainsEndsTheWatch() {
    assertEquals(Verdict.CHECK_AGAIN, policy.owed(30 * LIMIT, 0));
    checksAgain(CHECKS - 1, 30 * LIMIT, 0);
    // just before the window ends, it has caught up to the limit: not judged, the watch ends
    assertEquals(Verdict.KEEP, policy.check(LIMIT, 29 * LIMIT));
    assertFalse(policy.watching());
    assertNull(policy.rule());
  }

  @Test
  void aNewWatchStartsAfreshAfterCatchingUp() {
    policy.owed(LIMIT + 1, 0);
    checksAgain(CHECKS - 1, LIMIT + 1, 0);
    assertEquals(Verdict.KEEP, policy.check(0, LIMIT + 1));
    // behind again: the checks of the earlier watch do not count, it gets a whole window again
    assertEquals(Verdict.CHECK_AGAIN, policy.owed(LIMIT + 1, LIMIT + 1));
    checksAgain(CHECKS - 1, LIMIT + 1, LIMIT + 1);
    assertEquals(Verdict.DROP, policy.check(LIMIT + 1, LIMIT + 1));
    assertEquals(Rule.TOOK_NOTHING, policy.rule());
  }

  @Test
  void aNewWatchMeasuresFromWhereItStarts() {
    policy.owed(LIMIT + 1, 0);
    assertEquals(Verdict.KEEP, policy.check(LIMIT, 5 * LIMIT));
    // what was taken in the first watch is not progress in the second
    policy.owed(HARD + 1, 5 * LIMIT);
    checksAgain(CHECKS - 1, HARD + 1, 5 * LIMIT);
    assertEquals(Verdict.DROP, policy.check(HARD + 1, 6 * LIMIT - 1));
    assertEquals(Rule.TOOK_TOO_LITTLE, policy.rule());
  }

  @Test
  void theWindowIsJudgedAtEveryCheckOnceFull() {
    long taken = 0;
    policy.owed(HARD + 1, taken);
    for (int i = 0; i < 10; i++) {
      taken += LIMIT / CHECKS; // exactly the limit per window
      assertEquals(Verdict.CHECK_AGAIN, policy.check(HARD + 1, taken), "check " + (i + 1));
    }
    taken += LIMIT / CHECKS - 1; // one byte short over the last window
    assertEquals(Verdict.DROP, policy.check(HARD + 1, taken));
    assertEquals("took only 999 bytes in 2000 ms with 8001 bytes waiting", policy.why());
  }
}
