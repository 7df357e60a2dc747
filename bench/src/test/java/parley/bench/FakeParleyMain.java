package parley.bench;

/**
 * Launches {@link FakeChatServer} the way Parley is launched (prints "telnet: N" and "http: N"), so
 * the harness's process handling can be smoke-tested before the real server exists:
 *
 * <pre>
 *   (cd target/test-classes && jar cfm ../fake-parley.jar ../../src/test/resources/fake-parley.mf parley)
 *   java -jar target/parley-bench.jar --targets parley --parley-jar target/fake-parley.jar ...
 * </pre>
 *
 * Its numbers mean nothing.
 */
public final class FakeParleyMain {
  private FakeParleyMain() {}

  public static void main(String[] args) throws Exception {
    FakeChatServer s = new FakeChatServer(1000).start();
    System.out.println("telnet: " + s.port(Proto.TELNET));
    System.out.println("http: " + s.port(Proto.WS));
    System.out.flush();
    Thread.currentThread().join();
  }
}
