package dev.taskwire.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.DocBlocks;
import dev.taskwire.common.testing.Ports;
import dev.taskwire.common.testing.Servers;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's quickstart and the admin API's "Try it", run as printed, as a user types them: in a
 * scratch folder beside the JARs (links to the checkout's {@code master} and {@code slave}), with
 * a home of its own (the admin token goes there), blocks in page order:
 *
 * <ul>
 *   <li>a {@code bash} block is a terminal of its own that keeps running (the slave, {@code serve}):
 *       started in the background, and waited for until it logs that it listens;
 *   <li>a {@code java} block is saved as its class's file, as the page says to;
 *   <li>a {@code console} block is typed into one shell: each line after {@code $ } is a command
 *       that must succeed and print exactly the lines below it.
 * </ul>
 *
 * The quickstart uses the default ports, 7235 and 7236: when something else holds one, the test is
 * skipped, saying so.
 */
class QuickstartIT {
  private static final Path README = DocBlocks.file("README.md");
  private static final Duration COMMAND_LIMIT = Duration.ofSeconds(120);
  private static final String END = "__taskwire_doc_command_ended__";

  @TempDir Path dir;
  /** Stops every shell started, and what it started, after the test: SIGTERM, SIGKILL after 15 s. */
  @RegisterExtension final Servers servers = new Servers();
  private int logs;

  @Test
  @Timeout(300)
  void theReadmeFromQuickstartToTheSchedulerExampleRunsAsPrinted() throws Exception {
    assumeQuickstartPortsFree();
    List<DocBlocks.Block> blocks = new ArrayList<>();
    blocks.addAll(DocBlocks.section(README, "## Quickstart on one host"));
    blocks.addAll(DocBlocks.section(README, "## Embed a master"));
    blocks.addAll(DocBlocks.section(README, "## Submit jobs from Java (the scheduler)"));
    assertEquals(List.of("bash", "bash", "console", "console", "java", "console", "java", "console"),
        blocks.stream().map(DocBlocks.Block::language).toList(), "the blocks this test knows how to run");

    run(blocks);
  }

  @Test
  @Timeout(300)
  void theAdminApiTryItRunsAsPrintedAgainstTheQuickstartsMaster() throws Exception {
    assumeQuickstartPortsFree();
    assumeTrue(onPath("curl") && onPath("jq"), "docs/admin-api.md's Try it needs curl and jq on the PATH");
    List<DocBlocks.Block> blocks = new ArrayList<>(DocBlocks.section(README, "## Quickstart on one host").stream()
        .filter(block -> block.language().equals("bash")).toList());
    blocks.addAll(DocBlocks.section(DocBlocks.file("docs/admin-api.md"), "## Try it"));
    assertEquals(List.of("bash", "bash", "console"), blocks.stream().map(DocBlocks.Block::language).toList());

    run(blocks);
  }

  private void run(List<DocBlocks.Block> blocks) throws Exception {
    Path root = DocBlocks.root();
    assertTrue(Files.exists(root.resolve("master/target/taskwire-master.jar")), "run after mvn package");
    Files.createSymbolicLink(dir.resolve("master"), root.resolve("master"));
    Files.createSymbolicLink(dir.resolve("slave"), root.resolve("slave"));
    Files.createDirectories(dir.resolve("home"));
    Shell shell = null;
    for (DocBlocks.Block block : blocks) {
      switch (block.language()) {
        case "bash" -> background(block);
        case "java" -> Files.writeString(dir.resolve(block.publicClass() + ".java"), block.text());
        case "console" -> {
          if (shell == null) {
            shell = new Shell();
          }
          for (DocBlocks.Command command : DocBlocks.console(block)) {
            shell.type(block, command);
          }
        }
        default -> throw new AssertionError(block.where() + ": no way to run a " + block.language() + " block");
      }
    }
  }

  /** Starts a {@code bash} block as a terminal of its own, and waits until what it starts listens. */
  private void background(DocBlocks.Block block) throws IOException {
    Path log = dir.resolve("terminal-" + (++logs) + ".log");
    Process process = start(new ProcessBuilder("bash", "-c", block.text()).redirectErrorStream(true)
        .redirectOutput(log.toFile()));
    Await.until(Duration.ofSeconds(60), block.where() + " listening (see " + log + ")", () -> {
      if (!process.isAlive()) {
        throw new AssertionError(block.where() + " ended: " + read(log));
      }
      String text = read(log);
      return text.contains("Taskwire slave listening on") || text.contains("Admin API at");
    });
  }

  /** One shell that a console block is typed into, so that a variable set by one line is there for the next. */
  private final class Shell {
    private final Process process;
    private final Writer in;
    private final BlockingQueue<String> out = new LinkedBlockingQueue<>();

    Shell() throws IOException {
      process = start(new ProcessBuilder("bash", "--noprofile", "--norc").redirectError(dir.resolve("console-stderr.log").toFile()));
      in = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
      Thread reader = new Thread(() -> {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            out.add(line);
          }
        } catch (IOException ended) {
          // the shell was stopped
        }
      }, "quickstart-console-reader");
      reader.setDaemon(true);
      reader.start();
    }

    /** Types {@code command}; it must end with status 0 and print exactly its lines. */
    void type(DocBlocks.Block block, DocBlocks.Command command) throws Exception {
      // Its own stdin is empty, so nothing it runs reads the commands meant for the shell.
      in.write("{ " + command.line() + "\n} < /dev/null\nprintf '\\n" + END + " %s\\n' $?\n");
      in.flush();
      List<String> printed = new ArrayList<>();
      while (true) {
        String line = out.poll(COMMAND_LIMIT.toSeconds(), TimeUnit.SECONDS);
        if (line == null) {
          throw new AssertionError(block.where() + ": no end within " + COMMAND_LIMIT + " of $ " + command.line()
              + "\nprinted so far: " + printed + "\nstderr: " + read(dir.resolve("console-stderr.log")));
        }
        if (line.startsWith(END + " ")) {
          String status = line.substring(END.length() + 1);
          // The printf's own newline ends a last line printed without one; drop the empty line it leaves.
          if (!printed.isEmpty() && printed.get(printed.size() - 1).isEmpty()) {
            printed.remove(printed.size() - 1);
          }
          assertEquals("0", status, block.where() + ": $ " + command.line() + " failed; printed " + printed
              + "\nstderr: " + read(dir.resolve("console-stderr.log")));
          assertEquals(command.output(), printed, block.where() + ": what $ " + command.line() + " printed");
          return;
        }
        printed.add(line);
      }
    }
  }

  private Process start(ProcessBuilder builder) throws IOException {
    Path home = dir.resolve("home");
    Map<String, String> env = builder.environment();
    env.put("HOME", home.toString());
    // Java takes its user.home from the password file, not $HOME: point it at the same home.
    env.put("JAVA_TOOL_OPTIONS", "-Duser.home=" + home);
    env.put("PATH", Path.of(JarProcesses.java()).getParent() + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
    env.keySet().removeIf(name -> name.startsWith("TASKWIRE_"));
    return servers.start(builder.directory(dir.toFile()).start(), JarProcesses.STOP_GRACE);
  }

  private static void assumeQuickstartPortsFree() {
    assumeTrue(!Ports.listening(7235) && !Ports.listening(7236),
        "the quickstart's ports 7235 and 7236 must be free: something listens on one of them");
  }

  private static boolean onPath(String program) {
    return Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
        .anyMatch(folder -> !folder.isEmpty() && Files.isExecutable(Path.of(folder, program)));
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (IOException e) {
      return e.toString();
    }
  }
}
