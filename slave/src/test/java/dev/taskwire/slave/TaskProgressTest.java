package dev.taskwire.slave;

import static dev.taskwire.common.testing.Answers.success;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.json.Json;
import dev.taskwire.common.protocol.Side;
import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.PeerClient;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.slave.processor.ExecProcessor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Supplier;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Extension "progress": a MockWebServer plays a master that announced it (or a reference master
 * that did not), and sees what running tasks send it.
 */
class TaskProgressTest {
  private static final String TOKEN = "connection-token";
  private static final Duration LIMIT = Duration.ofSeconds(10);
  @RegisterExtension final Servers servers = new Servers();

  private final MockWebServer master = servers.start(new MockWebServer());
  private final PlayedMaster played = new PlayedMaster();
  private Slave slave;

  /** One request the played master received, in the order they came. */
  private record Received(String method, String path, String channel, String token, Map<String, Object> body) {
    String taskId() {
      return String.valueOf(((Map<?, ?>) body.get("task")).get("id"));
    }

    int done() {
      return ((Number) ((Map<?, ?>) body.get("progress")).get("done")).intValue();
    }

    boolean isProgress() {
      return "/slave/task/progress".equals(path);
    }
  }

  /** Answers success to everything (progress as {@link #progressAnswer} says) and records what came. */
  private static final class PlayedMaster extends Dispatcher {
    final List<Received> received = new CopyOnWriteArrayList<>();
    volatile Supplier<MockResponse> progressAnswer = () -> success("Progress received.");
    volatile Consumer<Received> onProgress = progress -> {};
    final CountDownLatch firstProgress = new CountDownLatch(1);
    final CountDownLatch secondProgress = new CountDownLatch(2);

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      String body = request.getBody().readUtf8();
      Received r = new Received(request.getMethod(), request.getPath(), request.getHeader("Channel"),
          request.getHeader("Token"), body.isEmpty() ? Map.of() : Json.parseObject(body));
      received.add(r);
      if (r.isProgress()) {
        firstProgress.countDown();
        secondProgress.countDown();
        onProgress.accept(r);
        return progressAnswer.get();
      }
      return success("Received!");
    }

    List<Received> progress() {
      return received.stream().filter(Received::isProgress).toList();
    }

    List<Integer> dones() {
      return progress().stream().map(Received::done).toList();
    }

    int lastDone() {
      List<Integer> dones = dones();
      return dones.isEmpty() ? 0 : dones.get(dones.size() - 1);
    }

