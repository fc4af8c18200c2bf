package dev.taskwire.master.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.taskwire.common.json.Json;
import dev.taskwire.common.protocol.Envelope;
import dev.taskwire.common.protocol.Token;
import dev.taskwire.common.testing.MockRequests;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.master.admin.AdminErrorCode;
import dev.taskwire.master.admin.AdminMessages.JobRequest;
import dev.taskwire.master.admin.AdminMessages.JobView;
import dev.taskwire.master.admin.AdminMessages.TaskView;
import dev.taskwire.master.admin.MasterClient;
import dev.taskwire.master.scheduler.Passing;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@link WorkflowRun} against a MockWebServer, for what a real master does only by chance: an
 * upstream that had already failed when its downstream was sent, so that the master refused it.
 */
class WorkflowRunTest {
  @RegisterExtension final Servers servers = new Servers();
  @TempDir Path dir;
  private MockWebServer server;
  private MasterClient client;

  @BeforeEach
  void start() throws Exception {
    server = servers.start(new MockWebServer());
    server.start(InetAddress.getLoopbackAddress(), 0);
    client = new MasterClient("http://127.0.0.1:" + server.getPort(), Token.generate());
  }

  private void answer(int status, Envelope envelope) {
    server.enqueue(new MockResponse().setResponseCode(status).setBody(Json.toString(envelope)));
  }

  @Test
  void aDownstreamRefusedBecauseItsUpstreamHadFailedIsWrittenUpstreamFailedAndSoAreItsOwn() throws Exception {
    Path file = dir.resolve("workflow.jsonl");
    Files.write(file, List.of(
        "{\"data\": {\"a\": \"x\"}, \"name\": \"up\"}",
        "{\"data\": {\"a\": 1}, \"name\": \"down\", \"after\": [\"up\"]}",
        "{\"data\": {\"a\": 2}, \"after\": [\"down\"]}"));
    CommandLine commandLine = new CommandLine(new SubmitCommand());
    WorkflowFile workflow = WorkflowFile.read(commandLine, file, Passing.MERGE);
    JobView failed = new JobView("j-up", "FAILED", true, 0, "default", List.of(), Map.of("a", "x"),
        Map.of("error", "'a' is not a number"), new TaskView.Failure("SLAVE_FAILED", "the slave reported a failure"),
        "2025-01-01T00:00:00Z", "2025-01-01T00:00:01Z", null, List.of(), "up", List.of(), List.of(), "nest", false, null);
    answer(200, Envelope.success("Queued.", Map.of("id", "j-up")));
    answer(400, Envelope.failure(AdminErrorCode.BAD_REQUEST, "upstream job j-up already ended FAILED: a job after it"
        + " could never run", Map.of()));
    answer(200, Envelope.success("Job.", Json.parseObject(Json.toString(failed))));
    answer(200, Envelope.success("Jobs.", Map.of("jobs", List.of(Json.parseObject(Json.toString(failed))))));

    StringWriter out = new StringWriter();
    WorkflowRun run = new WorkflowRun(client, JobRequest.DEFAULTS, Passing.MERGE, 500, Duration.ofSeconds(10),
        new PrintWriter(out), new Progress("submit", 3, new PrintWriter(new StringWriter()), false));
    run.run(workflow);

    RecordedRequest up = MockRequests.take(server);
    assertEquals("/api/v1/jobs", up.getPath());
    assertEquals(Map.of("data", Map.of("a", "x"), "name", "up"), Json.parseObject(up.getBody().readUtf8()));
    RecordedRequest down = MockRequests.take(server);
    assertEquals(Map.of("data", Map.of("a", 1), "name", "down", "dependsOn", List.of("j-up"), "passing", "merge"),
        Json.parseObject(down.getBody().readUtf8()));
    assertEquals("/api/v1/jobs/j-up", MockRequests.take(server).getPath());
    assertEquals("/api/v1/jobs/wait", MockRequests.take(server).getPath());
    assertEquals(4, server.getRequestCount(), "the line after the refused one is not sent");

    List<Map<String, Object>> lines = out.toString().lines().map(Json::parseObject).toList();
    assertEquals(3, lines.size(), out.toString());
    assertEquals("FAILED", lines.get(0).get("status"));
    Map<String, Object> expectedDown = new java.util.LinkedHashMap<>();
    expectedDown.put("line", 2);
    expectedDown.put("id", null);
    expectedDown.put("status", "FAILED");
    expectedDown.put("result", Map.of("error", "upstream-failed", "upstream", "j-up"));
    expectedDown.put("failure", Map.of("reason", "UPSTREAM_FAILED", "message", "its upstream up (line 1) ended FAILED"
        + " (SLAVE_FAILED: the slave reported a failure) before this line was submitted"));
    expectedDown.put("attempts", 0);
    assertEquals(expectedDown, lines.get(1));
    assertEquals(Map.of("reason", "UPSTREAM_FAILED", "message", "its upstream down (line 2) ended FAILED"
        + " (UPSTREAM_FAILED), so this line was not submitted"), lines.get(2).get("failure"));
    assertEquals(3, run.lines());
    assertEquals(0, run.completed());
  }
}
