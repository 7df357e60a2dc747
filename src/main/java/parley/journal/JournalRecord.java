package parley.journal;

import java.util.Arrays;
import java.util.Objects;

/**
 * One journaled history entry of a room.
 *
 * @param room room name, {@code [a-z0-9_-]{1,32}}
 * @param seq per-room sequence number, strictly increasing within a room, {@code > 0}
 * @param tsMillis event time in epoch milliseconds (used by age-based retention)
 * @param payload opaque bytes (the server stores the UTF-8 JSON of the event); not copied, so do
 *     not mutate it after handing it over. {@link Journal#append} encodes it before returning, so
 *     mutation after that call returns is harmless to the journal.
 */
public record JournalRecord(String room, long seq, long tsMillis, byte[] payload) {

  public JournalRecord {
    Objects.requireNonNull(room, "room");
    Objects.requireNonNull(payload, "payload");
  }

  /** Value equality, comparing the payload by content. */
  @Override
  public boolean equals(Object o) {
    return o instanceof JournalRecord r
        && seq == r.seq
        && tsMillis == r.tsMillis
        && room.equals(r.room)
        && Arrays.equals(payload, r.payload);
  }

  @Override
  public int hashCode() {
    return Objects.hash(room, seq, tsMillis) * 31 + Arrays.hashCode(payload);
  }

  @Override
  public String toString() {
    return "JournalRecord[room="
        + room
        + ", seq="
        + seq
        + ", tsMillis="
        + tsMillis
        + ", payload="
        + payload.length
        + " bytes]";
  }
}
