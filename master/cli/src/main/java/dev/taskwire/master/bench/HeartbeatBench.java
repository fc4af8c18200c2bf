package dev.taskwire.master.bench;

import dev.taskwire.common.util.NamedThreads;
import dev.taskwire.common.http.BaseUrl;
import dev.taskwire.common.http.HttpEngine;
import dev.taskwire.common.http.JsonServer;
import dev.taskwire.common.json.JsonFields;
import dev.taskwire.common.protocol.CommonErrorCode;
import dev.taskwire.common.protocol.Headers;
import dev.taskwire.common.protocol.Side;
import dev.taskwire.master.Master;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The master's cost of many slaves: N simulated slaves connect to a real master and heartbeat every
 * second over real HTTP. The simulated slaves are one small server that accepts any number of
 * {@code /connect}s (as a reference slave answers them) and a pool that sends each one's
 * heartbeats; only the master's own threads are counted for its CPU.
 */
public final class HeartbeatBench {
  /** Heartbeat span of the simulated slaves. */
  static final Duration SPAN = Duration.ofSeconds(1);

  private HeartbeatBench() {}

  /** What the heartbeat case measured. */
  public record Result(int slaves, int seconds, int heartbeats, int failedHeartbeats, double masterCpuPercentOfOneCore,
      long heapUsedBytes, Percentiles roundTripNanos, int falseDrops) {}

  /**
   * Runs {@code slaves} simulated slaves against a master: {@code warmupSeconds} for the JIT to
   * settle, then {@code seconds} measured.
   */
  public static Result run(int slaves, int warmupSeconds, int seconds) throws Exception {
    JsonServer simulated = JsonServer.create("simslaves", CommonErrorCode.COMMON_FAILURE);
    List<String> tokens = java.util.Collections.synchronizedList(new ArrayList<>());
    simulated.post("/connect", ctx -> {
      JsonFields.object(simulated.body(ctx), "master");
      tokens.add(ctx.header(Headers.TOKEN)); // the connection token this slave will heartbeat with
      JsonServer.success(ctx, "Connect success.", null);
    });
    simulated.start("127.0.0.1", 0);
    ScheduledExecutorService senders = Executors.newScheduledThreadPool(8, NamedThreads.daemon("bench-heartbeat-sender"));
    try (Master master = Master.builder().host("127.0.0.1").port(0).callbackHost("127.0.0.1").build().start()) {
      for (int i = 0; i < slaves; i++) {
        master.newConnection("sim-" + i, "127.0.0.1", simulated.port()).connect();
      }
      HttpEngine engine = HttpEngine.builder(BaseUrl.of("127.0.0.1", master.port(), false), Side.MASTER).retries(0).build();
      ConcurrentLinkedQueue<Long> roundTrips = new ConcurrentLinkedQueue<>();
      AtomicInteger failures = new AtomicInteger();
      java.util.concurrent.atomic.AtomicBoolean measuring = new java.util.concurrent.atomic.AtomicBoolean();
      for (int i = 0; i < tokens.size(); i++) {
        Map<String, String> headers = Map.of(Headers.CHANNEL, "0", Headers.TOKEN, tokens.get(i));
        long phase = SPAN.toNanos() * i / tokens.size();
        senders.scheduleAtFixedRate(() -> {
          long t0 = System.nanoTime();
          try {
            engine.send("GET", "/slave/heartbeat", null, headers);
            if (measuring.get()) {
              roundTrips.add(System.nanoTime() - t0);
            }
          } catch (java.io.InterruptedIOException stopping) {
            // The run is over: senders are being stopped.
          } catch (Exception e) {
            if (measuring.get()) {
              failures.incrementAndGet();
            }
          }
        }, phase, SPAN.toNanos(), TimeUnit.NANOSECONDS);
      }
      senders.awaitTermination(warmupSeconds, TimeUnit.SECONDS); // warm-up: nothing ends it early
      long cpuBefore = masterCpuNanos();
      long start = System.nanoTime();
      measuring.set(true);
      senders.awaitTermination(seconds, TimeUnit.SECONDS); // the measured run: nothing ends it early
      long wall = System.nanoTime() - start;
      double cpuPercent = 100.0 * (masterCpuNanos() - cpuBefore) / wall;
      senders.shutdownNow();
      senders.awaitTermination(10, TimeUnit.SECONDS);
      int falseDrops = slaves - master.names().size();
      System.gc();
      long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
      long[] values = roundTrips.stream().mapToLong(Long::longValue).toArray();
      return new Result(slaves, seconds, values.length, failures.get(), cpuPercent, heap, new Percentiles(values), falseDrops);
    } finally {
      senders.shutdownNow();
      simulated.stop();
    }
  }

  /** CPU time of the master's own threads (HTTP, timer with the heartbeat check, results): named {@code taskwire-master-*}. */
  static long masterCpuNanos() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long total = 0;
    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      if (thread.getName().startsWith("taskwire-master")) {
        long cpu = threads.getThreadCpuTime(thread.getId());
        if (cpu > 0) {
          total += cpu;
        }
      }
    }
    return total;
  }
}
