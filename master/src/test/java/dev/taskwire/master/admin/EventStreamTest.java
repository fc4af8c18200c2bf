package dev.taskwire.master.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.json.Json;
import dev.taskwire.common.protocol.Token;
import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.RawHttp;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.common.testing.ThreadLeaks;
import dev.taskwire.master.Master;
import dev.taskwire.master.TestMasters;
import dev.taskwire.master.admin.AdminMessages.JobRequest;
import dev.taskwire.master.scheduler.SchedulerEvent;
import dev.taskwire.master.scheduler.SchedulerEvent.Type;
import dev.taskwire.slave.TestSlaves;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code GET /api/v1/events} on a real master: what {@link MasterClient#events} receives, the raw
 * stream, and what slow, surplus and abandoned clients get.
 */
class EventStreamTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  /** Short, so that a stream whose client went away is noticed within a test's patience. */
  private static final Duration KEEP_ALIVE = Duration.ofMillis(200);

  @RegisterExtension final Servers servers = new Servers();
  private final Token token = Token.generate();
  private AdminApi api;
  private Master master;
  private MasterClient client;

  @BeforeEach
  void start() {
    api = new AdminApi(token, 10, Duration.ZERO, KEEP_ALIVE);
    master = servers.start(TestMasters.loopback().queueCapacity(50_000).extension(api).build().start());
    client = new MasterClient("http://127.0.0.1:" + master.port(), token);
  }

  /** A stream of events into {@code into}, closed after the test. */
  private EventStream open(List<SchedulerEvent> into) throws IOException {
    return servers.start(client.events(view -> into.add(event(view))));
  }

  /**
   * A raw {@code GET /api/v1/events} on a socket of its own, without {@code Connection: close} (so
   * that the answer is chunked, as a browser's or OkHttp's is). Closed after the test.
   */
  private Socket rawStream(int receiveBuffer) throws IOException {
    Socket socket = servers.start(new Socket());
    if (receiveBuffer > 0) {
      socket.setReceiveBufferSize(receiveBuffer); // before connecting: it sets the TCP window
    }
    socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), master.port()));
    socket.setSoTimeout((int) WAIT.toMillis());
    String head = "GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1:" + master.port() + "\r\nAuthorization: Bearer "
        + token.value() + "\r\nAccept: text/event-stream\r\n\r\n";
    socket.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
    socket.getOutputStream().flush();
    return socket;
  }

  /** The scheduler event {@code view} shows: the client hands over views, the wire's strings. */
  private static SchedulerEvent event(AdminMessages.EventView view) {
    return new SchedulerEvent(Type.valueOf(view.type()), java.time.Instant.parse(view.time()), view.job(), view.group(),
        view.connection(), view.attempt(), view.task(), view.reason(), view.message(), view.progress());
  }

  private static List<Type> types(List<SchedulerEvent> events, String job) {
    return events.stream().filter(e -> job.equals(e.job())).map(SchedulerEvent::type).toList();
  }

  @Test
  void theStreamReaderNeverFollowsARedirect() throws Exception {
    MockWebServer redirecting = servers.start(new MockWebServer());
    MockWebServer elsewhere = servers.start(new MockWebServer());
    elsewhere.start(InetAddress.getLoopbackAddress(), 0);
    redirecting.start(InetAddress.getLoopbackAddress(), 0);
    redirecting.enqueue(new MockResponse().setResponseCode(307)
        .setHeader("Location", elsewhere.url("/api/v1/events")));
    MasterClient redirected = new MasterClient("http://127.0.0.1:" + redirecting.getPort(), token);
    assertThrows(Exception.class, () -> redirected.events(event -> { }).close());
    assertEquals(0, elsewhere.getRequestCount(), "the admin token went nowhere else");
  }

  @Test
  void aJobsEventsArriveInOrderThenEmptyOnceNothingIsLeft() throws Exception {
    List<SchedulerEvent> events = new CopyOnWriteArrayList<>();
    EventStream stream = open(events);
    assertTrue(stream.isOpen());
    client.connect("s1", "127.0.0.1", servers.start(TestSlaves.loopback().slots(1).build().start()).port(), false, Map.of());
    String id = client.submitJob(Map.of("a", 1, "b", 2), new JobRequest(null, "g", null, null, null, null, null, null, null));

    Await.until(WAIT, () -> "EMPTY after the job; got " + events, () -> events.stream().anyMatch(e -> e.type() == Type.EMPTY));
    assertEquals(List.of(Type.SUBMITTED, Type.DISPATCHED, Type.COMPLETED), types(events, id));
    List<Type> all = events.stream().map(SchedulerEvent::type).toList();
    assertEquals(List.of(Type.CONNECTION_LIVE, Type.SUBMITTED, Type.DISPATCHED, Type.COMPLETED, Type.EMPTY), all);
    SchedulerEvent dispatched = events.get(2);
    assertEquals("g", dispatched.group());
    assertEquals("s1", dispatched.connection());
    assertEquals(1, dispatched.attempt());
    assertEquals(client.job(id).attempts().get(0).task(), dispatched.task());
    assertNotNull(dispatched.time());
    assertEquals("s1", events.get(0).connection());
    assertEquals("nothing queued, nothing running", events.get(4).message());
  }

  @Test
  void theRawStreamIsServerSentEventsWithKeepAliveComments() throws Exception {
    Socket socket = rawStream(0);
    BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    assertEquals("HTTP/1.1 200 OK", in.readLine());
    List<String> head = new ArrayList<>();
    for (String line = in.readLine(); !line.isEmpty(); line = in.readLine()) {
      head.add(line.toLowerCase(java.util.Locale.ROOT));
    }
    assertTrue(head.contains("content-type: text/event-stream;charset=utf-8"), head.toString());
    assertTrue(head.contains("cache-control: no-cache"), head.toString());
    // Nothing happens: a keep-alive comment (in a chunk of its own).
    String keepAlive = readUntil(in, line -> line.startsWith(":"));
    assertEquals(": keep-alive", keepAlive);
    String id = client.submitJob(Map.of("x", 1));
    assertEquals("event: SUBMITTED", readUntil(in, line -> line.startsWith("event:")));
    String data = readUntil(in, line -> line.startsWith("data:"));
    Map<String, Object> event = Json.parseObject(data.substring("data: ".length()));
    assertEquals("SUBMITTED", event.get("type"));
    assertEquals(id, event.get("job"));
    assertEquals("default", event.get("group"));
    assertEquals(List.of("type", "time", "job", "group"), List.copyOf(event.keySet()), "no null fields");
  }

  /** Reads lines (skipping chunk sizes and blank lines) until one that {@code wanted} accepts. */
  private static String readUntil(BufferedReader in, java.util.function.Predicate<String> wanted) throws IOException {
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      if (wanted.test(line)) {
        return line;
      }
    }
    throw new AssertionError("the stream ended");
  }

  @Test
  @Timeout(value = 180, unit = TimeUnit.SECONDS) // 36,000 events through two streams: slow on a busy machine
  void aClientThatNeverReadsIsDroppedOnOverflowWithoutHoldingUpOthersOrTheScheduler() throws Exception {
    Socket stuck = rawStream(4_096);
    Await.until(WAIT, "the raw stream is open", () -> api.openEventStreams() == 1);
    // Not a CopyOnWriteArrayList: 60,000 adds would copy it 60,000 times.
    List<SchedulerEvent> events = java.util.Collections.synchronizedList(new ArrayList<>());
    open(events);
    // Batches of 1,000 jobs submitted and cancelled (2,001 events each, EMPTY last), each waiting
    // for the reading stream to have it, so that only the stuck one falls behind. The longest group
    // name makes each event about 280 bytes: 36,000 events are more than the stuck socket's buffers
    // (the kernel's send buffer grows to 4 MB) and its 10,000.
    JobRequest longGroup = new JobRequest(null, "g".repeat(dev.taskwire.common.protocol.ConnectionNames.MAX_LENGTH), null, null,
        null, null, null, null, null);
    int batches = 18;
    long slowest = 0;
    for (int b = 0; b < batches; b++) {
      List<Map<String, Object>> data = IntStream.range(0, 1_000).mapToObj(i -> Map.<String, Object>of("i", i))
          .collect(Collectors.toList());
      long began = System.nanoTime();
      client.submitJobs(data, longGroup);
      client.cancelAll();
      slowest = Math.max(slowest, System.nanoTime() - began);
      int expected = (b + 1) * 2_001;
      Await.until(WAIT, "the reading stream got batch " + b, () -> events.size() == expected);
    }
    assertEquals(Type.EMPTY, events.get(events.size() - 1).type(), "the reading stream got every event");
    assertTrue(slowest < TimeUnit.SECONDS.toNanos(10), "no submit waited for a stream: " + slowest / 1_000_000 + " ms");
    Await.until(WAIT, () -> "the stuck stream is dropped; " + writerStacks(), () -> api.openEventStreams() == 1);

    // What the stuck client's buffers held arrives, then the end: the connection was cut.
    stuck.setSoTimeout((int) WAIT.toMillis());
    long bytes = 0;
    try {
      byte[] buffer = new byte[65_536];
      for (int n; (n = stuck.getInputStream().read(buffer)) >= 0; ) {
        bytes += n;
      }
    } catch (SocketException reset) {
      // A cut with unsent bytes may arrive as a reset: cut all the same.
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the stuck stream was not closed after " + bytes + " bytes");
    }
    assertTrue(bytes > 0);
    assertTrue(bytes < batches * 2_001 * 100L, "it never got all " + batches * 2_001 + " events: " + bytes + " bytes");
    // The reading stream goes on.
    String id = client.submitJob(Map.of());
    Await.until(WAIT, "the reading stream still gets events", () -> id.equals(events.get(events.size() - 1).job()));
  }

  /** The stacks of the event stream writers and the scheduler's event thread, for a failure message. */
  private static String writerStacks() {
    StringBuilder out = new StringBuilder();
    Thread.getAllStackTraces().forEach((thread, stack) -> {
      if (thread.getName().startsWith("taskwire-master-events") || thread.getName().startsWith("taskwire-scheduler-events")) {
        out.append(thread.getName()).append(' ').append(thread.getState()).append('\n');
        for (int i = 0; i < Math.min(25, stack.length); i++) {
          out.append("    ").append(stack[i]).append('\n');
        }
      }
    });
    return out.toString();
  }

  @Test
  void aClientThatFallsBehindButReadsIsSentOverflowAndTheHandleSaysSo() throws Exception {
    List<SchedulerEvent> events = new CopyOnWriteArrayList<>();
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    EventStream slow = servers.start(client.events(event -> {
      events.add(event(event));
      try {
        release.await(WAIT.toMillis(), TimeUnit.MILLISECONDS); // holds the reading thread until released
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }));
    client.submitJob(Map.of());
    Await.until(WAIT, "the listener holds the first event", () -> events.size() == 1);
    for (int b = 0; b < 12; b++) {
      client.submitJobs(IntStream.range(0, 1_000).mapToObj(i -> Map.<String, Object>of()).collect(Collectors.toList()),
          JobRequest.DEFAULTS);
    }
    Await.until(WAIT, "the stream overflows", () -> api.openEventStreams() == 0);
    release.countDown();
    assertEquals(EventStream.End.OVERFLOW, slow.end().get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
    assertFalse(slow.isOpen());
    assertTrue(events.size() < 12_001, "events were lost, as OVERFLOW says: " + events.size());
    ThreadLeaks.assertNoneLeft("taskwire-client-events");
    client.cancelAll();
  }

  @Test
  void theSeventeenthStreamIsRefusedWith429AndAPlaceFreesWhenOneCloses() throws Exception {
    EventStream first = open(new CopyOnWriteArrayList<>());
    for (int i = 1; i < EventStreams.MAX_STREAMS; i++) {
      open(new CopyOnWriteArrayList<>());
    }
    AdminResponseException.TooManyStreams refused =
        assertThrows(AdminResponseException.TooManyStreams.class, () -> client.events(event -> {}));
    assertEquals(429, refused.httpStatus());
    assertEquals(1008, refused.code());
    assertEquals(AdminErrorCode.TOO_MANY_STREAMS, refused.errorCode());
    assertEquals(16, refused.max());
    assertEquals("at most 16 event streams at once; 16 are open", refused.responseMessage());
    RawHttp.Response raw = RawHttp.send(master.port(), "GET", "/api/v1/events",
        Map.of("Authorization", "Bearer " + token.value()), null);
    assertEquals(429, raw.status());
    assertEquals(1008, raw.envelope().code());
    assertEquals(Map.of("max", 16), raw.envelope().data());
    // The refused stream's thread is gone. (While OkHttp runs a call it names the thread after the
    // call's redacted URL, so the 16 reading threads go by that meanwhile, an idle one by its own.)
    String reading = "OkHttp http://127.0.0.1:" + master.port() + "/...";
    Await.until(WAIT, () -> "one thread per open stream, none more: " + ThreadLeaks.alive("taskwire-client-events")
        + ThreadLeaks.alive(reading),
        () -> ThreadLeaks.alive("taskwire-client-events").isEmpty()
            && ThreadLeaks.alive(reading).size() == EventStreams.MAX_STREAMS);

    first.close();
    Await.until(WAIT, "the closed stream's place is free", () -> api.openEventStreams() == EventStreams.MAX_STREAMS - 1);
    List<SchedulerEvent> events = new CopyOnWriteArrayList<>();
    open(events);
    String id = client.submitJob(Map.of());
    Await.until(WAIT, "the new stream gets events", () -> !types(events, id).isEmpty());
  }

  @Test
  void closingTheHandleEndsTheStreamAndLeavesNoThreadBehind() throws Exception {
    List<SchedulerEvent> events = new CopyOnWriteArrayList<>();
    EventStream stream = open(events);
    String before = client.submitJob(Map.of());
    Await.until(WAIT, "the event arrives", () -> !types(events, before).isEmpty());
    stream.close();
    stream.close(); // twice is fine
    assertEquals(EventStream.End.CLOSED, stream.end().get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
    assertFalse(stream.isOpen());
    ThreadLeaks.assertNoneLeft("taskwire-client-events");
    String after = client.submitJob(Map.of());
    assertEquals(List.of(), types(events, after), "no event after close");
    // The master notices at its next write (a keep-alive at the latest) and frees the place.
    Await.until(WAIT, "the master ends its side", () -> api.openEventStreams() == 0);
    client.cancelAll();
  }

  @Test
  void aListenerThatThrowsDoesNotEndTheStream() throws Exception {
    List<SchedulerEvent> events = new CopyOnWriteArrayList<>();
    EventStream stream = servers.start(client.events(event -> {
      events.add(event(event));
      throw new IllegalStateException("listener bug");
    }));
    String first = client.submitJob(Map.of());
    String second = client.submitJob(Map.of());
    Await.until(WAIT, "both events arrive", () -> !types(events, first).isEmpty() && !types(events, second).isEmpty());
    assertTrue(stream.isOpen());
    client.cancelAll();
  }

  @Test
  void theMastersShutdownSendsWhatIsLeftAndEndsEveryStreamCleanly() throws Exception {
    List<SchedulerEvent> events = new CopyOnWriteArrayList<>();
    EventStream stream = open(events);
    Socket raw = rawStream(0);
    Await.until(WAIT, "both streams are open", () -> api.openEventStreams() == 2);
    String id = client.submitJob(Map.of());
    master.close();

    assertEquals(EventStream.End.MASTER_ENDED, stream.end().get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
    // The scheduler's shutdown failed the queued job; its event came before the end.
    assertEquals(List.of(Type.SUBMITTED, Type.FAILED), types(events, id));
    assertEquals("SHUTDOWN", events.stream().filter(e -> e.type() == Type.FAILED).findFirst().orElseThrow().reason());
    String rest = new String(raw.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(rest.contains("event: FAILED"), rest);
    assertTrue(rest.toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding: chunked"), rest);
    assertTrue(rest.endsWith("\n\r\n0\r\n\r\n"), "ended with the last chunk, not cut: " + rest);
    ThreadLeaks.assertNoneLeft("taskwire-master-events");
    ThreadLeaks.assertNoneLeft("taskwire-client-events");
  }

  @Test
  void aStreamNeedsTheToken() throws Exception {
    MasterClient wrong = new MasterClient("http://127.0.0.1:" + master.port(), Token.generate());
    AdminResponseException.Unauthorized e = assertThrows(AdminResponseException.Unauthorized.class, () -> wrong.events(x -> {}));
    assertEquals("wrong admin token", e.responseMessage());
    assertEquals(0, api.openEventStreams());
    ThreadLeaks.assertNoneLeft("taskwire-client-events");
  }
}
