package parley.bench;

/** Wire protocol a load client speaks. */
public enum Proto {
  /** Parley telnet side, plain line mode. */
  TELNET,
  /** Parley WebSocket side, JSON text frames on /chat/ws. */
  WS,
  /** RFC 1459/2812 IRC, used against ngircd. */
  IRC;

  public static Proto parse(String s) {
    return switch (s.toLowerCase()) {
      case "telnet" -> TELNET;
      case "ws", "websocket" -> WS;
      case "irc" -> IRC;
      default -> throw new IllegalArgumentException("unknown protocol: " + s);
    };
  }

  public String label() {
    return name().toLowerCase();
  }
}
