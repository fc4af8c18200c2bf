package dev.taskwire.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.http.BaseUrl;
import dev.taskwire.common.protocol.Envelope;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How the master reads what a slave announced in its {@code /connect} answer; no server. */
class ConnectHandshakeTest {
  private static final BaseUrl SLAVE = BaseUrl.parse("http://127.0.0.1:7236");

  private static SlaveAnnouncement read(Map<String, Object> data) {
    return ConnectHandshake.announcement(Envelope.success("Connect success.", data), SLAVE);
  }

  private static SlaveAnnouncement readBlock(Map<String, Object> taskwire) {
    return read(Map.of("taskwire", taskwire));
  }

  @Test
  void aReferenceSlaveThatAnswersNoDataAnnouncesNothing() {
    assertEquals(SlaveAnnouncement.NONE, read(null));
    assertEquals(SlaveAnnouncement.NONE, read(Map.of("other", 1)));
    assertEquals(SlaveAnnouncement.NONE, read(Map.of("taskwire", "1.0")));
    assertFalse(SlaveAnnouncement.NONE.taskwireBlock());
    assertEquals(1, SlaveAnnouncement.NONE.slots());
  }

  @Test
  void aTaskwireBlockGivesSlotsExtensionsSortedLabelsAndProof() {
    SlaveAnnouncement announced = readBlock(Map.of("version", "1.0", "slots", 4,
        "extensions", List.of("progress", "cancel"), "labels", List.of("gpu", "big"),
        "proof", Map.of("timestamp", 1_700_000_000_000L, "mac", "ab12")));

    assertTrue(announced.taskwireBlock());
    assertEquals(4, announced.slots());
    assertEquals(List.of("progress", "cancel"), announced.extensions());
    assertEquals(List.of("big", "gpu"), announced.labels());
    assertEquals(1_700_000_000_000L, announced.proof().timestamp());
    assertEquals("ab12", announced.proof().mac());
  }

  @Test
  void slotsArePeerNumbersSoTheyAreBoundedAndNoneBelowOne() {
    assertEquals(SlaveAnnouncement.MAX_SLOTS, readBlock(Map.of("slots", 2_000_000_000)).slots());
    assertEquals(1, readBlock(Map.of("slots", 0)).slots());
    assertEquals(1, readBlock(Map.of("slots", -3)).slots());
  }

  @Test
  void invalidLabelsAreDroppedNotRefused() {
    assertEquals(List.of("ok"), readBlock(Map.of("labels", List.of("ok", "not ok", ""))).labels());
  }

  @Test
  void anUnreadableBlockCountsAsAReferenceSlaveButStillAsATaskwireBlock() {
    SlaveAnnouncement announced = readBlock(Map.of("slots", "many", "extensions", List.of("progress")));

    assertTrue(announced.taskwireBlock(), "only the join rule reads this: the slave did answer with a block");
    assertEquals(1, announced.slots());
    assertEquals(List.of(), announced.extensions());
    assertNull(announced.proof());
  }

  @Test
  void fieldsReadBeforeAnUnreadablePartAreKept() {
    Map<String, Object> block = new HashMap<>();
    block.put("slots", 3);
    block.put("extensions", Arrays.asList("progress", null));
    block.put("proof", Map.of("timestamp", 1L, "mac", "ab"));

    SlaveAnnouncement announced = readBlock(block);

    assertEquals(3, announced.slots());
    assertEquals(List.of(), announced.extensions());
    assertEquals(List.of(), announced.labels());
    assertNull(announced.proof(), "read after the extensions, so not read");
  }
}
