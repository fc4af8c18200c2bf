package dev.taskwire.master.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.json.Json;
import dev.taskwire.common.protocol.Headers;
import dev.taskwire.common.protocol.Messages.TaskRef;
import dev.taskwire.common.protocol.Messages.TaskReport;
import dev.taskwire.common.protocol.Side;
import dev.taskwire.common.protocol.SlaveErrorCode;
import dev.taskwire.common.testing.Answers;
import dev.taskwire.common.testing.PeerClient;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.master.Master;
import dev.taskwire.master.SlaveConnection;
import dev.taskwire.master.TestMasters;
import dev.taskwire.slave.TestSlaves;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two Taskwire slaves and a MockWebServer that plays a reference slave exactly: {@code data: null}
 * in its {@code /connect} answer (so no slots, no labels, no extensions), one task at a time, 601
 * when busy, and its report sent to the master's callback address as the reference sends it.
 */
class MixedFleetTest {
  @RegisterExtension final Servers servers = new Servers();
  private final MockWebServer reference = servers.start(new MockWebServer());
  private final ExecutorService referenceTaskThread = Executors.newSingleThreadExecutor();

  {
    servers.after(referenceTaskThread::shutdownNow); // before the reference stops
  }

  /** The reference slave: what it was sent, and whether it was ever sent a task while busy. */
  private final class ReferenceSlave extends Dispatcher {
    final AtomicBoolean busy = new AtomicBoolean();
    final AtomicInteger tasks = new AtomicInteger();
    final AtomicInteger whileBusy = new AtomicInteger();
    /** Answers this many {@code /task/new} with 601 first, as a slave still running a task the master gave up on. */
    final AtomicInteger busyAnswersFirst = new AtomicInteger();
    volatile int masterPort;
    volatile String channel;
    volatile String token;

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      String path = request.getPath();
      if ("/connect".equals(path)) {
        channel = request.getHeader(Headers.CHANNEL);
        token = request.getHeader(Headers.TOKEN);
        String address = (String) ((Map<?, ?>) Json.parseObject(request.getBody().readUtf8()).get("master")).get("address");
        masterPort = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
        return Answers.success("Connect success.");
      }
      if ("/task/new".equals(path)) {
        if (busyAnswersFirst.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
          return Answers.failure(SlaveErrorCode.TASK_ALREADY_EXIST, "Task already exist.");
        }
        if (!busy.compareAndSet(false, true)) {
          whileBusy.incrementAndGet();
          return Answers.failure(SlaveErrorCode.TASK_ALREADY_EXIST, "Task already exist.");
        }
        Map<String, Object> body = Json.parseObject(request.getBody().readUtf8());
        String id = (String) ((Map<?, ?>) body.get("task")).get("id");
        Map<?, ?> data = (Map<?, ?>) body.get("data");
        tasks.incrementAndGet();
        referenceTaskThread.execute(() -> report(id, data));
        return Answers.success("Task start success.");
      }
      return new MockResponse().setResponseCode(404);
    }

    /** As the reference's task thread: idle again, then the report to the master. */
    private void report(String id, Map<?, ?> data) {
      int sum = ((Number) data.get("a")).intValue() + ((Number) data.get("b")).intValue();
      busy.set(false);
      try {
        new PeerClient(masterPort, Side.MASTER).send("PUT", "/slave/task/complete",
            new TaskReport(new TaskRef(id), Map.of("sum", sum, "by", "reference")), channel, token);
      } catch (IOException e) {
        throw new IllegalStateException("the master did not take the report", e);
      }
    }
  }

  @Test
  void allJobsCompleteAndTheReferenceSlaveNeverGetsASecondTaskWhileBusy() throws Exception {
    ReferenceSlave slave = new ReferenceSlave();
    reference.setDispatcher(slave);
    reference.start(InetAddress.getLoopbackAddress(), 0);
    // No heartbeats from the mock: a tolerance longer than the test.
    Master master = servers.start(TestMasters.loopback().heartbeatTolerance(Duration.ofMinutes(5)).build().start());
    for (int i = 0; i < 2; i++) {
      var taskwire = servers.start(TestSlaves.loopback().slots(2).build().start());
      master.newConnection("taskwire-" + i, Servers.LOOPBACK, taskwire.port()).connect();
    }
    SlaveConnection ref = master.newConnection("reference", Servers.LOOPBACK, reference.getPort());
    ref.connect();
    assertEquals(1, ref.slots(), "a reference slave has one slot");
    assertEquals(List.of(), ref.extensions());

    List<Job> jobs = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      jobs.add(master.scheduler().submit(Map.of("a", i, "b", 1)));
    }
    int byReference = 0;
    for (int i = 0; i < jobs.size(); i++) {
      Job job = jobs.get(i).join(Duration.ofSeconds(30));
      assertEquals(JobStatus.COMPLETED, job.status(), job::toString);
      assertEquals(i + 1, ((Number) job.result().get("sum")).intValue());
      assertEquals(1, job.attempts().size(), "no attempt lost, none counted twice");
      if ("reference".equals(job.result().get("by"))) {
        byReference++;
        assertEquals("reference", job.attempts().get(0).connection());
      }
    }
    assertTrue(byReference > 0, "the reference slave took jobs");
    assertEquals(byReference, slave.tasks.get());
    assertEquals(0, slave.whileBusy.get(), "never a second task while busy");
  }

  @Test
  void aBusyAnswerPutsTheJobBackWithoutCountingAnAttempt() throws Exception {
    ReferenceSlave slave = new ReferenceSlave();
    slave.busyAnswersFirst.set(2);
    reference.setDispatcher(slave);
    reference.start(InetAddress.getLoopbackAddress(), 0);
    Master master = servers.start(TestMasters.loopback().heartbeatTolerance(Duration.ofMinutes(5)).build().start());
    List<SchedulerEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
    master.scheduler().addListener(events::add);
    master.newConnection("reference", Servers.LOOPBACK, reference.getPort()).connect();

    Job job = master.scheduler().submit(Map.of("a", 1, "b", 2)).join(Duration.ofSeconds(30));
    assertEquals(JobStatus.COMPLETED, job.status());
    assertEquals(Map.of("sum", 3, "by", "reference"), job.result());
    assertEquals(1, job.attempts().size(), "the busy answers were not attempts");
    dev.taskwire.common.testing.Await.until(Duration.ofSeconds(10), "the final event",
        () -> events.stream().anyMatch(e -> e.type() == SchedulerEvent.Type.COMPLETED));
    List<SchedulerEvent.Type> types = events.stream().filter(e -> job.id().equals(e.job())).map(SchedulerEvent::type).toList();
    assertEquals(List.of(SchedulerEvent.Type.SUBMITTED, SchedulerEvent.Type.DISPATCHED, SchedulerEvent.Type.RETRYING,
        SchedulerEvent.Type.DISPATCHED, SchedulerEvent.Type.RETRYING, SchedulerEvent.Type.DISPATCHED,
        SchedulerEvent.Type.COMPLETED), types);
    assertEquals(3, reference.getRequestCount() - 1, "three /task/new after the /connect");
  }
}
