package parley.support;

import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.IOException;
import java.security.GeneralSecurityException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/** TLS clients for tests: they trust any certificate, e.g. the server's self-signed one. */
public final class TrustAll {
  /** A client context that trusts every certificate. */
  public static final SSLContext CONTEXT = context();

  private TrustAll() {}

  private static SSLContext context() {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A TLS connection to {@code host:port} from the local address {@code from} (null: any), with its
   * handshake done and a 10 s read timeout.
   */
  public static SSLSocket connect(String from, String host, int port) throws IOException {
    SSLSocket socket =
        (SSLSocket)
            CONTEXT
                .getSocketFactory()
                .createSocket(LineClient.connect(from, host, port), host, port, true);
    socket.setSoTimeout(10_000);
    socket.startHandshake();
    return socket;
  }

  /** The same from any local address. */
  public static SSLSocket connect(int port) throws IOException {
    return connect(null, "127.0.0.1", port);
  }
}
