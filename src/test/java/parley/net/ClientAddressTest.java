package parley.net;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The right-most X-Forwarded-For hop that is not a trusted proxy is the client. */
class ClientAddressTest {
  private static final TrustedProxies TRUSTED = TrustedProxies.of(List.of("10.0.0.0/8", "::1"));

  @Test
  void onlyTrustedHopsAreBelieved() {
    // an untrusted peer's header counts for nothing
    assertEquals("192.0.2.1", ClientAddress.forwarded("192.0.2.1", List.of("6.6.6.6"), TRUSTED));
    // a trusted peer: its entry is the client, whatever the client wrote to the left of it
    assertEquals(
        "198.51.100.1",
        ClientAddress.forwarded("10.0.0.1", List.of("6.6.6.6", "198.51.100.1"), TRUSTED));
    // a chain of trusted proxies is walked back to the first untrusted hop
    assertEquals(
        "198.51.100.1",
        ClientAddress.forwarded(
            "::1", List.of("6.6.6.6", "198.51.100.1", "10.9.9.9", "10.1.1.1"), TRUSTED));
    // no header: the peer itself
    assertEquals("10.0.0.1", ClientAddress.forwarded("10.0.0.1", List.of(), TRUSTED));
    // garbage stops the walk at the proxy that passed it on
    assertEquals(
        "10.1.1.1",
        ClientAddress.forwarded(
            "10.0.0.1", List.of("198.51.100.1", "unknown", "10.1.1.1"), TRUSTED));
    // addresses come out in the form operators type them
    assertEquals(
        "2001:db8::1", ClientAddress.forwarded("::1", List.of("[2001:DB8:0::1]"), TRUSTED));
    assertEquals("2001:db8::1", ClientAddress.canonical("2001:0db8:0:0:0:0:0:1"));
    assertEquals("alice", ClientAddress.canonical("alice"));
  }
}
