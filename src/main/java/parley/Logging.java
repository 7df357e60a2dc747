package parley;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import java.net.URL;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;

/**
 * Adds the chat transcript appender ({@code chatlog.xml}), writing to {@code data-dir/chat.log}.
 */
final class Logging {
  private Logging() {}

  static void useDataDir(Path dataDir) {
    System.setProperty("parley.dataDir", dataDir.toString());
    URL chatlog = Logging.class.getResource("/chatlog.xml");
    if (chatlog != null && LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      try {
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(chatlog);
      } catch (Exception e) {
        System.err.println("parley: the chat log could not be set up: " + e.getMessage());
      }
    }
  }
}
