package dev.taskwire.master.cli;

import dev.taskwire.common.testing.Ports;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.slave.TestSlaves;
import dev.taskwire.master.TestMasters;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.json.Json;
import dev.taskwire.common.testing.OtherUser;
import dev.taskwire.common.protocol.Token;
import dev.taskwire.master.Master;
import dev.taskwire.master.admin.AdminApi;
import dev.taskwire.slave.Slave;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The client subcommands, run in-process against a real master (with its admin API) and slave. */
class CliTest {
  @RegisterExtension final Servers servers = new Servers();
  @TempDir Path dir;
  private Master master;
  private Slave slave;
  private Path tokenFile;
  private StringWriter out;
  private StringWriter err;

  @BeforeEach
  void start() throws Exception {
    Token token = Token.generate();
    tokenFile = writeTokenFile("token", token.value(), "rw-------");
    master = servers.start(TestMasters.loopback()
        .extension(new AdminApi(token, 1_000)).build().start());
    // Closed first (Servers closes in reverse), so that it can still report the tasks it stops.
    slave = servers.start(TestSlaves.loopback().slots(4).gracePeriod(Duration.ofMillis(100)).build().start());
  }

  /** A token file as serve would leave it when {@code permissions} is {@code rw-------}. */
  private Path writeTokenFile(String name, String token, String permissions) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, token + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
    return file;
  }

  private int run(String... args) {
    out = new StringWriter();
    err = new StringWriter();
    Map<String, String> env = new HashMap<>();
    env.put("TASKWIRE_MASTER", "http://127.0.0.1:" + master.port());
    env.put("TASKWIRE_TOKEN_FILE", tokenFile.toString());
    return Main.run(args, env, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  private void connect() {
    assertEquals(0, run("connect", "s1", "127.0.0.1:" + slave.port()), err::toString);
  }

  @Test
  void connectThenListThenDisconnect() {
    connect();
    assertEquals("connected s1 to http://127.0.0.1:" + slave.port() + " (4 slots)\n", out.toString());
    assertEquals(0, run("connections"));
    String[] lines = out.toString().split("\n");
    assertEquals(2, lines.length, out::toString);
    assertTrue(lines[0].startsWith("NAME"), lines[0]);
    assertTrue(lines[1].matches("s1\\s+http://127\\.0\\.0\\.1:\\d+\\s+CONNECTED\\s+4\\s+0\\s+\\d+ ms ago"), lines[1]);
    assertEquals(0, run("disconnect", "s1"));
    assertEquals("disconnected s1: Disconnected.\n", out.toString());
    assertEquals(0, run("connections"));
    assertEquals(1, out.toString().split("\n").length);
  }

  @Test
  void submitPrintsTheIdAndTaskShowsTheResult() {
    connect();
    assertEquals(0, run("submit", "s1", "{\"a\": 2, \"b\": 3}"));
    String id = out.toString().trim();
    assertTrue(id.matches("[0-9a-f-]{36}"), id);
    assertEquals(0, run("task", id, "--wait"));
    assertEquals("status: COMPLETED\nresult: {\"sum\":5}\n", out.toString());
  }

  @Test
  void submitWaitPrintsTheResult() {
    connect();
    assertEquals(0, run("submit", "s1", "{\"a\": 2, \"b\": 3}", "--wait"));
    assertEquals("{\"sum\":5}\n", out.toString());
  }

  @Test
  void failedTaskExitsWith1AndShowsItsReason() {
    connect();
    assertEquals(1, run("submit", "s1", "{\"fail\": true}", "--wait"));
    assertEquals("{\"error\":\"requested failure\"}\n", out.toString());
    assertTrue(err.toString().contains("FAILED: SLAVE_FAILED"), err::toString);
    assertEquals(0, run("submit", "s1", "{\"a\": 1}"));
    String id = out.toString().trim();
    assertEquals(1, run("task", id, "--wait"));
    assertEquals("status: FAILED\nreason: SLAVE_FAILED: the slave reported a failure\nresult: {\"error\":\"'b' is missing\"}\n", out.toString());
  }

  @Test
  void fileWithHundredTasksWritesOneResultLineEachInOrder() throws Exception {
    connect();
    Path tasks = dir.resolve("tasks.jsonl");
    List<String> lines = IntStream.range(0, 100).mapToObj(i -> "{\"a\": " + i + ", \"b\": 1000}").toList();
    Files.write(tasks, lines, StandardCharsets.UTF_8);
    Path results = dir.resolve("results.jsonl");
    assertEquals(0, run("submit", "s1", "--file", tasks.toString(), "--out", results.toString()), err::toString);
    List<String> written = Files.readAllLines(results);
    assertEquals(100, written.size());
    for (int i = 0; i < 100; i++) {
      Map<String, Object> line = Json.parseObject(written.get(i));
      assertEquals(i + 1, line.get("line"));
      assertEquals("COMPLETED", line.get("status"));
      assertEquals(Map.of("sum", 1000 + i), line.get("result"));
    }
    assertTrue(err.toString().contains("submit s1: 100/100"), err::toString);
    assertTrue(err.toString().endsWith("100 task(s): 100 completed, 0 not\n"), err::toString);
  }

  @Test
  void fileResultsGoToStdoutAndAFailureSetsExitCode1() throws Exception {
    connect();
    Path tasks = dir.resolve("tasks.jsonl");
    Files.writeString(tasks, "{\"a\": 1, \"b\": 2}\n\n{\"fail\": true}\n");
    assertEquals(1, run("submit", "s1", "--file", tasks.toString()));
    String[] lines = out.toString().split("\n");
    assertEquals(2, lines.length);
    assertEquals(1, Json.parseObject(lines[0]).get("line"));
    assertEquals(3, Json.parseObject(lines[1]).get("line"));
    assertEquals("FAILED", Json.parseObject(lines[1]).get("status"));
  }

  @Test
  @org.junit.jupiter.api.Timeout(60)
  void usageErrorsExitWith2() {
    assertEquals(2, run("submit", "s1", "{not json"));
    assertTrue(err.toString().startsWith("taskwire-master submit: Invalid value for JSON: it is not valid JSON"), err::toString);
    assertEquals(2, run("submit", "s1"));
    assertEquals("taskwire-master submit: Give either JSON or --file, not both and not neither\n", err.toString());
    assertEquals(2, run("connect", "s1", "host:99999"));
    assertEquals(2, run("nonsense"));
    assertEquals(2, run("task"));
    String tokenFile = dir.resolve("serve-token").toString();
    assertEquals(2, run("serve", "--port", "-1", "--admin-token-file", tokenFile));
    assertEquals("taskwire-master serve: Invalid value for option '--port': -1 (port not in 0..65535: -1)\n", err.toString());
    assertEquals(2, run("serve", "--port", "0", "--admin-token-file", tokenFile, "--heartbeat-tolerance", "100ms"));
    assertEquals(2, run("serve", "--port", "0", "--admin-token-file", tokenFile, "--task-timeout", "-1s"));
    assertEquals(2, run("connections", "--master", "not a url"));
    assertTrue(err.toString().startsWith("taskwire-master connections: Invalid value for option '--master': not a url"), err::toString);
    assertEquals(2, run("demo", "--tasks", "0"));
    assertEquals("taskwire-master demo: Invalid value for option '--jobs': 0 (jobs < 1: 0)\n", err.toString());
    assertEquals(2, run("demo", "--slaves", "1"));
    assertEquals("taskwire-master demo: Invalid value for option '--slaves': 1 (slaves < 2: 1)\n", err.toString());
    assertEquals(2, run("demo", "--fail-every", "10"));
    assertEquals(2, run("demo", "--workflow", "--jobs", "10"));
    assertEquals("taskwire-master demo: --jobs is for the plain demo; --workflow takes --fan-out\n", err.toString());
    assertEquals(2, run("demo", "--workflow", "--fan-out", "0"));
    assertEquals("taskwire-master demo: Invalid value for option '--fan-out': 0 (fan-out not in 1..100000: 0)\n", err.toString());
  }

  @Test
  void unreachableMasterOrBadTokenExitsWith3() throws Exception {
    int port = Ports.free();
    assertEquals(3, run("connections", "--master", "http://127.0.0.1:" + port));
    assertTrue(err.toString().startsWith("taskwire-master connections: master unreachable"), err::toString);
    Path wrong = writeTokenFile("wrong", Token.generate().value(), "rw-------");
    assertEquals(3, run("connections", "--token-file", wrong.toString()));
    assertEquals("taskwire-master connections: wrong admin token (HTTP 401, code 1001)\n", err.toString());
    assertEquals(3, run("connections", "--token-file", dir.resolve("missing").toString()));
    assertEquals("taskwire-master connections: no admin token file " + dir.resolve("missing")
        + " (serve writes it; pass --token-file)\n", err.toString());
  }

  @Test
  void clientCommandsRefuseAShortTokenWithExit3AndSayHowToFixIt() throws Exception {
    Path shortToken = writeTokenFile("short", "0123456789ab", "rw-------");
    assertEquals(3, run("connections", "--token-file", shortToken.toString()));
    assertEquals("taskwire-master connections: admin token in " + shortToken + " is 12 characters; use at least 32"
        + " (delete the file and serve makes a new one)\n", err.toString());
    assertEquals("", out.toString());
  }

  @Test
  void clientCommandsRefuseATokenFileOthersMayReadOrWrite() throws Exception {
    String token = Files.readString(tokenFile).trim();
    Path groupReadable = writeTokenFile("group-readable", token, "rw-r-----");
    assertEquals(3, run("connections", "--token-file", groupReadable.toString()));
    assertEquals("taskwire-master connections: admin token file " + groupReadable + " is readable by group or others (rw-r-----);"
        + " run: chmod 600 " + groupReadable + "\n", err.toString());
    Path othersWritable = writeTokenFile("others-writable", token, "rw-----w-");
    assertEquals(3, run("submit", "s1", "{}", "--token-file", othersWritable.toString()));
    assertEquals("taskwire-master submit: admin token file " + othersWritable + " is writable by group or others (rw-----w-);"
        + " run: chmod 600 " + othersWritable + "\n", err.toString());
    // The same token in an owner-only file is accepted.
    assertEquals(0, run("connections", "--token-file", writeTokenFile("owner-only", token, "r--------").toString()), err::toString);
  }

  @Test
  void connectToASlaveWithASecretTheMasterLacksSaysWhyItWasRefused() {
    Slave guarded = servers.start(TestSlaves.loopback().secret(dev.taskwire.common.security.SharedSecret.generate()).build().start());
    assertEquals(1, run("connect", "guarded", "127.0.0.1:" + guarded.port()));
    assertTrue(err.toString().contains("Connection refused!") && err.toString().endsWith(": proof missing\n"), err::toString);
  }

  @Test
  void serveRefusesOpenJoinWithASecretAndASecretFileOthersMayRead() throws Exception {
    String tokenFile = dir.resolve("serve-token").toString();
    Path secret = dir.resolve("fleet-secret");
    dev.taskwire.common.security.SharedSecret.loadOrCreate(secret);
    assertEquals(2, run("serve", "--host", "127.0.0.1", "--port", "0", "--admin-token-file", tokenFile,
        "--secret-file", secret.toString(), "--allow-open-join"));
    assertTrue(err.toString().startsWith("taskwire-master serve: --allow-open-join and --secret-file exclude each other"),
        err::toString);
    Path open = writeTokenFile("open-secret", Token.generate().value(), "rw-r--r--");
    assertEquals(2, run("serve", "--host", "127.0.0.1", "--port", "0", "--admin-token-file", tokenFile,
        "--secret-file", open.toString()));
    assertEquals("taskwire-master serve: Invalid value for option '--secret-file': shared secret file " + open
        + " is readable by group or others (rw-r--r--); run: chmod 600 " + open + "\n", err.toString());
  }

  @Test
  void serveWithASecretFileAndOpenJoinMakesNoFileBeforeRefusing() {
    Path secret = dir.resolve("new-secret");
    Path token = dir.resolve("new-token");
    assertEquals(2, run("serve", "--host", "127.0.0.1", "--port", "0", "--admin-token-file", token.toString(),
        "--secret-file", secret.toString(), "--allow-open-join"));
    assertFalse(Files.exists(secret), "serve made " + secret + " for a command line it refused");
    assertFalse(Files.exists(token), "serve made " + token + " for a command line it refused");
    assertEquals("taskwire-master serve: --allow-open-join and --secret-file exclude each other: with a shared secret,"
        + " every join must prove it\n", err.toString());
    // A bad flag after --secret-file, refused while parsing, leaves nothing behind either.
    assertEquals(2, run("serve", "--secret-file", secret.toString(), "--port", "-1", "--admin-token-file", token.toString()));
    assertFalse(Files.exists(secret), "serve made " + secret + " for a command line it refused");
  }

  /** What serve and the client commands say of a secret file owned by another user. */
  private static String ownerRefusal(String what, Path file) throws Exception {
    String self = OtherUser.self(file.getParent());
    return what + " file " + file + " is owned by " + OtherUser.NAME + ", not by " + self + " who runs this process;"
        + " run this as " + OtherUser.NAME + ", or: chown " + self + " " + file;
  }

  @Test
  @org.junit.jupiter.api.Timeout(60) // a serve that took the file would run until then
  void serveRefusesAnAdminTokenOrSecretFileOfAnotherUserWithExit2() throws Exception {
    Path token = OtherUser.owns(writeTokenFile("their-token", Token.generate().value(), "rw-------"));
    assertEquals(2, run("serve", "--host", "127.0.0.1", "--port", "0", "--admin-token-file", token.toString()));
    assertEquals("taskwire-master serve: " + ownerRefusal("admin token", token) + "\n", err.toString());
    Path secret = OtherUser.owns(writeTokenFile("their-secret", Token.generate().value(), "rw-------"));
    assertEquals(2, run("serve", "--host", "127.0.0.1", "--port", "0", "--admin-token-file", dir.resolve("serve-token").toString(),
        "--secret-file", secret.toString()));
    assertEquals("taskwire-master serve: Invalid value for option '--secret-file': " + ownerRefusal("shared secret", secret)
        + "\n", err.toString());
  }

  @Test
  void clientCommandsRefuseATokenFileOfAnotherUserWithExit3() throws Exception {
    Path theirs = OtherUser.owns(writeTokenFile("their-token", Files.readString(tokenFile).trim(), "rw-------"));
    assertEquals(3, run("connections", "--token-file", theirs.toString()));
    assertEquals("taskwire-master connections: " + ownerRefusal("admin token", theirs) + "\n", err.toString());
    assertEquals("", out.toString());
  }

  @Test
  @org.junit.jupiter.api.Timeout(60)
  void serveRefusesABadTokenFileWithExit2AndOneLine() throws Exception {
    Path shortToken = writeTokenFile("serve-short", "0123456789ab", "rw-------");
    assertEquals(2, run("serve", "--host", "127.0.0.1", "--port", "0", "--admin-token-file", shortToken.toString()));
    assertEquals("taskwire-master serve: admin token in " + shortToken + " is 12 characters; use at least 32"
        + " (delete the file and serve makes a new one)\n", err.toString());
    Path open = writeTokenFile("serve-open", Token.generate().value(), "rw-rw-rw-");
    assertEquals(2, run("serve", "--host", "127.0.0.1", "--port", "0", "--admin-token-file", open.toString()));
    assertEquals("taskwire-master serve: admin token file " + open + " is readable and writable by group or others (rw-rw-rw-);"
        + " run: chmod 600 " + open + "\n", err.toString());
    assertEquals("rw-rw-rw-", PosixFilePermissions.toString(Files.getPosixFilePermissions(open)), "serve does not chmod it itself");
  }

  @Test
  void unknownConnectionExitsWith1() {
    assertEquals(1, run("submit", "ghost", "{}"));
    assertEquals("taskwire-master submit: no live connection named ghost (HTTP 404, code 1002)\n", err.toString());
  }

  @Test
  @org.junit.jupiter.api.Timeout(120)
  void demoKillsASlaveJvmAndEveryJobStillCompletesExactlyOnce() {
    // The slaves are JVMs of their own, started from this test's classpath.
    assertEquals(0, run("demo", "--slaves", "2", "--jobs", "60", "--slots", "2"), err::toString);
    String summary = out.toString();
    assertTrue(summary.startsWith("Taskwire demo: a master and 2 slave JVMs x 2 slots on loopback, 60 jobs through the"
        + " scheduler (15 interactive at priority 1, 45 batch at priority 0); one slave is killed halfway\n"), summary);
    Matcher slaves = Pattern.compile("(?m)^slaves: demo-1 pid (\\d+) port \\d+, demo-2 pid (\\d+) port \\d+$").matcher(summary);
    assertTrue(slaves.find(), summary);
    Matcher killed = Pattern.compile("(?m)^killed slave demo-[12] \\(pid (\\d+)\\) with SIGKILL after (\\d+) of 60 jobs had"
        + " completed, \\d+ jobs? running on it; the master dropped its connection [0-9.]+ s later \\(heartbeat tolerance 2s\\)$")
        .matcher(summary);
    assertTrue(killed.find(), summary);
    assertTrue(Integer.parseInt(killed.group(2)) >= 30, "killed once half had completed: " + killed.group(2));
    assertTrue(List.of(slaves.group(1), slaves.group(2)).contains(killed.group(1)), summary);
    assertTrue(summary.contains("\npriority 1 interactive: 15 jobs, 15 completed, "), summary);
    assertTrue(summary.contains("\npriority 0 batch: 45 jobs, 45 completed, "), summary);
    Matcher retried = Pattern.compile("(?m)^retried: (\\d+) jobs? \\(.*\\); scheduler totals: 60 submitted, 60 completed, 0 failed,"
        + " (\\d+) retries$").matcher(summary);
    assertTrue(retried.find(), summary);
    assertTrue(Integer.parseInt(retried.group(2)) >= Integer.parseInt(retried.group(1)), summary);
    assertTrue(summary.matches("(?s).*\nthroughput \\d+ jobs/s \\(60 jobs in [0-9.]+ s, .*"), summary);
    assertTrue(summary.endsWith("\nevery job completed exactly once (60 of 60: one onComplete callback per job id, no onFail,"
        + " every sum right)\n"), summary);
    for (String pid : List.of(slaves.group(1), slaves.group(2))) {
      assertFalse(ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false),
          "slave process " + pid + " is gone after the demo");
    }
  }

  @Test
  @org.junit.jupiter.api.Timeout(120)
  void demoWorkflowRunsADiamondAndAFanInAndPrintsTheirResults() {
    assertEquals(0, run("demo", "--workflow", "--slaves", "2", "--slots", "2", "--fan-out", "20"), err::toString);
    String summary = out.toString();
    assertTrue(summary.startsWith("Taskwire demo --workflow: a master and 2 slave JVMs x 2 slots on loopback; a diamond"
        + " (A -> B, C -> D) and a split fanning out to 20 jobs whose sums a combined job adds up on the master (no slave is"
        + " killed)\n"), summary);
    Matcher slaves = Pattern.compile("(?m)^slaves: demo-1 pid (\\d+) port \\d+, demo-2 pid (\\d+) port \\d+$").matcher(summary);
    assertTrue(slaves.find(), summary);
    assertTrue(summary.contains("\ndiamond A: COMPLETED {\"sum\":3}\n"
        + "diamond B: COMPLETED {\"sum\":30} (after A)\n"
        + "diamond C: COMPLETED {\"sum\":300} (after A)\n"
        + "diamond D: COMPLETED {\"sum\":3000} (after B, C)\n"
        + "diamond D was sent: {\"a\":1000,\"b\":2000,\"upstream\":{\"B\":{\"sum\":30},\"C\":{\"sum\":300}}}\n"), summary);
    assertTrue(summary.contains("\nfan-out: split COMPLETED {\"sum\":20}; 20 jobs after it: 20 completed, 0 failed, 0 not final,"
        + " 20 with the right sum, 20 sent the split's result\n"), summary);
    assertTrue(summary.contains("\nfan-in: total COMPLETED on the master: {\"total\":210}, the sum of 20 results (expected 210:"
        + " right)\n"), summary);
    assertTrue(Pattern.compile("\nevery workflow job completed with the right result \\(26 jobs in [0-9.]+ s\\)\n$")
        .matcher(summary).find(), summary);
    for (String pid : List.of(slaves.group(1), slaves.group(2))) {
      assertFalse(ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false),
          "slave process " + pid + " is gone after the demo");
    }
  }

  @Test
  void helpListsTheSubcommands() {
    assertEquals(0, run("--help"));
    // Each subcommand as a word of its own in the help's list ("connect" is not found in "connections").
    for (String command : List.of("serve", "connect", "disconnect", "connections", "submit", "task", "demo", "bench")) {
      assertTrue(java.util.regex.Pattern.compile("(?m)^\\s+" + command + "\\s").matcher(out.toString()).find(),
          command + " in\n" + out);
    }
    assertEquals(0, run("serve", "--help"));
    assertTrue(out.toString().contains("--heartbeat-tolerance=DURATION"), out::toString);
    assertTrue(out.toString().contains("(default: 17s)"), out::toString);
  }
}
