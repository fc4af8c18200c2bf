package dev.taskwire.master.bench;

/** One throughput case of the benchmark: S slaves with K slots each, payloads of a given size. */
public record ThroughputCase(int slaves, int slots, int payloadBytes) {
  /** A short label, e.g. {@code 4x4 100B}. */
  public String label() {
    return slaves + "x" + slots + " " + (payloadBytes >= 1024 ? payloadBytes / 1024 + "KiB" : payloadBytes + "B");
  }
}
