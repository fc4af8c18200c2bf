package dev.taskwire.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.RawHttp;
import dev.taskwire.common.testing.Servers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A slave JVM with a small heap ({@code -Xmx256m}) against 32 unauthenticated 16 MiB bodies at once,
 * twice: before the body limits, one such body of {@code [{},{},...]} took 460 MB of heap and 32 ran
 * the slave out of memory. Now each is refused 413, {@code /health} answers throughout, and a real
 * master uses the slave afterwards.
 */
class SlaveHeapIT {
  private static final int BODY_BYTES = 16 * 1024 * 1024;
  private static final int AT_ONCE = 32;

  @RegisterExtension final Servers servers = new Servers();
  @TempDir Path dir;

  @Test
  @Timeout(60)
  void sixteenMebibyteBodiesInParallelAreRefusedAndTheSlaveStaysHealthy() throws Exception {
    SlaveJvms jvm = servers.start(SlaveJvms.start(dir, 1, List.of("-Xmx256m"), "--channel", "0"));
    Process slave = jvm.process(0);
    int port = jvm.port(0);
    Await.until(Duration.ofSeconds(30), "slave answering /health", () -> healthy(port));

    for (int storm = 0; storm < 2; storm++) {
      long rssBefore = rssKib(slave.pid());
      long started = System.nanoTime();
      AtomicBoolean storming = new AtomicBoolean(true);
      AtomicInteger healthAnswers = new AtomicInteger();
      AtomicReference<String> healthFailure = new AtomicReference<>();
      // Own threads, not CompletableFuture's default pool: with more than 2 cores that is the common
      // ForkJoinPool, where blocking readers queue behind each other and an answer read late can be
      // lost to the reset that follows the slave's close.
      ExecutorService pollerThread = Executors.newSingleThreadExecutor(named("heap-it-health"));
      ExecutorService clients = Executors.newFixedThreadPool(AT_ONCE, named("heap-it-client"));
      ExecutorService readers = Executors.newFixedThreadPool(AT_ONCE, named("heap-it-reader"));
      servers.after(() -> {
        storming.set(false);
        clients.shutdownNow();
        readers.shutdownNow();
        pollerThread.shutdown(); // the poll ends once storming is false
      });
      Future<?> poller = pollerThread.submit(() -> {
        while (storming.get() && healthFailure.get() == null) {
          if (healthy(port)) {
            healthAnswers.incrementAndGet();
          } else {
            healthFailure.set("/health did not answer 200 during the storm");
          }
          pause(50); // the poll's pace, not a synchronisation: a storm lasts about 0.5-1 s here
        }
      });
      List<Future<RawHttp.Response>> answers = new ArrayList<>();
      for (int i = 0; i < AT_ONCE; i++) {
        boolean chunked = i % 2 == 0;
        String token = "t" + storm + "-" + i;
        answers.add(clients.submit(() -> hugeConnect(port, token, chunked, readers)));
      }
      for (Future<RawHttp.Response> future : answers) {
        RawHttp.Response answer = future.get(30, TimeUnit.SECONDS);
        assertEquals(413, answer.status(), answer.body());
        assertEquals(413, answer.envelope().code());
      }
      storming.set(false);
      poller.get(10, TimeUnit.SECONDS);
      System.out.printf("SlaveHeapIT storm %d: %d x 413 in %d ms, %d /health answers 200, slave VmRSS %d -> %d KiB%n",
          storm, AT_ONCE, (System.nanoTime() - started) / 1_000_000, healthAnswers.get(), rssBefore, rssKib(slave.pid()));
      assertEquals(null, healthFailure.get(), "storm " + storm);
      assertTrue(healthAnswers.get() >= 2, "/health answered " + healthAnswers.get() + " times during storm " + storm);
      assertTrue(slave.isAlive(), "the slave survived storm " + storm + "; its log: " + Files.readString(dir.resolve("slave-0.log")));
    }

    // A real master still uses the slave.
    Master master = servers.start(TestMasters.loopback().build().start());
    SlaveConnection connection = jvm.connection(master, "s", 0);
    connection.connect();
    Task task = connection.newTask(Map.of("a", 2, "b", 3)).start().join(Duration.ofSeconds(20));
    assertEquals(TaskStatus.COMPLETED, task.status());
    assertEquals(Map.of("sum", 5), task.result());
  }

  /**
   * Sends {@code POST /connect} with a 16 MiB body of {@code {"x":[{},{},...]}}, declared or chunked,
   * while a reader takes the answer as soon as it comes (the slave answers 413 before the body is
   * all sent, then closes; writing the rest then fails, which is expected).
   */
  private static RawHttp.Response hugeConnect(int port, String token, boolean chunked, ExecutorService readers)
      throws Exception {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(30_000);
      Future<byte[]> answer = readers.submit(() -> readAll(socket));
      OutputStream out = socket.getOutputStream();
      String head = "POST /connect HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nChannel: 0\r\nToken: " + token + "\r\n"
          + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + BODY_BYTES + "\r\n") + "\r\n";
      try {
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        writeBody(out, chunked);
      } catch (IOException refusedMidway) {
        // The 413 came first and the slave closed: the rest was never going to be read.
      }
      byte[] raw = answer.get(30, TimeUnit.SECONDS);
      if (raw.length == 0) {
        throw new AssertionError("no answer to a huge body (chunked " + chunked + ")");
      }
      return RawHttp.parse(raw);
    }
  }

  private static void writeBody(OutputStream out, boolean chunked) throws IOException {
    byte[] piece = "{},".repeat(20_000).getBytes(StandardCharsets.US_ASCII); // 60,000 bytes
    int sent = 0;
    byte[] start = "{\"x\":[".getBytes(StandardCharsets.US_ASCII);
    writeChunk(out, start, chunked);
    sent += start.length;
    while (sent + piece.length < BODY_BYTES - 8) {
      writeChunk(out, piece, chunked);
      sent += piece.length;
    }
    writeChunk(out, "{}]}".getBytes(StandardCharsets.US_ASCII), chunked);
    if (chunked) {
      out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    out.flush();
  }

  private static void writeChunk(OutputStream out, byte[] bytes, boolean chunked) throws IOException {
    if (chunked) {
      out.write((Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
    }
    out.write(bytes);
    if (chunked) {
      out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
    }
  }

  private static byte[] readAll(Socket socket) {
    ByteArrayOutputStream raw = new ByteArrayOutputStream();
    try {
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[8192];
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        raw.write(buffer, 0, n);
      }
    } catch (IOException resetAfterTheAnswer) {
      // A reset once the answer is in: what was read is the answer.
    }
    return raw.toByteArray();
  }

  /** The resident set of process {@code pid} in KiB, or -1 where /proc does not tell (not Linux). */
  private static long rssKib(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | RuntimeException notLinux) {
      // Only a log line depends on it.
    }
    return -1;
  }

  private static ThreadFactory named(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> new Thread(runnable, prefix + "-" + count.incrementAndGet());
  }

  private static boolean healthy(int port) {
    try {
      return RawHttp.send(port, "GET", "/health", Map.of(), null).status() == 200;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
