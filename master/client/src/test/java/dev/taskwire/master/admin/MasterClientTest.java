package dev.taskwire.master.admin;

import dev.taskwire.common.testing.MockRequests;
import dev.taskwire.common.testing.Servers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.json.Json;
import dev.taskwire.common.protocol.Envelope;
import dev.taskwire.common.protocol.ResponseException;
import dev.taskwire.common.protocol.Token;
import dev.taskwire.master.admin.AdminMessages.AttemptView;
import dev.taskwire.master.admin.AdminMessages.BackoffView;
import dev.taskwire.master.admin.AdminMessages.Connected;
import dev.taskwire.master.admin.AdminMessages.EventView;
import dev.taskwire.master.admin.AdminMessages.JobRequest;
import dev.taskwire.master.admin.AdminMessages.JobView;
import dev.taskwire.master.admin.AdminMessages.SummaryView;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link MasterClient} against a MockWebServer: the bodies it sends and the exceptions it throws.
 * On this module's classpath, as on an embedder's, there is neither Jetty nor Javalin.
 */
class MasterClientTest {
  @RegisterExtension final Servers servers = new Servers();
  private final MockWebServer server = servers.start(new MockWebServer());
  private final Token token = Token.generate();
  private MasterClient client;

  @BeforeEach
  void start() throws IOException {
    server.start(InetAddress.getLoopbackAddress(), 0);
    client = new MasterClient("http://127.0.0.1:" + server.getPort(), token);
  }

  private void answer(int status, Envelope envelope) {
    server.enqueue(new MockResponse().setResponseCode(status).setBody(Json.toString(envelope)));
  }

  @Test
  void connectSendsEveryFieldOfTheRequestAndReadsTheConnectionAndTheAnswer() throws Exception {
    Map<String, Object> view = new java.util.LinkedHashMap<>();
    view.put("name", "s1");
    view.put("slave", "http://10.0.0.7:7236");
    view.put("state", "CONNECTED");
    view.put("slots", 4);
    view.put("extensions", List.of("cancel"));
    view.put("lastHeartbeatAgeMs", 12);
    view.put("tasksInFlight", 0);
    view.put("labels", List.of("gpu"));
    view.put("freeSlots", 4);
    view.put("answer", Map.of("hello", "master"));
    answer(200, Envelope.success("Connected.", view));

    Connected connected = client.connect("s1", "10.0.0.7", 7236, false, Map.of("who", "cli"));

    RecordedRequest request = MockRequests.take(server);
    assertEquals("POST", request.getMethod());
    assertEquals("/api/v1/connections", request.getPath());
    assertEquals("Bearer " + token.value(), request.getHeader("Authorization"));
    assertEquals("{\"name\":\"s1\",\"host\":\"10.0.0.7\",\"port\":7236,\"https\":false,\"data\":{\"who\":\"cli\"}}",
        request.getBody().readUtf8());
    assertEquals(new AdminMessages.ConnectionView("s1", "http://10.0.0.7:7236", "CONNECTED", 4, List.of("cancel"), 12, 0,
        List.of("gpu"), 4), connected.connection());
    assertEquals(Map.of("hello", "master"), connected.answer());
  }

  @Test
  void submitSendsOnlyTheDataWhenNoTimeoutIsGiven() throws Exception {
    answer(200, Envelope.success("Task started.", Map.of("id", "t-1")));
    assertEquals("t-1", client.submit("s 1", Map.of("a", 1)));
    RecordedRequest request = MockRequests.take(server);
    assertEquals("/api/v1/connections/s%201/tasks", request.getPath());
    assertEquals("{\"data\":{\"a\":1}}", request.getBody().readUtf8());
  }

  @Test
  void aSubmitRequestWithATimeoutWritesItAsADuration() {
    assertEquals("{\"data\":{},\"timeout\":\"1.5s\"}",
        Json.toString(new AdminMessages.SubmitRequest(Map.of(), java.time.Duration.ofMillis(1_500))));
  }

  @Test
  void adminCodesAreThrownAsTheirSubclassWithTheStatusAnswered() {
    answer(400, new Envelope(false, 1001, "header Authorization was given more than once; send it once", Map.of()));
    AdminResponseException.Unauthorized twice = assertThrows(AdminResponseException.Unauthorized.class, client::connections);
    assertEquals(400, twice.httpStatus());
    assertEquals(1001, twice.code());
    answer(404, new Envelope(false, 1002, "no task x", null));
    assertEquals("no task x", assertThrows(AdminResponseException.NotFound.class, () -> client.task("x")).responseMessage());
  }

