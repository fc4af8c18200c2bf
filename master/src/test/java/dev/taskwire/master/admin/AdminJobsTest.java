package dev.taskwire.master.admin;

import static dev.taskwire.master.admin.AdminFailures.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.protocol.Token;
import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.RawHttp;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.master.Master;
import dev.taskwire.master.TaskFailure.Reason;
import dev.taskwire.master.TestMasters;
import dev.taskwire.master.admin.AdminMessages.AttemptView;
import dev.taskwire.master.admin.AdminMessages.BackoffView;
import dev.taskwire.master.admin.AdminMessages.ConnectionView;
import dev.taskwire.master.admin.AdminMessages.JobRequest;
import dev.taskwire.master.admin.AdminMessages.JobView;
import dev.taskwire.master.admin.AdminMessages.SummaryView;
import dev.taskwire.master.scheduler.Backoff;
import dev.taskwire.master.scheduler.JobOptions;
import dev.taskwire.master.scheduler.JobStatus;
import dev.taskwire.slave.Slave;
import dev.taskwire.slave.TestSlaves;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The scheduler through the admin API, on a real master with real slaves, over {@link MasterClient} and raw HTTP. */
class AdminJobsTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final int JOB_HISTORY = 50;
  /** Room for a batch of the largest size. */
  private static final int QUEUE_CAPACITY = 20_000;

  @RegisterExtension final Servers servers = new Servers();
  private final Token token = Token.generate();
  private Master master;
  private MasterClient client;

  @BeforeEach
  void start() {
    master = startMaster(QUEUE_CAPACITY);
  }

  private Master startMaster(int queueCapacity) {
    Master started = servers.start(TestMasters.loopback().queueCapacity(queueCapacity).jobHistory(JOB_HISTORY)
        .extension(new AdminApi(token, 10)).build().start());
    client = new MasterClient("http://127.0.0.1:" + started.port(), token);
    return started;
  }

  /** Starts a demo slave (sum of a and b; {@code fail}, {@code sleepMs}) and connects it as {@code name}. */
  private Slave connectSlave(String name, int slots, List<String> labels) throws Exception {
    Slave slave = servers.start(TestSlaves.loopback().slots(slots).gracePeriod(Duration.ofMillis(100)).build().start());
    client.connect(name, "127.0.0.1", slave.port(), false, Map.of(), labels);
    return slave;
  }

  private RawHttp.Response raw(String method, String path, String body) throws Exception {
    return RawHttp.send(master.port(), method, path, Map.of("Authorization", "Bearer " + token.value()), body);
  }

  @Test
  void aJobSubmittedOverHttpRunsOnAConnectedSlaveAndShowsItsAttempt() throws Exception {
    connectSlave("s1", 2, List.of());
    String id = client.submitJob(Map.of("a", 20, "b", 22));

    JobView job = client.awaitJob(id, WAIT);
    assertEquals("COMPLETED", job.status());
    assertTrue(job.isFinal());
    assertEquals(Map.of("sum", 42), job.result());
    assertEquals(Map.of("a", 20, "b", 22), job.data());
    assertEquals(JobOptions.DEFAULT_GROUP, job.group());
    assertEquals(0, job.priority());
    assertEquals(List.of(), job.labels());
    assertNull(job.failure());
    assertNull(job.waitingFor());
    assertNotNull(job.submittedAt());
    assertNotNull(job.finishedAt());
    assertEquals(1, job.attempts().size());
    AttemptView attempt = job.attempts().get(0);
    assertEquals(1, attempt.number());
    assertEquals("s1", attempt.connection());
    assertEquals("COMPLETED", attempt.outcome());
    assertNotNull(attempt.task());
    assertNotNull(attempt.dispatchedAt());
    assertNotNull(attempt.finishedAt());
    assertEquals(job, client.job(id));
  }

  @Test
  void aJobDependsOnJobsByIdAndItsViewListsBothDirections() throws Exception {
    String upstream = client.submitJob(Map.of("a", 1, "b", 2), JobRequest.DEFAULTS.withDependencies("first", null, null));
    String downstream = client.submitJob(Map.of("a", 10),
        JobRequest.DEFAULTS.withDependencies(null, List.of(upstream), "MERGE"));
    JobView waiting = client.job(downstream);
    assertEquals("WAITING", waiting.status());
    assertEquals(List.of(upstream), waiting.upstreams());
    assertEquals("merge", waiting.passing());
    assertEquals("waiting for 1 of its 1 upstream jobs to complete", waiting.waitingFor());
    assertEquals(List.of(downstream), client.job(upstream).downstreams());
    assertEquals("first", client.job(upstream).name());

    // Completed by hand with {"b": 7}: MERGE makes the downstream's data {"a": 10, "b": 7}, which the slave sums.
    client.completeJob(upstream, Map.of("b", 7));
    connectSlave("s1", 1, List.of());
    JobView done = client.awaitJob(downstream, WAIT);
    assertEquals("COMPLETED", done.status());
    assertEquals(Map.of("sum", 17), done.result());

    assertBadRequest("POST", "/api/v1/jobs", "{\"data\": {}, \"dependsOn\": [\"nope\"]}",
        "unknown upstream job nope: never submitted to this master, or already forgotten (the last 50 final jobs are kept)");
    assertBadRequest("POST", "/api/v1/jobs", "{\"data\": {}, \"dependsOn\": \"" + upstream + "\"}",
        "dependsOn must be a list of strings, got \"" + upstream + "\"");
    assertBadRequest("POST", "/api/v1/jobs", "{\"data\": {}, \"passing\": \"zip\"}",
        "passing must be nest, merge or none, got \"zip\"");
  }

  @Test
  void aFailedJobShowsItsReasonAndEachAttempt() throws Exception {
    connectSlave("s1", 1, List.of());
    JobRequest retried = new JobRequest(null, null, null, null, null, null, 2, List.of(Reason.SLAVE_FAILED.name()),
        new BackoffView(Backoff.NONE.initial(), Backoff.NONE.multiplier(), Backoff.NONE.cap()));
    JobView job = client.awaitJob(client.submitJob(Map.of("fail", true), retried), WAIT);
    assertEquals("FAILED", job.status());
    assertEquals("RETRIES_EXHAUSTED", job.failure().reason());
    assertEquals(List.of(1, 2), job.attempts().stream().map(AttemptView::number).toList());
    assertEquals("SLAVE_FAILED", job.attempts().get(0).failure().reason());
    assertEquals("FAILED", job.attempts().get(0).outcome());
  }

  @Test
  void everyOptionOfTheBodyReachesTheScheduler() throws Exception {
    RawHttp.Response answer = raw("POST", "/api/v1/jobs", "{\"data\": {\"a\": 1, \"note\": null}, \"priority\": 7,"
        + " \"group\": \"nightly\", \"labels\": [\"zone=eu\", \"gpu\"], \"timeout\": \"30s\", \"queueTimeout\": \"5m\","
        + " \"deadline\": \"1h\", \"attempts\": 5, \"retryOn\": [\"TIMEOUT\", \"SLAVE_FAILED\"],"
        + " \"backoff\": {\"initial\": \"2s\", \"multiplier\": 3, \"cap\": \"1m\"}}");
    assertEquals(200, answer.status(), answer.body());
    String id = (String) answer.envelope().data().get("id");
    JobOptions expected = JobOptions.builder().priority(7).group("nightly").labels("gpu", "zone=eu")
        .timeout(Duration.ofSeconds(30)).queueTimeout(Duration.ofMinutes(5)).deadline(Duration.ofHours(1)).maxAttempts(5)
        .retryOn(Reason.SLAVE_FAILED, Reason.TIMEOUT).backoff(new Backoff(Duration.ofSeconds(2), 3.0, Duration.ofMinutes(1)))
        .build();
    assertEquals(expected, master.scheduler().job(id).orElseThrow().options());
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("a", 1);
    data.put("note", null);
    assertEquals(data, master.scheduler().job(id).orElseThrow().data());

    JobView view = client.job(id);
    assertEquals(7, view.priority());
    assertEquals("nightly", view.group());
    assertEquals(List.of("gpu", "zone=eu"), view.labels());
    assertEquals("QUEUED", view.status());
    assertEquals("waiting for a slave to connect", view.waitingFor());
  }

  @Test
  void aJobRequestMadeFromOptionsCarriesEveryOneOfThem() throws Exception {
    JobOptions options = JobOptions.builder().priority(-2).group("g.1").labels("gpu").timeout(Duration.ofMillis(1_500))
        .queueTimeout(Duration.ofMinutes(2)).deadline(Duration.ofHours(3)).maxAttempts(1).retryOn(Reason.TIMEOUT)
        .backoff(new Backoff(Duration.ofMillis(100), 1.5, Duration.ofSeconds(10))).build();
    String id = client.submitJob(Map.of("x", 1), JobRequests.request(options));
    assertEquals(options, master.scheduler().job(id).orElseThrow().options());
    String defaults = client.submitJob(Map.of("x", 2), JobRequest.DEFAULTS);
    assertEquals(JobOptions.DEFAULTS, master.scheduler().job(defaults).orElseThrow().options());
  }

  @Test
  void aBatchIsQueuedInOrderAndAwaitedTogetherInTheOrderAsked() throws Exception {
    connectSlave("s1", 2, List.of());
    List<Map<String, Object>> data = IntStream.range(0, 5).mapToObj(i -> Map.<String, Object>of("a", i, "b", 100))
        .collect(Collectors.toList());
    List<String> ids = client.submitJobs(data, new JobRequest(null, "batch", null, null, null, null, null, null, null));
    assertEquals(5, ids.size());
    for (int i = 0; i < 5; i++) {
      assertEquals(data.get(i), master.scheduler().job(ids.get(i)).orElseThrow().data());
    }
    List<String> asked = List.of(ids.get(3), ids.get(0), ids.get(4), ids.get(1), ids.get(2));
    List<JobView> jobs = client.awaitJobs(asked, WAIT);
    assertEquals(asked, jobs.stream().map(JobView::id).toList());
    for (JobView job : jobs) {
      assertEquals("COMPLETED", job.status());
      assertEquals("batch", job.group());
      assertEquals(Map.of("sum", ((Integer) job.data().get("a")) + 100), job.result());
    }
  }

  @Test
  void awaitingJobsAnswersAtTheTimeoutWithThoseNotFinalAsTheyAre() throws Exception {
    connectSlave("s1", 1, List.of());
    String quick = client.submitJob(Map.of("a", 1, "b", 1));
    client.awaitJob(quick, WAIT);
    String queued = client.submitJob(Map.of("a", 1, "b", 1), new JobRequest(null, null, List.of("gpu"), null, null, null,
        null, null, null));
    List<JobView> jobs = client.awaitJobs(List.of(quick, queued), Duration.ofMillis(200));
    assertEquals(List.of("COMPLETED", "QUEUED"), jobs.stream().map(JobView::status).toList());
    assertEquals("waiting for a slave with labels [gpu]", jobs.get(1).waitingFor());
    assertEquals("QUEUED", client.awaitJob(queued, Duration.ofMillis(100)).status());
  }

  @Test
  void jobsAreListedNewestFirstByStatusAndGroupWithinTheLimit() throws Exception {
    List<String> a = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      a.add(client.submitJob(Map.of("i", i), new JobRequest(null, "a", null, null, null, null, null, null, null)));
    }
    List<String> b = client.submitJobs(List.of(Map.of("i", 3), Map.of("i", 4)),
        new JobRequest(null, "b", null, null, null, null, null, null, null));
    assertEquals(List.of(a.get(2), a.get(1), a.get(0)), ids(client.jobs(JobStatus.QUEUED.name(), "a", 100)));
    assertEquals(List.of(b.get(1), b.get(0), a.get(2)), ids(client.jobs(null, null, 3)));
    assertTrue(client.cancelJob(a.get(1)));
    assertEquals(List.of(a.get(1)), ids(client.jobs(JobStatus.CANCELLED.name(), null, 100)));
    assertEquals(List.of(b.get(1), b.get(0), a.get(2), a.get(0)), ids(client.jobs(JobStatus.QUEUED.name(), null, 100)));
    assertEquals(List.of(), ids(client.jobs(JobStatus.RUNNING.name(), null, 100)));
    assertEquals(5, ids(client.jobs(null, null, AdminMessages.MAX_LIST)).size());
    RawHttp.Response byDefault = raw("GET", "/api/v1/jobs", null);
    assertEquals(5, ((List<?>) byDefault.envelope().data().get("jobs")).size());
  }

  private static List<String> ids(List<JobView> jobs) {
    return jobs.stream().map(JobView::id).toList();
  }

  @Test
  void cancelsEndOneJobAGroupOrEveryJobAndCountWhatTheyEnded() throws Exception {
    JobRequest inA = new JobRequest(null, "a", null, null, null, null, null, null, null);
    String one = client.submitJob(Map.of("i", 0));
    List<String> groupA = client.submitJobs(List.of(Map.of("i", 1), Map.of("i", 2)), inA);
    List<String> rest = client.submitJobs(List.of(Map.of("i", 3), Map.of("i", 4), Map.of("i", 5)), JobRequest.DEFAULTS);

    assertTrue(client.cancelJob(one));
    assertFalse(client.cancelJob(one), "already final");
    JobView cancelled = client.job(one);
    assertEquals("CANCELLED", cancelled.status());
    assertEquals("CANCELLED", cancelled.failure().reason());
    assertEquals(Map.of("cancelled", true), cancelled.result());
    assertEquals(2, client.cancelGroup("a"));
    assertEquals(0, client.cancelGroup("a"));
    for (String id : groupA) {
      assertEquals("CANCELLED", client.job(id).status());
    }
    assertEquals("QUEUED", client.job(rest.get(0)).status());
    assertEquals(3, client.cancelAll());
    assertEquals(0, client.cancelAll());
    assertEquals(6, master.scheduler().summary().totals().cancelled());
    RawHttp.Response deleted = raw("DELETE", "/api/v1/jobs/" + one, null);
    assertEquals(Map.of("cancelled", 0), deleted.envelope().data());
  }

  @Test
  void aJobCompletedByHandTakesTheResultOnce() throws Exception {
    String id = client.submitJob(Map.of("a", 1));
    assertTrue(client.completeJob(id, Map.of("answer", 42)));
    assertFalse(client.completeJob(id, Map.of("answer", 0)));
    JobView job = client.job(id);
    assertEquals("COMPLETED", job.status());
    assertEquals(Map.of("answer", 42), job.result());
    assertEquals(List.of(), job.attempts());
    assertEquals(Map.of("answer", 42), master.scheduler().job(id).orElseThrow().join(WAIT).result());
  }

  @Test
  void theSummaryShowsTheQueueByPriorityAndGroupTheLimitsAndTheTotals() throws Exception {
    client.submitJob(Map.of(), new JobRequest(5, "g", null, null, null, null, null, null, null));
    client.submitJobs(List.of(Map.of(), Map.of()), JobRequest.DEFAULTS);
    assertEquals(Map.of("g", 2), client.limit("g", 2));
    assertEquals(Map.of("g", 2, "h", 1), client.limit("h", 1));

    SummaryView summary = client.schedulerSummary();
    assertEquals(AdminViews.of(master.scheduler().summary()), summary);
    assertEquals(3, summary.queued());
    assertEquals(0, summary.running());
    assertEquals(QUEUE_CAPACITY, summary.queueCapacity());
    assertEquals(List.of(5, 0), List.copyOf(summary.queuedByPriority().keySet()), "highest priority first");
    assertEquals(Map.of("g", 1), summary.queuedByPriority().get(5));
    assertEquals(Map.of("default", 2), summary.queuedByPriority().get(0));
    assertEquals(Map.of("g", 2, "h", 1), summary.limits());
    assertEquals(Map.of(), summary.freeSlots());
    assertEquals(3, summary.totals().submitted());

    Map<String, Object> json = raw("GET", "/api/v1/scheduler", null).envelope().data();
    assertEquals(List.of("queued", "waitingForRetry", "running", "queueCapacity", "queuedByPriority", "runningByGroup",
        "limits", "freeSlots", "totals", "waitingForUpstreams"), List.copyOf(json.keySet()));
    assertEquals(Map.of("5", Map.of("g", 1), "0", Map.of("default", 2)), json.get("queuedByPriority"),
        "priorities as string keys");

    assertEquals(Map.of("h", 1), client.removeLimit("g"));
    assertEquals(Map.of("h", 1), client.removeLimit("g"), "removing a limit that is not there changes nothing");
    assertEquals(Map.of("h", 1), master.scheduler().limits());
  }

  @Test
  void aGroupLimitSetOverHttpHoldsTheGroupsJobsBack() throws Exception {
    connectSlave("s1", 2, List.of());
    client.limit("slow", 1);
    JobRequest slow = new JobRequest(null, "slow", null, null, null, null, null, null, null);
    List<String> ids = client.submitJobs(List.of(Map.of("a", 1, "b", 1, "sleepMs", 500), Map.of("a", 2, "b", 2)), slow);
    Await.until(WAIT, "the first job runs", () -> master.scheduler().job(ids.get(0)).orElseThrow().status() == JobStatus.RUNNING);
    JobView held = client.job(ids.get(1));
    assertEquals("QUEUED", held.status());
    assertEquals("waiting: group slow is at its limit of 1 running", held.waitingFor());
    assertEquals(Map.of("slow", 1), client.schedulerSummary().runningByGroup());
    assertEquals(List.of("COMPLETED", "COMPLETED"), client.awaitJobs(ids, WAIT).stream().map(JobView::status).toList());
  }

  @Test
  void labelsGivenAtConnectAreShownAndRouteJobsThatRequireThem() throws Exception {
    connectSlave("plain", 1, List.of());
    connectSlave("gpu-1", 2, List.of("gpu"));
    ConnectionView gpu = client.connections().stream().filter(c -> c.name().equals("gpu-1")).findFirst().orElseThrow();
    assertEquals(List.of("gpu"), gpu.labels());
    assertEquals(2, gpu.freeSlots());
    assertEquals(List.of(), client.connections().stream().filter(c -> c.name().equals("plain")).findFirst().orElseThrow()
        .labels());
    JobRequest needsGpu = new JobRequest(null, null, List.of("gpu"), null, null, null, null, null, null);
    List<JobView> jobs = client.awaitJobs(client.submitJobs(List.of(Map.of("a", 1, "b", 2), Map.of("a", 3, "b", 4),
        Map.of("a", 5, "b", 6)), needsGpu), WAIT);
    for (JobView job : jobs) {
      assertEquals("gpu-1", job.attempts().get(0).connection());
    }
    Map<String, Object> listed = raw("GET", "/api/v1/connections", null).envelope().data();
    Map<?, ?> first = (Map<?, ?>) ((List<?>) listed.get("connections")).get(0);
    assertEquals(List.of("name", "slave", "state", "slots", "extensions", "lastHeartbeatAgeMs", "tasksInFlight", "labels",
        "freeSlots"), List.copyOf(first.keySet().stream().map(String::valueOf).toList()));
  }

  @Test
  void aFullQueueIs429WithItsCapacityAndAcceptsNothingOfTheSubmit() throws Exception {
    master.close();
    master = startMaster(3);
    AdminResponseException.QueueFull full = assertThrows(AdminResponseException.QueueFull.class,
        () -> client.submitJobs(List.of(Map.of("i", 1), Map.of("i", 2), Map.of("i", 3), Map.of("i", 4)), JobRequest.DEFAULTS));
    assertEquals(429, full.httpStatus());
    assertEquals(1007, full.code());
    assertEquals(AdminErrorCode.QUEUE_FULL, full.errorCode());
    assertEquals(3, full.capacity());
    assertEquals(0, full.queued());
    assertEquals("the scheduler's queue is full: 0 of 3 jobs wait, 4 more do not fit; nothing was queued",
        full.responseMessage());
    assertEquals(0, client.schedulerSummary().queued(), "nothing half-accepted");
    assertEquals(0, client.schedulerSummary().totals().submitted());
    assertEquals(List.of(), client.jobs(null, null, 100));

    assertEquals(3, client.submitJobs(List.of(Map.of("i", 1), Map.of("i", 2), Map.of("i", 3)), JobRequest.DEFAULTS).size());
    assertThrows(AdminResponseException.QueueFull.class, () -> client.submitJob(Map.of("i", 4)));
    RawHttp.Response raw = raw("POST", "/api/v1/jobs", "{\"data\": {}}");
    assertEquals(429, raw.status());
    assertEquals(1007, raw.envelope().code());
    assertEquals(Map.of("capacity", 3, "queued", 3), raw.envelope().data());
    assertEquals(3, client.schedulerSummary().queued());
    // Room again once a job leaves the queue.
    client.cancelJob(client.jobs(null, null, 1).get(0).id());
    assertNotNull(client.submitJob(Map.of("i", 5)));
  }

  /** A bad body or parameter: 400 with code 1003 and {@code message}; nothing queued. */
  private void assertBadRequest(String method, String path, String body, String message) throws Exception {
    RawHttp.Response answer = raw(method, path, body);
    assertEquals(400, answer.status(), path + " " + body + ": " + answer.body());
    assertEquals(1003, answer.envelope().code(), answer.body());
    assertEquals(message, answer.envelope().message(), body);
  }

  @Test
  void everyBadOptionIs400NamingTheFieldAndQueuesNothing() throws Exception {
    String attempts = "attempts must be an integer 1..100, got ";
    String retryOn = "retryOn must be a list of SLAVE_FAILED and TIMEOUT (LOST and START_FAILED are always retried), got ";
    Map<String, String> cases = new LinkedHashMap<>();
    cases.put("{\"data\": {}, \"priorty\": 1}", "unknown field \"priorty\"; the fields are data, priority, group, labels,"
        + " timeout, queueTimeout, deadline, attempts, retryOn, backoff, name, dependsOn, passing, lease");
    cases.put("{\"dta\": {}}", "unknown field \"dta\"; the fields are data, priority, group, labels, timeout, queueTimeout,"
        + " deadline, attempts, retryOn, backoff, name, dependsOn, passing, lease");
    cases.put("{\"priority\": 1}", "data is missing; expected an object");
    cases.put("{\"data\": [1]}", "data must be an object, got [1]");
    cases.put("{\"data\": {}, \"priority\": \"1\"}", "priority must be an integer, got \"1\"");
    cases.put("{\"data\": {}, \"priority\": 1.5}", "priority must be an integer, got 1.5");
    cases.put("{\"data\": {}, \"priority\": 4294967296}", "priority must be an integer, got 4294967296");
    cases.put("{\"data\": {}, \"group\": 5}", "group must be a string, got 5");
    cases.put("{\"data\": {}, \"group\": \"a b\"}", "group: " + dev.taskwire.master.scheduler.JobOptions.GROUP_RULE + "; got \"a b\"");
    cases.put("{\"data\": {}, \"labels\": \"gpu\"}", "labels must be a list of strings, got \"gpu\"");
    cases.put("{\"data\": {}, \"labels\": [1]}", "labels must be a list of strings, got 1 in it");
    cases.put("{\"data\": {}, \"labels\": [\"a b\"]}", "labels: " + dev.taskwire.common.protocol.Labels.RULE
        + "; got \"a b\"");
    cases.put("{\"data\": {}, \"timeout\": 5}", "timeout must be a duration such as \"30s\", got 5");
    cases.put("{\"data\": {}, \"queueTimeout\": \"soon\"}",
        "queueTimeout: not a duration (write it like 200ms, 3s, 1.5s, 2m or 1h): 'soon'");
    cases.put("{\"data\": {}, \"deadline\": \"-1s\"}",
        "deadline: not a duration (write it like 200ms, 3s, 1.5s, 2m or 1h): '-1s'");
    cases.put("{\"data\": {}, \"attempts\": 0}", attempts + "0");
    cases.put("{\"data\": {}, \"attempts\": 101}", attempts + "101");
    cases.put("{\"data\": {}, \"attempts\": \"3\"}", attempts + "\"3\"");
    cases.put("{\"data\": {}, \"retryOn\": [\"LOST\"]}", retryOn + "\"LOST\"");
    cases.put("{\"data\": {}, \"retryOn\": \"TIMEOUT\"}", retryOn + "\"TIMEOUT\"");
    cases.put("{\"data\": {}, \"backoff\": \"1s\"}", "backoff must be an object such as {\"initial\": \"1s\","
        + " \"multiplier\": 2.0, \"cap\": \"1m\"}, got \"1s\"");
    cases.put("{\"data\": {}, \"backoff\": {\"factor\": 2}}", "unknown field backoff.\"factor\"; the fields are initial,"
        + " multiplier, cap");
    cases.put("{\"data\": {}, \"backoff\": {\"multiplier\": 0.5}}", "backoff.multiplier must be a number >= 1, got 0.5");
    cases.put("{\"data\": {}, \"backoff\": {\"multiplier\": \"2\"}}", "backoff.multiplier must be a number >= 1, got \"2\"");
    cases.put("{\"data\": {}, \"backoff\": {\"initial\": \"2m\", \"cap\": \"1m\"}}",
        "backoff.cap must be at least backoff.initial, got cap 60s and initial 120s");
    cases.put("{\"data\": {}, \"backoff\": {\"initial\": \"2m\"}}",
        "backoff.cap must be at least backoff.initial, got cap 60s and initial 120s (cap left at its default)");
    cases.put("{\"data\": {}, \"backoff\": {\"initial\": 1}}", "backoff.initial must be a duration such as \"30s\", got 1");
    cases.put("{\"data\": {}, \"priority\": 1, \"priority\": 2}",
        "body is not valid JSON: key \"priority\" appears twice in one object");
    for (Map.Entry<String, String> bad : cases.entrySet()) {
      assertBadRequest("POST", "/api/v1/jobs", bad.getKey(), bad.getValue());
    }
    assertEquals(0, master.scheduler().summary().totals().submitted());
    // A null is the same as leaving the option out.
    RawHttp.Response nulls = raw("POST", "/api/v1/jobs", "{\"data\": {}, \"priority\": null, \"backoff\": null}");
    assertEquals(200, nulls.status(), nulls.body());
  }

  @Test
  void badBatchesWaitsCancelsLimitsAndQueriesAre400() throws Exception {
    String batchRule = "data must be a list of 1 to 10000 objects, got ";
    assertBadRequest("POST", "/api/v1/jobs/batch", "{\"data\": []}", batchRule + "0");
    assertBadRequest("POST", "/api/v1/jobs/batch", "{\"data\": [" + "{},".repeat(10_000) + "{}]}", batchRule + "10001");
    assertBadRequest("POST", "/api/v1/jobs/batch", "{\"data\": {}}", batchRule + "{}");
    assertBadRequest("POST", "/api/v1/jobs/batch", "{}", "data is missing; expected a list of 1 to 10000 objects");
    assertBadRequest("POST", "/api/v1/jobs/batch", "{\"data\": [{}, 2]}", "data[1] must be an object, got 2");
    assertBadRequest("POST", "/api/v1/jobs/batch", "{\"data\": [{}], \"attempts\": 0}", "attempts must be an integer 1..100, got 0");
    assertEquals(0, master.scheduler().summary().totals().submitted(), "nothing of a bad batch is queued");
    // At the limit: accepted.
    RawHttp.Response tenThousand = raw("POST", "/api/v1/jobs/batch", "{\"data\": [" + "{},".repeat(9_999) + "{}]}");
    assertEquals(200, tenThousand.status(), tenThousand.body());
    assertEquals(10_000, ((List<?>) tenThousand.envelope().data().get("ids")).size());
    client.cancelAll();

    String exactlyOne = "give exactly one of {\"group\": \"<group>\"} and {\"all\": true}";
    assertBadRequest("POST", "/api/v1/jobs/cancel", "{\"group\": \"g\", \"all\": true}", exactlyOne);
    assertBadRequest("POST", "/api/v1/jobs/cancel", "{}", exactlyOne);
    assertBadRequest("POST", "/api/v1/jobs/cancel", "{\"all\": false}",
        "all must be true, got false; to cancel one group, give only group");
    assertBadRequest("POST", "/api/v1/jobs/cancel", "{\"group\": \"a\\nb\"}",
        "group: " + dev.taskwire.master.scheduler.JobOptions.GROUP_RULE + "; got \"a\\nb\"");
    assertBadRequest("POST", "/api/v1/jobs/cancel", "{\"groups\": \"g\"}", "unknown field \"groups\"; the fields are group, all");

    assertBadRequest("PUT", "/api/v1/limits/g", "{\"limit\": 0}",
        "limit must be an integer at least 1 (DELETE the limit to remove it), got 0");
    assertBadRequest("PUT", "/api/v1/limits/g", "{\"limit\": \"2\"}",
        "limit must be an integer at least 1 (DELETE the limit to remove it), got \"2\"");
    assertBadRequest("PUT", "/api/v1/limits/g", "{}", "limit is missing; expected an integer at least 1");
    assertBadRequest("PUT", "/api/v1/limits/a%20b", "{\"limit\": 1}", "group: " + dev.taskwire.master.scheduler.JobOptions.GROUP_RULE + "; got \"a b\"");
    assertBadRequest("DELETE", "/api/v1/limits/-x", null, "group: " + dev.taskwire.master.scheduler.JobOptions.GROUP_RULE + "; got \"-x\"");
    assertEquals(Map.of(), master.scheduler().limits());

    String id = client.submitJob(Map.of());
    assertBadRequest("POST", "/api/v1/jobs/wait", "{\"ids\": []}", "ids must be a list of 1 to 10000 job ids, got 0");
    assertBadRequest("POST", "/api/v1/jobs/wait", "{\"ids\": \"" + id + "\"}",
        "ids must be a list of 1 to 10000 job ids, got \"" + id + "\"");
    assertBadRequest("POST", "/api/v1/jobs/wait", "{\"ids\": [1]}", "ids must be a list of strings, got 1 in it");
    assertBadRequest("POST", "/api/v1/jobs/wait", "{\"ids\": [\"" + id + "\"], \"timeout\": \"2m\"}",
        "timeout must be at most 60s, got 120s");
    assertBadRequest("POST", "/api/v1/jobs/wait", "{\"ids\": [\"" + id + "\"], \"timeout\": 3}",
        "timeout must be a duration such as \"30s\", got 3");
    assertBadRequest("POST", "/api/v1/jobs/" + id + "/complete", "{\"result\": 1}", "result must be an object, got 1");
    assertBadRequest("POST", "/api/v1/jobs/" + id + "/complete", "{}", "result is missing; expected an object");
    assertBadRequest("GET", "/api/v1/jobs/" + id + "/wait?timeout=2h", null, "timeout must be at most 60s, got 2h");

    assertBadRequest("GET", "/api/v1/jobs?status=queued", null,
        "status must be one of [WAITING, QUEUED, RUNNING, COMPLETED, FAILED, CANCELLED], got 'queued'");
    assertBadRequest("GET", "/api/v1/jobs?status=LOST%0A", null,
        "status must be one of [WAITING, QUEUED, RUNNING, COMPLETED, FAILED, CANCELLED], got 'LOST\\n'");
    assertBadRequest("GET", "/api/v1/jobs?limit=0", null, "limit must be a positive integer, got '0'");
    assertBadRequest("GET", "/api/v1/jobs?limit=10001", null, "limit must be 1..10000, got 10001");
    assertBadRequest("GET", "/api/v1/jobs?group=a%20b", null, "group: " + dev.taskwire.master.scheduler.JobOptions.GROUP_RULE + "; got \"a b\"");
    assertEquals("QUEUED", client.job(id).status(), "a refused complete changes nothing");
  }

  @Test
  void badInputThroughTheClientIsThrownAsBadRequest() {
    JobRequest zeroAttempts = new JobRequest(null, null, null, null, null, null, 0, null, null);
    AdminResponseException.BadRequest e =
        assertThrows(AdminResponseException.BadRequest.class, () -> client.submitJob(Map.of(), zeroAttempts));
    assertEquals(400, e.httpStatus());
    assertEquals("attempts must be an integer 1..100, got 0", e.responseMessage());
    JobRequest lost = new JobRequest(null, null, null, null, null, null, null, List.of(Reason.LOST.name()), null);
    assertThrows(AdminResponseException.BadRequest.class, () -> client.submitJobs(List.of(Map.of()), lost));
    assertThrows(AdminResponseException.BadRequest.class, () -> client.limit("g", 0));
    assertThrows(AdminResponseException.BadRequest.class, () -> client.submitJobs(List.of(), JobRequest.DEFAULTS));
    assertThrows(AdminResponseException.BadRequest.class, () -> client.cancelGroup("a b"));
  }

  @Test
  void anUnknownJobIs404SayingWhichJobsAreKept() throws Exception {
    String kept = " (every job not final is kept, and only the last " + JOB_HISTORY + " final ones)";
    assertEquals("no job ghost" + kept, failure(404, 1002, () -> client.job("ghost")).responseMessage());
    failure(404, 1002, () -> client.awaitJob("ghost", Duration.ofSeconds(1)));
    failure(404, 1002, () -> client.cancelJob("ghost"));
    failure(404, 1002, () -> client.completeJob("ghost", Map.of()));
    String id = client.submitJob(Map.of());
    assertEquals("no job ghost-2" + kept, failure(404, 1002,
        () -> client.awaitJobs(List.of(id, "ghost-2"), Duration.ofSeconds(1))).responseMessage());
    assertThrows(AdminResponseException.NotFound.class, () -> client.job("ghost"));
    RawHttp.Response forged = raw("GET", "/api/v1/jobs/a%0AINFO%20forged", null);
    assertEquals(404, forged.status());
    assertEquals("no job a\\nINFO forged" + kept, forged.envelope().message());
  }

  @Test
  void finalJobsBeyondTheHistoryAreForgotten() throws Exception {
    List<String> ids = client.submitJobs(IntStream.range(0, JOB_HISTORY + 1).mapToObj(i -> Map.<String, Object>of("i", i))
        .collect(Collectors.toList()), JobRequest.DEFAULTS);
    for (String id : ids) {
      assertTrue(client.cancelJob(id));
    }
    failure(404, 1002, () -> client.job(ids.get(0)));
    assertEquals("CANCELLED", client.job(ids.get(1)).status());
  }

  @Test
  void jobAnswersKeepTheirKeysOnTheWire() throws Exception {
    connectSlave("s1", 1, List.of());
    Map<String, Object> submitted = raw("POST", "/api/v1/jobs", "{\"data\": {\"fail\": true}, \"attempts\": 1}")
        .envelope().data();
    assertEquals(List.of("id"), List.copyOf(submitted.keySet()));
    String id = (String) submitted.get("id");
    Map<String, Object> job = raw("GET", "/api/v1/jobs/" + id + "/wait?timeout=20s", null).envelope().data();
    assertEquals(List.of("id", "status", "final", "priority", "group", "labels", "data", "result", "failure", "submittedAt",
        "finishedAt", "waitingFor", "attempts", "name", "upstreams", "downstreams", "passing", "combined", "progress"), List.copyOf(job.keySet()));
    assertEquals(true, job.get("final"));
    assertEquals(List.of("reason", "message"), List.copyOf(((Map<?, ?>) job.get("failure")).keySet()));
    Map<?, ?> attempt = (Map<?, ?>) ((List<?>) job.get("attempts")).get(0);
    assertEquals(List.of("number", "connection", "task", "dispatchedAt", "finishedAt", "outcome", "failure"),
        List.copyOf(attempt.keySet().stream().map(String::valueOf).toList()));
    assertEquals(job, raw("GET", "/api/v1/jobs/" + id, null).envelope().data());
    assertEquals(Map.of("jobs", List.of(job)), raw("POST", "/api/v1/jobs/wait", "{\"ids\": [\"" + id + "\"]}").envelope().data());
    assertEquals(Map.of("jobs", List.of(job)), raw("GET", "/api/v1/jobs?status=FAILED", null).envelope().data());
    Map<String, Object> batch = raw("POST", "/api/v1/jobs/batch", "{\"data\": [{}], \"labels\": [\"none\"]}").envelope().data();
    assertEquals(List.of("ids"), List.copyOf(batch.keySet()));
    assertEquals(Map.of("cancelled", 1), raw("POST", "/api/v1/jobs/cancel", "{\"all\": true}").envelope().data());
    assertEquals(Map.of("completed", false), raw("POST", "/api/v1/jobs/" + id + "/complete", "{\"result\": {}}").envelope().data());
    assertEquals(Map.of("limits", Map.of("g", 3)), raw("PUT", "/api/v1/limits/g", "{\"limit\": 3}").envelope().data());
    assertEquals(Map.of("limits", Map.of()), raw("DELETE", "/api/v1/limits/g", null).envelope().data());
  }

  @Test
  void theJobEndpointsNeedTheToken() throws Exception {
    MasterClient wrong = new MasterClient("http://127.0.0.1:" + master.port(), Token.generate());
    assertThrows(AdminResponseException.Unauthorized.class, () -> wrong.submitJob(Map.of()));
    assertThrows(AdminResponseException.Unauthorized.class, wrong::schedulerSummary);
    assertThrows(AdminResponseException.Unauthorized.class, wrong::cancelAll);
    assertEquals(401, RawHttp.send(master.port(), "GET", "/api/v1/jobs", Map.of(), null).status());
    assertEquals(0, master.scheduler().summary().totals().submitted());
  }
}
