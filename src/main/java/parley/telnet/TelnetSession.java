package parley.telnet;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import parley.chat.Action;
import parley.chat.ChatEvent;
import parley.chat.ErrorCode;
import parley.chat.LoginProof;
import parley.chat.Nick;
import parley.chat.Reply;
import parley.net.Channels;
import parley.room.BaseSession;
import parley.room.ChatService;
import parley.room.Outbox;
import parley.room.Outgoing;
import parley.room.RoomHub;

/**
 * The telnet adapter: decodes the byte stream into lines ({@link TelnetInput}), hands them to the
 * chat service, and renders events and replies as terminal text into the connection's {@link
 * Outbox}.
 */
public final class TelnetSession extends BaseSession implements TelnetInput.Listener {
  private static final Logger LOG = LoggerFactory.getLogger(TelnetSession.class);
  private static final String NICK_PROMPT = "Nickname: ";
  private static final String CHAT_PROMPT = "> ";

  private final NetSocket socket;
  private final String address;
  private TelnetInput input;
  private boolean loggingIn;

  /** The passwords being asked for, without echo; null when none is. */
  private Asking asking;

  private final ArrayDeque<String> early = new ArrayDeque<>();

  /**
   * @param address the client's address ({@link parley.net.ClientAddress})
   */
  public TelnetSession(
      ChatService service, RoomHub hub, NetSocket socket, String id, String address) {
    super(service, hub, id, "telnet");
    this.socket = socket;
    this.address = address;
  }

  public void start() {
    input = new TelnetInput(limits.maxLineBytes(), this);
    // the server echoes every message back to its sender, so the typed line need not stay on screen
    input.keepSubmittedLine(false);
    if (!open(Channels.of(socket))) {
      return;
    }
    outbox.framing(
        new Outbox.Framing() {
          @Override
          public byte[] before() {
            return input.beforeOutput();
          }

          @Override
          public byte[] after() {
            // once closing, the goodbye stays the last line: no prompt and input are drawn after it
            return closing ? input.takeOutput() : input.afterOutput();
          }
        });
    socket.handler(this::onData);
    socket.closeHandler(v -> onClosed());
    socket.exceptionHandler(
        err -> {
          LOG.debug("{} socket error: {}", id(), err.toString());
          failed(err);
        });
    outbox.append(input.greeting());
    outbox.append(
        ("Welcome to Parley, " + service.localUsers() + " online here." + TelnetFormat.CRLF)
            .getBytes(StandardCharsets.UTF_8));
    promptForNick();
  }

  private void promptForNick() {
    input.prompt(NICK_PROMPT);
    if (!input.characterMode()) {
      outbox.append(NICK_PROMPT.getBytes(StandardCharsets.UTF_8));
    }
    sendEcho();
  }

  private void onData(Buffer data) {
    heard();
    byte[] bytes = data.getBytes();
    input.feed(bytes, 0, bytes.length);
    sendEcho();
  }

  /**
   * Sends the line editor's own output (negotiation replies, echo, redraws). While chat output is
   * framed in this turn, it stays with the editor: the framing's closing {@code afterOutput()}
   * sends it first.
   */
  private void sendEcho() {
    if (!outbox.framed()) {
      byte[] echo = input.takeOutput();
      if (echo.length > 0) {
        outbox.append(echo);
      }
    }
  }

  // ---- TelnetInput.Listener ----

  @Override
  public void line(String text) {
    if (closing) {
      return;
    }
    if (asking != null) {
      answer(text.strip());
    } else if (state.nick != null) {
      if (!askedFor(text)) {
        service.input(this, text);
      }
    } else if (loggingIn) {
      if (early.size() < 16) {
        early.add(text);
      }
    } else {
      login(text.strip());
    }
  }