  @Test
  void aSlavesCodePassedThroughIsASlaveRefusal() {
    answer(409, new Envelope(false, 601, "the slave refused (TASK_ALREADY_EXIST): busy", Map.of("slaveStatus", 400)));
    AdminResponseException.SlaveRefused e =
        assertThrows(AdminResponseException.SlaveRefused.class, () -> client.submit("s1", Map.of()));
    assertEquals(601, e.code());
    assertEquals(400, e.slaveStatus());
    assertEquals(AdminErrorCode.SLAVE_REFUSED, e.errorCode());
  }

  @Test
  void a401WithoutAnAdminCodeIsUnauthorizedAndOtherHttpFailuresStayPlain() {
    server.enqueue(new MockResponse().setResponseCode(401).setBody("<html>proxy: log in</html>"));
    AdminResponseException.Unauthorized proxy = assertThrows(AdminResponseException.Unauthorized.class, client::connections);
    assertEquals(ResponseException.NO_ENVELOPE, proxy.code());
    answer(413, new Envelope(false, 413, "body larger than 65536 bytes", Map.of()));
    ResponseException tooLarge = assertThrows(ResponseException.class, () -> client.submit("s1", Map.of()));
    assertFalse(tooLarge instanceof AdminResponseException, tooLarge.getClass().getName());
    assertEquals(413, tooLarge.code());
  }

  /** Checks the next request the client made: method, path, the token, and the body unless null. */
  private void assertRequest(String method, String path, String body) throws InterruptedException {
    RecordedRequest request = MockRequests.take(server);
    assertEquals(method, request.getMethod());
    assertEquals(path, request.getPath());
    assertEquals("Bearer " + token.value(), request.getHeader("Authorization"));
    if (body != null) {
      assertEquals(body, request.getBody().readUtf8());
    }
  }

  @Test
  void connectWithLabelsSendsThemAndConnectWithoutLeavesThemOut() throws Exception {
    answer(200, Envelope.success("Connected.", Map.of("name", "s1")));
    client.connect("s1", "10.0.0.7", 7236, true, Map.of(), List.of("gpu", "zone=eu"));
    assertRequest("POST", "/api/v1/connections",
        "{\"name\":\"s1\",\"host\":\"10.0.0.7\",\"port\":7236,\"https\":true,\"data\":{},\"labels\":[\"gpu\",\"zone=eu\"]}");
  }

  @Test
  void submitJobSendsTheDataAndOnlyTheOptionsGiven() throws Exception {
    answer(200, Envelope.success("Job queued.", Map.of("id", "j-1")));
    assertEquals("j-1", client.submitJob(Map.of("a", 1)));
    assertRequest("POST", "/api/v1/jobs", "{\"data\":{\"a\":1}}");

    answer(200, Envelope.success("Job queued.", Map.of("id", "j-2")));
    JobRequest options = new JobRequest(3, "g", List.of("gpu"), Duration.ofSeconds(30), Duration.ofMinutes(5),
        Duration.ofHours(1), 4, List.of("TIMEOUT"), new BackoffView(Duration.ofSeconds(1), 2.0, Duration.ofMinutes(1)));
    assertEquals("j-2", client.submitJob(Map.of("a", 2), options));
    assertRequest("POST", "/api/v1/jobs", "{\"data\":{\"a\":2},\"priority\":3,\"group\":\"g\",\"labels\":[\"gpu\"],"
        + "\"timeout\":\"30s\",\"queueTimeout\":\"300s\",\"deadline\":\"3600s\",\"attempts\":4,\"retryOn\":[\"TIMEOUT\"],"
        + "\"backoff\":{\"initial\":\"1s\",\"multiplier\":2.0,\"cap\":\"60s\"}}");
  }

  @Test
  void submitJobsSendsTheListAndReadsTheIdsInOrder() throws Exception {
    answer(200, Envelope.success("2 jobs queued.", Map.of("ids", List.of("j-1", "j-2"))));
    assertEquals(List.of("j-1", "j-2"), client.submitJobs(List.of(Map.of("a", 1), Map.of("a", 2)),
        new JobRequest(null, null, null, null, null, null, 1, null, null)));
    assertRequest("POST", "/api/v1/jobs/batch", "{\"data\":[{\"a\":1},{\"a\":2}],\"attempts\":1}");
  }

  private static Map<String, Object> jobJson(String id, String status) {
    Map<String, Object> job = new java.util.LinkedHashMap<>();
    job.put("id", id);
    job.put("status", status);
    job.put("final", !"QUEUED".equals(status));
    job.put("priority", 0);
    job.put("group", "default");
    job.put("labels", List.of());
    job.put("data", Map.of("a", 1));
    job.put("result", "COMPLETED".equals(status) ? Map.of("sum", 1) : null);
    job.put("failure", null);
    job.put("submittedAt", "2025-01-01T00:00:00Z");
    job.put("finishedAt", null);
    job.put("waitingFor", "QUEUED".equals(status) ? "waiting for a slave to connect" : null);
    job.put("attempts", List.of(Map.of("number", 1, "connection", "s1", "task", "t-1", "dispatchedAt", "2025-01-01T00:00:01Z",
        "outcome", "COMPLETED")));
    return job;
  }

