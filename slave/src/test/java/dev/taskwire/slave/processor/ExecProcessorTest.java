package dev.taskwire.slave.processor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.testing.Servers;
import dev.taskwire.slave.TaskFail;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import dev.taskwire.common.testing.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class ExecProcessorTest {
  /** The stdout cap of the output-limit tests: small, so that a runaway command passes it at once. */
  private static final long CAP = 1024 * 1024;
  /** What a task's files may take beyond the cap: a pipe's worth and the stdin and progress files. */
  private static final long SLACK = 256 * 1024;
  @RegisterExtension final Servers servers = new Servers();

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
    ExecutorService thread = thread();
    Future<?> run = thread.submit(() -> new ExecProcessor(List.of(script.toString())).process(Map.of()));
    long pid = awaitPid(pids);
    long child = awaitPid(Path.of(pids + ".child"));
    assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    run.cancel(true);
    Await.until(Duration.ofSeconds(10), "process " + pid + " gone", () -> ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true));
    Await.until(Duration.ofSeconds(10), "child " + child + " gone", () -> ProcessHandle.of(child).map(h -> !h.isAlive()).orElse(true));
  }

  @Test
  void aCommandThatNeverStopsWritingIsKilledWithItsChildrenAndFailsWithOutputLimit() throws Exception {
    Path temp = Files.createDirectory(dir.resolve("temp"));
    Path pids = dir.resolve("pids");
    // `yes` never ends on its own and there is no task timeout here: only the cap can stop it.
    Path script = script("sleep 1000 &\necho $! > " + pids + "\nexec yes");
    ExecutorService thread = thread();
    Future<?> run = thread.submit(() -> new ExecProcessor(List.of(script.toString()), CAP, temp).process(Map.of()));
    AtomicLong largest = new AtomicLong();
    Await.until(Duration.ofSeconds(5), () -> "the task to end; its files took " + largest + " bytes so far", () -> {
      largest.accumulateAndGet(bytesUnder(temp), Math::max);
      return run.isDone();
    });
    ExecutionException failed = assertThrows(ExecutionException.class, run::get);
    TaskFail fail = assertInstanceOf(TaskFail.class, failed.getCause());
    assertEquals("output-limit", fail.result().get("error"));
    assertEquals("stdout passed 1048576 bytes; the command and its processes were killed", fail.result().get("message"));
    assertTrue(largest.get() <= CAP + SLACK, "the task's files took " + largest + " bytes");
    long child = Long.parseLong(Files.readString(pids).trim());
    Await.until(Duration.ofSeconds(5), "child " + child + " gone", () -> isGone(child));
  }

  @Test
  void stdoutUpToTheCapIsStillTheResult() throws Exception {
    // 1 MiB exactly: a JSON string of CAP - 8 characters and its 8 bytes of frame and newline.
    Path script = script("printf '{\"s\": \"'\nhead -c " + (CAP - 10) + " /dev/zero | tr '\\0' x\nprintf '\"}\\n'");
    Map<String, Object> result = new ExecProcessor(List.of(script.toString()), CAP, null).process(Map.of());
    assertEquals(CAP - 10, ((String) result.get("s")).length());
  }

  @Test
  void muchStderrTakesNoDiskAndItsLast4KiBAreKept() throws Exception {
    Path temp = Files.createDirectory(dir.resolve("temp"));
    Path script = script("head -c 16777216 /dev/zero >&2\necho END >&2\nexit 1");
    ExecutorService thread = thread();
    Future<?> run = thread.submit(() -> new ExecProcessor(List.of(script.toString()), CAP, temp).process(Map.of()));
    AtomicLong largest = new AtomicLong();
    Await.until(Duration.ofSeconds(10), () -> "the task to end; its files took " + largest + " bytes so far", () -> {
      largest.accumulateAndGet(bytesUnder(temp), Math::max);
      return run.isDone();
    });
    TaskFail fail = assertInstanceOf(TaskFail.class, assertThrows(ExecutionException.class, run::get).getCause());
    assertEquals(1, fail.result().get("exitCode"));
    String stderr = (String) fail.result().get("stderr");
    assertEquals(4096, stderr.length());
    assertTrue(stderr.endsWith("\0END\n"));
    assertTrue(largest.get() <= SLACK, "the task's files took " + largest + " bytes");
  }

  @Test
  void aChildLeftRunningWhenTheCommandExitsEndsWithTheTask() throws Exception {
    Path pid = dir.resolve("child");
    // The child keeps the command's stdout open too: the result must not wait for it.
    Path script = script("sleep 1000 &\necho $! > " + pid + "\necho '{\"done\": true}'");
    assertEquals(Map.of("done", true), new ExecProcessor(List.of(script.toString())).process(Map.of()));
    long child = Long.parseLong(Files.readString(pid).trim());
    servers.after(() -> ProcessHandle.of(child).ifPresent(ProcessHandle::destroyForcibly));
    Await.until(Duration.ofSeconds(5), "child " + child + " gone", () -> isGone(child));
  }

  @Test
  void aChildLeftRunningWhenTheCommandFailsEndsWithTheTask() throws Exception {
    Path pid = dir.resolve("child");
    Path script = script("sleep 1000 > /dev/null 2>&1 &\necho $! > " + pid + "\nexit 2");
    TaskFail fail = assertThrows(TaskFail.class, () -> new ExecProcessor(List.of(script.toString())).process(Map.of()));
    assertEquals(2, fail.result().get("exitCode"));
    long child = Long.parseLong(Files.readString(pid).trim());
    servers.after(() -> ProcessHandle.of(child).ifPresent(ProcessHandle::destroyForcibly));
    Await.until(Duration.ofSeconds(5), "child " + child + " gone", () -> isGone(child));
  }

  /** A thread for a task, stopped after the test: it must end within 10 s. */
  private ExecutorService thread() {
    ExecutorService thread = Executors.newSingleThreadExecutor();
    servers.after(() -> {
      thread.shutdownNow();
      assertTrue(thread.awaitTermination(10, TimeUnit.SECONDS));
    });
    return thread;
  }

  /** The pid a script writes to {@code file} with {@code echo}, once the whole line is there. */
  private static long awaitPid(Path file) {
    String[] line = {""};
    Await.until(Duration.ofSeconds(10), "a pid in " + file, () -> {
      try {
        line[0] = Files.readString(file);
      } catch (IOException notYet) {
        return false;
      }
      return line[0].endsWith("\n");
    });
    return Long.parseLong(line[0].trim());
  }

  /**
   * Whether process {@code pid} ended: no longer there, or a zombie (dead, and waiting for init to
   * reap it, which some container inits do only every second or two).
   */
  private static boolean isGone(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    } catch (IOException noSuchProcess) {
      return true;
    }
  }

  /** The bytes of the files under {@code root} now; files that vanish while counted count 0. */
  private static long bytesUnder(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      return paths.mapToLong(path -> {
        try {
          return Files.isRegularFile(path) ? Files.size(path) : 0;
        } catch (IOException gone) {
          return 0;
        }
      }).sum();
    } catch (IOException | UncheckedIOException gone) {
      return 0; // the task's directory was removed while walked: counted again on the next look
    }
  }
}
