package parley.store;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import parley.chat.Account;
import parley.chat.AccountBook;
import parley.chat.OfflineMessage;
import parley.chat.PasswordHash;
import parley.chat.Role;

/**
 * The accounts of a single node ({@link AccountBook}), kept in {@code data-dir/accounts.json}:
 * password hashes, roles, remembered rooms, token hashes and offline messages. Never a password or
 * a token. Thread-safe: every read and change holds this object's lock.
 *
 * <p>A change returns at once with a future that completes when the file holding it is on disk
 * (written whole by one background thread, {@code parley-accounts}, with {@link DurableFile};
 * changes made during a write are coalesced into the next one, the latest state wins). So an
 * account a user was told is registered survives a kill -9. A file that can't be read stops the
 * start: starting without the accounts would let anyone take a registered nickname.
 */
public final class AccountFile {
  private static final Logger LOG = LoggerFactory.getLogger(AccountFile.class);
  private static final int FORMAT = 1;

  /** Null for a book kept in memory only. */
  private final Path file;

  private final AccountBook book = new AccountBook();

  /** The newest content not yet taken by the writer; null when the writer has taken it. */
  private final AtomicReference<byte[]> pending = new AtomicReference<>();

  /**
   * One ordered writer, started on demand; not a daemon, so a normal exit writes the last change.
   */
  private final ThreadPoolExecutor writer =
      new ThreadPoolExecutor(
          0,
          1,
          1,
          TimeUnit.SECONDS,
          new LinkedBlockingQueue<>(),
          r -> new Thread(r, "parley-accounts"));

  private AccountFile(Path file) {
    this.file = file;
  }

  /** Accounts kept in memory only (tests). */
  public static AccountFile inMemory() {
    return new AccountFile(null);
  }

  /**
   * Reads {@code data-dir/accounts.json} if there is one.
   *
   * @throws IllegalStateException when it exists and can't be read, naming the file
   */
  public static AccountFile open(Path dataDir) {
    AccountFile f = new AccountFile(dataDir.resolve("accounts.json"));
    if (Files.exists(f.file)) {
      try {
        f.read(new JsonObject(Files.readString(f.file)));
      } catch (IOException | RuntimeException e) {
        throw new IllegalStateException(
            "accounts file "
                + f.file
                + " can't be read ("
                + e.getMessage()
                + "); restore it from a backup",
            e);
      }
    }
    return f;
  }

  /** A read of the book. */
  public synchronized <T> T read(Function<AccountBook, T> read) {
    return read.apply(book);
  }

  /**
   * A change of the book; the future completes with its result once the file holding the change is
   * on disk (at once when nothing changed, or in memory only). It fails when the file can't be
   * written: the change then holds in memory but is not durable.
   */
  public <T> CompletableFuture<T> change(Function<AccountBook, T> change) {
    T result;
    synchronized (this) {
      long before = book.version();
      result = change.apply(book);
      if (file == null || book.version() == before) {
        return CompletableFuture.completedFuture(result);
      }
      pending.set(write());
    }
    return CompletableFuture.runAsync(this::writePending, writer).thenApply(v -> result);
  }

  /** Completes once every change made before is on disk (or its write failed). Never fails. */
  public CompletableFuture<Void> flush() {
    return CompletableFuture.runAsync(() -> {}, writer);
  }

  /** Writer thread: writes the newest content, unless an earlier task already wrote it. */
  private void writePending() {
    byte[] content = pending.getAndSet(null);
    if (content == null) {
      return; // an earlier task wrote a state that includes this change
    }
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      DurableFile.replace(file, content);
    } catch (IOException e) {
      LOG.error("accounts file {} can't be written: {}", file, e.toString());
      throw new java.io.UncheckedIOException(e);
    }
  }

  private byte[] write() {
    JsonArray accounts = new JsonArray();
    for (Account a : book.accounts()) {
      JsonArray roles = new JsonArray();
      a.roles().forEach(r -> roles.add(r.label()));
      JsonObject rooms = new JsonObject();
      a.rooms().forEach(rooms::put);
      JsonArray tokens = new JsonArray();
      for (Account.Token t : a.tokens()) {
        tokens.add(
            new JsonObject()
                .put("hash", t.hash())
                .put("scope", t.scope())
                .put("created", t.created().toString()));
      }
      accounts.add(
          new JsonObject()
              .put("name", a.name())
              .put("password", a.password().encode())
              .put("roles", roles)
              .put("created", a.created().toString())
              .put("rooms", rooms)
              .put("tokens", tokens));
    }
    JsonObject offline = new JsonObject();
    for (Map.Entry<String, AccountBook.Mailbox> e : book.mailboxes().entrySet()) {
      JsonArray messages = new JsonArray();
      for (OfflineMessage m : e.getValue().messages()) {
        messages.add(
            new JsonObject()
                .put("id", m.id())
                .put("from", m.from())
                .put("via", m.via())
                .put("text", m.text())
                .put("at", m.at().toString()));
      }
      offline.put(
          e.getKey(),
          new JsonObject().put("lastId", e.getValue().lastId()).put("messages", messages));
    }
    return new JsonObject()
        .put("format", FORMAT)
        .put("accounts", accounts)
        .put("offline", offline)
        .encodePrettily()
        .getBytes(StandardCharsets.UTF_8);
  }

  private void read(JsonObject json) {
    int format = json.getInteger("format", 0);
    if (format != FORMAT) {
      throw new IllegalArgumentException("unknown format " + format);
    }
    for (Object o : json.getJsonArray("accounts", new JsonArray())) {
      JsonObject a = (JsonObject) o;
      EnumSet<Role> roles = EnumSet.noneOf(Role.class);
      for (Object r : a.getJsonArray("roles", new JsonArray())) {
        Role role = Role.parse((String) r);
        if (role == null) {
          throw new IllegalArgumentException("unknown role " + r);
        }
        roles.add(role);
      }
      Map<String, Long> rooms = new LinkedHashMap<>();
      a.getJsonObject("rooms", new JsonObject())
          .forEach(e -> rooms.put(e.getKey(), ((Number) e.getValue()).longValue()));
      List<Account.Token> tokens = new ArrayList<>();
      for (Object t : a.getJsonArray("tokens", new JsonArray())) {
        JsonObject tj = (JsonObject) t;
        tokens.add(
            new Account.Token(
                tj.getString("hash"),
                tj.getString("scope"),
                Instant.parse(tj.getString("created"))));
      }
      book.restore(
          new Account(
              a.getString("name"),
              PasswordHash.parse(a.getString("password")),
              roles,
              Instant.parse(a.getString("created")),
              rooms,
              tokens));
    }
    json.getJsonObject("offline", new JsonObject())
        .forEach(
            e -> {
              JsonObject box = (JsonObject) e.getValue();
              List<OfflineMessage> messages = new ArrayList<>();
              for (Object m : box.getJsonArray("messages", new JsonArray())) {
                JsonObject mj = (JsonObject) m;
                messages.add(
                    new OfflineMessage(
                        mj.getLong("id"),
                        mj.getString("from"),
                        mj.getString("via"),
                        mj.getString("text"),
                        Instant.parse(mj.getString("at"))));
              }
              book.restore(e.getKey(), new AccountBook.Mailbox(box.getLong("lastId"), messages));
            });
  }
}
