package dev.taskwire.slave.processor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.slave.TaskFail;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import dev.taskwire.common.testing.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExecProcessorTest {
  @TempDir Path dir;

  private Path script(String body) throws Exception {
    Path script = dir.resolve("task.sh");
    Files.writeString(script, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    return script;
  }

  @Test
  void stdoutJsonObjectIsTheResultAndStdinIsTheTaskData() throws Exception {
    Path script = script("cat");
    Map<String, Object> result = new ExecProcessor(List.of(script.toString())).process(Map.of("a", 2, "nested", Map.of("b", List.of(1))));
    assertEquals(Map.of("a", 2, "nested", Map.of("b", List.of(1))), result);
  }

  @Test
  void argumentsArePassedToTheCommand() throws Exception {
    Path script = script("echo \"{\\\"args\\\": \\\"$1 $2\\\"}\"");
    assertEquals(Map.of("args", "x y"), new ExecProcessor(List.of(script.toString(), "x", "y")).process(Map.of()));
  }

  @Test
  void nonZeroExitFailsWithExitCodeAndStderr() throws Exception {
    Path script = script("echo 'model not found' >&2\nexit 3");
    TaskFail fail = assertThrows(TaskFail.class, () -> new ExecProcessor(List.of(script.toString())).process(Map.of()));
    assertEquals(Map.of("exitCode", 3, "stderr", "model not found\n"), fail.result());
  }

  @Test
  void stderrIsCutToItsLast4KiB() throws Exception {
    Path script = script("head -c 10000 /dev/zero | tr '\\0' 'x' >&2\necho END >&2\nexit 1");
    TaskFail fail = assertThrows(TaskFail.class, () -> new ExecProcessor(List.of(script.toString())).process(Map.of()));
    String stderr = (String) fail.result().get("stderr");
    assertEquals(4096, stderr.length());
    assertTrue(stderr.endsWith("xEND\n"));
  }

  @Test
  void stdoutThatIsNotAJsonObjectFailsSayingSo() throws Exception {
    Path script = script("echo 'hello world'");
    TaskFail fail = assertThrows(TaskFail.class, () -> new ExecProcessor(List.of(script.toString())).process(Map.of()));
    assertEquals("stdout is not a JSON object", fail.result().get("error"));
    assertEquals("hello world\n", fail.result().get("stdout"));
    TaskFail array = assertThrows(TaskFail.class, () -> new ExecProcessor(List.of(script("echo '[1,2]'").toString())).process(Map.of()));
    assertEquals("stdout must be a JSON object, got ARRAY", array.result().get("detail"));
  }

  @Test
  void emptyStdoutIsTheEmptyResult() throws Exception {
    assertEquals(Map.of(), new ExecProcessor(List.of(script("true").toString())).process(Map.of()));
  }

  @Test
  void missingCommandFailsTheTaskWithTheReason() {
    Exception e = assertThrows(Exception.class, () -> new ExecProcessor(List.of(dir.resolve("nope").toString())).process(Map.of()));
    assertTrue(e.getMessage().contains("nope"), e.getMessage());
  }

  @Test
  void interruptKillsTheProcessAndItsChildren() throws Exception {
    Path pids = dir.resolve("pids");
    Path script = script("sleep 60 &\necho $! > " + pids + ".child\necho $$ > " + pids + "\nwait");
    ExecutorService thread = Executors.newSingleThreadExecutor();
    try {
      Future<?> run = thread.submit(() -> new ExecProcessor(List.of(script.toString())).process(Map.of()));
      Path childFile = Path.of(pids + ".child");
      Await.until(Duration.ofSeconds(10), "script started", () -> Files.exists(pids) && Files.exists(childFile));
      long pid = Long.parseLong(Files.readString(pids).trim());
      Await.until(Duration.ofSeconds(5), "child pid written", () -> {
        try {
          return !Files.readString(childFile).isBlank();
        } catch (java.io.IOException e) {
          return false;
        }
      });
      long child = Long.parseLong(Files.readString(childFile).trim());
      assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
      run.cancel(true);
      Await.until(Duration.ofSeconds(10), "process " + pid + " gone", () -> ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true));
      Await.until(Duration.ofSeconds(10), "child " + child + " gone", () -> ProcessHandle.of(child).map(h -> !h.isAlive()).orElse(true));
    } finally {
      thread.shutdownNow();
      assertTrue(thread.awaitTermination(10, TimeUnit.SECONDS));
    }
  }
}
