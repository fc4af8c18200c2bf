package dev.taskwire.master;

import dev.taskwire.common.protocol.Messages.Proof;
import java.util.List;

/**
 * What a slave announced in the {@code taskwire} block of its {@code /connect} answer, read by
 * {@link ConnectHandshake}. A reference slave announces nothing: {@link #NONE}.
 *
 * @param taskwireBlock whether the answer carried a {@code taskwire} object at all, readable or not
 *     (only Taskwire slaves join)
 * @param slots how many tasks the slave runs at once, 1 to {@link #MAX_SLOTS}
 * @param extensions the extensions the slave announced, in its order
 * @param labels the slave's valid labels, sorted
 * @param proof the slave's proof of the shared secret; null if it sent none
 * @param held the wire ids of the tasks the slave still runs or holds results of for this master
 *     (extension "adopt"), running ones first; empty if none
 */
record SlaveAnnouncement(boolean taskwireBlock, int slots, List<String> extensions, List<String> labels, Proof proof,
    List<String> held) {
  /** The most held task ids an announcement is believed for (the slave's outbox bound). */
  static final int MAX_HELD = 100_000;

  /** An announcement that holds nothing for this master. */
  SlaveAnnouncement(boolean taskwireBlock, int slots, List<String> extensions, List<String> labels, Proof proof) {
    this(taskwireBlock, slots, extensions, labels, proof, List.of());
  }

  /** The most slots a slave's announcement is believed; a larger number is taken as this. */
  static final int MAX_SLOTS = 10_000;

  /** What a reference slave announces: one slot, no extensions, no labels, no proof. */
  static final SlaveAnnouncement NONE = new SlaveAnnouncement(false, 1, List.of(), List.of(), null);
}
