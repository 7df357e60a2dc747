package parley.telnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random byte streams, biased towards Telnet and terminal control bytes, randomly chunked: no
 * exception, the same result for every chunking, and no control byte or Telnet sequence ever
 * reaches a delivered line.
 */
class RandomStreamTest {

  private static final int STREAMS = 12_000;

  @Test
  void randomStreamsNeverLeakControlBytesIntoLines() {
    Random rnd = new Random(0x7e1e7L);
    int lines = 0;
    int charModeStreams = 0;
    for (int n = 0; n < STREAMS; n++) {
      byte[] stream = randomStream(rnd);
      int max = rnd.nextBoolean() ? 2000 : 1 + rnd.nextInt(40);
      Recorder.Run whole = Recorder.run(max, stream);
      Recorder.Run chunked = Recorder.run(max, stream, randomCuts(rnd, stream.length));
      assertEquals(whole.events(), chunked.events(), () -> "stream " + Arrays.toString(stream));
      if (!Arrays.equals(whole.output(), chunked.output())) {
        assertEquals(whole.outputHex(), chunked.outputHex(), "stream " + Arrays.toString(stream));
      }
      if (whole.events().contains("mode:char")) {
        charModeStreams++;
      }
      for (String e : whole.events()) {
        if (e.startsWith("line:")) {
          lines++;
          checkLine(e.substring(5), max, stream);
        } else if (e.startsWith("tooLong:")) {
          assertTrue(Integer.parseInt(e.substring(8)) > max, e);
        }
      }
      assertTrue(whole.output().length <= 64 * stream.length + 64, "output bounded by input");
    }
    assertTrue(lines > STREAMS, "the generator produces lines: " + lines);
    assertTrue(charModeStreams > STREAMS / 4, "both modes exercised: " + charModeStreams);
  }

  private static void checkLine(String line, int max, byte[] stream) {
    byte[] utf8 = line.getBytes(StandardCharsets.UTF_8);
    if (!new String(utf8, StandardCharsets.UTF_8).equals(line)) {
      fail("line is not well-formed UTF-16 (lone surrogate): " + Arrays.toString(stream));
    }
    assertTrue(utf8.length <= max + 2 * line.length(), "line length bounded");
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c < 0x20 || (c >= 0x7f && c < 0xa0)) {
        fail(
            "control character "
                + (int) c
                + " in line "
                + line
                + " from "
                + Arrays.toString(stream));
      }
    }
    for (byte b : utf8) {
      int v = b & 0xff;
      if (v == 0xff || v == 0xfe || (v >= 0xf5)) {
        fail("byte " + v + " in line " + line);
      }
    }
    // U+FFFD stands for invalid input; any real character 0xF0..0xFF came from valid UTF-8
  }

  private static int[] randomCuts(Random rnd, int len) {
    if (len < 2) {
      return new int[0];
    }
    int k = rnd.nextInt(Math.min(len, 12));
    return rnd.ints(k, 1, len).sorted().distinct().toArray();
  }

  private static final int[] TELNET = {
    255, 255, 255, 251, 252, 253, 254, 250, 240, 241, 242, 243, 244, 245, 246, 247, 248, 249
  };
  private static final int[] OPTIONS = {0, 1, 3, 24, 31, 34, 39, 99, 255};
  private static final int[] CONTROL = {
    '\r', '\n', 0, '\r', '\n', 0x08, 0x7f, 0x03, 0x04, 0x15, 0x17, 0x01, 0x05, 0x0b, 0x0c, 0x1b,
    0x09, 0x07
  };
  private static final String[] TEXT = {
    "a",
    "hello ",
    "é",
    "字",
    "😀",
    "e\u0301",
    "\u001b[A",
    "\u001b[D",
    "\u001b[3~",
    "\u001bOB",
    "\u001b[1;5C",
    "\u00ff",
    "\u0085",
    "\u2028"
  };

  private static byte[] randomStream(Random rnd) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int mode = rnd.nextInt(3);
    if (mode == 1) { // character mode from the start
      out.writeBytes(new byte[] {(byte) 255, (byte) 253, 1});
    } else if (mode == 2) { // full handshake with a small window
      out.writeBytes(
          new byte[] {
            (byte) 255,
            (byte) 253,
            1,
            (byte) 255,
            (byte) 250,
            31,
            0,
            (byte) (5 + rnd.nextInt(40)),
            0,
            24,
            (byte) 255,
            (byte) 240
          });
    }
    int len = rnd.nextInt(300);
    while (out.size() < len) {
      int kind = rnd.nextInt(10);
      switch (kind) {
        case 0, 1, 2 ->
            out.writeBytes(TEXT[rnd.nextInt(TEXT.length)].getBytes(StandardCharsets.UTF_8));
        case 3 -> out.write(TELNET[rnd.nextInt(TELNET.length)]);
        case 4 -> out.write(OPTIONS[rnd.nextInt(OPTIONS.length)]);
        case 5, 6 -> out.write(CONTROL[rnd.nextInt(CONTROL.length)]);
        case 7 -> out.write(rnd.nextInt(256));
        case 8 -> out.write(0x80 + rnd.nextInt(0x80)); // UTF-8 fragments and invalid bytes
        default -> { // a whole negotiation or subnegotiation
          int[] verbs = {251, 252, 253, 254};
          if (rnd.nextBoolean()) {
            out.write(255);
            out.write(verbs[rnd.nextInt(4)]);
            out.write(OPTIONS[rnd.nextInt(OPTIONS.length)]);
          } else {
            out.write(255);
            out.write(250);
            out.write(OPTIONS[rnd.nextInt(OPTIONS.length)]);
            for (int i = rnd.nextInt(8); i > 0; i--) {
              out.write(rnd.nextInt(256));
            }
            out.write(255);
            out.write(240);
          }
        }
      }
    }
    return out.toByteArray();
  }
}
