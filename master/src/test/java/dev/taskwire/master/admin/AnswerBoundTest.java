package dev.taskwire.master.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.protocol.Token;
import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.RawHttp;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.master.Master;
import dev.taskwire.master.TestMasters;
import dev.taskwire.master.admin.AdminMessages.JobRequest;
import dev.taskwire.master.admin.AdminMessages.JobView;
import dev.taskwire.slave.Slave;
import dev.taskwire.slave.TestSlaves;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bound on answers that hold many jobs or tasks. Before, {@code POST /api/v1/jobs/wait} took
 * the same id 10,000 times, and any list was built in full however large: a 400 KB request about
 * a 100 KB job built a 1 GB answer and ran a master with a 1 GiB heap out of memory. Now a repeated
 * id is refused, and an answer past the bound is refused with 413 ANSWER_TOO_LARGE before it is built.
 */
class AnswerBoundTest {
  private static final long BOUND = 1024 * 1024;
  /** Three jobs of this much data fit within {@link #BOUND}; four do not. */
  private static final int DATA_CHARS = 300_000;

  @RegisterExtension final Servers servers = new Servers();
  private final Token token = Token.generate();
  private AdminApi api;
  private Master master;
  private MasterClient client;

  private void startMaster() {
    api = AdminApi.builder(token).maxAnswerBytes(BOUND).build();
    master = servers.start(TestMasters.loopback().extension(api).build().start());
    client = new MasterClient("http://127.0.0.1:" + master.port(), token);
  }

  private static Map<String, Object> largeData() {
    return Map.of("a", 1, "b", 2, "blob", "x".repeat(DATA_CHARS));
  }

  private static void assertTooLarge(AdminResponseException.AnswerTooLarge e, int fit) {
    assertEquals(413, e.httpStatus());
    assertEquals(1009, e.code());
    assertEquals(AdminErrorCode.ANSWER_TOO_LARGE, e.errorCode());
    assertEquals(BOUND, e.maxBytes());
    assertTrue(e.atLeastBytes() > BOUND, "atLeastBytes " + e.atLeastBytes());
    assertEquals(fit, e.fit(), e.getMessage());
  }

  @Test
  void aWaitThatListsAnIdTwiceIsRefusedNamingIt() throws Exception {
    startMaster();
    String a = client.submitJob(Map.of("a", 1));
    String b = client.submitJob(Map.of("a", 2));
    RawHttp.Response answer = RawHttp.send(master.port(), "POST", "/api/v1/jobs/wait",
        Map.of("Authorization", "Bearer " + token.value()), "{\"ids\": [\"" + a + "\", \"" + b + "\", \"" + a + "\"]}");
    assertEquals(400, answer.status(), answer.body());
    assertEquals(1003, answer.envelope().code());
    assertEquals("ids must not repeat an id, got \"" + a + "\" at 0 and at 2", answer.envelope().message());

    AdminResponseException.BadRequest e = assertThrows(AdminResponseException.BadRequest.class,
        () -> client.awaitJobs(List.of(b, b), Duration.ofSeconds(1)));
    assertEquals("ids must not repeat an id, got \"" + b + "\" at 0 and at 1", e.responseMessage());
  }

  @Test
  void aListOfJobsPastTheBoundIs413SayingHowManyFit() throws Exception {
    startMaster();
    client.submitJobs(List.of(largeData(), largeData(), largeData(), largeData()), JobRequest.DEFAULTS);

    RawHttp.Response raw = RawHttp.send(master.port(), "GET", "/api/v1/jobs?limit=4",
        Map.of("Authorization", "Bearer " + token.value()), null);
    assertEquals(413, raw.status(), raw.body());
    assertEquals(1009, raw.envelope().code());
    assertEquals("the answer would hold more than 1048576 bytes, the most this master answers at once: the first 3 of"
        + " the 4 jobs fit; ask for fewer (a smaller ?limit, or only a ?status or ?group), or for jobs with smaller"
        + " data and results", raw.envelope().message());

    assertTooLarge(assertThrows(AdminResponseException.AnswerTooLarge.class, () -> client.jobs(null, null, 4)), 3);
    List<JobView> fitting = client.jobs(null, null, 3);
    assertEquals(3, fitting.size());
    assertEquals(largeData(), fitting.get(0).data());
  }

  @Test
  void aListOfTasksPastTheBoundIs413SayingHowManyFit() throws Exception {
    startMaster();
    Slave slave = servers.start(TestSlaves.loopback().build().start());
    client.connect("s1", "127.0.0.1", slave.port(), false, Map.of());
    for (int i = 0; i < 4; i++) {
      client.awaitFinal(client.submit("s1", largeData()), Duration.ofSeconds(20));
    }

    assertTooLarge(assertThrows(AdminResponseException.AnswerTooLarge.class, () -> client.tasks(10)), 3);
    assertEquals(3, client.tasks(3).size());
  }