  /** A nickname typed at the prompt: a registered one asks for its password first. */
  private void login(String nick) {
    if (nick.isEmpty()) {
      promptForNick();
      return;
    }
    loggingIn = true;
    service
        .registered(nick)
        .onComplete(
            ar -> {
              loggingIn = false;
              if (closing) {
                return;
              }
              if (ar.succeeded() && ar.result()) {
                // lines typed ahead of the prompt may be the password: never say them in a room
                early.clear();
                ask(a -> login(nick, a[0], false), "Password for " + nick + ": ");
              } else if (ar.succeeded()
                  && service.accountsRequired()
                  && Nick.problem(nick, limits.nickLength()) == null) {
                early.clear();
                writeLines(
                    List.of(
                        "*** This server needs an account: "
                            + nick
                            + " is not registered. Choose a password to register it (just Enter"
                            + " to choose another nickname)."));
                ask(
                    a -> {
                      if (same(a[0], a[1])) {
                        login(nick, a[0], true);
                      } else {
                        promptForNick();
                      }
                    },
                    "New password for " + nick + ": ",
                    "Again: ");
              } else {
                login(nick, null, false);
              }
            });
  }

  private void login(String nick, String password, boolean register) {
    loggingIn = true;
    service
        .login(this, nick, new LoginProof(password, null, register), null, Map.of(), null)
        .onComplete(
            ar -> {
              loggingIn = false;
              if (closing) {
                return;
              }
              if (ar.succeeded() && ar.result()) {
                loggedIn();
                input.prompt(CHAT_PROMPT);
                sendEcho();
                while (!early.isEmpty() && state.nick != null) {
                  line(early.poll());
                }
              } else {
                if (ar.failed()) {
                  LOG.warn("{} login failed: {}", id(), ar.cause().toString());
                  writeLines(
                      TelnetFormat.render(
                          new Reply.Error(
                              ErrorCode.UNAVAILABLE,
                              "the server could not check that nickname; try again"),
                          state.color,
                          state.ascii));
                }
                promptForNick();
                String next = early.poll();
                early.clear();
                if (next != null) {
                  line(next);
                }
              }
            });
  }

  /**
   * {@code /register}, {@code /identify} ({@code /login}) and {@code /password} without arguments
   * ask for the password(s) without echo; the command then goes to the service as an action, never
   * as a line. @return whether {@code text} was one of them
   */
  private boolean askedFor(String text) {
    switch (text.strip().toLowerCase(Locale.ROOT)) {
      case "/register" ->
          ask(
              a -> {
                if (same(a[0], a[1])) {
                  service.input(this, new Action.Register(a[0]));
                }
              },
              "New password: ",
              "Again: ");
      case "/identify", "/login" ->
          ask(
              a -> service.input(this, new Action.Identify(a[0])),
              "Password for " + state.nick + ": ");
      case "/password" ->
          ask(
              a -> {
                if (same(a[1], a[2])) {
                  service.input(this, new Action.ChangePassword(a[0], a[1]));
                }
              },
              "Old password: ",
              "New password: ",
              "Again: ");
      default -> {
        return false;
      }
    }
    return true;
  }

  /** Asks for passwords, one secret line per prompt, then hands them to {@code then}. */
  private void ask(Consumer<String[]> then, String... prompts) {
    asking = new Asking(prompts, then);
    secretPrompt(prompts[0]);
  }

  private void secretPrompt(String prompt) {
    input.prompt(prompt);
    input.readSecret();
    if (!input.characterMode()) {
      outbox.append(prompt.getBytes(StandardCharsets.UTF_8));
    }
    sendEcho();
  }

  /** A secret line: the next answer; an empty one gives up. */
  private void answer(String secret) {
    Asking a = asking;
    if (secret.isEmpty()) {
      asking = null;
      if (state.nick == null) {
        promptForNick();
      } else {
        input.prompt(CHAT_PROMPT);
        writeLines(List.of("*** Cancelled."));
        sendEcho();
      }
      return;
    }
    a.answers[a.next++] = secret;
    if (a.next < a.answers.length) {
      secretPrompt(a.prompts[a.next]);
      return;
    }
    asking = null;
    if (state.nick != null) {
      input.prompt(CHAT_PROMPT);
      sendEcho();
    }
    a.then.accept(a.answers);
  }

  /** Whether a new password and its repetition match; the user is told when not. */
  private boolean same(String password, String again) {
    if (password.equals(again)) {
      return true;
    }
    reply(
        new Reply.Error(
            ErrorCode.PASSWORD_INVALID, "the two passwords differ; nothing was changed"));
    return false;
  }

