package parley.chat;

/**
 * Every error code the server sends, with its wire form (the {@code code} of an {@code error}
 * frame). This is the one list: docs/PROTOCOL.md documents exactly these (a test compares them).
 */
public enum ErrorCode {
  NICK_TAKEN,
  NICK_INVALID,
  BAD_JSON,
  BAD_TYPE,
  BAD_ID,
  BAD_HELLO,
  BAD_SAY,
  HELLO_FIRST,
  ALREADY_LOGGED_IN,
  LINE_TOO_LONG,
  UNKNOWN_COMMAND,
  USAGE,
  ROOM_INVALID,
  NO_ROOM,
  NOT_IN_ROOM,
  TOO_MANY_ROOMS,
  NO_SUCH_NICK,
  MUTED,
  NOT_OPERATOR,
  NOT_AVAILABLE,
  WRONG_PASSWORD,
  TOO_MANY_ATTEMPTS,
  NOT_STORED,
  BINARY_NOT_SUPPORTED,
  REFUSED,
  UNAVAILABLE,
  READ_ONLY,
  NOT_CONFIRMED,
  NICK_REGISTERED,
  NO_ACCOUNT,
  PASSWORD_INVALID,
  TOKEN_INVALID,
  OFFLINE_FULL,
  SEVERAL_CLIENTS,
  ACCOUNT_REQUIRED,
  BANNED;

  private final String code = name().toLowerCase(java.util.Locale.ROOT);

  /** The code as sent: the constant's name in lower case, e.g. {@code nick_taken}. */
  public String code() {
    return code;
  }
}
