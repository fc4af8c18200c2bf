package dev.taskwire.master.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.protocol.Token;
import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.master.Master;
import dev.taskwire.master.TestMasters;
import dev.taskwire.master.admin.AdminMessages.JobView;
import dev.taskwire.master.scheduler.Job;
import dev.taskwire.slave.Slave;
import dev.taskwire.slave.TestSlaves;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Clients that send a long poll and never read its answer. Before, a long poll's answer was
 * written on the thread that ended its wait (the JDK's one delay thread at a timeout, one of the
 * scheduler's callback threads at a completion), blocking until the client read it: answers of
 * several MB to clients that never read held those threads until Jetty's idle timeout (30 s), and
 * every other long poll waited as long. Now such a client costs only its own connection.
 */
class SlowReaderTest {
  /** Far more than the socket buffers between a client and the master on loopback (4 MiB at most to send). */
  private static final int LARGE = 8 * 1024 * 1024;
  /** The scheduler's callback threads: one completion blocked on each stalled them all. */
  private static final int CALLBACK_THREADS = Math.max(2, Runtime.getRuntime().availableProcessors());

  @RegisterExtension final Servers servers = new Servers();
  private final Token token = Token.generate();
  private AdminApi api;
  private Master master;
  private MasterClient client;

  private void startMaster(AdminApi.Builder admin) {
    api = admin.build();
    master = servers.start(TestMasters.loopback().extension(api).build().start());
    client = new MasterClient("http://127.0.0.1:" + master.port(), token);
  }

  /**
   * Sends {@code method path} with {@code body} (null: none) from a client that never reads: its
   * receive buffer is small, so the answer backs up into the master at once. Closed after the test.
   */
  private Socket nonReader(String method, String path, String body) throws IOException {
    Socket socket = servers.start(new Socket());
    socket.setReceiveBufferSize(4096); // before connecting: the window offered is set then
    socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), master.port()));
    byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    String head = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token.value()
        + "\r\nContent-Length: " + bytes.length + "\r\n\r\n";
    socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
    socket.getOutputStream().write(bytes);
    socket.getOutputStream().flush();
    return socket;
  }

  private Job job(String id) {
    return master.scheduler().job(id).orElseThrow();
  }

  private static String largeString() {
    return "x".repeat(LARGE);
  }

  @Test
  @Timeout(60)
  void clientsThatDoNotReadAnswersDueAtCompletionDelayNoOtherLongPoll() throws Exception {
    startMaster(AdminApi.builder(token));
    // One large job per callback thread, each awaited by a client that never reads (both routes).
    Map<String, Object> largeResult = Map.of("blob", largeString());
    String[] large = new String[CALLBACK_THREADS];
    for (int i = 0; i < large.length; i++) {
      large[i] = client.submitJob(Map.of("i", i)); // no slave: it waits to be completed by hand
      if (i % 2 == 0) {
        nonReader("POST", "/api/v1/jobs/wait", "{\"ids\": [\"" + large[i] + "\"], \"timeout\": \"50s\"}");
      } else {
        nonReader("GET", "/api/v1/jobs/" + large[i] + "/wait?timeout=50s", null);
      }
    }
    Await.until(Duration.ofSeconds(10), "the non-readers' long polls waiting", () -> api.answersPending() == large.length);
    for (String id : large) {
      job(id).complete(largeResult); // each job's callbacks, and its long poll's answer, on a callback thread
    }

    String quick = client.submitJob(Map.of("a", 1));
    ExecutorService probeThread = Executors.newSingleThreadExecutor();
    servers.after(probeThread::shutdownNow);
    CompletableFuture<JobView> probe =
        CompletableFuture.supplyAsync(() -> awaitJob(quick, Duration.ofSeconds(50)), probeThread);
    Await.until(Duration.ofSeconds(10), "the probe's long poll waiting", () -> api.answersPending() == large.length + 1);
    job(quick).complete(Map.of("done", true));
    // Before: queued behind the blocked callback threads until Jetty's idle timeout cut the non-readers.
    JobView answered = probe.get(1, TimeUnit.SECONDS);
    assertEquals("COMPLETED", answered.status());
    assertEquals(Map.of("done", true), answered.result());
    // The non-readers' answers are still being written, holding no thread. The probe's answer leaves
    // the count once its write has completed, which may be just after the probe has read it.
    Await.until(Duration.ofSeconds(10), "the probe's answer written", () -> api.answersPending() <= large.length);
    assertEquals(large.length, api.answersPending());
  }

  @Test
  @Timeout(60)
  void aClientThatDoesNotReadAnAnswerDueAtItsTimeoutDelaysNoOtherLongPoll() throws Exception {
    startMaster(AdminApi.builder(token));
    // A task that runs for a minute with large data: its long poll is answered at the timeout, with the data.
    Slave slave = servers.start(TestSlaves.loopback().gracePeriod(Duration.ofMillis(100)).build().start());
    client.connect("s1", "127.0.0.1", slave.port(), false, Map.of());
    String task = client.submit("s1", Map.of("a", 1, "b", 2, "sleepMs", 60_000, "blob", largeString()));
    // Long enough for the wait to be under way when the handler returns: its end is the delay thread's.
    nonReader("GET", "/api/v1/tasks/" + task + "/wait?timeout=200ms", null);
    Await.until(Duration.ofSeconds(10), "the non-reader's long poll waiting", () -> api.answersPending() == 1);

    // Sent later with a longer wait, so due after the non-reader's answer: on the same delay thread before.
    String queued = client.submitJob(Map.of("a", 1), new AdminMessages.JobRequest(null, null, List.of("nowhere"), null,
        null, null, null, null, null));
    ExecutorService probeThread = Executors.newSingleThreadExecutor();
    servers.after(probeThread::shutdownNow);
    CompletableFuture<List<JobView>> probe = CompletableFuture.supplyAsync(() -> {
      try {
        return client.awaitJobs(List.of(queued), Duration.ofMillis(500));
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    }, probeThread);
    List<JobView> answered = probe.get(1_500, TimeUnit.MILLISECONDS); // its 500 ms, and a second
    assertEquals("QUEUED", answered.get(0).status());
  }

  @Test
  @Timeout(60)
  void anAnswerNotReadWithinTheWriteTimeoutIsCutOff() throws Exception {
    startMaster(AdminApi.builder(token).answerWriteTimeout(Duration.ofMillis(300)));
    String large = master.scheduler().submit(Map.of("blob", largeString())).id(); // no slave: it stays queued
    Socket socket = nonReader("GET", "/api/v1/jobs/" + large + "/wait?timeout=1ms", null);
    Await.until(Duration.ofSeconds(10), "the answer under way", () -> api.answersPending() == 1);
    Await.until(Duration.ofSeconds(10), "the answer given up", () -> api.answersPending() == 0);

    // What the socket buffers held arrives, then the end: far less than the answer.
    socket.setSoTimeout(10_000);
    byte[] raw = readUntilClosed(socket.getInputStream());
    String text = new String(raw, 0, Math.min(raw.length, 1_000), StandardCharsets.ISO_8859_1);
    int headEnd = text.indexOf("\r\n\r\n");
    assertTrue(headEnd > 0, "an answer was started: " + text);
    String head = text.substring(0, headEnd).toLowerCase(Locale.ROOT);
    assertTrue(head.startsWith("http/1.1 200"), head);
    long declared = Long.parseLong(head.replaceAll("(?s).*content-length: (\\d+).*", "$1"));
    assertTrue(declared > LARGE, "declared " + declared);
    long received = raw.length - (headEnd + 4);
    assertTrue(received < declared, "received " + received + " of " + declared + " bytes");

    // The master answers others as before.
    assertEquals("QUEUED", client.job(large).status());
  }

  private JobView awaitJob(String id, Duration timeout) {
    try {
      return client.awaitJob(id, timeout);
    } catch (IOException e) {
      throw new RuntimeException(e);
    }
  }

  /** Reads until the end of the stream or a reset, which also ends what the master sent. */
  private static byte[] readUntilClosed(InputStream in) throws SocketTimeoutException {
    ByteArrayOutputStream raw = new ByteArrayOutputStream();
    byte[] buffer = new byte[64 * 1024];
    try {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        raw.write(buffer, 0, n);
      }
    } catch (SocketTimeoutException stillOpen) {
      throw stillOpen; // the connection was not cut
    } catch (IOException reset) {
      // Cut with a reset: what arrived before it is what was sent.
    }
    return raw.toByteArray();
  }
}
