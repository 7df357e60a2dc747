package parley.journal;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * On-disk format of a room journal file ({@code <room>.journal}). All integers are big-endian.
 *
 * <pre>
 * file   := header frame*
 * header := magic u32 = 0x50524C4A ("PRLJ")
 *           version u16 = 1
 *           reserved u16 = 0
 *           seqFloor u64      -- highest seq ever written to this room before the file was (re)written;
 *                                lastSeq = max(seqFloor, last frame's seq), so seq never goes back
 *                                even when retention drops every record
 *           crc u32           -- CRC32C of the 16 bytes above
 * frame  := length u32        -- byte length of body (16 + payload length)
 *           crc u32           -- CRC32C of the length field followed by body
 *           body := seq u64, tsMillis u64, payload[length - 16]
 * </pre>
 *
 * A reader accepts frames while they are complete, have a plausible length, match their CRC and
 * have a seq strictly greater than the previous frame's; the first frame that fails ends the valid
 * data.
 */
final class JournalFormat {

  static final int MAGIC = 0x50524C4A; // "PRLJ"
  static final short VERSION = 1;
  static final int HEADER_SIZE = 20;
  static final int FRAME_HEADER_SIZE = 8;
  static final int BODY_FIXED_SIZE = 16;
  static final int MAX_PAYLOAD = 8 << 20; // 8 MiB: far above any chat event, a sanity bound
  static final int MAX_BODY = BODY_FIXED_SIZE + MAX_PAYLOAD;

  private JournalFormat() {}

  static ByteBuffer header(long seqFloor) {
    ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE);
    b.putInt(MAGIC).putShort(VERSION).putShort((short) 0).putLong(seqFloor);
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, 16);
    b.putInt((int) crc.getValue());
    return b.flip();
  }

  /** Encodes one frame; the returned buffer is ready to be written (position 0). */
  static ByteBuffer frame(long seq, long tsMillis, byte[] payload) {
    int bodyLen = BODY_FIXED_SIZE + payload.length;
    ByteBuffer b = ByteBuffer.allocate(FRAME_HEADER_SIZE + bodyLen);
    b.putInt(bodyLen).putInt(0).putLong(seq).putLong(tsMillis).put(payload);
    b.putInt(4, frameCrc(b.array(), 0, 8, bodyLen));
    return b.flip();
  }

  /**
   * CRC32C over the 4 length bytes at {@code lenOff} and the body of {@code bodyLen} bytes at
   * {@code bodyOff}.
   */
  private static int frameCrc(byte[] a, int lenOff, int bodyOff, int bodyLen) {
    CRC32C crc = new CRC32C();
    crc.update(a, lenOff, 4);
    crc.update(a, bodyOff, bodyLen);
    return (int) crc.getValue();
  }

  enum HeaderState {
    /** Valid header. */
    OK,
    /** Zero-length file (crash right after creation). */
    EMPTY,
    /** Shorter than a header but starts like one (crash while writing the header). */
    TORN,
    /** Not a journal file, or its header fails its CRC. */
    CORRUPT,
    /** A journal of a version this code does not know. */
    UNSUPPORTED_VERSION
  }

  /** Result of reading one journal file. */
  static final class Scan {
    HeaderState headerState;
    int version;
    long seqFloor;

    /** Valid records in order (only when collected). */
    final List<JournalRecord> records = new ArrayList<>();

    long count;
    long lastFrameSeq;

    /** Offset just past the last valid frame (or the header). */
    long goodEnd;

    long fileSize;

    /** Why reading stopped early, or null when the file ended cleanly. */
    String problem;

    long lastSeq() {
      return Math.max(seqFloor, lastFrameSeq);
    }
  }

  /**
   * Reads a journal file. Never throws for bad content: it reports it in {@link Scan#headerState}
   * and {@link Scan#problem}. Throws only for I/O errors.
   */
  static Scan scan(Path file, String room, boolean collect) throws IOException {
    return scan(file, room, collect, Long.MAX_VALUE);
  }

  /**
   * {@link #scan(Path, String, boolean)} of only the first {@code limit} bytes (the rest may be
   * growing).
   */
  static Scan scan(Path file, String room, boolean collect, long limit) throws IOException {
    Scan s = new Scan();
    s.fileSize = Math.min(Files.size(file), limit);
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      byte[] h = in.readNBytes(HEADER_SIZE);
      if (h.length == 0) {
        s.headerState = HeaderState.EMPTY;
        return s;
      }
      ByteBuffer hb = ByteBuffer.wrap(h);
      if (h.length < HEADER_SIZE) {
        boolean magicPrefix = true;
        for (int i = 0; i < Math.min(4, h.length); i++) {
          magicPrefix &= h[i] == (byte) (MAGIC >>> (24 - 8 * i));
        }
        s.headerState = magicPrefix ? HeaderState.TORN : HeaderState.CORRUPT;
        s.problem =
            "file shorter than its " + HEADER_SIZE + "-byte header (" + h.length + " bytes)";
        return s;
      }
      if (hb.getInt(0) != MAGIC) {
        s.headerState = HeaderState.CORRUPT;
        s.problem = "bad magic number";
        return s;
      }
      CRC32C hcrc = new CRC32C();
      hcrc.update(h, 0, 16);
      if ((int) hcrc.getValue() != hb.getInt(16)) {
        s.headerState = HeaderState.CORRUPT;
        s.problem = "header checksum mismatch";
        return s;
      }
      s.version = Short.toUnsignedInt(hb.getShort(4));
      if (s.version != VERSION) {
        s.headerState = HeaderState.UNSUPPORTED_VERSION;
        s.problem = "unsupported journal version " + s.version;
        return s;
      }
      s.headerState = HeaderState.OK;
      s.seqFloor = hb.getLong(8);
      long offset = HEADER_SIZE;
      s.goodEnd = offset;
      long prevSeq = 0;
      while (offset < s.fileSize) {
        byte[] fh = in.readNBytes(FRAME_HEADER_SIZE);
        if (fh.length == 0) {
          return s; // clean end
        }
        if (fh.length < FRAME_HEADER_SIZE) {
          s.problem =
              "truncated frame header (" + fh.length + " of " + FRAME_HEADER_SIZE + " bytes)";
          return s;
        }
        ByteBuffer fb = ByteBuffer.wrap(fh);
        int len = fb.getInt(0);
        int crc = fb.getInt(4);
        if (len < BODY_FIXED_SIZE || len > MAX_BODY) {
          s.problem = "implausible frame length " + Integer.toUnsignedString(len);
          return s;
        }
        long available = s.fileSize - offset - FRAME_HEADER_SIZE;
        if (len > available) {
          s.problem = "truncated frame (" + Math.max(0, available) + " of " + len + " body bytes)";
          return s;
        }
        byte[] body = in.readNBytes(len);
        if (body.length < len) {
          s.problem = "truncated frame (" + body.length + " of " + len + " body bytes)";
          return s;
        }
        CRC32C c = new CRC32C();
        c.update(fh, 0, 4);
        c.update(body, 0, len);
        if ((int) c.getValue() != crc) {
          s.problem = "frame checksum mismatch";
          return s;
        }
        ByteBuffer bb = ByteBuffer.wrap(body);
        long seq = bb.getLong(0);
        long ts = bb.getLong(8);
        if (seq <= prevSeq) {
          s.problem = "seq " + seq + " not greater than previous seq " + prevSeq;
          return s;
        }
        if (collect) {
          byte[] payload = new byte[len - BODY_FIXED_SIZE];
          System.arraycopy(body, BODY_FIXED_SIZE, payload, 0, payload.length);
          s.records.add(new JournalRecord(room, seq, ts, payload));
        }
        prevSeq = seq;
        s.count++;
        s.lastFrameSeq = seq;
        offset += FRAME_HEADER_SIZE + len;
        s.goodEnd = offset;
      }
      return s;
    }
  }
}
