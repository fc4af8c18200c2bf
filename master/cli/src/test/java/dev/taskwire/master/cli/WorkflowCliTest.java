package dev.taskwire.master.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.json.Json;
import dev.taskwire.common.protocol.Token;
import dev.taskwire.common.testing.DocBlocks;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.master.Master;
import dev.taskwire.master.TestMasters;
import dev.taskwire.master.admin.AdminApi;
import dev.taskwire.master.admin.MasterClient;
import dev.taskwire.master.scheduler.Job;
import dev.taskwire.master.scheduler.Passing;
import dev.taskwire.slave.Slave;
import dev.taskwire.slave.TestSlaves;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code submit --file} of a workflow file (lines {@code {"data", "name", "after"}}), run in-process
 * against a real master with its admin API and two real slaves (the demo processor: the sum of a
 * and b) on loopback.
 */
@Timeout(120)
class WorkflowCliTest {
  @RegisterExtension final Servers servers = new Servers();
  @TempDir Path dir;
  private Master master;
  private Path tokenFile;
  private Token token;

  /** What one command did. */
  private record Run(int code, String out, String err) {
    List<Map<String, Object>> jsonLines() {
      return out.lines().map(Json::parseObject).toList();
    }
  }

  @BeforeEach
  void start() throws Exception {
    token = Token.generate();
    tokenFile = dir.resolve("token");
    Files.writeString(tokenFile, token.value() + "\n");
    Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
    master = servers.start(TestMasters.loopback().extension(new AdminApi(token, 1_000)).build().start());
    for (String name : List.of("s1", "s2")) {
      Slave slave = servers.start(TestSlaves.loopback().slots(2).gracePeriod(Duration.ofMillis(100)).build().start());
      Run connect = run("connect", name, "127.0.0.1:" + slave.port());
      assertEquals(0, connect.code(), connect.err());
    }
  }

