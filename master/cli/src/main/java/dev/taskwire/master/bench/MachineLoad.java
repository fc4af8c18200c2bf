package dev.taskwire.master.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How busy the machine's CPUs were, from {@code /proc/stat} (Linux): so that a benchmark can say
 * how much CPU other processes took while it measured, on a machine it shares.
 */
final class MachineLoad {
  private static final Path STAT = Path.of("/proc/stat");
  /** The kernel's clock tick, USER_HZ: 100 on every Linux architecture Java runs on. */
  private static final long NANOS_PER_TICK = 10_000_000L;

  private MachineLoad() {}

  /** CPU time all CPUs spent busy (not idle, not waiting for I/O) since boot, or -1 where {@code /proc/stat} cannot tell. */
  static long busyNanos() {
    try {
      String[] cpu = Files.readAllLines(STAT).get(0).trim().split("\\s+");
      long busy = 0;
      for (int i = 1; i < cpu.length && i <= 8; i++) { // user nice system idle iowait irq softirq steal
        if (i != 4 && i != 5) {
          busy += Long.parseLong(cpu[i]);
        }
      }
      return busy * NANOS_PER_TICK;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * Cores other processes kept busy on average between two readings of {@link #busyNanos} taken
   * {@code wallNanos} apart, while this JVM used {@code ownCpuNanos}; NaN where it cannot tell.
   */
  static double otherCores(long busyBefore, long busyAfter, long ownCpuNanos, long wallNanos) {
    if (busyBefore < 0 || busyAfter < 0 || wallNanos <= 0) {
      return Double.NaN;
    }
    return Math.max(0, busyAfter - busyBefore - ownCpuNanos) / (double) wallNanos;
  }
}