  /** Passwords asked for: the prompts, the answers so far, and what gets them. */
  private static final class Asking {
    final String[] prompts;
    final String[] answers;
    final Consumer<String[]> then;
    int next;

    Asking(String[] prompts, Consumer<String[]> then) {
      this.prompts = prompts;
      this.answers = new String[prompts.length];
      this.then = then;
    }
  }

  @Override
  public void lineTooLong(int bytes) {
    reply(
        new Reply.Error(
            ErrorCode.LINE_TOO_LONG,
            "that line was "
                + bytes
                + " bytes; the limit is "
                + limits.maxLineBytes()
                + ", so it was not sent"));
  }

  @Override
  public void quit() {
    close("quit");
  }

  @Override
  public void windowSize(int cols, int rows) {
    // later lines are wrapped to the new width; the editor redraws the input line itself
  }

  @Override
  public void terminalType(String type) {
    if (!state.colorChosen) {
      state.color = input.colorCapable();
    }
  }

  @Override
  public void modeChanged(boolean characterMode) {}

  /** A raw client (nc) gets no probe: TCP keepalive and the TCP user timeout notice it. */
  @Override
  protected boolean probeable() {
    return input.speaksTelnet();
  }

  @Override
  protected void probe() {
    input.probe();
    sendEcho();
  }

  // ---- Session ----

  @Override
  public String address() {
    return address;
  }

  @Override
  public void deliver(Outgoing out) {
    if (closing) {
      return;
    }
    ChatEvent e = out.event;
    if (e.type() == ChatEvent.Type.PRIVATE) {
      // rendered per viewer (its look depends on the side), and wrapped at the window width like
      // room lines
      writeLines(List.of(TelnetFormat.render(e, state.color, state.ascii, state.nick)));
      return;
    }
    boolean prefixed =
        e.room() != null && state.rooms.size() > 1 && !e.room().equals(state.currentRoom);
    int columns = input.columns();
    byte[] line = out.get(TelnetFormat.event(state.color, state.ascii));
    byte[] prefix = prefixed ? out.get(TelnetFormat.ROOM_PREFIX) : null;
    // room names are ASCII, so the prefix's width is its length in bytes; a line's bytes are never
    // fewer than its display width, so short lines skip the width
    int prefixWidth = prefix == null ? 0 : prefix.length;
    if (columns > 0
        && line.length + prefixWidth > columns
        && out.get(TelnetFormat.width(state.ascii)) + prefixWidth > columns) {
      // possibly wider than this terminal: wrap it for this session (the shared bytes stay as they
      // are)
      String text =
          (prefixed ? TelnetFormat.roomPrefix(e) : "")
              + TelnetFormat.render(e, state.color, state.ascii, state.nick);
      writeLines(List.of(text));
    } else if (prefixed) {
      outbox.appendFramed(prefix);
      outbox.append(line);
    } else {
      outbox.appendFramed(line);
    }
  }

  @Override
  public void reply(Reply reply) {
    if (!closing) {
      writeLines(TelnetFormat.render(reply, state.color, state.ascii));
    }
  }

  private void writeLines(Iterable<String> lines) {
    StringBuilder b = new StringBuilder();
    int columns = input.columns();
    for (String l : lines) {
      for (String row : TelnetFormat.ROWS.split(l, -1)) {
        for (String part :
            TerminalText.wrap(row, columns)) { // the row itself when it fits or columns <= 0
          b.append(part).append(TelnetFormat.CRLF);
        }
      }
    }
    outbox.appendFramed(b.toString().getBytes(StandardCharsets.UTF_8));
  }

  @Override
  protected void refuse(String text) {
    writeLines(List.of("*** " + text));
  }

  @Override
  protected void bye(String reason) {
    writeLines(List.of("*** Goodbye (" + reason + ")"));
  }

  @Override
  protected void closeConnection(int status, String reason) {
    socket.close();
  }

  @Override
  protected void tellDirectly(String text) {
    Channels.writeNow(channel, ("\r\n*** " + text + "\r\n").getBytes(StandardCharsets.UTF_8));
  }
}
