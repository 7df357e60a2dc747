package parley.chat;

/**
 * What a login offers for a registered nickname (docs/ACCOUNTS.md): nothing (a guest), the
 * account's password, or a browser session token; or a password with which to register the nickname
 * at once.
 *
 * @param password the password, or null
 * @param token a session token (as given in {@code welcome}), or null; never with a password
 * @param register register the nickname with {@code password} before taking it
 */
public record LoginProof(String password, String token, boolean register) {
  public static final LoginProof NONE = new LoginProof(null, null, false);

  /** A login with a password (null or empty: none). */
  public static LoginProof password(String password) {
    return new LoginProof(password, null, false);
  }

  /** No token material in logs. */
  @Override
  public String toString() {
    return "LoginProof[" + (token != null ? "token" : password != null ? "password" : "none") + "]";
  }
}
