package parley.bench;

/** A chat server process the harness started (or, in tests, an in-process stand-in). */
interface ServerUnderTest extends AutoCloseable {
  /** "parley" or "ngircd". */
  String name();

  /** PID whose /proc entries give the server's CPU and memory. */
  long pid();

  boolean supports(Proto p);

  int port(Proto p);

  /** One line for the report: version, flags. */
  String describe();

  @Override
  void close();
}
