package parley.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ErrorCodeTest {
  private static final Pattern ROW = Pattern.compile("^\\| `([a-z_]+)` \\|");

  /** docs/PROTOCOL.md's table of error codes lists exactly the codes the server sends. */
  @Test
  void protocolDocumentsExactlyTheErrorCodes() throws Exception {
    List<String> lines = Files.readAllLines(Path.of("docs/PROTOCOL.md"));
    int start = lines.indexOf("### Error codes");
    assertTrue(start >= 0, "docs/PROTOCOL.md has a section \"### Error codes\"");
    Set<String> documented = new TreeSet<>();
    for (String line : lines.subList(start + 1, lines.size())) {
      if (line.startsWith("#")) {
        break;
      }
      Matcher m = ROW.matcher(line);
      if (m.find()) {
        assertTrue(documented.add(m.group(1)), "documented twice: " + m.group(1));
      }
    }
    Set<String> codes =
        Arrays.stream(ErrorCode.values())
            .map(ErrorCode::code)
            .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(codes, documented);
  }

  @Test
  void wireCodeIsTheLowerCaseName() {
    assertEquals("nick_taken", ErrorCode.NICK_TAKEN.code());
    assertEquals("too_many_attempts", ErrorCode.TOO_MANY_ATTEMPTS.code());
  }
}