  @Test
  @Timeout(20)
  void aWaitForJobsPastTheBoundIsRefusedBeforeItWaits() throws Exception {
    startMaster();
    List<String> ids = client.submitJobs(List.of(largeData(), largeData(), largeData(), largeData()), JobRequest.DEFAULTS);

    // Queued, with no slave: a wait would last its 50 s. It is refused at once instead.
    assertTooLarge(assertThrows(AdminResponseException.AnswerTooLarge.class,
        () -> client.awaitJobs(ids, Duration.ofSeconds(50))), 3);
    assertEquals(0, api.answersPending());
  }

  @Test
  @Timeout(20)
  void aWaitWhoseResultsPassTheBoundIsRefusedWhenTheyArrive() throws Exception {
    startMaster();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      ids.add(client.submitJob(Map.of("i", i)));
    }
    ExecutorService waiter = Executors.newSingleThreadExecutor();
    servers.after(waiter::shutdownNow);
    CompletableFuture<List<JobView>> wait = CompletableFuture.supplyAsync(() -> {
      try {
        return client.awaitJobs(ids, Duration.ofSeconds(50));
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    }, waiter);
    Await.until(Duration.ofSeconds(10), "the wait under way", () -> api.answersPending() == 1);
    for (String id : ids) {
      client.completeJob(id, Map.of("blob", "y".repeat(DATA_CHARS)));
    }
    Throwable refused = assertThrows(java.util.concurrent.ExecutionException.class,
        () -> wait.get(10, TimeUnit.SECONDS)).getCause();
    assertTooLarge((AdminResponseException.AnswerTooLarge) refused, 3);
  }

  @Test
  void theJavaClientReadsAnAnswerLargerThanARequestBodyMayBe() throws Exception {
    api = AdminApi.builder(token).maxAnswerBytes(AdminApi.DEFAULT_MAX_ANSWER_BYTES).build();
    master = servers.start(TestMasters.loopback().extension(api).build().start());
    client = new MasterClient("http://127.0.0.1:" + master.port(), token);
    Map<String, Object> data = Map.of("blob", "x".repeat(7 * 1024 * 1024));
    for (int i = 0; i < 3; i++) {
      master.scheduler().submit(data); // one map for all three: 21 MiB of answer
    }
    // Before, MasterClient read at most 16 MiB, a request body's limit, and failed on this answer.
    List<JobView> jobs = client.jobs(null, null, 3);
    assertEquals(3, jobs.size());
    assertEquals(data, jobs.get(2).data());
  }

  @Test
  void theBoundIsCheckedByTheBuilderAndDefaultsToAnEighthOfASmallHeap() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> AdminApi.builder(token).maxAnswerBytes(1023));
    assertEquals("maxAnswerBytes < 1024: 1023", e.getMessage());
    assertEquals(5 * 1024 * 1024, AdminApi.builder(token).maxAnswerBytes(5 * 1024 * 1024).build().maxAnswerBytes());
    assertEquals(Math.min(64L * 1024 * 1024, Runtime.getRuntime().maxMemory() / 8),
        AdminApi.builder(token).build().maxAnswerBytes());
  }

  /**
   * In a JVM of 128 MiB: 200 jobs that share one 4 MiB data map, asked for at once (800 MiB as an
   * answer), by a wait and by a list. Both are refused 413 before anything is built, the process
   * keeps running, and one such job is still answered.
   */
  @Test
  @Timeout(120)
  void anAnswerOfHundredsOfMebibytesIsRefusedInASmallHeapWithoutRunningOutOfMemory(@TempDir Path dir)
      throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path log = dir.resolve("probe.log");
    // Exits with 3 on running out of memory rather than limping on with a dead thread.
    Process probe = servers.start(new ProcessBuilder(java, "-Xmx128m", "-XX:+ExitOnOutOfMemoryError",
        "-cp", System.getProperty("java.class.path"), HugeAnswerProbe.class.getName())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start());

    assertTrue(probe.waitFor(100, TimeUnit.SECONDS), "the probe ended; its output: " + Files.readString(log));
    String output = Files.readString(log);
    assertEquals(0, probe.exitValue(), output);
    List<String> lines = output.lines().toList();
    assertTrue(lines.contains("wait 413 1009"), output);
    assertTrue(lines.contains("list 413 1009"), output);
    assertTrue(lines.contains("one 200 0"), output);
  }
}
