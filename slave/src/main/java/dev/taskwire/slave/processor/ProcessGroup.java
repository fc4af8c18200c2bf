package dev.taskwire.slave.processor;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts an {@code --exec} command as the leader of a process group of its own, and ends that
 * group with it, so that nothing the command started outlives its task.
 *
 * <p><b>Why a process group.</b> A child that is still running when its parent exits (a {@code
 * sleep 1000 &} in a script) is re-parented to init, so {@link ProcessHandle#descendants()} no
 * longer finds it once the parent is gone, and polling the descendants while the parent lives
 * misses a child started just before the exit. Its process group the child keeps. So the command
 * is started under {@code setsid} (util-linux, or busybox), which makes it the leader of a new
 * session and process group whose id is its pid, and {@link #kill} signals that group ({@code
 * kill -s KILL -- -PGID}): the kernel reaches every member at once, even one forked a moment
 * earlier, and whether its parent still lives or not. The descendants found while the leader lives
 * are killed too, which reaches the ones that left the group.
 *
 * <p><b>Limits.</b> A process that leaves the group itself ({@code setsid}, {@code setpgid}: a
 * daemon, or a shell with job control, {@code set -m}) and whose parent has exited (a
 * double-forked daemon) is in neither set and outlives the task; so does anything started through
 * another service (systemd, at, a container runtime). Without a {@code setsid} program on the PATH
 * (not Linux), commands run in the slave's own group and only their living descendants are killed,
 * which is logged once.
 */
final class ProcessGroup {
  private static final Logger log = LoggerFactory.getLogger(ProcessGroup.class);
  /** How long {@link #kill} waits for the shell that signals the group. */
  private static final long KILL_WAIT_SECONDS = 5;
  /** The setsid program, or null when the PATH has none. */
  private static final String SETSID = onPath("setsid", System.getenv("PATH"));
  private static volatile boolean missingLogged;

  private ProcessGroup() {}

  /** Whether commands get a process group of their own here (a {@code setsid} program was found). */
  static boolean available() {
    return SETSID != null;
  }

  /**
   * Starts {@code builder}'s command under {@code setsid} when there is one (the builder's command
   * is changed to that), else as it is.
   *
   * @throws IOException if the program cannot be found or run: checked here, since {@code setsid}
   *     would only report it as its own exit code
   */
  static Process start(ProcessBuilder builder) throws IOException {
    if (SETSID == null) {
      if (!missingLogged) {
        missingLogged = true;
        log.warn("No setsid on the PATH: --exec commands run in the slave's process group, and processes a command"
            + " leaves running when it exits are not ended");
      }
      return builder.start();
    }
    List<String> command = builder.command();
    String program = command.get(0);
    requireRunnable(program, builder.environment().get("PATH"));
    List<String> wrapped = new ArrayList<>(command.size() + 1);
    wrapped.add(SETSID);
    wrapped.addAll(command);
    // setsid only forks when it is already a group leader, which a child of the JVM never is: so
    // the process Java sees is the command itself, and its pid is its group's id.
    return builder.command(wrapped).start();
  }

  /**
   * Kills {@code process}, every descendant it has now, and every process left in its group (with
   * {@code setsid}), alive or already exited; its pipes are left open. Waits at most {@value #KILL_WAIT_SECONDS} s for the
   * signal to be sent; never throws.
   */
  static void kill(Process process) {
    // Captured first: a child whose parent is killed is re-parented and no longer a descendant.
    List<ProcessHandle> descendants = process.descendants().toList();
    if (SETSID != null) {
      killGroup(process.pid());
    }
    descendants.forEach(ProcessHandle::destroyForcibly);
    // Through its handle: Process.destroyForcibly() would also close the pipes, which still hold
    // what the process wrote last.
    process.toHandle().destroyForcibly();
  }

  /**
   * Sends SIGKILL to process group {@code pgid}. Java has no call for it, so the shell's {@code
   * kill} does it (a builtin: no procps needed). A group with no process left answers "no such
   * process", which is fine. The group id cannot name another group while a member lives: the
   * kernel does not reuse a pid still in use as a group id.
   */
  private static void killGroup(long pgid) {
    try {
      Process kill = new ProcessBuilder("/bin/sh", "-c", "kill -s KILL -- -" + pgid)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
      if (!kill.waitFor(KILL_WAIT_SECONDS, TimeUnit.SECONDS)) {
        kill.destroyForcibly();
        log.warn("Ending the processes of an --exec task (group {}) took longer than {} s", pgid, KILL_WAIT_SECONDS);
      }
    } catch (IOException e) {
      log.warn("Cannot end the processes of an --exec task (group {}): {}", pgid, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // the signal is on its way; the caller's interrupt is kept
    }
  }

  /** Throws, with Java's wording, unless {@code program} names an executable file (on {@code path} if it has no slash). */
  private static void requireRunnable(String program, String path) throws IOException {
    if (program.contains("/")) {
      Path file = Path.of(program);
      if (!Files.isRegularFile(file) || !Files.isExecutable(file)) {
        throw new IOException("Cannot run program \"" + program + "\": "
            + (Files.exists(file) ? "not an executable file" : "no such file"));
      }
    } else if (onPath(program, path) == null) {
      throw new IOException("Cannot run program \"" + program + "\": not found on the PATH");
    }
  }

  /** The executable file {@code program} in a directory of {@code path}, or null. */
  private static String onPath(String program, String path) {
    if (path == null) {
      return null;
    }
    for (String dir : path.split(File.pathSeparator)) {
      Path file = Path.of(dir.isEmpty() ? "." : dir, program);
      if (Files.isRegularFile(file) && Files.isExecutable(file)) {
        return file.toString();
      }
    }
    return null;
  }
}
