package dev.taskwire.master.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.master.Master;
import dev.taskwire.master.TaskFailure.Reason;
import dev.taskwire.master.TestMasters;
import dev.taskwire.slave.Slave;
import dev.taskwire.slave.TaskFail;
import dev.taskwire.slave.TestSlaves;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Jobs that depend on jobs: passing modes, combined jobs, failure and cancel spreading, long chains and wide fan-ins. */
class WorkflowTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @RegisterExtension final Servers servers = new Servers();
  /** The data each job's attempt carried to the slave, by the job's {@code step}. */
  private final Map<Object, Map<String, Object>> received = new ConcurrentHashMap<>();
  /** Every step the slaves ran, in order, a retry again. */
  private final List<Object> ran = new CopyOnWriteArrayList<>();
  private Master master;
  private Scheduler scheduler;

  @BeforeEach
  void startMaster() {
    master = servers.start(TestMasters.loopback().queueCapacity(30_000).build().start());
    scheduler = master.scheduler();
  }

  /** Answers a job's {@code "returns"} (or its sum of a and b), or fails it if it says {@code "fail"}. */
  @SuppressWarnings("unchecked")
  private Map<String, Object> process(Map<String, Object> data) {
    Object step = data.get("step");
    if (step != null) {
      received.put(step, data);
      ran.add(step);
    }
    if (Boolean.TRUE.equals(data.get("fail"))) {
      throw new TaskFail(Map.of("error", "asked to"), "asked to fail");
    }
    if (data.get("returns") != null) {
      return (Map<String, Object>) data.get("returns");
    }
    return Map.of("sum", ((Number) data.getOrDefault("a", 0)).intValue() + ((Number) data.getOrDefault("b", 0)).intValue());
  }

  private void connectSlave(int slots) throws Exception {
    Slave slave = servers.start(TestSlaves.loopback().slots(slots).processor(this::process)
        .gracePeriod(Duration.ofMillis(100)).build().start());
    master.newConnection("slave-" + slave.port(), Servers.LOOPBACK, slave.port()).connect();
  }

  private static Map<String, Object> step(String name, Map<String, Object> returns) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("step", name);
    data.put("returns", returns);
    return data;
  }

  private static JobOptions named(String name, Job... after) {
    return JobOptions.builder().name(name).after(after).build();
  }

  /** A diamond A -> B, C -> D whose D passes results as {@code passing} and has data of its own. */
  private Map<String, Object> diamond(Passing passing) throws Exception {
    received.clear();
    ran.clear();
    Job a = scheduler.submit(step("A", Map.of("from", "A")), named("A"));
    Job b = scheduler.submit(step("B", Map.of("x", "B", "b", 2)), named("B", a));
    Job c = scheduler.submit(step("C", Map.of("x", "C", "c", 3)), named("C", a));
    Map<String, Object> own = new LinkedHashMap<>(step("D", Map.of("done", true)));
    own.put("x", "own");
    Job d = scheduler.submit(own, JobOptions.builder().name("D").after(b, c).passing(passing).build());
    assertEquals(JobStatus.COMPLETED, d.join(WAIT).status(), d::toString);
    assertEquals(List.of(b.id(), c.id()), d.upstreams());
    assertEquals(List.of(b.id(), c.id()), a.downstreams());
    assertEquals(received.get("D"), d.sentData(), "what the job says it sent is what the slave got");
    assertTrue(ran.indexOf("D") > ran.indexOf("B") && ran.indexOf("D") > ran.indexOf("C"), () -> "D after B and C: " + ran);
    return received.get("D");
  }

  @Test
  void aDiamondPassesResultsByEachMode() throws Exception {
    connectSlave(4);

    Map<String, Object> nest = diamond(Passing.NEST);
    assertEquals("own", nest.get("x"), "nothing of D's own data is overwritten");
    assertEquals(Map.of("done", true), nest.get("returns"));
    assertEquals(Map.of("B", Map.of("x", "B", "b", 2), "C", Map.of("x", "C", "c", 3)), nest.get("upstream"));
    assertEquals(List.of("B", "C"), List.copyOf(((Map<?, ?>) nest.get("upstream")).keySet()), "in the order given");

    Map<String, Object> merge = diamond(Passing.MERGE);
    assertEquals("C", merge.get("x"), "upstreams in order, the later one winning, over D's own entry too");
    assertEquals(2, merge.get("b"));
    assertEquals(3, merge.get("c"));
    assertFalse(merge.containsKey("upstream"));

    Map<String, Object> none = diamond(Passing.NONE);
    assertEquals(Map.of("step", "D", "returns", Map.of("done", true), "x", "own"), none);
  }

  @Test
  void anUnnamedUpstreamIsNestedUnderItsId() throws Exception {
    connectSlave(1);
    Job a = scheduler.submit(step("A", Map.of("v", 1)));
    Job b = scheduler.submit(Map.of("step", "B"), JobOptions.builder().after(a).build()).join(WAIT);
    assertEquals(Map.of(a.id(), Map.of("v", 1)), received.get("B").get("upstream"));
    assertEquals(JobStatus.COMPLETED, b.status());
    // An upstream already completed counts as done: the job is queued at once.
    Job c = scheduler.submit(Map.of("step", "C"), JobOptions.builder().after(a).passing(Passing.NONE).build()).join(WAIT);
    assertEquals(JobStatus.COMPLETED, c.status());
    assertEquals(List.of(b.id(), c.id()), a.downstreams());
  }

  @Test
  void aFanInOfAThousandCombinesOnTheMaster() throws Exception {
    connectSlave(4);
    connectSlave(4);
    List<Job> parts = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      parts.add(scheduler.submit(Map.of("a", i, "b", 1)));
    }
    AtomicInteger calls = new AtomicInteger();
    Job total = scheduler.combine(parts, results -> {
      calls.incrementAndGet();
      long sum = 0;
      for (Map<String, Object> result : results) {
        sum += ((Number) result.get("sum")).longValue();
      }
      return Map.of("total", sum, "parts", results.size());
    });
    assertEquals(JobStatus.COMPLETED, total.join(WAIT).status(), total::toString);
    long expected = 0;
    for (int i = 0; i < 1_000; i++) {
      expected += i + 1;
    }
    assertEquals(Map.of("total", expected, "parts", 1_000), total.result());
    assertEquals(1, calls.get());
    assertTrue(total.isCombined());
    assertEquals(List.of(), total.attempts(), "combined on the master: never sent");
  }

  @Test
  void aCombinationCanBeSentToASlaveAsAJob() throws Exception {
    connectSlave(2);
    Job a = scheduler.submit(Map.of("a", 1, "b", 2));
    Job b = scheduler.submit(Map.of("a", 10, "b", 20));
    Job sum = scheduler.combineAsTask(List.of(a, b), results -> Map.of("step", "sum",
        "a", results.get(0).get("sum"), "b", results.get(1).get("sum")), JobOptions.DEFAULTS).join(WAIT);
    assertEquals(Map.of("sum", 33), sum.result(), "the slave summed the combination");
    assertEquals(Map.of("step", "sum", "a", 3, "b", 30), received.get("sum"));
    assertEquals(1, sum.attempts().size());
  }

  @Test
  void aFunctionThatThrowsFailsTheCombinedJob() throws Exception {
    connectSlave(1);
    Job a = scheduler.submit(Map.of("a", 1, "b", 2));
    Job after = scheduler.combine(List.of(a), results -> {
      throw new IllegalStateException("no");
    });
    Job downstream = scheduler.submit(Map.of("step", "never"), JobOptions.builder().after(after).build());
    assertEquals(JobStatus.FAILED, after.join(WAIT).status());
    assertEquals(Reason.COMBINE_FAILED, after.failure().reason());
    assertEquals(Reason.UPSTREAM_FAILED, downstream.join(WAIT).failure().reason());
  }

  @Test
  void anUpstreamFailingAfterItsRetriesFailsItsWholeConeOnceEach() throws Exception {
    List<SchedulerEvent> finals = new CopyOnWriteArrayList<>();
    scheduler.addListener(event -> {
      if (event.type().isFinal()) {
        finals.add(event);
      }
    });
    connectSlave(2);
    Map<String, Object> failing = new LinkedHashMap<>(step("A", Map.of()));
    failing.put("fail", true);
    Job a = scheduler.submit(failing, JobOptions.builder().name("A").retryOn(Reason.SLAVE_FAILED).backoff(Backoff.NONE)
        .maxAttempts(2).build());
    Job b = scheduler.submit(step("B", Map.of()), named("B", a));
    Job c = scheduler.submit(step("C", Map.of()), named("C", b));
    Job d = scheduler.submit(step("D", Map.of()), named("D", a, b));
    Job e = scheduler.submit(step("E", Map.of()), named("E", c));
    Job other = scheduler.submit(step("other", Map.of()));
    List<Job> cone = List.of(b, c, d, e);
    Map<String, AtomicInteger> failCallbacks = new ConcurrentHashMap<>();
    for (Job job : cone) {
      assertEquals(JobStatus.WAITING, job.status());
      job.onFail((data, result) -> failCallbacks.computeIfAbsent(job.id(), id -> new AtomicInteger()).incrementAndGet());
    }
    assertEquals(JobStatus.FAILED, a.join(WAIT).status());
    assertEquals(2, a.attempts().size(), "retried before anything downstream was decided");
    for (Job job : cone) {
      job.join(WAIT);
      assertEquals(JobStatus.FAILED, job.status(), job::toString);
      assertEquals(Reason.UPSTREAM_FAILED, job.failure().reason());
      assertEquals(List.of(), job.attempts(), "never sent");
    }
    assertTrue(b.failure().message().contains("its upstream A ended FAILED"), b.failure()::message);
    assertEquals(Map.of("error", "upstream-failed", "upstream", a.id()), b.result());
    assertEquals(Map.of("error", "upstream-failed", "upstream", b.id()), c.result(), "names its own upstream");
    assertEquals(JobStatus.COMPLETED, other.join(WAIT).status());
    Await.until(WAIT, "every final event", () -> finals.size() == 6);
    for (Job job : cone) {
      assertEquals(1, failCallbacks.get(job.id()).get(), job::toString);
      assertEquals(1, finals.stream().filter(event -> event.job().equals(job.id())).count());
    }
    assertFalse(ran.contains("B") || ran.contains("C") || ran.contains("D") || ran.contains("E"), ran::toString);
  }

  @Test
  void cancellingACombinedJobCancelsItsPrivateUpstreamsAndLeavesSharedOnes() {
    // No slave: every job stays where it is until cancelled.
    Job private1 = scheduler.submit(Map.of("a", 1));
    Job private2 = scheduler.submit(Map.of("a", 2));
    Job shared = scheduler.submit(Map.of("a", 3));
    Job alsoAfterShared = scheduler.submit(Map.of("a", 4), JobOptions.builder().after(shared).build());
    Job combined = scheduler.combine(List.of(private1, private2, shared), results -> Map.of());
    Job afterCombined = scheduler.submit(Map.of("a", 5), JobOptions.builder().after(combined).build());
    assertEquals(JobStatus.WAITING, combined.status());
    assertEquals("waiting for 3 of its 3 upstream jobs to complete", combined.waitingFor());
    assertEquals(3, scheduler.summary().waitingForUpstreams());

    assertTrue(combined.cancel());
    assertEquals(JobStatus.CANCELLED, combined.status());
    assertEquals(JobStatus.CANCELLED, private1.status());
    assertEquals(JobStatus.CANCELLED, private2.status());
    assertEquals(JobStatus.CANCELLED, afterCombined.status(), "cancel spreads down");
    assertEquals(Reason.CANCELLED, afterCombined.failure().reason());
    assertEquals(JobStatus.QUEUED, shared.status(), "another pending job needs it");
    assertEquals(JobStatus.WAITING, alsoAfterShared.status());
    assertEquals(1, scheduler.summary().waitingForUpstreams());

    // Cancelling the shared one now spreads to the job after it, and the count says so.
    assertEquals(2, scheduler.cancelGroup(JobOptions.DEFAULT_GROUP));
    assertEquals(JobStatus.CANCELLED, alsoAfterShared.status());
    assertEquals(0, scheduler.summary().waitingForUpstreams());
    assertEquals(0, scheduler.summary().queued());
  }

  @Test
  void badDependenciesAreRefusedAtSubmitWithNothingAccepted() throws Exception {
    Job failed = scheduler.submit(Map.of("a", 1));
    failed.cancel();
    Job live = scheduler.submit(Map.of("a", 1), JobOptions.builder().name("same").build());
    Job twin = scheduler.submit(Map.of("a", 1), JobOptions.builder().name("same").build());
    long before = scheduler.summary().totals().submitted();

    var unknown = assertThrows(IllegalArgumentException.class,
        () -> scheduler.submit(Map.of(), JobOptions.builder().afterIds(List.of("no-such-job")).build()));
    assertTrue(unknown.getMessage().startsWith("unknown upstream job no-such-job"), unknown::getMessage);
    var cancelled = assertThrows(IllegalArgumentException.class,
        () -> scheduler.submitAll(List.of(Map.of(), Map.of()), JobOptions.builder().after(live, failed).build()));
    assertTrue(cancelled.getMessage().contains("already ended CANCELLED"), cancelled::getMessage);
    var sameKey = assertThrows(IllegalArgumentException.class,
        () -> scheduler.submit(Map.of(), JobOptions.builder().after(live, twin).build()));
    assertTrue(sameKey.getMessage().contains("share the key \"same\""), sameKey::getMessage);
    var ownUpstreamKey = assertThrows(IllegalArgumentException.class,
        () -> scheduler.submit(Map.of("upstream", 1), JobOptions.builder().after(live).build()));
    assertTrue(ownUpstreamKey.getMessage().contains("\"upstream\" entry"), ownUpstreamKey::getMessage);
    assertThrows(IllegalArgumentException.class, () -> JobOptions.builder().after(live, live).build());
    assertThrows(IllegalArgumentException.class, () -> scheduler.combine(List.of(), results -> Map.of()));

    assertEquals(before, scheduler.summary().totals().submitted(), "nothing half-accepted");
    assertEquals(List.of(), live.downstreams());
    // The same upstreams are fine with MERGE, which has no keys to clash.
    Job merged = scheduler.submit(Map.of(), JobOptions.builder().after(live, twin).passing(Passing.MERGE).build());
    assertEquals(JobStatus.WAITING, merged.status());
    assertNull(merged.sentData());
  }

  @Test
  void aChainTenThousandLongAndAFanInOfTenThousandResolveWithoutRecursion() throws Exception {
    // No slave: upstreams are completed by hand, each completion settling its downstream at once.
    List<Job> chain = new ArrayList<>();
    Job previous = null;
    for (int i = 0; i < 10_000; i++) {
      JobOptions options = previous == null ? JobOptions.DEFAULTS
          : JobOptions.builder().after(previous).passing(Passing.NONE).build();
      previous = scheduler.submit(Map.of("i", i), options);
      chain.add(previous);
    }
    for (int i = 0; i < chain.size(); i++) {
      assertEquals(i == 0 ? JobStatus.QUEUED : JobStatus.WAITING, chain.get(i).status());
    }
    for (int i = 0; i < chain.size(); i++) {
      assertTrue(chain.get(i).complete(Map.of("i", i)));
      if (i + 1 < chain.size()) {
        assertEquals(JobStatus.QUEUED, chain.get(i + 1).status(), "queued the moment its upstream completed");
      }
    }
    assertEquals(JobStatus.COMPLETED, chain.get(9_999).status());

    // A second chain, cancelled at its head: the cancel walks all 10,000 without a deep stack.
    Job head = scheduler.submit(Map.of("i", 0));
    Job tail = head;
    for (int i = 1; i < 10_000; i++) {
      tail = scheduler.submit(Map.of("i", i), JobOptions.builder().after(tail).passing(Passing.NONE).build());
    }
    assertEquals(10_000, scheduler.cancelGroup(JobOptions.DEFAULT_GROUP));
    assertEquals(JobStatus.CANCELLED, tail.status());

    List<Job> upstreams = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      upstreams.add(scheduler.submit(Map.of("i", i)));
    }
    Job sum = scheduler.combine(upstreams, results -> Map.of("n", results.size()));
    for (int i = 0; i < upstreams.size(); i++) {
      upstreams.get(i).complete(Map.of("i", i));
    }
    assertEquals(Map.of("n", 10_000), sum.join(WAIT).result());
  }
}
