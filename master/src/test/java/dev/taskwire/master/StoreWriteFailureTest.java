package dev.taskwire.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.json.Json;
import dev.taskwire.common.protocol.Side;
import dev.taskwire.common.protocol.Token;
import dev.taskwire.common.testing.Answers;
import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.PeerClient;
import dev.taskwire.common.testing.RawHttp;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.master.admin.AdminApi;
import dev.taskwire.master.admin.AdminErrorCode;
import dev.taskwire.master.admin.AdminResponseException;
import dev.taskwire.master.admin.MasterClient;
import dev.taskwire.master.scheduler.Job;
import dev.taskwire.master.scheduler.JobOptions;
import dev.taskwire.master.scheduler.JobStatus;
import dev.taskwire.master.scheduler.Scheduler;
import dev.taskwire.master.store.EmbeddedStore;
import dev.taskwire.master.store.StoreException;
import dev.taskwire.master.store.StoreFaults;
import dev.taskwire.slave.Slave;
import dev.taskwire.slave.TestSlaves;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store that cannot write while the master runs, as when its disk fills up: made real, not
 * mocked, with SQLite's page cap ({@link StoreFaults}). A submit is refused with its code and its
 * job never runs; a slave's report is refused so that the slave keeps it; {@code /health} says so;
 * and once the store writes again, nothing acknowledged before is lost, across a restart.
 */
class StoreWriteFailureTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  /** Larger than a page of the database: writing it needs new pages, which the cap refuses. */
  private static final String PAGES = "x".repeat(64 * 1024);

  @RegisterExtension final Servers servers = new Servers();
  @TempDir Path dir;
  private final Token token = Token.generate();

  /**
   * A master on the store in {@link #dir}, with the admin API; a connection that misses heartbeats
   * (the fake slave never sends one) is kept for a minute.
   */
  private Master start() {
    EmbeddedStore store = servers.start(EmbeddedStore.open(dir));
    // Closed before its store (Servers closes the latest first).
    return servers.start(TestMasters.loopback().store(store).heartbeatTolerance(Duration.ofMinutes(1))
        .extension(new AdminApi(token, 10)).build().start());
  }

  /** Stops {@code master} and its store, as a restart does. */
  private static void stop(Master master) {
    master.close();
    master.store().close();
  }

  /** The data of the master's {@code GET /health}. */
  private static Map<String, Object> health(Master master) throws Exception {
    RawHttp.Response answer = RawHttp.send(master.port(), "GET", "/health", Map.of(), null);
    assertEquals(200, answer.status(), answer.body());
    return answer.envelope().data();
  }

  private static void assertStoreFailing(Master master) throws Exception {
    assertNotNull(master.scheduler().storeFailure());
    Map<String, Object> health = health(master);
    assertEquals("store-failing", health.get("state"), health::toString);
    String store = (String) health.get("store");
    assertTrue(store.startsWith("failing: ") && store.contains("SQLITE_FULL"), store);
  }

  private static void awaitStoreWrites(Master master) throws Exception {
    Await.until(WAIT, "the store writes again", () -> master.scheduler().storeFailure() == null);
    Map<String, Object> health = health(master);
    assertEquals("running", health.get("state"), health::toString);
    assertEquals("ok", health.get("store"), health::toString);
  }

  @Test
  void aSubmitTheStoreCannotWriteThrowsAndItsJobIsCancelledNeverRunAndNothingAcknowledgedIsLost() throws Exception {
    List<Object> ran = new CopyOnWriteArrayList<>();
    Slave slave = servers.start(TestSlaves.loopback().slots(4).processor(data -> {
      ran.add(data.get("n"));
      return Map.of("n", data.get("n"));
    }).build().start());
    Master master = start();
    master.newConnection("s", Servers.LOOPBACK, slave.port()).connect();
    Scheduler scheduler = master.scheduler();
    Job done = scheduler.submit(Map.of("n", 1)).join(WAIT);
    assertEquals(JobStatus.COMPLETED, done.status());
    Job queued = scheduler.submit(Map.of("n", 2), JobOptions.builder().labels(List.of("gpu")).build());
    scheduler.limit("g", 3);

    StoreFaults.fill(master.store());
    // The slave has free slots all along: only the rule that a job waits for its submit to be on
    // disk keeps it from being sent at once.
    StoreException refused = assertThrows(StoreException.class, () -> scheduler.submit(Map.of("n", 3, "pad", PAGES)));
    assertEquals(StoreException.Kind.WRITE_FAILED, refused.kind());
    assertTrue(refused.getMessage().contains("SQLITE_FULL"), refused.getMessage());
    Job notAccepted = scheduler.jobs(JobStatus.CANCELLED, null, 10).get(0);
    assertEquals(3, notAccepted.data().get("n"));
    assertEquals("not accepted: the store could not write it", notAccepted.failure().message());
    assertEquals(List.of(), notAccepted.attempts());
    assertStoreFailing(master);

    StoreFaults.free(master.store());
    awaitStoreWrites(master);
    Job after = scheduler.submit(Map.of("n", 4, "pad", PAGES)).join(WAIT);
    assertEquals(JobStatus.COMPLETED, after.status());
    assertEquals(List.of(1, 4), ran, "the job whose submit failed never ran");
    stop(master);

    Scheduler second = start().scheduler();
    Job done2 = second.job(done.id()).orElseThrow();
    assertEquals(JobStatus.COMPLETED, done2.status());
    assertEquals(Map.of("n", 1), done2.result());
    assertEquals(JobStatus.QUEUED, second.job(queued.id()).orElseThrow().status());
    assertEquals(Map.of("g", 3), second.limits());
    Job notAccepted2 = second.job(notAccepted.id()).orElseThrow();
    assertEquals(JobStatus.CANCELLED, notAccepted2.status());
    assertEquals(List.of(), notAccepted2.attempts());
    assertEquals(Map.of("n", 4), second.job(after.id()).orElseThrow().result());
    assertEquals(4, second.summary().totals().submitted());
  }

  @Test
  void aSubmitOverTheAdminApiTheStoreCannotWriteIs503StoreUnavailable() throws Exception {
    Master master = start();
    MasterClient client = new MasterClient("http://127.0.0.1:" + master.port(), token);
    String kept = client.submitJob(Map.of("n", 1));

    StoreFaults.fill(master.store());
    AdminResponseException.StoreUnavailable refused = assertThrows(AdminResponseException.StoreUnavailable.class,
        () -> client.submitJob(Map.of("n", 2, "pad", PAGES)));
    assertEquals(503, refused.httpStatus());
    assertEquals(1010, refused.code());
    assertEquals(AdminErrorCode.STORE_UNAVAILABLE, refused.errorCode());
    String message = refused.responseMessage();
    assertTrue(message.startsWith("the master's store could not write: ") && message.contains("SQLITE_FULL"), message);
    RawHttp.Response raw = RawHttp.send(master.port(), "POST", "/api/v1/jobs",
        Map.of("Authorization", "Bearer " + token.value()), Json.toString(Map.of("data", Map.of("n", 3, "pad", PAGES))));
    assertEquals(503, raw.status(), raw.body());
    assertEquals(1010, raw.envelope().code());
    assertEquals(1, client.schedulerSummary().queued(), "the refused jobs are not queued");
    assertEquals(2, client.jobs("CANCELLED", null, 10).size());
    assertStoreFailing(master);

    StoreFaults.free(master.store());
    awaitStoreWrites(master);
    String later = client.submitJob(Map.of("n", 4, "pad", PAGES));
    stop(master);

    MasterClient second = new MasterClient("http://127.0.0.1:" + start().port(), token);
    assertEquals("QUEUED", second.job(kept).status());
    assertEquals("QUEUED", second.job(later).status());
    assertEquals(2, second.jobs("CANCELLED", null, 10).size());
    assertEquals(2, second.schedulerSummary().queued());
  }

  @Test
  void aReportTheStoreCannotWriteIs503StoreUnavailableAndTakenOnceSentAgain() throws Exception {
    MockWebServer slave = servers.start(new MockWebServer());
    slave.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return Answers.success(request.getPath().equals("/connect") ? "Connect success." : "Task received!");
      }
    });
    slave.start(InetAddress.getLoopbackAddress(), 0);
    Master master = start();
    master.newConnection("s", Servers.LOOPBACK, slave.getPort()).connect();
    String slaveToken = slave.takeRequest(10, TimeUnit.SECONDS).getHeader("Token");
    Job job = master.scheduler().submit(Map.of("n", 1));
    Await.until(WAIT, "the job is sent", () -> job.status() == JobStatus.RUNNING);
    String taskId = job.attempts().get(0).taskId();
    Map<String, Object> report = Map.of("task", Map.of("id", taskId), "result", Map.of("pad", PAGES));
    PeerClient asSlave = new PeerClient(master.port(), Side.MASTER);

    StoreFaults.fill(master.store());
    String refusal = asSlave.fail("PUT", "/slave/task/complete", report, "0", slaveToken, 503, 801).responseMessage();
    assertEquals("the master's store could not write the report; send it again later", refusal);
    assertStoreFailing(master);

    StoreFaults.free(master.store());
    awaitStoreWrites(master);
    assertEquals("Result received!", asSlave.send("PUT", "/slave/task/complete", report, "0", slaveToken).message());
    assertEquals(Map.of("pad", PAGES), job.join(WAIT).result());
    stop(master);

    Job read = start().scheduler().job(job.id()).orElseThrow();
    assertEquals(JobStatus.COMPLETED, read.status());
    assertEquals(Map.of("pad", PAGES), read.result());
    assertEquals(1, read.attempts().size());
  }

  @Test
  void aSlaveKeepsAReportTheStoreCannotWriteAndDeliversItOnceTheStoreWrites() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    Slave slave = servers.start(TestSlaves.loopback().heartbeatSpan(Duration.ofMillis(200)).processor(data -> {
      assertTrue(release.await(30, TimeUnit.SECONDS), "released");
      return Map.of("pad", PAGES);
    }).build().start());
    Master master = start();
    master.newConnection("s", Servers.LOOPBACK, slave.port()).connect();
    Job job = master.scheduler().submit(Map.of("n", 1));
    Await.until(WAIT, "the job runs", () -> job.status() == JobStatus.RUNNING);

    StoreFaults.fill(master.store());
    release.countDown();
    Await.until(WAIT, "the slave keeps the report the master could not store", () -> slave.heldResults() == 1);
    assertStoreFailing(master);

    StoreFaults.free(master.store());
    Await.until(WAIT, "the slave delivers it once the store writes", () -> slave.heldResults() == 0);
    awaitStoreWrites(master);
    stop(master);

    Job read = start().scheduler().job(job.id()).orElseThrow();
    assertEquals(JobStatus.COMPLETED, read.status());
    assertEquals(Map.of("pad", PAGES), read.result());
    assertEquals(1, read.attempts().size(), read.attempts()::toString);
  }

  @Test
  void aCancelTheStoreCannotWriteIsNotAcknowledgedAndIsKeptOnceItWrites() throws Exception {
    Master master = start();
    Scheduler scheduler = master.scheduler();
    Job queued = scheduler.submit(Map.of("n", 1, "pad", PAGES)); // no slave: it stays queued

    StoreFaults.fill(master.store());
    // Its row is written again whole, past the cap: the cancel is not on disk, so not acknowledged.
    StoreException refused = assertThrows(StoreException.class, queued::cancel);
    assertTrue(refused.getMessage().contains("SQLITE_FULL"), refused.getMessage());
    assertStoreFailing(master);

    StoreFaults.free(master.store());
    awaitStoreWrites(master);
    stop(master);
    assertEquals(JobStatus.CANCELLED, start().scheduler().job(queued.id()).orElseThrow().status(),
        "the cancel, kept and written once the store could, is there after a restart");
  }
}
