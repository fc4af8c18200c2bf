package dev.taskwire.master.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.master.Task;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Where the dispatcher places a job, without a master or a slave: labels, most free slots, round robin. */
class FleetSlotsTest {
  private final FleetSlots fleet = new FleetSlots();
  private long seq;

  /** A live connection as the dispatcher sees it, with the counts a test sets. */
  private static final class Member implements FleetMember {
    private final String name;
    private final List<String> labels;
    private final int slots;
    private final boolean reportsProgress;
    boolean connected = true;
    int tasksInFlight;

    Member(String name, int slots, boolean reportsProgress, String... labels) {
      this.name = name;
      this.slots = slots;
      this.reportsProgress = reportsProgress;
      this.labels = List.of(labels);
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public List<String> labels() {
      return labels;
    }

    @Override
    public int slots() {
      return slots;
    }

    @Override
    public boolean reportsProgress() {
      return reportsProgress;
    }

    @Override
    public boolean isConnected() {
      return connected;
    }

    @Override
    public int tasksInFlight() {
      return tasksInFlight;
    }

    @Override
    public Task newTask(Map<String, Object> data) {
      throw new UnsupportedOperationException("placement only");
    }
  }

  private Member live(String name, int slots, String... labels) {
    Member member = new Member(name, slots, false, labels);
    fleet.add(member);
    return member;
  }

  private JobRecord job(JobOptions options) {
    return new JobRecord("job-" + (++seq), Map.of(), options, seq);
  }

  private JobRecord job() {
    return job(JobOptions.DEFAULTS);
  }

  /** Places {@code job} and takes the slot, as a dispatch does; returns the connection's name, or null. */
  private String placeAndTake(JobRecord job) {
    FleetSlots.Entry entry = fleet.place(job);
    if (entry == null) {
      return null;
    }
    entry.attempts++;
    return entry.connection.name();
  }

  @Test
  void aJobGoesOnlyToAConnectionWithEveryLabelItRequires() {
    live("cpu", 8);
    live("gpu-only", 1, "gpu");
    live("gpu-big", 2, "gpu", "big");

    assertEquals("gpu-big", placeAndTake(job(JobOptions.builder().labels("gpu", "big").build())));
    assertEquals("gpu-big", placeAndTake(job(JobOptions.builder().labels("big").build())));
    assertNull(placeAndTake(job(JobOptions.builder().labels("big").build())), "gpu-big is full, and no other is big");
    assertEquals("gpu-only", placeAndTake(job(JobOptions.builder().labels("gpu").build())));
    assertNull(placeAndTake(job(JobOptions.builder().labels("tpu").build())));
  }

  @Test
  void aJobWithALeaseGoesOnlyToASlaveThatReportsProgress() {
    live("silent", 8);
    Member reporting = new Member("reporting", 1, true);
    fleet.add(reporting);
    JobOptions leased = JobOptions.builder().lease(Duration.ofSeconds(5)).build();

    assertEquals("reporting", placeAndTake(job(leased)));
    assertNull(placeAndTake(job(leased)), "the only slave that reports progress is full");
    assertEquals("silent", placeAndTake(job()));
  }

  @Test
  void theConnectionWithTheMostFreeSlotsTakesTheJob() {
    live("small", 2);
    live("large", 4);

    assertEquals("large", placeAndTake(job()), "2 free against 4");
    assertEquals("large", placeAndTake(job()), "2 free against 3");
    assertEquals("small", placeAndTake(job()), "2 against 2: a tie, and small's turn");
    assertEquals("large", placeAndTake(job()), "1 free against 2");
    assertEquals(2, fleet.totalFree());
  }

  @Test
  void tiesGoRoundRobin() {
    live("a", 10);
    live("b", 10);
    live("c", 10);

    // Placed without taking the slot, so that every placement is a tie.
    List<String> order = List.of(fleet.place(job()), fleet.place(job()), fleet.place(job()), fleet.place(job()))
        .stream().map(entry -> entry.connection.name()).toList();

    assertEquals(List.of("a", "b", "c", "a"), order);
  }

  @Test
  void aRetryAvoidsTheConnectionOfItsLastAttemptWhereAnotherCanTakeIt() {
    live("first", 1);
    FleetSlots.Entry busy = fleet.add(live("roomy", 8));
    JobRecord retry = job();
    retry.lastSlot = busy.serial;

    assertEquals("first", placeAndTake(retry), "roomy has more free slots, but the last attempt ran there");
    JobRecord again = job();
    again.lastSlot = busy.serial;
    assertEquals("roomy", placeAndTake(again), "no other has a free slot: back to where it ran");
  }

  @Test
  void aSlotIsTakenByATaskInFlightOrAnAttemptWhicheverCountIsLarger() {
    Member member = live("m", 3);
    FleetSlots.Entry entry = fleet.add(member);
    member.tasksInFlight = 2; // sent on the connection directly

    assertEquals(1, fleet.totalFree());
    entry.attempts = 2; // the scheduler's attempts, already among the tasks in flight
    assertEquals(1, fleet.totalFree());
    entry.attempts = 3;
    assertEquals(0, fleet.totalFree());
    assertNull(fleet.place(job()));
  }

  @Test
  void noConnectionIsSentMoreAtOnceThanItsShareOfTheSenderThreads() {
    FleetSlots.Entry entry = fleet.add(live("huge", 1_000));

    entry.pending.set(FleetSlots.MAX_SENDS_PER_CONNECTION);

    assertEquals(0, fleet.totalFree());
    entry.pending.decrementAndGet();
    assertEquals(1, fleet.totalFree());
  }

  @Test
  void aPausedConnectionTakesNoJobUntilItAcceptsOneAgain() {
    FleetSlots.Entry entry = fleet.add(live("flaky", 4));

    long first = fleet.pause(entry);
    long second = fleet.pause(entry);

    assertEquals(FleetSlots.FIRST_PAUSE_NANOS, first);
    assertEquals(2 * FleetSlots.FIRST_PAUSE_NANOS, second, "each busy answer in a row doubles the pause");
    assertTrue(entry.everPaused);
    assertNull(fleet.place(job()));
    fleet.accepted(entry);
    assertEquals("flaky", placeAndTake(job()));
  }

  @Test
  void anEndedConnectionNotYetRemovedTakesNoJob() {
    Member member = live("ending", 4);

    member.connected = false;

    assertEquals(0, fleet.totalFree());
    assertNull(fleet.place(job()));
    fleet.remove(member);
    assertTrue(fleet.isEmpty());
  }

  @Test
  void aConnectionAddedTwiceHasOneEntry() {
    Member member = live("once", 2);

    FleetSlots.Entry again = fleet.add(member);

    assertSame(fleet.find(member), again);
    assertEquals(Map.of("once", 2), fleet.freeByConnection());
  }

  @Test
  void anyWithTellsWhetherSomeConnectionCouldEverTakeAJob() {
    live("gpu", 1, "gpu");
    fleet.add(new Member("reporting", 1, true));

    assertTrue(fleet.anyWith(List.of("gpu"), false));
    assertFalse(fleet.anyWith(List.of("gpu"), true));
    assertTrue(fleet.anyWith(List.of(), true));
    assertFalse(fleet.anyWith(List.of("tpu"), false));
  }
}
