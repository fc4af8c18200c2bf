package dev.taskwire.master;

import static dev.taskwire.master.JarProcesses.MASTER_JAR;
import static dev.taskwire.master.JarProcesses.SLAVE_JAR;
import static dev.taskwire.master.JarProcesses.java;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.Ports;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.master.admin.AdminToken;
import dev.taskwire.master.admin.MasterClient;
import dev.taskwire.master.admin.AdminMessages.ConnectionView;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fleet of JAR processes that assembles itself: slave JARs started with {@code --join} before the
 * master exists connect once it starts; the master JAR killed with SIGKILL and started again gets
 * every slave back within its heartbeat tolerance + 5 s, with no command; a slave without the
 * secret is refused and says why on its {@code /health}.
 */
class FleetJoinIT {
  private static final Duration TOLERANCE = Duration.ofSeconds(2);

  @TempDir Path dir;
  @RegisterExtension final Servers servers = new Servers();

  private Process start(String name, List<String> command) throws IOException {
    return JarProcesses.start(servers, dir, name, command);
  }

  private Process startMaster(int port, Path secret, Path token) throws IOException {
    return start("master", List.of(java(), "-jar", MASTER_JAR.toString(), "serve", "--host", "127.0.0.1", "--port", "" + port,
        "--callback-host", "127.0.0.1", "--heartbeat-tolerance", TOLERANCE.toMillis() + "ms", "--heartbeat-check-span",
        "200ms", "--secret-file", secret.toString(), "--admin-token-file", token.toString()));
  }

  private static Set<String> connected(MasterClient client) {
    try {
      Set<String> names = new TreeSet<>();
      for (ConnectionView view : client.connections()) {
        names.add(view.name());
      }
      return names;
    } catch (IOException | RuntimeException e) {
      return Set.of();
    }
  }

  private static String health(int port) {
    try {
      HttpResponse<String> answer = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString());
      return answer.body();
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  @Test
  @Timeout(180)
  void slavesJoinAMasterThatStartsLaterAndComeBackAfterItIsKilled() throws Exception {
    int masterPort = Ports.free();
    Path secret = dir.resolve("fleet-secret");
    Path token = dir.resolve("admin-token");
    // The master makes the secret; the slaves need it first, so make it the way serve does.
    dev.taskwire.common.security.SharedSecret.loadOrCreate(secret);

    List<Integer> slavePorts = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      int port = Ports.free();
      slavePorts.add(port);
      start("slave-" + i, List.of(java(), "-jar", SLAVE_JAR.toString(), "--host", "127.0.0.1", "--port", "" + port,
          "--heartbeat-span", "200ms", "--join", "http://127.0.0.1:" + masterPort, "--name", "worker-" + i,
          "--secret-file", secret.toString(), "--join-retry-max", "1s"));
    }
    int strangerPort = Ports.free();
    start("stranger", List.of(java(), "-jar", SLAVE_JAR.toString(), "--host", "127.0.0.1", "--port", "" + strangerPort,
        "--join", "http://127.0.0.1:" + masterPort, "--name", "stranger", "--join-retry-max", "1s"));
    for (int port : slavePorts) {
      Await.until(Duration.ofSeconds(30), "slave on " + port + " joining", () -> health(port).contains("\"joining\""));
    }

    Process master = startMaster(masterPort, secret, token);
    JarProcesses.awaitMaster(masterPort, token);
    MasterClient client = new MasterClient("http://127.0.0.1:" + masterPort, AdminToken.load(token));
    Set<String> fleet = Set.of("worker-0", "worker-1", "worker-2");
    Await.until(Duration.ofSeconds(30), () -> "all joined; connected: " + connected(client), () -> connected(client).equals(fleet));
    Await.until(Duration.ofSeconds(30), "the stranger refused", () -> health(strangerPort).contains("gave up"));
    assertTrue(health(strangerPort).contains("proof missing"), health(strangerPort));

    master.destroyForcibly(); // SIGKILL: no goodbye to anyone
    assertTrue(master.waitFor(10, TimeUnit.SECONDS));
    Process again = startMaster(masterPort, secret, token);
    Await.until(Duration.ofSeconds(30), "master listening again", () -> Ports.listening(masterPort));
    long restarted = System.nanoTime();
    MasterClient second = new MasterClient("http://127.0.0.1:" + masterPort, AdminToken.load(token));
    Await.until(TOLERANCE.plusSeconds(5), () -> "all back; connected: " + connected(second), () -> connected(second).equals(fleet));
    long backMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restarted);
    assertTrue(again.isAlive());

    String slaveLog = Files.readString(dir.resolve("slave-0.log"));
    String secretText = Files.readString(secret).trim();
    assertFalse(slaveLog.contains(secretText), "the secret is never logged");
    assertFalse(Files.readString(dir.resolve("master.log")).contains(secretText), "the secret is never logged");
    System.out.println("FleetJoinIT: every slave back " + backMillis + " ms after the master listened again");
  }
}
