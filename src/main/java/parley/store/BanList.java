package parley.store;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Banned addresses, kept in {@code data-dir/bans.json} so that they survive a restart. Each ban may carry the
 * nickname it was made for (so {@code /unban nick} works) and an end time. Thread-safe.
 */
public final class BanList {
  private static final Logger LOG = LoggerFactory.getLogger(BanList.class);

  /** @param until null for a ban without end */
  public record Ban(String address, String nick, Instant until, String by) {
    boolean activeAt(Instant now) {
      return until == null || until.isAfter(now);
    }
  }

  private final Path file;
  private final Map<String, Ban> bans = new LinkedHashMap<>();

  private BanList(Path file) {
    this.file = file;
  }

  /** Reads the ban file if there is one; a damaged file is reported and set aside, never fatal. */
  public static BanList open(Path dataDir) {
    BanList list = new BanList(dataDir.resolve("bans.json"));
    if (Files.exists(list.file)) {
      try {
        JsonArray all = new JsonObject(Files.readString(list.file)).getJsonArray("bans", new JsonArray());
        for (int i = 0; i < all.size(); i++) {
          JsonObject b = all.getJsonObject(i);
          String until = b.getString("until");
          Ban ban = new Ban(b.getString("address"), b.getString("nick"), until == null ? null : Instant.parse(until),
              b.getString("by"));
          list.bans.put(ban.address(), ban);
        }
      } catch (IOException | RuntimeException e) {
        LOG.warn("ban list {} can't be read ({}); starting with no bans", list.file, e.toString());
      }
    }
    return list;
  }

  public synchronized Ban find(String address, Instant now) {
    Ban b = bans.get(address);
    return b != null && b.activeAt(now) ? b : null;
  }

  public synchronized void add(Ban ban) {
    bans.put(ban.address(), ban);
    save();
  }

  /** Lifts bans on the address, or on the addresses banned for that nickname. @return what was lifted */
  public synchronized List<Ban> remove(String addressOrNick) {
    List<Ban> lifted = new ArrayList<>();
    bans.values().removeIf(b -> {
      boolean match = b.address().equals(addressOrNick) || addressOrNick.equalsIgnoreCase(b.nick());
      if (match) {
        lifted.add(b);
      }
      return match;
    });
    if (!lifted.isEmpty()) {
      save();
    }
    return lifted;
  }

  private void save() {
    JsonArray all = new JsonArray();
    Instant now = Instant.now();
    for (Ban b : bans.values()) {
      if (b.activeAt(now)) {
        all.add(new JsonObject().put("address", b.address()).put("nick", b.nick())
            .put("until", b.until() == null ? null : b.until().toString()).put("by", b.by()));
      }
    }
    try {
      Files.createDirectories(file.getParent());
      Path tmp = file.resolveSibling("bans.json.tmp");
      Files.writeString(tmp, new JsonObject().put("bans", all).encodePrettily());
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      LOG.error("ban list {} can't be written: {}", file, e.toString());
    }
  }
}
