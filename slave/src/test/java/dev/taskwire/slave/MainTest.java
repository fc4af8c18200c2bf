package dev.taskwire.slave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.security.SharedSecret;
import dev.taskwire.common.testing.OtherUser;
import dev.taskwire.common.testing.Servers;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

class MainTest {
  @RegisterExtension final Servers servers = new Servers();
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(Map<String, String> env, String... args) {
    return Main.run(args, env, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  @Test
  void helpListsEveryFlagWithItsDefault() {
    assertEquals(0, run(Map.of(), "--help"));
    String help = out.toString();
    for (String flag : new String[] {"--host", "--port", "--channel", "--slots", "--heartbeat-span", "--request-retries",
        "--retry-wait", "--grace-period", "--task-timeout", "--max-body-bytes", "--body-timeout", "--max-master-tolerance",
        "--exec", "--processor"}) {
      assertTrue(help.contains(flag), flag + " in\n" + help);
    }
    assertTrue(help.contains("(default: 7236)"), help);
    assertTrue(help.contains("(default: 3s)"), help);
    assertTrue(help.contains("(default: 10s)"), help);
    assertTrue(help.contains("TASKWIRE_HEARTBEAT_SPAN"), help);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "--port|abc|Invalid value for option '--port': 'abc' is not an int",
      "--port|70000|Invalid value for option '--port': 70000 (port not in 0..65535: 70000)",
      "--slots|0|Invalid value for option '--slots': 0 (slots < 1: 0)",
      "--heartbeat-span|100ms|Invalid value for option '--heartbeat-span': 100ms (heartbeatSpan < 200ms: 100ms)",
      "--heartbeat-span|3 parsecs|Invalid value for option '--heartbeat-span': not a duration (write it like 200ms, 3s, 1.5s, 2m or 1h): '3 parsecs'",
      "--retry-wait|-1s|Invalid value for option '--retry-wait': not a duration (write it like 200ms, 3s, 1.5s, 2m or 1h): '-1s'",
      "--grace-period|soon|Invalid value for option '--grace-period': not a duration (write it like 200ms, 3s, 1.5s, 2m or 1h): 'soon'",
      "--task-timeout|10|Invalid value for option '--task-timeout': not a duration (write it like 200ms, 3s, 1.5s, 2m or 1h): '10'",
      "--request-retries|-1|Invalid value for option '--request-retries': -1 (requestRetries < 0: -1)",
      "--channel|x|Invalid value for option '--channel': 'x' is not a long",
      "--max-body-bytes|0|Invalid value for option '--max-body-bytes': 0 (maxBodyBytes < 1: 0)",
      "--body-timeout|0s|Invalid value for option '--body-timeout': 0ms (bodyTimeout < 1ms: 0ms)",
      "--processor|com.example.Missing|Invalid value for option '--processor': com.example.Missing (java.lang.ClassNotFoundException: com.example.Missing)",
      "--processor|java.lang.String|Invalid value for option '--processor': java.lang.String (does not implement dev.taskwire.slave.TaskProcessor)",
  })
  void badValueEndsWithOneLineNamingFlagAndValueAndExitCode2(String flag, String value, String message) {
    assertEquals(2, run(Map.of(), flag, value));
    assertEquals("taskwire-slave: " + message + System.lineSeparator(), err.toString());
  }

  @Test
  void unknownFlagIsAUsageError() {
    assertEquals(2, run(Map.of(), "--bogus"));
    assertEquals("taskwire-slave: Unknown option: '--bogus'" + System.lineSeparator(), err.toString());
  }

  @Test
  void environmentVariableSetsAFlagAndIsCheckedTheSameWay() {
    assertEquals(2, run(Map.of("TASKWIRE_SLOTS", "0")));
    assertEquals("taskwire-slave: Invalid value for option '--slots': 0 (slots < 1: 0)" + System.lineSeparator(), err.toString());
  }

  @Test
  void execTakesTheCommandAndItsArguments() {
    Slave slave = servers.start(Main.configure(new String[] {"--port", "0", "--slots", "3", "--exec", "./task.sh", "-v", "x y"}, Map.of()).build());
    assertEquals("exec ./task.sh -v x y", slave.config().processorDescription());
    assertEquals(3, slave.config().slots());
  }

  @Test
  void execFromTheEnvironmentIsSplitOnSpaces() {
    Slave slave = servers.start(Main.configure(new String[0], Map.of("TASKWIRE_EXEC", "python3  task.py --fast", "TASKWIRE_PORT", "0")).build());
    assertEquals("exec python3 task.py --fast", slave.config().processorDescription());
    assertEquals(0, slave.config().port());
  }

  @Test
  void processorClassIsLoaded() {
    Slave slave = servers.start(Main.configure(new String[] {"--processor", "dev.taskwire.slave.processor.DemoProcessor"}, Map.of()).build());
    assertEquals("dev.taskwire.slave.processor.DemoProcessor", slave.config().processorDescription());
    assertTrue(slave.config().processor() instanceof dev.taskwire.slave.processor.DemoProcessor);
  }

  @Test
  void execAndProcessorExcludeEachOther() {
    assertEquals(2, run(Map.of(), "--processor", "x.Y", "--exec", "cat"));
    assertEquals("taskwire-slave: --exec and --processor exclude each other" + System.lineSeparator(), err.toString());
  }

  @Test
  void bodyTimeoutAndMaxMasterToleranceAreSet() {
    Slave slave = servers.start(Main.configure(new String[] {"--body-timeout", "2s", "--max-master-tolerance", "30s"}, Map.of()).build());
    assertEquals(java.time.Duration.ofSeconds(2), slave.config().bodyTimeout());
    assertEquals(java.time.Duration.ofSeconds(30), slave.config().maxMasterTolerance());
  }

  @Test
  void labelsAreRepeatableAndChecked() {
    Slave slave = servers.start(Main.configure(new String[] {"--label", "zone=eu", "--label", "gpu", "--label", "gpu"}, Map.of()).build());
    assertEquals(java.util.List.of("gpu", "zone=eu"), slave.config().labels());
    Slave fromEnv = servers.start(Main.configure(new String[0], Map.of("TASKWIRE_LABEL", "gpu,zone=eu")).build());
    assertEquals(java.util.List.of("gpu", "zone=eu"), fromEnv.config().labels());
    assertEquals(2, run(Map.of(), "--label", "no spaces"));
    assertTrue(err.toString().contains("a label must be 1 to 64 characters"), err::toString);
  }

  @Test
  void joinFlagsAreSetRepeatableAndFromTheEnvironment(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path secret = dir.resolve("secret");
    dev.taskwire.common.security.SharedSecret made = dev.taskwire.common.security.SharedSecret.loadOrCreate(secret);
    SlaveConfig config = Main.configure(new String[] {"--join", "http://10.0.0.5:7235", "--join", "https://standby:7235",
        "--name", "gpu-7", "--advertise", "https://gpu-7.internal:7236", "--secret-file", secret.toString(),
        "--join-retry-max", "2s"}, Map.of()).build().config();
    assertEquals(java.util.List.of("http://10.0.0.5:7235", "https://standby:7235"),
        config.joinUrls().stream().map(Object::toString).toList());
    assertEquals("gpu-7", config.name());
    assertEquals("https://gpu-7.internal:7236", config.advertise().toString());
    assertEquals(made.fingerprint(), config.secret().fingerprint());
    assertEquals(java.time.Duration.ofSeconds(2), config.joinRetryMax());

    SlaveConfig fromEnv = Main.configure(new String[0], Map.of("TASKWIRE_JOIN", "http://a:1,http://b:2",
        "TASKWIRE_SECRET_FILE", secret.toString())).build().config();
    assertEquals(2, fromEnv.joinUrls().size());
    assertEquals(made.fingerprint(), fromEnv.secret().fingerprint());
  }

  @Test
  void aSecretFileOfAnotherUserIsAUsageError(@TempDir Path dir) throws Exception {
    Path secret = dir.resolve("secret");
    SharedSecret.loadOrCreate(secret);
    OtherUser.owns(secret);
    String self = OtherUser.self(dir);
    // Parsed without running, so that a slave taking the file would not start.
    CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class,
        () -> Main.configure(new String[] {"--secret-file", secret.toString()}, Map.of()));
    assertEquals("Invalid value for option '--secret-file': shared secret file " + secret + " is owned by nobody,"
        + " not by " + self + " who runs this process; run this as nobody, or: chown " + self + " " + secret, e.getMessage());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "--join|ftp://x|Invalid value for option '--join'",
      "--name|a b|Invalid value for option '--name': a b (a connection name must be",
      "--advertise|nowhere|Invalid value for option '--advertise'",
      "--secret-file|/no/such/file|Invalid value for option '--secret-file': no such file /no/such/file (copy the master's secret file here)",
      "--join-retry-max|10ms|Invalid value for option '--join-retry-max'"})
  void badJoinFlagsEndWithOneLineAndExitCode2(String flag, String value, String message) {
    assertEquals(2, run(Map.of(), flag, value));
    assertTrue(err.toString().startsWith("taskwire-slave: " + message), err::toString);
    assertEquals(1, err.toString().lines().count(), err::toString);
  }

  @Test
  void outboxFlagsHaveTheirDefaultsAndAreSetByFlagOrEnvironment(@TempDir Path dir) {
    assertEquals(0, run(Map.of(), "--help"));
    String help = out.toString().replaceAll("\\s+", " "); // as read, whatever the wrapping
    for (String flag : new String[] {"--outbox-max", "--outbox-max-age", "--outbox-dir"}) {
      assertTrue(help.contains(flag), flag + " in\n" + help);
    }
    assertTrue(help.contains("(default: 10000)"), help);
    assertTrue(help.contains("(default: 24h)"), help);

    SlaveConfig defaults = Main.configure(new String[0], Map.of()).build().config();
    assertEquals(10_000, defaults.outboxMax());
    assertEquals(java.time.Duration.ofHours(24), defaults.outboxMaxAge());
    assertEquals(null, defaults.outboxDir());

    SlaveConfig flags = Main.configure(new String[] {"--outbox-max", "50", "--outbox-max-age", "2h",
        "--outbox-dir", dir.toString()}, Map.of()).build().config();
    assertEquals(50, flags.outboxMax());
    assertEquals(java.time.Duration.ofHours(2), flags.outboxMaxAge());
    assertEquals(dir, flags.outboxDir());

    SlaveConfig env = Main.configure(new String[0], Map.of("TASKWIRE_OUTBOX_MAX", "7", "TASKWIRE_OUTBOX_MAX_AGE", "90m",
        "TASKWIRE_OUTBOX_DIR", dir.toString())).build().config();
    assertEquals(7, env.outboxMax());
    assertEquals(java.time.Duration.ofMinutes(90), env.outboxMaxAge());
    assertEquals(dir, env.outboxDir());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "--outbox-max|0|Invalid value for option '--outbox-max': 0 (outboxMax not in 1..100000 (a /connect answer lists them all): 0)",
      "--outbox-max|100001|Invalid value for option '--outbox-max': 100001 (outboxMax not in 1..100000 (a /connect answer lists them all): 100001)",
      "--outbox-max-age|500ms|Invalid value for option '--outbox-max-age': 500ms (outboxMaxAge < 1s: 500ms)",
      "--outbox-max-age|a day|Invalid value for option '--outbox-max-age': not a duration (write it like 200ms, 3s, 1.5s, 2m or 1h): 'a day'"})
  void badOutboxFlagsEndWithOneLineNamingFlagAndValueAndExitCode2(String flag, String value, String message) {
    assertEquals(2, run(Map.of(), flag, value));
    assertEquals("taskwire-slave: " + message + System.lineSeparator(), err.toString());
  }
}