  @Test
  void jobAwaitAndListReadJobViews() throws Exception {
    answer(200, Envelope.success("Job.", jobJson("j 1", "COMPLETED")));
    JobView job = client.job("j 1");
    assertRequest("GET", "/api/v1/jobs/j%201", null);
    assertEquals("COMPLETED", job.status());
    assertTrue(job.isFinal());
    assertEquals(Map.of("sum", 1), job.result());
    assertEquals(new AttemptView(1, "s1", "t-1", "2025-01-01T00:00:01Z", null, "COMPLETED", null), job.attempts().get(0));

    answer(200, Envelope.success("Job not final yet.", jobJson("j-2", "QUEUED")));
    assertEquals("waiting for a slave to connect", client.awaitJob("j-2", Duration.ofMillis(1_500)).waitingFor());
    assertRequest("GET", "/api/v1/jobs/j-2/wait?timeout=1500ms", null);

    answer(200, Envelope.success("Jobs final.", Map.of("jobs", List.of(jobJson("j-2", "COMPLETED"), jobJson("j-1", "FAILED")))));
    List<JobView> jobs = client.awaitJobs(List.of("j-2", "j-1"), Duration.ofSeconds(30));
    assertEquals(List.of("j-2", "j-1"), jobs.stream().map(JobView::id).toList());
    assertRequest("POST", "/api/v1/jobs/wait", "{\"ids\":[\"j-2\",\"j-1\"],\"timeout\":\"30s\"}");

    answer(200, Envelope.success("Jobs.", Map.of("jobs", List.of(jobJson("j-1", "QUEUED")))));
    assertEquals(1, client.jobs("QUEUED", "night shift", 5).size());
    assertRequest("GET", "/api/v1/jobs?limit=5&status=QUEUED&group=night%20shift", null);
    answer(200, Envelope.success("Jobs.", Map.of("jobs", List.of())));
    assertEquals(List.of(), client.jobs(null, null, 100));
    assertRequest("GET", "/api/v1/jobs?limit=100", null);
  }

  @Test
  void cancelsCompleteAndLimitsSendTheirBodiesAndReadTheirCounts() throws Exception {
    answer(200, Envelope.success("Job cancelled.", Map.of("cancelled", 1)));
    assertTrue(client.cancelJob("j-1"));
    assertRequest("DELETE", "/api/v1/jobs/j-1", null);
    answer(200, Envelope.success("Job already final.", Map.of("cancelled", 0)));
    assertFalse(client.cancelJob("j-1"));
    assertRequest("DELETE", "/api/v1/jobs/j-1", null);

    answer(200, Envelope.success("3 jobs cancelled.", Map.of("cancelled", 3)));
    assertEquals(3, client.cancelGroup("g"));
    assertRequest("POST", "/api/v1/jobs/cancel", "{\"group\":\"g\"}");
    answer(200, Envelope.success("7 jobs cancelled.", Map.of("cancelled", 7)));
    assertEquals(7, client.cancelAll());
    assertRequest("POST", "/api/v1/jobs/cancel", "{\"all\":true}");

    answer(200, Envelope.success("Job completed.", Map.of("completed", true)));
    assertTrue(client.completeJob("j-1", Map.of("answer", 42)));
    assertRequest("POST", "/api/v1/jobs/j-1/complete", "{\"result\":{\"answer\":42}}");

    answer(200, Envelope.success("Limit set.", Map.of("limits", Map.of("g", 2))));
    assertEquals(Map.of("g", 2), client.limit("g", 2));
    assertRequest("PUT", "/api/v1/limits/g", "{\"limit\":2}");
    answer(200, Envelope.success("Limit removed.", Map.of("limits", Map.of())));
    assertEquals(Map.of(), client.removeLimit("g"));
    assertRequest("DELETE", "/api/v1/limits/g", null);
  }

