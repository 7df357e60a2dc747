package parley.room;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import parley.chat.ErrorCode;
import parley.chat.Reply;
import parley.store.ReadOnlyException;

class StoreErrorsTest {

  @Test
  void aRefusedWriteIsReadOnlyAnUnconfirmedOneNotConfirmedAnythingElseNotStored() {
    Reply.Error refused = StoreErrors.reply(new ReadOnlyException("no majority"), "lost");
    assertEquals(ErrorCode.READ_ONLY, refused.errorCode());
    assertEquals(StoreErrors.READ_ONLY_TEXT, refused.message());

    Reply.Error unsure =
        StoreErrors.reply(
            new CompletionException(new ReadOnlyException("timed out", null, true)), "lost");
    assertEquals(ErrorCode.NOT_CONFIRMED, unsure.errorCode(), "found among the causes");

    Reply.Error other = StoreErrors.reply(new IllegalStateException("disk full"), "lost");
    assertEquals(new Reply.Error(ErrorCode.NOT_STORED, "lost"), other);
  }
}
