package dev.taskwire.slave;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.taskwire.common.json.Json;
import dev.taskwire.common.testing.Answers;
import dev.taskwire.common.testing.Await;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;

/**
 * A MockWebServer playing a Taskwire master toward a slave: it answers every request with success
 * while up, and with a 503 page (no envelope, as a proxy in front of a restarting master) while
 * down, and keeps what it received: heartbeats apart from the other requests (the reports).
 */
final class FakeMaster implements AutoCloseable {
  /** A request as received: method, path, Token header and body. */
  record Request(String method, String path, String token, Map<String, Object> body) {}

  private final MockWebServer server = new MockWebServer();
  private final LinkedBlockingQueue<Request> reports = new LinkedBlockingQueue<>();
  private final List<Request> heartbeats = new CopyOnWriteArrayList<>();
  private volatile boolean down;
  private final java.util.concurrent.atomic.AtomicInteger reportsToRefuse = new java.util.concurrent.atomic.AtomicInteger();

  FakeMaster() {
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest recorded) {
        String body = recorded.getBody().readUtf8();
        Request request = new Request(recorded.getMethod(), recorded.getPath(), recorded.getHeader("Token"),
            body.isEmpty() ? Map.of() : Json.parseObject(body));
        if ("/slave/heartbeat".equals(request.path())) {
          heartbeats.add(request);
        } else {
          reports.add(request);
        }
        boolean refused = down || request.path().startsWith("/slave/task/")
            && reportsToRefuse.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
        return refused ? new MockResponse().setResponseCode(503).setBody("<html>503 Service Unavailable</html>")
            : Answers.success("Received!");
      }
    });
  }

  /**
   * The body of a {@code /connect} from this master announcing "adopt" (with idempotent reports and
   * {@code /task/new}) under {@code masterId}, and a heartbeat tolerance of 1 s.
   */
  Map<String, Object> adoptingConnect(String masterId) {
    Map<String, Object> taskwire = new java.util.LinkedHashMap<>();
    taskwire.put("version", "1.0");
    taskwire.put("extensions", List.of("idempotent reports", "idempotent task/new", "cancel", "adopt"));
    taskwire.put("heartbeatToleranceMs", 1_000);
    taskwire.put("masterId", masterId);
    return Map.of("master", Map.of("address", address(), "taskwire", taskwire), "data", Map.of());
  }

  /** Starts on 127.0.0.1, any free port. */
  FakeMaster start() throws IOException {
    server.start(InetAddress.getLoopbackAddress(), 0);
    return this;
  }

  /** Where the slave calls it back. */
  String address() {
    return "http://127.0.0.1:" + server.getPort();
  }

  /** From now on every request is answered 503. */
  void goDown() {
    down = true;
  }

  /** Answers the next {@code count} reports 503 while heartbeats still succeed, as a master that is starting up. */
  void refuseReports(int count) {
    reportsToRefuse.set(count);
  }

  /** From now on every request is answered with success again. */
  void goUp() {
    down = false;
  }

  /** The next request that is no heartbeat, waiting at most 10 s; fails if none came. */
  Request takeReport() throws InterruptedException {
    Request request = reports.poll(10, TimeUnit.SECONDS);
    assertNotNull(request, "no report within 10 s");
    return request;
  }

  /** The requests received that are no heartbeat and not yet taken. */
  List<Request> pendingReports() {
    return List.copyOf(reports);
  }

  /** Waits up to 10 s until {@code count} heartbeats with {@code token} came. */
  void awaitHeartbeats(String token, int count) {
    Await.until(Duration.ofSeconds(10), count + " heartbeats with token " + token,
        () -> heartbeats.stream().filter(h -> token.equals(h.token())).count() >= count);
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