  @Test
  void theSummaryIsReadWithItsPrioritiesAsNumbers() throws Exception {
    Map<String, Object> summary = new java.util.LinkedHashMap<>();
    summary.put("queued", 3);
    summary.put("waitingForRetry", 1);
    summary.put("running", 2);
    summary.put("queueCapacity", 100);
    summary.put("queuedByPriority", Map.of("5", Map.of("g", 1), "-1", Map.of("default", 2)));
    summary.put("runningByGroup", Map.of("g", 2));
    summary.put("limits", Map.of("g", 2));
    summary.put("freeSlots", Map.of("s1", 0));
    summary.put("totals", Map.of("submitted", 9, "completed", 3, "failed", 1, "cancelled", 0, "retries", 2));
    summary.put("waitingForUpstreams", 4);
    answer(200, Envelope.success("Scheduler.", summary));
    SummaryView read = client.schedulerSummary();
    assertRequest("GET", "/api/v1/scheduler", null);
    assertEquals(new SummaryView(3, 1, 2, 100, Map.of(5, Map.of("g", 1), -1, Map.of("default", 2)), Map.of("g", 2),
        Map.of("g", 2), Map.of("s1", 0), new SummaryView.Totals(9, 3, 1, 0, 2), 4), read);
  }

  @Test
  void aFullQueueIsThrownAsQueueFullWithItsCapacity() {
    answer(429, new Envelope(false, 1007, "the scheduler's queue is full", Map.of("capacity", 10)));
    AdminResponseException.QueueFull full =
        assertThrows(AdminResponseException.QueueFull.class, () -> client.submitJobs(List.of(Map.of()), JobRequest.DEFAULTS));
    assertEquals(429, full.httpStatus());
    assertEquals(10, full.capacity());
    // The HTTP layer's own 429 (too many large bodies) stays a plain failure.
    answer(429, new Envelope(false, 429, "too many large bodies at once", Map.of()));
    ResponseException busy = assertThrows(ResponseException.class, () -> client.submitJob(Map.of()));
    assertFalse(busy instanceof AdminResponseException, busy.getClass().getName());
  }

  @Test
  void aRefusedEventStreamIsThrownAsTheSubclassOfItsCode() {
    answer(429, new Envelope(false, 1008, "at most 16 event streams at once; 16 are open", Map.of("max", 16)));
    AdminResponseException.TooManyStreams refused =
        assertThrows(AdminResponseException.TooManyStreams.class, () -> client.events(event -> {}));
    assertEquals(16, refused.max());
    server.enqueue(new MockResponse().setResponseCode(200).setHeader("Content-Type", "text/html").setBody("<html/>"));
    ResponseException notAStream = assertThrows(ResponseException.class, () -> client.events(event -> {}));
    assertTrue(notAStream.responseMessage().startsWith("response is not an event stream"), notAStream.responseMessage());
    dev.taskwire.common.testing.ThreadLeaks.assertNoneLeft("taskwire-client-events");
  }

  @Test
  void anEventStreamHandsOverEachEventAndEndsWhenTheMasterEndsIt() throws Exception {
    server.enqueue(new MockResponse().setResponseCode(200).setHeader("Content-Type", "text/event-stream")
        .setBody("event: SUBMITTED\ndata: {\"type\":\"SUBMITTED\",\"time\":\"2025-01-01T00:00:00Z\",\"job\":\"j-1\","
            + "\"group\":\"g\"}\n\n: keep-alive\n\nevent: NEWER_TYPE\ndata: {\"type\":\"NEWER_TYPE\",\"time\":"
            + "\"2025-01-01T00:00:01Z\"}\n\nevent: EMPTY\ndata: {\"type\":\"EMPTY\",\"time\":\"2025-01-01T00:00:02Z\","
            + "\"message\":\"nothing queued, nothing running\"}\n\n"));
    List<EventView> events = new java.util.concurrent.CopyOnWriteArrayList<>();
    EventStream stream = servers.start(client.events(events::add));
    assertEquals(EventStream.End.MASTER_ENDED, stream.end().get(10, java.util.concurrent.TimeUnit.SECONDS));
    assertRequest("GET", "/api/v1/events", null);
    assertEquals(List.of(
        new EventView("SUBMITTED", "2025-01-01T00:00:00Z", "j-1", "g", null, null, null, null, null),
        new EventView("EMPTY", "2025-01-01T00:00:02Z", null, null, null, null, null, null,
            "nothing queued, nothing running")), events, "the keep-alive and an unknown type are skipped");
    stream.close();
    dev.taskwire.common.testing.ThreadLeaks.assertNoneLeft("taskwire-client-events");
  }

  @Test
  void anOverflowEventEndsTheStreamAsOverflow() throws Exception {
    server.enqueue(new MockResponse().setResponseCode(200).setHeader("Content-Type", "text/event-stream")
        .setBody("event: OVERFLOW\ndata: {\"type\":\"OVERFLOW\",\"time\":\"2025-01-01T00:00:00Z\",\"message\":\"behind\"}\n\n"));
    List<EventView> events = new java.util.concurrent.CopyOnWriteArrayList<>();
    EventStream stream = servers.start(client.events(events::add));
    assertEquals(EventStream.End.OVERFLOW, stream.end().get(10, java.util.concurrent.TimeUnit.SECONDS));
    assertEquals(List.of(), events);
  }
}
