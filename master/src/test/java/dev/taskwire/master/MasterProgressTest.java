package dev.taskwire.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.protocol.Envelope;
import dev.taskwire.common.protocol.Side;
import dev.taskwire.common.testing.Answers;
import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.PeerClient;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.master.scheduler.Job;
import dev.taskwire.master.scheduler.JobOptions;
import dev.taskwire.master.scheduler.JobStatus;
import dev.taskwire.master.scheduler.SchedulerEvent;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The master's side of the {@code progress} extension and of leases, against a MockWebServer that
 * plays a Taskwire slave (announcing progress and cancel) and one that plays a reference slave; the
 * test sends the slave's progress reports as raw requests.
 */
class MasterProgressTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String CHANNEL = "0";
  @RegisterExtension final Servers servers = new Servers();

  private final List<String> slavePaths = new CopyOnWriteArrayList<>();
  private final MockWebServer taskwireSlave = slave(Map.of("taskwire", Map.of("version", "1.0", "slots", 2,
      "extensions", List.of("slots", "progress", "cancel"))));
  private final MockWebServer referenceSlave = slave(null);
  private Master master;
  private PeerClient client;
  private SlaveConnection connection;
  private String token;

  /** A slave that answers /connect with {@code connectData} and everything else with success, recording paths. */
  private MockWebServer slave(Map<String, Object> connectData) {
    MockWebServer server = servers.start(new MockWebServer());
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        slavePaths.add(request.getPath());
        Map<String, Object> data = "/connect".equals(request.getPath()) ? connectData : null;
        return Answers.success("OK.", data);
      }
    });
    return server;
  }

  @BeforeEach
  void start() throws Exception {
    taskwireSlave.start(InetAddress.getLoopbackAddress(), 0);
    referenceSlave.start(InetAddress.getLoopbackAddress(), 0);
    master = servers.start(TestMasters.loopback().requestRetries(0).build().start());
    client = new PeerClient(master.port(), Side.MASTER);
    connection = master.newConnection("tw", "127.0.0.1", taskwireSlave.getPort());
    connection.connect();
    token = taskwireSlave.takeRequest().getHeader("Token");
  }

  private Envelope progress(Task task, Map<String, Object> progress) throws IOException {
    return progress(task.id().value(), progress);
  }

  private Envelope progress(String taskId, Map<String, Object> progress) throws IOException {
    return client.send("PUT", "/slave/task/progress", Map.of("task", Map.of("id", taskId), "progress", progress), CHANNEL,
        token);
  }

  private void complete(Task task, Map<String, Object> result) throws IOException {
    complete(task.id().value(), result);
  }

  private void complete(String taskId, Map<String, Object> result) throws IOException {
    client.send("PUT", "/slave/task/complete", Map.of("task", Map.of("id", taskId), "result", result), CHANNEL, token);
  }

  @Test
  void progressReachesTheTaskInOrderAndTheFinalCallbacksComeAfterTheLast() throws Exception {
    List<Object> seen = new CopyOnWriteArrayList<>();
    Task task = connection.newTask(Map.of("a", 1)).onProgress(p -> seen.add(p.get("done")))
        .onComplete((data, result) -> seen.add("completed")).start();
    assertNull(task.progress());
    for (int done = 1; done <= 10; done++) {
      assertEquals("Progress received!", progress(task, Map.of("done", done, "total", 10)).message());
      assertEquals(Map.of("done", done, "total", 10), task.progress(), "the latest, at once");
    }
    complete(task, Map.of("sum", 2));
    task.join(WAIT);
    assertEquals("completed", seen.get(seen.size() - 1), seen::toString);
    List<Object> values = new ArrayList<>(seen.subList(0, seen.size() - 1));
    assertEquals(10, values.get(values.size() - 1), () -> "the last progress before the final callback: " + seen);
    for (int i = 1; i < values.size(); i++) {
      assertTrue((int) values.get(i) > (int) values.get(i - 1), () -> "in order (a burst may be coalesced): " + seen);
    }
    // After the task's end a progress report is acknowledged and ignored; an unknown task's is refused.
    assertEquals("Progress received!", progress(task, Map.of("done", 11)).message());
    assertEquals(Map.of("done", 10, "total", 10), task.progress());
    client.fail("PUT", "/slave/task/progress", Map.of("task", Map.of("id", "no-such-task"), "progress", Map.of()), CHANNEL,
        token, 400, 601);
    client.fail("PUT", "/slave/task/progress", Map.of("task", Map.of("id", task.id().value()), "progress", "half"), CHANNEL,
        token, 400, 601);
  }

  @Test
  void aTaskThatReportsNoProgressWithinItsLeaseStallsAndItsSlaveIsAskedToStopIt() throws Exception {
    Task task = connection.newTask(Map.of("a", 1)).lease(Duration.ofMillis(200)).start();
    task.join(WAIT);
    assertEquals(TaskStatus.FAILED, task.status());
    assertEquals(TaskFailure.Reason.STALLED, task.failure().reason());
    assertEquals(Map.of("error", "stalled", "connection", "tw"), task.result());
    Await.until(WAIT, "the slave asked to stop it", () -> slavePaths.contains("/task/cancel"));
  }

  @Test
  void aLeaseOnASlaveThatDoesNotReportProgressIsRefused() throws Exception {
    SlaveConnection reference = master.newConnection("ref", "127.0.0.1", referenceSlave.getPort());
    reference.connect();
    assertTrue(connection.reportsProgress());
    assertTrue(!reference.reportsProgress());
    Task task = reference.newTask(Map.of("a", 1)).lease(Duration.ofSeconds(1));
    var refused = assertThrows(IllegalStateException.class, task::start);
    assertTrue(refused.getMessage().contains("does not report progress"), refused::getMessage);
    assertEquals(TaskStatus.START_FAILED, task.status());
    assertTrue(!slavePaths.contains("/task/new"), "nothing was sent");
  }

  @Test
  void aJobsProgressComesThroughItsCallbacksAndTheEventStream() throws Exception {
    List<SchedulerEvent> progressEvents = new CopyOnWriteArrayList<>();
    master.scheduler().addListener(event -> {
      if (event.type() == SchedulerEvent.Type.PROGRESS) {
        progressEvents.add(event);
      }
    });
    List<Object> seen = new CopyOnWriteArrayList<>();
    Job job = master.scheduler().submit(Map.of("a", 1), JobOptions.builder().lease(Duration.ofSeconds(30)).build())
        .onProgress(p -> seen.add(p.get("done"))).onComplete((data, result) -> seen.add("completed"));
    Await.until(WAIT, "the job running", () -> job.status() == JobStatus.RUNNING);
    String attempt = job.attempts().get(0).taskId();
    progress(attempt, Map.of("done", 1));
    progress(attempt, Map.of("done", 2));
    // Within Task.PROGRESS_INTERVAL of the first, so told at its turn: the job has it within that.
    Await.until(WAIT, "the latest progress on the job", () -> Map.of("done", 2).equals(job.progress()));
    complete(attempt, Map.of("sum", 2));
    job.join(WAIT);
    assertEquals("completed", seen.get(seen.size() - 1), seen::toString);
    assertEquals(2, seen.get(seen.size() - 2), seen::toString);
    Await.until(WAIT, "both progress events", () -> progressEvents.size() == 2);
    assertEquals(Map.of("done", 1), progressEvents.get(0).progress());
    assertEquals(job.id(), progressEvents.get(1).job());
    assertEquals("tw", progressEvents.get(1).connection());
  }

  @Test
  void aFloodOfProgressIsToldAtMostOncePerIntervalAndTheLatestIsKept() throws Exception {
    List<SchedulerEvent> progressEvents = new CopyOnWriteArrayList<>();
    master.scheduler().addListener(event -> {
      if (event.type() == SchedulerEvent.Type.PROGRESS) {
        progressEvents.add(event);
      }
    });
    List<Object> told = new CopyOnWriteArrayList<>();
    Job job = master.scheduler().submit(Map.of("a", 1), JobOptions.DEFAULTS).onProgress(p -> told.add(p.get("done")));
    Await.until(WAIT, "the job running", () -> job.status() == JobStatus.RUNNING);
    String attempt = job.attempts().get(0).taskId();
    int updates = 500;
    long start = System.nanoTime();
    for (int done = 1; done <= updates; done++) {
      progress(attempt, Map.of("done", done)); // as fast as one client can: what a flooding slave sends
    }
    // The latest is kept: it is told at its turn, though nothing follows it.
    Await.until(WAIT, "the latest progress told", () -> !progressEvents.isEmpty()
        && Map.of("done", updates).equals(progressEvents.get(progressEvents.size() - 1).progress()));
    long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    long bound = 2 + elapsedMillis / Task.PROGRESS_INTERVAL.toMillis(); // the first at once, then one per interval
    assertTrue(progressEvents.size() <= bound, () -> progressEvents.size() + " events for " + updates + " updates in "
        + elapsedMillis + " ms");
    assertTrue(told.size() <= bound, () -> told.size() + " callbacks");
    assertEquals(Map.of("done", updates), job.progress());
    complete(attempt, Map.of("sum", 2));
    job.join(WAIT);
  }

  @Test
  void aJobWithALeaseWaitsForASlaveThatReportsProgress() throws Exception {
    connection.disconnect();
    SlaveConnection reference = master.newConnection("ref", "127.0.0.1", referenceSlave.getPort());
    reference.connect();
    Job job = master.scheduler().submit(Map.of("a", 1), JobOptions.builder().lease(Duration.ofSeconds(1)).build());
    Job plain = master.scheduler().submit(Map.of("a", 2));
    Await.until(WAIT, "the plain job sent to the reference slave", () -> plain.status() == JobStatus.RUNNING);
    assertEquals(JobStatus.QUEUED, job.status());
    assertEquals("waiting for a slave that reports progress: the job has a lease", job.waitingFor());
  }
}