  private Run run(String... args) {
    Map<String, String> env = new HashMap<>();
    env.put("TASKWIRE_MASTER", "http://127.0.0.1:" + master.port());
    env.put("TASKWIRE_TOKEN_FILE", tokenFile.toString());
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, env, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  private Path file(String... lines) throws Exception {
    Path file = dir.resolve("workflow.jsonl");
    Files.write(file, List.of(lines));
    return file;
  }

  private Job job(Map<String, Object> line) {
    return master.scheduler().job((String) line.get("id")).orElseThrow();
  }

  /** The scheduler's count of jobs submitted, as the admin API tells it. */
  private long submitted() throws Exception {
    return new MasterClient("http://127.0.0.1:" + master.port(), token).schedulerSummary().totals().submitted();
  }

  @Test
  void aDiamondListedDownstreamFirstRunsInDependencyOrderAndWritesInFileOrder() throws Exception {
    // The example of docs/command-line.md, with a blank line (skipped, and counted) in the middle.
    Path file = file(
        "{\"data\": {\"a\": 1000, \"b\": 2000}, \"name\": \"d\", \"after\": [\"b\", \"c\"]}",
        "{\"data\": {\"a\": 100, \"b\": 200}, \"name\": \"c\", \"after\": [\"a\"]}",
        "",
        "{\"data\": {\"a\": 1, \"b\": 2}, \"name\": \"a\"}",
        "{\"data\": {\"a\": 10, \"b\": 20}, \"name\": \"b\", \"after\": [\"a\"]}");
    Run run = run("submit", "--file", file.toString(), "--passing", "merge", "--group", "wf", "--batch", "7");
    assertEquals(0, run.code(), run.err());
    assertTrue(run.err().endsWith("4 job(s): 4 completed, 0 not\n"), run.err());
    List<Map<String, Object>> lines = run.jsonLines();
    assertEquals(List.of(1, 2, 4, 5), lines.stream().map(line -> line.get("line")).toList(), "file order");
    assertEquals(List.of(3000, 300, 3, 30), lines.stream().map(line -> ((Map<?, ?>) line.get("result")).get("sum")).toList());
    assertTrue(lines.stream().allMatch(line -> "COMPLETED".equals(line.get("status"))), run.out());
    Job d = job(lines.get(0));
    Job c = job(lines.get(1));
    Job a = job(lines.get(2));
    Job b = job(lines.get(3));
    // The file's names became the jobs' names, and its "after" their upstreams, in the order given.
    assertEquals(List.of("d", "c", "a", "b"), List.of(d, c, a, b).stream().map(job -> job.options().name()).toList());
    assertEquals(List.of(b.id(), c.id()), d.upstreams());
    assertEquals(List.of(a.id()), b.upstreams());
    assertEquals(List.of(a.id()), c.upstreams());
    assertEquals(List.of(), a.upstreams());
    assertEquals(Passing.MERGE, d.options().passing());
    assertEquals("wf", d.options().group(), "the job flags apply to every line");
    // What was sent carries the upstreams' results, merged: proof each ran after its upstreams completed.
    assertEquals(Map.of("a", 10, "b", 20, "sum", 3), b.sentData());
    assertEquals(Map.of("a", 100, "b", 200, "sum", 3), c.sentData());
    assertEquals(Map.of("a", 1000, "b", 2000, "sum", 300), d.sentData(), "the later upstream (c) wins");
    assertEquals(Map.of("a", 1, "b", 2), a.sentData());
    assertEquals(4, submitted());
  }

  @Test
  void theWorkflowFileOfTheDocsRunsAsPrintedAndWritesItsResultsInFileOrder() throws Exception {
    DocBlocks.Block lines = DocBlocks.of(DocBlocks.file("docs/command-line.md"), "text").stream()
        .filter(block -> block.text().contains("\"name\": \"d\"")).findFirst().orElseThrow();
    List<String> words = DocBlocks.words(DocBlocks.shellLines(DocBlocks.next(lines)).get(0));
    assertEquals(List.of("java", "-jar", "master/target/taskwire-master.jar"), words.subList(0, 3), "the command after the file");
    Path file = dir.resolve("workflow.jsonl");
    Files.writeString(file, lines.text());
    // As printed, but for where the file is: this JVM's working folder is the module's.
    String[] args = words.subList(3, words.size()).stream().map(word -> word.equals("workflow.jsonl") ? file.toString() : word)
        .toArray(String[]::new);

    Run run = run(args);

    assertEquals(0, run.code(), run.err());
    assertEquals(List.of(3000, 300, 3, 30),
        run.jsonLines().stream().map(line -> ((Map<?, ?>) line.get("result")).get("sum")).toList(), "as the page says");
  }

  @Test
  void nestIsTheDefaultAndKeysResultsByTheFilesNames() throws Exception {
    Path file = file(
        "{\"data\": {\"a\": 1, \"b\": 2}, \"name\": \"first\"}",
        "{\"data\": {\"a\": 3, \"b\": 4}}",
        "{\"data\": {\"a\": 5, \"b\": 6}, \"after\": [\"first\"]}");
    Run run = run("submit", "--file", file.toString());
    assertEquals(0, run.code(), run.err());
    List<Map<String, Object>> lines = run.jsonLines();
    assertEquals(List.of(1, 2, 3), lines.stream().map(line -> line.get("line")).toList());
    assertEquals(Map.of("a", 3, "b", 4), job(lines.get(1)).data(), "{\"data\": {...}} alone is a line of the workflow");
    Job last = job(lines.get(2));
    assertEquals(Passing.NEST, last.options().passing());
    assertEquals(Map.of("a", 5, "b", 6, "upstream", Map.of("first", Map.of("sum", 3))), last.sentData());
  }

  @Test
  void aCycleIsAUsageErrorNamingItsLinesAndNothingIsSubmitted() throws Exception {
    Path file = file(
        "{\"data\": {\"a\": 1, \"b\": 2}, \"name\": \"a\"}",
        "{\"data\": {\"a\": 1, \"b\": 2}, \"name\": \"b\", \"after\": [\"a\", \"d\"]}",
        "{\"data\": {\"a\": 1, \"b\": 2}, \"name\": \"c\", \"after\": [\"b\"]}",
        "{\"data\": {\"a\": 1, \"b\": 2}, \"name\": \"d\", \"after\": [\"b\"]}");
    Run run = run("submit", "--file", file.toString());
    assertEquals(2, run.code(), run.err());
    assertEquals("", run.out());
    assertEquals("taskwire-master submit: Invalid value for option '--file': line 2: \"after\" makes a cycle:"
        + " b (line 2) after d (line 4) after b", run.err().lines().findFirst().orElseThrow());

    Files.write(file, List.of("{\"data\": {}, \"name\": \"self\", \"after\": [\"self\"]}"));
    Run self = run("submit", "--file", file.toString());
    assertEquals(2, self.code(), self.err());
    assertTrue(self.err().startsWith("taskwire-master submit: Invalid value for option '--file': line 1: \"after\" makes a"
        + " cycle: self (line 1) after self"), self.err());
    assertEquals(0, submitted());
  }

  @Test
  void anUnknownNameInAfterIsAUsageErrorNamingTheLineAndNothingIsSubmitted() throws Exception {
    Path file = file(
        "{\"data\": {\"a\": 1, \"b\": 2}, \"name\": \"a\"}",
        "",
        "{\"data\": {\"a\": 1, \"b\": 2}, \"after\": [\"a\", \"nope\"]}");
    Run run = run("submit", "--file", file.toString());
    assertEquals(2, run.code(), run.err());
    assertTrue(run.err().startsWith("taskwire-master submit: Invalid value for option '--file': line 3: \"after\" names"
        + " \"nope\", and no line of the file has that name"), run.err());
    assertEquals(0, submitted());
  }

  @Test
  void aDuplicateNameAndOtherBadLinesAreUsageErrorsAndNothingIsSubmitted() throws Exception {
    Map<List<String>, String> cases = new java.util.LinkedHashMap<>();
    cases.put(List.of("{\"data\": {}, \"name\": \"a\"}", "{\"data\": {}, \"name\": \"b\"}", "{\"data\": {}, \"name\": \"a\"}"),
        "line 3: the name \"a\" is taken by line 1 (names are unique within a file)");
    cases.put(List.of("{\"data\": {}, \"name\": \"a\"}", "{\"data\": {}, \"after\": [\"a\", \"a\"]}"),
        "line 2: after names a job twice: [a, a]");
    cases.put(List.of("{\"data\": {}, \"name\": \"not ok\"}"), "line 1: a job name must be 1 to 128 characters");
    cases.put(List.of("{\"data\": {}, \"after\": \"a\"}"), "line 1: \"after\" must be a list of names of other lines");
    cases.put(List.of("{\"data\": {}, \"name\": 7}"), "line 1: \"name\" must be a string");
    cases.put(List.of("{\"data\": {}, \"name\": \"a\"}", "{\"data\": {\"upstream\": 1}, \"after\": [\"a\"]}"),
        "line 2: the data has an \"upstream\" entry, where passing nest puts the upstream results");
    cases.put(List.of("{\"a\": 1, \"b\": 2}", "{\"data\": {}, \"name\": \"a\"}"), "line 1: not a workflow line, and line 2"
        + " made this a workflow file: there every line is {\"data\": {...}} with optional \"name\" and \"after\" and no"
        + " other key (give --data-lines to send every line as the job's data)");
    for (Map.Entry<List<String>, String> c : cases.entrySet()) {
      Path file = file(c.getKey().toArray(String[]::new));
      Run run = run("submit", "--file", file.toString());
      assertEquals(2, run.code(), c.getKey() + ": " + run.err());
      assertTrue(run.err().startsWith("taskwire-master submit: Invalid value for option '--file': " + c.getValue()),
          c.getKey() + ":\n" + run.err());
    }
    Path plain = file("{\"a\": 1, \"b\": 2}");
    Run passingOnAPlainFile = run("submit", "--file", plain.toString(), "--passing", "merge");
    assertEquals(2, passingOnAPlainFile.code());
    assertTrue(passingOnAPlainFile.err().startsWith("taskwire-master submit: --passing applies to a workflow --file only"),
        passingOnAPlainFile.err());
    Run badPassing = run("submit", "--file", plain.toString(), "--passing", "zip");
    assertEquals(2, badPassing.code());
    assertTrue(badPassing.err().startsWith("taskwire-master submit: Invalid value for option '--passing': zip (nest, merge"
        + " or none)"), badPassing.err());
    Run passingOnJson = run("submit", "{\"a\": 1}", "--passing", "none");
    assertEquals(2, passingOnJson.code());
    assertTrue(passingOnJson.err().startsWith("taskwire-master submit: --passing applies to --file only"),
        passingOnJson.err());
    assertEquals(0, submitted());

    Run help = run("submit", "--help");
    assertTrue(help.out().contains("--passing=MODE"), help.out());
    assertTrue(help.out().contains("--data-lines"), help.out());
    assertTrue(help.out().replaceAll("\\s+", " ").contains("A workflow file is held in memory whole"), help.out());
  }

  @Test
  void aFailedUpstreamFailsItsDownstreamsWithUpstreamFailedAndExitsOne() throws Exception {
    Path file = file(
        "{\"data\": {\"a\": \"x\", \"b\": 1}, \"name\": \"bad\"}",
        "{\"data\": {\"a\": 1, \"b\": 2}, \"name\": \"good\"}",
        "{\"data\": {\"a\": 1, \"b\": 2}, \"name\": \"next\", \"after\": [\"bad\", \"good\"]}",
        "{\"data\": {\"a\": 1, \"b\": 2}, \"after\": [\"next\"]}");
    Run run = run("submit", "--file", file.toString());
    assertEquals(Main.EXIT_TASK_FAILED, run.code(), run.err());
    assertTrue(run.err().endsWith("4 job(s): 1 completed, 3 not\n"), run.err());
    List<Map<String, Object>> lines = run.jsonLines();
    assertEquals(List.of(1, 2, 3, 4), lines.stream().map(line -> line.get("line")).toList());
    assertEquals(List.of("FAILED", "COMPLETED", "FAILED", "FAILED"), lines.stream().map(line -> line.get("status")).toList());
    assertEquals(Map.of("error", "'a' is not a number"), lines.get(0).get("result"));
    assertEquals("SLAVE_FAILED", ((Map<?, ?>) lines.get(0).get("failure")).get("reason"));
    for (Map<String, Object> downstream : lines.subList(2, 4)) {
      Map<?, ?> failure = (Map<?, ?>) downstream.get("failure");
      assertNotNull(failure, downstream.toString());
      assertEquals("UPSTREAM_FAILED", failure.get("reason"), downstream.toString());
      assertEquals("upstream-failed", ((Map<?, ?>) downstream.get("result")).get("error"));
      assertEquals(0, downstream.get("attempts"), "never dispatched");
    }
  }

  @Test
  void aPlainFileKeepsItsMeaningEvenWithADataKey() throws Exception {
    // {"data": {...}} alone, or with keys other than name and after, is a plain job's data.
    Path file = file("{\"data\": {\"a\": 1}}", "{\"data\": {\"a\": 1}, \"a\": 2, \"b\": 3}");
    Run run = run("submit", "--file", file.toString());
    assertEquals(Main.EXIT_TASK_FAILED, run.code(), "the first has no a and b at the top: " + run.err());
    List<Map<String, Object>> lines = run.jsonLines();
    assertEquals(Map.of("data", Map.of("a", 1)), job(lines.get(0)).data());
    assertEquals(Map.of("sum", 5), lines.get(1).get("result"));

    // --data-lines: a line shaped like a workflow line is data too.
    Path shaped = file("{\"data\": {\"x\": 1}, \"name\": \"n\", \"a\": 1}", "{\"data\": {\"x\": 2}, \"name\": \"n\"}");
    Run dataLines = run("submit", "--file", shaped.toString(), "--data-lines");
    assertEquals(Main.EXIT_TASK_FAILED, dataLines.code(), dataLines.err());
    List<Map<String, Object>> written = dataLines.jsonLines();
    assertEquals(Map.of("data", Map.of("x", 2), "name", "n"), job(written.get(1)).data());
    assertEquals(null, job(written.get(1)).options().name());
    assertEquals(new ArrayList<>(List.of(1, 2)), written.stream().map(line -> line.get("line")).toList());
  }
}