    List<Received> reports() {
      return received.stream().filter(r -> r.path().startsWith("/slave/task/") && !r.isProgress()).toList();
    }
  }

  private Slave.Builder slaveBuilder() {
    return TestSlaves.loopback().channel(7).heartbeatSpan(Duration.ofMinutes(10))
        .retryWait(Duration.ZERO).requestRetries(0).gracePeriod(Duration.ofSeconds(2));
  }

  private void startMaster() throws IOException {
    master.setDispatcher(played);
    master.start(InetAddress.getLoopbackAddress(), 0);
  }

  /** Connects the played master to the slave; {@code extensions} null makes it a reference master. */
  private PeerClient connect(List<String> extensions) throws IOException {
    PeerClient client = new PeerClient(slave.port(), Side.SLAVE);
    Map<String, Object> masterInfo = extensions == null
        ? Map.of("address", "http://127.0.0.1:" + master.getPort())
        : Map.of("address", "http://127.0.0.1:" + master.getPort(), "taskwire", Map.of("version", "1.0", "extensions", extensions));
    client.send("POST", "/connect", Map.of("master", masterInfo, "data", Map.of()), "7", TOKEN);
    return client;
  }

  private static void sendTask(PeerClient client, String id) throws IOException {
    client.send("POST", "/task/new", Map.of("task", Map.of("id", id), "data", Map.of()), "7", TOKEN);
  }

  private Received awaitReport(String taskId) {
    Await.until(LIMIT, () -> "report of " + taskId + "; received " + played.received,
        () -> played.reports().stream().anyMatch(r -> r.taskId().equals(taskId)));
    return played.reports().stream().filter(r -> r.taskId().equals(taskId)).findFirst().orElseThrow();
  }

  private static Path script(Path dir, String body) throws IOException {
    Path script = dir.resolve("task.sh");
    Files.writeString(script, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    return script;
  }

  @Test
  void javaProcessorReportsEachStepInOrderThenTheResult() throws Exception {
    startMaster();
    slave = servers.start(slaveBuilder().processor((task, data) -> {
      for (int step = 1; step <= 10; step++) {
        task.progress(Map.of("done", step, "total", 10));
        int sent = step;
        // Each step waits until the master has it, so none is coalesced away and the order shows.
        Await.until(LIMIT, "master received step " + sent, () -> played.lastDone() == sent);
      }
      return Map.of("steps", 10, "id", task.taskId());
    }).build().start());
    sendTask(connect(List.of("progress")), "task-p1");

    Received report = awaitReport("task-p1");
    assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), played.dones());
    for (Received progress : played.progress()) {
      assertEquals("PUT", progress.method());
      assertEquals("7", progress.channel());
      assertEquals(TOKEN, progress.token());
      assertEquals("task-p1", progress.taskId());
      assertEquals(Map.of("done", progress.done(), "total", 10), progress.body().get("progress"));
    }
    assertEquals("/slave/task/complete", report.path());
    assertEquals(Map.of("steps", 10, "id", "task-p1"), report.body().get("result"));
    assertEquals(report, played.received.get(played.received.size() - 1), "the report comes after the last progress");
  }

  @Test
  void execScriptReportsStepsThroughItsProgressFileAndTheFileIsGoneAfterwards(@TempDir Path dir) throws Exception {
    Path acks = Files.createDirectory(dir.resolve("acks"));
    // The master acknowledges each step with a file, which the script waits for (bounded) before the next.
    played.onProgress = progress -> {
      try {
        Files.createFile(acks.resolve("ack-" + progress.done()));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    };
    startMaster();
    Path script = script(dir, """
        acks="$1"
        i=1
        while [ $i -le 10 ]; do
          echo "{\\"done\\": $i, \\"total\\": 10}" >> "$TASKWIRE_PROGRESS_FILE"
          if [ $i -eq 5 ]; then echo 'half way, not JSON' >> "$TASKWIRE_PROGRESS_FILE"; fi
          n=0
          while [ ! -e "$acks/ack-$i" ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n+1)); done
          i=$((i+1))
        done
        printf '{"file": "%s"}\\n' "$TASKWIRE_PROGRESS_FILE"
        """);
    slave = servers.start(slaveBuilder().processor(new ExecProcessor(List.of(script.toString(), acks.toString()))).build().start());
    sendTask(connect(List.of("progress")), "task-exec");

    Received report = awaitReport("task-exec");
    assertEquals("/slave/task/complete", report.path(), report.toString());
    assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), played.dones(), "in order, the bad line skipped");
    assertEquals(report, played.received.get(played.received.size() - 1));
    Path file = Path.of((String) ((Map<?, ?>) report.body().get("result")).get("file"));
    assertFalse(Files.exists(file), file + " removed");
    assertFalse(Files.exists(file.getParent()), file.getParent() + " removed");
  }

  @Test
  void execProgressFileIsRemovedWhenTheTaskIsCancelled(@TempDir Path dir) throws Exception {
    startMaster();
    Path where = dir.resolve("where");
    Path script = script(dir, """
        echo '{"done": 1}' >> "$TASKWIRE_PROGRESS_FILE"
        echo "$TASKWIRE_PROGRESS_FILE" > "$1.tmp" && mv "$1.tmp" "$1"
        exec sleep 60
        """);
    slave = servers.start(slaveBuilder().processor(new ExecProcessor(List.of(script.toString(), where.toString()))).build().start());
    PeerClient client = connect(List.of("progress", "cancel"));
    sendTask(client, "task-cancel");
    Await.until(LIMIT, "script told its progress file", () -> Files.exists(where));
    Path file = Path.of(Files.readString(where).trim());
    assertTrue(Files.exists(file));
    Await.until(LIMIT, "progress received", () -> played.lastDone() == 1);
    client.send("POST", "/task/cancel", Map.of("task", Map.of("id", "task-cancel")), "7", TOKEN);
    assertEquals(Map.of("cancelled", true), awaitReport("task-cancel").body().get("result"));
    Await.until(LIMIT, file + " removed", () -> !Files.exists(file) && !Files.exists(file.getParent()));
  }

  @Test
  void tenThousandUpdatesInASecondAreCoalescedToOneRequestPer100MsAndTheLastArrives() throws Exception {
    startMaster();
    long[] elapsedNanos = new long[1];
    slave = servers.start(slaveBuilder().processor((task, data) -> {
      long start = System.nanoTime();
      for (int i = 1; i <= 10_000; i++) {
        task.progress(Map.of("done", i, "total", 10_000));
        // Paced to 100 µs a call, so the 10,000 calls take one second.
        long until = start + i * 100_000L;
        for (long left = until - System.nanoTime(); left > 0; left = until - System.nanoTime()) {
          LockSupport.parkNanos(left);
        }
      }
      Await.until(LIMIT, () -> "last value received; got " + played.dones(), () -> played.lastDone() == 10_000);
      elapsedNanos[0] = System.nanoTime() - start;
      return Map.of();
    }).build().start());
    sendTask(connect(List.of("progress")), "task-chatty");

    assertEquals("/slave/task/complete", awaitReport("task-chatty").path());
    List<Integer> dones = played.dones();
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(elapsedNanos[0]);
    // The k-th request starts at least (k - 1) x 100 ms after the first call.
    assertTrue(dones.size() <= 1 + elapsedMs / 100, dones.size() + " requests in " + elapsedMs + " ms: " + dones);
    assertTrue(dones.size() >= 2, "updates flow while the task runs: " + dones);
    for (int i = 1; i < dones.size(); i++) {
      assertTrue(dones.get(i) > dones.get(i - 1), "strictly increasing: " + dones);
    }
    assertEquals(10_000, dones.get(dones.size() - 1));
    System.out.println("10,000 progress calls in " + elapsedMs + " ms reached the master as " + dones.size() + " requests: " + dones);

    slave.close();
    Await.until(LIMIT, "no progress thread left", () -> Thread.getAllStackTraces().keySet().stream()
        .noneMatch(t -> t.getName().startsWith("taskwire-slave-progress") && t.isAlive()));
  }

  @Test
  void referenceMasterNeverReceivesProgress() throws Exception {
    startMaster();
    slave = servers.start(slaveBuilder().processor((task, data) -> {
      for (int i = 1; i <= 3; i++) {
        task.progress(Map.of("done", i));
      }
      // Gives a progress request, if one were sent, the time to arrive before the report.
      played.firstProgress.await(300, TimeUnit.MILLISECONDS);
      return Map.of("ok", true);
    }).build().start());
    sendTask(connect(null), "task-ref");

    assertEquals("/slave/task/complete", awaitReport("task-ref").path());
    assertEquals("/slave/task/complete", master.takeRequest(5, TimeUnit.SECONDS).getPath(), "the report is the first request");
    assertNull(master.takeRequest(500, TimeUnit.MILLISECONDS), "nothing after the report");
    assertEquals(List.of("/slave/task/complete"), played.received.stream().map(Received::path).toList());
  }

  @Test
  void taskwireMasterThatDidNotAnnounceProgressNeverReceivesIt() throws Exception {
    startMaster();
    slave = servers.start(slaveBuilder().processor((task, data) -> {
      task.progress(Map.of("done", 1));
      played.firstProgress.await(300, TimeUnit.MILLISECONDS);
      return Map.of();
    }).build().start());
    sendTask(connect(List.of("cancel", "idempotent reports")), "task-noprog");

    assertEquals("/slave/task/complete", awaitReport("task-noprog").path());
    assertEquals("/slave/task/complete", master.takeRequest(5, TimeUnit.SECONDS).getPath());
    assertNull(master.takeRequest(500, TimeUnit.MILLISECONDS), "nothing after the report");
  }

  @Test
  void pendingProgressIsDroppedWhenTheReportGoes() throws Exception {
    startMaster();
    long[] gapNanos = new long[1];
    slave = servers.start(slaveBuilder().processor((task, data) -> {
      task.progress(Map.of("done", 1));
      played.firstProgress.await(10, TimeUnit.SECONDS);
      long received = System.nanoTime();
      task.progress(Map.of("done", 2)); // due 100 ms after the first: still pending when the task returns
      gapNanos[0] = System.nanoTime() - received;
      return Map.of();
    }).build().start());
    sendTask(connect(List.of("progress")), "task-drop");

    assertEquals("/slave/task/complete", awaitReport("task-drop").path());
    org.junit.jupiter.api.Assumptions.assumeTrue(gapNanos[0] < TimeUnit.MILLISECONDS.toNanos(50),
        "the task was not held up between its two updates");
    assertEquals("/slave/task/progress", master.takeRequest(5, TimeUnit.SECONDS).getPath());
    assertEquals("/slave/task/complete", master.takeRequest(5, TimeUnit.SECONDS).getPath());
    assertNull(master.takeRequest(500, TimeUnit.MILLISECONDS), "no progress after the report");
    assertEquals(List.of(1), played.dones());
  }

  @Test
  void aProgressRequestTheMasterIsSlowToAnswerDoesNotDelayTheReport() throws Exception {
    played.progressAnswer = () -> success("Progress received.").setHeadersDelay(5, TimeUnit.SECONDS);
    startMaster();
    slave = servers.start(slaveBuilder().processor((task, data) -> {
      task.progress(Map.of("done", 1));
      played.firstProgress.await(10, TimeUnit.SECONDS);
      task.progress(Map.of("done", 2)); // waits behind the first, which is in flight
      return Map.of();
    }).build().start());
    sendTask(connect(List.of("progress")), "task-slow");

    assertEquals("/slave/task/progress", master.takeRequest(5, TimeUnit.SECONDS).getPath());
    long start = System.nanoTime();
    RecordedRequest report = master.takeRequest(5, TimeUnit.SECONDS);
    long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertEquals("/slave/task/complete", report.getPath());
    assertTrue(waitedMs < 2_000, "the report came " + waitedMs + " ms after the progress, not after its 5 s answer");
    assertEquals(List.of(1), played.dones());
  }

  @ParameterizedTest(name = "404 with an envelope: {0}")
  @ValueSource(booleans = {true, false})
  void masterAnswering404StopsProgressOnTheLinkAndTasksStillReport(boolean envelope) throws Exception {
    played.progressAnswer = () -> envelope
        ? new MockResponse().setResponseCode(404).setBody("{\"success\": false, \"code\": 404, \"message\": \"Not found.\", \"data\": null}")
        : new MockResponse().setResponseCode(404).setBody("<html><title>404 Not Found</title></html>");
    startMaster();
    slave = servers.start(slaveBuilder().processor((task, data) -> {
      if (task.taskId().equals("task-a")) {
        task.progress(Map.of("done", 1));
        Await.until(LIMIT, "master answered the first progress", () -> played.progress().size() == 1);
      }
      // Both tasks go on reporting; after the 404 none of it is sent. Each waits (bounded) for a
      // second progress request to arrive, which would come within that time if one were sent.
      for (int i = 2; i <= 5; i++) {
        task.progress(Map.of("done", i));
      }
      played.secondProgress.await(300, TimeUnit.MILLISECONDS);
      return Map.of("task", task.taskId());
    }).build().start());
    PeerClient client = connect(List.of("progress"));
    sendTask(client, "task-a");
    assertEquals(Map.of("task", "task-a"), awaitReport("task-a").body().get("result"));
    sendTask(client, "task-b");
    assertEquals(Map.of("task", "task-b"), awaitReport("task-b").body().get("result"));

    List<String> paths = new ArrayList<>();
    for (RecordedRequest r; (r = master.takeRequest(500, TimeUnit.MILLISECONDS)) != null; ) {
      paths.add(r.getPath());
    }
    assertEquals(List.of("/slave/task/progress", "/slave/task/complete", "/slave/task/complete"), paths);
    assertEquals(List.of(1), played.dones());
  }
}
