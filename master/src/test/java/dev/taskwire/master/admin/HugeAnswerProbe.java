package dev.taskwire.master.admin;

import dev.taskwire.common.protocol.ResponseException;
import dev.taskwire.common.protocol.Token;
import dev.taskwire.master.Master;
import dev.taskwire.master.TestMasters;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Run in a JVM of its own with a small heap by {@link AnswerBoundTest}: a master whose 200 jobs share
 * one 4 MiB data map (a few MiB of heap in all), asked for all of them at once, which would be an
 * 800 MiB answer. Prints one line per request, {@code <name> <status> <code>}, and exits 0.
 */
public final class HugeAnswerProbe {
  /** Jobs submitted, all with the same data. */
  static final int JOBS = 200;
  /** The size of the one string in their data. */
  static final int DATA_CHARS = 4 * 1024 * 1024;

  private HugeAnswerProbe() {}

  /** A request whose outcome is printed. */
  private interface Call {
    Object call() throws IOException;
  }

  public static void main(String[] args) throws Exception {
    Token token = Token.generate();
    AdminApi api = AdminApi.builder(token).build(); // the default bound, which this heap makes smaller
    try (Master master = TestMasters.loopback().extension(api).build().start()) {
      Map<String, Object> data = Map.of("blob", "x".repeat(DATA_CHARS));
      List<String> ids = new ArrayList<>(JOBS);
      for (int i = 0; i < JOBS; i++) {
        ids.add(master.scheduler().submit(data).id()); // no slave: they stay queued
      }
      MasterClient client = new MasterClient("http://127.0.0.1:" + master.port(), token);
      System.out.println("maxAnswerBytes " + api.maxAnswerBytes());
      report("wait", () -> client.awaitJobs(ids, Duration.ofMillis(1)));
      report("list", () -> client.jobs(null, null, JOBS));
      report("one", () -> client.job(ids.get(0)));
    }
  }

  private static void report(String name, Call call) throws IOException {
    try {
      call.call();
      System.out.println(name + " 200 0");
    } catch (ResponseException e) {
      System.out.println(name + " " + e.httpStatus() + " " + e.code());
    }
  }
}
